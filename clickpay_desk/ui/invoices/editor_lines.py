"""The invoice editor's actions on the lines: add, delete, duplicate, move, copy, paste from a
spreadsheet and import a CSV/XLSX file (each one undo step).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QFileDialog, QWidget

from clickpay_desk.exchange.lines_import import ImportedLines, parse_clipboard, read_lines_file

from ..context import DeskContext
from ..errors import user_message
from ..tasks import TaskKind
from .line_rules import (
    COLUMN_OF_KEY,
    FIELD_KEYS,
    INPUT_COLUMNS,
    LineColumn,
    Values,
    blank_values,
    is_blank,
)
from .lines_model import LinesModel
from .lines_view import LinesView

if TYPE_CHECKING:
    _Base = QWidget
else:
    _Base = object  # a mixin of InvoiceEditor, which is the QWidget


class LinesActions(_Base):
    """The lines table's actions."""

    if TYPE_CHECKING:  # what the other parts of InvoiceEditor give this one
        ctx: DeskContext
        delete_lines_action: QAction
        duplicate_action: QAction
        model: LinesModel
        move_down_action: QAction
        move_up_action: QAction
        save_item_action: QAction
        table: LinesView

        def _say(self, text: str) -> None: ...

    def _selected_rows(self) -> list[int]:
        rows = {i.row() for i in self.table.selectionModel().selectedIndexes()}
        current = self.table.currentIndex()
        if not rows and current.isValid():
            rows = {current.row()}
        return sorted(rows)

    def _selection_changed(self, *_args: Any) -> None:
        rows = self._selected_rows()
        has = bool(rows)
        for action in (self.delete_lines_action, self.duplicate_action, self.save_item_action):
            action.setEnabled(has)
        current = self.table.currentIndex().row()
        self.move_up_action.setEnabled(len(rows) <= 1 and current > 0)
        self.move_down_action.setEnabled(
            len(rows) <= 1 and 0 <= current < self.model.rowCount() - 1
        )

    def _focus_cell(self, row: int, col: int = int(LineColumn.DESCRIPTION)) -> None:
        if 0 <= row < self.model.rowCount():
            index = self.model.index(row, col)
            self.table.setCurrentIndex(index)
            self.table.scrollTo(index)

    def _add_line(self) -> None:
        current = self.table.currentIndex()
        at = current.row() + 1 if current.isValid() else self.model.rowCount()
        self._focus_cell(self.model.add_row(at))
        self.table.setFocus()

    def _append_row_by_tab(self) -> int:
        """Tab from the last cell: a new line, unless the last one is still empty."""
        last = self.model.rowCount() - 1
        if last >= 0 and is_blank(self.model.row_values(last)):
            return -1
        return self.model.add_row()

    def _delete_lines(self) -> None:
        rows = self._selected_rows()
        if not rows:
            return
        stack = self.model.undo_stack
        stack.beginMacro(f"Delete {len(rows)} line(s)")
        self.model.delete_rows(rows)
        if self.model.rowCount() == 0:
            self.model.add_row(0)  # always a row to type into; undone with the delete
        stack.endMacro()
        self._focus_cell(min(rows[0] if rows else 0, self.model.rowCount() - 1))

    def _duplicate_lines(self) -> None:
        at = self.model.duplicate_rows(self._selected_rows())
        self._focus_cell(at)

    def _move(self, delta: int) -> None:
        current = self.table.currentIndex()
        if not current.isValid():
            return
        to = self.model.move(current.row(), delta)
        self.table.setCurrentIndex(self.model.index(to, current.column()))

    def _copy(self) -> None:
        """The selected cells as tab-separated text (typed values, not formatted)."""
        indexes = sorted(
            self.table.selectionModel().selectedIndexes(), key=lambda i: (i.row(), i.column())
        )
        if not indexes:
            return
        rows: dict[int, list[str]] = {}
        for index in indexes:
            rows.setdefault(index.row(), []).append(str(index.data(Qt.ItemDataRole.EditRole) or ""))
        QGuiApplication.clipboard().setText("\n".join("\t".join(r) for r in rows.values()))

    def paste_from_clipboard(self) -> None:
        self.paste_text(QGuiApplication.clipboard().text())

    def _visible_order(self, start: int = 0) -> list[str]:
        cols = [c for c in INPUT_COLUMNS if not self.table.isColumnHidden(int(c)) and c >= start]
        return [FIELD_KEYS[c] for c in cols]

    def paste_text(self, text: str) -> None:
        """Rows from a spreadsheet (tab-separated, header row optional) as new lines, one
        undo step; a single value goes into the current cell."""
        if not text.strip():
            self._say("The clipboard is empty.")
            return
        current = self.table.currentIndex()
        if "\t" not in text and "\n" not in text.strip() and current.isValid():
            if current.column() in INPUT_COLUMNS:
                self.model.setData(current, text.strip())
            return
        start = current.column() if current.isValid() and current.column() in INPUT_COLUMNS else 0
        imported = parse_clipboard(text, self._visible_order(start))
        self._insert_imported(imported, "Paste", current.row() if current.isValid() else -1)

    def _insert_imported(self, imported: ImportedLines, verb: str, row: int) -> None:
        rows = [self._values_of(line) for line in imported.rows]
        if not rows:
            self._say("Nothing to add: " + ("; ".join(imported.notes) or "no rows found."))
            return
        last = self.model.rowCount() - 1
        if row < 0 and last >= 0 and is_blank(self.model.row_values(last)):
            at = last  # the empty row at the end is where new lines go
        elif row < 0:
            at = self.model.rowCount()
        elif is_blank(self.model.row_values(row)):
            at = row
        else:
            at = row + 1
        text = f"{verb} {len(rows)} line(s)"
        self.model.insert_rows(at, rows, text)
        self._focus_cell(at)
        note = f"{text}." + (" " + " ".join(imported.notes) if imported.notes else "")
        if imported.header_used:
            note += " Columns matched by the header row."
        self._say(note)

    @staticmethod
    def _values_of(line: Mapping[str, str]) -> Values:
        values = blank_values()
        for key, text in line.items():
            col = COLUMN_OF_KEY.get(key)
            if col is not None:
                values[col] = text
        return values

    def _import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import lines", str(Path.home()), "Spreadsheets (*.csv *.xlsx);;All files (*)"
        )
        if path:
            self.import_file(path)

    def import_file(self, path: str | Path) -> None:
        """Read a CSV/XLSX of lines in a worker, then add them as one undo step."""
        order = self._visible_order()
        current = self.table.currentIndex()
        row = current.row() if current.isValid() else -1
        name = Path(path).name
        self.ctx.runner.submit(
            lambda _ctx: read_lines_file(path, order),
            kind=TaskKind.READ,
            title=f"Reading {name}",
            owner=self,
            on_done=lambda imported: self._insert_imported(imported, f"Import from {name}:", row),
            on_error=lambda exc: self._say(f"Could not import {name}: {user_message(exc)}"),
        )
