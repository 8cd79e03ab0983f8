"""The Activity table's model: journal entries, one row each, and the proxy that filters them.

A column enum, a header map and a raw-value sort role (as Electrum's invoice list); a refresh
merges by entry id and emits ``dataChanged`` only for the cells that changed (as Anki's browser
table), so selection and scroll position survive the periodic refresh.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
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
from PySide6.QtGui import QBrush, QColor, QIcon

from clickpay_desk.services.journal import describe
from clickpay_desk.store.records import JournalEntry, JournalStatus

SORT_ROLE = Qt.ItemDataRole.UserRole + 1  # the raw value a column sorts by
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 2  # the JournalEntry of the row

AnyIndex = QModelIndex | QPersistentModelIndex


class ActivityColumn(IntEnum):
    TIME = 0
    PROFILE = 1
    OPERATION = 2
    SUBJECT = 3
    REFERENCE = 4
    STATUS = 5
    DETAIL = 6


HEADERS: dict[ActivityColumn, str] = {
    ActivityColumn.TIME: "Time",
    ActivityColumn.PROFILE: "Profile",
    ActivityColumn.OPERATION: "Operation",
    ActivityColumn.SUBJECT: "Subject",
    ActivityColumn.REFERENCE: "Reference",
    ActivityColumn.STATUS: "Status",
    ActivityColumn.DETAIL: "Detail",
}

#: Status as words: colour and icon only repeat what the text already says.
STATUS_TEXT: dict[JournalStatus, str] = {
    JournalStatus.PENDING: "Pending — no answer yet",
    JournalStatus.UNKNOWN: "Unknown — check before resending",
    JournalStatus.DONE: "Done",
    JournalStatus.REFUSED: "Refused",
    JournalStatus.NOT_DONE: "Not done (checked)",
}
# Unresolved first when sorting by status ascending.
STATUS_ORDER: dict[JournalStatus, int] = {
    JournalStatus.UNKNOWN: 0,
    JournalStatus.PENDING: 1,
    JournalStatus.REFUSED: 2,
    JournalStatus.NOT_DONE: 3,
    JournalStatus.DONE: 4,
}
STATUS_BACKGROUND: dict[JournalStatus, str] = {
    JournalStatus.UNKNOWN: "#ffd8a8",
    JournalStatus.PENDING: "#fff3bf",
    JournalStatus.REFUSED: "#ffe3e3",
}


def operation_text(operation: str) -> str:
    """The journal's operation in words, e.g. "Create the invoice" for ``invoice.create``."""
    words = describe(operation)
    return words[:1].upper() + words[1:]


def local_time(moment: datetime) -> str:
    """A stored UTC time in the computer's local zone, to the second."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _result_text(result: dict[str, object] | None) -> str:
    parts = [
        f"{key}={value}"
        for key, value in (result or {}).items()
        if isinstance(value, str | int | float) or value is None
    ]
    return ", ".join(parts[:4]) or (json.dumps(result, default=str)[:80] if result else "")


def detail_text(entry: JournalEntry) -> str:
    """One line saying what happened, for the Detail column."""
    if entry.status is JournalStatus.UNKNOWN:
        head = "The gateway may have acted; reconcile before sending again"
        return f"{head}: {entry.error}" if entry.error else head
    if entry.status is JournalStatus.PENDING:
        return "Sent or about to be sent; waiting for the answer"
    if entry.reconciled_at is not None:
        # Settled after the fact: what was found matters, not the lost answer's error.
        when = local_time(entry.reconciled_at)
        result = dict(entry.result or {})
        if result.pop("resolved_by", None) == "user":
            word = "done" if entry.status is JournalStatus.DONE else "not done"
            return f"Marked {word} by you after checking the merchant dashboard; {when}"
        if entry.status is JournalStatus.DONE:
            found = _result_text(result)
            return "Did arrive" + (f": {found}" if found else "") + f"; reconciled {when}"
        return f"Never took effect, safe to send again; reconciled {when}"
    if entry.error:
        return entry.error
    return _result_text(entry.result)


class ActivityModel(QAbstractTableModel):
    """Journal entries, newest first as loaded; ``merge()`` applies a refresh in place."""

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        status_icon: Callable[[JournalStatus], QIcon | None] | None = None,
    ) -> None:
        super().__init__(parent)
        self._entries: list[JournalEntry] = []
        self._row_of: dict[int, int] = {}
        self._profile_names: dict[int, str] = {}
        self._status_icon = status_icon

    # -- content ---------------------------------------------------------------------------

    def entries(self) -> list[JournalEntry]:
        return list(self._entries)

    def entry(self, row: int) -> JournalEntry:
        return self._entries[row]

    def set_profile_names(self, names: Mapping[int, str]) -> None:
        names = dict(names)
        if names == self._profile_names:
            return  # the periodic refresh: nothing to repaint, re-sort or re-filter
        self._profile_names = names
        if self._entries:
            col = ActivityColumn.PROFILE
            self.dataChanged.emit(self.index(0, col), self.index(len(self._entries) - 1, col))

    def merge(self, entries: Iterable[JournalEntry]) -> None:
        """Make the rows equal ``entries``: update changed cells, add new rows, drop gone ones."""
        fresh = list(entries)
        keep = {e.id for e in fresh}
        for row in range(len(self._entries) - 1, -1, -1):
            if self._entries[row].id not in keep:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._entries[row]
                self.endRemoveRows()
        self._reindex()
        new = [e for e in fresh if e.id not in self._row_of]
        for entry in fresh:
            if entry.id in self._row_of:
                self.update_entry(entry)
        if new:
            first = len(self._entries)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            self._entries.extend(new)
            self._reindex()
            self.endInsertRows()

    def update_entry(self, entry: JournalEntry) -> bool:
        """Replace the row of ``entry.id``; emits ``dataChanged`` for the changed cells only."""
        row = self._row_of.get(entry.id)
        if row is None:
            return False
        old = self._entries[row]
        if old == entry:
            return True
        self._entries[row] = entry
        changed = [c for c in ActivityColumn if self._display(old, c) != self._display(entry, c)]
        if old.status != entry.status and ActivityColumn.STATUS not in changed:
            changed.append(ActivityColumn.STATUS)
        if changed:
            self.dataChanged.emit(self.index(row, min(changed)), self.index(row, max(changed)))
        return True

    def _reindex(self) -> None:
        self._row_of = {e.id: row for row, e in enumerate(self._entries)}

    # -- Qt model interface ----------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(ActivityColumn)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation is Qt.Orientation.Horizontal
        if horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(HEADERS):
            return HEADERS[ActivityColumn(section)]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        if not 0 <= index.column() < len(ActivityColumn):
            return None
        entry = self._entries[index.row()]
        column = ActivityColumn(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(entry, column)
        if role == SORT_ROLE:
            return self._sort_value(entry, column)
        if role == ENTRY_ROLE:
            return entry
        if role == Qt.ItemDataRole.ToolTipRole:
            if column is ActivityColumn.TIME:
                return entry.created_at.isoformat()
            if column in (ActivityColumn.STATUS, ActivityColumn.DETAIL):
                return detail_text(entry)
            return None
        if role == Qt.ItemDataRole.BackgroundRole:
            colour = STATUS_BACKGROUND.get(entry.status)
            return QBrush(QColor(colour)) if colour else None
        if role == Qt.ItemDataRole.ForegroundRole and entry.status in STATUS_BACKGROUND:
            return QBrush(QColor("#1a1a1a"))  # stays readable on the light backgrounds
        if role == Qt.ItemDataRole.DecorationRole and column is ActivityColumn.STATUS:
            return self._status_icon(entry.status) if self._status_icon else None
        return None

    def _display(self, entry: JournalEntry, column: ActivityColumn) -> str:
        match column:
            case ActivityColumn.TIME:
                return local_time(entry.created_at)
            case ActivityColumn.PROFILE:
                if entry.profile_id is None:
                    return "(deleted profile)"
                return self._profile_names.get(entry.profile_id, f"profile {entry.profile_id}")
            case ActivityColumn.OPERATION:
                return operation_text(entry.operation)
            case ActivityColumn.SUBJECT:
                return entry.subject
            case ActivityColumn.REFERENCE:
                return entry.reference
            case ActivityColumn.STATUS:
                return STATUS_TEXT.get(entry.status, str(entry.status))
            case ActivityColumn.DETAIL:
                return detail_text(entry)

    def _sort_value(self, entry: JournalEntry, column: ActivityColumn) -> Any:
        if column is ActivityColumn.TIME:
            return entry.created_at.timestamp()
        if column is ActivityColumn.STATUS:
            return STATUS_ORDER.get(entry.status, 99)
        return self._display(entry, column).casefold()


class ActivityFilter(QSortFilterProxyModel):
    """Filters rows by status set, operation and free text (case-insensitive, any column)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._statuses: frozenset[JournalStatus] | None = None
        self._operation: str | None = None
        self._text = ""
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    def set_statuses(self, statuses: Iterable[JournalStatus] | None) -> None:
        self._statuses = None if statuses is None else frozenset(statuses)
        self._refilter()

    def set_operation(self, operation: str | None) -> None:
        self._operation = operation or None
        self._refilter()

    def set_text(self, text: str) -> None:
        self._text = text.strip().casefold()
        self._refilter()

    def _refilter(self) -> None:
        # beginFilterChange()/endFilterChange() replace invalidateRowsFilter() from Qt 6.10 on.
        if hasattr(self, "endFilterChange"):
            self.beginFilterChange()
            self.endFilterChange()
        else:  # pragma: no cover - older PySide6
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        model = self.sourceModel()
        if not isinstance(model, ActivityModel):
            return True
        entry = model.entry(source_row)
        if self._statuses is not None and entry.status not in self._statuses:
            return False
        if self._operation is not None and entry.operation != self._operation:
            return False
        if self._text:
            haystack = " ".join(
                str(model.data(model.index(source_row, c))) for c in ActivityColumn
            ).casefold()
            return self._text in haystack
        return True
