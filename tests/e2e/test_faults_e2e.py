"""The fault matrix over the REAL sandbox server: every mutating call × every fault mode.

For each pair the test checks what the desk's "never pay twice" rule needs:

* the client raises the right class (``OutcomeUnknown`` when the call may have reached the
  gateway: timeout, dropped connection, 5xx, an unreadable 2xx answer; ``RateLimited`` for 429);
* the call reached the sandbox exactly once: the fault is armed for two calls and one is left
  afterwards (a retry would have used it up), and the state holds exactly one record / change;
* reconciling by a query works: after a committed failure (drop-after-commit, truncated or
  oversized answer, a timeout whose request still ran) the matching find/query sees the record,
  after an uncommitted one (drop-before-commit, HTML 500, 429) it sees nothing.

Reads (status, query, fetch, search) are retried: under two faulted answers they still succeed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from clickpay_desk.gateway import (
    BrokenResponse,
    GatewayError,
    GatewayUnavailable,
    NotFound,
    OutcomeUnknown,
    RateLimited,
    RequestRefused,
    UnreadableOutcome,
)
from tests.e2e.e2e_kit import (
    DELAY_SECONDS,
    EINVOICE_PATH,
    Gateways,
    agreement_payment_wire,
    einvoice_wire,
    invoice_wire,
    payee,
    wait_until,
)

pytestmark = pytest.mark.e2e

Ctx = dict[str, Any]
State = dict[str, Any]


# ---------------------------------------------------------------------------------- fault modes


@dataclass(frozen=True)
class Mode:
    name: str
    error: type[GatewayError]
    #: True: ``type(error) is error`` (an OutcomeUnknown that is not an UnreadableOutcome).
    exact: bool
    #: Whether the sandbox applied the call.
    committed: bool
    options: dict[str, Any] = field(default_factory=dict)
    http_status: int | None = None


RETRY_AFTER = 7
MODES = [
    Mode("delay", OutcomeUnknown, True, True, {"seconds": DELAY_SECONDS}),
    Mode("drop-before-commit", OutcomeUnknown, True, False),
    Mode("drop-after-commit", OutcomeUnknown, True, True),
    Mode("html-500", OutcomeUnknown, True, False, http_status=500),
    Mode("truncated-json", UnreadableOutcome, True, True, http_status=200),
    Mode("oversized-body", UnreadableOutcome, True, True, http_status=200),
    Mode("rate-limit", RateLimited, True, False, {"retry_after": RETRY_AFTER}, http_status=429),
]


# ---------------------------------------------------------------------------------- mutations


@dataclass(frozen=True)
class Mutation:
    name: str
    #: Run with the calm clients before the fault is armed; what the call needs.
    setup: Callable[[Gateways], Ctx]
    #: (method, path) the client sends: the fault is armed for exactly this.
    target: Callable[[Ctx], tuple[str, str]]
    #: The call under test, with the short-timeout clients.
    call: Callable[[Gateways, Ctx], object]
    #: How many times the call's effect shows in the sandbox state (1 = once; 2 = doubled).
    effect: Callable[[State, Ctx], int]
    #: Reconcile with the calm clients' find/query; asserts what it finds.
    reconcile: Callable[[Gateways, Ctx, bool], None]


def _nothing(g: Gateways) -> Ctx:
    return {}


# --- ClickPay invoices


def _create_invoice_call(g: Gateways, c: Ctx) -> object:
    return g.short_clickpay.create_invoice(invoice_wire("F-CART"))


def _create_invoice_effect(s: State, c: Ctx) -> int:
    return sum(1 for i in s["invoices"] if i["cart_id"] == "F-CART")


def _create_invoice_reconcile(g: Gateways, c: Ctx, committed: bool) -> None:
    found = g.clickpay.find_invoice_by_cart_id("F-CART")
    if committed:
        [stored] = g.sandbox.state()["invoices"]
        assert found is not None and found.invoice_id == str(stored["invoice_id"])
        assert found.status == "pending"
    else:
        assert found is None


def _invoice_setup(g: Gateways) -> Ctx:
    return {"invoice_id": g.clickpay.create_invoice(invoice_wire("F-CANCEL")).invoice_id}


def _invoice_cancelled(s: State, c: Ctx) -> int:
    [invoice] = s["invoices"]
    return 1 if invoice["status"] == "cancelled" else 0


def _cancel_invoice_reconcile(g: Gateways, c: Ctx, committed: bool) -> None:
    status = g.clickpay.invoice_status(c["invoice_id"])
    assert status.status == ("cancelled" if committed else "pending")


# --- ClickPay payments and agreements


def _payment_call(g: Gateways, c: Ctx) -> object:
    return g.short_clickpay.payment_request(agreement_payment_wire("F-PAY", g.today))


def _payment_effect(s: State, c: Ctx) -> int:
    return sum(1 for t in s["transactions"] if t.get("cart_id") == "F-PAY")


def _payment_reconcile(g: Gateways, c: Ctx, committed: bool) -> None:
    if committed:
        [stored] = g.sandbox.state()["transactions"]
        found = g.clickpay.query_transaction(cart_id="F-PAY")
        assert found.tran_ref == stored["tran_ref"]
        assert found.payment_result is not None
        assert found.payment_result.response_status == "P"
    else:
        with pytest.raises(NotFound):
            g.clickpay.query_transaction(cart_id="F-PAY")


def _agreement_setup(g: Gateways) -> Ctx:
    started = g.clickpay.payment_request(agreement_payment_wire("F-AGR", g.today, repeat_terms=0))
    paid = g.sandbox.pay_payment(started.tran_ref)
    return {"agreement_id": str(paid["agreement_id"]), "tran_ref": started.tran_ref}


def _agreement_cancelled(s: State, c: Ctx) -> int:
    [agreement] = s["agreements"]
    return 1 if agreement["status"] == "cancelled" else 0


def _cancel_agreement_reconcile(g: Gateways, c: Ctx, committed: bool) -> None:
    assert g.clickpay.query_transaction(tran_ref=c["tran_ref"]).agreement_id == c["agreement_id"]
    if committed:
        # already cancelled: sending it again is refused, never applied twice
        with pytest.raises(RequestRefused):
            g.clickpay.cancel_agreement(c["agreement_id"])
    else:
        assert "cancelled" in g.clickpay.cancel_agreement(c["agreement_id"]).lower()


# --- ClickPay payouts


def _payout_new_call(g: Gateways, c: Ctx) -> object:
    return g.short_clickpay.payout_new("F-ORDER", [payee()])


def _payout_new_effect(s: State, c: Ctx) -> int:
    return sum(1 for b in s["batches"] if b["order_id"] == "F-ORDER")


def _payout_new_reconcile(g: Gateways, c: Ctx, committed: bool) -> None:
    found = g.clickpay.payout_find_by_order("F-ORDER")
    if committed:
        [stored] = g.sandbox.state()["batches"]
        assert found is not None and found.batch_id == str(stored["batch_id"])
        assert found.count == 1
    else:
        assert found is None


def _batch_setup(g: Gateways) -> Ctx:
    batch = g.clickpay.payout_new("F-BATCH", [payee()])
    return {"batch_id": batch.batch_id}


def _payout_add_call(g: Gateways, c: Ctx) -> object:
    return g.short_clickpay.payout_add(c["batch_id"], "F-BATCH", [payee("Second", "20.00", "B")])


def _payout_add_effect(s: State, c: Ctx) -> int:
    [batch] = s["batches"]
    return int(batch["count"]) - 1


def _payout_add_reconcile(g: Gateways, c: Ctx, committed: bool) -> None:
    batch = g.clickpay.payout_query(c["batch_id"])
    assert batch.count == (2 if committed else 1)
    assert batch.total == (Decimal("221.01") if committed else Decimal("201.01"))


def _payout_close_call(g: Gateways, c: Ctx) -> object:
    return g.short_clickpay.payout_close(c["batch_id"], 1, Decimal("201.01"))


def _batch_closed(s: State, c: Ctx) -> int:
    [batch] = s["batches"]
    return 1 if batch["status"] == "Pending" else 0


def _payout_close_reconcile(g: Gateways, c: Ctx, committed: bool) -> None:
    assert g.clickpay.payout_query(c["batch_id"]).status == ("Pending" if committed else "New")


# --- Geidea


def _geidea_create_call(g: Gateways, c: Ctx) -> object:
    return g.short_geidea.create(einvoice_wire("F-REF", g.today))


def _quick_call(g: Gateways, c: Ctx) -> object:
    customer = {"name": "Jane", "email": "jane@example.com"}
    return g.short_geidea.quick_create(Decimal("15.00"), "SAR", customer, "F-REF")


def _geidea_ref_effect(s: State, c: Ctx) -> int:
    return sum(
        1 for i in s["geidea_invoices"] if i["eInvoiceDetails"]["merchantReferenceId"] == "F-REF"
    )


def _geidea_ref_reconcile(g: Gateways, c: Ctx, committed: bool) -> None:
    page = g.geidea.search(merchant_reference_id="F-REF")
    if committed:
        [stored] = g.sandbox.state()["geidea_invoices"]
        assert page.total_count == 1
        assert [i.payment_intent_id for i in page.intents] == [stored["paymentIntentId"]]
    else:
        assert page.total_count == 0 and page.intents == ()


def _intent_setup(g: Gateways) -> Ctx:
    intent = g.geidea.create(einvoice_wire("F-INTENT", g.today))
    return {"id": intent.payment_intent_id}


def _update_call(g: Gateways, c: Ctx) -> object:
    wire = einvoice_wire("F-INTENT", g.today, price="12.50", payment_intent_id=c["id"])
    return g.short_geidea.update(wire)


def _updated(s: State, c: Ctx) -> int:
    [intent] = s["geidea_invoices"]
    return 1 if Decimal(str(intent["amount"])) == Decimal("25.00") else 0


def _update_reconcile(g: Gateways, c: Ctx, committed: bool) -> None:
    amount = g.geidea.fetch(c["id"]).amount
    assert amount == (Decimal("25.00") if committed else Decimal("20.00"))


def _deleted(s: State, c: Ctx) -> int:
    return 1 if s["geidea_invoices"] == [] else 0


def _delete_reconcile(g: Gateways, c: Ctx, committed: bool) -> None:
    if committed:
        with pytest.raises(NotFound):
            g.geidea.fetch(c["id"])
    else:
        assert g.geidea.fetch(c["id"]).status == "Created"


def _sent(s: State, c: Ctx) -> int:
    [intent] = s["geidea_invoices"]
    return len(intent["eInvoiceSentLinks"])


def _send_reconcile(channel: str) -> Callable[[Gateways, Ctx, bool], None]:
    def reconcile(g: Gateways, c: Ctx, committed: bool) -> None:
        intent = g.geidea.fetch(c["id"])
        if committed:
            assert [s.channel for s in intent.sent_links] == [channel]
            assert intent.status == "SentToCustomer"
        else:
            assert intent.sent_links == () and intent.status == "Created"

    return reconcile


MUTATIONS = [
    Mutation(
        "create_invoice",
        _nothing,
        lambda c: ("POST", "/payment/new/invoice"),
        _create_invoice_call,
        _create_invoice_effect,
        _create_invoice_reconcile,
    ),
    Mutation(
        "cancel_invoice",
        _invoice_setup,
        lambda c: ("PUT", f"/payment/invoice/{c['invoice_id']}/cancel"),
        lambda g, c: g.short_clickpay.cancel_invoice(c["invoice_id"]),
        _invoice_cancelled,
        _cancel_invoice_reconcile,
    ),
    Mutation(
        "payment_request",
        _nothing,
        lambda c: ("POST", "/payment/request"),
        _payment_call,
        _payment_effect,
        _payment_reconcile,
    ),
    Mutation(
        "cancel_agreement",
        _agreement_setup,
        lambda c: ("POST", "/payment/agreement/cancel"),
        lambda g, c: g.short_clickpay.cancel_agreement(c["agreement_id"]),
        _agreement_cancelled,
        _cancel_agreement_reconcile,
    ),
    Mutation(
        "payout_new",
        _nothing,
        lambda c: ("POST", "/payout/batch/new"),
        _payout_new_call,
        _payout_new_effect,
        _payout_new_reconcile,
    ),
    Mutation(
        "payout_add",
        _batch_setup,
        lambda c: ("POST", "/payout/batch/add"),
        _payout_add_call,
        _payout_add_effect,
        _payout_add_reconcile,
    ),
    Mutation(
        "payout_close",
        _batch_setup,
        lambda c: ("POST", "/payout/batch/close"),
        _payout_close_call,
        _batch_closed,
        _payout_close_reconcile,
    ),
    Mutation(
        "geidea_create",
        _nothing,
        lambda c: ("POST", EINVOICE_PATH),
        _geidea_create_call,
        _geidea_ref_effect,
        _geidea_ref_reconcile,
    ),
    Mutation(
        "geidea_quick_create",
        _nothing,
        lambda c: ("POST", f"{EINVOICE_PATH}/quick"),
        _quick_call,
        _geidea_ref_effect,
        _geidea_ref_reconcile,
    ),
    Mutation(
        "geidea_update",
        _intent_setup,
        lambda c: ("PUT", EINVOICE_PATH),
        _update_call,
        _updated,
        _update_reconcile,
    ),
    Mutation(
        "geidea_delete",
        _intent_setup,
        lambda c: ("DELETE", f"{EINVOICE_PATH}/{c['id']}"),
        lambda g, c: g.short_geidea.delete(c["id"]),
        _deleted,
        _delete_reconcile,
    ),
    Mutation(
        "geidea_send_by_email",
        _intent_setup,
        lambda c: ("POST", f"{EINVOICE_PATH}/{c['id']}/SendByEmail"),
        lambda g, c: g.short_geidea.send_by_email(c["id"]),
        _sent,
        _send_reconcile("Email"),
    ),
    Mutation(
        "geidea_send_by_sms",
        _intent_setup,
        lambda c: ("POST", f"{EINVOICE_PATH}/{c['id']}/sendBySms"),
        lambda g, c: g.short_geidea.send_by_sms(c["id"]),
        _sent,
        _send_reconcile("Sms"),
    ),
]


def _remaining(g: Gateways, method: str, path: str) -> int:
    """How many faulted calls are left for (method, path): 2 armed − calls that arrived."""
    return sum(
        int(f["times"]) for f in g.sandbox.faults() if f["path"] == path and f["method"] == method
    )


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.name)
@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.name)
def test_mutating_call_under_fault(gateways: Gateways, mutation: Mutation, mode: Mode) -> None:
    g = gateways
    ctx = mutation.setup(g)
    before = g.sandbox.state()
    assert mutation.effect(before, ctx) == 0
    method, path = mutation.target(ctx)
    # armed for two calls: if the client sent the request twice, none would be left
    g.sandbox.arm(path, mode.name, times=2, method=method, **mode.options)

    started = time.monotonic()
    with pytest.raises(GatewayError) as raised:
        mutation.call(g, ctx)
    error = raised.value
    if mode.name == "delay":
        # gave up at the read timeout, not after the server answered
        assert time.monotonic() - started < DELAY_SECONDS

    # the right class, and only it
    assert isinstance(error, mode.error), repr(error)
    if mode.exact:
        assert type(error) is mode.error, repr(error)
    if mode.http_status is not None:
        assert error.http_status == mode.http_status, repr(error)
    if isinstance(error, OutcomeUnknown):
        assert "status" in str(error).lower()  # the user is told to check before resending
    if isinstance(error, RateLimited):
        assert error.retry_after == RETRY_AFTER
    assert error.operation, repr(error)

    # the sandbox saw the call exactly once
    assert _remaining(g, method, path) == 1
    g.sandbox.disarm()

    expected = 1 if mode.committed else 0
    if mode.committed:
        # a delayed call is still running on the server: wait for it to land
        wait_until(lambda: mutation.effect(g.sandbox.state(), ctx) >= 1, what="the call's effect")
    state = g.sandbox.state()
    assert mutation.effect(state, ctx) == expected
    if mode.committed:
        # nothing doubled while we looked (a late retry would show as 2)
        time.sleep(0.05)
        assert mutation.effect(g.sandbox.state(), ctx) == 1

    mutation.reconcile(g, ctx, mode.committed)


# ---------------------------------------------------------------------------------- reads


@dataclass(frozen=True)
class Read:
    name: str
    setup: Callable[[Gateways], Ctx]
    target: Callable[[Ctx], tuple[str, str]]
    #: The read with the short-timeout client; asserts its answer.
    run: Callable[[Gateways, Ctx], None]


def _invoice_read_setup(g: Gateways) -> Ctx:
    created = g.clickpay.create_invoice(invoice_wire("R-CART"))
    return {"invoice_id": created.invoice_id}


def _payment_read_setup(g: Gateways) -> Ctx:
    started = g.clickpay.payment_request(agreement_payment_wire("R-PAY", g.today))
    return {"tran_ref": started.tran_ref}


def _batch_read_setup(g: Gateways) -> Ctx:
    batch = g.clickpay.payout_new("R-ORDER", [payee(reference="R-FAIL")])
    g.clickpay.payout_close(batch.batch_id, 1, Decimal("201.01"))
    g.sandbox.advance(2)
    return {"batch_id": batch.batch_id, "entry_id": batch.requests[0].entry_id}


def _check_invoice(g: Gateways, c: Ctx, status: Any) -> None:
    assert status.invoice_id == c["invoice_id"] and status.status == "pending"


def _run_find_invoice(g: Gateways, c: Ctx) -> None:
    found = g.short_clickpay.find_invoice_by_cart_id("R-CART")
    assert found is not None
    _check_invoice(g, c, found)


def _run_query_tran(by: str) -> Callable[[Gateways, Ctx], None]:
    def run(g: Gateways, c: Ctx) -> None:
        if by == "tran_ref":
            tx = g.short_clickpay.query_transaction(tran_ref=c["tran_ref"])
        else:
            tx = g.short_clickpay.query_transaction(cart_id="R-PAY")
        assert tx.tran_ref == c["tran_ref"]

    return run


def _run_payout_query(g: Gateways, c: Ctx) -> None:
    batch = g.short_clickpay.payout_query(c["batch_id"])
    assert batch.status == "Completed" and [e.status for e in batch.requests] == ["Failed"]


def _run_payout_entry(g: Gateways, c: Ctx) -> None:
    entry = g.short_clickpay.payout_query_entry(c["batch_id"], c["entry_id"])
    assert entry.entry_id == c["entry_id"] and entry.status == "Failed"


def _run_payout_status(g: Gateways, c: Ctx) -> None:
    failed = g.short_clickpay.payout_query_status(c["batch_id"], "failed")
    assert [e.entry_id for e in failed.requests] == [c["entry_id"]]


def _run_payout_find(g: Gateways, c: Ctx) -> None:
    found = g.short_clickpay.payout_find_by_order("R-ORDER")
    assert found is not None and found.batch_id == c["batch_id"]


def _intent_read_setup(g: Gateways) -> Ctx:
    return {"id": g.geidea.create(einvoice_wire("R-REF", g.today)).payment_intent_id}


def _run_fetch(g: Gateways, c: Ctx) -> None:
    assert g.short_geidea.fetch(c["id"]).payment_intent_id == c["id"]


def _run_search(g: Gateways, c: Ctx) -> None:
    page = g.short_geidea.search(merchant_reference_id="R-REF")
    assert [i.payment_intent_id for i in page.intents] == [c["id"]]


READS = [
    Read(
        "invoice_status",
        _invoice_read_setup,
        lambda c: ("GET", f"/payment/invoice/{c['invoice_id']}/status"),
        lambda g, c: _check_invoice(g, c, g.short_clickpay.invoice_status(c["invoice_id"])),
    ),
    Read(
        "invoice_status_post",
        _invoice_read_setup,
        lambda c: ("POST", "/payment/invoice/status"),
        lambda g, c: _check_invoice(g, c, g.short_clickpay.invoice_status_post(c["invoice_id"])),
    ),
    Read(
        "find_invoice_by_cart_id",
        _invoice_read_setup,
        lambda c: ("POST", "/payment/invoice/status"),
        _run_find_invoice,
    ),
    Read(
        "query_transaction_tran_ref",
        _payment_read_setup,
        lambda c: ("POST", "/payment/query"),
        _run_query_tran("tran_ref"),
    ),
    Read(
        "query_transaction_cart_id",
        _payment_read_setup,
        lambda c: ("POST", "/payment/query"),
        _run_query_tran("cart_id"),
    ),
    Read(
        "payout_query",
        _batch_read_setup,
        lambda c: ("POST", "/payout/batch/query"),
        _run_payout_query,
    ),
    Read(
        "payout_query_entry",
        _batch_read_setup,
        lambda c: ("POST", "/payout/batch/query"),
        _run_payout_entry,
    ),
    Read(
        "payout_query_status",
        _batch_read_setup,
        lambda c: ("POST", "/payout/batch/query/failed"),
        _run_payout_status,
    ),
    Read(
        "payout_find_by_order",
        _batch_read_setup,
        lambda c: ("POST", "/payout/batch/query"),
        _run_payout_find,
    ),
    Read(
        "geidea_fetch",
        _intent_read_setup,
        lambda c: ("GET", f"{EINVOICE_PATH}/{c['id']}"),
        _run_fetch,
    ),
    Read(
        "geidea_search",
        _intent_read_setup,
        lambda c: ("GET", EINVOICE_PATH),
        _run_search,
    ),
]

RETRIED_MODES = [
    ("html-500", {}),
    ("rate-limit", {"retry_after": 0}),
    ("drop-before-commit", {}),
    ("drop-after-commit", {}),
    ("delay", {"seconds": DELAY_SECONDS}),
]


@pytest.mark.parametrize(("mode", "options"), RETRIED_MODES, ids=[m for m, _ in RETRIED_MODES])
@pytest.mark.parametrize("read", READS, ids=lambda r: r.name)
def test_read_succeeds_after_two_faulted_answers(
    gateways: Gateways, read: Read, mode: str, options: dict[str, Any]
) -> None:
    g = gateways
    ctx = read.setup(g)
    method, path = read.target(ctx)
    g.sandbox.arm(path, mode, times=2, method=method, **options)
    read.run(g, ctx)
    # both faulted answers were used up: the client tried three times, the third one answered
    assert _remaining(g, method, path) == 0


@pytest.mark.parametrize("read", [READS[0], READS[9]], ids=lambda r: r.name)
def test_reads_give_up_after_their_attempts(gateways: Gateways, read: Read) -> None:
    g = gateways
    ctx = read.setup(g)
    method, path = read.target(ctx)
    attempts = 4  # FAST_RETRY.attempts

    g.sandbox.arm(path, "html-500", times=10, method=method)
    with pytest.raises(GatewayUnavailable) as unavailable:
        read.run(g, ctx)
    assert unavailable.value.http_status == 500
    assert f"tried {attempts} times" in str(unavailable.value)
    assert _remaining(g, method, path) == 10 - attempts
    g.sandbox.disarm()

    g.sandbox.arm(path, "rate-limit", times=10, method=method, retry_after=0)
    with pytest.raises(RateLimited):
        read.run(g, ctx)
    assert _remaining(g, method, path) == 10 - attempts
    g.sandbox.disarm()

    # asked to wait longer than the policy allows: gives up at once, still a RateLimited
    g.sandbox.arm(path, "rate-limit", times=10, method=method, retry_after=60)
    with pytest.raises(RateLimited) as limited:
        read.run(g, ctx)
    assert limited.value.retry_after == 60
    assert _remaining(g, method, path) == 9
    g.sandbox.disarm()

    # an unreadable 200 is a broken answer, not a reason to hammer the gateway
    for mode in ("truncated-json", "oversized-body"):
        g.sandbox.arm(path, mode, times=10, method=method)
        with pytest.raises(BrokenResponse) as broken:
            read.run(g, ctx)
        assert not isinstance(broken.value, OutcomeUnknown)  # a read changes nothing
        assert _remaining(g, method, path) == 9
        g.sandbox.disarm()

    read.run(g, ctx)  # and with the faults gone it works again
