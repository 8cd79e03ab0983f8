"""The invoice editor's line items: a table model over the incremental totals engine.

Each row keeps the text typed in its input cells, the item ``core`` read from it, and the rules
it breaks (kept with the row, shown as cell colour and tooltip). An edit re-reads that row only,
updates the engine by that row (O(1)), repaints that row (one ``dataChanged``) and says the totals
changed. A paste or import reads its rows at once for the totals and checks them against core's
line rules in slices between events, so the window keeps answering; until that is done the
model counts them as unchecked and the editor's Create says it is still checking.

Edits go through the ``QUndoStack`` (``undo.py``): ``setData`` pushes a command whose redo
calls the primitives below.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QUndoStack

from clickpay_desk.core.money import EXACT
from clickpay_desk.core.profile import GatewayKind

from .line_rules import (
    AMOUNT,
    COMPUTED_COLUMNS,
    INPUT_COLUMNS,
    LineColumn,
    LineRules,
    ReadLine,
    Values,
    blank_values,
    display_quantum,
    is_blank,
    normalize_values,
)
from .undo import InsertRowsCommand, MoveRowCommand, RemoveRowsCommand, SetRowsCommand

SORT_ROLE = Qt.ItemDataRole.UserRole + 1  # the raw value a column sorts by
PROBLEM_ROLE = Qt.ItemDataRole.UserRole + 2  # the rule the cell breaks, or None

AnyIndex = QModelIndex | QPersistentModelIndex

HEADERS: dict[LineColumn, str] = {
    LineColumn.SKU: "SKU",
    LineColumn.DESCRIPTION: "Description",
    LineColumn.URL: "Product URL",
    LineColumn.UNIT_COST: "Unit price",
    LineColumn.QUANTITY: "Qty",
    LineColumn.DISCOUNT: "Discount",
    LineColumn.DISCOUNT_TYPE: "Disc. as",
    LineColumn.TAX: "Tax",
    LineColumn.TAX_TYPE: "Tax as",
    LineColumn.NET: "Net",
    LineColumn.DISCOUNT_SUM: "− Discount",
    LineColumn.TAX_SUM: "+ Tax",
    LineColumn.TOTAL: "Line total",
}
#: Words a person pasting a header row might use for each column (case-insensitive).
NUMERIC_COLUMNS = frozenset(
    {LineColumn.UNIT_COST, LineColumn.QUANTITY, LineColumn.DISCOUNT, LineColumn.TAX}
    | set(COMPUTED_COLUMNS)
)
ERROR_BACKGROUND = "#ffd6d6"
COMPUTED_BACKGROUND = "#f1f3f5"
UNCHECKED_BACKGROUND = "#fff9db"
#: A paste larger than this is checked in slices after it is shown.
CHECK_NOW_LIMIT = 50
#: Time one slice of checking may take before letting events through (well within a frame).
SLICE_SECONDS = 0.006


class _Row:
    __slots__ = ("blank", "checked", "problems", "values")

    def __init__(self, values: Values, read: ReadLine) -> None:
        self.values = values
        self.problems = read.problems
        self.checked = read.checked
        self.blank = is_blank(values)


def header_tooltip(kind: GatewayKind, column: LineColumn) -> str:
    per = "per unit" if kind is GatewayKind.GEIDEA else "for the whole line"
    tips = {
        LineColumn.UNIT_COST: "Price of one unit, in the invoice currency",
        LineColumn.QUANTITY: "A whole number, at least 1",
        LineColumn.DISCOUNT: f"A percentage, or an amount {per} (see 'Disc. as')",
        LineColumn.DISCOUNT_TYPE: "% : the discount is a rate; Amount: a fixed amount",
        LineColumn.TAX: f"A percentage (e.g. 15 for VAT), or an amount {per} (see 'Tax as')",
        LineColumn.TAX_TYPE: "% : the tax is a rate; Amount: a fixed amount",
        LineColumn.NET: "Unit price × quantity (computed)",
        LineColumn.DISCOUNT_SUM: "Discount taken off this line (computed)",
        LineColumn.TAX_SUM: "Tax added to this line (computed)",
        LineColumn.TOTAL: "Net − discount + tax (computed)",
    }
    return tips.get(column, "")


class LinesModel(QAbstractTableModel):
    """The line items being edited. ``totals_changed`` after every change of a figure;
    ``problems_changed`` when the number of rows with problems (or still unchecked) changes."""

    totals_changed = Signal()
    problems_changed = Signal()

    def __init__(self, rules: LineRules, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        #: Set by a cell editor while it commits each keystroke: those edits merge into one step.
        self.edit_session: int | None = None
        self._rows: list[_Row] = []
        self._bad = 0
        self._unchecked = 0
        self._filled = 0
        self._check_from = 0  # no unchecked row lies above this one
        self._check_timer = QTimer(self)
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(0)
        self._check_timer.timeout.connect(self._check_slice)
        self.set_rules(rules)

    # -- rules and content -------------------------------------------------------------------

    @property
    def rules(self) -> LineRules:
        return self._rules

    @property
    def engine(self) -> Any:
        return self._engine

    @property
    def kind(self) -> GatewayKind:
        return self._rules.kind

    def set_rules(self, rules: LineRules, rows: Sequence[Values] | None = None) -> None:
        """Another gateway or currency (or a draft opened): the one full rebuild. Clears undo."""
        self._rules = rules
        self._q = display_quantum(rules.kind, rules.currency)
        self._units = max(0, -int(self._q.as_tuple().exponent))
        values = [r.values for r in self._rows] if rows is None else [list(r) for r in rows]
        self.beginResetModel()
        self._rows = []
        self._engine = rules.new_engine()
        self._bad = self._unchecked = self._filled = 0
        self._append(values, check=len(values) <= CHECK_NOW_LIMIT)
        self.endResetModel()
        self.undo_stack.clear()
        self.totals_changed.emit()
        self.problems_changed.emit()

    def _append(self, rows: Sequence[Values], *, check: bool, at: int | None = None) -> None:
        normalized = [normalize_values(v) for v in rows]
        read = self._rules.read(normalized, check=check)
        at = len(self._rows) if at is None else at
        new = [_Row(v, r) for v, r in zip(normalized, read, strict=True)]
        self._rows[at:at] = new
        engine: Any = self._engine
        for offset, r in enumerate(read):
            engine.insert_line(at + offset, r.item)
        for row in new:
            self._count(row, 1)
        if not check and any(not row.checked for row in new):
            self._check_from = min(self._check_from, at)
            self._check_timer.start()

    def _count(self, row: _Row, sign: int) -> None:
        if not row.blank:
            self._filled += sign
        if row.problems:
            self._bad += sign
        if not row.checked:
            self._unchecked += sign

    def row_values(self, row: int) -> Values:
        return list(self._rows[row].values)

    def all_values(self) -> list[Values]:
        return [list(r.values) for r in self._rows]

    def items(self) -> list[Any]:
        """The core items of the rows that are not blank, in order (what would be sent)."""
        lines = self._engine.lines
        return [lines[i] for i, r in enumerate(self._rows) if not r.blank]

    def filled_count(self) -> int:
        """Rows that are not blank (kept as a count: asked on every keystroke)."""
        return self._filled

    @property
    def display_q(self) -> Decimal:
        """The unit amounts are shown at."""
        return self._q

    @property
    def bad_rows(self) -> int:
        return self._bad

    @property
    def unchecked_rows(self) -> int:
        return self._unchecked

    def row_problems(self, row: int) -> dict[int, str]:
        return dict(self._rows[row].problems)

    def problems(self, limit: int = 100) -> Iterator[tuple[int, LineColumn, str]]:
        """(row, column, rule) of the first ``limit`` cell problems, in row order."""
        n = 0
        for i, r in enumerate(self._rows):
            for col, rule in sorted(r.problems.items()):
                yield i, LineColumn(col), rule
                n += 1
                if n >= limit:
                    return

    def figures(self, row: int) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        return self._rules.figures(self._engine, row)

    # -- primitives (called by the undo commands) ---------------------------------------------

    def replace_row_values(self, row: int, values: Values) -> None:
        """Re-read one row, update the engine by it, repaint it: O(1) in the invoice size."""
        old = self._rows[row]
        new_values = normalize_values(values)
        read = self._rules.read([new_values])[0]
        new = _Row(new_values, read)
        self._count(old, -1)
        self._count(new, 1)
        before = (bool(old.problems), old.checked)
        self._rows[row] = new
        self._engine.set_line(row, read.item)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(LineColumn) - 1))
        self.totals_changed.emit()
        if before != (bool(new.problems), new.checked):
            self.problems_changed.emit()

    def insert_row_values(self, at: int, rows: Sequence[Values]) -> None:
        if not rows:
            return
        self.beginInsertRows(QModelIndex(), at, at + len(rows) - 1)
        self._append(rows, check=len(rows) <= CHECK_NOW_LIMIT, at=at)
        self.endInsertRows()
        self.totals_changed.emit()
        self.problems_changed.emit()

    def remove_row_range(self, at: int, count: int) -> None:
        if count <= 0:
            return
        self.beginRemoveRows(QModelIndex(), at, at + count - 1)
        for row in self._rows[at : at + count]:
            self._count(row, -1)
        del self._rows[at : at + count]
        self._check_from = min(self._check_from, at)
        engine = self._engine
        for _ in range(count):
            engine.remove_line(at)
        self.endRemoveRows()
        self.totals_changed.emit()
        self.problems_changed.emit()

    def move_row(self, row: int, to: int) -> None:
        if row == to:
            return
        # Qt's destination is "before this row" in the pre-move numbering.
        dest = to + 1 if to > row else to
        self.beginMoveRows(QModelIndex(), row, row, QModelIndex(), dest)
        self._check_from = min(self._check_from, row, to)
        moved = self._rows.pop(row)
        self._rows.insert(to, moved)
        engine: Any = self._engine
        engine.insert_line(to, engine.remove_line(row))
        self.endMoveRows()

    def _check_slice(self) -> None:
        """Check unchecked rows against core's line rules for one short slice, then yield."""
        started = time.perf_counter()
        changed = False
        rows = self._rows
        i = min(self._check_from, len(rows))
        while i < len(rows):
            if rows[i].checked:
                i += 1
                continue
            start = i
            while i < len(rows) and not rows[i].checked and i - start < 50:
                i += 1
            chunk = rows[start:i]
            had = [bool(r.problems) for r in chunk]
            read = [ReadLine(None, r.problems, False) for r in chunk]
            self._rules.check_rows([r.values for r in chunk], read)
            last = len(LineColumn) - 1
            for offset, (r, bad_before) in enumerate(zip(chunk, had, strict=True)):
                self._unchecked -= 1
                r.checked = True
                if r.problems and not bad_before:
                    self._bad += 1
                    # Only a row that turned out wrong looks different: repaint just those
                    # (a clean paste of 5,000 rows repaints nothing while it is checked).
                    row = start + offset
                    self.dataChanged.emit(self.index(row, 0), self.index(row, last))
            changed = True
            if time.perf_counter() - started > SLICE_SECONDS:
                break
        self._check_from = i
        if self._unchecked:
            if i >= len(rows):
                self._check_from = 0  # a row above was inserted unchecked meanwhile
            self._check_timer.start()
        if changed:
            self.problems_changed.emit()

    def check_all_now(self) -> None:
        """Finish any pending checks at once (tests, benchmarks, and before Create)."""
        while self._unchecked:
            self._check_slice()
        self._check_timer.stop()

    # -- user operations (each one undo command) ----------------------------------------------

    def add_row(self, at: int | None = None, values: Values | None = None) -> int:
        at = len(self._rows) if at is None else at
        self.undo_stack.push(
            InsertRowsCommand(self, at, [values or blank_values()], f"Add line {at + 1}")
        )
        return at

    def duplicate_rows(self, rows: Sequence[int]) -> int:
        rows = sorted(set(rows))
        if not rows:
            return -1
        at = rows[-1] + 1
        values = [self.row_values(r) for r in rows]
        text = f"Duplicate line {rows[0] + 1}" if len(rows) == 1 else f"Duplicate {len(rows)} lines"
        self.undo_stack.push(InsertRowsCommand(self, at, values, text))
        return at

    def delete_rows(self, rows: Sequence[int]) -> None:
        rows = sorted(set(r for r in rows if 0 <= r < len(self._rows)))
        if not rows:
            return
        text = f"Delete line {rows[0] + 1}" if len(rows) == 1 else f"Delete {len(rows)} lines"
        self.undo_stack.push(RemoveRowsCommand(self, rows, text))

    def move(self, row: int, delta: int) -> int:
        to = row + delta
        if not (0 <= row < len(self._rows) and 0 <= to < len(self._rows)):
            return row
        word = "up" if delta < 0 else "down"
        self.undo_stack.push(MoveRowCommand(self, row, to, f"Move line {row + 1} {word}"))
        return to

    def insert_rows(self, at: int, rows: Sequence[Values], text: str) -> None:
        """A paste or an import: one command, whatever its size. A blank row where the rows
        land is replaced rather than pushed down."""
        if not rows:
            return
        blank = 0 <= at < len(self._rows) and self._rows[at].blank
        self.undo_stack.push(InsertRowsCommand(self, at, rows, text, replace_blank=blank))

    def set_row(self, row: int, values: Values, text: str) -> None:
        """Replace one row's inputs at once (a saved item picked)."""
        self.undo_stack.push(SetRowsCommand(self, [(row, self.row_values(row), values)], text))

    # -- Qt model interface --------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(LineColumn)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation is Qt.Orientation.Vertical:
            if role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(self._rows):
                return str(section + 1)
            return None
        if not 0 <= section < len(LineColumn):
            return None
        column = LineColumn(section)
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return header_tooltip(self.kind, column) or None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in NUMERIC_COLUMNS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() in INPUT_COLUMNS:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if not 0 <= index.column() < len(LineColumn):
            return None
        row = self._rows[index.row()]
        column = LineColumn(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(index.row(), row, column)
        if role == Qt.ItemDataRole.EditRole:
            return (
                row.values[column]
                if column in INPUT_COLUMNS
                else self._display(index.row(), row, column)
            )
        if role == Qt.ItemDataRole.ToolTipRole:
            rule = row.problems.get(column)
            if rule:
                return f"{HEADERS[column]} {rule}"
            if not row.checked and column in INPUT_COLUMNS:
                return "Being checked…"
            return None
        if role == PROBLEM_ROLE:
            return row.problems.get(column)
        if role == Qt.ItemDataRole.BackgroundRole:
            if column in row.problems:
                return QBrush(QColor(ERROR_BACKGROUND))
            if column in COMPUTED_COLUMNS:
                return QBrush(QColor(COMPUTED_BACKGROUND))
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if column in row.problems:
                return QBrush(QColor("#8b0000"))
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in NUMERIC_COLUMNS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == SORT_ROLE:
            return self._sort_value(index.row(), row, column)
        return None

    def _money(self, amount: Decimal) -> str:
        rounded = EXACT.quantize(amount, self._q)
        if rounded.is_zero():
            rounded = rounded.copy_abs()
        return f"{rounded:,f}"

    def _display(self, i: int, row: _Row, column: LineColumn) -> str:
        if column in COMPUTED_COLUMNS:
            if row.blank:
                return ""
            figures = self._rules.figures(self._engine, i)
            return self._money(figures[column - LineColumn.NET])
        text = row.values[column]
        if column in row.problems or not text.strip():
            return text
        amount = column is LineColumn.UNIT_COST or (
            column in (LineColumn.DISCOUNT, LineColumn.TAX) and row.values[column + 1] == AMOUNT
        )
        if amount:
            number = self._rules.numbers(row.values).get(column)
            return text if number is None else self._money(number)
        if column in (LineColumn.QUANTITY, LineColumn.DISCOUNT, LineColumn.TAX):
            number = self._rules.numbers(row.values).get(column)
            return text if number is None else f"{number.normalize():f}"
        return text

    def _sort_value(self, i: int, row: _Row, column: LineColumn) -> Any:
        if column in COMPUTED_COLUMNS:
            figures = self._rules.figures(self._engine, i)
            return int(figures[column - LineColumn.NET].scaleb(self._units, EXACT))
        if column in NUMERIC_COLUMNS:
            number = self._rules.numbers(row.values).get(column)
            # Sorted by the exact number (as text of fixed width), never through float.
            return "" if number is None else f"{number:+040.10f}"
        return row.values[column].casefold()

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        column = index.column()
        if column not in INPUT_COLUMNS or not 0 <= index.row() < len(self._rows):
            return False
        text = "" if value is None else str(value)
        row = index.row()
        before = self.row_values(row)
        after = list(before)
        after[column] = text
        if normalize_values(after) == before:
            return True
        what = HEADERS[LineColumn(column)]
        self.undo_stack.push(
            SetRowsCommand(
                self,
                [(row, before, after)],
                f"Edit {what} on line {row + 1}",
                session=self.edit_session,
            )
        )
        return True
