"""Reconciliation concludes only from proof: stub gateways that ignore a filter, answer 404 to a
lookup no reference documents, or leave the reference out must leave an entry UNKNOWN (with
what to look for in the merchant dashboard), never DONE or NOT_DONE on a guess.

Scripted gateways (``httpx.MockTransport``) stand in for ClickPay and Geidea here: these are
the answers the sandbox never gives, but a live gateway might.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from clickpay_desk.core.profile import GatewayKind, Profile
from clickpay_desk.secrets import SecretStorageUnavailable, SecretStore
from clickpay_desk.services import invoices, reconcile
from clickpay_desk.services.clients import ClientPool
from clickpay_desk.services.journal import UnresolvedAttempt
from clickpay_desk.services.operations import Operation
from clickpay_desk.store.database import Store
from clickpay_desk.store.records import JournalEntry, JournalStatus
from tests.unit.services.desk import make_invoice

KEY = "SKEY-PROOF-TEST-0123456789"
GEIDEA_KEY = "a087f4ca-9890-407b-9c2f-7630836cc020"
Handler = Callable[[httpx.Request], httpx.Response]


class Gateway:
    """One scripted handler per test; remembers what it was asked."""

    def __init__(self) -> None:
        self.handler: Handler = lambda r: httpx.Response(500)
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.seen.append(request)
        return self.handler(request)


class Keyring(SecretStore):
    """Session-only secrets; a name in ``locked`` raises as a locked system keyring does."""

    def __init__(self) -> None:
        super().__init__()
        self.locked: set[str] = set()

    def get(self, name: str) -> str | None:
        if name in self.locked:
            raise SecretStorageUnavailable("The system keyring could not be read: it is locked")
        return super().get(name)


@pytest.fixture
def gateway() -> Gateway:
    return Gateway()


@pytest.fixture
def keyring() -> Keyring:
    return Keyring()


@pytest.fixture
def store(tmp_path) -> Iterator[Store]:
    with Store.open(tmp_path / "desk.sqlite3") as opened:
        yield opened


@pytest.fixture
def pool(gateway: Gateway, keyring: Keyring) -> Iterator[ClientPool]:
    made = ClientPool(keyring, transport_factory=lambda _p: httpx.MockTransport(gateway))
    yield made
    made.close()


def clickpay_profile(store: Store, keyring: Keyring, merchant: str = "44537") -> Profile:
    profile = store.save_profile(
        Profile(f"Shop {merchant}", GatewayKind.CLICKPAY, "https://pt2.test", merchant)
    )
    keyring.set_session_only(profile.secret_name, KEY)
    return profile


def geidea_profile(store: Store, keyring: Keyring) -> Profile:
    profile = store.save_profile(
        Profile("Geidea shop", GatewayKind.GEIDEA, "https://geidea.test", GEIDEA_KEY)
    )
    keyring.set_session_only(profile.secret_name, "GPW-PROOF-TEST-0123456789")
    return profile


def unknown(
    store: Store, profile: Profile, operation: Operation, reference: str, **request: Any
) -> JournalEntry:
    entry = store.journal_begin(
        profile.id, operation, f"test:{profile.id}:{reference}", reference, request
    )
    return store.journal_finish(entry.id, JournalStatus.UNKNOWN, error="no answer")


def answer(status: int, body: Any) -> Handler:
    return lambda _r: httpx.Response(status, json=body)


def later() -> datetime:
    """A moment past every settle window, from now (not from when the module was imported:
    a long test run would otherwise catch up with it)."""
    return datetime.now(UTC) + timedelta(days=1)


def settle(store: Store, pool: ClientPool, entry: JournalEntry) -> reconcile.Reconciled:
    return reconcile.reconcile_entry(store, pool, entry, now=later())


def assert_left_unknown(store: Store, result: reconcile.Reconciled, *words: str) -> None:
    assert not result.resolved
    stored = store.journal_get(result.entry.id)
    assert stored is not None and stored.status is JournalStatus.UNKNOWN
    assert "merchant dashboard" in result.message
    assert "mark it done or not done" in result.message
    for word in words:
        assert word in result.message


# --------------------------------------------------------------------- ClickPay invoice create


def test_invoice_lookup_answering_404_proves_nothing(store, pool, gateway, keyring) -> None:
    profile = clickpay_profile(store, keyring)
    entry = unknown(store, profile, Operation.INVOICE_CREATE, "INV-0001")
    gateway.handler = answer(404, {"code": 4, "message": "Invoice not found"})
    result = settle(store, pool, entry)
    assert_left_unknown(store, result, "open Invoices and search for cart id “INV-0001”")


def test_invoice_lookup_that_ignores_the_filter_proves_nothing(
    store, pool, gateway, keyring
) -> None:
    profile = clickpay_profile(store, keyring)
    entry = unknown(store, profile, Operation.INVOICE_CREATE, "INV-0001")
    # Another invoice, with another cart id (a gateway that ignores the cart_id filter).
    gateway.handler = answer(
        200, {"invoice_status": "pending", "invoice_id": 777, "cart_id": "INV-0999"}
    )
    assert_left_unknown(store, settle(store, pool, entry), "777")
    # An answer that does not carry the cart id at all.
    gateway.handler = answer(200, {"invoice_status": "pending", "invoice_id": 778})
    assert_left_unknown(store, settle(store, pool, entry), "778")


def test_invoice_lookup_hit_with_the_same_cart_id_is_proof(store, pool, gateway, keyring) -> None:
    profile = clickpay_profile(store, keyring)
    entry = unknown(store, profile, Operation.INVOICE_CREATE, "INV-0001", cart_currency="SAR")
    gateway.handler = answer(
        200, {"invoice_status": "pending", "invoice_id": 777, "cart_id": "INV-0001"}
    )
    result = reconcile.reconcile_entry(store, pool, entry)  # presence needs no waiting
    assert result.resolved and result.entry.status is JournalStatus.DONE
    assert result.entry.result == {"invoice_id": "777", "invoice_status": "pending"}


# --------------------------------------------------------------------- agreement request


def test_transaction_lookup_by_cart_id_proves_presence_only_with_the_same_cart(
    store, pool, gateway, keyring
) -> None:
    profile = clickpay_profile(store, keyring)
    entry = unknown(store, profile, Operation.AGREEMENT_REQUEST, "AGR-1")
    gateway.handler = answer(404, {"code": 4, "message": "Transaction not found"})
    assert_left_unknown(store, settle(store, pool, entry), "open Transactions", "“AGR-1”")
    other = {
        "tran_ref": "TST1",
        "cart_id": "AGR-2",
        "payment_result": {"response_status": "A", "transaction_time": "2026-01-01T10:00:00Z"},
    }
    gateway.handler = answer(200, [other])
    assert_left_unknown(store, settle(store, pool, entry), "TST1")
    same = {
        "tran_ref": "TST2",
        "cart_id": "AGR-1",
        "payment_result": {"response_status": "A", "transaction_time": "2026-01-02T10:00:00Z"},
    }
    gateway.handler = answer(200, [same, other])
    result = settle(store, pool, entry)
    assert result.resolved and result.entry.result == {"tran_ref": "TST2"}


# --------------------------------------------------------------------- Geidea create


def intent(reference: str, intent_id: str = "8f67f208-7a6d-4e5c-741e-08dc400e92f5") -> dict:
    return {
        "paymentIntentId": intent_id,
        "status": "Created",
        "amount": 20,
        "currency": "SAR",
        "eInvoiceDetails": {"merchantReferenceId": reference},
    }


def test_geidea_search_hit_with_another_reference_proves_nothing(
    store, pool, gateway, keyring
) -> None:
    profile = geidea_profile(store, keyring)
    entry = unknown(store, profile, Operation.GEIDEA_INVOICE_CREATE, "ORDER-1")
    page = {"paymentIntents": [intent("ORDER-99")], "totalCount": 1, "responseCode": "000"}
    gateway.handler = answer(200, page)
    result = settle(store, pool, entry)
    assert_left_unknown(store, result, "Geidea merchant dashboard", "“ORDER-1”")
    gateway.handler = answer(200, {"paymentIntents": [], "totalCount": 0, "responseCode": "000"})
    assert_left_unknown(store, settle(store, pool, entry))
    page = {"paymentIntents": [intent("ORDER-99"), intent("ORDER-1", "abc")], "responseCode": "000"}
    gateway.handler = answer(200, page)
    found = settle(store, pool, entry)
    assert found.resolved and found.entry.result["paymentIntentId"] == "abc"


# --------------------------------------------------------------------- settle window


def test_absence_right_after_the_send_is_not_yet_known(store, pool, gateway, keyring) -> None:
    profile = clickpay_profile(store, keyring)
    entry = unknown(store, profile, Operation.INVOICE_CANCEL, "2072841")
    gateway.handler = answer(200, {"invoice_status": "pending"})  # the cancel may still land
    early = reconcile.reconcile_entry(store, pool, entry)
    assert not early.resolved and early.retry_at == entry.created_at + reconcile.SETTLE_WINDOW
    assert "Not yet known" in early.message
    assert f"Checked again at {early.retry_at.astimezone():%H:%M}" in early.message
    assert store.journal_get(entry.id).status is JournalStatus.UNKNOWN
    late = reconcile.reconcile_entry(store, pool, entry, now=early.retry_at)
    assert late.resolved and late.entry.status is JournalStatus.NOT_DONE


def test_reconcile_all_waits_out_the_window_too(store, pool, gateway, keyring) -> None:
    profile = clickpay_profile(store, keyring)
    unknown(store, profile, Operation.INVOICE_CANCEL, "2072841")
    gateway.handler = answer(200, {"invoice_status": "pending"})
    (first,) = reconcile.reconcile_all(store, pool)
    assert not first.resolved and first.retry_at is not None
    (second,) = reconcile.reconcile_all(store, pool, now=later())
    assert second.entry.status is JournalStatus.NOT_DONE


# --------------------------------------------------------------------- keyring


def test_locked_keyring_leaves_its_entries_unknown_and_goes_on(
    store, pool, gateway, keyring
) -> None:
    locked = clickpay_profile(store, keyring, "111")
    open_ = clickpay_profile(store, keyring, "222")
    keyring.locked.add(locked.secret_name)
    first = unknown(store, locked, Operation.INVOICE_CANCEL, "10")
    second = unknown(store, open_, Operation.INVOICE_CANCEL, "20")
    gateway.handler = answer(200, {"invoice_status": "cancelled"})
    results = reconcile.reconcile_all(store, pool)
    by_id = {r.entry.id: r for r in results}
    assert not by_id[first.id].resolved and "keyring" in by_id[first.id].message
    assert "Unlock" in by_id[first.id].message
    assert by_id[second.id].resolved and by_id[second.id].entry.status is JournalStatus.DONE


# --------------------------------------------------------------------- profile scope


def test_two_merchants_may_both_create_the_same_cart_id(store, pool, gateway, keyring) -> None:
    shop_a = clickpay_profile(store, keyring, "111")
    shop_b = clickpay_profile(store, keyring, "222")
    ids = iter(range(5001, 5100))
    gateway.handler = lambda r: httpx.Response(
        200, json={"invoice_id": next(ids), "invoice_link": "https://pt2.test/pay/x"}
    )
    invoice = make_invoice()
    a = invoices.create_invoice(store, pool, shop_a, invoice)
    b = invoices.create_invoice(store, pool, shop_b, invoice)
    assert (a.remote_id, b.remote_id) == ("5001", "5002")
    assert [json.loads(r.content)["profile_id"] for r in gateway.seen] == [111, 222]
    with pytest.raises(invoices.AlreadyCreated) as again:
        invoices.create_invoice(store, pool, shop_b, invoice)
    assert "5002" in str(again.value)


def test_one_merchants_unknown_create_does_not_block_another(store, pool, gateway, keyring) -> None:
    shop_a = clickpay_profile(store, keyring, "111")
    shop_b = clickpay_profile(store, keyring, "222")
    invoice = make_invoice()
    gateway.handler = lambda r: httpx.Response(502, text="<html>bad gateway</html>")
    with pytest.raises(Exception, match="No clear answer"):
        invoices.create_invoice(store, pool, shop_a, invoice)
    gateway.handler = answer(200, {"invoice_id": 9, "invoice_link": "https://pt2.test/pay/9"})
    assert invoices.create_invoice(store, pool, shop_b, invoice).remote_id == "9"
    with pytest.raises(UnresolvedAttempt):
        invoices.create_invoice(store, pool, shop_a, invoice)


def test_journal_subject_names_the_profile(store, pool, gateway, keyring) -> None:
    shop = clickpay_profile(store, keyring, "111")
    gateway.handler = answer(200, {"invoice_id": 9, "invoice_link": "https://pt2.test/pay/9"})
    invoice = make_invoice()
    invoices.create_invoice(store, pool, shop, invoice)
    (entry,) = store.journal_list()
    assert entry.subject == invoices.subject_of(invoice.cart_id, shop.id)
    assert entry.operation == Operation.INVOICE_CREATE


def test_an_unknown_create_journalled_before_subjects_named_the_profile_still_blocks(
    store, pool, gateway, keyring
) -> None:
    shop = clickpay_profile(store, keyring, "111")
    invoice = make_invoice()
    older = store.journal_begin(
        shop.id, Operation.INVOICE_CREATE, f"invoice:{invoice.cart_id}", invoice.cart_id, {}
    )
    store.journal_finish(older.id, JournalStatus.UNKNOWN, error="no answer")
    gateway.handler = answer(200, {"invoice_id": 9, "invoice_link": "https://pt2.test/pay/9"})
    with pytest.raises(UnresolvedAttempt):
        invoices.create_invoice(store, pool, shop, invoice)
    store.journal_reconciled(older.id, JournalStatus.DONE, {"invoice_id": "8"})
    with pytest.raises(invoices.AlreadyCreated):
        invoices.create_invoice(store, pool, shop, invoice)
    assert gateway.seen == []
