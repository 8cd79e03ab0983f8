"""Client for ClickPay and every PayTabs PT2 region: invoices, payments, agreements, payouts.

Payloads come from ``core`` as plain mappings; the client only adds ``profile_id`` (and
``account_id`` for payouts) and serialises ``Decimal`` amounts exactly. Which calls may be
retried is decided here, per method: only reads (``invoice_status*``, ``find_*``,
``query_transaction``, ``payout_query*``) ever are. Every other method is sent once; if it fails
after the request may have left, it raises ``OutcomeUnknown`` and the caller reconciles with the
matching find/query method before sending again.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from typing import Any

import httpx

from clickpay_desk.core import jsonwire

from .errors import BrokenResponse, Declined, FieldRefused, NotFound, RequestRefused
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
from .models import (
    ENTRY_QUERY_STATUSES,
    Acknowledgement,
    InvoiceCreated,
    InvoiceStatus,
    PaymentRequestCreated,
    PayoutBatch,
    PayoutEntry,
    Transaction,
    TranStatus,
)
from .wirefields import Fields, invalid, scalar_text


class Pt2Dialect:
    """How PT2 words errors: ``{"code": <int>, "message": <str>, "trace": <str>}``."""

    gateway_name = "ClickPay"
    credential_name = "server key"

    def __init__(self, gateway_name: str = "ClickPay") -> None:
        self.gateway_name = gateway_name

    def read_error(self, payload: Any) -> ErrorBody:
        if not isinstance(payload, Mapping):
            return ErrorBody()
        code = scalar_text(payload.get("code"))
        return ErrorBody(
            message=scalar_text(payload.get("message")),
            trace=scalar_text(payload.get("trace")),
            code=code,
            auth_failure=code == "1",
            from_gateway="message" in payload or "code" in payload,
            # The PayTabs PHP SDK maps code 4 with "Duplicate Request" (HTTP 409) to a duplicate.
            duplicate="duplicate request" in (scalar_text(payload.get("message")) or "").lower(),
        )

    def refusal_in_success(self, payload: Any) -> ErrorBody | None:
        # Some PT2 front ends answer a refusal with HTTP 200 and the error body; a success body
        # never carries a numeric "code" next to a "message".
        if (
            isinstance(payload, Mapping)
            and isinstance(payload.get("code"), int)
            and not isinstance(payload.get("code"), bool)
            and payload.get("code") not in (0, 200)
            and isinstance(payload.get("message"), str)
        ):
            return self.read_error(payload)
        return None


def _wire_id(value: str | int) -> int | str:
    """Ids go out as numbers when they are numbers (PT2 documents profile_id as INT)."""
    text = str(value).strip()
    return int(text) if text.isdigit() and len(text) < 19 else text


#: The bound on a payout batch answer, which lists the batch's entries: 100,000 of them
#: (``MAX_COUNT``, about 250 bytes each) must fit, or a big batch's add and query answers could
#: never be read and its submission would stop as "outcome unknown". Other answers keep the
#: session's bound (``max_body_bytes``).
PAYOUT_MAX_BODY_BYTES = 64 * 1024 * 1024


class ClickPayClient:
    """One PT2 merchant profile. Thread-safe: share one instance between worker threads."""

    def __init__(
        self,
        base_url: str,
        profile_id: str | int,
        server_key: str,
        *,
        account_id: str | int | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: Timeouts | float | None = None,
        retry: RetryPolicy | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
        payout_max_body_bytes: int = PAYOUT_MAX_BODY_BYTES,
        gateway_name: str = "ClickPay",
    ) -> None:
        key = check_secret(server_key, "server key")
        self.profile_id = str(profile_id).strip()
        self.account_id = None if account_id is None else str(account_id).strip() or None
        self._payout_max_body = payout_max_body_bytes
        self._session = HttpSession(
            base_url,
            dialect=Pt2Dialect(gateway_name),
            headers={"authorization": key},
            secrets=(key, server_key),
            transport=transport,
            timeouts=timeouts_from(timeout),
            retry=retry,
            max_body_bytes=max_body_bytes,
        )

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> ClickPayClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- invoices

    def create_invoice(
        self, payload: JsonObject, *, cancel: threading.Event | None = None
    ) -> InvoiceCreated:
        """POST /payment/new/invoice. Never retried."""
        return self._session.call(
            "POST",
            "/payment/new/invoice",
            operation="create the invoice",
            mutating=True,
            body=self._with_profile(payload),
            parse=InvoiceCreated.from_wire,
            cancel=cancel,
        )

    def invoice_status(
        self, invoice_id: str | int, *, cancel: threading.Event | None = None
    ) -> InvoiceStatus:
        """GET /payment/invoice/{id}/status."""
        wanted = positive_id(invoice_id, "invoice_id")
        return self._session.call(
            "GET",
            f"/payment/invoice/{path_segment(invoice_id)}/status",
            operation="check the invoice status",
            mutating=False,
            parse=lambda p: InvoiceStatus.from_wire(p, wanted),
            cancel=cancel,
        )

    def invoice_status_post(
        self, invoice_id: str | int, *, cancel: threading.Event | None = None
    ) -> InvoiceStatus:
        """POST /payment/invoice/status with ``invoice_id``."""
        wanted = positive_id(invoice_id, "invoice_id")
        return self._session.call(
            "POST",
            "/payment/invoice/status",
            operation="check the invoice status",
            mutating=False,
            body={"profile_id": _wire_id(self.profile_id), "invoice_id": _wire_id(wanted)},
            parse=lambda p: InvoiceStatus.from_wire(p, wanted),
            cancel=cancel,
        )

    def find_invoice_by_cart_id(
        self, cart_id: str, *, cancel: threading.Event | None = None
    ) -> InvoiceStatus | None:
        """The invoice the gateway reports for ``cart_id``, or None when it reports none.

        Not in the references (they document POST /payment/invoice/status by ``invoice_id``
        only): a hint, never proof. "None" proves nothing, and a hit is the same invoice only
        when the answer carries the same ``cart_id`` (``InvoiceStatus.cart_id``). The answer
        must name the invoice_id.
        """
        if not str(cart_id).strip():
            raise ValueError("cart_id is required")

        def parse(payload: Any) -> InvoiceStatus:
            status = InvoiceStatus.from_wire(payload)
            if status.invoice_id is None:
                Fields(payload).id("invoice_id")  # raises BrokenResponse naming the field
            return status

        try:
            return self._session.call(
                "POST",
                "/payment/invoice/status",
                operation="look up the invoice by cart id",
                mutating=False,
                body={"profile_id": _wire_id(self.profile_id), "cart_id": cart_id},
                parse=parse,
                cancel=cancel,
            )
        except NotFound:
            return None

    def cancel_invoice(
        self, invoice_id: str | int, *, cancel: threading.Event | None = None
    ) -> str:
        """PUT /payment/invoice/{id}/cancel; returns the gateway's confirmation. Never retried."""
        wanted = positive_id(invoice_id, "invoice_id")
        ack = self._session.call(
            "PUT",
            f"/payment/invoice/{path_segment(wanted)}/cancel",
            operation="cancel the invoice",
            mutating=True,
            parse=_invoice_cancelled,
            cancel=cancel,
        )
        assert ack.message is not None
        return ack.message

    # ---------------------------------------------------------------- payments, agreements

    def payment_request(
        self, payload: JsonObject, *, cancel: threading.Event | None = None
    ) -> PaymentRequestCreated:
        """POST /payment/request (hosted page, or with an ``agreement`` object). Never retried.

        Raises ``Declined`` when the gateway processed the payment at once (own form, no 3-D
        Secure) and declined it.
        """
        return self._session.call(
            "POST",
            "/payment/request",
            operation="send the payment request",
            mutating=True,
            body=self._with_profile(payload),
            parse=_payment_request_result,
            cancel=cancel,
        )

    def query_transaction(
        self,
        *,
        tran_ref: str | None = None,
        cart_id: str | None = None,
        cancel: threading.Event | None = None,
    ) -> Transaction:
        """POST /payment/query by ``tran_ref`` or by ``cart_id`` (exactly one).

        By ``tran_ref`` (documented) the answer is one transaction. By ``cart_id`` a gateway may
        answer one object or a JSON array of the cart's transactions, in an order nobody
        promises: the newest by ``transaction_time`` is returned. A "not found" by cart_id is
        no proof that nothing was sent.
        """
        if (tran_ref is None) == (cart_id is None):
            raise ValueError("give exactly one of tran_ref or cart_id")
        body: dict[str, Any] = {"profile_id": _wire_id(self.profile_id)}
        if tran_ref is not None:
            body["tran_ref"] = tran_ref
        else:
            body["cart_id"] = cart_id
        return self._session.call(
            "POST",
            "/payment/query",
            operation="look up the transaction",
            mutating=False,
            body=body,
            parse=_transaction_result,
            cancel=cancel,
        )

    def cart_transactions(
        self, cart_id: str, *, cancel: threading.Event | None = None
    ) -> list[Transaction]:
        """Every transaction the gateway lists for ``cart_id`` (``POST /payment/query`` by
        cart_id: a JSON array, or one object), in the answer's order. Not a documented read:
        what it lists is a hint, and "not found" (an empty list here) proves nothing."""

        def parse(payload: Any) -> list[Transaction]:
            items = payload if isinstance(payload, list) else [payload]
            if not all(isinstance(item, Mapping) for item in items):
                raise invalid("transactions")
            return [Transaction.from_wire(item) for item in items]

        try:
            return self._session.call(
                "POST",
                "/payment/query",
                operation="list the cart's transactions",
                mutating=False,
                body={"profile_id": _wire_id(self.profile_id), "cart_id": cart_id},
                parse=parse,
                cancel=cancel,
            )
        except NotFound:
            return []

    def cancel_agreement(
        self, agreement_id: str | int, *, cancel: threading.Event | None = None
    ) -> str:
        """POST /payment/agreement/cancel; returns the gateway's confirmation. Never retried."""
        ack = self.cancel_agreement_ack(agreement_id, cancel=cancel)
        return ack.message or "Agreement has been cancelled"

    def cancel_agreement_ack(
        self, agreement_id: str | int, *, cancel: threading.Event | None = None
    ) -> Acknowledgement:
        """:meth:`cancel_agreement`, answering the whole confirmation (message and trace)."""
        agreement_id = positive_id(agreement_id, "agreement_id")

        def parse(payload: Any) -> Acknowledgement:
            # Only the gateway's positive answer ("status": "success") counts; a refusal says
            # so; anything else (an empty {} or a stranger's body) confirms nothing.
            ack = Acknowledgement.from_wire(payload)
            if ack.status is not None and ack.status.lower() != "success":
                raise RequestRefused(
                    f"ClickPay did not cancel the agreement: {ack.message or ack.status}",
                    trace=ack.trace,
                )
            if ack.status is None:
                raise BrokenResponse("the answer does not say the agreement was cancelled")
            return ack

        return self._session.call(
            "POST",
            "/payment/agreement/cancel",
            operation="cancel the agreement",
            mutating=True,
            body={"profile_id": _wire_id(self.profile_id), "agreement_id": _wire_id(agreement_id)},
            parse=parse,
            cancel=cancel,
        )

    # ---------------------------------------------------------------- payouts

    def payout_new(
        self,
        order_id: str,
        requests: Sequence[JsonObject],
        *,
        cancel: threading.Event | None = None,
    ) -> PayoutBatch:
        """POST /payout/batch/new. Never retried; reconcile with ``payout_find_by_order``.

        The answer's ``requests`` are the entries created with the batch (see
        ``PayoutBatch.from_wire_appended``)."""
        body = self._payout_body(order_id=order_id, requests=list(requests))
        appended = len(body["requests"])
        return self._session.call(
            "POST",
            "/payout/batch/new",
            max_body_bytes=self._payout_max_body,
            operation="create the payout batch",
            mutating=True,
            body=body,
            parse=lambda p: PayoutBatch.from_wire_appended(p, appended),
            decode=partial(jsonwire.loads_tail, key="requests", keep=appended),
            cancel=cancel,
        )

    def payout_add(
        self,
        batch_id: str | int,
        order_id: str,
        requests: Sequence[JsonObject],
        *,
        cancel: threading.Event | None = None,
    ) -> PayoutBatch:
        """POST /payout/batch/add. Never retried; reconcile with ``payout_query``.

        The answer lists the whole batch; only its batch fields and its last ``len(requests)``
        entries (the ones this add appended) are decoded (``jsonwire.loads_tail``) and read
        (``PayoutBatch.from_wire_appended``): decoding every entry of every answer made a chunked
        submission cost the square of the batch's size."""
        body = self._payout_body(batch_id=batch_id, order_id=order_id, requests=list(requests))
        appended = len(body["requests"])
        return self._session.call(
            "POST",
            "/payout/batch/add",
            max_body_bytes=self._payout_max_body,
            operation="add transfers to the payout batch",
            mutating=True,
            body=body,
            parse=lambda p: PayoutBatch.from_wire_appended(p, appended),
            decode=partial(jsonwire.loads_tail, key="requests", keep=appended),
            cancel=cancel,
        )

    def payout_close(
        self,
        batch_id: str | int,
        count: int,
        total: Decimal,
        *,
        cancel: threading.Event | None = None,
    ) -> PayoutBatch:
        """POST /payout/batch/close: submit the batch for approval. Never retried."""
        if isinstance(total, float) or not isinstance(total, Decimal | int):
            raise TypeError("total must be a Decimal")
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_COUNT:
            raise FieldRefused(
                "count", f"must be a whole number from 0 to {MAX_COUNT}; nothing was sent"
            )
        if not Decimal(total).is_finite() or Decimal(total) < 0:
            raise FieldRefused("total", "must be zero or more; nothing was sent")
        body = self._payout_body(batch_id=batch_id, count=int(count), total=total)
        return self._session.call(
            "POST",
            "/payout/batch/close",
            max_body_bytes=self._payout_max_body,
            operation="close the payout batch",
            mutating=True,
            body=body,
            parse=PayoutBatch.from_wire,
            cancel=cancel,
        )

    def payout_query(
        self, batch_id: str | int, *, cancel: threading.Event | None = None
    ) -> PayoutBatch:
        """POST /payout/batch/query: the batch with all its requests."""
        return self._session.call(
            "POST",
            "/payout/batch/query",
            max_body_bytes=self._payout_max_body,
            operation="check the payout batch",
            mutating=False,
            body=self._payout_body(batch_id=batch_id),
            parse=PayoutBatch.from_wire,
            cancel=cancel,
        )

    def payout_query_entry(
        self, batch_id: str | int, entry_id: str | int, *, cancel: threading.Event | None = None
    ) -> PayoutEntry:
        """POST /payout/batch/query with ``entry_id``: one transfer request."""
        return self._session.call(
            "POST",
            "/payout/batch/query",
            max_body_bytes=self._payout_max_body,
            operation="check the payout transfer",
            mutating=False,
            body=self._payout_body(
                batch_id=batch_id, entry_id=_wire_id(positive_id(entry_id, "entry_id"))
            ),
            parse=PayoutEntry.from_wire,
            cancel=cancel,
        )

    def payout_query_status(
        self, batch_id: str | int, status: str, *, cancel: threading.Event | None = None
    ) -> PayoutBatch:
        """POST /payout/batch/query/{status}: the batch with only the requests in ``status``."""
        wanted = status.strip().lower()
        if wanted not in ENTRY_QUERY_STATUSES:
            raise ValueError(f"status must be one of {', '.join(ENTRY_QUERY_STATUSES)}")
        return self._session.call(
            "POST",
            f"/payout/batch/query/{wanted}",
            max_body_bytes=self._payout_max_body,
            operation="check the payout batch",
            mutating=False,
            body=self._payout_body(batch_id=batch_id),
            parse=PayoutBatch.from_wire,
            cancel=cancel,
        )

    def payout_find_by_order(
        self, order_id: str, *, cancel: threading.Event | None = None
    ) -> PayoutBatch | None:
        """The batch created with ``order_id``, or None (our documented extension of
        /payout/batch/query, for reconciling a batch/new whose outcome is unknown)."""
        if not str(order_id).strip():
            raise ValueError("order_id is required")
        try:
            return self._session.call(
                "POST",
                "/payout/batch/query",
                max_body_bytes=self._payout_max_body,
                operation="look up the payout batch by order id",
                mutating=False,
                body=self._payout_body(order_id=order_id),
                parse=PayoutBatch.from_wire,
                cancel=cancel,
            )
        except NotFound:
            return None

    # ---------------------------------------------------------------- helpers

    def _with_profile(self, payload: JsonObject) -> dict[str, Any]:
        if not isinstance(payload, Mapping):
            raise TypeError("payload must be a mapping")
        body = dict(payload)
        body["profile_id"] = _wire_id(self.profile_id)
        return body

    def _payout_body(self, **fields: Any) -> dict[str, Any]:
        if self.account_id is None:
            raise FieldRefused(
                "account_id",
                "the payout account id is not set in this profile; nothing was sent",
            )
        body: dict[str, Any] = {}
        if "batch_id" in fields:
            body["batch_id"] = _wire_id(positive_id(fields.pop("batch_id"), "batch_id"))
        body["profile_id"] = _wire_id(self.profile_id)
        body["account_id"] = _wire_id(self.account_id)
        body.update(fields)
        return body


def _payment_request_result(payload: Any) -> PaymentRequestCreated:
    created = PaymentRequestCreated.from_wire(payload)
    result = created.payment_result
    if (
        created.redirect_url is None
        and result is not None
        and result.response_status in (TranStatus.DECLINED, TranStatus.ERROR)
    ):
        raise Declined(
            "The payment was declined"
            + (f" ({result.response_message})." if result.response_message else ".")
            + " Nothing was charged; the customer can try another card.",
            tran_ref=created.tran_ref,
            response_status=result.response_status,
            response_code=result.response_code,
            trace=created.trace,
        )
    return created


def _transaction_result(payload: Any) -> Transaction:
    # A query by cart_id may list every attempt for the cart; the latest is what counts.
    if isinstance(payload, list):
        if not payload:
            raise NotFound("ClickPay has no transaction for that cart id.")
        if not all(isinstance(item, Mapping) for item in payload):
            raise invalid("transactions")
        return newest([Transaction.from_wire(item) for item in payload])
    return Transaction.from_wire(payload)


def newest(transactions: Sequence[Transaction]) -> Transaction:
    """The transaction with the latest ``transaction_time``; one without a readable time counts
    as older than any with one. Position in the answer means nothing."""
    floor = datetime.min.replace(tzinfo=UTC)
    return max(transactions, key=lambda t: t.time or floor)


#: More entries than any payout batch can hold: a count beyond it is a mistake, not a batch.
MAX_COUNT = 100_000


def positive_id(value: str | int, field: str) -> str:
    """A PT2 id (invoice, agreement, batch, entry): a positive whole number, as text. Anything
    else is refused here, before it is sent (PT2 issues no negative or zero ids)."""
    text = str(value).strip() if not isinstance(value, bool) else ""
    if not text.isdigit() or not text.isascii() or int(text) <= 0 or len(text) > 19:
        raise FieldRefused(field, "must be a positive whole number; nothing was sent")
    return text


def _invoice_cancelled(payload: Any) -> Acknowledgement:
    """Only ClickPay's own words ("Invoice has been cancelled") confirm a cancel; an empty or
    unrelated answer confirms nothing and leaves the outcome unknown."""
    ack = Acknowledgement.from_wire(payload)
    said = (ack.message or "").lower()
    if "cancel" not in said or any(word in said for word in ("fail", "not ", "cannot", "unable")):
        raise BrokenResponse("the answer does not say the invoice was cancelled")
    return ack
