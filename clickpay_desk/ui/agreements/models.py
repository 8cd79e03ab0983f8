"""The Agreements tab's models: the agreements (one row each) with their filter, and one
agreement's schedule beside what happened.

Both are :class:`~clickpay_desk.ui.record_model.RecordTableModel`: a reload merges by the
agreement's local id and repaints only changed cells, so selection and scroll position survive.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QBrush, QColor

from clickpay_desk.core.money import format_display, minor_units
from clickpay_desk.services.agreements import (
    AgreementStatus,
    AgreementView,
    InstallmentState,
    ScheduleRow,
)
from clickpay_desk.ui.record_model import RECORD_ROLE, RecordFilterProxy, RecordTableModel
from clickpay_desk.ui.record_model import SORT_ROLE as SORT_ROLE

VIEW_ROLE = RECORD_ROLE


class AgreementColumn(IntEnum):
    CART = 0
    AGREEMENT_ID = 1
    DESCRIPTION = 2
    CUSTOMER = 3
    STATUS = 4
    TERMS = 5
    NEXT_DUE = 6
    COLLECTED = 7
    TO_COLLECT = 8
    FAILED = 9


AGREEMENT_HEADERS: dict[AgreementColumn, str] = {
    AgreementColumn.CART: "Cart id",
    AgreementColumn.AGREEMENT_ID: "Agreement",
    AgreementColumn.DESCRIPTION: "Description",
    AgreementColumn.CUSTOMER: "Customer",
    AgreementColumn.STATUS: "Status",
    AgreementColumn.TERMS: "Terms",
    AgreementColumn.NEXT_DUE: "Next due",
    AgreementColumn.COLLECTED: "Collected",
    AgreementColumn.TO_COLLECT: "Still to collect",
    AgreementColumn.FAILED: "Failed",
}

#: Status first by what needs the merchant: failed, awaiting, active, completed, cancelled.
STATUS_ORDER: dict[AgreementStatus, int] = {
    AgreementStatus.FAILED: 0,
    AgreementStatus.AWAITING: 1,
    AgreementStatus.ACTIVE: 2,
    AgreementStatus.COMPLETED: 3,
    AgreementStatus.CANCELLED: 4,
}
STATUS_BACKGROUND: dict[AgreementStatus, str] = {
    AgreementStatus.FAILED: "#ffe3e3",
    AgreementStatus.AWAITING: "#fff3bf",
}
STATE_BACKGROUND: dict[InstallmentState, str] = {
    InstallmentState.DECLINED: "#ffe3e3",
    InstallmentState.OVERDUE: "#ffd8a8",
    InstallmentState.PAID: "#d3f9d8",
}

_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def terms_text(view: AgreementView) -> str:
    """ "20.00 SAR every 1 month, 3 times" / "… until cancelled"."""
    agreement = view.agreement
    if agreement is None:
        return "—"
    every = agreement.repeat_every
    unit = agreement.repeat_period.label + ("s" if every != 1 else "")
    amount = format_display(agreement.repeat_amount, agreement.currency)
    times = "until cancelled" if agreement.is_open_ended else f"{agreement.repeat_terms} times"
    return f"{amount} every {every} {unit}, {times}"


def minor(amount: Decimal, currency: str) -> int:
    """An amount in minor units: an exact integer sort key (never a float)."""
    return int(amount.scaleb(minor_units(currency)).to_integral_value())


class AgreementsModel(RecordTableModel[AgreementView, AgreementColumn]):
    """Agreement views, newest first as loaded; ``merge()`` applies a reload in place."""

    columns = AgreementColumn
    headers = AGREEMENT_HEADERS

    views = RecordTableModel.records
    view = RecordTableModel.record

    def _key(self, view: AgreementView) -> int:
        return view.record.id or 0

    def _changed_columns(self, old: AgreementView, new: AgreementView) -> Sequence[AgreementColumn]:
        # The view behind the row changed even when no cell did (the schedule did).
        return super()._changed_columns(old, new) or [AgreementColumn.CART]

    def _role_data(self, view: AgreementView, column: AgreementColumn, role: int) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole and column >= AgreementColumn.COLLECTED:
            return _RIGHT
        if role == Qt.ItemDataRole.BackgroundRole:
            colour = STATUS_BACKGROUND.get(view.status)
            return QBrush(QColor(colour)) if colour else None
        if role == Qt.ItemDataRole.ForegroundRole and view.status in STATUS_BACKGROUND:
            return QBrush(QColor("#1a1a1a"))
        if role == Qt.ItemDataRole.ToolTipRole and column is AgreementColumn.STATUS:
            if view.status is AgreementStatus.FAILED:
                return "An installment was declined; the gateway does not retry it."
            return None
        return None

    def _display(self, view: AgreementView, column: AgreementColumn) -> str:
        match column:
            case AgreementColumn.CART:
                return view.record.cart_id
            case AgreementColumn.AGREEMENT_ID:
                return view.record.agreement_id or "—"
            case AgreementColumn.DESCRIPTION:
                return view.description
            case AgreementColumn.CUSTOMER:
                return view.customer.get("name", "")
            case AgreementColumn.STATUS:
                return str(view.status).capitalize()
            case AgreementColumn.TERMS:
                return terms_text(view)
            case AgreementColumn.NEXT_DUE:
                due = view.next_due
                return due.isoformat() if due else "—"
            case AgreementColumn.COLLECTED:
                return format_display(view.collected, view.currency)
            case AgreementColumn.TO_COLLECT:
                text = format_display(view.to_collect, view.currency)
                return text + " (next 12 months)" if view.open_ended else text
            case AgreementColumn.FAILED:
                return format_display(view.failed, view.currency)

    def _sort_value(self, view: AgreementView, column: AgreementColumn) -> Any:
        match column:
            case AgreementColumn.STATUS:
                return STATUS_ORDER.get(view.status, 9)
            case AgreementColumn.NEXT_DUE:
                due = view.next_due
                return due.toordinal() if due else None  # none due: last
            case AgreementColumn.COLLECTED:
                return minor(view.collected, view.currency)
            case AgreementColumn.TO_COLLECT:
                return minor(view.to_collect, view.currency)
            case AgreementColumn.FAILED:
                return minor(view.failed, view.currency)
            case AgreementColumn.CART:
                return view.record.id or 0
        return super()._sort_value(view, column)


class AgreementsFilter(RecordFilterProxy[AgreementView]):
    """Status filter plus free text over every column and the customer's details."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._status: AgreementStatus | None = None

    def set_status(self, status: AgreementStatus | None) -> None:
        self._status = status
        self._refilter()

    def _restricts(self) -> bool:
        return self._status is not None

    def _accepts(self, view: AgreementView) -> bool:
        return self._status is None or view.status is self._status

    def _search_text(self, view: AgreementView) -> Iterable[str]:
        return view.customer.values()


class ScheduleColumn(IntEnum):
    NUMBER = 0
    DUE = 1
    AMOUNT = 2
    KIND = 3
    STATE = 4
    TRAN_REF = 5
    TIME = 6
    MESSAGE = 7


SCHEDULE_HEADERS: dict[ScheduleColumn, str] = {
    ScheduleColumn.NUMBER: "#",
    ScheduleColumn.DUE: "Due",
    ScheduleColumn.AMOUNT: "Amount",
    ScheduleColumn.KIND: "Kind",
    ScheduleColumn.STATE: "What happened",
    ScheduleColumn.TRAN_REF: "Tran ref",
    ScheduleColumn.TIME: "Time",
    ScheduleColumn.MESSAGE: "Gateway message",
}


class ScheduleModel(RecordTableModel[ScheduleRow, ScheduleColumn]):
    """One agreement's installments beside what happened to each (read-only)."""

    columns = ScheduleColumn
    headers = SCHEDULE_HEADERS

    rows = RecordTableModel.records
    row = RecordTableModel.record

    def set_rows(self, rows: Sequence[ScheduleRow]) -> None:
        rows = list(rows)
        if rows != self._records:
            self._reset(rows)

    def _key(self, row: ScheduleRow) -> int:
        return row.number

    def _sort_value(self, row: ScheduleRow, column: ScheduleColumn) -> Any:
        if column is ScheduleColumn.DUE:
            return row.due_date.toordinal()
        if column is ScheduleColumn.AMOUNT:
            return minor(row.amount, row.currency)
        if column is ScheduleColumn.NUMBER:
            return row.number
        return super()._sort_value(row, column)

    def _role_data(self, row: ScheduleRow, column: ScheduleColumn, role: int) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (
            ScheduleColumn.NUMBER,
            ScheduleColumn.AMOUNT,
        ):
            return _RIGHT
        if role == Qt.ItemDataRole.BackgroundRole:
            colour = STATE_BACKGROUND.get(row.state)
            return QBrush(QColor(colour)) if colour else None
        if role == Qt.ItemDataRole.ForegroundRole and row.state in STATE_BACKGROUND:
            return QBrush(QColor("#1a1a1a"))
        return None

    def _display(self, row: ScheduleRow, column: ScheduleColumn) -> str:
        match column:
            case ScheduleColumn.NUMBER:
                return str(row.number)
            case ScheduleColumn.DUE:
                return row.due_date.isoformat()
            case ScheduleColumn.AMOUNT:
                return format_display(row.amount, row.currency)
            case ScheduleColumn.KIND:
                return str(row.kind)
            case ScheduleColumn.STATE:
                return str(row.state).capitalize()
            case ScheduleColumn.TRAN_REF:
                return row.tran_ref or ""
            case ScheduleColumn.TIME:
                return (row.time or "").replace("T", " ").replace("Z", " UTC")
            case ScheduleColumn.MESSAGE:
                return row.message or ""
