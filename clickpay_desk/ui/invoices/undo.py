"""Edits of the lines table as undo commands over the model's primitives.

``setData``, a paste, an import, adding, deleting, moving and duplicating rows each push one
labelled command holding what it needs to go both ways (the rows' text before and after). Redo
and undo call the model's primitives, which re-read the rows touched through ``core`` and update
the totals engine by those rows only. Undo covers the draft: a request that was sent is never
undone here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

if TYPE_CHECKING:
    from .line_rules import Values
    from .lines_model import LinesModel


_TYPING = 1  # the merge id of commands typed into one open cell editor


class SetRowsCommand(QUndoCommand):
    """Rows whose cells changed (one cell typed, or a saved item picked into a row)."""

    def __init__(
        self,
        model: LinesModel,
        changes: Sequence[tuple[int, Values, Values]],
        text: str,
        *,
        session: int | None = None,
    ) -> None:
        super().__init__(text)
        self._model = model
        self._changes = [(row, list(before), list(after)) for row, before, after in changes]
        # Keystrokes typed into one cell editor ("1", "15", "150") are one undo step.
        self.session = session

    def id(self) -> int:
        return _TYPING if self.session is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetRowsCommand) or other.session != self.session:
            return False
        if len(self._changes) != 1 or len(other._changes) != 1:
            return False
        row, before, _after = self._changes[0]
        other_row, _other_before, after = other._changes[0]
        if row != other_row:
            return False
        self._changes[0] = (row, before, after)
        return True

    def redo(self) -> None:
        for row, _before, after in self._changes:
            self._model.replace_row_values(row, after)

    def undo(self) -> None:
        for row, before, _after in reversed(self._changes):
            self._model.replace_row_values(row, before)


class InsertRowsCommand(QUndoCommand):
    """New rows at ``at`` (add, duplicate, paste, import); with ``replace_blank`` the blank row
    at ``at`` gives way to them (and comes back on undo)."""

    def __init__(
        self,
        model: LinesModel,
        at: int,
        rows: Sequence[Values],
        text: str,
        *,
        replace_blank: bool = False,
    ) -> None:
        super().__init__(text)
        self._model = model
        self._at = at
        self._rows = [list(r) for r in rows]
        self._replaced = [model.row_values(at)] if replace_blank else []

    def redo(self) -> None:
        if self._replaced:
            self._model.remove_row_range(self._at, 1)
        self._model.insert_row_values(self._at, self._rows)

    def undo(self) -> None:
        self._model.remove_row_range(self._at, len(self._rows))
        if self._replaced:
            self._model.insert_row_values(self._at, self._replaced)


class RemoveRowsCommand(QUndoCommand):
    """Rows deleted (any selection, not necessarily contiguous)."""

    def __init__(
        self,
        model: LinesModel,
        rows: Sequence[int],
        text: str,
    ) -> None:
        super().__init__(text)
        self._model = model
        self._removed = [(row, model.row_values(row)) for row in sorted(set(rows))]

    def redo(self) -> None:
        for row, _values in reversed(self._removed):
            self._model.remove_row_range(row, 1)

    def undo(self) -> None:
        for row, values in self._removed:
            self._model.insert_row_values(row, [values])


class MoveRowCommand(QUndoCommand):
    """One row moved up or down by one place."""

    def __init__(self, model: LinesModel, row: int, to: int, text: str) -> None:
        super().__init__(text)
        self._model = model
        self._row = row
        self._to = to

    def redo(self) -> None:
        self._model.move_row(self._row, self._to)

    def undo(self) -> None:
        self._model.move_row(self._to, self._row)
