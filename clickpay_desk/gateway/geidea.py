"""Client for Geidea Pay-by-Invoice (eInvoice): create, quick create, update, delete, fetch,
search, send by e-mail and SMS.

Authentication is HTTP Basic (merchant public key : API password). Only ``fetch`` and ``search``
are reads and retried; every other call is sent once (sending an e-mail twice is not money, but
the customer notices), and reports ``OutcomeUnknown`` when it may have reached Geidea.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx

from ..core.geidea_invoice import quick_invoice_amount, quick_invoice_signature
from ..core.rules import ValidationError
from .errors import FieldRefused
from .geidea_models import GeideaAck, PaymentIntent, SearchPage
from .http import (
    MAX_BODY_BYTES,
    ErrorBody,
    HttpSession,
    JsonObject,
    RetryPolicy,
    Timeouts,
    check_secret,
    path_segment,
    timeouts_from,
)
from .http import split_field_message as _split
from .wirefields import scalar_text

EINVOICE_PATH = "/payment-intent/api/v1/direct/eInvoice"


class GeideaDialect:
    """How Geidea words errors.

    Two shapes: its own (``responseCode`` != "000" plus ``responseMessage`` /
    ``detailedResponseMessage``, possibly inside an HTTP 200), and the ASP.NET "problem details"
    its .NET front end answers to a request it cannot bind (``title``, ``status``, ``traceId``
    and ``errors: {field: [messages]}``). The second is turned into "field: message" parts so
    the user sees which field and why, not a bare "One or more validation errors occurred".
    """

    gateway_name = "Geidea"
    credential_name = "API password"

    def read_error(self, payload: Any) -> ErrorBody:
        if not isinstance(payload, Mapping):
            return ErrorBody()
        detailed = scalar_text(payload.get("detailedResponseMessage"))
        general = scalar_text(payload.get("responseMessage"))
        # Prefer whichever message names a field; otherwise the more specific one.
        if _split(general) is not None and _split(detailed) is None:
            message = general
        else:
            message = detailed or general
        problem = problem_details_message(payload)
        if problem is not None and (message is None or _split(message) is None):
            message = problem
        return ErrorBody(
            message=message,
            trace=scalar_text(payload.get("reference"))
            or scalar_text(payload.get("correlationId"))
            or scalar_text(payload.get("traceId")),
            code=scalar_text(payload.get("detailedResponseCode"))
            or scalar_text(payload.get("responseCode"))
            or scalar_text(payload.get("status")),
            from_gateway=any(
                key in payload
                for key in (
                    "responseCode",
                    "responseMessage",
                    "detailedResponseMessage",
                    "title",
                    "errors",
                    "traceId",
                )
            ),
        )

    def refusal_in_success(self, payload: Any) -> ErrorBody | None:
        if not isinstance(payload, Mapping):
            return None
        code = scalar_text(payload.get("responseCode"))
        if code is None or set(code) <= {"0"}:  # "000" (or 0 sent as a number) is success
            return None
        if not (code.isascii() and code.isdigit()):
            # Not one of Geidea's numeric codes: neither a success nor a readable refusal.
            # The parser decides (a delete's acknowledgement then reads as unreadable).
            return None
        return self.read_error(payload)


# "$.customer.email", "EInvoiceDetails.EInvoiceItems[0].Price", "Amount": a bound model path.
_MODEL_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[\d+\])*(\.[A-Za-z_][A-Za-z0-9_]*(\[\d+\])*)*$")
#: At most this many field problems are shown; the rest are counted.
_MAX_PROBLEMS = 10


def _wire_field(key: str) -> str | None:
    """A problem-details key as the wire field the desk names ("customer.email"), or None."""
    path = key.strip()
    if path.startswith("$"):
        path = path[1:].lstrip(".")
    if not path or not _MODEL_PATH.match(path):
        return None
    # .NET names bound properties in PascalCase; the wire (and the desk's messages) in camelCase.
    return ".".join(part[:1].lower() + part[1:] for part in path.split("."))


def _messages(value: Any) -> list[str]:
    items = value if isinstance(value, list | tuple) else [value]
    texts = [scalar_text(item) for item in items]
    # "; " separates problems in the desk's messages, so it may not appear inside one.
    return [text.replace("; ", ", ") for text in texts if text]


def problem_details_message(payload: Mapping[str, Any]) -> str | None:
    """A readable reason from an ASP.NET problem-details body, or None when it is not one.

    ``{"title": "One or more validation errors occurred.", "status": 400, "traceId": "00-..",
    "errors": {"Amount": ["The field Amount must be between 0.01 and ..."]}}`` becomes
    ``"amount: The field Amount must be between 0.01 and ..."``; several fields are joined
    with "; ". Errors not tied to a field (key "" or "$") follow the title.
    """
    title = scalar_text(payload.get("title"))
    errors = payload.get("errors")
    fielded: list[str] = []
    loose: list[str] = []
    if isinstance(errors, Mapping):
        for key, value in errors.items():
            texts = _messages(value)
            if not texts:
                continue
            name = _wire_field(str(key))
            if name is None:
                loose.extend(texts)
            else:
                fielded.append(f"{name}: {' '.join(texts)}")
    elif isinstance(errors, list | tuple):
        loose.extend(_messages(errors))
    if len(fielded) > _MAX_PROBLEMS:
        extra = len(fielded) - _MAX_PROBLEMS
        fielded = fielded[:_MAX_PROBLEMS]
        loose.append(f"and {extra} more field problem{'s' if extra > 1 else ''}")
    if fielded and not loose:
        return "; ".join(fielded)
    parts = [text.rstrip(".") for text in (title, *loose) if text]
    head = ""
    if parts:
        head = parts[0] + (": " + ", ".join(parts[1:]) if len(parts) > 1 else "")
    if fielded:
        return f"{head} ({'; '.join(fielded)})" if head else "; ".join(fielded)
    return head or None


def default_timestamp() -> str:
    """Now, in UTC, as ISO 8601 to the second ("2024-03-18T12:41:39Z")."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class GeideaClient:
    """One Geidea merchant. Thread-safe: share one instance between worker threads."""

    def __init__(
        self,
        base_url: str,
        public_key: str,
        api_password: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: Timeouts | float | None = None,
        retry: RetryPolicy | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        password = check_secret(api_password, "API password")
        self.public_key = str(public_key).strip()
        if not self.public_key:
            raise ValueError("the merchant public key is required")
        # Keyed once: signing keeps no copy of the password (the session keeps one, only to
        # scrub it from gateway text, and httpx keeps the Basic header).
        self._signer = hmac.new(password.encode("utf-8"), digestmod=hashlib.sha256)
        basic = f"{self.public_key}:{password}"
        self._session = HttpSession(
            base_url,
            dialect=GeideaDialect(),
            auth=httpx.BasicAuth(self.public_key, password),
            secrets=(
                password,
                api_password,
                basic,
                base64.b64encode(basic.encode("utf-8")).decode("ascii"),
            ),
            transport=transport,
            timeouts=timeouts_from(timeout),
            retry=retry,
            max_body_bytes=max_body_bytes,
        )

    def __repr__(self) -> str:
        return f"GeideaClient(public_key={self.public_key!r})"

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> GeideaClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- mutating

    def create(
        self, payload: JsonObject, *, cancel: threading.Event | None = None
    ) -> PaymentIntent:
        """POST .../eInvoice: a standard payment invoice. Never retried."""
        return self._call("POST", "", "create the invoice", True, payload, cancel)

    def quick_create(
        self,
        amount: Decimal,
        currency: str,
        customer: JsonObject,
        merchant_reference_id: str,
        *,
        timestamp: str | None = None,
        expiry_date: str | None = None,
        callback_url: str | None = None,
        cancel: threading.Event | None = None,
    ) -> PaymentIntent:
        """POST .../eInvoice/quick, signed with the API password. Never retried."""
        stamp = timestamp or default_timestamp()
        code = currency.strip().upper()
        try:
            # Refused here, never signed and sent: 0, negatives, floats, 20.005, "1,000.00".
            value = quick_invoice_amount(amount, code)
            signature = quick_invoice_signature(
                self.public_key, value, code, merchant_reference_id, stamp, self._signer
            )
        except ValidationError as exc:
            raise _refused_locally(exc) from None
        body: dict[str, Any] = {
            "amount": value,
            "currency": code,
            "customer": dict(customer),
            "merchantReferenceId": merchant_reference_id,
            "timestamp": stamp,
            "signature": signature,
        }
        if expiry_date is not None:
            body["expiryDate"] = expiry_date
        if callback_url is not None:
            body["callbackUrl"] = callback_url
        return self._call("POST", "/quick", "create the quick invoice", True, body, cancel)

    def update(
        self, payload: JsonObject, *, cancel: threading.Event | None = None
    ) -> PaymentIntent:
        """PUT .../eInvoice (payload carries ``paymentIntentId``; only while not paid)."""
        if (
            not isinstance(payload, Mapping)
            or not str(payload.get("paymentIntentId") or "").strip()
        ):
            raise ValueError("payload must carry paymentIntentId")
        return self._call("PUT", "", "update the invoice", True, payload, cancel)

    def delete(self, payment_intent_id: str, *, cancel: threading.Event | None = None) -> str:
        """DELETE .../eInvoice/{id} (only in Created); returns Geidea's confirmation."""
        ack = self._session.call(
            "DELETE",
            f"{EINVOICE_PATH}/{_path(payment_intent_id)}",
            operation="delete the invoice",
            mutating=True,
            parse=GeideaAck.from_wire,
            cancel=cancel,
        )
        return ack.detailed_response_message or ack.response_message or "Deleted"

    def send_by_email(
        self, payment_intent_id: str, *, cancel: threading.Event | None = None
    ) -> PaymentIntent:
        """POST .../eInvoice/{id}/SendByEmail. Never retried."""
        path = f"/{_path(payment_intent_id)}/SendByEmail"
        return self._call("POST", path, "e-mail the invoice", True, None, cancel)

    def send_by_sms(
        self, payment_intent_id: str, *, cancel: threading.Event | None = None
    ) -> PaymentIntent:
        """POST .../eInvoice/{id}/sendBySms. Never retried."""
        path = f"/{_path(payment_intent_id)}/sendBySms"
        return self._call("POST", path, "send the invoice by SMS", True, None, cancel)

    # ---------------------------------------------------------------- reads

    def fetch(
        self, payment_intent_id: str, *, cancel: threading.Event | None = None
    ) -> PaymentIntent:
        """GET .../eInvoice/{id}."""
        path = f"/{_path(payment_intent_id)}"
        return self._call("GET", path, "fetch the invoice", False, None, cancel)

    def search(
        self,
        *,
        status: str | None = None,
        currency: str | None = None,
        merchant_reference_id: str | None = None,
        page_number: int | None = None,
        page_size: int | None = None,
        cancel: threading.Event | None = None,
    ) -> SearchPage:
        """GET .../eInvoice?status=&currency=&merchantReferenceId=&pageNumber=&pageSize=."""
        params: dict[str, str] = {}
        for name, value in (
            ("status", status),
            ("currency", currency.upper() if currency else None),
            ("merchantReferenceId", merchant_reference_id),
            ("pageNumber", page_number),
            ("pageSize", page_size),
        ):
            if value is not None:
                params[name] = str(value)
        return self._session.call(
            "GET",
            EINVOICE_PATH,
            operation="search the invoices",
            mutating=False,
            params=params,
            parse=lambda p: SearchPage.from_wire(p, page_number, page_size),
            cancel=cancel,
        )

    # ---------------------------------------------------------------- helpers

    def _call(
        self,
        method: str,
        suffix: str,
        operation: str,
        mutating: bool,
        body: JsonObject | None,
        cancel: threading.Event | None,
    ) -> PaymentIntent:
        if body is not None and not isinstance(body, Mapping):
            raise TypeError("payload must be a mapping")
        kwargs: dict[str, Any] = {} if body is None else {"body": dict(body)}
        return self._session.call(
            method,
            EINVOICE_PATH + suffix,
            operation=operation,
            mutating=mutating,
            parse=PaymentIntent.from_wire,
            cancel=cancel,
            **kwargs,
        )


def _refused_locally(exc: ValidationError) -> FieldRefused:
    problems = tuple((v.field, v.rule) for v in exc.violations)
    return FieldRefused(*problems[0], problems=problems, detail="refused before sending")


def _path(payment_intent_id: str) -> str:
    return path_segment(payment_intent_id, "paymentIntentId")
