"""The lines table view: Tab and Shift+Tab walk the cells a user types into (the computed
figures and hidden columns are skipped), and Tab from the last of them adds a line."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QTableView, QWidget

AnyIndex = QModelIndex | QPersistentModelIndex
_Move = QAbstractItemView.CursorAction


class LinesView(QTableView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        #: Called when Tab leaves the last editable cell; returns the new row (or -1).
        self.append_row: Callable[[], int] | None = None

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
