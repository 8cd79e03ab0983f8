"""The invoice list's model: one row per invoice the desk knows, and the proxy that filters it.

A :class:`~clickpay_desk.ui.record_model.RecordTableModel` keyed by the invoice's local id: the
periodic status refresh repaints only the cells that changed and keeps selection and scroll.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import IntEnum, StrEnum
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QBrush, QColor

from clickpay_desk.core.money import format_amount, format_display
from clickpay_desk.core.profile import GatewayKind
from clickpay_desk.core.statuses import (
    GEIDEA_OPEN,
    INVOICE_OPEN,
    GeideaStatus,
    InvoiceStatus,
    parse_geidea_status,
    parse_invoice_status,
)
from clickpay_desk.exchange.invoice_export import (
    customer_name,
    customer_of,
    dates_of,
    payment_of,
    result_text,
    status_text,
)
from clickpay_desk.store.records import InvoiceRecord
from clickpay_desk.ui.record_model import RECORD_ROLE, RecordFilterProxy, RecordTableModel
from clickpay_desk.ui.record_model import SORT_ROLE as SORT_ROLE  # the raw value a column sorts by

ROW_ROLE = RECORD_ROLE  # the InvoiceRow of the row
COPY_ROLE = Qt.ItemDataRole.UserRole + 3  # what "Copy" puts on the clipboard (the raw value)


class InvoiceColumn(IntEnum):
    REFERENCE = 0
    INVOICE_ID = 1
    STATUS = 2
    CUSTOMER = 3
    AMOUNT = 4
    REFUNDED = 5
    CREATED = 6
    DUE = 7
    EXPIRES = 8
    TRAN_REF = 9
    RESULT = 10


HEADERS: dict[InvoiceColumn, str] = {
    InvoiceColumn.REFERENCE: "Reference",
    InvoiceColumn.INVOICE_ID: "Invoice id",
    InvoiceColumn.STATUS: "Status",
    InvoiceColumn.CUSTOMER: "Customer",
    InvoiceColumn.AMOUNT: "Amount",
    InvoiceColumn.REFUNDED: "Refunded",
    InvoiceColumn.CREATED: "Created",
    InvoiceColumn.DUE: "Due",
    InvoiceColumn.EXPIRES: "Expires",
    InvoiceColumn.TRAN_REF: "Transaction ref",
    InvoiceColumn.RESULT: "Result",
}

_RIGHT = {InvoiceColumn.AMOUNT, InvoiceColumn.REFUNDED}


class StatusGroup(StrEnum):
    """What the status filter offers: the gateways' words grouped by what the user does next."""

    OPEN = "open"
    PAID = "paid"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    OTHER = "other"


GROUP_TEXT: dict[StatusGroup, str] = {
    StatusGroup.OPEN: "Waiting for payment",
    StatusGroup.PAID: "Paid",
    StatusGroup.REFUNDED: "Refunded (in part or full)",
    StatusGroup.CANCELLED: "Cancelled or deleted",
    StatusGroup.EXPIRED: "Expired",
    StatusGroup.OTHER: "Other",
}

# Open first when sorting by status ascending: those are the ones to act on.
_GROUP_ORDER = {g: i for i, g in enumerate(StatusGroup)}
_GROUP_BACKGROUND: dict[StatusGroup, str] = {
    StatusGroup.PAID: "#d3f9d8",
    StatusGroup.REFUNDED: "#e7f5ff",
    StatusGroup.CANCELLED: "#f1f3f5",
    StatusGroup.EXPIRED: "#f1f3f5",
}


def status_group(record: InvoiceRecord, refunded: Decimal = Decimal(0)) -> StatusGroup:
    if record.gateway is GatewayKind.GEIDEA:
        g = parse_geidea_status(record.status)
        if g is None:
            return StatusGroup.OTHER
        if g in GEIDEA_OPEN:
            return StatusGroup.OPEN
        return {
            GeideaStatus.PAID: StatusGroup.PAID,
            GeideaStatus.CANCELLED: StatusGroup.CANCELLED,
            GeideaStatus.EXPIRED: StatusGroup.EXPIRED,
        }.get(g, StatusGroup.OTHER)
    s = parse_invoice_status(record.status)
    if s is None:
        return StatusGroup.OTHER
    if s is InvoiceStatus.REFUNDED or (s is InvoiceStatus.PAID and refunded > 0):
        return StatusGroup.REFUNDED
    if s in INVOICE_OPEN:
        return StatusGroup.OPEN
    return {
        InvoiceStatus.PAID: StatusGroup.PAID,
        InvoiceStatus.CANCELLED: StatusGroup.CANCELLED,
        InvoiceStatus.EXPIRED: StatusGroup.EXPIRED,
    }.get(s, StatusGroup.OTHER)


@dataclass(frozen=True)
class InvoiceRow:
    """One invoice as the list shows it: the record and what was refunded of it."""

    record: InvoiceRecord
    refunded: Decimal = Decimal(0)
    refund_unknown: bool = False  # a refund was sent and its outcome is not known yet

    @property
    def key(self) -> int:
        assert self.record.id is not None
        return self.record.id

    @property
    def group(self) -> StatusGroup:
        return status_group(self.record, self.refunded)

    @property
    def is_open(self) -> bool:
        return self.group is StatusGroup.OPEN

    @property
    def remaining(self) -> Decimal:
        return self.record.amount - self.refunded


def _day(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone().strftime("%Y-%m-%d")


def status_words(row: InvoiceRow) -> str:
    words = status_text(row.record)
    rec = row.record
    if row.refunded > 0:
        part = "in full" if row.refunded >= rec.amount else "in part"
        words += f", refunded {part}"
    if row.refund_unknown:
        words += " (a refund's outcome is unknown: reconcile)"
    return words


class InvoiceListModel(RecordTableModel[InvoiceRow, InvoiceColumn]):
    """Invoices, newest first as loaded; ``merge()`` applies a refresh in place."""

    columns = InvoiceColumn
    headers = HEADERS

    rows = RecordTableModel.records
    row_at = RecordTableModel.record
    find = RecordTableModel.row_of
    update_row = RecordTableModel.update_record

    def currencies(self) -> list[str]:
        return sorted({r.record.currency for r in self._records})

    def merge(self, rows: Iterable[InvoiceRow]) -> None:
        """Make the rows equal ``rows`` (those saved, with a local id)."""
        super().merge(r for r in rows if r.record.id is not None)

    def _key(self, item: InvoiceRow) -> int:
        return item.key

    def _changed_columns(self, old: InvoiceRow, new: InvoiceRow) -> Sequence[InvoiceColumn]:
        if old.group != new.group:  # the colour of the whole row changes
            return list(InvoiceColumn)
        return super()._changed_columns(old, new)

    def _role_data(self, item: InvoiceRow, column: InvoiceColumn, role: int) -> Any:
        if role == COPY_ROLE:
            rec = item.record
            if column is InvoiceColumn.AMOUNT:
                return format_amount(rec.amount, rec.currency)
            if column is InvoiceColumn.REFUNDED:
                return format_amount(item.refunded, rec.currency)
            if column is InvoiceColumn.CREATED:
                return rec.created_at.isoformat()
            return self._display(item, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in _RIGHT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column is InvoiceColumn.STATUS:
                return f"{status_words(item)} (gateway: {item.record.status})"
            if column is InvoiceColumn.REFERENCE and item.record.link:
                return item.record.link
            return None
        if role == Qt.ItemDataRole.BackgroundRole:
            colour = _GROUP_BACKGROUND.get(item.group)
            return QBrush(QColor(colour)) if colour else None
        if role == Qt.ItemDataRole.ForegroundRole and item.group in _GROUP_BACKGROUND:
            return QBrush(QColor("#1a1a1a"))  # stays readable on the light backgrounds
        return None

    def _display(self, item: InvoiceRow, column: InvoiceColumn) -> str:
        rec = item.record
        match column:
            case InvoiceColumn.REFERENCE:
                return rec.cart_id
            case InvoiceColumn.INVOICE_ID:
                return rec.remote_id or ""
            case InvoiceColumn.STATUS:
                return status_words(item)
            case InvoiceColumn.CUSTOMER:
                return customer_name(rec)
            case InvoiceColumn.AMOUNT:
                return format_display(rec.amount, rec.currency)
            case InvoiceColumn.REFUNDED:
                if item.refunded <= 0:
                    return ""
                return format_display(item.refunded, rec.currency)
            case InvoiceColumn.CREATED:
                return rec.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
            case InvoiceColumn.DUE:
                return _day(dates_of(rec)[0])
            case InvoiceColumn.EXPIRES:
                return _day(dates_of(rec)[1])
            case InvoiceColumn.TRAN_REF:
                return str(payment_of(rec).get("tran_ref") or "")
            case InvoiceColumn.RESULT:
                return result_text(rec)

    def _sort_value(self, item: InvoiceRow, column: InvoiceColumn) -> Any:
        rec = item.record
        match column:
            case InvoiceColumn.AMOUNT:
                return int(rec.amount.scaleb(3))  # thousandths: exact for every currency
            case InvoiceColumn.REFUNDED:
                return int(item.refunded.scaleb(3))
            case InvoiceColumn.CREATED:
                return rec.created_at.timestamp()
            case InvoiceColumn.DUE | InvoiceColumn.EXPIRES:
                moment = dates_of(rec)[0 if column is InvoiceColumn.DUE else 1]
                return moment.timestamp() if moment is not None else None  # blank: last
            case InvoiceColumn.STATUS:
                return _GROUP_ORDER[item.group]
            case InvoiceColumn.INVOICE_ID:
                text = rec.remote_id or ""
                return f"{len(text):04d}{text}" if text else None  # numeric ids as numbers
            case _:
                return super()._sort_value(item, column)

    def _sort_keys(self, records: Sequence[InvoiceRow], column: InvoiceColumn) -> list[Any]:
        # The customer's name is read from the request's payload: in bulk, without the cell's
        # text (or the customer's other details) built around it.
        if column is InvoiceColumn.CUSTOMER:
            return [customer_name(r.record).casefold() for r in records]
        return super()._sort_keys(records, column)


class InvoiceFilter(RecordFilterProxy[InvoiceRow]):
    """Filters rows by status group, currency, creation date and free text (any column, the
    customer's e-mail and the payment link)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._groups: frozenset[StatusGroup] | None = None
        self._currency: str | None = None
        self._from: date | None = None
        self._to: date | None = None

    def set_groups(self, groups: Iterable[StatusGroup] | None) -> None:
        self._groups = None if groups is None else frozenset(groups)
        self._refilter()

    def set_currency(self, currency: str | None) -> None:
        self._currency = currency or None
        self._refilter()

    def set_dates(self, first: date | None, last: date | None) -> None:
        self._from, self._to = first, last
        self._refilter()

    def _restricts(self) -> bool:
        return any(f is not None for f in (self._groups, self._currency, self._from, self._to))

    def _accepts(self, item: InvoiceRow) -> bool:
        rec = item.record
        if self._groups is not None and item.group not in self._groups:
            return False
        if self._currency is not None and rec.currency != self._currency:
            return False
        day = rec.created_at.astimezone().date()
        if self._from is not None and day < self._from:
            return False
        return self._to is None or day <= self._to

    def _search_text(self, item: InvoiceRow) -> Iterable[str]:
        return customer_of(item.record)["email"], item.record.link or ""
