"""The real ClickPay and Geidea clients against the real sandbox server, over loopback.

Each test follows one capability through its whole life as the desk's user sees it: built by
``core``, sent by the client, acted on by the "customer" (the sandbox controls), read back.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest

from clickpay_desk.core.geidea_invoice import quick_invoice_signature as quick_signature
from clickpay_desk.gateway import (
    AuthenticationRefused,
    CallbackKind,
    FieldRefused,
    NotFound,
    RequestRefused,
    parse_callback,
    verify_signature,
)
from clickpay_desk.sandbox import demo
from tests.e2e.e2e_kit import (
    EINVOICE_PATH,
    CallbackReceiver,
    Gateways,
    agreement_payment_wire,
    clickpay_client,
    einvoice_wire,
    geidea_client,
    invoice_wire,
    payee,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def receiver() -> Iterator[CallbackReceiver]:
    server = CallbackReceiver()
    try:
        yield server
    finally:
        server.close()


# ---------------------------------------------------------------------------------- invoices


def test_invoice_created_paid_then_cannot_be_cancelled(gateways: Gateways) -> None:
    cp, sandbox = gateways.clickpay, gateways.sandbox
    wire = invoice_wire("life-1")
    created = cp.create_invoice(wire)
    assert created.invoice_link.startswith(f"{sandbox.base_url}/payment/request/invoice/")

    for status in (
        cp.invoice_status(created.invoice_id),
        cp.invoice_status_post(created.invoice_id),
    ):
        assert status.status == "pending"
        assert status.invoice_id == created.invoice_id
        assert not status.is_final and status.tran_ref is None

    [stored] = sandbox.state()["invoices"]
    # the amounts the desk computed are what the gateway holds: 2 × 9.50 + 15 % tax + 5.00 shipping
    assert stored["cart_amount"] == wire["cart_amount"] == "26.85"
    assert stored["cart_id"] == "life-1"

    paid = sandbox.pay_invoice(created.invoice_id)
    for status in (
        cp.invoice_status(created.invoice_id),
        cp.invoice_status_post(created.invoice_id),
    ):
        assert status.is_paid and status.is_final
        assert status.tran_ref == paid["tran_ref"]
        assert status.tran_status == "A"

    with pytest.raises(RequestRefused) as refused:
        cp.cancel_invoice(created.invoice_id)
    assert refused.value.http_status == 400
    assert "cancel" in str(refused.value).lower()
    assert cp.invoice_status(created.invoice_id).is_paid

    found = cp.find_invoice_by_cart_id("life-1")
    assert found is not None and found.invoice_id == created.invoice_id and found.is_paid
    assert cp.find_invoice_by_cart_id("no-such-cart") is None


def test_invoice_created_then_cancelled(gateways: Gateways) -> None:
    cp, sandbox = gateways.clickpay, gateways.sandbox
    created = cp.create_invoice(invoice_wire("life-2"))
    message = cp.cancel_invoice(created.invoice_id)
    assert "cancelled" in message.lower()
    status = cp.invoice_status(created.invoice_id)
    assert status.status == "cancelled" and status.is_final
    assert cp.invoice_status_post(created.invoice_id).status == "cancelled"
    # cancelled twice: a definite refusal, not a crash
    with pytest.raises(RequestRefused):
        cp.cancel_invoice(created.invoice_id)
    # a customer can no longer pay it
    response = sandbox.http.post(f"/_sandbox/invoices/{created.invoice_id}/pay", json={})
    assert response.status_code == 409


def test_declined_payment_leaves_the_invoice_pending(gateways: Gateways) -> None:
    cp, sandbox = gateways.clickpay, gateways.sandbox
    created = cp.create_invoice(invoice_wire("life-3"))
    declined = sandbox.pay_invoice(created.invoice_id, declined=True)
    assert declined["payment_result"]["response_status"] == "D"
    assert cp.invoice_status(created.invoice_id).status == "pending"
    tx = cp.query_transaction(tran_ref=declined["tran_ref"])
    assert tx.payment_result is not None and tx.payment_result.response_status == "D"


def test_unknown_invoice_is_not_found(gateways: Gateways) -> None:
    with pytest.raises(NotFound):
        gateways.clickpay.invoice_status("999")
    with pytest.raises(NotFound):
        gateways.clickpay.invoice_status_post("999")


def test_bad_invoice_is_refused_naming_the_field(gateways: Gateways) -> None:
    wire = invoice_wire("life-4")
    wire["cart_amount"] = "1.00"  # not the invoice total
    with pytest.raises(FieldRefused) as refused:
        gateways.clickpay.create_invoice(wire)
    assert refused.value.field == "cart_amount"
    assert gateways.sandbox.state()["invoices"] == []


# ---------------------------------------------------------------------------------- callbacks


def test_invoice_callback_is_signed_with_the_server_key(
    gateways: Gateways, receiver: CallbackReceiver
) -> None:
    cp, sandbox = gateways.clickpay, gateways.sandbox
    created = cp.create_invoice(invoice_wire("cb-1", callback_url=receiver.url))
    paid = sandbox.pay_invoice(created.invoice_id)

    got = receiver.next()
    assert got.path == "/ipn"
    signature = got.headers.get("signature")
    assert signature
    assert verify_signature(got.body, signature, demo.SERVER_KEY)
    assert not verify_signature(got.body, signature, "ANOTHER-SERVER-KEY")
    assert not verify_signature(got.body + b" ", signature, demo.SERVER_KEY)

    callback = parse_callback(got.body)
    assert callback.kind is CallbackKind.INITIAL
    assert callback.tran_ref == paid["tran_ref"]
    assert callback.cart_id == "cb-1"
    assert callback.authorised
    assert callback.transaction.tran_total == Decimal("26.85")
    # what the sandbox says it delivered is what arrived
    [record] = sandbox.state()["callbacks"]
    assert record["delivered"] is True and record["signature"] == signature


def test_geidea_callback_is_signed_with_the_api_password(
    gateways: Gateways, receiver: CallbackReceiver
) -> None:
    g, sandbox = gateways.geidea, gateways.sandbox
    intent = g.create(einvoice_wire("gcb-1", gateways.today, callback_url=receiver.url))
    sandbox.pay_invoice(intent.payment_intent_id)
    got = receiver.next()
    signature = got.headers["signature"]
    assert verify_signature(got.body, signature, demo.GEIDEA_API_PASSWORD)
    assert not verify_signature(got.body, signature, demo.SERVER_KEY)
    payload = json.loads(got.body)
    assert payload["paymentIntent"]["paymentIntentId"] == intent.payment_intent_id
    assert payload["order"]["merchantReferenceId"] == "gcb-1"
    assert g.fetch(intent.payment_intent_id).status == "Paid"


# ---------------------------------------------------------------------------------- agreements


def test_agreement_payment_follow_ups_and_cancel(
    gateways: Gateways, receiver: CallbackReceiver
) -> None:
    cp, sandbox = gateways.clickpay, gateways.sandbox
    body = agreement_payment_wire("agr-1", gateways.today, callback_url=receiver.url)
    started = cp.payment_request(body)
    assert started.redirect_url and started.redirect_url.startswith(sandbox.base_url)
    assert started.cart_amount == Decimal("10.00")
    pending = cp.query_transaction(tran_ref=started.tran_ref)
    assert pending.payment_result is not None and pending.payment_result.response_status == "P"
    assert pending.agreement_id is None

    sandbox.pay_payment(started.tran_ref)
    initial = parse_callback(receiver.next().body)
    assert initial.kind is CallbackKind.AGREEMENT
    agreement_id = initial.transaction.agreement_id
    assert agreement_id

    queried = cp.query_transaction(tran_ref=started.tran_ref)
    assert queried.agreement_id == agreement_id
    assert queried.payment_result is not None and queried.payment_result.response_status == "A"
    by_cart = cp.query_transaction(cart_id="agr-1")
    assert by_cart.tran_ref == started.tran_ref

    summary = sandbox.advance(3)
    assert [i["response_status"] for i in summary["installments"]] == ["A", "A"]
    state = sandbox.state()
    [agreement] = state["agreements"]
    assert agreement["agreement_id"] == int(agreement_id)
    charged = [i for i in agreement["installments"] if i["kind"] != "initial"]
    assert [i["amount"] for i in charged] == ["5.00", "5.00"]
    assert agreement["status"] == "completed"  # 2 terms, no final amount: all charged
    follow_ups = [t for t in state["transactions"] if t["kind"] == "installment"]
    assert len(follow_ups) == 2
    # each follow-up reached the merchant, signed, as a follow-up of the initial payment
    for _ in follow_ups:
        got = receiver.next()
        assert verify_signature(got.body, got.headers["signature"], demo.SERVER_KEY)
        callback = parse_callback(got.body)
        assert callback.kind is CallbackKind.FOLLOW_UP
        assert callback.transaction.previous_tran_ref == started.tran_ref
        assert callback.transaction.agreement_id == agreement_id
        # and the desk can read each of them back by tran_ref
        assert cp.query_transaction(tran_ref=callback.tran_ref).agreement_id == agreement_id

    # a completed agreement cannot be cancelled any more: a definite refusal
    with pytest.raises(RequestRefused):
        cp.cancel_agreement(agreement_id)


def test_open_agreement_is_cancelled_and_stops_charging(gateways: Gateways) -> None:
    cp, sandbox = gateways.clickpay, gateways.sandbox
    body = agreement_payment_wire("agr-2", gateways.today, repeat_terms=0)
    started = cp.payment_request(body)
    paid = sandbox.pay_payment(started.tran_ref)
    agreement_id = str(paid["agreement_id"])
    summary = sandbox.advance(2)
    assert len(summary["installments"]) == 2

    message = cp.cancel_agreement(agreement_id)
    assert "cancelled" in message.lower()
    [agreement] = sandbox.state()["agreements"]
    assert agreement["status"] == "cancelled"
    assert sandbox.advance(5)["installments"] == []
    with pytest.raises(RequestRefused):
        cp.cancel_agreement(agreement_id)
    with pytest.raises(NotFound):
        cp.cancel_agreement("1")


def test_declining_agreement_follow_ups(gateways: Gateways) -> None:
    cp, sandbox = gateways.clickpay, gateways.sandbox
    body = agreement_payment_wire("agr-3", gateways.today, description="DECLINE me")
    started = cp.payment_request(body)
    sandbox.pay_payment(started.tran_ref)
    summary = sandbox.advance(3)
    assert [i["response_status"] for i in summary["installments"]] == ["D", "D"]
    tran_ref = summary["installments"][0]["tran_ref"]
    follow_up = cp.query_transaction(tran_ref=tran_ref)
    assert follow_up.payment_result is not None
    assert follow_up.payment_result.response_status == "D"
    assert not follow_up.authorised


# ---------------------------------------------------------------------------------- payouts


def test_payout_batch_life(gateways: Gateways) -> None:
    cp, sandbox = gateways.clickpay, gateways.sandbox
    batch = cp.payout_new("ORD-LIFE-1", [payee("Paid Person", "201.01", "REF-OK")])
    assert batch.status == "New" and batch.order_id == "ORD-LIFE-1"
    assert batch.count == 1 and batch.currency == "SAR"

    added = cp.payout_add(
        batch.batch_id,
        "ORD-LIFE-1",
        [
            payee("Will FAIL Person", "600.00", "REF-2"),
            payee("Some Person", "50.00", "REJECT-3"),
        ],
    )
    assert added.count == 3
    # The add answer lists the whole batch; the client reads the entries this call appended.
    assert [e.amount for e in added.requests] == [Decimal("600.00"), Decimal("50.00")]
    listed = cp.payout_query(batch.batch_id).requests
    assert all(entry.entry_id for entry in listed)
    assert len({entry.entry_id for entry in listed}) == 3
    assert added.total == Decimal("851.01")

    with pytest.raises(FieldRefused) as refused:
        cp.payout_close(batch.batch_id, 2, Decimal("851.01"))
    assert refused.value.field == "count"
    assert cp.payout_query(batch.batch_id).status == "New"  # refused: nothing changed
    with pytest.raises(FieldRefused) as refused:
        cp.payout_close(batch.batch_id, 3, Decimal("851.00"))
    assert refused.value.field == "total"

    closed = cp.payout_close(batch.batch_id, 3, Decimal("851.01"))
    assert closed.status == "Pending"
    with pytest.raises(FieldRefused) as refused:
        cp.payout_add(batch.batch_id, "ORD-LIFE-1", [payee()])
    assert refused.value.field == "batch_id"

    sandbox.advance(1)
    assert cp.payout_query(batch.batch_id).status == "Processing"
    sandbox.advance(1)
    done = cp.payout_query(batch.batch_id)
    assert done.status == "Completed"
    by_ref = {entry.merchant_reference: entry for entry in done.requests}
    assert by_ref["REF-OK"].status == "Paid"
    assert by_ref["REF-2"].status == "Failed"
    assert by_ref["REF-2"].protocol_message == "Unrecoverable integration error"
    assert by_ref["REJECT-3"].status == "Rejected"
    assert by_ref["REF-OK"].fee == Decimal("0.63")
    assert by_ref["REF-2"].fee == Decimal("1.45")  # above 500
    assert by_ref["REF-2"].total == Decimal("601.45")

    entry = cp.payout_query_entry(batch.batch_id, by_ref["REJECT-3"].entry_id)
    assert entry.status == "Rejected" and entry.total == Decimal("50.63")
    failed = cp.payout_query_status(batch.batch_id, "failed")
    assert [e.entry_id for e in failed.requests] == [by_ref["REF-2"].entry_id]
    assert [e.status for e in cp.payout_query_status(batch.batch_id, "paid").requests] == ["Paid"]
    assert cp.payout_query_status(batch.batch_id, "pending").requests == ()

    found = cp.payout_find_by_order("ORD-LIFE-1")
    assert found is not None and found.batch_id == batch.batch_id
    assert cp.payout_find_by_order("ORD-NONE") is None
    with pytest.raises(NotFound):
        cp.payout_query_entry(batch.batch_id, "1")
    # an order id is used once: a second batch/new with it is refused, never doubled
    with pytest.raises(FieldRefused) as refused:
        cp.payout_new("ORD-LIFE-1", [])
    assert refused.value.field == "order_id"


def test_payout_with_another_account_is_refused_naming_it(gateways: Gateways) -> None:
    other = clickpay_client(gateways.sandbox.base_url, account_id=999)
    with other, pytest.raises(FieldRefused) as refused:
        other.payout_new("ORD-ACC", [payee()])
    assert refused.value.field == "account_id"


# ---------------------------------------------------------------------------------- Geidea


def test_geidea_invoice_life(gateways: Gateways) -> None:
    g, sandbox, today = gateways.geidea, gateways.sandbox, gateways.today
    created = g.create(einvoice_wire("g-life-1", today))
    assert created.status == "Created" and created.amount == Decimal("20.00")
    assert created.merchant_reference_id == "g-life-1"

    fetched = g.fetch(created.payment_intent_id)
    assert fetched.payment_intent_id == created.payment_intent_id
    assert fetched.customer is not None and fetched.customer.email == "john@example.com"

    sent = g.send_by_email(created.payment_intent_id)
    assert sent.status == "SentToCustomer"
    assert [(s.channel, s.recipient) for s in sent.sent_links] == [("Email", "john@example.com")]
    sms = g.send_by_sms(created.payment_intent_id)
    assert [s.channel for s in sms.sent_links] == ["Sms", "Email"]

    g.create(einvoice_wire("g-life-other", today))
    page = g.search(merchant_reference_id="g-life-1")
    assert page.total_count == 1
    assert [i.payment_intent_id for i in page.intents] == [created.payment_intent_id]
    assert g.search().total_count == 2
    assert g.search(merchant_reference_id="nothing").total_count == 0

    update = einvoice_wire(
        "g-life-1", today, price="12.50", payment_intent_id=created.payment_intent_id
    )
    updated = g.update(update)
    assert updated.amount == Decimal("25.00")
    assert g.fetch(created.payment_intent_id).amount == Decimal("25.00")

    # sent to the customer: no longer "Created", so it cannot be deleted
    with pytest.raises(FieldRefused) as refused:
        g.delete(created.payment_intent_id)
    assert refused.value.field == "status"
    assert g.fetch(created.payment_intent_id).status == "SentToCustomer"

    sandbox.pay_invoice(created.payment_intent_id)
    assert g.fetch(created.payment_intent_id).status == "Paid"
    with pytest.raises(FieldRefused):
        g.update(update)
    assert g.search(status="Paid").total_count == 1


def test_geidea_delete_only_while_created(gateways: Gateways) -> None:
    g = gateways.geidea
    created = g.create(einvoice_wire("g-del-1", gateways.today))
    assert g.delete(created.payment_intent_id)
    with pytest.raises(NotFound):
        g.fetch(created.payment_intent_id)
    with pytest.raises(NotFound):
        g.delete(created.payment_intent_id)


def test_geidea_quick_create_with_a_good_signature(gateways: Gateways) -> None:
    g = gateways.geidea
    stamp = "2024-03-18T12:41:39Z"
    quick = g.quick_create(
        Decimal("12.5"),
        "sar",
        {"name": "Jane", "email": "jane@example.com"},
        "quick-1",
        timestamp=stamp,
    )
    assert quick.status == "Created"
    assert quick.amount == Decimal("12.50") and quick.currency == "SAR"
    assert quick.merchant_reference_id == "quick-1"
    [stored] = gateways.sandbox.state()["geidea_invoices"]
    assert stored["eInvoiceDetails"]["type"] == "Quick"
    assert g.search(merchant_reference_id="quick-1").total_count == 1

    # The sandbox really checks the signature: the same body signed with another password is
    # refused naming ``signature``, and signed with the API password it is accepted.
    body = {
        "amount": "12.50",
        "currency": "SAR",
        "customer": {"name": "Jane", "email": "jane@example.com"},
        "merchantReferenceId": "quick-2",
        "timestamp": stamp,
    }
    auth = (demo.GEIDEA_PUBLIC_KEY, demo.GEIDEA_API_PASSWORD)
    url = f"{gateways.sandbox.base_url}{EINVOICE_PATH}/quick"
    for password, status in (("ANOTHER-PASSWORD", 400), (demo.GEIDEA_API_PASSWORD, 200)):
        signed = {
            **body,
            "signature": quick_signature(
                demo.GEIDEA_PUBLIC_KEY, Decimal("12.50"), "SAR", "quick-2", stamp, password
            ),
        }
        answer = httpx.post(url, json=signed, auth=auth, timeout=10)
        assert answer.status_code == status, answer.text
        if status == 400:
            assert answer.json()["detailedResponseMessage"].startswith("signature:")


def test_geidea_quick_create_with_the_wrong_password_is_refused(gateways: Gateways) -> None:
    # right public key, wrong password: the request is refused at authentication, and a
    # signature made with that password could not have verified either
    wrong = geidea_client(gateways.sandbox.base_url, password="NOT-THE-PASSWORD")
    with wrong, pytest.raises(AuthenticationRefused):
        wrong.quick_create(Decimal("1.00"), "SAR", {"name": "J", "email": "j@example.com"}, "q-2")
    assert gateways.sandbox.state()["geidea_invoices"] == []


# ---------------------------------------------------------------------------------- auth


def test_wrong_server_key_is_refused(gateways: Gateways) -> None:
    url = gateways.sandbox.base_url
    with clickpay_client(url, server_key="WRONG-SERVER-KEY") as wrong:
        with pytest.raises(AuthenticationRefused) as refused:
            wrong.create_invoice(invoice_wire("auth-1"))
        assert refused.value.http_status == 401
        assert "WRONG-SERVER-KEY" not in str(refused.value)
        with pytest.raises(AuthenticationRefused):
            wrong.invoice_status("1")  # a read: refused at once, not retried into "unavailable"
        with pytest.raises(AuthenticationRefused):
            wrong.payout_new("ORD-AUTH", [payee()])
    with clickpay_client(url, profile_id=1) as foreign, pytest.raises(AuthenticationRefused):
        foreign.create_invoice(invoice_wire("auth-2"))
    with geidea_client(url, password="WRONG-PASSWORD") as g, pytest.raises(AuthenticationRefused):
        g.search()
    state = gateways.sandbox.state()
    assert state["invoices"] == [] and state["batches"] == []


# ---------------------------------------------------------------------------------- known bugs


def test_dot_segment_ids_never_reach_another_endpoint(gateways: Gateways) -> None:
    cp, g, sandbox = gateways.clickpay, gateways.geidea, gateways.sandbox
    # (call, method and path the request lands on once httpx removes the dot segment)
    cases = [
        (lambda: cp.invoice_status(".."), "GET", "/payment/status"),
        (lambda: cp.cancel_invoice(".."), "PUT", "/payment/cancel"),
        (lambda: g.delete(".."), "DELETE", "/payment-intent/api/v1/direct"),
        (lambda: g.send_by_email(".."), "POST", "/payment-intent/api/v1/direct/SendByEmail"),
        (lambda: g.fetch("."), "GET", EINVOICE_PATH),  # lands on the search endpoint
    ]
    for _, method, path in cases:
        sandbox.arm(path, "html-500", times=1, method=method)
    outcomes = []
    for call, method, path in cases:
        try:
            call()
            outcome = "answered"
        except ValueError:
            outcome = "refused locally"
        except FieldRefused as exc:  # PT2 ids are positive numbers: refused, naming the field
            outcome = "refused locally" if "nothing was sent" in str(exc) else "FieldRefused"
        except Exception as exc:
            outcome = type(exc).__name__
        reached = not any(f["path"] == path and f["method"] == method for f in sandbox.faults())
        outcomes.append((method, path, outcome, "REACHED" if reached else "not sent"))
    assert all(o[2:] == ("refused locally", "not sent") for o in outcomes), outcomes
