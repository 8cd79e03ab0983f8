"""The desk's table models in one pattern: records keyed by id, a column enum, a header map and a
raw-value sort role (as Electrum's invoice list), and the proxy that filters them.

``merge`` applies a refresh in place and emits ``dataChanged`` only over the cells that changed
(as Anki's browser table), so selection and scroll position survive the periodic refresh.
A model says what differs: the key of a record, the text of a cell, its sort value, its other
roles; the rows, the headers and the merge live here once.

The model sorts its own rows. A ``QSortFilterProxyModel`` sorting by a role asks the Python
``data()`` for both sides of every comparison: 30,000 rows took seconds on the GUI thread. Here
a sort computes each row's key once (kept with the rows and computed again only for the rows
that change, as Electrum's history list caches its sort keys), orders the rows with Python's
stable sort and moves them in one layout change that carries the persistent indexes
(selection, current cell) along; the proxy only filters.
Blank keys (``None`` or ``""``) go last in both directions; equal keys keep the load order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import IntEnum
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRegularExpression,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)

SORT_ROLE = Qt.ItemDataRole.UserRole + 1  # the raw value a column sorts by (None: blank)
RECORD_ROLE = Qt.ItemDataRole.UserRole + 2  # the record shown in the row
#: "1" when the row's filter proxy keeps it: Qt's own filter matches it (see RecordFilterProxy).
KEPT_ROLE = Qt.ItemDataRole.UserRole + 9

AnyIndex = QModelIndex | QPersistentModelIndex

R = TypeVar("R")
C = TypeVar("C", bound=IntEnum)


class RecordTableModel(QAbstractTableModel, Generic[R, C]):
    """One row per record, in load order until sorted. Subclasses set ``columns`` and
    ``headers`` and write ``_key`` and ``_display``; ``_sort_value``, ``_role_data`` and
    ``_changed_columns`` when a column sorts, looks or repaints otherwise than by its text.

    Once sorted, the rows stay sorted: a change in the sort column or new rows sort again, once
    per turn of the event loop (an undo that puts back a thousand rows sorts once), or at the
    end of ``merge``."""

    columns: type[C]
    headers: Mapping[C, str]

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._records: list[R] = []
        self._row_of: dict[int, int] = {}
        self._row_of_stale = False
        self._kept_by: Callable[[int, R], bool] | None = None  # the filter proxy's verdict
        self._load_seq: dict[int, int] = {}  # key -> place in load order (ties, ``records()``)
        self._sort_column = -1
        self._sort_order = Qt.SortOrder.AscendingOrder
        self._in_order = True  # the rows follow the sort column and order
        # Caches that follow the rows, so a second sort (or the other direction) computes no key:
        # column -> each row's sort key; the rows' positions in load order.
        self._keys: dict[int, list[Any]] = {}
        self._load_positions: list[int] | None = None
        self._resort_timer = QTimer(self)
        self._resort_timer.setSingleShot(True)
        self._resort_timer.setInterval(0)
        self._resort_timer.timeout.connect(self._resort)
        self.dataChanged.connect(self._on_data_changed)
        self.rowsInserted.connect(self._on_rows_inserted)
        self.rowsRemoved.connect(self._on_rows_removed)

    # -- what a model says -----------------------------------------------------------------

    def _key(self, record: R) -> int:
        raise NotImplementedError

    def _display(self, record: R, column: C) -> str:
        raise NotImplementedError

    def _sort_value(self, record: R, column: C) -> Any:
        return self._display(record, column).casefold()

    def _sort_keys(self, records: Sequence[R], column: C) -> list[Any]:
        """The sort keys of ``records`` in ``column``; a model may compute a column in bulk."""
        return [self._sort_value(r, column) for r in records]

    def _load_order(self, record: R) -> int:
        """Where ``record`` stands in load order: equal keys keep it, ``records()`` follows it."""
        return self._load_seq.get(self._key(record), 0)

    def _role_data(self, record: R, column: C, role: int) -> Any:
        """Any role but display, sort value and record (tooltips, colours, alignment…)."""
        return None

    def _changed_columns(self, old: R, new: R) -> Sequence[C]:
        """The columns to repaint when ``old`` becomes ``new``: those whose text changed."""
        return [c for c in self.columns if self._display(old, c) != self._display(new, c)]

    # -- content ---------------------------------------------------------------------------

    def records(self) -> list[R]:
        """Every record in load order, however the rows are sorted."""
        return [self._records[i] for i in self._in_load_order()]

    def record(self, row: int) -> R:
        return self._records[row]

    def row_of(self, key: int) -> int | None:
        if self._row_of_stale:
            self._reindex()
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
            seq = max(self._load_seq.values(), default=-1) + 1
            for offset, record in enumerate(new):
                self._load_seq[self._key(record)] = seq + offset
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            self._records.extend(new)
            self._reindex()
            self.endInsertRows()
        if not self._in_order:
            self._resort()  # one sort for the whole refresh, before the view paints it

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
        self._load_seq = {self._key(r): seq for seq, r in enumerate(self._records)}
        self._keys.clear()
        self._load_positions = None
        self._reorder(self._sorted_positions())
        self._reindex()
        self.endResetModel()
        self._resort_timer.stop()
        self._in_order = True

    def _reindex(self) -> None:
        self._row_of = {self._key(r): row for row, r in enumerate(self._records)}
        self._row_of_stale = False

    # -- sorting ---------------------------------------------------------------------------

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order the rows by ``column`` (-1: load order) in one layout change."""
        if (column, order) == (self._sort_column, self._sort_order) and self._in_order:
            return  # a header click asks twice
        self._sort_column, self._sort_order = column, order
        self._resort()

    def sort_column(self) -> int:
        return self._sort_column

    def sort_order(self) -> Qt.SortOrder:
        return self._sort_order

    def _resort(self) -> None:
        self._resort_timer.stop()
        self._in_order = True
        order = self._sorted_positions()
        if order == list(range(len(order))):
            return  # already in order: no layout change, nothing repainted
        self.layoutAboutToBeChanged.emit()
        row_now = self._reorder(order)
        persistent = self.persistentIndexList()  # the proxy's: selection, current cell, editor
        if persistent:
            self.changePersistentIndexList(
                persistent, [self.index(row_now[i.row()], i.column()) for i in persistent]
            )
        self.layoutChanged.emit()

    def _reorder(self, order: list[int]) -> list[int]:
        """Put the row at ``order[n]`` at row n, the caches with it; each old row's new row."""
        row_now = [0] * len(order)
        # row_now[order[n]] = n for every n, without a Python loop (a third of the time).
        deque(map(row_now.__setitem__, order, range(len(order))), maxlen=0)
        old = self._records
        self._records = [old[i] for i in order]
        self._keys = {c: [keys[i] for i in order] for c, keys in self._keys.items()}
        if self._load_positions is not None:
            self._load_positions = [row_now[i] for i in self._load_positions]
        self._row_of_stale = True
        return row_now

    def _sorted_positions(self) -> list[int]:
        """The rows in sorted order: stable over the load order, blank keys last whichever the
        direction."""
        positions = self._in_load_order()
        if not 0 <= self._sort_column < len(self.columns):
            return list(positions)
        keys = self._column_keys(self._sort_column)
        filled = [i for i in positions if keys[i] is not None]
        blanks = [] if len(filled) == len(positions) else [i for i in positions if keys[i] is None]
        descending = self._sort_order == Qt.SortOrder.DescendingOrder
        filled.sort(key=keys.__getitem__, reverse=descending)  # stable in both directions
        return filled + blanks

    def _in_load_order(self) -> list[int]:
        """The rows' positions in load order (kept until rows come or go)."""
        if self._load_positions is None:
            load = [self._load_order(r) for r in self._records]
            self._load_positions = sorted(range(len(load)), key=load.__getitem__)
        return self._load_positions

    def _column_keys(self, column: int) -> list[Any]:
        keys = self._keys.get(column)
        if keys is None:
            keys = self._keys[column] = self._fresh_keys(self._records, column)
        return keys

    def _fresh_keys(self, records: Sequence[R], column: int) -> list[Any]:
        raw = self._sort_keys(records, self.columns(column))
        return [None if k.__class__ is str and not k else k for k in raw]  # "" is blank

    def _on_data_changed(self, top_left: QModelIndex, bottom_right: QModelIndex, *_: Any) -> None:
        first, last = top_left.row(), bottom_right.row()
        if last - first > 64:  # a whole-table change (currency, warnings): keys computed anew
            self._keys.clear()
            self._unsorted()
            return
        for column, keys in self._keys.items():
            fresh = self._fresh_keys(self._records[first : last + 1], column)
            if fresh != keys[first : last + 1]:
                keys[first : last + 1] = fresh
                if column == self._sort_column:
                    self._unsorted()

    def _on_rows_inserted(self, _parent: QModelIndex, first: int, last: int) -> None:
        for column, keys in self._keys.items():
            keys[first:first] = self._fresh_keys(self._records[first : last + 1], column)
        self._load_positions = None
        self._row_of_stale = True
        self._unsorted()

    def _on_rows_removed(self, _parent: QModelIndex, first: int, last: int) -> None:
        for keys in self._keys.values():
            del keys[first : last + 1]
        self._load_positions = None
        self._row_of_stale = True

    def _unsorted(self) -> None:
        if self._sort_column >= 0:
            self._in_order = False
            self._resort_timer.start()

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
        if role == KEPT_ROLE:
            return "1" if self._kept_by is None or self._kept_by(index.row(), record) else "0"
        return self._role_data(record, column, role)


class SourceSortedProxy(QSortFilterProxyModel):
    """A filter over a :class:`RecordTableModel` that leaves the order to the model: a header
    click sorts the model's rows once instead of asking Python for every comparison. Any other
    source model is sorted by the proxy as usual.

    A sort moves the model's rows and the proxy then checks every row again: a Python
    ``filterAcceptsRow`` is called once per row (about 1 µs each, most of it PySide's call
    into Python), so it returns at once when nothing is filtered."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)  # changed rows are filtered again

    def _refilter(self) -> None:
        """Check every row again (after a filter setting changed)."""
        # beginFilterChange()/endFilterChange() replace invalidateRowsFilter() from Qt 6.10 on.
        if hasattr(self, "endFilterChange"):
            self.beginFilterChange()
            self.endFilterChange()
        else:  # pragma: no cover - older PySide6
            self.invalidateRowsFilter()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        model = self.sourceModel()
        if isinstance(model, RecordTableModel):
            model.sort(column, order)
        else:
            super().sort(column, order)


class RecordFilterProxy(SourceSortedProxy, Generic[R]):
    """Keeps the rows that ``_accepts`` and that hold the free text (case-insensitive) in a
    cell or in ``_search_text``; the model sorts. A subclass says in ``_restricts`` whether
    ``_accepts`` can refuse a record now, and calls ``_refilter`` when its settings change.

    No Python ``filterAcceptsRow``: after each sort Qt checks every row again, and a call into
    Python per row (30,000 of them) cost as much as the sort. Qt's own check matches "1" in the
    model's KEPT_ROLE, which asks this proxy (one filter proxy per model); with nothing
    filtered the expression is empty and Qt keeps every row without asking. The verdict is kept
    per record (records are replaced, never changed in place) until ``_refilter``."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._verdicts: dict[int, tuple[R, bool]] = {}  # id(record) -> (record, kept)
        self._model: RecordTableModel[R, Any] | None = None
        self.setFilterRole(KEPT_ROLE)
        self.setFilterKeyColumn(0)

    def set_text(self, text: str) -> None:
        self._text = text.strip().casefold()
        self._refilter()

    def _accepts(self, record: R) -> bool:
        return True

    def _restricts(self) -> bool:
        """Whether ``_accepts`` can refuse a record now (True unless a subclass says)."""
        return True

    def _search_text(self, record: R) -> Iterable[str]:
        """What the free text is also looked for in, beside the cells."""
        return ()

    def _refilter(self) -> None:
        self._verdicts.clear()
        filtering = bool(self._text) or self._restricts()
        self.setFilterRegularExpression(QRegularExpression("^1$" if filtering else ""))
        super()._refilter()

    def setSourceModel(self, model: QAbstractItemModel) -> None:
        if self._model is not None:
            self._model._kept_by = None
        self._model = model if isinstance(model, RecordTableModel) else None
        if self._model is not None:
            self._model._kept_by = self._kept
        self._verdicts.clear()
        super().setSourceModel(model)
        self._refilter()

    def _kept(self, source_row: int, record: R) -> bool:
        hit = self._verdicts.get(id(record))
        if hit is not None and hit[0] is record:
            return hit[1]
        model = self._model
        if model is None:
            return True
        if len(self._verdicts) > 2 * len(model._records) + 64:
            self._verdicts.clear()  # mostly records replaced since
        kept = self._keeps(model, source_row, record)
        self._verdicts[id(record)] = (record, kept)
        return kept

    def _keeps(self, model: RecordTableModel[R, Any], source_row: int, record: R) -> bool:
        if not self._accepts(record):
            return False
        if self._text:
            cells = [str(model.data(model.index(source_row, c))) for c in model.columns]
            haystack = " ".join([*cells, *self._search_text(record)]).casefold()
            return self._text in haystack
        return True
