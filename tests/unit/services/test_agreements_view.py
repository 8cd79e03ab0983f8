"""The schedule beside what happened, without a gateway: states, totals, statuses, the rolling
horizon of an open-ended agreement, and what a cancel would stop."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from clickpay_desk.services.agreements import (
    AgreementStatus,
    InstallmentState,
    agreement_view,
)
from clickpay_desk.store.agreements import AgreementPayment
from clickpay_desk.store.records import AgreementRecord


def _record(terms: int, *, final: str | None = None, cancelled: bool = False) -> AgreementRecord:
    agreement = {
        "agreement_description": "Plan",
        "agreement_currency": "SAR",
        "initial_amount": "30.00",
        "repeat_amount": "10.00",
        "repeat_terms": terms,
        "repeat_period": 3,
        "repeat_every": 1,
        "first_installment_due_date": "31/01/2025",
    }
    if final:
        agreement["final_amount"] = final
    payload: dict = {
        "request": {"agreement": agreement, "customer_details": {"name": "Omar"}},
        "start_date": "2025-01-10",
    }
    if cancelled:
        payload["cancel"] = {"message": "Agreement has been cancelled", "trace": "PMNT1"}
    return AgreementRecord(1, 1, "agr-1", "T0", "77", "SAR", Decimal("30.00"), "x", payload)


def _paid(ref: str, kind: str = "installment", status: str = "A", day: str = "2025-02-01"):
    return AgreementPayment(
        None,
        1,
        ref,
        kind,
        status,
        "Authorised" if status == "A" else "Declined",
        "SAR",
        Decimal("30.00") if kind == "initial" else Decimal("10.00"),
        f"{day}T06:00:00Z",
        "verified",
        "confirmed",
        {},
    )


def test_awaiting_until_the_first_payment() -> None:
    view = agreement_view(_record(2), [], date(2025, 1, 11))
    assert view.status is AgreementStatus.AWAITING
    assert {r.state for r in view.rows} == {InstallmentState.AWAITING}
    assert view.collected == 0 and view.to_collect == Decimal("50.00")


def test_paid_overdue_and_completed() -> None:
    record = _record(2, final="5.00")
    payments = [_paid("T0", "initial", day="2025-01-10"), _paid("T1")]
    view = agreement_view(record, payments, date(2025, 3, 5))
    assert [r.state for r in view.rows] == [
        InstallmentState.PAID,
        InstallmentState.PAID,
        InstallmentState.OVERDUE,  # 28 February passed, no callback yet
        InstallmentState.NOT_DUE,  # the final payment, 31 March
    ]
    assert view.status is AgreementStatus.ACTIVE
    assert (view.collected, view.to_collect) == (Decimal("40.00"), Decimal("15.00"))
    done = agreement_view(
        record,
        [*payments, _paid("T2", day="2025-02-28"), _paid("T3", day="2025-03-31")],
        date(2025, 4, 1),
    )
    assert done.status is AgreementStatus.COMPLETED
    assert done.rows[3].paid_amount == Decimal("10.00")


def test_open_ended_rolls_twelve_months_ahead() -> None:
    today = date(2025, 6, 15)
    view = agreement_view(_record(0), [_paid("T0", "initial", day="2025-01-10")], today)
    assert view.open_ended and view.horizon == today + timedelta(days=365)
    assert view.rows[-1].due_date <= view.horizon
    assert len(view.rows) == 1 + 17  # January 2025 to May 2026, every month-end
    assert view.rows[1].state is InstallmentState.OVERDUE
    assert view.next_due == date(2025, 6, 30)


def test_cancelled_stops_every_future_installment() -> None:
    view = agreement_view(
        _record(3, cancelled=True),
        [_paid("T0", "initial", day="2025-01-10"), _paid("T1", status="D")],
        date(2025, 2, 10),
    )
    assert view.status is AgreementStatus.CANCELLED
    assert [r.state for r in view.rows] == [
        InstallmentState.PAID,
        InstallmentState.DECLINED,
        InstallmentState.CANCELLED,
        InstallmentState.CANCELLED,
    ]
    assert view.to_collect == 0 and view.failed == Decimal("10.00")
    assert view.cancel_info == {"message": "Agreement has been cancelled", "trace": "PMNT1"}
