"""Follow-up transactions (refund, void, capture) and the PayTabs SDKs' invoice paths."""

from __future__ import annotations

from typing import Any

import httpx

from clickpay_desk.sandbox import demo

PROFILE_ID = demo.PROFILE_ID
FOLLOW_UP_KEYS = [
    "tran_ref", "previous_tran_ref", "tran_type", "cart_id", "cart_description",
    "cart_currency", "cart_amount", "tran_currency", "tran_total", "customer_details",
    "payment_result", "payment_info", "serviceId", "profileId", "merchantId", "trace",
]  # fmt: skip


def paid_payment(
    kit: Any, pt2: httpx.Client, control: httpx.Client, tran_type: str = "sale"
) -> dict[str, Any]:
    """A payment request of 1.01 SAR (cart_11111) the customer paid: its callback payload."""
    body = kit.payment_request()
    del body["agreement"]
    body["tran_type"] = tran_type
    started = kit.post(pt2, "/payment/request", body)
    assert started.status_code == 200, started.text
    paid = kit.post(control, f"/_sandbox/payments/{started.json()['tran_ref']}/pay")
    assert paid.status_code == 200, paid.text
    payload: dict[str, Any] = paid.json()
    return payload


def follow_up(
    kit: Any, pt2: httpx.Client, tran_ref: str, tran_type: str, amount: str, **changes: Any
) -> httpx.Response:
    """What the PayTabs PHP SDK's follow-up request sends."""
    body = {
        "profile_id": PROFILE_ID,
        "tran_type": tran_type,
        "tran_class": "ecom",
        "cart_id": "cart_11111",
        "cart_currency": "SAR",
        "cart_amount": amount,
        "cart_description": "Refund of the order",
        "tran_ref": tran_ref,
        **changes,
    }
    response: httpx.Response = kit.post(pt2, "/payment/request", body)
    return response


def test_refund_acts_on_the_original_and_answers_a_follow_up(
    kit: Any, pt2: httpx.Client, control: httpx.Client
) -> None:
    original = paid_payment(kit, pt2, control)
    answer = follow_up(kit, pt2, original["tran_ref"], "refund", "0.50")
    assert answer.status_code == 200, answer.text
    refund = answer.json()
    assert list(refund) == FOLLOW_UP_KEYS
    assert "redirect_url" not in refund  # no new payment page
    assert refund["tran_ref"] != original["tran_ref"]
    assert refund["previous_tran_ref"] == original["tran_ref"]
    assert refund["tran_type"] == "Refund"
    assert refund["cart_amount"] == refund["tran_total"] == "0.50"
    assert refund["payment_result"]["response_status"] == "A"
    queried = kit.post(
        pt2, "/payment/query", {"profile_id": PROFILE_ID, "tran_ref": refund["tran_ref"]}
    )
    assert queried.json()["tran_type"] == "Refund"
    assert queried.json()["previous_tran_ref"] == original["tran_ref"]


def test_partial_refunds_add_up_to_at_most_what_was_paid(
    kit: Any, pt2: httpx.Client, control: httpx.Client
) -> None:
    tran_ref = paid_payment(kit, pt2, control)["tran_ref"]  # 1.01 SAR
    assert follow_up(kit, pt2, tran_ref, "refund", "0.50").status_code == 200
    too_much = follow_up(kit, pt2, tran_ref, "refund", "0.52")
    assert too_much.status_code == 400
    assert too_much.json()["message"].startswith("cart_amount: must be at most 0.51 SAR")
    assert follow_up(kit, pt2, tran_ref, "refund", "0.51").status_code == 200
    nothing_left = follow_up(kit, pt2, tran_ref, "refund", "0.01")
    assert nothing_left.status_code == 400
    assert "at most 0.00 SAR" in nothing_left.json()["message"]


def test_refund_of_an_unknown_or_unpaid_transaction_is_refused(
    kit: Any, pt2: httpx.Client, control: httpx.Client
) -> None:
    missing = follow_up(kit, pt2, "TST0000", "refund", "1.00")
    assert missing.status_code == 404
    assert missing.json()["message"].startswith("tran_ref: ")
    body = kit.payment_request()
    del body["agreement"]
    pending = kit.post(pt2, "/payment/request", body).json()["tran_ref"]
    refused = follow_up(kit, pt2, pending, "refund", "1.00")
    assert refused.status_code == 400
    assert refused.json()["message"].startswith("tran_ref: ")
    paid = paid_payment(kit, pt2, control)["tran_ref"]
    wrong_currency = follow_up(kit, pt2, paid, "refund", "1.00", cart_currency="AED")
    assert wrong_currency.status_code == 400
    assert wrong_currency.json()["message"].startswith("cart_currency: must be SAR")


def test_capture_and_void_act_on_an_auth_only(
    kit: Any, pt2: httpx.Client, control: httpx.Client
) -> None:
    auth = paid_payment(kit, pt2, control, tran_type="auth")["tran_ref"]
    captured = follow_up(kit, pt2, auth, "capture", "0.60")
    assert captured.status_code == 200, captured.text
    assert captured.json()["tran_type"] == "Capture"
    assert follow_up(kit, pt2, auth, "void", "0.41").json()["tran_type"] == "Void"
    over = follow_up(kit, pt2, auth, "capture", "0.01")
    assert over.status_code == 400
    assert over.json()["message"].startswith("cart_amount: must be at most 0.00 SAR")
    # what was captured can be refunded, and no more: by the capture or by the auth, not both
    capture = captured.json()["tran_ref"]
    assert follow_up(kit, pt2, auth, "refund", "0.61").status_code == 400
    assert follow_up(kit, pt2, capture, "refund", "0.35").status_code == 200
    assert follow_up(kit, pt2, auth, "refund", "0.26").status_code == 400
    assert follow_up(kit, pt2, auth, "refund", "0.25").status_code == 200
    assert follow_up(kit, pt2, capture, "refund", "0.01").status_code == 400
    sale = paid_payment(kit, pt2, control)["tran_ref"]
    void_sale = follow_up(kit, pt2, sale, "void", "1.01")
    assert void_sale.status_code == 400
    assert void_sale.json()["message"].startswith("tran_ref: void applies to an auth")


def _paid_invoice(kit: Any, pt2: httpx.Client, control: httpx.Client) -> tuple[int, str]:
    created = kit.post(pt2, "/payment/new/invoice", kit.invoice_request())
    invoice_id = created.json()["invoice_id"]
    paid = kit.post(control, f"/_sandbox/invoices/{invoice_id}/pay")
    assert paid.status_code == 200, paid.text
    return invoice_id, paid.json()["tran_ref"]


def test_an_invoice_refunded_in_full_reads_refunded(
    kit: Any, pt2: httpx.Client, control: httpx.Client
) -> None:
    invoice_id, tran_ref = _paid_invoice(kit, pt2, control)  # 9.50 SAR
    status = f"/payment/invoice/{invoice_id}/status"
    assert follow_up(kit, pt2, tran_ref, "refund", "4.00", cart_id="cart_12345").status_code == 200
    assert pt2.get(status).json()["invoice_status"] == "paid"  # a partial refund: still paid
    assert follow_up(kit, pt2, tran_ref, "refund", "5.50", cart_id="cart_12345").status_code == 200
    assert pt2.get(status).json()["invoice_status"] == "refunded"
    by_cart = kit.post(pt2, "/payment/query", {"profile_id": PROFILE_ID, "cart_id": "cart_12345"})
    assert [t["tran_type"] for t in by_cart.json()] == ["Sale", "Refund", "Refund"]


# --- the PayTabs SDKs' invoice paths ------------------------------------------------------------


def test_invoice_new_is_the_sdk_path_for_creating_an_invoice(kit: Any, pt2: httpx.Client) -> None:
    created = kit.post(pt2, "/payment/invoice/new", kit.invoice_request())
    assert created.status_code == 200, created.text
    assert set(created.json()) == {"invoice_id", "invoice_link"}
    status = pt2.get(f"/payment/invoice/{created.json()['invoice_id']}/status")
    assert status.json() == {"invoice_status": "pending"}


def test_invoice_cancel_by_body(kit: Any, pt2: httpx.Client, control: httpx.Client) -> None:
    invoice_id = kit.post(pt2, "/payment/invoice/new", kit.invoice_request()).json()["invoice_id"]
    body = {"profile_id": PROFILE_ID, "invoice_id": invoice_id}
    cancelled = kit.post(pt2, "/payment/invoice/cancel", body)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json() == {"message": "Invoice has been cancelled"}
    assert pt2.get(f"/payment/invoice/{invoice_id}/status").json()["invoice_status"] == "cancelled"
    again = kit.put(pt2, "/payment/invoice/cancel", body)  # the SDK's older verb
    assert again.status_code == 400
    assert again.json()["message"] == "Failed to cancel invoice"
    unknown = kit.post(pt2, "/payment/invoice/cancel", {"profile_id": PROFILE_ID, "invoice_id": 1})
    assert unknown.status_code == 404
    foreign = kit.post(pt2, "/payment/invoice/cancel", {"profile_id": 1, "invoice_id": invoice_id})
    assert foreign.status_code == 401
