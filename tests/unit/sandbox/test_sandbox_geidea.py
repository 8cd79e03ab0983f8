"""Geidea Pay-by-Invoice in the sandbox (reference 003)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from clickpay_desk.core.geidea_invoice import quick_invoice_signature
from clickpay_desk.sandbox import SandboxApp, demo

BASE = "/payment-intent/api/v1/direct/eInvoice"
CODES = {
    "responseMessage": "Success",
    "detailedResponseMessage": "The operation was successful",
    "language": "EN",
    "responseCode": "000",
    "detailedResponseCode": "000",
}


def create(kit: Any, geidea: httpx.Client, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = kit.post(geidea, BASE, body if body is not None else kit.einvoice_request())
    assert response.status_code == 200, response.text
    intent: dict[str, Any] = response.json()["paymentIntent"]
    return intent


def error_of(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {
        "responseCode", "responseMessage", "detailedResponseCode", "detailedResponseMessage",
        "language",
    }  # fmt: skip
    return str(body["detailedResponseMessage"])


def test_create_answers_the_reference_shape(kit: Any, geidea: httpx.Client) -> None:
    response = kit.post(geidea, BASE, kit.einvoice_request())
    assert response.status_code == 200
    answer = response.json()
    sample = kit.load_reference("003_create_einvoice_response.json")
    assert set(answer) == set(sample)
    assert {k: answer[k] for k in CODES} == CODES
    intent = answer["paymentIntent"]
    assert set(intent) == set(sample["paymentIntent"])
    assert set(intent["eInvoiceDetails"]) == set(sample["paymentIntent"]["eInvoiceDetails"])
    item = intent["eInvoiceDetails"]["eInvoiceItems"][0]
    assert set(item) == set(sample["paymentIntent"]["eInvoiceDetails"]["eInvoiceItems"][0])
    assert set(intent["customer"]) == set(sample["paymentIntent"]["customer"])
    assert re.fullmatch(r"INV-\d{6}-\d{12}", intent["invoiceId"])
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", intent["paymentIntentId"]
    )
    assert re.fullmatch(r"[a-z0-9]{3}(-[a-z0-9]{3}){3}", intent["urlSlug"])
    assert intent["status"] == "Created" and intent["isPending"] is True
    assert intent["amount"] == 20 and intent["currency"] == "SAR"
    assert intent["merchantPublicKey"] == demo.GEIDEA_PUBLIC_KEY
    assert intent["expiryDate"].endswith("T00:00:00Z")
    assert intent["eInvoiceDetails"]["callbackUrl"].startswith("https://webhook.site/")


def test_amounts_keep_two_decimals_on_the_wire(kit: Any, geidea: httpx.Client) -> None:
    response = kit.post(geidea, BASE, kit.einvoice_request())
    assert '"amount":20.00' in response.text
    assert '"grandTotal":20.00' in response.text


def test_derived_fields_are_filled_in(kit: Any, geidea: httpx.Client) -> None:
    body = kit.einvoice_request()
    item = {"price": Decimal("10.00"), "quantity": 3, "total": Decimal("30.00")}
    body["amount"] = Decimal("30.00")
    body["eInvoiceDetails"] = {"subtotal": 30, "grandTotal": 30, "eInvoiceItems": [item]}
    intent = create(kit, geidea, body)
    details = intent["eInvoiceDetails"]
    assert details["type"] == "Detailed" and details["language"] == "EN"
    assert details["subtotalWithoutTax"] == 30 and details["subtotalTax"] == 0
    assert details["extraCharges"] is None and details["invoiceDiscount"] is None
    [line] = details["eInvoiceItems"]
    assert (line["priceWithDiscount"], line["priceTax"], line["priceTotal"]) == (10, 0, 10)
    assert (line["totalWithoutTax"], line["totalTax"], line["description"]) == (30, 0, None)


def test_fetch_and_paths_are_case_insensitive(kit: Any, geidea: httpx.Client) -> None:
    intent = create(kit, geidea)
    fetched = geidea.get(f"{BASE}/{intent['paymentIntentId']}")
    assert fetched.status_code == 200
    assert fetched.json()["paymentIntent"]["invoiceId"] == intent["invoiceId"]
    lower = geidea.get(f"{BASE.lower()}/{intent['paymentIntentId'].upper()}")
    assert lower.status_code == 200


def test_unknown_intent_is_404_in_geidea_shape(kit: Any, geidea: httpx.Client) -> None:
    message = error_of(geidea.get(f"{BASE}/00000000-0000-0000-0000-000000000000"), 404)
    assert message.startswith("paymentIntentId: ")
    assert geidea.get(f"{BASE}/x").json()["responseCode"] == "404"


@pytest.mark.parametrize(
    "auth", [None, "Basic !!!", f"Basic {base64.b64encode(b'a087f4ca:nope').decode()}", "Bearer x"]
)
def test_bad_credentials_are_401(kit: Any, app: SandboxApp, auth: str | None) -> None:
    headers = {} if auth is None else {"authorization": auth}
    transport = httpx.WSGITransport(app=app)
    with httpx.Client(transport=transport, base_url="http://s", headers=headers) as client:
        response = kit.post(client, BASE, kit.einvoice_request())
        assert error_of(response, 401).startswith("authorization: ")
        assert response.json()["responseCode"] == "401"
        assert client.get(BASE).status_code == 401


def test_wrong_password_for_the_right_key_is_401(kit: Any, app: SandboxApp) -> None:
    transport = httpx.WSGITransport(app=app)
    auth = {"authorization": kit.geidea_auth(password="wrong")}
    with httpx.Client(transport=transport, base_url="http://s", headers=auth) as client:
        assert client.get(BASE).status_code == 401


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda b: b.update(amount=21), "amount"),
        (lambda b: b.update(amount=Decimal("20.001")), "amount"),
        (lambda b: b.update(currency="SA"), "currency"),
        (lambda b: b.pop("customer"), "customer"),
        (lambda b: b["customer"].update(email="nope"), "customer.email"),
        (lambda b: b["customer"].pop("phoneCountryCode"), "customer.phoneCountryCode"),
        (
            lambda b: b["eInvoiceDetails"]["eInvoiceItems"][0].update(price=0),
            "eInvoiceDetails.eInvoiceItems[0].price",
        ),
        (
            lambda b: b["eInvoiceDetails"]["eInvoiceItems"][0].update(total=21),
            "eInvoiceDetails.eInvoiceItems[0].total",
        ),
        (lambda b: b["eInvoiceDetails"].update(grandTotal=19), "eInvoiceDetails.grandTotal"),
        (lambda b: b.update(expiryDate="2020-01-01"), "expiryDate"),
        (lambda b: b.update(eInvoiceDetails="items"), "eInvoiceDetails"),
    ],
)
def test_each_rule_is_refused_naming_the_field(
    kit: Any, geidea: httpx.Client, change: Any, field: str
) -> None:
    body = kit.einvoice_request()
    change(body)
    response = kit.post(geidea, BASE, body)
    message = error_of(response, 400)
    assert response.json()["responseCode"] != "000"
    assert message.startswith(field + ": "), message


def test_update_changes_the_invoice_and_refuses_once_paid(
    kit: Any, geidea: httpx.Client, control: httpx.Client
) -> None:
    intent = create(kit, geidea)
    update = kit.load_reference("003_update_einvoice_request.json")
    update["paymentIntentId"] = intent["paymentIntentId"]
    update["customer"]["email"] = "john@example.com"
    update["expiryDate"] = (date.today() + timedelta(days=60)).isoformat()
    response = kit.put(geidea, BASE, update)
    assert response.status_code == 200, response.text
    updated = response.json()["paymentIntent"]
    sample = kit.load_reference("003_update_einvoice_response.json")
    assert set(updated) == set(sample["paymentIntent"])
    assert updated["status"] == "SentToCustomer"
    assert updated["eInvoiceDetails"]["chargeDescription"] == "charge amount update"
    assert updated["eInvoiceDetails"]["preAuthorizeAmount"] is True
    assert updated["customer"]["customerId"] == intent["customer"]["customerId"]
    assert updated["updatedDate"] is not None
    assert updated["invoiceId"] == intent["invoiceId"]
    kit.post(control, f"/_sandbox/invoices/{intent['paymentIntentId']}/pay")
    refused = kit.put(geidea, BASE, update)
    assert error_of(refused, 400).startswith("paymentIntentId: ")


def test_update_may_only_set_status_sent_to_customer(kit: Any, geidea: httpx.Client) -> None:
    intent = create(kit, geidea)
    update = kit.einvoice_request()
    update.update(paymentIntentId=intent["paymentIntentId"], status="Paid")
    assert error_of(kit.put(geidea, BASE, update), 400).startswith("status: ")


def test_update_of_unknown_intent_is_404(kit: Any, geidea: httpx.Client) -> None:
    update = kit.einvoice_request()
    update["paymentIntentId"] = "8f67f208-7a6d-4e5c-741e-08dc400e92f5"
    error_of(kit.put(geidea, BASE, update), 404)


def test_delete_only_in_created(kit: Any, geidea: httpx.Client) -> None:
    intent = create(kit, geidea)
    deleted = geidea.delete(f"{BASE}/{intent['paymentIntentId']}")
    assert deleted.status_code == 200
    assert deleted.json() == CODES
    assert geidea.get(f"{BASE}/{intent['paymentIntentId']}").status_code == 404
    sent = create(kit, geidea)
    kit.post(geidea, f"{BASE}/{sent['paymentIntentId']}/SendByEmail")
    refused = geidea.delete(f"{BASE}/{sent['paymentIntentId']}")
    assert error_of(refused, 400).startswith("status: ")


def test_send_by_email_and_sms_add_links_newest_first(kit: Any, geidea: httpx.Client) -> None:
    intent = create(kit, geidea)
    by_mail = kit.post(geidea, f"{BASE}/{intent['paymentIntentId']}/SendByEmail")
    assert by_mail.status_code == 200
    assert by_mail.json()["paymentIntent"]["status"] == "SentToCustomer"
    by_sms = kit.post(geidea, f"{BASE}/{intent['paymentIntentId']}/sendBySms").json()
    links = by_sms["paymentIntent"]["eInvoiceSentLinks"]
    assert [(link["channel"], link["recipient"]) for link in links] == [
        ("Sms", "+208003030083"),
        ("Email", "john@example.com"),
    ]
    sample = kit.load_reference("003_send_einvoice_sms_response.json")
    assert set(links[0]) == set(sample["paymentIntent"]["eInvoiceSentLinks"][0])
    odd_case = kit.post(geidea, f"{BASE}/{intent['paymentIntentId']}/SENDBYSMS")
    assert odd_case.status_code == 200


def test_send_needs_the_contact_detail(kit: Any, geidea: httpx.Client) -> None:
    body = kit.einvoice_request()
    del body["customer"]["phoneCountryCode"], body["customer"]["phoneNumber"]
    intent = create(kit, geidea, body)
    message = error_of(kit.post(geidea, f"{BASE}/{intent['paymentIntentId']}/sendBySms"), 400)
    assert message.startswith("customer.phoneNumber: ")
    body = kit.einvoice_request()
    del body["customer"]["email"]
    intent = create(kit, geidea, body)
    message = error_of(kit.post(geidea, f"{BASE}/{intent['paymentIntentId']}/sendByEmail"), 400)
    assert message.startswith("customer.email: ")


def test_search_filters_and_pages(kit: Any, geidea: httpx.Client, control: httpx.Client) -> None:
    ids = []
    for reference in ("a", "b", "c"):
        body = kit.einvoice_request()
        body["eInvoiceDetails"]["merchantReferenceId"] = reference
        ids.append(create(kit, geidea, body)["paymentIntentId"])
    kit.post(control, f"/_sandbox/invoices/{ids[0]}/pay")
    everything = geidea.get(BASE).json()
    assert everything["totalCount"] == 3
    assert [i["paymentIntentId"] for i in everything["paymentIntents"]] == ids[::-1]
    assert {k: everything[k] for k in CODES} == CODES
    paid = geidea.get(BASE, params={"status": "Paid"}).json()
    assert [i["paymentIntentId"] for i in paid["paymentIntents"]] == [ids[0]]
    by_reference = geidea.get(BASE, params={"merchantReferenceId": "b"}).json()
    assert by_reference["totalCount"] == 1
    assert geidea.get(BASE, params={"currency": "EGP"}).json()["totalCount"] == 0
    page = geidea.get(BASE, params={"pageNumber": 2, "pageSize": 2}).json()
    assert page["totalCount"] == 3 and len(page["paymentIntents"]) == 1
    message = error_of(geidea.get(BASE, params={"pageSize": 0}), 400)
    assert message.startswith("pageSize: ")


def test_pay_control_marks_paid_and_posts_a_signed_callback(
    kit: Any, geidea: httpx.Client, control: httpx.Client, captured: Any
) -> None:
    intent = create(kit, geidea)
    payload = kit.post(control, f"/_sandbox/invoices/{intent['paymentIntentId']}/pay").json()
    assert payload["order"]["status"] == "Success"
    assert payload["paymentIntent"]["status"] == "Paid"
    fetched = geidea.get(f"{BASE}/{intent['paymentIntentId']}").json()["paymentIntent"]
    assert fetched["status"] == "Paid" and fetched["isPending"] is False
    assert len(fetched["orders"]) == 1
    [(url, raw, headers)] = captured.calls
    assert url == intent["eInvoiceDetails"]["callbackUrl"]
    key = demo.GEIDEA_API_PASSWORD.encode()
    assert headers["signature"] == hmac.new(key, raw, hashlib.sha256).hexdigest()
    again = kit.post(control, f"/_sandbox/invoices/{intent['invoiceId']}/pay")
    assert again.status_code == 409


def test_declined_geidea_payment_leaves_it_payable(
    kit: Any, geidea: httpx.Client, control: httpx.Client
) -> None:
    intent = create(kit, geidea)
    path = f"/_sandbox/invoices/{intent['paymentIntentId']}/pay"
    declined = kit.post(control, path, {"result": "declined"}).json()
    assert declined["order"]["status"] == "Failed"
    assert declined["paymentIntent"]["status"] == "Created"
    assert kit.post(control, path).status_code == 200


def test_geidea_invoice_expires_with_the_clock(
    kit: Any, geidea: httpx.Client, control: httpx.Client
) -> None:
    intent = create(kit, geidea)
    summary = kit.post(control, "/_sandbox/clock/advance", {"days": 31}).json()
    assert intent["paymentIntentId"] in summary["expired_geidea_invoices"]
    fetched = geidea.get(f"{BASE}/{intent['paymentIntentId']}").json()["paymentIntent"]
    assert fetched["status"] == "Expired" and fetched["isPending"] is False
    assert (
        kit.post(control, f"/_sandbox/invoices/{intent['paymentIntentId']}/pay").status_code == 409
    )


def quick_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "amount": Decimal("125.50"),
        "currency": "SAR",
        "customer": {"name": "Sara", "email": "sara@example.com"},
        "merchantReferenceId": "Q-1",
        "timestamp": "2024-03-18T12:00:00Z",
    }
    body.update(changes)
    body["signature"] = quick_invoice_signature(
        demo.GEIDEA_PUBLIC_KEY, body["amount"], body["currency"], body["merchantReferenceId"],
        body["timestamp"], demo.GEIDEA_API_PASSWORD,
    )  # fmt: skip
    return body


def test_quick_invoice_with_a_good_signature(kit: Any, geidea: httpx.Client) -> None:
    response = kit.post(geidea, f"{BASE}/quick", quick_body())
    assert response.status_code == 200, response.text
    intent = response.json()["paymentIntent"]
    assert '"amount":125.50' in response.text
    assert intent["eInvoiceDetails"]["merchantReferenceId"] == "Q-1"
    assert intent["status"] == "Created"


def test_quick_invoice_signature_is_computed_as_the_reference_says(
    kit: Any, geidea: httpx.Client
) -> None:
    body = quick_body()
    message = f"{demo.GEIDEA_PUBLIC_KEY}125.50SARQ-1{body['timestamp']}".encode()
    digest = hmac.new(demo.GEIDEA_API_PASSWORD.encode(), message, hashlib.sha256).digest()
    body["signature"] = base64.b64encode(digest).decode()
    assert kit.post(geidea, f"{BASE}/quick", body).status_code == 200


@pytest.mark.parametrize("tamper", ["signature", "amount", "merchantReferenceId", "timestamp"])
def test_quick_invoice_with_a_signature_that_does_not_verify_is_refused(
    kit: Any, geidea: httpx.Client, tamper: str
) -> None:
    body = quick_body()
    body[tamper] = {
        "signature": "AAAA",
        "amount": Decimal("125.51"),
        "merchantReferenceId": "Q-2",
        "timestamp": "2024-03-18T12:00:01Z",
    }[tamper]
    message = error_of(kit.post(geidea, f"{BASE}/quick", body), 400)
    assert message.startswith("signature: ")
    assert geidea.get(BASE).json()["totalCount"] == 0


def test_quick_invoice_rules(kit: Any, geidea: httpx.Client) -> None:
    message = error_of(kit.post(geidea, f"{BASE}/quick", quick_body(amount=Decimal("0.01"))), 400)
    assert message.startswith("amount: ")
    body = quick_body()
    del body["timestamp"]
    assert error_of(kit.post(geidea, f"{BASE}/quick", body), 400).startswith("timestamp: ")


# --- what Geidea's own SDKs send ----------------------------------------------------------------


def test_create_with_only_amount_currency_and_customer(kit: Any, geidea: httpx.Client) -> None:
    body = kit.einvoice_request()
    body = {"amount": 25, "currency": "SAR", "customer": body["customer"]}
    response = kit.post(geidea, BASE, body)
    assert response.status_code == 200, response.text
    intent = response.json()["paymentIntent"]
    assert intent["amount"] == Decimal("25.00")
    assert intent["eInvoiceDetails"]["grandTotal"] == Decimal("25.00")
    assert intent["status"] == "Created"
    refused = kit.post(geidea, BASE, {"currency": "SAR", "customer": body["customer"]})
    assert error_of(refused, 400).startswith("amount: ")


def _recased(value: Any) -> Any:
    """Keys as a .NET client might spell them: first letter upper, subtotal as subTotal."""
    if isinstance(value, dict):
        renamed = {"subtotal": "subTotal", "grandTotal": "GrandTotal", "email": "EMail"}
        return {renamed.get(k, k[:1].upper() + k[1:]): _recased(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_recased(v) for v in value]
    return value


def test_keys_are_matched_without_regard_to_case(kit: Any, geidea: httpx.Client) -> None:
    body = _recased(kit.einvoice_request())
    assert "subTotal" in body["EInvoiceDetails"]
    response = kit.post(geidea, BASE, body)
    assert response.status_code == 200, response.text
    intent = response.json()["paymentIntent"]
    assert intent["eInvoiceDetails"]["subtotal"] == Decimal("20.00")
    assert intent["customer"]["email"] == "john@example.com"
    wrong = _recased(kit.einvoice_request())
    wrong["EInvoiceDetails"]["subTotal"] = 19
    assert error_of(kit.post(geidea, BASE, wrong), 400).startswith("eInvoiceDetails.subtotal: ")


def test_update_with_only_the_fields_that_change(kit: Any, geidea: httpx.Client) -> None:
    intent = create(kit, geidea)
    intent_id = intent["paymentIntentId"]
    renamed = kit.put(geidea, BASE, {"paymentIntentId": intent_id, "customer": {"name": "Jane"}})
    assert renamed.status_code == 200, renamed.text
    updated = renamed.json()["paymentIntent"]
    assert updated["customer"]["name"] == "Jane"
    assert updated["customer"]["email"] == "john@example.com"  # kept
    assert updated["amount"] == intent["amount"]
    assert len(updated["eInvoiceDetails"]["eInvoiceItems"]) == 1
    repriced = kit.put(
        geidea,
        BASE,
        {
            "PaymentIntentId": intent_id,
            "eInvoiceDetails": {"eInvoiceItems": [{"price": 7, "quantity": 3, "total": 21}]},
        },
    )
    assert repriced.status_code == 200, repriced.text
    after = repriced.json()["paymentIntent"]
    assert after["amount"] == Decimal("21.00")
    assert after["eInvoiceDetails"]["grandTotal"] == Decimal("21.00")
    assert after["eInvoiceDetails"]["merchantReferenceId"] == "ref123"  # kept
    later = (date.today() + timedelta(days=40)).isoformat()
    moved = kit.put(geidea, BASE, {"paymentIntentId": intent_id, "expiryDate": later})
    assert moved.status_code == 200, moved.text
    assert moved.json()["paymentIntent"]["expiryDate"].startswith(later[:7])
    assert moved.json()["paymentIntent"]["amount"] == Decimal("21.00")
