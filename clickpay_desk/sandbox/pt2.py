"""The ClickPay (PayTabs PT2) simulator: invoices, payment requests, agreements, queries.

Wire endpoints (header ``authorization: <server key>``, JSON bodies):

* ``POST /payment/new/invoice`` (references 000/001) → ``{"invoice_id", "invoice_link"}``; the
  same at ``POST /payment/invoice/new`` (the PayTabs PHP SDK's path)
* ``GET /payment/invoice/{id}/status``, ``POST /payment/invoice/status`` ``{"profile_id",
  "invoice_id"}`` → ``{"invoice_status": "pending" | "paid" | "cancelled" | "expired"}`` (paid adds
  ``tran_ref``, ``tran_status`` "A", ``tran_status_msg`` "Authorised"). Extension for reconciling:
  ``{"profile_id", "cart_id"}`` answers the latest invoice with that cart_id, adding ``invoice_id``.
* ``PUT /payment/invoice/{id}/cancel`` → ``{"message": "Invoice has been cancelled"}``; a paid or
  cancelled invoice → HTTP 400 ``{"code": 500, "message": "Failed to cancel invoice"}``. The same
  at ``POST`` (or ``PUT``) ``/payment/invoice/cancel {"profile_id", "invoice_id"}`` (the SDKs').
  An invoice whose payment was refunded in full reads ``refunded``.
* ``POST /payment/request`` (optionally with an ``agreement``, reference 002) → the payment-page
  answer of reference 001 (``tran_ref``, ``redirect_url``, ``cart_amount`` as text...). With
  ``tran_ref`` and ``tran_type`` refund, void or capture it is a follow-up on that transaction
  instead (:mod:`.followups`).
* ``POST /payment/query`` ``{"profile_id", "tran_ref" | "cart_id"}`` → by ``tran_ref`` the
  transaction in the shape of the callbacks (``payment_result.response_status`` A, D or P;
  ``agreement_id`` when the payment set one up); by ``cart_id`` a JSON array of every transaction
  with that cart_id, oldest first (by time, then by the order the sandbox made them).
* ``POST /payment/agreement/cancel`` ``{"profile_id", "agreement_id"}`` →
  ``{"message": "Agreement has been cancelled", "status": "success", "trace"}``.

The customer's side (paying an invoice or a payment page, installments falling due) is driven by
the controls in :mod:`.controls`; this module holds those operations too.

Deterministic trigger: an agreement whose ``agreement_description`` contains "DECLINE" (any case)
has every follow-up installment declined (response_status "D").
"""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, date, datetime
from typing import Any

from ..core.agreement import (
    agreement_from_wire,
    agreement_to_wire,
    format_wire_date,
    parse_int,
    validate_payment_request,
)
from ..core.dates import parse_wire_datetime
from ..core.invoice import validate_invoice_request
from ..core.money import format_amount, parse_decimal
from ..core.rules import RuleViolation, ValidationError
from ..core.schedule import next_installment, project_schedule
from .callbacks import Outbound
from .followups import follow_up, is_follow_up
from .replies import (
    Context,
    control_error,
    pt2_error,
    pt2_not_found,
    pt2_refusal,
    pt2_unauthorised,
)
from .web import BadBody, Reply, Request, Response, Route, route

TRAN_TYPE_LABELS = {
    "sale": "Sale",
    "auth": "Auth",
    "void": "Void",
    "release": "Release",
    "capture": "Capture",
    "refund": "Refund",
    "register": "Register",
}
TRAN_CLASS_LABELS = {"ecom": "ECom", "moto": "MoTo", "recurring": "Recurring"}
#: An agreement whose description contains this word has its follow-up installments declined.
DECLINE_TRIGGER = "DECLINE"
INVOICE_CANCELLED = "Invoice has been cancelled"
INVOICE_CANCEL_FAILED = "Failed to cancel invoice"
AGREEMENT_CANCELLED = "Agreement has been cancelled"
AGREEMENT_CANCEL_FAILED = "Failed to cancel agreement"


def iso_z(moment: datetime) -> str:
    """``2024-07-04T07:46:20Z``, as PT2 writes ``transaction_time``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _hex(length: int = 32) -> str:
    return secrets.token_hex(length // 2).upper()


def _cart(body: dict[str, Any]) -> dict[str, Any]:
    """What an invoice and a payment request keep of a validated request body, normalised."""
    currency = str(body["cart_currency"]).strip().upper()
    return {
        "tran_type": str(body["tran_type"]).strip().lower(),
        "tran_class": str(body["tran_class"]).strip().lower(),
        "cart_id": str(body["cart_id"]).strip(),
        "cart_description": str(body["cart_description"]).strip(),
        "cart_currency": currency,
        "cart_amount": format_amount(parse_decimal(body["cart_amount"], "cart_amount"), currency),
        "customer_details": body.get("customer_details"),
        "tokenise": body.get("tokenise"),
        "callback": body.get("callback"),
        "return": body.get("return"),
    }


class ClickPay:
    """PT2 endpoints and the customer-side operations behind the controls."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    @property
    def data(self) -> dict[str, Any]:
        return self.ctx.store.data

    def routes(self) -> list[Route]:
        return [
            route("POST", "/payment/new/invoice", self.create_invoice),
            route("POST", "/payment/invoice/new", self.create_invoice),
            route("GET", "/payment/invoice/{invoice_id}/status", self.invoice_status_by_path),
            route("POST", "/payment/invoice/status", self.invoice_status),
            route("PUT", "/payment/invoice/{invoice_id}/cancel", self.cancel_invoice),
            route("POST", "/payment/invoice/cancel", self.cancel_invoice_by_body),
            route("PUT", "/payment/invoice/cancel", self.cancel_invoice_by_body),
            route("POST", "/payment/request", self.payment_request),
            route("POST", "/payment/query", self.query),
            route("POST", "/payment/agreement/cancel", self.cancel_agreement),
        ]

    # --- request checks ------------------------------------------------------------------------

    def _auth(self, request: Request) -> None:
        key = request.headers.get("authorization", "").strip()
        expected = self.ctx.config.server_key
        if not key or not hmac.compare_digest(key.encode(), expected.encode()):
            raise pt2_unauthorised(self.ctx)

    def _body(self, request: Request) -> dict[str, Any]:
        try:
            return request.json_object()
        except BadBody as exc:
            raise pt2_refusal(self.ctx, [RuleViolation("body", str(exc))]) from exc

    def _profile(self, body: dict[str, Any], *, checked_later: bool) -> None:
        """profile_id must be the sandbox's (else 401); a malformed one is a rule failure."""
        raw = body.get("profile_id")
        if raw is None:
            if not checked_later:
                raise pt2_refusal(self.ctx, [RuleViolation("profile_id", "is required")])
            return
        try:
            profile_id = parse_int(raw, "profile_id")
        except ValidationError as exc:
            if checked_later:
                return
            raise pt2_refusal(self.ctx, exc.violations) from exc
        if profile_id != self.ctx.config.profile_id:
            raise pt2_unauthorised(self.ctx)

    def _int_field(self, body: dict[str, Any], name: str) -> int:
        raw = body.get(name)
        if raw is None:
            raise pt2_refusal(self.ctx, [RuleViolation(name, "is required")])
        try:
            return parse_int(raw, name)
        except ValidationError as exc:
            raise pt2_refusal(self.ctx, exc.violations) from exc

    # --- invoices ------------------------------------------------------------------------------

    def create_invoice(self, request: Request) -> Response:
        self._auth(request)
        body = self._body(request)
        self._profile(body, checked_later=True)
        store = self.ctx.store
        violations = validate_invoice_request(body, store.now())
        if violations:
            raise pt2_refusal(self.ctx, violations)
        invoice_id = store.next_number("invoice")
        link = f"{self.ctx.base_url(request)}/payment/request/invoice/{invoice_id}/{_hex()}"
        details = body.get("invoice") or {}
        self.data["invoices"][str(invoice_id)] = {
            "invoice_id": invoice_id,
            "status": "pending",
            "invoice_link": link,
            "created": iso_z(store.now()),
            **_cart(body),
            "customer_ref": body.get("customer_ref"),
            "activation_date": details.get("activation_date"),
            "expiry_date": details.get("expiry_date"),
            "due_date": details.get("due_date"),
            "line_count": len(details.get("line_items") or []),
            "tran_ref": None,
            "attempts": [],
            "request": body,
        }
        store.touch()
        return Response.json(200, {"invoice_id": invoice_id, "invoice_link": link})

    def invoice_word(self, invoice: dict[str, Any]) -> str:
        """pending | paid | cancelled | expired (a pending invoice past its expiry_date)."""
        status = str(invoice["status"])
        expiry = invoice.get("expiry_date")
        if status == "pending" and expiry:
            try:
                if parse_wire_datetime(expiry, "expiry_date") <= self.ctx.store.now():
                    return "expired"
            except ValidationError:
                pass
        return status

    def _status_answer(self, invoice: dict[str, Any]) -> dict[str, Any]:
        word = self.invoice_word(invoice)
        if word == "paid":
            return {
                "invoice_status": "paid",
                "tran_ref": invoice["tran_ref"],
                "tran_status": "A",
                "tran_status_msg": "Authorised",
            }
        return {"invoice_status": word}

    def _invoice(self, raw_id: object) -> dict[str, Any]:
        try:
            key = str(int(str(raw_id)))
        except ValueError:
            key = ""
        invoice = self.data["invoices"].get(key)
        if invoice is None:
            raise pt2_not_found(self.ctx, "invoice_id", f"no invoice {raw_id}")
        return invoice

    def invoice_status_by_path(self, request: Request) -> Response:
        self._auth(request)
        invoice = self._invoice(request.params["invoice_id"])
        return Response.json(200, self._status_answer(invoice))

    def invoice_status(self, request: Request) -> Response:
        self._auth(request)
        body = self._body(request)
        self._profile(body, checked_later=False)
        if body.get("invoice_id") is None and body.get("cart_id") is not None:
            cart_id = str(body["cart_id"]).strip()
            matches = [i for i in self.data["invoices"].values() if i["cart_id"] == cart_id]
            if not matches:
                raise pt2_not_found(self.ctx, "cart_id", f"no invoice with cart_id {cart_id!r}")
            latest = max(matches, key=lambda i: int(i["invoice_id"]))
            return Response.json(
                200,
                # The cart_id too: a reconciler counts a hit only when it carries the same one.
                {
                    **self._status_answer(latest),
                    "invoice_id": latest["invoice_id"],
                    "cart_id": latest["cart_id"],
                },
            )
        if body.get("invoice_id") is None:
            raise pt2_refusal(
                self.ctx, [RuleViolation("invoice_id", "is required (or cart_id to look one up)")]
            )
        invoice = self._invoice(self._int_field(body, "invoice_id"))
        return Response.json(200, self._status_answer(invoice))

    def cancel_invoice(self, request: Request) -> Response:
        self._auth(request)
        return self._cancel(self._invoice(request.params["invoice_id"]))

    def cancel_invoice_by_body(self, request: Request) -> Response:
        """``/payment/invoice/cancel {profile_id, invoice_id}``: the PayTabs SDKs' cancel."""
        self._auth(request)
        body = self._body(request)
        self._profile(body, checked_later=False)
        return self._cancel(self._invoice(self._int_field(body, "invoice_id")))

    def _cancel(self, invoice: dict[str, Any]) -> Response:
        if invoice["status"] != "pending":
            raise Reply(pt2_error(self.ctx, 400, 500, INVOICE_CANCEL_FAILED))
        invoice["status"] = "cancelled"
        invoice["cancelled_at"] = iso_z(self.ctx.store.now())
        self.ctx.store.touch()
        return Response.json(200, {"message": INVOICE_CANCELLED})

    def pay_invoice(
        self, invoice_id: str, approved: bool
    ) -> tuple[dict[str, Any], Outbound | None]:
        """The customer pays (or fails to pay) invoice ``invoice_id``: the callback payload."""
        invoice = self.data["invoices"].get(invoice_id)
        if invoice is None:
            raise control_error(404, f"no ClickPay invoice {invoice_id}")
        word = self.invoice_word(invoice)
        if word != "pending":
            raise control_error(409, f"invoice {invoice_id} is {word}: it cannot be paid")
        store = self.ctx.store
        tran_ref = self._new_tran_ref()
        token = _hex() if approved and invoice.get("tokenise") else None
        tx = self._transaction(
            tran_ref,
            "invoice",
            invoice,
            invoice_id=invoice["invoice_id"],
        )
        payload = self._ipn(tx, approved, token=token)
        tx["status"] = "A" if approved else "D"
        tx["payload"] = payload
        self.data["transactions"][tran_ref] = tx
        invoice["attempts"].append(tran_ref)
        if approved:
            invoice["status"] = "paid"
            invoice["tran_ref"] = tran_ref
            invoice["paid_at"] = iso_z(store.now())
            if token:
                invoice["token"] = token
        store.touch()
        return payload, self._outbound(invoice.get("callback"), payload)

    # --- payment requests and agreements -------------------------------------------------------

    def payment_request(self, request: Request) -> Response:
        self._auth(request)
        body = self._body(request)
        self._profile(body, checked_later=True)
        if is_follow_up(body):
            return follow_up(self, request, body)
        store = self.ctx.store
        today = store.today()
        violations = validate_payment_request(body, today)
        if body.get("invoice") is not None:
            # the invoice flavour of the payment endpoint (reference 001): its rules too
            seen = {v.field for v in violations}
            violations += [
                v for v in validate_invoice_request(body, store.now()) if v.field not in seen
            ]
        if violations:
            raise pt2_refusal(self.ctx, violations)
        tran_ref = self._new_tran_ref()
        redirect = f"{self.ctx.base_url(request)}/payment/page/{_hex(40)}"
        agreement = None
        if body.get("agreement") is not None:
            agreement = agreement_to_wire(agreement_from_wire(body["agreement"]))
        tx: dict[str, Any] = {
            "tran_ref": tran_ref,
            "kind": "payment",
            "status": "P",
            "created": iso_z(store.now()),
            "created_on": today.isoformat(),
            **_cart(body),
            "shipping_details": body.get("shipping_details"),
            "redirect_url": redirect,
            "agreement": agreement,
            "agreement_id": None,
            "payload": None,
        }
        self.data["transactions"][tran_ref] = tx
        store.touch()
        return Response.json(
            200,
            {
                "tran_ref": tran_ref,
                "tran_type": TRAN_TYPE_LABELS.get(tx["tran_type"], tx["tran_type"]),
                "cart_id": tx["cart_id"],
                "cart_description": tx["cart_description"],
                "cart_currency": tx["cart_currency"],
                "cart_amount": tx["cart_amount"],
                "return": body.get("return") or "none",
                "redirect_url": redirect,
                "serviceId": 2,
                "profileId": self.ctx.config.profile_id,
                "merchantId": self.ctx.config.merchant_id,
                "trace": store.trace(),
            },
        )

    def pay_payment(self, tran_ref: str, approved: bool) -> tuple[dict[str, Any], Outbound | None]:
        """The customer completes (or fails) the payment page of ``tran_ref``."""
        tx = self.data["transactions"].get(tran_ref)
        if tx is None:
            raise control_error(404, f"no ClickPay transaction {tran_ref}")
        if tx["kind"] != "payment":
            raise control_error(409, f"{tran_ref} is not a payment request")
        if tx["status"] != "P":
            raise control_error(409, f"payment {tran_ref} is already done ({tx['status']})")
        store = self.ctx.store
        agreement_id = None
        token = None
        if approved and tx.get("agreement"):
            agreement_id, token = self._start_agreement(tx)
        elif approved and tx.get("tokenise"):
            token = _hex()
        payload = self._ipn(tx, approved, agreement_id=agreement_id, token=token)
        tx["status"] = "A" if approved else "D"
        tx["agreement_id"] = agreement_id
        tx["payload"] = payload
        store.touch()
        return payload, self._outbound(tx.get("callback"), payload)

    def _start_agreement(self, tx: dict[str, Any]) -> tuple[int, str]:
        store = self.ctx.store
        agreement = agreement_from_wire(tx["agreement"])
        agreement_id = store.next_number("agreement")
        token = _hex()
        start = date.fromisoformat(tx["created_on"])
        currency = agreement.currency
        record: dict[str, Any] = {
            "agreement_id": agreement_id,
            "status": "active",
            "description": agreement.description,
            "currency": currency,
            "initial_amount": format_amount(agreement.initial_amount, currency),
            "repeat_amount": format_amount(agreement.repeat_amount, currency),
            "final_amount": None
            if agreement.final_amount is None
            else format_amount(agreement.final_amount, currency),
            "repeat_terms": agreement.repeat_terms,
            "repeat_period": int(agreement.repeat_period),
            "repeat_every": agreement.repeat_every,
            "first_installment_due_date": format_wire_date(agreement.first_installment_due_date),
            "start_date": start.isoformat(),
            "created": iso_z(store.now()),
            "initial_tran_ref": tx["tran_ref"],
            "token": token,
            "cart_id": tx["cart_id"],
            "cart_description": tx["cart_description"],
            "customer_details": tx.get("customer_details"),
            "callback": tx.get("callback"),
            "wire": tx["agreement"],
            "installments": [
                {
                    "number": 0,
                    "kind": "initial",
                    "due_date": start.isoformat(),
                    "amount": format_amount(agreement.initial_amount, currency),
                    "status": "charged",
                    "tran_ref": tx["tran_ref"],
                }
            ],
            "next_due_date": agreement.first_installment_due_date.isoformat(),
        }
        self.data["agreements"][str(agreement_id)] = record
        return agreement_id, token

    def charge_due(self, today: date) -> tuple[list[dict[str, Any]], list[Outbound]]:
        """Charge every installment of an active agreement due on or before ``today``."""
        events: list[dict[str, Any]] = []
        outbox: list[Outbound] = []
        store = self.ctx.store
        for record in self.data["agreements"].values():
            if record["status"] != "active":
                continue
            agreement = agreement_from_wire(record["wire"])
            start = date.fromisoformat(record["start_date"])
            done = {int(i["number"]) for i in record["installments"]}
            for installment in project_schedule(agreement, start, horizon=today):
                if installment.number in done:
                    continue
                approved = DECLINE_TRIGGER not in record["description"].upper()
                amount = format_amount(installment.amount, installment.currency)
                tran_ref = self._new_tran_ref()
                payload = self._followup(record, tran_ref, amount, approved)
                self.data["transactions"][tran_ref] = {
                    "tran_ref": tran_ref,
                    "kind": "installment",
                    "status": "A" if approved else "D",
                    "created": iso_z(store.now()),
                    "agreement_id": record["agreement_id"],
                    "cart_id": record["cart_id"],
                    "cart_currency": record["currency"],
                    "cart_amount": amount,
                    "payload": payload,
                }
                record["installments"].append(
                    {
                        "number": installment.number,
                        "kind": str(installment.kind),
                        "due_date": installment.due_date.isoformat(),
                        "amount": amount,
                        "status": "charged" if approved else "declined",
                        "tran_ref": tran_ref,
                    }
                )
                events.append(
                    {
                        "agreement_id": record["agreement_id"],
                        "number": installment.number,
                        "due_date": installment.due_date.isoformat(),
                        "amount": amount,
                        "currency": record["currency"],
                        "tran_ref": tran_ref,
                        "response_status": "A" if approved else "D",
                    }
                )
                sent = self._outbound(record.get("callback"), payload)
                if sent is not None:
                    outbox.append(sent)
            count = agreement.installment_count
            if count is not None and len(record["installments"]) >= count:
                record["status"] = "completed"
                record["next_due_date"] = None
            else:
                upcoming = next_installment(agreement, start, today)
                record["next_due_date"] = upcoming.due_date.isoformat() if upcoming else None
            store.touch()
        return events, outbox

    def cancel_agreement(self, request: Request) -> Response:
        self._auth(request)
        body = self._body(request)
        self._profile(body, checked_later=False)
        agreement_id = self._int_field(body, "agreement_id")
        record = self.data["agreements"].get(str(agreement_id))
        if record is None:
            raise pt2_not_found(self.ctx, "agreement_id", f"no agreement {agreement_id}")
        if record["status"] != "active":
            raise Reply(pt2_error(self.ctx, 400, 500, AGREEMENT_CANCEL_FAILED))
        record["status"] = "cancelled"
        record["cancelled_at"] = iso_z(self.ctx.store.now())
        record["next_due_date"] = None
        self.ctx.store.touch()
        return Response.json(
            200,
            {"message": AGREEMENT_CANCELLED, "status": "success", "trace": self.ctx.store.trace()},
        )

    # --- queries -------------------------------------------------------------------------------

    def query(self, request: Request) -> Response:
        self._auth(request)
        body = self._body(request)
        self._profile(body, checked_later=False)
        transactions = self.data["transactions"]
        if body.get("tran_ref") is not None:
            tran_ref = str(body["tran_ref"]).strip()
            tx = transactions.get(tran_ref)
            if tx is None:
                raise pt2_not_found(self.ctx, "tran_ref", f"no transaction {tran_ref}")
        elif body.get("cart_id") is not None:
            cart_id = str(body["cart_id"]).strip()
            matches = [t for t in transactions.values() if t.get("cart_id") == cart_id]
            if not matches:
                raise pt2_not_found(self.ctx, "cart_id", f"no transaction with cart_id {cart_id!r}")
            # every transaction of the cart, oldest first (created, then tran_ref's number)
            matches.sort(key=lambda t: (str(t.get("created") or ""), str(t["tran_ref"])[-8:]))
            return Response.json(200, [self.query_answer(t) for t in matches])
        else:
            raise pt2_refusal(
                self.ctx, [RuleViolation("tran_ref", "is required (or cart_id to look one up)")]
            )
        return Response.json(200, self.query_answer(tx))

    def query_answer(self, tx: dict[str, Any]) -> dict[str, Any]:
        if tx.get("payload") is None:
            answer = self._base_payload(tx)
            answer["payment_result"] = {
                "response_status": "P",
                "response_code": "P",
                "response_message": "Pending",
                "transaction_time": tx["created"],
            }
        else:
            answer = dict(tx["payload"])
            answer.pop("ipn_trace", None)
        answer["trace"] = self.ctx.store.trace()
        return answer

    # --- payloads ------------------------------------------------------------------------------

    def _new_tran_ref(self) -> str:
        number = self.ctx.store.next_number("transaction")
        today = self.ctx.store.today()
        return f"TST{today:%y}{today.timetuple().tm_yday:03d}{number:08d}"

    def _transaction(
        self, tran_ref: str, kind: str, source: dict[str, Any], **extra: Any
    ) -> dict[str, Any]:
        keys = (
            "tran_type",
            "tran_class",
            "cart_id",
            "cart_description",
            "cart_currency",
            "cart_amount",
            "customer_details",
            "callback",
        )
        tx: dict[str, Any] = {"tran_ref": tran_ref, "kind": kind, "status": "P"}
        tx["created"] = iso_z(self.ctx.store.now())
        tx.update({key: source.get(key) for key in keys})
        tx.update(extra)
        return tx

    def _base_payload(self, tx: dict[str, Any]) -> dict[str, Any]:
        config = self.ctx.config
        customer = dict(tx.get("customer_details") or {})
        customer.setdefault("ip", "127.0.0.1")
        payload: dict[str, Any] = {
            "tran_ref": tx["tran_ref"],
            "merchant_id": config.merchant_id,
            "profile_id": config.profile_id,
            "cart_id": tx["cart_id"],
            "cart_description": tx["cart_description"],
            "cart_currency": tx["cart_currency"],
            "cart_amount": tx["cart_amount"],
            "tran_currency": tx["cart_currency"],
            "tran_total": tx["cart_amount"],
            "tran_type": TRAN_TYPE_LABELS.get(tx["tran_type"], str(tx["tran_type"])),
            "tran_class": TRAN_CLASS_LABELS.get(tx["tran_class"], str(tx["tran_class"])),
        }
        if tx.get("agreement_id") is not None:
            payload["agreement_id"] = tx["agreement_id"]
        payload["customer_details"] = customer
        if tx.get("shipping_details"):
            payload["shipping_details"] = dict(tx["shipping_details"])
        return payload

    def _result(self, approved: bool) -> dict[str, Any]:
        if approved:
            return {
                "response_status": "A",
                "response_code": f"G{secrets.randbelow(100000):05d}",
                "response_message": "Authorised",
            }
        return {"response_status": "D", "response_code": "G00051", "response_message": "Declined"}

    def _payment_info(self) -> dict[str, Any]:
        return {
            "payment_method": "Visa",
            "card_type": "Credit",
            "card_scheme": "Visa",
            "payment_description": "4111 11## #### 1111",
            "expiryMonth": 12,
            "expiryYear": self.ctx.store.today().year + 2,
        }

    def _ipn(
        self,
        tx: dict[str, Any],
        approved: bool,
        *,
        agreement_id: int | None = None,
        token: str | None = None,
    ) -> dict[str, Any]:
        """A callback in the shape of references 000 (invoice) and 002 (initial transaction)."""
        store = self.ctx.store
        payload = self._base_payload({**tx, "agreement_id": agreement_id})
        result = self._result(approved)
        if agreement_id is not None:
            result["acquirer_ref"] = store.trace("TRAN")
        result.update(
            {"cvv_result": " ", "avs_result": " ", "transaction_time": iso_z(store.now())}
        )
        payload["payment_result"] = result
        payload["payment_info"] = self._payment_info()
        if token:
            payload["token"] = token
        payload["ipn_trace"] = store.trace("IPNS")
        return payload

    def _followup(
        self, record: dict[str, Any], tran_ref: str, amount: str, approved: bool
    ) -> dict[str, Any]:
        """A follow-up installment callback in the shape of reference 002."""
        store = self.ctx.store
        config = self.ctx.config
        result = self._result(approved)
        result.update(
            {
                "acquirer_message": "00:Approved" if approved else "51:Insufficient funds",
                "acquirer_rrn": f"{secrets.randbelow(10**12):012d}",
                "transaction_time": iso_z(store.now()),
            }
        )
        customer = dict(record.get("customer_details") or {})
        return {
            "tran_ref": tran_ref,
            "previous_tran_ref": record["initial_tran_ref"],
            "tran_type": "Sale",
            "cart_id": record["cart_id"],
            "cart_description": record["cart_description"],
            "cart_currency": record["currency"],
            "cart_amount": amount,
            "tran_currency": record["currency"],
            "tran_total": amount,
            "agreement_id": record["agreement_id"],
            "customer_details": customer,
            "payment_result": result,
            "payment_info": self._payment_info(),
            "serviceId": 1,
            "token": record["token"],
            "parentRequest": {
                "tran_ref": record["initial_tran_ref"],
                "cart_currency": record["currency"],
                "cart_amount": record["initial_amount"],
            },
            "profileId": config.profile_id,
            "merchantId": config.merchant_id,
            "trace": store.trace(),
        }

    def _outbound(self, url: object, payload: dict[str, Any]) -> Outbound | None:
        if not isinstance(url, str) or not url.strip():
            return None
        return Outbound(url.strip(), payload, self.ctx.config.server_key, "clickpay")
