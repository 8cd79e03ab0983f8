"""A refund whose answer was lost is settled from proof only, over real HTTP to the sandbox
server: the refund the gateway really made (and not an earlier one of the same amount) settles
it as done; when nothing proves it, it stays unknown with what to look for in the dashboard."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from clickpay_desk.core.profile import GatewayKind, Profile
from clickpay_desk.gateway.errors import OutcomeUnknown
from clickpay_desk.secrets import SecretStore
from clickpay_desk.services import reconcile, refunds
from clickpay_desk.services.clients import ClientPool
from clickpay_desk.services.journal import UnresolvedAttempt
from clickpay_desk.services.operations import Operation
from clickpay_desk.store.database import Store
from clickpay_desk.store.records import InvoiceRecord, JournalEntry, JournalStatus
from tests.unit.services.desk import Desk


def later() -> datetime:
    """A moment past every settle window, from now (not from when the module was imported:
    a long test run would otherwise catch up with it)."""
    return datetime.now(UTC) + timedelta(days=1)


def _lost_refund(desk: Desk, record: InvoiceRecord, amount: str, mode: str) -> JournalEntry:
    desk.fault("/payment/request", mode)
    with pytest.raises(OutcomeUnknown):
        refunds.refund_invoice(desk.store, desk.pool, desk.profile, record, Decimal(amount))
    (entry,) = desk.store.journal_unresolved()
    assert entry.operation == Operation.INVOICE_REFUND and entry.status is JournalStatus.UNKNOWN
    return entry


def test_a_refund_made_but_unanswered_is_settled_done(desk: Desk) -> None:
    record = desk.paid_invoice()
    entry = _lost_refund(desk, record, "5.00", "drop-after-commit")
    (made,) = desk.refunds_at_gateway(record.cart_id)

    (found,) = reconcile.reconcile_all(desk.store, desk.pool)

    assert found.resolved and "did arrive" in found.message
    assert found.entry.status is JournalStatus.DONE
    assert found.entry.result["tran_ref"] == made["tran_ref"]
    # The invoice counts it as refunded, and the next refund may go (it is not blocked).
    assert refunds.refunded_amount(desk.store, record) == Decimal("5.00")
    assert desk.store.invoice_refunds_unresolved(desk.profile.id) == set()
    more = refunds.refund_invoice(desk.store, desk.pool, desk.profile, record, Decimal("15.00"))
    assert more.refunded_total == Decimal("20.00")
    assert entry.request["before"]["tran_refs"] == [entry.request["tran_ref"]]


def test_an_earlier_refund_of_the_same_amount_is_not_taken_for_this_one(desk: Desk) -> None:
    record = desk.paid_invoice()
    earlier = refunds.refund_invoice(desk.store, desk.pool, desk.profile, record, Decimal("5.00"))
    entry = _lost_refund(desk, record, "5.00", "drop-before-commit")
    assert earlier.tran_ref in entry.request["before"]["tran_refs"]

    (found,) = reconcile.reconcile_all(desk.store, desk.pool, now=later())

    # Not done (the earlier refund proves nothing), and never "not done" either: the lookup by
    # cart id is not a documented read. The user is told exactly what to look for.
    assert not found.resolved
    assert desk.store.journal_get(entry.id).status is JournalStatus.UNKNOWN
    assert (
        f"In the ClickPay merchant dashboard, open Transactions and search for cart id "
        f"“{record.cart_id}”: see whether it lists a refund of 5.00 SAR of transaction "
        f"{entry.request['tran_ref']} made on "
    ) in found.message
    assert "mark it done or not done" in found.message
    with pytest.raises(UnresolvedAttempt):
        refunds.refund_invoice(desk.store, desk.pool, desk.profile, record, Decimal("5.00"))
    assert len(desk.refunds_at_gateway(record.cart_id)) == 1


def test_this_refund_is_found_beside_an_earlier_one_of_the_same_amount(desk: Desk) -> None:
    record = desk.paid_invoice()
    earlier = refunds.refund_invoice(desk.store, desk.pool, desk.profile, record, Decimal("5.00"))
    _lost_refund(desk, record, "5.00", "drop-after-commit")
    made = [t for t in desk.refunds_at_gateway(record.cart_id) if t["tran_ref"] != earlier.tran_ref]

    (found,) = reconcile.reconcile_all(desk.store, desk.pool)

    assert found.resolved and found.entry.status is JournalStatus.DONE
    assert found.entry.result["tran_ref"] == made[0]["tran_ref"] != earlier.tran_ref
    assert refunds.refunded_amount(desk.store, record) == Decimal("10.00")


def test_two_new_refunds_of_the_same_amount_cannot_be_told_apart(desk: Desk) -> None:
    record = desk.paid_invoice()
    entry = _lost_refund(desk, record, "5.00", "drop-after-commit")
    # Someone refunds the same amount from the dashboard meanwhile.
    client = desk.pool.clickpay(desk.profile)
    client.payment_request({k: v for k, v in entry.request.items() if k != "before"})

    (found,) = reconcile.reconcile_all(desk.store, desk.pool, now=later())

    assert not found.resolved and "2 refunds of that amount" in found.message
    assert "merchant dashboard" in found.message
    assert desk.store.journal_get(entry.id).status is JournalStatus.UNKNOWN


def test_a_refund_journalled_without_the_list_from_before_stays_unknown(desk: Desk) -> None:
    record = desk.paid_invoice()
    entry = _lost_refund(desk, record, "5.00", "drop-after-commit")
    reconcile.resolve_manually(desk.store, entry.id, happened=True)
    # The same refund as a version that did not journal the cart's transactions left it.
    older = desk.store.journal_begin(
        entry.profile_id,
        entry.operation,
        entry.subject,
        entry.reference,
        {k: v for k, v in entry.request.items() if k != "before"},
    )
    desk.store.journal_finish(older.id, JournalStatus.UNKNOWN, error="no answer")

    (found,) = reconcile.reconcile_all(desk.store, desk.pool, now=later())

    assert not found.resolved and "cannot be told from an earlier one" in found.message
    assert "open Transactions and search for cart id" in found.message
    assert desk.store.journal_get(older.id).status is JournalStatus.UNKNOWN


# --- the refund's own read decides its outcome (scripted gateway: answers the sandbox never gives)


def _scripted(tmp_path, status: str) -> tuple[Store, ClientPool, JournalEntry]:
    """A refund journalled before a lost answer, and a gateway that lists one new refund of it
    whose own read (by tran_ref) says ``status``."""
    refund = {
        "tran_ref": "TST0000000002",
        "previous_tran_ref": "TST0000000001",
        "tran_type": "Refund",
        "cart_id": "INV-9",
        "cart_currency": "SAR",
        "cart_amount": "5.00",
        "payment_result": {"response_status": status, "response_message": "as scripted"},
    }

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.read())
        if "cart_id" in body:
            return httpx.Response(200, json=[{**refund, "tran_ref": "TST0000000001"}, refund])
        return httpx.Response(200, json=refund)

    secrets = SecretStore()
    pool = ClientPool(secrets, transport_factory=lambda _p: httpx.MockTransport(answer))
    store = Store.open(tmp_path / "desk.sqlite3")
    profile = store.save_profile(Profile("Shop", GatewayKind.CLICKPAY, "https://pt2.test", "44537"))
    secrets.set_session_only(profile.secret_name, "SKEY-SCRIPTED-0123456789")
    request = {
        "tran_type": "refund",
        "cart_id": "INV-9",
        "cart_currency": "SAR",
        "cart_amount": "5.00",
        "tran_ref": "TST0000000001",
        "before": {"tran_refs": ["TST0000000001"]},
    }
    entry = store.journal_begin(
        profile.id, Operation.INVOICE_REFUND, "invoice:1:INV-9", "INV-9", request
    )
    return store, pool, store.journal_finish(entry.id, JournalStatus.UNKNOWN, error="lost")


def test_a_declined_refund_is_settled_not_done_once_the_window_has_passed(tmp_path) -> None:
    store, pool, entry = _scripted(tmp_path, "D")
    with store, contextlib.closing(pool):
        early = reconcile.reconcile_entry(store, pool, entry)
        assert not early.resolved and early.retry_at is not None
        found = reconcile.reconcile_entry(store, pool, entry, now=later())
        assert found.resolved and found.entry.status is JournalStatus.NOT_DONE
        assert found.entry.result["response_status"] == "D"


def test_a_refund_neither_approved_nor_declined_stays_unknown(tmp_path) -> None:
    store, pool, entry = _scripted(tmp_path, "P")
    with store, contextlib.closing(pool):
        found = reconcile.reconcile_entry(store, pool, entry, now=later())
        assert not found.resolved and "neither approved nor declined" in found.message
        assert "In the ClickPay merchant dashboard" in found.message
        assert store.journal_get(entry.id).status is JournalStatus.UNKNOWN


def test_a_refund_goes_even_when_the_cart_cannot_be_listed_and_is_then_left_to_the_user(
    desk: Desk,
) -> None:
    # The lookup by cart id is not documented: a gateway that garbles it must not stop refunds.
    record = desk.paid_invoice()
    desk.fault("/payment/query", "truncated-json")
    entry = _lost_refund(desk, record, "5.00", "drop-after-commit")
    assert entry.request["before"]["tran_refs"] is None
    assert len(desk.refunds_at_gateway(record.cart_id)) == 1

    (found,) = reconcile.reconcile_all(desk.store, desk.pool, now=later())

    assert not found.resolved
    assert "ClickPay did not list the cart's transactions before this refund was sent" in (
        found.message
    )
    assert "open Transactions and search for cart id" in found.message
    assert desk.store.journal_get(entry.id).status is JournalStatus.UNKNOWN
