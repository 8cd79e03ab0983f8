"""Typed answers of the ClickPay / PayTabs PT2 API: invoices, transactions, payouts.

Frozen dataclasses with hand-written parsers (``from_wire``), not a validation library: the
libraries we tried convert JSON numbers through ``float`` before we can see them (9.95 becomes
9.9499999...), and they are either too strict for real traffic (ids arrive as numbers in one
sample and strings in the next, statuses in any case, amounts as "9.50" or 9.5) or too loose to
name the one missing field. The parsers here read the body produced by ``json.loads(...,
parse_float=Decimal)``, normalise ids to ``str``, amounts to ``Decimal`` and status words to
their canonical spelling, ignore fields they do not know, and raise ``BrokenResponse`` naming
the field when a mandatory one (``invoice_id``, ``tran_ref``, ``batch_id``...) is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from ..core.statuses import INVOICE_SETTLED
from ..core.statuses import InvoiceStatus as InvoiceStatusWord
from ..core.statuses import TranStatus as CoreTranStatus
from .wirefields import Fields, canonical, invalid

#: ``invoice_status`` of a PT2 invoice, and ``payment_result.response_status`` (and
#: ``tran_status``) of a transaction: the whole vocabulary (overdue, refunded, failed; X, C too)
#: lives in ``core.statuses`` with words for each.
InvoiceState = InvoiceStatusWord
TranStatus = CoreTranStatus

_INVOICE_STATES = {s.value: s.value for s in InvoiceState} | {"canceled": "cancelled"}
_TRAN_STATUSES = {s.value.lower(): s.value for s in TranStatus}


class BatchStatus(StrEnum):
    NEW = "New"
    PENDING = "Pending"
    PROCESSING = "Processing"
    COMPLETED = "Completed"


_BATCH_STATUSES = {s.value.lower(): s.value for s in BatchStatus}


class EntryStatus(StrEnum):
    PENDING = "Pending"
    PROCESSED = "Processed"
    PAID = "Paid"
    FAILED = "Failed"
    REJECTED = "Rejected"


_ENTRY_STATUSES = {s.value.lower(): s.value for s in EntryStatus}

#: Statuses accepted by ``/payout/batch/query/{status}``.
ENTRY_QUERY_STATUSES = ("pending", "paid", "processed", "failed", "rejected")


@dataclass(frozen=True)
class InvoiceCreated:
    """Answer of ``POST /payment/new/invoice``."""

    invoice_id: str
    invoice_link: str

    @classmethod
    def from_wire(cls, payload: Any) -> InvoiceCreated:
        f = Fields(payload)
        return cls(
            invoice_id=f.id("invoice_id"), invoice_link=f.text("invoice_link", "invoice_url")
        )


@dataclass(frozen=True)
class InvoiceStatus:
    """Answer of the invoice status queries. ``status`` is an ``InvoiceState`` value when known."""

    status: str
    invoice_id: str | None = None
    tran_ref: str | None = None
    tran_status: str | None = None
    tran_status_msg: str | None = None
    #: The merchant reference, when the answer carries it (the documented reads do not).
    cart_id: str | None = None

    @property
    def is_paid(self) -> bool:
        return self.status == InvoiceState.PAID

    @property
    def is_final(self) -> bool:
        """Paid, cancelled, expired or refunded: the status will not change any more."""
        return self.status in INVOICE_SETTLED

    @classmethod
    def from_wire(cls, payload: Any, invoice_id: str | None = None) -> InvoiceStatus:
        f = Fields(payload)
        status = canonical(f.text("invoice_status").lower(), _INVOICE_STATES)
        assert status is not None
        return cls(
            status=status,
            invoice_id=f.opt_id("invoice_id") or invoice_id,
            tran_ref=f.opt_text("tran_ref"),
            tran_status=canonical(f.opt_text("tran_status"), _TRAN_STATUSES),
            tran_status_msg=f.opt_text("tran_status_msg"),
            cart_id=f.opt_text("cart_id"),
        )


@dataclass(frozen=True)
class CustomerDetails:
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    street1: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    zip: str | None = None
    ip: str | None = None

    @classmethod
    def from_fields(cls, f: Fields) -> CustomerDetails:
        return cls(
            **{name: f.opt_text(name) for name in cls.__dataclass_fields__}  # all optional text
        )


@dataclass(frozen=True)
class PaymentResult:
    """``payment_result`` of a transaction. ``response_status`` is a ``TranStatus`` value."""

    response_status: str
    response_code: str | None = None
    response_message: str | None = None
    transaction_time: str | None = None
    acquirer_message: str | None = None
    acquirer_rrn: str | None = None
    acquirer_ref: str | None = None

    @property
    def authorised(self) -> bool:
        return self.response_status == TranStatus.AUTHORISED

    @classmethod
    def from_fields(cls, f: Fields) -> PaymentResult:
        status = canonical(f.text("response_status"), _TRAN_STATUSES)
        assert status is not None
        return cls(
            response_status=status,
            response_code=f.opt_text("response_code"),
            response_message=f.opt_text("response_message"),
            transaction_time=f.opt_text("transaction_time"),
            acquirer_message=f.opt_text("acquirer_message"),
            acquirer_rrn=f.opt_text("acquirer_rrn"),
            acquirer_ref=f.opt_text("acquirer_ref"),
        )


@dataclass(frozen=True)
class PaymentInfo:
    payment_method: str | None = None
    card_type: str | None = None
    card_scheme: str | None = None
    payment_description: str | None = None
    expiry_month: int | None = None
    expiry_year: int | None = None

    @classmethod
    def from_fields(cls, f: Fields) -> PaymentInfo:
        return cls(
            payment_method=f.opt_text("payment_method"),
            card_type=f.opt_text("card_type"),
            card_scheme=f.opt_text("card_scheme"),
            payment_description=f.opt_text("payment_description"),
            expiry_month=f.opt_int("expiryMonth", "expiry_month"),
            expiry_year=f.opt_int("expiryYear", "expiry_year"),
        )


@dataclass(frozen=True)
class Transaction:
    """A PT2 transaction: the answer of ``/payment/query`` and the body of callbacks/IPNs.

    ``agreement_id`` is set for repeat-billing transactions, ``token`` for tokenised ones,
    ``previous_tran_ref``/``parent_tran_ref`` for recurring follow-ups.
    """

    tran_ref: str
    cart_id: str | None = None
    cart_description: str | None = None
    cart_currency: str | None = None
    cart_amount: Decimal | None = None
    tran_currency: str | None = None
    tran_total: Decimal | None = None
    tran_type: str | None = None
    tran_class: str | None = None
    merchant_id: str | None = None
    profile_id: str | None = None
    customer_details: CustomerDetails | None = None
    shipping_details: CustomerDetails | None = None
    payment_result: PaymentResult | None = None
    payment_info: PaymentInfo | None = None
    token: str | None = None
    agreement_id: str | None = None
    previous_tran_ref: str | None = None
    parent_tran_ref: str | None = None
    invoice_id: str | None = None
    ipn_trace: str | None = None
    trace: str | None = None

    @property
    def status(self) -> str | None:
        """``payment_result.response_status`` (A, D, E, H, P, V), or None when absent."""
        return self.payment_result.response_status if self.payment_result else None

    @property
    def authorised(self) -> bool:
        return self.status == TranStatus.AUTHORISED

    @property
    def time(self) -> datetime | None:
        """``payment_result.transaction_time`` as an aware datetime, or None when absent or
        unreadable."""
        text = self.payment_result.transaction_time if self.payment_result else None
        if not text:
            return None
        try:
            when = datetime.fromisoformat(text.strip())
        except ValueError:
            return None
        return when if when.tzinfo is not None else when.replace(tzinfo=UTC)

    @classmethod
    def from_wire(cls, payload: Any) -> Transaction:
        f = Fields(payload)
        customer = f.opt_object("customer_details")
        shipping = f.opt_object("shipping_details")
        result = f.opt_object("payment_result")
        info = f.opt_object("payment_info")
        parent = f.opt_object("parentRequest")
        currency = f.opt_text("cart_currency")
        return cls(
            tran_ref=f.id("tran_ref"),
            cart_id=f.opt_text("cart_id"),
            cart_description=f.opt_text("cart_description"),
            cart_currency=currency.upper() if currency else None,
            cart_amount=f.opt_amount("cart_amount"),
            tran_currency=(f.opt_text("tran_currency") or "").upper() or None,
            tran_total=f.opt_amount("tran_total"),
            tran_type=f.opt_text("tran_type"),
            tran_class=f.opt_text("tran_class"),
            merchant_id=f.opt_id("merchant_id", "merchantId"),
            profile_id=f.opt_id("profile_id", "profileId"),
            customer_details=CustomerDetails.from_fields(customer) if customer else None,
            shipping_details=CustomerDetails.from_fields(shipping) if shipping else None,
            payment_result=PaymentResult.from_fields(result) if result else None,
            payment_info=PaymentInfo.from_fields(info) if info else None,
            token=f.opt_text("token"),
            agreement_id=f.opt_id("agreement_id"),
            previous_tran_ref=f.opt_id("previous_tran_ref"),
            parent_tran_ref=parent.opt_id("tran_ref") if parent else None,
            invoice_id=f.opt_id("invoice_id"),
            ipn_trace=f.opt_text("ipn_trace"),
            trace=f.opt_text("trace"),
        )


@dataclass(frozen=True)
class PaymentRequestCreated:
    """Answer of ``POST /payment/request``: where to send the customer (``redirect_url``).

    Own-form and managed-form requests without 3-D Secure answer with ``payment_result``
    instead of a redirect.
    """

    tran_ref: str
    redirect_url: str | None = None
    cart_id: str | None = None
    cart_currency: str | None = None
    cart_amount: Decimal | None = None
    tran_type: str | None = None
    payment_result: PaymentResult | None = None
    profile_id: str | None = None
    trace: str | None = None

    @classmethod
    def from_wire(cls, payload: Any) -> PaymentRequestCreated:
        f = Fields(payload)
        result = f.opt_object("payment_result")
        currency = f.opt_text("cart_currency")
        return cls(
            tran_ref=f.id("tran_ref"),
            redirect_url=f.opt_text("redirect_url"),
            cart_id=f.opt_text("cart_id"),
            cart_currency=currency.upper() if currency else None,
            cart_amount=f.opt_amount("cart_amount"),
            tran_type=f.opt_text("tran_type"),
            payment_result=PaymentResult.from_fields(result) if result else None,
            profile_id=f.opt_id("profile_id", "profileId"),
            trace=f.opt_text("trace"),
        )


@dataclass(frozen=True)
class PayoutEntry:
    """One transfer request in a payout batch. ``status`` is an ``EntryStatus`` value."""

    entry_id: str
    status: str
    amount: Decimal | None = None
    fee: Decimal | None = None
    total: Decimal | None = None
    beneficiary_account_number: str | None = None
    beneficiary_name: str | None = None
    merchant_reference: str | None = None
    protocol_message: str | None = None

    @classmethod
    def from_wire(cls, payload: Any) -> PayoutEntry:
        return cls.from_fields(Fields(payload))

    @classmethod
    def from_fields(cls, f: Fields) -> PayoutEntry:
        status = canonical(f.text("status"), _ENTRY_STATUSES)
        assert status is not None
        return cls(
            entry_id=f.id("entry_id"),
            status=status,
            amount=f.opt_amount("amount"),
            fee=f.opt_amount("fee"),
            total=f.opt_amount("total"),
            beneficiary_account_number=f.opt_text("beneficiary_account_number"),
            beneficiary_name=f.opt_text("beneficiary_name"),
            merchant_reference=f.opt_text("merchant_reference"),
            protocol_message=f.opt_text("protocol_message"),
        )


@dataclass(frozen=True)
class PayoutBatch:
    """A payout batch. ``status`` is a ``BatchStatus`` value; ``requests`` may be partial
    (query by status returns only the matching entries)."""

    batch_id: str
    status: str
    order_id: str | None = None
    profile_id: str | None = None
    account_id: str | None = None
    currency: str | None = None
    total: Decimal | None = None
    count: int | None = None
    requests: tuple[PayoutEntry, ...] = ()
    trace: str | None = None

    @classmethod
    def from_wire(cls, payload: Any) -> PayoutBatch:
        f = Fields(payload)
        status = canonical(f.text("status"), _BATCH_STATUSES)
        assert status is not None
        currency = f.opt_text("currency")
        return cls(
            batch_id=f.id("batch_id"),
            status=status,
            order_id=f.opt_text("order_id"),
            profile_id=f.opt_id("profile_id", "profileId"),
            account_id=f.opt_id("account_id"),
            currency=currency.upper() if currency else None,
            total=f.opt_amount("total"),
            count=f.opt_int("count"),
            requests=tuple(PayoutEntry.from_fields(e) for e in f.objects("requests")),
            trace=f.opt_text("trace"),
        )

    @classmethod
    def from_wire_appended(cls, payload: Any, appended: int) -> PayoutBatch:
        """The answer of ``batch/new`` or ``batch/add``, read for what a submission needs.

        Those answers list the whole batch, so reading every entry of every answer would make
        sending a batch in chunks cost the square of its size. Read here: every batch field
        (``batch_id`` and ``status`` mandatory, ``total`` exact as a ``Decimal``, ``count``),
        that ``requests`` is a list, and only its last ``appended`` entries (those the call
        appended when the gateway lists them in order; the caller matches them by IBAN and
        amount before trusting them), each as strictly as :meth:`from_wire` reads it. The
        earlier entries, already read from earlier answers, are not looked at; ``payout_query``
        reads them all.
        """
        f = Fields(payload)
        status = canonical(f.text("status"), _BATCH_STATUSES)
        assert status is not None
        currency = f.opt_text("currency")
        listed = f.data.get("requests")
        if listed is not None and not isinstance(listed, list):
            raise invalid("requests")
        tail: tuple[PayoutEntry, ...] = ()
        if listed and appended > 0:
            start = max(0, len(listed) - appended)
            # A ListTail (jsonwire.loads_tail) holds only the end: number as in the answer.
            first = getattr(listed, "offset", 0) + start
            tail = tuple(
                PayoutEntry.from_fields(Fields(item, f"requests[{index}]"))
                for index, item in enumerate(listed[start:], first)
            )
        return cls(
            batch_id=f.id("batch_id"),
            status=status,
            order_id=f.opt_text("order_id"),
            profile_id=f.opt_id("profile_id", "profileId"),
            account_id=f.opt_id("account_id"),
            currency=currency.upper() if currency else None,
            total=f.opt_amount("total"),
            count=f.opt_int("count"),
            requests=tail,
            trace=f.opt_text("trace"),
        )


@dataclass(frozen=True)
class Acknowledgement:
    """A bare confirmation (cancel invoice, cancel agreement). ``message`` is None when the
    answer said nothing: an empty answer confirms nothing."""

    message: str | None
    status: str | None = None
    trace: str | None = None

    @classmethod
    def from_wire(cls, payload: Any) -> Acknowledgement:
        f = Fields(payload)
        return cls(
            message=f.opt_text("message"),
            status=f.opt_text("status"),
            trace=f.opt_text("trace"),
        )
