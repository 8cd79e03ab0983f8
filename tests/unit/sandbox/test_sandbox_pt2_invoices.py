"""ClickPay invoices in the sandbox: create, status, cancel, pay, expiry, and every refusal."""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

import httpx
import pytest

from clickpay_desk.sandbox import SandboxApp, demo

PROFILE_ID = demo.PROFILE_ID
AUTH_FAILED = {"code": 1, "message": "Authentication failed. Check authentication header."}


def create(kit: Any, pt2: httpx.Client, **changes: object) -> int:
    response = kit.post(pt2, "/payment/new/invoice", kit.invoice_request(**changes))
    assert response.status_code == 200, response.text
    return int(response.json()["invoice_id"])


def test_create_answers_id_and_link_in_the_reference_shape(kit: Any, pt2: httpx.Client) -> None:
    response = kit.post(pt2, "/payment/new/invoice", kit.invoice_request())
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"invoice_id", "invoice_link"}
    assert isinstance(body["invoice_id"], int)
    assert re.fullmatch(
        rf"http://sandbox\.test/payment/request/invoice/{body['invoice_id']}/[0-9A-F]{{32}}",
        body["invoice_link"],
    )


def test_new_invoice_is_pending_by_get_and_by_post(kit: Any, pt2: httpx.Client) -> None:
    invoice_id = create(kit, pt2)
    assert pt2.get(f"/payment/invoice/{invoice_id}/status").json() == {"invoice_status": "pending"}
    answer = kit.post(
        pt2, "/payment/invoice/status", {"profile_id": PROFILE_ID, "invoice_id": invoice_id}
    )
    assert answer.json() == {"invoice_status": "pending"}


def test_paying_makes_status_paid_with_tran_ref_and_posts_a_signed_callback(
    kit: Any, pt2: httpx.Client, control: httpx.Client, captured: Any
) -> None:
    invoice_id = create(kit, pt2)
    paid = kit.post(control, f"/_sandbox/invoices/{invoice_id}/pay")
    assert paid.status_code == 200
    payload = paid.json()
    assert payload["payment_result"]["response_status"] == "A"
    assert payload["payment_result"]["response_message"] == "Authorised"
    assert payload["cart_id"] == "cart_12345"
    assert payload["cart_amount"] == "9.50" and payload["tran_total"] == "9.50"
    assert payload["tran_type"] == "Sale" and payload["tran_class"] == "ECom"
    assert pt2.get(f"/payment/invoice/{invoice_id}/status").json() == {
        "invoice_status": "paid",
        "tran_ref": payload["tran_ref"],
        "tran_status": "A",
        "tran_status_msg": "Authorised",
    }
    [(url, raw, headers)] = captured.calls
    assert url == "https://merchant.example.com/clickpay/callback"
    expected = hmac.new(demo.SERVER_KEY.encode(), raw, hashlib.sha256).hexdigest()
    assert headers["signature"] == expected
    assert captured.payloads[0] == payload


def test_the_desk_verifies_the_sandbox_callback_signature(
    kit: Any, pt2: httpx.Client, control: httpx.Client, captured: Any
) -> None:
    from clickpay_desk.gateway.callbacks import verify_signature

    invoice_id = create(kit, pt2)
    kit.post(control, f"/_sandbox/invoices/{invoice_id}/pay")
    [(_, raw, headers)] = captured.calls
    assert verify_signature(raw, headers["signature"], demo.SERVER_KEY)
    assert not verify_signature(raw + b" ", headers["signature"], demo.SERVER_KEY)


def test_callback_keys_match_reference_000(
    kit: Any, pt2: httpx.Client, control: httpx.Client
) -> None:
    invoice_id = create(kit, pt2)
    payload = kit.post(control, f"/_sandbox/invoices/{invoice_id}/pay").json()
    assert list(payload) == [
        "tran_ref", "merchant_id", "profile_id", "cart_id", "cart_description", "cart_currency",
        "cart_amount", "tran_currency", "tran_total", "tran_type", "tran_class",
        "customer_details", "payment_result", "payment_info", "ipn_trace",
    ]  # fmt: skip
    assert set(payload["payment_result"]) == {
        "response_status", "response_code", "response_message", "cvv_result", "avs_result",
        "transaction_time",
    }  # fmt: skip


def test_tokenised_invoice_callback_carries_a_token(
    kit: Any, pt2: httpx.Client, control: httpx.Client
) -> None:
    invoice_id = create(kit, pt2, tokenise=2)
    payload = kit.post(control, f"/_sandbox/invoices/{invoice_id}/pay").json()
    assert re.fullmatch(r"[0-9A-F]{32}", payload["token"])


def test_declined_attempt_leaves_invoice_pending_and_says_declined(
    kit: Any, pt2: httpx.Client, control: httpx.Client, captured: Any
) -> None:
    invoice_id = create(kit, pt2)
    declined = kit.post(
        control, f"/_sandbox/invoices/{invoice_id}/pay", {"result": "declined"}
    ).json()
    assert declined["payment_result"]["response_status"] == "D"
    assert pt2.get(f"/payment/invoice/{invoice_id}/status").json() == {"invoice_status": "pending"}
    assert captured.payloads[0]["payment_result"]["response_status"] == "D"
    # the customer tries again and succeeds, with a new transaction reference
    paid = kit.post(control, f"/_sandbox/invoices/{invoice_id}/pay").json()
    assert paid["tran_ref"] != declined["tran_ref"]
    assert pt2.get(f"/payment/invoice/{invoice_id}/status").json()["invoice_status"] == "paid"


def test_unknown_result_word_is_a_bad_control_request(
    kit: Any, pt2: httpx.Client, control: httpx.Client
) -> None:
    invoice_id = create(kit, pt2)
    bad = kit.post(control, f"/_sandbox/invoices/{invoice_id}/pay", {"result": "maybe"})
    assert bad.status_code == 400
    assert bad.json()["error"].startswith("result: ")


def test_cancel_pending_then_cancelling_again_fails_as_in_the_reference(
    kit: Any, pt2: httpx.Client
) -> None:
    invoice_id = create(kit, pt2)
    done = pt2.put(f"/payment/invoice/{invoice_id}/cancel")
    assert done.status_code == 200
    assert done.json() == {"message": "Invoice has been cancelled"}
    status = pt2.get(f"/payment/invoice/{invoice_id}/status").json()
    assert status == {"invoice_status": "cancelled"}
    again = pt2.put(f"/payment/invoice/{invoice_id}/cancel")
    assert again.status_code == 400
    assert {k: again.json()[k] for k in ("code", "message")} == {
        "code": 500,
        "message": "Failed to cancel invoice",
    }


def test_a_paid_invoice_cannot_be_cancelled(
    kit: Any, pt2: httpx.Client, control: httpx.Client
) -> None:
    invoice_id = create(kit, pt2)
    kit.post(control, f"/_sandbox/invoices/{invoice_id}/pay")
    refused = pt2.put(f"/payment/invoice/{invoice_id}/cancel")
    assert refused.status_code == 400
    assert refused.json()["message"] == "Failed to cancel invoice"
    assert pt2.get(f"/payment/invoice/{invoice_id}/status").json()["invoice_status"] == "paid"


def test_paying_a_cancelled_or_unknown_invoice_is_refused(
    kit: Any, pt2: httpx.Client, control: httpx.Client
) -> None:
    invoice_id = create(kit, pt2)
    pt2.put(f"/payment/invoice/{invoice_id}/cancel")
    refused = kit.post(control, f"/_sandbox/invoices/{invoice_id}/pay")
    assert refused.status_code == 409
    assert "cancelled" in refused.json()["error"]
    assert kit.post(control, "/_sandbox/invoices/999/pay").status_code == 404


def test_invoice_expires_when_the_clock_passes_expiry_date(
    kit: Any, pt2: httpx.Client, control: httpx.Client
) -> None:
    invoice_id = create(kit, pt2)
    summary = kit.post(control, "/_sandbox/clock/advance", {"days": 23}).json()
    assert invoice_id in summary["expired_invoices"]
    assert pt2.get(f"/payment/invoice/{invoice_id}/status").json() == {"invoice_status": "expired"}
    assert kit.post(control, f"/_sandbox/invoices/{invoice_id}/pay").status_code == 409


def test_status_by_cart_id_answers_the_latest_invoice_with_its_id(
    kit: Any, pt2: httpx.Client
) -> None:
    first = create(kit, pt2)
    second = create(kit, pt2)
    pt2.put(f"/payment/invoice/{first}/cancel")
    answer = kit.post(
        pt2, "/payment/invoice/status", {"profile_id": PROFILE_ID, "cart_id": "cart_12345"}
    )
    assert answer.json() == {
        "invoice_status": "pending",
        "invoice_id": second,
        "cart_id": "cart_12345",
    }
    missing = kit.post(pt2, "/payment/invoice/status", {"profile_id": PROFILE_ID, "cart_id": "no"})
    assert missing.status_code == 404
    assert missing.json()["message"].startswith("cart_id: ")


def test_status_post_without_invoice_id_is_refused(kit: Any, pt2: httpx.Client) -> None:
    refused = kit.post(pt2, "/payment/invoice/status", {"profile_id": PROFILE_ID})
    assert refused.status_code == 400
    assert refused.json()["message"].startswith("invoice_id: ")


def test_unknown_invoice_is_404_in_pt2_shape(kit: Any, pt2: httpx.Client) -> None:
    for response in (
        pt2.get("/payment/invoice/123/status"),
        pt2.get("/payment/invoice/abc/status"),
        pt2.put("/payment/invoice/123/cancel"),
        kit.post(pt2, "/payment/invoice/status", {"profile_id": PROFILE_ID, "invoice_id": 123}),
    ):
        assert response.status_code == 404
        body = response.json()
        assert set(body) == {"code", "message", "trace"}
        assert body["message"].startswith("invoice_id: ")


@pytest.mark.parametrize("key", [None, "", "WRONG-KEY", demo.SERVER_KEY + "x"])
def test_wrong_or_missing_key_is_401(kit: Any, app: SandboxApp, key: str | None) -> None:
    headers = {} if key is None else {"authorization": key}
    transport = httpx.WSGITransport(app=app)
    with httpx.Client(transport=transport, base_url="http://s", headers=headers) as client:
        for response in (
            kit.post(client, "/payment/new/invoice", kit.invoice_request()),
            client.get("/payment/invoice/1/status"),
            client.put("/payment/invoice/1/cancel"),
            kit.post(client, "/payment/request", kit.payment_request()),
            kit.post(client, "/payout/batch/query", {"batch_id": 1}),
        ):
            assert response.status_code == 401
            assert {k: response.json()[k] for k in ("code", "message")} == AUTH_FAILED


def test_a_foreign_profile_id_is_401(kit: Any, pt2: httpx.Client) -> None:
    response = kit.post(pt2, "/payment/new/invoice", kit.invoice_request(profile_id=45154))
    assert response.status_code == 401
    assert response.json()["code"] == 1
    status = kit.post(pt2, "/payment/invoice/status", {"profile_id": 45154, "invoice_id": 1})
    assert status.status_code == 401


def _refusal(kit: Any, pt2: httpx.Client, body: object) -> str:
    response = kit.post(pt2, "/payment/new/invoice", body)
    assert response.status_code == 400, response.text
    answer = response.json()
    assert set(answer) == {"code", "message", "trace"}
    assert answer["code"] == 206
    return str(answer["message"])


def _line(body: dict[str, Any], kit: Any, **changes: Any) -> None:
    body["invoice"]["line_items"][0].update(changes)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda b, k: _line(b, k, unit_cost=-1), "invoice.line_items[0].unit_cost"),
        (lambda b, k: _line(b, k, quantity=1.5), "invoice.line_items[0].quantity"),
        (lambda b, k: b.update(cart_amount="10.00"), "cart_amount"),
        (lambda b, k: b.update(cart_amount="9.505"), "cart_amount"),
        (lambda b, k: b.update(cart_currency="XYZ"), "cart_currency"),
        (lambda b, k: b.update(cart_id=""), "cart_id"),
        (lambda b, k: b.update(cart_id="x" * 65), "cart_id"),
        (lambda b, k: b.update(cart_description="d" * 129), "cart_description"),
        (lambda b, k: b.update(tran_type="refund"), "tran_type"),
        (lambda b, k: b.pop("tran_class"), "tran_class"),
        (lambda b, k: b.update(profile_id="987###"), "profile_id"),
        (
            lambda b, k: b["invoice"].update(activation_date=k.in_days(-1)),
            "invoice.activation_date",
        ),
        (lambda b, k: b["invoice"].update(expiry_date=k.in_days(0.5)), "invoice.expiry_date"),
        (lambda b, k: b["invoice"].update(due_date="2030-01-01T10:00:00"), "invoice.due_date"),
        (lambda b, k: b["invoice"].update(total="12.00"), "invoice.total"),
        (lambda b, k: b["invoice"].update(lang="fr"), "invoice.lang"),
        (lambda b, k: b.update(callback="not a url"), "callback"),
        (lambda b, k: b.pop("invoice"), "invoice"),
    ],
)
def test_each_rule_is_refused_naming_the_wire_field_first(
    kit: Any, pt2: httpx.Client, change: Any, field: str
) -> None:
    body = kit.invoice_request()
    change(body, kit)
    message = _refusal(kit, pt2, body)
    assert message.startswith(field + ": "), message


def test_several_violations_are_joined_first_one_leading(kit: Any, pt2: httpx.Client) -> None:
    message = _refusal(kit, pt2, kit.invoice_request(cart_id="", cart_currency="XYZ"))
    parts = message.split("; ")
    assert len(parts) >= 2
    assert any(p.startswith("cart_id: ") for p in parts)
    assert any(p.startswith("cart_currency: ") for p in parts)


def test_body_that_is_not_json_is_refused_naming_body(pt2: httpx.Client) -> None:
    response = pt2.post("/payment/new/invoice", content=b"{not json")
    assert response.status_code == 400
    assert response.json()["message"].startswith("body: ")


def test_nothing_is_stored_for_a_refused_request(
    kit: Any, pt2: httpx.Client, control: httpx.Client
) -> None:
    _refusal(kit, pt2, kit.invoice_request(cart_amount="1.00"))
    assert control.get("/_sandbox/state").json()["invoices"] == []


def test_unknown_path_and_wrong_method(pt2: httpx.Client) -> None:
    assert pt2.get("/payment/nothing").status_code == 404
    wrong = pt2.delete("/payment/new/invoice")
    assert wrong.status_code == 405
    assert set(wrong.json()) == {"code", "message", "trace"}
