"""The Geidea Pay-by-Invoice simulator (reference 003).

Every path is under ``/payment-intent/api/v1/direct/eInvoice``.

HTTP Basic authentication (merchant public key : API password). Endpoints:

* ``POST`` create (``eInvoiceDetails`` may be left out: one line for ``amount``), ``PUT``
  update (body ``paymentIntentId`` and only the fields that change; refused once Paid); JSON keys
  in any case, as the .NET gateway binds them (:mod:`.geidea_wire`),
  ``DELETE /{id}`` (only in status Created), ``GET /{id}`` fetch → ``{"paymentIntent": {...},
  "responseMessage": "Success", ..., "responseCode": "000", "detailedResponseCode": "000"}``
* ``GET ?status=&currency=&merchantReferenceId=&pageNumber=&pageSize=`` search (newest first,
  pageNumber from 1, pageSize 1–100, default 10) → ``{"paymentIntents": [...], "totalCount": n}``
* ``POST /{id}/SendByEmail``, ``POST /{id}/sendBySms`` (any case): adds an ``eInvoiceSentLinks``
  entry (newest first) and moves a Created invoice to SentToCustomer; needs the customer's e-mail
  / phone; refused for a Paid or Expired invoice
* ``POST /quick``: ``amount``, ``currency``, ``customer``, ``merchantReferenceId``, ``timestamp``,
  ``signature`` = base64(HMAC-SHA256 keyed with the API password over public key + amount with 2
  decimals + currency + merchantReferenceId + timestamp); a signature that does not verify is
  refused (HTTP 400 naming ``signature``).

Statuses: Created → SentToCustomer → Paid; a Created or SentToCustomer invoice whose
``expiryDate`` has passed (sandbox clock) reads as Expired. The request rules are
:func:`clickpay_desk.core.geidea_invoice.validate_einvoice_request`; derived fields (item
``priceWithDiscount``, ``totalTax``..., ``subtotalWithoutTax``) come from the same module.

The customer's payment (``POST /_sandbox/invoices/{paymentIntentId}/pay``) posts a callback to the
invoice's ``callbackUrl`` with header ``signature`` = hex HMAC-SHA256 of the raw body keyed with
the API password; its payload is ``{"order": {...}, "paymentIntent": {...}, response codes}``.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import string
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ..core.dates import geidea_instant, parse_geidea_date
from ..core.geidea_invoice import (
    einvoice_from_wire,
    einvoice_to_wire,
    quick_invoice_signature,
    validate_einvoice_request,
)
from ..core.rules import RuleViolation
from .callbacks import Outbound
from .geidea_wire import amount_only, canonical_keys, merged_update
from .replies import (
    GEIDEA_SUCCESS,
    Context,
    control_error,
    geidea_not_found,
    geidea_refusal,
    geidea_unauthorised,
)
from .web import BadBody, Request, Response, Route, route

BASE_PATH = "/payment-intent/api/v1/direct/eInvoice"
PAYABLE = ("Created", "SentToCustomer")
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 100
_SLUG = string.ascii_lowercase + string.digits


def geidea_time(moment: datetime) -> str:
    """``2024-03-18T12:41:39.740960Z``."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _digits(count: int) -> str:
    return "".join(secrets.choice(string.digits) for _ in range(count))


def _slug() -> str:
    return "-".join("".join(secrets.choice(_SLUG) for _ in range(3)) for _ in range(4))


class Geidea:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    @property
    def intents(self) -> dict[str, Any]:
        intents: dict[str, Any] = self.ctx.store.data["geidea"]
        return intents

    def routes(self) -> list[Route]:
        b = BASE_PATH
        return [
            route("POST", b, self.create, ignore_case=True),
            route("PUT", b, self.update, ignore_case=True),
            route("GET", b, self.search, ignore_case=True),
            route("POST", b + "/quick", self.quick, ignore_case=True),
            route("GET", b + "/{intent_id}", self.fetch, ignore_case=True),
            route("DELETE", b + "/{intent_id}", self.delete, ignore_case=True),
            route("POST", b + "/{intent_id}/sendByEmail", self.send_email, ignore_case=True),
            route("POST", b + "/{intent_id}/sendBySms", self.send_sms, ignore_case=True),
        ]

    # --- checks --------------------------------------------------------------------------------

    def _auth(self, request: Request) -> None:
        header = request.headers.get("authorization", "")
        scheme, _, encoded = header.strip().partition(" ")
        if scheme.lower() != "basic" or not encoded:
            raise geidea_unauthorised()
        try:
            user, _, password = base64.b64decode(encoded.strip()).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise geidea_unauthorised() from exc
        config = self.ctx.config
        good_user = hmac.compare_digest(user.encode(), config.geidea_public_key.encode())
        good_password = hmac.compare_digest(password.encode(), config.geidea_api_password.encode())
        if not (good_user and good_password):
            raise geidea_unauthorised()

    def _body(self, request: Request) -> dict[str, Any]:
        """The JSON object sent, its keys matched without regard to case (:mod:`.geidea_wire`)."""
        try:
            body: dict[str, Any] = canonical_keys(request.json_object())
            return body
        except BadBody as exc:
            raise geidea_refusal([RuleViolation("body", str(exc))]) from exc

    def _intent(self, intent_id: str) -> dict[str, Any]:
        intent = self.intents.get(intent_id.strip().lower())
        if intent is None:
            raise geidea_not_found(f"paymentIntentId: no payment invoice {intent_id}")
        return intent

    def status_of(self, intent: dict[str, Any]) -> str:
        """The stored status, or Expired for an unpaid invoice past its expiryDate."""
        status = str(intent["status"])
        expiry = intent.get("expiryDate")
        if status in PAYABLE and expiry:
            moment = datetime.fromisoformat(str(expiry).replace("Z", "+00:00"))
            if moment <= self.ctx.store.now():
                return "Expired"
        return status

    def view(self, intent: dict[str, Any]) -> dict[str, Any]:
        status = self.status_of(intent)
        return {**intent, "status": status, "isPending": status in PAYABLE}

    def _answer(self, intent: dict[str, Any]) -> Response:
        return Response.json(
            200, {"paymentIntent": self.view(intent), "termsAndConditions": None, **GEIDEA_SUCCESS}
        )

    # --- building a paymentIntent ----------------------------------------------------------------

    def _details(self, wire: dict[str, Any]) -> dict[str, Any]:
        """``eInvoiceDetails`` as Geidea answers it: all fields, derived ones filled, nulls kept."""
        source = wire["eInvoiceDetails"]
        items = []
        for item in source["eInvoiceItems"]:
            items.append(
                {
                    "eInvoiceItemId": str(uuid.uuid4()),
                    "description": item.get("description"),
                    "price": item["price"],
                    "priceWithDiscount": item["priceWithDiscount"],
                    "priceTax": item["priceTax"],
                    "priceTotal": item["priceTotal"],
                    "quantity": item["quantity"],
                    "sku": item.get("sku"),
                    "itemDiscount": item.get("itemDiscount"),
                    "itemDiscountType": item["itemDiscountType"],
                    "tax": item.get("tax"),
                    "taxType": item["taxType"],
                    "totalWithoutTax": item["totalWithoutTax"],
                    "totalTax": item["totalTax"],
                    "total": item["total"],
                }
            )
        return {
            "type": source["type"],
            "collectCustomersBillingShippingAddress": source[
                "collectCustomersBillingShippingAddress"
            ],
            "preAuthorizeAmount": source["preAuthorizeAmount"],
            "subtotalWithoutTax": source["subtotalWithoutTax"],
            "subtotalTax": source["subtotalTax"],
            "subtotal": source["subtotal"],
            "grandTotal": source["grandTotal"],
            "extraCharges": source.get("extraCharges"),
            "extraChargesType": source["extraChargesType"],
            "extraChargesLabel": None,
            "chargeDescription": source.get("chargeDescription"),
            "merchantReferenceId": source.get("merchantReferenceId"),
            "invoiceDiscount": source.get("invoiceDiscount"),
            "invoiceDiscountType": source["invoiceDiscountType"],
            "language": source["language"],
            "eInvoiceItems": items,
            "callbackUrl": wire.get("callbackUrl"),
            "addOnFees": None,
            "addOnFeesType": None,
            "addOnFeesLabel": None,
        }

    def _customer(
        self, wire: dict[str, Any], existing: dict[str, Any] | None, updated_by: str | None
    ) -> dict[str, Any]:
        given = wire.get("customer")
        if given is None and existing is not None:
            return existing
        given = given or {}
        return {
            "customerId": existing["customerId"] if existing else str(uuid.uuid4()),
            "email": given.get("email"),
            "phoneNumber": given.get("phoneNumber"),
            "phoneCountryCode": given.get("phoneCountryCode"),
            "name": given.get("name"),
            "updatedBy": updated_by,
            "updatedDate": geidea_time(self.ctx.store.now()),
            "addresses": [],
            "customValue": None,
        }

    @staticmethod
    def _date(payload: dict[str, Any], key: str) -> str | None:
        raw = payload.get(key)
        if raw is None:
            return None
        instant = geidea_instant(parse_geidea_date(raw, key)).astimezone(UTC)
        return instant.strftime("%Y-%m-%dT%H:%M:%SZ")

    def _new_intent(self, payload: dict[str, Any], request: Request) -> dict[str, Any]:
        wire = einvoice_to_wire(einvoice_from_wire(payload))
        config = self.ctx.config
        store = self.ctx.store
        now = store.now()
        store.next_number("geidea")
        intent_id = str(uuid.uuid4())
        slug = _slug()
        customer = self._customer(wire, None, None)
        intent = {
            "link": f"{self.ctx.base_url(request)}/payment-intent/eInvoice/{slug}",
            "customer": customer,
            "eInvoiceDetails": self._details(wire),
            "eInvoiceSentLinks": [],
            "customFields": None,
            "invoiceId": f"INV-{now:%Y%m}-{_digits(12)}",
            "paymentIntentId": intent_id,
            "parentPaymentIntentId": None,
            "number": _digits(12),
            "urlSlug": slug,
            "type": "EInvoice",
            "amount": wire["amount"],
            "currency": wire["currency"],
            "merchantId": config.geidea_merchant_id,
            "merchantPublicKey": config.geidea_public_key,
            "expiryDate": self._date(payload, "expiryDate"),
            "activationDate": self._date(payload, "activationDate"),
            "status": "Created",
            "customerId": customer["customerId"],
            "eInvoiceUploadId": None,
            "staticPaylinkId": None,
            "subscriptionId": None,
            "subscriptionOccurrenceId": None,
            "orders": [],
            "isPending": True,
            "createdDate": geidea_time(now),
            "createdBy": config.geidea_merchant_id,
            "updatedDate": None,
            "updatedBy": None,
        }
        self.intents[intent_id] = intent
        store.touch()
        return intent

    # --- endpoints -----------------------------------------------------------------------------

    def create(self, request: Request) -> Response:
        self._auth(request)
        payload = amount_only(self._body(request))
        violations = validate_einvoice_request(payload, self.ctx.store.now())
        if violations:
            raise geidea_refusal(violations)
        return self._answer(self._new_intent(payload, request))

    def quick(self, request: Request) -> Response:
        self._auth(request)
        payload = self._body(request)
        found = [
            RuleViolation(name, "is required")
            for name in ("timestamp", "signature")
            if payload.get(name) in (None, "")
        ]
        # The quick request is a one-line invoice: check it with the eInvoice rules, keeping
        # the violations that name the quick request's own fields.
        amount = payload.get("amount")
        shaped: dict[str, Any] = {
            key: payload[key]
            for key in (
                "amount",
                "currency",
                "customer",
                "callbackUrl",
                "expiryDate",
                "activationDate",
            )
            if key in payload
        }
        shaped["eInvoiceDetails"] = {
            "type": "Quick",
            "merchantReferenceId": payload.get("merchantReferenceId"),
            "subtotal": amount,
            "grandTotal": amount,
            "eInvoiceItems": [{"price": amount, "quantity": 1, "total": amount}],
        }
        if shaped["eInvoiceDetails"]["merchantReferenceId"] is None:
            del shaped["eInvoiceDetails"]["merchantReferenceId"]
        found += [
            v
            for v in validate_einvoice_request(shaped, self.ctx.store.now())
            if not v.field.startswith("eInvoiceDetails.")
        ]
        if found:
            raise geidea_refusal(found)
        config = self.ctx.config
        expected = quick_invoice_signature(
            config.geidea_public_key,
            amount if isinstance(amount, Decimal | int | str) else str(amount),
            str(payload["currency"]),
            payload.get("merchantReferenceId"),
            str(payload["timestamp"]),
            config.geidea_api_password,
        )
        if not hmac.compare_digest(str(payload["signature"]).encode(), expected.encode()):
            raise geidea_refusal(
                [
                    RuleViolation(
                        "signature",
                        "does not verify: base64 HMAC-SHA256 of public key + "
                        "amount (2 decimals) + currency + merchantReferenceId + timestamp, "
                        "keyed with the API password",
                    )
                ]
            )
        return self._answer(self._new_intent(shaped, request))

    def update(self, request: Request) -> Response:
        self._auth(request)
        payload = self._body(request)
        known = self.intents.get(str(payload.get("paymentIntentId") or "").strip().lower())
        if known is not None:
            payload = merged_update(known, payload)
        violations = validate_einvoice_request(payload, self.ctx.store.now(), update=True)
        if violations:
            raise geidea_refusal(violations)
        intent = self._intent(str(payload["paymentIntentId"]))
        if intent["status"] == "Paid":
            raise geidea_refusal(
                [RuleViolation("paymentIntentId", "a paid payment invoice cannot be updated")]
            )
        wire = einvoice_to_wire(einvoice_from_wire(payload, update=True))
        config = self.ctx.config
        details = self._details(wire)
        if details["callbackUrl"] is None:
            details["callbackUrl"] = intent["eInvoiceDetails"].get("callbackUrl")
        intent["eInvoiceDetails"] = details
        intent["customer"] = self._customer(wire, intent["customer"], "PGW")
        intent["amount"] = wire["amount"]
        intent["currency"] = wire["currency"]
        for key in ("expiryDate", "activationDate"):
            if payload.get(key) is not None:
                intent[key] = self._date(payload, key)
        if wire.get("status"):
            intent["status"] = wire["status"]
        intent["updatedDate"] = geidea_time(self.ctx.store.now())
        intent["updatedBy"] = config.geidea_merchant_id
        self.ctx.store.touch()
        return self._answer(intent)

    def delete(self, request: Request) -> Response:
        self._auth(request)
        intent = self._intent(request.params["intent_id"])
        status = self.status_of(intent)
        if status != "Created":
            raise geidea_refusal(
                [
                    RuleViolation(
                        "status",
                        f"only a payment invoice in status Created can be "
                        f"deleted (this one is {status})",
                    )
                ]
            )
        del self.intents[intent["paymentIntentId"]]
        self.ctx.store.touch()
        return Response.json(200, dict(GEIDEA_SUCCESS))

    def fetch(self, request: Request) -> Response:
        self._auth(request)
        return self._answer(self._intent(request.params["intent_id"]))

    def search(self, request: Request) -> Response:
        self._auth(request)
        query = {key.lower(): value for key, value in request.query.items()}
        page_number = self._page_param(query, "pageNumber", 1, None)
        page_size = self._page_param(query, "pageSize", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        status = query.get("status", "").strip().lower()
        currency = query.get("currency", "").strip().upper()
        reference = query.get("merchantreferenceid", "").strip()
        found = []
        for intent in reversed(list(self.intents.values())):
            view = self.view(intent)
            if status and view["status"].lower() != status:
                continue
            if currency and view["currency"] != currency:
                continue
            if reference and view["eInvoiceDetails"].get("merchantReferenceId") != reference:
                continue
            found.append(view)
        start = (page_number - 1) * page_size
        return Response.json(
            200,
            {
                "paymentIntents": found[start : start + page_size],
                "totalCount": len(found),
                **GEIDEA_SUCCESS,
            },
        )

    @staticmethod
    def _page_param(query: dict[str, str], name: str, default: int, maximum: int | None) -> int:
        raw = query.get(name.lower(), "").strip()
        if not raw:
            return default
        if not raw.isdigit() or int(raw) < 1 or (maximum is not None and int(raw) > maximum):
            limit = f" to {maximum}" if maximum is not None else " or more"
            rule = f"must be a whole number from 1{limit}"
            raise geidea_refusal([RuleViolation(name, rule, raw)])
        return int(raw)

    def send_email(self, request: Request) -> Response:
        return self._send(request, "Email")

    def send_sms(self, request: Request) -> Response:
        return self._send(request, "Sms")

    def _send(self, request: Request, channel: str) -> Response:
        self._auth(request)
        intent = self._intent(request.params["intent_id"])
        status = self.status_of(intent)
        if status not in PAYABLE:
            raise geidea_refusal(
                [RuleViolation("status", f"a payment invoice in status {status} cannot be sent")]
            )
        customer = intent.get("customer") or {}
        if channel == "Email":
            recipient = customer.get("email")
            if not recipient:
                raise geidea_refusal(
                    [RuleViolation("customer.email", "is required to send by e-mail")]
                )
        else:
            if not customer.get("phoneNumber"):
                raise geidea_refusal(
                    [RuleViolation("customer.phoneNumber", "is required to send by SMS")]
                )
            recipient = f"{customer.get('phoneCountryCode') or ''}{customer['phoneNumber']}"
        now = geidea_time(self.ctx.store.now())
        intent["eInvoiceSentLinks"].insert(
            0, {"sentDate": now, "channel": channel, "recipient": recipient}
        )
        intent["status"] = "SentToCustomer"
        intent["updatedDate"] = now
        intent["updatedBy"] = "PGW"
        self.ctx.store.touch()
        return self._answer(intent)

    # --- the customer's side -------------------------------------------------------------------

    def find(self, key: str) -> dict[str, Any] | None:
        """An invoice by paymentIntentId, invoiceId or number."""
        intent = self.intents.get(key.strip().lower())
        if intent is not None:
            return intent
        for candidate in self.intents.values():
            if key in (candidate["invoiceId"], candidate["number"]):
                return candidate
        return None

    def pay(self, key: str, approved: bool) -> tuple[dict[str, Any], Outbound | None]:
        intent = self.find(key)
        if intent is None:
            raise control_error(404, f"no invoice {key}")
        status = self.status_of(intent)
        if status not in PAYABLE:
            raise control_error(409, f"payment invoice {key} is {status}: it cannot be paid")
        now = geidea_time(self.ctx.store.now())
        order = {
            "orderId": str(uuid.uuid4()),
            "paymentIntentId": intent["paymentIntentId"],
            "invoiceId": intent["invoiceId"],
            "merchantReferenceId": intent["eInvoiceDetails"].get("merchantReferenceId"),
            "amount": intent["amount"],
            "currency": intent["currency"],
            "status": "Success" if approved else "Failed",
            "detailedStatus": "Paid" if approved else "Declined",
            "responseCode": "000" if approved else "999",
            "responseMessage": "Success" if approved else "Declined",
            "createdDate": now,
        }
        intent["orders"].append(order)
        if approved:
            intent["status"] = "Paid"
            intent["updatedDate"] = now
            intent["updatedBy"] = "PGW"
        self.ctx.store.touch()
        payload = {"order": order, "paymentIntent": self.view(intent), **GEIDEA_SUCCESS}
        url = intent["eInvoiceDetails"].get("callbackUrl")
        outbound = None
        if isinstance(url, str) and url.strip():
            outbound = Outbound(url.strip(), payload, self.ctx.config.geidea_api_password, "geidea")
        return payload, outbound
