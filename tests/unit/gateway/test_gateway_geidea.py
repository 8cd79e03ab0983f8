"""The Geidea eInvoice client against a fake gateway (MockTransport, not the sandbox)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from decimal import Decimal

import pytest

from clickpay_desk.core.geidea_invoice import quick_invoice_signature as quick_signature
from clickpay_desk.gateway.errors import (
    AuthenticationRefused,
    FieldRefused,
    OutcomeUnknown,
    RequestRefused,
    UnreadableOutcome,
)
from clickpay_desk.gateway.geidea import EINVOICE_PATH, GeideaClient
from clickpay_desk.gateway.geidea_models import IntentStatus
from tests.unit.gateway.gateway_fakes import (
    GEIDEA_PASSWORD,
    GEIDEA_PUBLIC_KEY,
    fixture_json,
    fixture_reply,
    geidea,
    reply,
    script,
)

INTENT_ID = "8f67f208-7a6d-4e5c-741e-08dc400e92f5"


def basic() -> str:
    token = base64.b64encode(f"{GEIDEA_PUBLIC_KEY}:{GEIDEA_PASSWORD}".encode()).decode()
    return f"Basic {token}"


def test_create_update_fetch_delete_send() -> None:
    gateway = script(
        fixture_reply("003_create_einvoice_response.json"),
        fixture_reply("003_update_einvoice_response.json"),
        fixture_reply("003_update_einvoice_response.json"),
        fixture_reply("003_delete_einvoice_response.json"),
        fixture_reply("003_send_einvoice_email_response.json"),
        fixture_reply("003_send_einvoice_sms_response.json"),
    )
    payload = fixture_json("003_create_einvoice_request.json")
    payload["amount"] = Decimal("20.00")
    update = fixture_json("003_update_einvoice_request.json")
    with geidea(gateway) as client:
        created = client.create(payload)
        updated = client.update(update)
        fetched = client.fetch(INTENT_ID)
        deleted = client.delete(INTENT_ID)
        emailed = client.send_by_email("219e4abd-901f-4f79-a4de-08db661548fa")
        texted = client.send_by_sms("219e4abd-901f-4f79-a4de-08db661548fa")
    calls = [(r.method, r.url.path) for r in gateway.seen]
    assert calls == [
        ("POST", EINVOICE_PATH),
        ("PUT", EINVOICE_PATH),
        ("GET", f"{EINVOICE_PATH}/{INTENT_ID}"),
        ("DELETE", f"{EINVOICE_PATH}/{INTENT_ID}"),
        ("POST", f"{EINVOICE_PATH}/219e4abd-901f-4f79-a4de-08db661548fa/SendByEmail"),
        ("POST", f"{EINVOICE_PATH}/219e4abd-901f-4f79-a4de-08db661548fa/sendBySms"),
    ]
    assert all(r.headers["authorization"] == basic() for r in gateway.seen)
    assert '"amount":20.00' in gateway.seen[0].content.decode()
    assert gateway.bodies()[1]["paymentIntentId"] == INTENT_ID
    assert gateway.seen[4].content == b""
    assert created.status == IntentStatus.CREATED and updated.status == "SentToCustomer"
    assert fetched.payment_intent_id == INTENT_ID
    assert deleted == "The operation was successful"
    assert emailed.sent_links[0].channel == "Email" and len(texted.sent_links) == 2


def test_search_sends_filters_and_reads_the_page() -> None:
    intent = fixture_json("003_create_einvoice_response.json")["paymentIntent"]
    gateway = script(
        reply(200, {"paymentIntents": [intent], "totalCount": 41, "responseCode": "000"})
    )
    with geidea(gateway) as client:
        page = client.search(
            status="Created",
            currency="sar",
            merchant_reference_id="ref123",
            page_number=2,
            page_size=20,
        )
    params = dict(gateway.seen[0].url.params)
    assert params == {
        "status": "Created",
        "currency": "SAR",
        "merchantReferenceId": "ref123",
        "pageNumber": "2",
        "pageSize": "20",
    }
    assert gateway.seen[0].method == "GET" and gateway.seen[0].url.path == EINVOICE_PATH
    assert page.total_count == 41 and page.page_number == 2 and page.page_size == 20
    assert page.intents[0].merchant_reference_id == "ref123"


def test_quick_create_signs_as_documented() -> None:
    gateway = script(fixture_reply("003_create_einvoice_response.json"))
    customer = {"name": "John", "email": "john@example.com"}
    with geidea(gateway) as client:
        client.quick_create(
            Decimal("123.2"),
            "sar",
            customer,
            "ref-77",
            timestamp="2024-03-18T12:41:39Z",
            expiry_date="2024-05-10",
            callback_url="https://merchant.test/cb",
        )
    request = gateway.seen[0]
    assert request.url.path == f"{EINVOICE_PATH}/quick"
    body = gateway.bodies()[0]
    assert '"amount":123.20' in request.content.decode()
    message = f"{GEIDEA_PUBLIC_KEY}123.20SARref-772024-03-18T12:41:39Z".encode()
    expected = base64.b64encode(
        hmac.new(GEIDEA_PASSWORD.encode(), message, hashlib.sha256).digest()
    ).decode()
    assert body["signature"] == expected
    assert body == {
        "amount": 123.2,
        "currency": "SAR",
        "customer": customer,
        "merchantReferenceId": "ref-77",
        "timestamp": "2024-03-18T12:41:39Z",
        "signature": expected,
        "expiryDate": "2024-05-10",
        "callbackUrl": "https://merchant.test/cb",
    }


def test_quick_signature_known_vector() -> None:
    # From openssl: printf '%s' 'pk20.00SARref1ts' | openssl dgst -sha256 -hmac pw -binary | base64
    vector = "WZYyUbk6hB8KUQY8kXu+Qlk8vWn55lMdrLgKMkr4GgI="
    assert quick_signature("pk", Decimal("20"), "SAR", "ref1", "ts", "pw") == vector
    assert quick_signature("pk", 20, "SAR", "ref1", "ts", "pw") == vector
    assert quick_signature("pk", "20.00", "SAR", "ref1", "ts", "pw") == vector


def test_quick_create_refuses_three_decimals_before_sending() -> None:
    gateway = script(reply(200, {}))
    with geidea(gateway) as client, pytest.raises(FieldRefused) as caught:
        client.quick_create(Decimal("1.005"), "SAR", {"name": "J"}, "r")
    assert caught.value.field == "amount" and gateway.count == 0


@pytest.mark.parametrize(
    ("amount", "rule"),
    [
        (Decimal("0"), "greater than 0.01"),
        (Decimal("0.01"), "greater than 0.01"),
        (Decimal("-5"), "negative"),
        (-5, "negative"),
        (12.5, "not float"),
        (Decimal("20.005"), "2 digits"),
        ("1,000.00", "plain digits"),
        (Decimal("NaN"), "finite"),
        (True, "not bool"),
    ],
)
def test_quick_create_refuses_bad_amounts_locally(amount: object, rule: str) -> None:
    gateway = script(reply(200, {}))
    with geidea(gateway) as client, pytest.raises(FieldRefused) as caught:
        client.quick_create(amount, "SAR", {"name": "J"}, "r")  # type: ignore[arg-type]
    assert caught.value.field == "amount" and rule in caught.value.message
    assert gateway.count == 0


def test_quick_create_refuses_decimals_the_currency_lacks() -> None:
    gateway = script(reply(200, {}))
    with geidea(gateway) as client, pytest.raises(FieldRefused) as caught:
        client.quick_create(Decimal("100.50"), "JPY", {"name": "J"}, "r")
    assert caught.value.field == "amount" and gateway.count == 0


def test_update_requires_payment_intent_id() -> None:
    with geidea(script(reply(200, {}))) as client, pytest.raises(ValueError):
        client.update({"amount": Decimal("1")})


def test_refusal_inside_a_200_answer() -> None:
    gateway = script(
        reply(
            200,
            {
                "responseCode": "400",
                "responseMessage": "Invoice is paid",
                "detailedResponseCode": "400-12",
                "detailedResponseMessage": "Only unpaid invoices can be updated",
            },
        )
    )
    with geidea(gateway) as client, pytest.raises(RequestRefused) as caught:
        client.update({"paymentIntentId": INTENT_ID})
    assert "Only unpaid invoices can be updated" in str(caught.value)


def test_numeric_success_code_is_success() -> None:
    body = fixture_json("003_create_einvoice_response.json")
    body["responseCode"] = 0
    with geidea(script(reply(200, body))) as client:
        assert client.fetch(INTENT_ID).payment_intent_id == INTENT_ID


def test_empty_api_password_is_refused() -> None:
    with pytest.raises(AuthenticationRefused):
        GeideaClient("https://geidea.test", GEIDEA_PUBLIC_KEY, " ")


def test_repr_does_not_show_the_password() -> None:
    client = geidea(script(reply(200, {})))
    with client:
        assert GEIDEA_PASSWORD not in repr(client) and GEIDEA_PASSWORD not in str(vars(client))


# --- what Geidea's answers prove ------------------------------------------------------------

PROBLEM = {
    "type": "https://tools.ietf.org/html/rfc7231#section-6.5.1",
    "title": "One or more validation errors occurred.",
    "status": 400,
    "traceId": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
    "errors": {
        "Amount": ["The field Amount must be between 0.01 and 1.7976931348623157E+308."],
        "$.customer.email": ["The Email field is not a valid e-mail address."],
        "EInvoiceDetails.EInvoiceItems[0].Price": ["Price is required.", "Must be > 0."],
    },
}


def test_problem_details_errors_are_shown_field_by_field() -> None:
    gateway = script(reply(400, PROBLEM))
    with geidea(gateway) as client, pytest.raises(FieldRefused) as caught:
        client.create({"amount": Decimal("20")})
    error = caught.value
    assert error.problems == (
        ("amount", "The field Amount must be between 0.01 and 1.7976931348623157E+308."),
        ("customer.email", "The Email field is not a valid e-mail address."),
        ("eInvoiceDetails.eInvoiceItems[0].price", "Price is required. Must be > 0."),
    )
    assert error.trace == PROBLEM["traceId"] and error.http_status == 400
    assert "One or more validation errors" not in str(error)


def test_problem_details_without_fields_reads_as_its_title_and_reasons() -> None:
    body = {
        "title": "Unsupported Media Type",
        "status": 415,
        "traceId": "00-abc-01",
        "errors": {"": ["A non-empty request body is required."]},
    }
    with geidea(script(reply(415, body))) as client, pytest.raises(RequestRefused) as caught:
        client.create({"amount": Decimal("20")})
    text = str(caught.value)
    assert "Unsupported Media Type: A non-empty request body is required" in text
    assert "Invalid request" not in text and caught.value.trace == "00-abc-01"
    bare = script(reply(400, {"title": "Bad Request", "status": 400}))
    with geidea(bare) as client, pytest.raises(RequestRefused) as caught:
        client.create({"amount": Decimal("20")})
    assert "Bad Request" in str(caught.value)


@pytest.mark.parametrize(
    "answer",
    [
        {},
        {"responseMessage": "Success"},
        {"status": "success"},
        {"paymentIntent": {"paymentIntentId": INTENT_ID, "status": "Created"}},
        {"responseCode": None, "detailedResponseMessage": "The operation was successful"},
        {"responseCode": "OK"},
    ],
)
def test_a_delete_is_done_only_on_response_code_000(answer: dict[str, object]) -> None:
    gateway = script(reply(200, answer))
    with geidea(gateway) as client, pytest.raises(OutcomeUnknown) as caught:
        client.delete(INTENT_ID)
    assert isinstance(caught.value, UnreadableOutcome) and gateway.count == 1


def test_a_delete_with_an_unreadable_body_is_unknown() -> None:
    gateway = script(reply(200, raw=b"", content_type="application/json"))
    with geidea(gateway) as client, pytest.raises(OutcomeUnknown):
        client.delete(INTENT_ID)
