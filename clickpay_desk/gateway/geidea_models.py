"""Typed answers of Geidea's Pay-by-Invoice (eInvoice) API.

Same approach as ``models``: frozen dataclasses and tolerant hand-written parsers over JSON read
with ``parse_float=Decimal`` (Geidea documents its amounts as ``double``; going through float
would lose digits), mandatory fields (``paymentIntentId``, ``status``) enforced by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..core.statuses import GeideaStatus
from .wirefields import Fields, canonical, invalid, missing, scalar_text

#: A payment intent's ``status``: Geidea's whole vocabulary, kept in ``core.statuses``.
IntentStatus = GeideaStatus

_INTENT_STATUSES = {s.value.lower(): s.value for s in GeideaStatus} | {
    "canceled": GeideaStatus.CANCELLED.value
}


@dataclass(frozen=True)
class GeideaCustomer:
    customer_id: str | None = None
    name: str | None = None
    email: str | None = None
    phone_country_code: str | None = None
    phone_number: str | None = None

    @classmethod
    def from_fields(cls, f: Fields) -> GeideaCustomer:
        return cls(
            customer_id=f.opt_id("customerId"),
            name=f.opt_text("name"),
            email=f.opt_text("email"),
            phone_country_code=f.opt_text("phoneCountryCode"),
            phone_number=f.opt_text("phoneNumber"),
        )


@dataclass(frozen=True)
class GeideaItem:
    item_id: str | None = None
    description: str | None = None
    sku: str | None = None
    price: Decimal | None = None
    quantity: Decimal | None = None
    total: Decimal | None = None

    @classmethod
    def from_fields(cls, f: Fields) -> GeideaItem:
        return cls(
            item_id=f.opt_id("eInvoiceItemId"),
            description=f.opt_text("description"),
            sku=f.opt_text("sku"),
            price=f.opt_amount("price"),
            quantity=f.opt_amount("quantity"),
            total=f.opt_amount("total"),
        )


@dataclass(frozen=True)
class SentLink:
    """One delivery of the invoice (``eInvoiceSentLinks``)."""

    channel: str | None = None
    recipient: str | None = None
    sent_date: str | None = None

    @classmethod
    def from_fields(cls, f: Fields) -> SentLink:
        return cls(
            channel=f.opt_text("channel"),
            recipient=f.opt_text("recipient"),
            sent_date=f.opt_text("sentDate"),
        )


@dataclass(frozen=True)
class PaymentIntent:
    """A Geidea payment invoice. ``status`` is an ``IntentStatus`` value when known."""

    payment_intent_id: str
    status: str
    invoice_id: str | None = None
    number: str | None = None
    url_slug: str | None = None
    link: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    merchant_reference_id: str | None = None
    customer: GeideaCustomer | None = None
    items: tuple[GeideaItem, ...] = ()
    subtotal: Decimal | None = None
    grand_total: Decimal | None = None
    expiry_date: str | None = None
    activation_date: str | None = None
    created_date: str | None = None
    updated_date: str | None = None
    is_pending: bool | None = None
    sent_links: tuple[SentLink, ...] = ()

    @classmethod
    def from_wire(cls, payload: Any) -> PaymentIntent:
        """Parse ``{"paymentIntent": {...}, "responseCode": "000", ...}``."""
        outer = Fields(payload)
        inner = outer.opt_object("paymentIntent")
        if inner is None:
            raise missing("paymentIntent")
        return cls.from_fields(inner)

    @classmethod
    def from_fields(cls, f: Fields) -> PaymentIntent:
        details = f.opt_object("eInvoiceDetails")
        customer = f.opt_object("customer")
        status = canonical(f.text("status"), _INTENT_STATUSES)
        assert status is not None
        currency = f.opt_text("currency")
        reference = f.opt_text("merchantReferenceId")
        if reference is None and details is not None:
            reference = details.opt_text("merchantReferenceId")
        return cls(
            payment_intent_id=f.id("paymentIntentId"),
            status=status,
            invoice_id=f.opt_id("invoiceId"),
            number=f.opt_id("number"),
            url_slug=f.opt_text("urlSlug"),
            link=f.opt_text("link"),
            amount=f.opt_amount("amount"),
            currency=currency.upper() if currency else None,
            merchant_reference_id=reference,
            customer=GeideaCustomer.from_fields(customer) if customer else None,
            items=tuple(GeideaItem.from_fields(i) for i in details.objects("eInvoiceItems"))
            if details
            else (),
            subtotal=details.opt_amount("subtotal") if details else None,
            grand_total=details.opt_amount("grandTotal") if details else None,
            expiry_date=f.opt_text("expiryDate"),
            activation_date=f.opt_text("activationDate"),
            created_date=f.opt_text("createdDate"),
            updated_date=f.opt_text("updatedDate"),
            is_pending=f.opt_bool("isPending"),
            sent_links=tuple(SentLink.from_fields(s) for s in f.objects("eInvoiceSentLinks")),
        )


@dataclass(frozen=True)
class SearchPage:
    """One page of ``GET .../eInvoice?...`` results."""

    intents: tuple[PaymentIntent, ...]
    total_count: int
    page_number: int | None = None
    page_size: int | None = None

    @classmethod
    def from_wire(
        cls, payload: Any, page_number: int | None = None, page_size: int | None = None
    ) -> SearchPage:
        f = Fields(payload)
        if f.raw("paymentIntents") is None:
            raise missing("paymentIntents")
        intents = tuple(PaymentIntent.from_fields(i) for i in f.objects("paymentIntents"))
        total = f.opt_int("totalCount")
        return cls(
            intents=intents,
            total_count=len(intents) if total is None else total,
            page_number=f.opt_int("pageNumber") or page_number,
            page_size=f.opt_int("pageSize") or page_size,
        )


#: Geidea's success code. A refusal carries another code (the client raises it as a refusal).
SUCCESS_CODE = "000"


@dataclass(frozen=True)
class GeideaAck:
    """A bare success answer (delete).

    Only ``responseCode`` "000" is a success. An answer without it (``{}``, a body of another
    shape) says nothing about what happened: it is unreadable, and a mutating call that gets
    it ends as an unknown outcome to reconcile, never as done.
    """

    response_code: str
    response_message: str | None = None
    detailed_response_message: str | None = None

    @classmethod
    def from_wire(cls, payload: Any) -> GeideaAck:
        f = Fields(payload)
        code = scalar_text(f.raw("responseCode"))
        if code is None:
            raise missing("responseCode")
        if not set(code) <= {"0"}:  # "000", or 0 sent as a number
            raise invalid("responseCode")
        return cls(
            response_code=SUCCESS_CODE,
            response_message=f.opt_text("responseMessage"),
            detailed_response_message=f.opt_text("detailedResponseMessage"),
        )
