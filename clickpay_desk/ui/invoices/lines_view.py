"""The lines table view: Tab and Shift+Tab walk the cells a user types into (the computed
figures and hidden columns are skipped), and Tab from the last of them adds a line. One column
(the description) takes the width the others leave, but never less than it needs to be read, so
the table fits its place without a horizontal scroll bar whenever it can."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QTableView, QWidget

AnyIndex = QModelIndex | QPersistentModelIndex
_Move = QAbstractItemView.CursorAction


class LinesView(QTableView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        #: Called when Tab leaves the last editable cell; returns the new row (or -1).
        self.append_row: Callable[[], int] | None = None
        #: The column that takes the width left over (-1: none), and its least width.
        self.fill_column = -1
        self.fill_minimum = 120
        self._fitting = False

    def set_fill_column(self, column: int, minimum: int) -> None:
        self.fill_column, self.fill_minimum = column, minimum
        self.horizontalHeader().sectionResized.connect(self._section_resized)
        self.fit_columns()

    def fit_columns(self) -> None:
        """Give the fill column what the other visible columns leave of the viewport."""
        header = self.horizontalHeader()
        column = self.fill_column
        if column < 0 or column >= header.count() or self._fitting:
            return
        others = sum(
            header.sectionSize(c)
            for c in range(header.count())
            if c != column and not header.isSectionHidden(c)
        )
        width = max(self.fill_minimum, self.viewport().width() - others)
        if header.sectionSize(column) != width:
            self._fitting = True
            try:
                header.resizeSection(column, width)
            finally:
                self._fitting = False

    def setColumnHidden(self, column: int, hide: bool) -> None:
        super().setColumnHidden(column, hide)
        self.fit_columns()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_columns()

    def _section_resized(self, column: int, _old: int, _new: int) -> None:
        if column != self.fill_column:  # the user widened another column: take it from ours
            self.fit_columns()

    def _editable(self, row: int, column: int) -> bool:
        model = self.model()
        if model is None or self.isColumnHidden(column):
            return False
        return bool(model.flags(model.index(row, column)) & Qt.ItemFlag.ItemIsEditable)

    def moveCursor(
        self, cursorAction: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier
    ) -> QModelIndex:
        model = self.model()
        current = self.currentIndex()
        if (
            model is None
            or not current.isValid()
            or cursorAction
            not in (
                _Move.MoveNext,
                _Move.MovePrevious,
            )
        ):
            return super().moveCursor(cursorAction, modifiers)
        rows, columns = model.rowCount(), model.columnCount()
        step = 1 if cursorAction is _Move.MoveNext else -1
        row, column = current.row(), current.column()
        for _ in range(rows * columns + 1):
            column += step
            if column >= columns:
                row, column = row + 1, 0
            elif column < 0:
                row, column = row - 1, columns - 1
            if row >= rows:
                new_row = self.append_row() if self.append_row is not None else -1
                if new_row < 0:
                    return current
                rows = model.rowCount()
                row, column = new_row, -1
                continue
            if row < 0:
                return current
            if self._editable(row, column):
                return model.index(row, column)
        return current
