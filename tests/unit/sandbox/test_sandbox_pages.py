"""The links the sandbox hands out open a payment page where the customer pays or declines."""

from __future__ import annotations

from typing import Any

import httpx

from clickpay_desk.sandbox import demo

PROFILE_ID = demo.PROFILE_ID


def _path(link: str) -> str:
    return httpx.URL(link).raw_path.decode()


def test_invoice_link_opens_a_page_where_the_customer_pays(
    kit: Any, pt2: httpx.Client, control: httpx.Client, captured: Any
) -> None:
    body = kit.invoice_request(
        callback="https://merchant.example.com/ipn", **{"return": "https://shop.example.com/done"}
    )
    created = kit.post(pt2, "/payment/new/invoice", body).json()
    page = control.get(_path(created["invoice_link"]))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "9.50 SAR" in page.text
    assert 'value="approved"' in page.text and 'value="declined"' in page.text
    paid = control.post(_path(created["invoice_link"]), data={"result": "approved"})
    assert paid.status_code == 200
    assert "Paid" in paid.text
    assert 'href="https://shop.example.com/done"' in paid.text
    status = pt2.get(f"/payment/invoice/{created['invoice_id']}/status").json()
    assert status["invoice_status"] == "paid"
    assert [p["tran_ref"] for p in captured.payloads] == [status["tran_ref"]]
    assert captured.payloads[0]["payment_result"]["response_status"] == "A"
    assert "This is paid" in control.get(_path(created["invoice_link"])).text
    again = control.post(_path(created["invoice_link"]), data={"result": "approved"})
    assert again.status_code == 409


def test_declining_on_the_invoice_page_leaves_it_pending(
    kit: Any, pt2: httpx.Client, control: httpx.Client
) -> None:
    created = kit.post(pt2, "/payment/new/invoice", kit.invoice_request()).json()
    declined = control.post(_path(created["invoice_link"]), data={"result": "declined"})
    assert declined.status_code == 200
    assert "declined" in declined.text
    status = pt2.get(f"/payment/invoice/{created['invoice_id']}/status").json()
    assert status == {"invoice_status": "pending"}


def test_redirect_url_opens_the_payment_page(
    kit: Any, pt2: httpx.Client, control: httpx.Client
) -> None:
    started = kit.post(pt2, "/payment/request", kit.payment_request()).json()
    page = control.get(_path(started["redirect_url"]))
    assert page.status_code == 200
    assert "1.01 SAR" in page.text
    paid = control.post(_path(started["redirect_url"]), data={"result": "approved"})
    assert paid.status_code == 200
    tx = kit.post(
        pt2, "/payment/query", {"profile_id": PROFILE_ID, "tran_ref": started["tran_ref"]}
    )
    assert tx.json()["payment_result"]["response_status"] == "A"
    assert tx.json()["agreement_id"]  # the agreement became active, as with the control


def test_geidea_link_opens_a_payment_page(
    kit: Any, geidea: httpx.Client, control: httpx.Client
) -> None:
    created = kit.post(
        geidea, "/payment-intent/api/v1/direct/eInvoice", kit.einvoice_request()
    ).json()["paymentIntent"]
    assert control.get(_path(created["link"])).status_code == 200
    paid = control.post(_path(created["link"]), data={"result": "approved"})
    assert paid.status_code == 200, paid.text
    fetched = geidea.get(f"/payment-intent/api/v1/direct/eInvoice/{created['paymentIntentId']}")
    assert fetched.json()["paymentIntent"]["status"] == "Paid"


def test_unknown_or_forged_links_answer_404(
    kit: Any, pt2: httpx.Client, control: httpx.Client
) -> None:
    created = kit.post(pt2, "/payment/new/invoice", kit.invoice_request()).json()
    forged = f"/payment/request/invoice/{created['invoice_id']}/00FF"
    assert control.get(forged).status_code == 404
    assert control.post(forged, data={"result": "approved"}).status_code == 404
    assert control.get("/payment/page/NOPE").status_code == 404
    assert control.get("/payment-intent/eInvoice/nope").status_code == 404
    no_choice = control.post(_path(created["invoice_link"]), data={})
    assert no_choice.status_code == 400
