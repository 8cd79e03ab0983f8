"""The Agreements tab's models: the agreements (one row each) with their filter, and one
agreement's schedule beside what happened.

Column enum, header map and a raw-value sort role, as the Activity table. A reload merges by the
agreement's local id and repaints only changed cells, so selection and scroll position survive.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from clickpay_desk.core.money import format_amount, minor_units
from clickpay_desk.services.agreements import (
    AgreementStatus,
    AgreementView,
    InstallmentState,
    ScheduleRow,
)

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
VIEW_ROLE = Qt.ItemDataRole.UserRole + 2

AnyIndex = QModelIndex | QPersistentModelIndex


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
    amount = format_amount(agreement.repeat_amount, agreement.currency)
    times = "until cancelled" if agreement.is_open_ended else f"{agreement.repeat_terms} times"
    return f"{amount} {agreement.currency} every {every} {unit}, {times}"


def money(amount: Any, currency: str) -> str:
    return f"{format_amount(amount, currency)} {currency}"


def minor(amount: Decimal, currency: str) -> int:
    """An amount in minor units: an exact integer sort key (never a float)."""
    return int(amount.scaleb(minor_units(currency)).to_integral_value())


class AgreementsModel(QAbstractTableModel):
    """Agreement views, newest first as loaded; ``merge()`` applies a reload in place."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._views: list[AgreementView] = []
        self._row_of: dict[int, int] = {}

    def views(self) -> list[AgreementView]:
        return list(self._views)

    def view(self, row: int) -> AgreementView:
        return self._views[row]

    def row_of(self, row_id: int) -> int | None:
        return self._row_of.get(row_id)

    def merge(self, views: Iterable[AgreementView]) -> None:
        fresh = list(views)
        keep = {_id(v) for v in fresh}
        for row in range(len(self._views) - 1, -1, -1):
            if _id(self._views[row]) not in keep:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._views[row]
                self.endRemoveRows()
        self._reindex()
        new = [v for v in fresh if _id(v) not in self._row_of]
        for view in fresh:
            at = self._row_of.get(_id(view))
            if at is not None and self._views[at] != view:
                old = self._views[at]
                self._views[at] = view
                changed = [
                    c for c in AgreementColumn if self._display(old, c) != self._display(view, c)
                ]
                first, last = (min(changed), max(changed)) if changed else (0, 0)
                # The view behind the row changed even when no cell did (the schedule did).
                self.dataChanged.emit(self.index(at, first), self.index(at, last))
        if new:
            first = len(self._views)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            self._views.extend(new)
            self._reindex()
            self.endInsertRows()

    def _reindex(self) -> None:
        self._row_of = {_id(v): row for row, v in enumerate(self._views)}

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._views)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(AgreementColumn)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation is Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(AgreementColumn)
        ):
            return AGREEMENT_HEADERS[AgreementColumn(section)]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._views):
            return None
        if not 0 <= index.column() < len(AgreementColumn):
            return None
        view = self._views[index.row()]
        column = AgreementColumn(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(view, column)
        if role == SORT_ROLE:
            return self._sort_value(view, column)
        if role == VIEW_ROLE:
            return view
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
                return money(view.collected, view.currency)
            case AgreementColumn.TO_COLLECT:
                text = money(view.to_collect, view.currency)
                return text + " (next 12 months)" if view.open_ended else text
            case AgreementColumn.FAILED:
                return money(view.failed, view.currency)

    def _sort_value(self, view: AgreementView, column: AgreementColumn) -> Any:
        match column:
            case AgreementColumn.STATUS:
                return STATUS_ORDER.get(view.status, 9)
            case AgreementColumn.NEXT_DUE:
                due = view.next_due
                return due.toordinal() if due else 10**7
            case AgreementColumn.COLLECTED:
                return minor(view.collected, view.currency)
            case AgreementColumn.TO_COLLECT:
                return minor(view.to_collect, view.currency)
            case AgreementColumn.FAILED:
                return minor(view.failed, view.currency)
            case AgreementColumn.CART:
                return view.record.id or 0
        return self._display(view, column).casefold()


def _id(view: AgreementView) -> int:
    return view.record.id or 0


class AgreementsFilter(QSortFilterProxyModel):
    """Status filter plus free text over every column."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._status: AgreementStatus | None = None
        self._text = ""
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    def set_status(self, status: AgreementStatus | None) -> None:
        self._status = status
        self._refilter()

    def set_text(self, text: str) -> None:
        self._text = text.strip().casefold()
        self._refilter()

    def _refilter(self) -> None:
        if hasattr(self, "endFilterChange"):
            self.beginFilterChange()
            self.endFilterChange()
        else:  # pragma: no cover - older PySide6
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        model = self.sourceModel()
        if not isinstance(model, AgreementsModel):
            return True
        view = model.view(source_row)
        if self._status is not None and view.status is not self._status:
            return False
        if self._text:
            haystack = " ".join(
                str(model.data(model.index(source_row, c))) for c in AgreementColumn
            )
            haystack += " " + " ".join(view.customer.values())
            return self._text in haystack.casefold()
        return True


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


class ScheduleModel(QAbstractTableModel):
    """One agreement's installments beside what happened to each (read-only)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[ScheduleRow] = []

    def set_rows(self, rows: Sequence[ScheduleRow]) -> None:
        rows = list(rows)
        if rows == self._rows:
            return
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def rows(self) -> list[ScheduleRow]:
        return list(self._rows)

    def row(self, index: int) -> ScheduleRow:
        return self._rows[index]

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(ScheduleColumn)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation is Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(ScheduleColumn)
        ):
            return SCHEDULE_HEADERS[ScheduleColumn(section)]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if not 0 <= index.column() < len(ScheduleColumn):
            return None
        row = self._rows[index.row()]
        column = ScheduleColumn(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == SORT_ROLE:
            if column is ScheduleColumn.DUE:
                return row.due_date.toordinal()
            if column is ScheduleColumn.AMOUNT:
                return minor(row.amount, row.currency)
            if column is ScheduleColumn.NUMBER:
                return row.number
            return self._display(row, column).casefold()
        if role == VIEW_ROLE:
            return row
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
                return money(row.amount, row.currency)
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
