"""The gateways' status vocabulary, each value with words a shop owner understands.

Sources: the PayTabs PHP SDK (``InvoiceStatus`` and ``TranStatus`` enums, the PT2
``response_status`` letters of PayTabs' "response code vs response status" article) and Geidea's
SDK (``EInvoiceStatus``) plus the statuses reference 003 shows (``Created``, ``SentToCustomer``).

Reading a status never fails: a value the desk does not know is shown as the gateway sent it, so
a new status on the live gateway is visible rather than a crash or a wrong word.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

S = TypeVar("S", bound=StrEnum)


def _by_word(kind: type[S], **aliases: S) -> dict[str, S]:
    """Every value of ``kind`` (and its other spellings) by its lower-case text: the gateways'
    case varies between endpoints and versions."""
    return {**{status.value.lower(): status for status in kind}, **aliases}


class InvoiceStatus(StrEnum):
    """``invoice_status`` of a PT2 (ClickPay / PayTabs) invoice."""

    PENDING = "pending"
    PAID = "paid"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    OVERDUE = "overdue"
    REFUNDED = "refunded"
    FAILED = "failed"


#: Invoices whose status will not change any more (nothing left to refresh or cancel).
INVOICE_SETTLED: frozenset[InvoiceStatus] = frozenset(
    {InvoiceStatus.PAID, InvoiceStatus.CANCELLED, InvoiceStatus.EXPIRED, InvoiceStatus.REFUNDED}
)
#: Invoices the customer may still pay: they can be cancelled and are worth refreshing.
#: ``overdue`` is past its due date but still payable; ``failed`` means an attempt failed and the
#: link stays open for another one.
INVOICE_OPEN: frozenset[InvoiceStatus] = frozenset(
    {InvoiceStatus.PENDING, InvoiceStatus.OVERDUE, InvoiceStatus.FAILED}
)
INVOICE_CANCELLABLE = INVOICE_OPEN
INVOICE_REFRESHABLE = INVOICE_OPEN

_INVOICE_BY_WORD = _by_word(InvoiceStatus, canceled=InvoiceStatus.CANCELLED)

_INVOICE_TEXT = {
    InvoiceStatus.PENDING: "Waiting for payment",
    InvoiceStatus.PAID: "Paid",
    InvoiceStatus.CANCELLED: "Cancelled",
    InvoiceStatus.EXPIRED: "Expired (no longer payable)",
    InvoiceStatus.OVERDUE: "Overdue (past due date, still payable)",
    InvoiceStatus.REFUNDED: "Refunded",
    InvoiceStatus.FAILED: "Payment attempt failed",
}


class TranStatus(StrEnum):
    """``payment_result.response_status`` of a PT2 transaction (PHP SDK ``TranStatus``)."""

    AUTHORISED = "A"
    HOLD = "H"
    PENDING = "P"
    VOIDED = "V"
    ERROR = "E"
    DECLINED = "D"
    EXPIRED = "X"
    CANCELLED = "C"


_TRAN_BY_WORD = _by_word(TranStatus)

#: Transactions where the money was taken (or is held for the merchant).
TRAN_SUCCESSFUL: frozenset[TranStatus] = frozenset({TranStatus.AUTHORISED})
#: Transactions that did not take money and will not.
TRAN_FAILED: frozenset[TranStatus] = frozenset(
    {TranStatus.DECLINED, TranStatus.ERROR, TranStatus.EXPIRED, TranStatus.CANCELLED}
)

_TRAN_TEXT = {
    TranStatus.AUTHORISED: "Approved",
    TranStatus.HOLD: "On hold for fraud review",
    TranStatus.PENDING: "Pending (refund in progress)",
    TranStatus.VOIDED: "Voided",
    TranStatus.ERROR: "Error at the gateway",
    TranStatus.DECLINED: "Declined",
    TranStatus.EXPIRED: "Authorisation expired",
    TranStatus.CANCELLED: "Cancelled",
}


class GeideaStatus(StrEnum):
    """``status`` of a Geidea payment intent (eInvoice)."""

    CREATED = "Created"
    SENT_TO_CUSTOMER = "SentToCustomer"
    PAID = "Paid"
    INCOMPLETE = "Incomplete"
    EXPIRED = "Expired"
    PREAUTHORIZED = "Preauthorized"
    PENDING = "Pending"
    # Not in Geidea's SDK enum, but what a deleted / cancelled intent reads on some answers.
    CANCELLED = "Cancelled"


#: Geidea intents that will not change any more.
GEIDEA_SETTLED: frozenset[GeideaStatus] = frozenset(
    {GeideaStatus.PAID, GeideaStatus.EXPIRED, GeideaStatus.CANCELLED}
)
#: Geidea intents still open for payment (worth refreshing, may be deleted).
GEIDEA_OPEN: frozenset[GeideaStatus] = frozenset(
    {
        GeideaStatus.CREATED,
        GeideaStatus.SENT_TO_CUSTOMER,
        GeideaStatus.INCOMPLETE,
        GeideaStatus.PENDING,
        GeideaStatus.PREAUTHORIZED,
    }
)

_GEIDEA_BY_WORD = _by_word(GeideaStatus, canceled=GeideaStatus.CANCELLED)

_GEIDEA_TEXT = {
    GeideaStatus.CREATED: "Created (not sent yet)",
    GeideaStatus.SENT_TO_CUSTOMER: "Sent to the customer",
    GeideaStatus.PAID: "Paid",
    GeideaStatus.INCOMPLETE: "Partly paid",
    GeideaStatus.EXPIRED: "Expired (no longer payable)",
    GeideaStatus.PREAUTHORIZED: "Authorised, not captured yet",
    GeideaStatus.PENDING: "Payment in progress",
    GeideaStatus.CANCELLED: "Cancelled",
}


class TranType(StrEnum):
    """PT2 ``tran_type`` (PayTabs "tran_type" article); the wire compares it without case."""

    SALE = "sale"
    AUTH = "auth"
    VOID = "void"
    RELEASE = "release"
    CAPTURE = "capture"
    REFUND = "refund"
    REGISTER = "register"


class TranClass(StrEnum):
    """PT2 ``tran_class``."""

    ECOM = "ecom"
    MOTO = "moto"
    RECURRING = "recurring"


#: What a payment page can take (an invoice, or the first payment of an agreement).
PAYMENT_PAGE_TRAN_TYPES: tuple[TranType, ...] = (TranType.SALE, TranType.AUTH)
PAYMENT_PAGE_TRAN_CLASSES: tuple[TranClass, ...] = (TranClass.ECOM,)


def _clean(raw: object) -> str:
    return "" if raw is None else str(raw).strip()


def parse_invoice_status(raw: object) -> InvoiceStatus | None:
    """The ``InvoiceStatus`` for a wire value in any case, or ``None`` if unknown."""
    return _INVOICE_BY_WORD.get(_clean(raw).lower())


def parse_tran_status(code: object) -> TranStatus | None:
    """The ``TranStatus`` for a response_status letter in any case, or ``None`` if unknown."""
    return _TRAN_BY_WORD.get(_clean(code).lower())


def parse_geidea_status(raw: object) -> GeideaStatus | None:
    """The ``GeideaStatus`` for a wire value in any case, or ``None`` if unknown."""
    return _GEIDEA_BY_WORD.get(_clean(raw).lower())


def _words(text: Mapping[S, str], status: S | None, raw: object) -> str:
    # A value the desk does not know is shown as sent: a new status stays visible.
    return text[status] if status is not None else (_clean(raw) or "Unknown")


def invoice_status_text(raw: str | None) -> str:
    """Words for a PT2 invoice status; an unknown value is returned as sent."""
    return _words(_INVOICE_TEXT, parse_invoice_status(raw), raw)


def transaction_status_text(code: str | None) -> str:
    """Words for a PT2 ``response_status`` letter; an unknown value is returned as sent."""
    return _words(_TRAN_TEXT, parse_tran_status(code), code)


def geidea_status_text(raw: str | None) -> str:
    """Words for a Geidea payment-intent status; an unknown value is returned as sent."""
    return _words(_GEIDEA_TEXT, parse_geidea_status(raw), raw)
