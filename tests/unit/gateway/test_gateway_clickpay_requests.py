"""What the ClickPay client puts on the wire, and what it returns (fake gateway, not the
sandbox): endpoints, methods, the authorization header, profile/account ids, exact amounts."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from clickpay_desk.core import jsonwire
from clickpay_desk.gateway.clickpay import ClickPayClient
from clickpay_desk.gateway.errors import (
    AuthenticationRefused,
    BrokenResponse,
    Declined,
    FieldRefused,
    NotFound,
    OutcomeUnknown,
    RequestRefused,
)
from clickpay_desk.gateway.models import EntryStatus, InvoiceState
from tests.unit.gateway.gateway_fakes import (
    SERVER_KEY,
    clickpay,
    fixture_json,
    fixture_reply,
    pt2_error,
    reply,
    script,
)


def test_create_invoice_sends_payload_with_profile_and_exact_amounts() -> None:
    gateway = script(fixture_reply("000_invoice_create_response.json"))
    invoice = {
        "profile_id": "wrong",
        "cart_id": "cart_12345",
        "cart_currency": "SAR",
        "cart_amount": Decimal("9.50"),
        "invoice": {
            "line_items": [
                {"unit_cost": Decimal("0.10"), "quantity": 3, "total": Decimal("0.30")},
            ],
            "total": Decimal("12345678901234.005"),
        },
    }
    with clickpay(gateway) as client:
        created = client.create_invoice(invoice)
    assert created.invoice_id == "10000010001"
    request = gateway.seen[0]
    assert request.method == "POST" and request.url.path == "/payment/new/invoice"
    assert request.headers["authorization"] == SERVER_KEY
    assert request.headers["content-type"] == "application/json"
    raw = request.content.decode()
    # Exactly the digits given: no float on the way (0.1 * 3 would be 0.30000000000000004).
    assert '"cart_amount":9.50' in raw and '"unit_cost":0.10' in raw and '"total":0.30' in raw
    assert "12345678901234.005" in raw
    body = jsonwire.loads(request.content)
    assert body["profile_id"] == 44537  # filled in by the client, as a number
    assert invoice["profile_id"] == "wrong", "the caller's mapping is not modified"


def test_invoice_status_get_and_post() -> None:
    gateway = script(
        fixture_reply("000_invoice_status_paid_response.json"),
        fixture_reply("000_invoice_status_post_paid_response.json"),
    )
    with clickpay(gateway) as client:
        by_get = client.invoice_status("2072841")
        by_post = client.invoice_status_post(2072841)
    assert gateway.seen[0].method == "GET"
    assert gateway.seen[0].url.path == "/payment/invoice/2072841/status"
    assert gateway.seen[1].url.path == "/payment/invoice/status"
    assert gateway.bodies()[1] == {"profile_id": 44537, "invoice_id": 2072841}
    assert by_get.invoice_id == by_post.invoice_id == "2072841"
    assert by_post.tran_ref == "SFT2222221111100000"


def test_invoice_id_that_is_no_id_is_refused_before_sending() -> None:
    gateway = script(reply(200, {"invoice_status": "Pending"}))
    with clickpay(gateway) as client:
        for bad in ("12/../x", "-2072841", "0", " ", "1e5", True):
            with pytest.raises(FieldRefused) as refused:
                client.invoice_status(bad)
            assert refused.value.field == "invoice_id" and "nothing was sent" in str(refused.value)
            with pytest.raises(FieldRefused):
                client.cancel_invoice(bad)
        with pytest.raises(FieldRefused):
            client.cancel_agreement(-5)
        with pytest.raises(FieldRefused) as refused:
            client.payout_close("12", -1, Decimal("2.00"))
        assert refused.value.field == "count"
        with pytest.raises(FieldRefused):
            client.payout_query("-3")
        status = client.invoice_status(" 2072841 ")
    assert gateway.count == 1
    assert gateway.seen[0].url.raw_path == b"/payment/invoice/2072841/status"
    assert status.status == InvoiceState.PENDING


def test_query_by_cart_id_answering_an_array_gives_the_newest_by_time() -> None:
    ipn = fixture_json("002_ipn_initial.json")
    newer = dict(ipn, tran_ref="TST_NEWER")
    newer["payment_result"] = dict(ipn["payment_result"], transaction_time="2024-07-05T07:00:00Z")
    older = dict(ipn, tran_ref="TST_OLDER")
    older["payment_result"] = dict(ipn["payment_result"], transaction_time="2024-07-01T07:00:00Z")
    untimed = dict(ipn, tran_ref="TST_UNTIMED")
    untimed["payment_result"] = {"response_status": "A"}
    gateway = script(reply(200, [older, newer, untimed]), reply(200, [untimed, newer, older]))
    with clickpay(gateway) as client:
        assert client.query_transaction(cart_id="cart_11111").tran_ref == "TST_NEWER"
        assert client.query_transaction(cart_id="cart_11111").tran_ref == "TST_NEWER"


def test_find_invoice_by_cart_id() -> None:
    gateway = script(
        reply(200, {"invoice_status": "pending", "invoice_id": 2072841}),
        pt2_error(404, 4, "Invoice not found"),
        reply(200, {"invoice_status": "pending"}),
    )
    with clickpay(gateway) as client:
        found = client.find_invoice_by_cart_id("cart_12345")
        assert found is not None and found.invoice_id == "2072841"
        assert client.find_invoice_by_cart_id("cart_none") is None
        with pytest.raises(BrokenResponse) as caught:
            client.find_invoice_by_cart_id("cart_x")  # must name the invoice it found
    assert "invoice_id" in str(caught.value)
    assert gateway.bodies()[0] == {"profile_id": 44537, "cart_id": "cart_12345"}


def test_cancel_invoice() -> None:
    gateway = script(fixture_reply("000_invoice_cancel_response.json"))
    with clickpay(gateway) as client:
        assert client.cancel_invoice(2072841) == "Invoice has been cancelled"
    assert gateway.seen[0].method == "PUT"
    assert gateway.seen[0].url.path == "/payment/invoice/2072841/cancel"


@pytest.mark.parametrize(
    "answer",
    [
        {},
        {"message": ""},
        {"responseCode": "000", "responseMessage": "Success"},
        {"message": "Failed to cancel invoice"},
        [],
    ],
)
def test_cancel_without_the_gateways_positive_answer_is_unknown(answer: object) -> None:
    gateway = script(reply(200, answer))
    with clickpay(gateway) as client:
        with pytest.raises(OutcomeUnknown):
            client.cancel_invoice(2072841)
        with pytest.raises(OutcomeUnknown):
            client.cancel_agreement(3153)
    assert gateway.count == 2


def test_payment_request_with_agreement() -> None:
    payload = fixture_json("002_payment_request.json")
    payload["agreement"]["initial_amount"] = Decimal("1.01")
    gateway = script(fixture_reply("001_payment_hpp_response.json"))
    with clickpay(gateway) as client:
        created = client.payment_request(payload)
    assert created.redirect_url and created.tran_ref == "TST22********159"
    sent = gateway.bodies()[0]
    assert sent["agreement"]["repeat_terms"] == 2 and sent["profile_id"] == 44537
    assert '"initial_amount":1.01' in gateway.seen[0].content.decode()


def test_payment_request_declined_at_once() -> None:
    answer = fixture_json("001_payment_own_form_non3ds_response.json")
    answer["payment_result"]["response_status"] = "D"
    answer["payment_result"]["response_message"] = "Insufficient funds"
    gateway = script(reply(200, answer))
    with clickpay(gateway) as client, pytest.raises(Declined) as caught:
        client.payment_request({"cart_amount": Decimal("500")})
    assert caught.value.tran_ref == "TST22********159"
    assert caught.value.response_code == "G17534"
    assert "Insufficient funds" in str(caught.value)


def test_query_transaction_by_ref_or_cart() -> None:
    ipn = fixture_json("002_ipn_initial.json")
    older = dict(ipn, tran_ref="TST_OLDER")
    older["payment_result"] = dict(ipn["payment_result"], transaction_time="2024-07-01T07:00:00Z")
    gateway = script(reply(200, ipn), reply(200, [ipn, older]), reply(200, []))
    with clickpay(gateway) as client:
        assert client.query_transaction(tran_ref="TST2418600151667").agreement_id == "3153"
        assert client.query_transaction(cart_id="cart_11111").tran_ref == "TST2418600151667"
        with pytest.raises(NotFound):
            client.query_transaction(cart_id="cart_none")
        with pytest.raises(ValueError):
            client.query_transaction()
        with pytest.raises(ValueError):
            client.query_transaction(tran_ref="a", cart_id="b")
    assert gateway.bodies()[0] == {"profile_id": 44537, "tran_ref": "TST2418600151667"}
    assert gateway.bodies()[1] == {"profile_id": 44537, "cart_id": "cart_11111"}


def test_cancel_agreement() -> None:
    gateway = script(
        fixture_reply("002_agreement_cancel_response.json"),
        reply(200, {"message": "Agreement not active", "status": "failed"}),
    )
    with clickpay(gateway) as client:
        assert client.cancel_agreement(3153) == "Agreement has been cancelled"
        with pytest.raises(RequestRefused):
            client.cancel_agreement(3153)
    assert gateway.seen[0].url.path == "/payment/agreement/cancel"
    assert gateway.bodies()[0] == {"profile_id": 44537, "agreement_id": 3153}


def test_payout_calls_send_account_and_exact_totals() -> None:
    batch = fixture_json("004_batch_new_response.json")
    gateway = script(
        reply(200, batch),
        reply(200, dict(batch, total="256.00", count=2)),
        reply(200, dict(batch, status="pending")),
        fixture_reply("004_batch_query_status_response.json"),
        fixture_reply("004_batch_query_entry_response.json"),
        fixture_reply("004_batch_query_status_response.json"),
        fixture_reply("004_batch_query_status_response.json"),
    )
    request = fixture_json("004_batch_add_request.json")["requests"][0]
    request["amount"] = Decimal("101.00")
    with clickpay(gateway) as client:
        new = client.payout_new("Payout-API-20240825", [])
        added = client.payout_add(new.batch_id, "Payout-API-20240825", [request])
        closed = client.payout_close(new.batch_id, 2, Decimal("256.00"))
        queried = client.payout_query("30")
        entry = client.payout_query_entry("30173", 10031)
        paid = client.payout_query_status("30", "Paid")
        found = client.payout_find_by_order("KSA Payout-API TestCase")
    paths = [r.url.path for r in gateway.seen]
    assert paths == [
        "/payout/batch/new",
        "/payout/batch/add",
        "/payout/batch/close",
        "/payout/batch/query",
        "/payout/batch/query",
        "/payout/batch/query/paid",
        "/payout/batch/query",
    ]
    bodies = gateway.bodies()
    assert bodies[0] == {
        "profile_id": 44537,
        "account_id": 654,
        "order_id": "Payout-API-20240825",
        "requests": [],
    }
    assert bodies[1]["batch_id"] == 12 and bodies[1]["requests"][0]["transfer_code"] == 100
    assert '"amount":101.00' in gateway.seen[1].content.decode()
    assert bodies[2] == {
        "batch_id": 12,
        "profile_id": 44537,
        "account_id": 654,
        "count": 2,
        "total": 256,
    }
    assert '"total":256.00' in gateway.seen[2].content.decode()
    assert bodies[4]["entry_id"] == 10031
    assert bodies[6] == {
        "profile_id": 44537,
        "account_id": 654,
        "order_id": "KSA Payout-API TestCase",
    }
    assert added.total == Decimal("256.00") and added.count == 2
    assert closed.status == "Pending"  # case normalised
    assert queried.requests[0].status == EntryStatus.PAID
    assert entry.entry_id == "10029" and paid.batch_id == "30"
    assert found is not None and found.order_id == "KSA Payout-API TestCase"


def test_payout_find_by_order_none_when_unknown() -> None:
    gateway = script(pt2_error(404, 4, "Batch not found"))
    with clickpay(gateway) as client:
        assert client.payout_find_by_order("nope") is None


def test_payout_without_account_id_is_refused_locally() -> None:
    gateway = script(reply(200, {}))
    client = ClickPayClient("https://pt2.test", "44537", SERVER_KEY, transport=gateway.transport())
    with client, pytest.raises(FieldRefused) as caught:
        client.payout_new("P-1", [])
    assert caught.value.field == "account_id" and gateway.count == 0


def test_payout_close_refuses_float_totals() -> None:
    with clickpay(script(reply(200, {}))) as client, pytest.raises(TypeError):
        client.payout_close("1", 1, 2.5)  # type: ignore[arg-type]


def test_query_status_rejects_unknown_status() -> None:
    with clickpay(script(reply(200, {}))) as client, pytest.raises(ValueError):
        client.payout_query_status("1", "lost")


@pytest.mark.parametrize("key", ["", "   ", "key\u0660with-arabic-digit", "line\nbreak"])
def test_unusable_server_key_is_refused_without_echoing_it(key: str) -> None:
    with pytest.raises(AuthenticationRefused) as caught:
        ClickPayClient("https://pt2.test", "1", key)
    if key.strip():
        assert key not in str(caught.value) and key not in repr(caught.value)


def test_server_key_whitespace_is_trimmed() -> None:
    gateway = script(reply(200, {"invoice_status": "paid"}))
    client = ClickPayClient(
        "https://pt2.test", 1, f"  {SERVER_KEY}\n", transport=gateway.transport()
    )
    with client:
        client.invoice_status("1")
    assert gateway.seen[0].headers["authorization"] == SERVER_KEY


def test_base_url_with_a_path_prefix() -> None:
    gateway = script(reply(200, {"invoice_status": "paid"}))
    with clickpay(gateway, base_url="https://host.test/sandbox/pt2/") as client:
        client.invoice_status("1")
    assert gateway.seen[0].url.path == "/sandbox/pt2/payment/invoice/1/status"


def test_json_writer_refuses_what_cannot_be_sent_exactly() -> None:
    with pytest.raises(ValueError):
        jsonwire.dumps({"a": Decimal("NaN")})
    with pytest.raises(TypeError):
        jsonwire.dumps({"a": 9.5}, floats=False)  # money never travels as a float
    with pytest.raises(TypeError):
        jsonwire.dumps({"a": object()})
    with pytest.raises(TypeError):
        jsonwire.dumps({1: "x"})
    text = jsonwire.dumps({"s": 'quo"te\u00e9\n', "f": Decimal("9.50"), "l": (1, None, True)})
    assert text.decode().count("9.50") == 1
    assert json.loads(text) == {"s": 'quo"te\u00e9\n', "f": 9.5, "l": [1, None, True]}
    assert jsonwire.loads(b'{"a": 0.1, "b": 1e2}') == {"a": Decimal("0.1"), "b": Decimal("1e2")}


@pytest.mark.parametrize(
    "answer",
    [
        pt2_error(409, 4, "Duplicate Request"),
        pt2_error(400, 4, "Duplicate Request"),
        reply(409, raw=b""),
    ],
)
def test_duplicate_request_answer_is_an_unknown_outcome_not_a_refusal(answer) -> None:
    gateway = script(answer)
    with clickpay(gateway) as client, pytest.raises(OutcomeUnknown) as caught:
        client.create_invoice({"cart_id": "INV-1", "cart_amount": Decimal("1.00")})
    assert "reconcile" in str(caught.value)
    assert gateway.count == 1
