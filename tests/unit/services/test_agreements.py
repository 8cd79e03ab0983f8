"""Agreements against the real loopback sandbox: request, first payment, installments arriving
through the callback folder, a declined one, cancel; and the callback import's rules."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from clickpay_desk.core.profile import GatewayKind, Profile
from clickpay_desk.gateway.callbacks import sign
from clickpay_desk.sandbox import demo
from clickpay_desk.services import agreements as svc
from clickpay_desk.services.agreements import (
    AgreementRequest,
    AgreementStatus,
    ImportOutcome,
    InstallmentState,
)
from clickpay_desk.services.ipn_folder import LoopbackReceiver, import_folder, pending
from clickpay_desk.store.database import Store
from clickpay_desk.store.records import AgreementRecord, JournalStatus
from tests.unit.services.desk import Desk

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "reference"

CUSTOMER = {
    "name": "Riyas Razak",
    "email": "riyas@example.com",
    "phone": "+966501234567",
    "street1": "address street",
    "city": "Riyadh",
    "state": "01",
    "country": "SA",
    "zip": "12345",
}


def sandbox_today(desk: Desk) -> date:
    return date.fromisoformat(desk.control.get("/_sandbox/clock").json()["today"])


def make_request(
    today: date,
    *,
    description: str = "Gym membership",
    terms: int = 3,
    final: str | None = None,
    period: int = 3,
    callback: str | None = None,
) -> AgreementRequest:
    agreement: dict[str, object] = {
        "agreement_description": description,
        "agreement_currency": "SAR",
        "initial_amount": "50.00",
        "repeat_amount": "20.00",
        "repeat_terms": terms,
        "repeat_period": period,
        "repeat_every": 1,
        "first_installment_due_date": (today + timedelta(days=1)).strftime("%d/%m/%Y"),
    }
    if final is not None:
        agreement["final_amount"] = final
    return AgreementRequest(
        cart_id=svc.new_cart_id(today),
        cart_description=description,
        agreement=agreement,
        customer=CUSTOMER,
        callback=callback,
    )


def key_of(desk: Desk) -> str:
    return demo.SERVER_KEY


def test_request_rules_name_the_field() -> None:
    today = date(2026, 5, 1)
    request = make_request(today)
    broken = AgreementRequest(
        cart_id=request.cart_id,
        cart_description="",
        agreement={
            **request.agreement,
            "first_installment_due_date": "01/05/2026",
            "repeat_every": "0",
            "final_amount": "5",
            "repeat_terms": 0,
        },
        customer={**CUSTOMER, "email": "not-an-email", "country": "XX"},
    )
    fields = {v.field for v in broken.problems(today)}
    assert {
        "cart_description",
        "agreement.first_installment_due_date",
        "agreement.repeat_every",
        "agreement.final_amount",
        "customer_details.email",
        "customer_details.country",
    } <= fields
    assert request.problems(today) == []


def test_full_life_through_the_callback_folder(desk: Desk, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    receiver = LoopbackReceiver(inbox).start()
    try:
        today = sandbox_today(desk)
        record = svc.request_agreement(
            desk.store,
            desk.pool,
            desk.profile,
            make_request(today, callback=receiver.url),
            today=today,
        )
        assert record.status == AgreementStatus.AWAITING
        assert record.payload["redirect_url"].startswith(desk.url)
        entry = desk.store.journal_last(svc.subject_of(record.cart_id), "agreement.request")
        assert entry is not None and entry.status is JournalStatus.DONE

        desk.control.post(f"/_sandbox/payments/{record.tran_ref}/pay").raise_for_status()
        assert len(pending(inbox)) == 1
        client = desk.pool.clickpay(desk.profile)

        def confirm(ref: str):
            return client.query_transaction(tran_ref=ref)

        report = import_folder(
            desk.store, desk.profile, inbox, server_key=key_of(desk), confirm=confirm
        )
        assert (report.attached, report.refused) == (1, 0)
        record = desk.store.get_agreement(record.id)
        assert record.agreement_id is not None
        assert record.status == AgreementStatus.ACTIVE

        # Two months on: installments 1 and 2 charged, each confirmed by a query.
        desk.control.post("/_sandbox/clock/advance", json={"days": 40}).raise_for_status()
        report = import_folder(
            desk.store, desk.profile, inbox, server_key=key_of(desk), confirm=confirm
        )
        assert report.attached == 2
        view = svc.agreement_view(
            desk.store.get_agreement(record.id),
            desk.store.list_agreement_payments(record.id),
            sandbox_today(desk),
        )
        states = [r.state for r in view.rows]
        assert states == [
            InstallmentState.PAID,
            InstallmentState.PAID,
            InstallmentState.PAID,
            InstallmentState.NOT_DUE,
        ]
        assert view.collected == Decimal("90.00")
        assert view.to_collect == Decimal("20.00")
        assert all(
            p.confirmation == "confirmed" and p.signature == "verified" for p in view.payments
        )

        # Importing the same files again changes nothing.
        for path in (inbox / "imported").glob("*.json*"):
            path.rename(inbox / path.name)
        again = import_folder(desk.store, desk.profile, inbox, server_key=key_of(desk))
        assert (again.attached, again.duplicates) == (0, 3)

        # Cancel: the answer's message and trace are kept; no more charges.
        cancelled = svc.cancel_agreement(
            desk.store, desk.pool, desk.profile, desk.store.get_agreement(record.id)
        )
        assert cancelled.status == AgreementStatus.CANCELLED
        assert cancelled.payload["cancel"]["message"] == "Agreement has been cancelled"
        assert cancelled.payload["cancel"]["trace"]
        desk.control.post("/_sandbox/clock/advance", json={"days": 60}).raise_for_status()
        assert pending(inbox) == []
    finally:
        receiver.stop()


def test_declined_installment_is_flagged(desk: Desk, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    receiver = LoopbackReceiver(inbox).start()
    try:
        today = sandbox_today(desk)
        record = svc.request_agreement(
            desk.store,
            desk.pool,
            desk.profile,
            make_request(today, description="Paper DECLINE plan", callback=receiver.url),
            today=today,
        )
        desk.control.post(f"/_sandbox/payments/{record.tran_ref}/pay").raise_for_status()
        desk.control.post("/_sandbox/clock/advance", json={"days": 5}).raise_for_status()
        import_folder(desk.store, desk.profile, inbox, server_key=key_of(desk))
        record = desk.store.get_agreement(record.id)
        assert record.status == AgreementStatus.FAILED
        view = svc.agreement_view(
            record, desk.store.list_agreement_payments(record.id), sandbox_today(desk)
        )
        failed = view.first_failed
        assert failed is not None and failed.number == 1
        assert failed.message == "Declined — 51:Insufficient funds"
        assert view.failed == Decimal("20.00")
        invoice = svc.missed_installment_invoice(view, failed)
        assert invoice["amount"] == "20.00" and invoice["currency"] == "SAR"
        assert invoice["customer"]["email"] == CUSTOMER["email"]
        assert invoice["customer"]["street"] == CUSTOMER["street1"]
        record = svc.mark_invoiced(desk.store, record, failed.number)
        assert record.status == AgreementStatus.ACTIVE
    finally:
        receiver.stop()


# --- import rules, on the reference's own callbacks ------------------------------------------


KEY = "SJJN9RLGZT-JDKJKHNMJ-WWGN6Z2RJL"


@pytest.fixture
def store(tmp_path: Path):
    with Store.open(tmp_path / "desk.sqlite3") as s:
        yield s


def _profile(store: Store, merchant_id: str) -> Profile:
    return store.save_profile(
        Profile(
            f"Shop {merchant_id}",
            GatewayKind.CLICKPAY,
            "https://secure.clickpay.com.sa",
            merchant_id,
        )
    )


def _agreement(store: Store, profile: Profile, cart_id: str, tran_ref: str) -> AgreementRecord:
    request = make_request(date(2024, 5, 1)).to_wire(int(profile.merchant_id))
    return store.upsert_agreement(
        AgreementRecord(
            None,
            profile.id,
            cart_id,
            tran_ref,
            None,
            "SAR",
            Decimal("1.01"),
            AgreementStatus.AWAITING,
            {"request": request, "start_date": "2024-05-01"},
        )
    )


def test_reference_callbacks_attach_to_the_right_agreement(store: Store) -> None:
    shop = _profile(store, "42781")
    other = _agreement(store, shop, "cart_00000", "TST0000000000001")
    mine = _agreement(store, shop, "cart_11111", "TST2418600151667")
    raw = (FIXTURES / "002_ipn_initial.json").read_bytes()
    result = svc.import_callback(store, shop, raw, sign(raw, KEY), server_key=KEY)
    assert result.outcome is ImportOutcome.ATTACHED and result.agreement_row == mine.id
    assert store.get_agreement(mine.id).agreement_id == "3153"
    assert store.list_agreement_payments(other.id) == []

    # The follow-up sample belongs to profile 44537 and points at its parent by tran_ref.
    shop2 = _profile(store, "44537")
    parent = _agreement(store, shop2, "Test#1001", "SFT2415409825504")
    _agreement(store, shop2, "cart_x", "SFT0000000000000")
    raw = (FIXTURES / "002_ipn_followup.json").read_bytes()
    result = svc.import_callback(store, shop2, raw, None, server_key=KEY)
    assert result.outcome is ImportOutcome.ATTACHED and result.agreement_row == parent.id
    assert "not signed" in result.message
    [payment] = store.list_agreement_payments(parent.id)
    assert (payment.kind, payment.amount, payment.signature) == (
        "installment",
        Decimal("1.00"),
        "unsigned",
    )

    # Twice: nothing changes.
    again = svc.import_callback(store, shop2, raw, None, server_key=KEY)
    assert again.outcome is ImportOutcome.DUPLICATE
    assert len(store.list_agreement_payments(parent.id)) == 1


def test_tampered_and_malformed_are_refused_and_change_nothing(store: Store) -> None:
    shop = _profile(store, "42781")
    mine = _agreement(store, shop, "cart_11111", "TST2418600151667")
    raw = (FIXTURES / "002_ipn_initial.json").read_bytes()
    signature = sign(raw, KEY)
    tampered = raw.replace(b'"1.01"', b'"9.01"', 1)
    assert tampered != raw
    result = svc.import_callback(store, shop, tampered, signature, server_key=KEY)
    assert result.outcome is ImportOutcome.REFUSED
    assert "signature does not match" in result.message and "Nothing was imported" in result.message

    for broken in (b"{not json", b"[]", json.dumps({"cart_id": "cart_11111"}).encode()):
        result = svc.import_callback(store, shop, broken, None, server_key=KEY)
        assert result.outcome is ImportOutcome.REFUSED and result.malformed
        assert "Nothing was imported" in result.message
    assert store.list_agreement_payments() == []
    assert store.get_agreement(mine.id) == mine

    # Signed for another profile's key: refused, not guessed.
    other = svc.import_callback(store, _profile(store, "44537"), raw, signature, server_key=KEY)
    assert other.outcome is ImportOutcome.REFUSED and "42781" in other.message


def test_request_with_no_answer_is_reconciled_and_then_shown(desk: Desk) -> None:
    from clickpay_desk.gateway.errors import OutcomeUnknown
    from clickpay_desk.services.journal import UnresolvedAttempt
    from clickpay_desk.services.reconcile import reconcile_entry

    today = sandbox_today(desk)
    request = make_request(today)
    desk.fault("/payment/request", "drop-after-commit")
    with pytest.raises(OutcomeUnknown):
        svc.request_agreement(desk.store, desk.pool, desk.profile, request, today=today)
    assert desk.store.list_agreements(desk.profile.id) == []
    [entry] = desk.store.journal_unresolved()
    # The same request cannot be sent again until reconciled.
    with pytest.raises(UnresolvedAttempt):
        svc.request_agreement(desk.store, desk.pool, desk.profile, request, today=today)
    found = reconcile_entry(desk.store, desk.pool, entry)
    assert found.resolved, found.message
    [adopted] = svc.adopt_reconciled(desk.store, desk.profile)
    assert adopted.cart_id == request.cart_id and adopted.tran_ref
    assert svc.adopt_reconciled(desk.store, desk.profile) == []
    with pytest.raises(svc.AlreadyRequested):
        svc.request_agreement(desk.store, desk.pool, desk.profile, request, today=today)
