"""What the payout submission and File ▸ Reconcile tell the user, and what they store: the add
checked again by itself inside the settle window, a dashboard check spelled out from the journal
entry, plain sentences with readable amounts, IBANs stored as sent, and a batch whose currency
is not the deposit account's stopped before anything is added."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from clickpay_desk.exchange.payout_export import entry_row
from clickpay_desk.gateway.models import PayoutBatch, PayoutEntry
from clickpay_desk.services import payouts, reconcile
from clickpay_desk.services.operations import Operation
from clickpay_desk.services.payout_reconcile import Verdict, add_snapshot, settle_add
from clickpay_desk.store.records import JournalStatus
from tests.unit.services.desk import Desk
from tests.unit.services.test_payouts_kit import draft, entry, iban


def _second_add(desk: Desk, mode: str) -> Callable[[payouts.SubmitProgress], None]:
    """A progress callback that arms ``mode`` on the add after the first chunk."""

    def armed(progress: payouts.SubmitProgress) -> None:
        if progress.chunk == 1:
            desk.fault("/payout/batch/add", mode, times=1)

    return armed


def _dropped_add(desk: Desk, mode: str) -> tuple[int, str]:
    """A 4-entry batch whose second add (rows 4–5) got no answer; (local id, remote id)."""
    batch = draft(desk.store, desk.profile, 4, chunk_size=2)
    with pytest.raises(payouts.SubmissionStopped):
        payouts.submit_batch(desk.store, desk.pool, batch.id, progress=_second_add(desk, mode))
    remote = desk.store.get_batch(batch.id).remote_batch_id
    return batch.id, str(remote)


def test_reconcile_inside_the_window_says_when_it_checks_again_then_settles(desk: Desk) -> None:
    batch = draft(desk.store, desk.profile, 2, chunk_size=2)
    desk.fault("/payout/batch/add", "drop-before-commit", times=1)
    with pytest.raises(payouts.SubmissionStopped):
        payouts.submit_batch(desk.store, desk.pool, batch.id)
    (add,) = desk.store.journal_unresolved()
    sent = add.created_at if add.created_at.tzinfo else add.created_at.replace(tzinfo=UTC)
    (early,) = reconcile.reconcile_all(desk.store, desk.pool, now=sent + timedelta(seconds=5))
    assert not early.resolved
    assert early.retry_at == sent + reconcile.SETTLE_WINDOW
    assert "Not yet known" in early.message and "Checked again at" in early.message
    assert "Could not tell" not in early.message
    (late,) = reconcile.reconcile_all(desk.store, desk.pool, now=sent + timedelta(minutes=3))
    assert late.resolved and late.entry.status is JournalStatus.NOT_DONE
    # Submit then sends the chunk that never arrived, once
    result = payouts.submit_batch(desk.store, desk.pool, batch.id)
    assert result.closed
    (sent,) = desk.state()["batches"]
    assert len(sent["requests"]) == 2


def test_an_add_that_cannot_be_settled_names_the_batch_rows_ibans_and_totals(desk: Desk) -> None:
    _, remote = _dropped_add(desk, "drop-before-commit")
    (add,) = desk.store.journal_unresolved()
    hint = reconcile.look_for(desk.profile, add)
    order = add.request["order_id"]
    assert f"open Payouts ▸ batch {remote} (order {order})" in hint
    assert "rows 4–5 added" in hint
    assert f"row 4 {iban(3)} 100.00 SAR" in hint and f"row 5 {iban(4)} 100.00 SAR" in hint
    assert "lists 4 transfers totalling 400.00 SAR" in hint
    assert "lists 2 transfers totalling 200.00 SAR" in hint
    assert "find “" not in hint  # not the generic fallback


def test_a_batch_that_changed_otherwise_stays_unknown_with_the_specific_check() -> None:
    a = (iban(1), Decimal("1250.50"))
    b = (iban(2), Decimal("980.25"))
    other = (iban(9), Decimal("5.00"))
    request = {
        "batch_id": "30143",
        "order_id": "PAYOUT-20261130-01",
        "currency": "SAR",
        "rows": [6, 7],
        **add_snapshot(1, Decimal("1000.00"), Counter([(iban(5), Decimal("1000.00"))]), [a, b]),
    }
    entries = tuple(
        PayoutEntry(entry_id=str(i), status="New", amount=p[1], beneficiary_account_number=p[0])
        for i, p in enumerate([(iban(5), Decimal("1000.00")), other])
    )
    answer = PayoutBatch(
        batch_id="30143", status="New", requests=entries, count=2, total=Decimal("1005.00")
    )
    sent = datetime(2026, 1, 1, tzinfo=UTC)
    found = settle_add(answer, request, sent_at=sent, now=sent + timedelta(hours=1))
    assert found.verdict is Verdict.UNKNOWN
    assert "open Payouts ▸ batch 30143 (order PAYOUT-20261130-01)" in found.message
    assert "lists 3 transfers totalling 3,230.75 SAR (rows 6–7 added" in found.message
    assert f"row 6 {a[0]} 1,250.50 SAR, row 7 {b[0]} 980.25 SAR" in found.message
    assert "lists 1 transfers totalling 1,000.00 SAR, the add did not arrive" in found.message
    # File ▸ Reconcile says the same, not "Could not tell"
    assert "total 1,000.00 SAR → 1,005.00 SAR" in found.message


def test_the_lost_answer_message_is_plain_sentences_with_one_next_step(desk: Desk) -> None:
    batch = draft(desk.store, desk.profile, 4, chunk_size=2)
    with pytest.raises(payouts.SubmissionStopped) as stopped:
        payouts.submit_batch(
            desk.store, desk.pool, batch.id, progress=_second_add(desk, "drop-after-commit")
        )
    text = stopped.value.message
    assert text.startswith("Rows 4–5 were sent to batch ")
    assert "(" not in text and "check its status" not in text
    assert "The 2 transfers sent before them are in the batch." in text
    assert "Submit again" in text and "nothing is paid twice" in text


def test_the_success_message_shows_the_total_with_separators_and_decimals(desk: Desk) -> None:
    batch = draft(desk.store, desk.profile, 3, amount="2407.21")
    result = payouts.submit_batch(desk.store, desk.pool, batch.id)
    assert "3 transfer(s) totalling 7,221.63 SAR:" in result.message


def test_ibans_are_stored_and_exported_as_the_gateway_gets_them(desk: Desk) -> None:
    typed = iban(7).lower()
    spaced = " ".join(typed[i : i + 4] for i in range(0, len(typed), 4))
    batch = payouts.save_draft_batch(
        desk.store,
        desk.profile,
        order_id="PAYROLL-IBAN",
        account_id=desk.profile.payout_account_id,
        currency="SAR",
        rows=[(2, entry(7, "1,250.5", beneficiary_account_number=spaced))],
    )
    (stored,) = desk.store.list_entries(batch.id)
    assert stored.payload["beneficiary_account_number"] == iban(7)
    assert stored.payload["amount"] == "1250.50"
    assert iban(7) in entry_row(stored, "SAR")
    result = payouts.submit_batch(desk.store, desk.pool, batch.id)
    (sent,) = [b for b in desk.state()["batches"] if b["order_id"] == "PAYROLL-IBAN"]
    assert sent["requests"][0]["beneficiary_account_number"] == iban(7)
    assert result.closed


def test_an_entry_stored_as_typed_is_stored_in_wire_form_when_submitted(desk: Desk) -> None:
    batch = draft(desk.store, desk.profile, 2)
    first = desk.store.list_entries(batch.id)[0]
    typed = " ".join(iban(1).lower()[i : i + 4] for i in range(0, 24, 4))
    # as an older version stored it: the IBAN as typed
    payload = {**first.payload, "beneficiary_account_number": typed}
    desk.store.upsert_entries(batch.id, [replace(first, payload=payload)])
    payouts.submit_batch(desk.store, desk.pool, batch.id)
    stored = desk.store.list_entries(batch.id)[0]
    assert stored.payload["beneficiary_account_number"] == iban(1)


def test_a_batch_in_another_currency_than_the_account_stops_before_any_add(desk: Desk) -> None:
    batch = payouts.save_draft_batch(
        desk.store,
        desk.profile,
        order_id="PAYROLL-KWD",
        account_id=desk.profile.payout_account_id,
        currency="KWD",
        rows=[(2, entry(1, "1.250")), (3, entry(2, "2.500"))],
    )
    with pytest.raises(payouts.SubmissionStopped) as stopped:
        payouts.submit_batch(desk.store, desk.pool, batch.id)
    text = stopped.value.message
    account = desk.profile.payout_account_id
    assert f"The deposit account {account} is in SAR; this batch is in KWD." in text
    assert "Nothing was sent beyond an empty batch" in text and "pays nobody" in text
    assert not stopped.value.unknown
    (empty,) = desk.state()["batches"]
    assert empty["order_id"] == "PAYROLL-KWD" and empty["requests"] == []
    assert desk.store.journal_list(operation=Operation.PAYOUT_BATCH_ADD) == []
    # noted as an orphan; the batch is a draft again, under a new order id, to be corrected
    assert desk.store.get_submission(batch.id).orphans == ("PAYROLL-KWD",)
    again = desk.store.get_batch(batch.id)
    assert again.status == "Draft" and again.remote_batch_id is None
    assert again.order_id != "PAYROLL-KWD" and f"“{again.order_id}”" in text
    # submitted again unchanged: refused before anything is sent (no second empty batch)
    with pytest.raises(payouts.SubmissionStopped) as refused:
        payouts.submit_batch(desk.store, desk.pool, batch.id)
    assert "is in SAR; this batch is in KWD. Nothing was sent." in refused.value.message
    assert len(desk.state()["batches"]) == 1
    assert desk.store.get_batch(batch.id).status == "Draft"
    fixed = payouts.save_draft_batch(
        desk.store,
        desk.profile,
        order_id=again.order_id,
        account_id=desk.profile.payout_account_id,
        currency="SAR",
        rows=[(2, entry(1, "1.25")), (3, entry(2, "2.50"))],
        batch_id=batch.id,
    )
    assert desk.store.get_submission(batch.id).orphans == ("PAYROLL-KWD",)
    result = payouts.submit_batch(desk.store, desk.pool, fixed.id)
    assert result.closed
    by_order = {b["order_id"]: b for b in desk.state()["batches"]}
    assert len(by_order[again.order_id]["requests"]) == 2
