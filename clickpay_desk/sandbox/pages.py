"""The customer's side in a browser: the pages behind the links the sandbox hands out.

* ``GET /payment/request/invoice/{invoice_id}/{token}`` — a ClickPay ``invoice_link``
* ``GET /payment/page/{token}`` — a ClickPay payment request's ``redirect_url``
* ``GET /payment-intent/eInvoice/{slug}`` — a Geidea invoice's ``link``

Each shows what is to be paid with two buttons, *Pay* and *Decline*; they ``POST`` the same
address with the form field ``result=approved`` or ``result=declined``. Paying there has the
same effect as the ``/_sandbox/`` pay controls (status, transaction, signed callback). No
authentication: whoever holds the link is the customer, as on the live gateways. An unknown
link answers an HTML 404; a link of something that can no longer be paid shows why (409).
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from .callbacks import Outbound
from .geidea import Geidea
from .pt2 import ClickPay
from .replies import Context
from .web import Reply, Request, Response, Route, route

Pay = Callable[[bool], tuple[dict[str, Any], Outbound | None]]

_STYLE = (
    "body{font-family:sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#222}"
    "table{border-collapse:collapse;margin:1rem 0}td{padding:.25rem .75rem .25rem 0}"
    "button{font-size:1rem;padding:.5rem 1.5rem;margin-right:1rem}"
    ".ok{color:#17622b}.no{color:#a11}"
)


def _page(status: int, title: str, body: str) -> Response:
    text = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width"><title>{html.escape(title)}'
        f"</title><style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>{body}"
        "<p><small>ClickPay Desk sandbox: no real money moves.</small></p></body></html>\n"
    )
    return Response(status, text.encode("utf-8"), [("Content-Type", "text/html; charset=utf-8")])


def _rows(rows: list[tuple[str, object]]) -> str:
    cells = "".join(
        f"<tr><td>{html.escape(name)}</td><td>{html.escape(str(value))}</td></tr>"
        for name, value in rows
        if value not in (None, "")
    )
    return f"<table>{cells}</table>"


_FORM = (
    '<form method="post"><button type="submit" name="result" value="approved" autofocus>'
    'Pay</button><button type="submit" name="result" value="declined">Decline</button></form>'
)


class Pages:
    """Payment pages for ClickPay invoices, payment requests and Geidea invoices."""

    def __init__(self, ctx: Context, clickpay: ClickPay, geidea: Geidea) -> None:
        self.ctx = ctx
        self.clickpay = clickpay
        self.geidea = geidea

    def routes(self) -> list[Route]:
        invoice = "/payment/request/invoice/{invoice_id}/{token}"
        page = "/payment/page/{token}"
        intent = "/payment-intent/eInvoice/{slug}"
        return [
            route("GET", invoice, self.invoice),
            route("POST", invoice, self.invoice),
            route("GET", page, self.payment),
            route("POST", page, self.payment),
            route("GET", intent, self.intent),
            route("POST", intent, self.intent),
        ]

    # --- what each link points at --------------------------------------------------------------

    def invoice(self, request: Request) -> Response:
        invoice_id = request.params["invoice_id"]
        found = self.clickpay.data["invoices"].get(invoice_id) if invoice_id.isdigit() else None
        if found is None or not str(found["invoice_link"]).endswith(request.path.rstrip("/")):
            return _page(404, "No such invoice", "<p>This payment link is not known.</p>")
        rows: list[tuple[str, object]] = [
            ("Invoice", found["invoice_id"]),
            ("Reference", found["cart_id"]),
            ("For", found["cart_description"]),
            ("Amount", f"{found['cart_amount']} {found['cart_currency']}"),
            ("Due", found.get("due_date")),
        ]
        word = self.clickpay.invoice_word(found)
        return self._serve(
            request,
            f"Invoice {found['invoice_id']}",
            rows,
            word if word != "pending" else None,
            lambda ok: self.clickpay.pay_invoice(invoice_id, ok),
            back=found.get("return"),
        )

    def payment(self, request: Request) -> Response:
        target = request.path.rstrip("/")
        found = next(
            (
                tx
                for tx in self.clickpay.data["transactions"].values()
                if tx.get("kind") == "payment" and str(tx.get("redirect_url", "")).endswith(target)
            ),
            None,
        )
        if found is None:
            return _page(404, "No such payment", "<p>This payment page is not known.</p>")
        rows: list[tuple[str, object]] = [
            ("Reference", found["cart_id"]),
            ("For", found["cart_description"]),
            ("Amount", f"{found['cart_amount']} {found['cart_currency']}"),
        ]
        if found.get("agreement"):
            rows.append(("Repeat billing", found["agreement"].get("agreement_description")))
        done = {"A": "paid", "D": "declined"}.get(found["status"])
        tran_ref = str(found["tran_ref"])
        return self._serve(
            request,
            "Payment",
            rows,
            done,
            lambda ok: self.clickpay.pay_payment(tran_ref, ok),
            back=found.get("return"),
        )

    def intent(self, request: Request) -> Response:
        slug = request.params["slug"]
        found = next(
            (g for g in self.geidea.intents.values() if g.get("urlSlug") == slug),
            None,
        )
        if found is None:
            return _page(404, "No such invoice", "<p>This payment link is not known.</p>")
        details = found.get("eInvoiceDetails") or {}
        rows: list[tuple[str, object]] = [
            ("Invoice", found["invoiceId"]),
            ("Reference", details.get("merchantReferenceId")),
            ("Amount", f"{found['amount']} {found['currency']}"),
            ("Expires", found.get("expiryDate")),
        ]
        status = self.geidea.status_of(found)
        intent_id = str(found["paymentIntentId"])
        return self._serve(
            request,
            f"Invoice {found['invoiceId']}",
            rows,
            None if status in ("Created", "SentToCustomer") else status.lower(),
            lambda ok: self.geidea.pay(intent_id, ok),
        )

    # --- the page and its two buttons ----------------------------------------------------------

    def _serve(
        self,
        request: Request,
        title: str,
        rows: list[tuple[str, object]],
        closed: str | None,
        pay: Pay,
        back: object = None,
    ) -> Response:
        if request.method == "GET":
            if closed is not None:
                return _page(200, title, _rows(rows) + f"<p>This is {html.escape(closed)}.</p>")
            return _page(200, title, _rows(rows) + _FORM)
        form = dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
        result = form.get("result") or request.query.get("result") or ""
        if result not in ("approved", "declined"):
            return _page(400, title, "<p>Choose Pay or Decline.</p>" + _FORM)
        try:
            _payload, outbound = pay(result == "approved")
        except Reply as reply:
            return _page(reply.response.status, title, f"<p>{html.escape(_why(reply))}</p>")
        if outbound is not None:
            request.outbox.append(outbound)
        # the merchant's return URL, as the live page sends the customer back (http(s) only)
        link = ""
        if isinstance(back, str) and back.strip().lower().startswith(("http://", "https://")):
            link = f'<p><a href="{html.escape(back.strip())}">Back to the merchant</a></p>'
        if result == "approved":
            return _page(200, title, _rows(rows) + '<p class="ok">Paid. Thank you.</p>' + link)
        return _page(200, title, _rows(rows) + '<p class="no">The payment was declined.</p>' + link)


def _why(reply: Reply) -> str:
    try:
        return str(json.loads(reply.response.body)["error"])
    except (ValueError, KeyError, TypeError):
        return "This cannot be paid now."
