"""Never pay twice: an invoice create whose answer is lost ends *unknown*, blocks a repeat, and
reconciliation by a read finds it created — over real HTTP to the sandbox server."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest

from clickpay_desk.core.rules import ValidationError
from clickpay_desk.gateway.errors import OutcomeUnknown, RateLimited
from clickpay_desk.gateway.http import Timeouts
from clickpay_desk.sandbox import demo
from clickpay_desk.secrets import SecretStore
from clickpay_desk.services import invoices, reconcile
from clickpay_desk.services.clients import ClientPool
from clickpay_desk.services.journal import UnresolvedAttempt
from clickpay_desk.store.records import JournalStatus
from tests.unit.services.desk import Desk, make_invoice


def invoices_with_cart(desk: Desk, cart_id: str) -> list[dict]:
    return [i for i in desk.state()["invoices"] if i.get("cart_id") == cart_id]


def test_create_is_journalled_and_kept_locally(desk: Desk) -> None:
    invoice = make_invoice("12.50", quantity=2)
    record = invoices.create_invoice(desk.store, desk.pool, desk.profile, invoice)
    assert record.remote_id and record.link and record.amount == invoice.cart_amount
    (entry,) = desk.store.journal_list(operation=invoices.CREATE)
    assert entry.status is JournalStatus.DONE
    assert entry.result == {"invoice_id": record.remote_id, "invoice_link": record.link}
    assert desk.store.find_invoice(desk.profile.id, record.remote_id) == record


def test_the_same_invoice_cannot_be_created_twice(desk: Desk) -> None:
    invoice = make_invoice()
    invoices.create_invoice(desk.store, desk.pool, desk.profile, invoice)
    with pytest.raises(invoices.AlreadyCreated):
        invoices.create_invoice(desk.store, desk.pool, desk.profile, invoice)
    assert len(invoices_with_cart(desk, invoice.cart_id)) == 1


def test_lost_answer_ends_unknown_then_reconcile_finds_it_created(desk: Desk) -> None:
    invoice = make_invoice()
    desk.fault("/payment/new/invoice", "drop-after-commit")
    with pytest.raises(OutcomeUnknown):
        invoices.create_invoice(desk.store, desk.pool, desk.profile, invoice)
    (entry,) = desk.store.journal_unresolved()
    assert entry.status is JournalStatus.UNKNOWN and entry.reference == invoice.cart_id

    # The user clicks "Create" again: refused, nothing sent.
    with pytest.raises(UnresolvedAttempt) as refused:
        invoices.create_invoice(desk.store, desk.pool, desk.profile, invoice)
    assert "Reconcile" in str(refused.value)
    assert len(invoices_with_cart(desk, invoice.cart_id)) == 1

    (found,) = reconcile.reconcile_all(desk.store, desk.pool)
    assert found.resolved and "did arrive" in found.message
    assert found.entry.status is JournalStatus.DONE and found.entry.reconciled_at is not None
    remote_id = found.entry.result["invoice_id"]
    local = desk.store.find_invoice(desk.profile.id, remote_id)
    assert local is not None and local.cart_id == invoice.cart_id

    # Reconciled as created: a second create is still refused, and the gateway has one invoice.
    with pytest.raises(invoices.AlreadyCreated):
        invoices.create_invoice(desk.store, desk.pool, desk.profile, invoice)
    assert len(invoices_with_cart(desk, invoice.cart_id)) == 1
    assert desk.store.journal_unresolved() == []


def test_request_dropped_before_commit_stays_unknown_until_the_user_checks_the_dashboard(
    desk: Desk,
) -> None:
    # The lookup by cart_id is in no reference: "not found" there proves nothing.
    invoice = make_invoice()
    desk.fault("/payment/new/invoice", "drop-before-commit")
    with pytest.raises(OutcomeUnknown):
        invoices.create_invoice(desk.store, desk.pool, desk.profile, invoice)
    (found,) = reconcile.reconcile_all(desk.store, desk.pool)
    assert not found.resolved and found.entry.status is JournalStatus.UNKNOWN
    assert "In the ClickPay merchant dashboard, open Invoices and search for cart id" in (
        found.message
    )
    assert invoice.cart_id in found.message and "mark it done or not done" in found.message
    with pytest.raises(UnresolvedAttempt):
        invoices.create_invoice(desk.store, desk.pool, desk.profile, invoice)
    reconcile.resolve_manually(desk.store, found.entry.id, happened=False)
    record = invoices.create_invoice(desk.store, desk.pool, desk.profile, invoice)
    assert record.remote_id
    assert len(invoices_with_cart(desk, invoice.cart_id)) == 1


def test_reconcile_leaves_entry_unknown_while_gateway_is_unreachable(desk: Desk) -> None:
    invoice = make_invoice()
    desk.fault("/payment/new/invoice", "drop-after-commit")
    with pytest.raises(OutcomeUnknown):
        invoices.create_invoice(desk.store, desk.pool, desk.profile, invoice)
    # Every status read fails: the entry stays unknown and says why.
    desk.fault("/payment/invoice/status", "html-500", times=10)
    (result,) = reconcile.reconcile_all(desk.store, desk.pool)
    assert not result.resolved and "Still unknown" in result.message
    assert desk.store.journal_unresolved()[0].status is JournalStatus.UNKNOWN
    assert "still unknown" in reconcile.summary([result])


def test_invalid_invoice_is_refused_before_anything_is_sent(desk: Desk) -> None:
    invoice = make_invoice()
    bad = replace(invoice, cart_description="")
    with pytest.raises(ValidationError) as refused:
        invoices.create_invoice(desk.store, desk.pool, desk.profile, bad)
    assert any(v.field == "cart_description" for v in refused.value.violations)
    assert desk.store.journal_list() == []
    assert desk.state()["invoices"] == []


def test_gateway_refusal_is_recorded_as_refused(desk: Desk) -> None:
    invoice = make_invoice()
    desk.fault("/payment/new/invoice", "rate-limit")
    with pytest.raises(RateLimited):
        invoices.create_invoice(desk.store, desk.pool, desk.profile, invoice)
    (entry,) = desk.store.journal_list()
    assert entry.status is JournalStatus.REFUSED
    # A definite refusal does not block trying again.
    assert invoices.create_invoice(desk.store, desk.pool, desk.profile, invoice).remote_id


def test_cancel_then_refresh_shows_cancelled_and_paid(desk: Desk) -> None:
    first = invoices.create_invoice(desk.store, desk.pool, desk.profile, make_invoice())
    second = invoices.create_invoice(desk.store, desk.pool, desk.profile, make_invoice())
    invoices.cancel_invoice(desk.store, desk.pool, desk.profile, first)
    desk.control.post(f"/_sandbox/invoices/{second.remote_id}/pay").raise_for_status()
    seen: list[tuple[int, int]] = []
    report = invoices.refresh_statuses(
        desk.store,
        desk.pool,
        desk.profile,
        desk.store.list_invoices(),
        progress=lambda done, total: seen.append((done, total)),
    )
    assert not report.failed and seen[-1] == (2, 2)
    by_id = {r.remote_id: r.status for r in desk.store.list_invoices()}
    assert by_id == {first.remote_id: "cancelled", second.remote_id: "paid"}


def test_an_entry_that_cannot_be_read_back_does_not_stop_the_others(desk: Desk) -> None:
    # A journalled close without the batch_id its read needs (written by an older version, say).
    odd = desk.store.journal_begin(
        desk.profile.id, "payout.batch.close", "batch:7", "batch-7", {"count": 1}
    )
    desk.store.journal_finish(odd.id, JournalStatus.UNKNOWN, error="no answer")
    invoice = make_invoice()
    desk.fault("/payment/new/invoice", "drop-after-commit")
    with pytest.raises(OutcomeUnknown):
        invoices.create_invoice(desk.store, desk.pool, desk.profile, invoice)

    first, second = reconcile.reconcile_all(desk.store, desk.pool)
    assert first.entry.id == odd.id and not first.resolved
    assert "merchant dashboard" in first.message
    assert second.resolved and second.entry.status is JournalStatus.DONE
    assert [e.id for e in desk.store.journal_unresolved()] == [odd.id]


def test_cancel_whose_answer_was_lost_is_reconciled_and_shown_cancelled(desk: Desk) -> None:
    record = invoices.create_invoice(desk.store, desk.pool, desk.profile, make_invoice())
    desk.fault(f"/payment/invoice/{record.remote_id}/cancel", "drop-after-commit")
    with pytest.raises(OutcomeUnknown):
        invoices.cancel_invoice(desk.store, desk.pool, desk.profile, record)
    assert desk.store.find_invoice(desk.profile.id, record.remote_id).status == "pending"
    (found,) = reconcile.reconcile_all(desk.store, desk.pool)
    assert found.resolved and found.entry.status is JournalStatus.DONE
    assert desk.store.find_invoice(desk.profile.id, record.remote_id).status == "cancelled"


def test_reconcile_right_after_a_timeout_never_says_send_again(desk: Desk) -> None:
    # The client gives up after 0.4 s while the gateway is still creating the invoice (2 s).
    # Reconciling at once must not call it "never took effect": a resend would pay twice.
    impatient = ClientPool(
        _session_keys(desk),
        timeout=Timeouts(connect=1.0, read=0.4, write=1.0, pool=1.0, total=0.4, call=0.4),
    )
    try:
        invoice = make_invoice()
        desk.fault("/payment/new/invoice", "delay", seconds=2)
        with pytest.raises(OutcomeUnknown):
            invoices.create_invoice(desk.store, impatient, desk.profile, invoice)
        (now,) = reconcile.reconcile_all(desk.store, desk.pool)
        assert now.entry.status is JournalStatus.UNKNOWN and "safe to send" not in now.message
        with pytest.raises(UnresolvedAttempt):
            invoices.create_invoice(desk.store, desk.pool, desk.profile, invoice)
        # Once the gateway has finished, the same reconcile finds the invoice by its cart id.
        give_up = time.monotonic() + 10
        while not invoices_with_cart(desk, invoice.cart_id):
            assert time.monotonic() < give_up, "the sandbox never finished the slow create"
            threading.Event().wait(0.05)
        (later,) = reconcile.reconcile_all(desk.store, desk.pool)
        assert later.entry.status is JournalStatus.DONE
        assert len(invoices_with_cart(desk, invoice.cart_id)) == 1
    finally:
        impatient.close()


def _session_keys(desk: Desk) -> SecretStore:
    keys = SecretStore()
    keys.set_session_only(desk.profile.secret_name, demo.SERVER_KEY)
    return keys
