"""The desk's table models in one pattern: records keyed by id, a column enum, a header map and a
raw-value sort role (as Electrum's invoice list), and the proxy that filters them.

``merge`` applies a refresh in place and emits ``dataChanged`` only over the cells that changed
(as Anki's browser table), so selection and scroll position survive the periodic refresh.
A model says what differs: the key of a record, the text of a cell, its sort value, its other
roles; the rows, the headers and the merge live here once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from enum import IntEnum
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

SORT_ROLE = Qt.ItemDataRole.UserRole + 1  # the raw value a column sorts by
RECORD_ROLE = Qt.ItemDataRole.UserRole + 2  # the record shown in the row

AnyIndex = QModelIndex | QPersistentModelIndex

R = TypeVar("R")
C = TypeVar("C", bound=IntEnum)


class RecordTableModel(QAbstractTableModel, Generic[R, C]):
    """One row per record, in load order. Subclasses set ``columns`` and ``headers`` and write
    ``_key`` and ``_display``; ``_sort_value``, ``_role_data`` and ``_changed_columns`` when a
    column sorts, looks or repaints otherwise than by its text."""

    columns: type[C]
    headers: Mapping[C, str]

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._records: list[R] = []
        self._row_of: dict[int, int] = {}

    # -- what a model says -----------------------------------------------------------------

    def _key(self, record: R) -> int:
        raise NotImplementedError

    def _display(self, record: R, column: C) -> str:
        raise NotImplementedError

    def _sort_value(self, record: R, column: C) -> Any:
        return self._display(record, column).casefold()

    def _role_data(self, record: R, column: C, role: int) -> Any:
        """Any role but display, sort value and record (tooltips, colours, alignment…)."""
        return None

    def _changed_columns(self, old: R, new: R) -> Sequence[C]:
        """The columns to repaint when ``old`` becomes ``new``: those whose text changed."""
        return [c for c in self.columns if self._display(old, c) != self._display(new, c)]

    # -- content ---------------------------------------------------------------------------

    def records(self) -> list[R]:
        return list(self._records)

    def record(self, row: int) -> R:
        return self._records[row]

    def row_of(self, key: int) -> int | None:
        return self._row_of.get(key)

    def merge(self, records: Iterable[R]) -> None:
        """Make the rows equal ``records``: drop gone rows, update changed cells, add new rows at
        the end."""
        fresh = list(records)
        keep = {self._key(r) for r in fresh}
        for row in range(len(self._records) - 1, -1, -1):
            if self._key(self._records[row]) not in keep:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._records[row]
                self.endRemoveRows()
        self._reindex()
        new = [r for r in fresh if self._key(r) not in self._row_of]
        for record in fresh:
            self.update_record(record)
        if new:
            first = len(self._records)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            self._records.extend(new)
            self._reindex()
            self.endInsertRows()

    def update_record(self, record: R) -> bool:
        """Replace the row with ``record``'s key, repainting only the changed cells; False when
        no row has that key."""
        row = self.row_of(self._key(record))
        if row is None:
            return False
        old = self._records[row]
        if old == record:
            return True
        self._records[row] = record
        changed = self._changed_columns(old, record)
        if changed:
            self.dataChanged.emit(self.index(row, min(changed)), self.index(row, max(changed)))
        return True

    def _reset(self, records: Iterable[R]) -> None:
        """Replace every row at once (a load, not a refresh: selection is not kept)."""
        self.beginResetModel()
        self._records = list(records)
        self._reindex()
        self.endResetModel()

    def _reindex(self) -> None:
        self._row_of = {self._key(r): row for row, r in enumerate(self._records)}

    # -- Qt model interface ----------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation is Qt.Orientation.Horizontal
        if horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(self.columns):
            return self.headers[self.columns(section)]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._records):
            return None
        if not 0 <= index.column() < len(self.columns):
            return None
        record = self._records[index.row()]
        column = self.columns(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(record, column)
        if role == SORT_ROLE:
            return self._sort_value(record, column)
        if role == RECORD_ROLE:
            return record
        return self._role_data(record, column, role)


class RecordFilterProxy(QSortFilterProxyModel, Generic[R]):
    """Sorts by the raw values and keeps the rows that ``_accepts`` and that hold the free text
    (case-insensitive) in a cell or in ``_search_text``."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    def set_text(self, text: str) -> None:
        self._text = text.strip().casefold()
        self._refilter()

    def _accepts(self, record: R) -> bool:
        return True

    def _search_text(self, record: R) -> Iterable[str]:
        """What the free text is also looked for in, beside the cells."""
        return ()

    def _refilter(self) -> None:
        # beginFilterChange()/endFilterChange() replace invalidateRowsFilter() from Qt 6.10 on.
        if hasattr(self, "endFilterChange"):
            self.beginFilterChange()
            self.endFilterChange()
        else:  # pragma: no cover - older PySide6
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        model = self.sourceModel()
        if not isinstance(model, RecordTableModel):
            return True
        record: R = model.record(source_row)
        if not self._accepts(record):
            return False
        if self._text:
            cells = [str(model.data(model.index(source_row, c))) for c in model.columns]
            haystack = " ".join([*cells, *self._search_text(record)]).casefold()
            return self._text in haystack
        return True
