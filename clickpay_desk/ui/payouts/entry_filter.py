"""The entries table's filter: the text typed in the filter box and the gateway status shown."""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression
from PySide6.QtWidgets import QWidget

from ..record_model import SourceSortedProxy
from .entries_model import CELL_MARK, FILTER_ROLE


class EntryFilter(SourceSortedProxy):
    """Text filter over every cell and a status filter, both one regular expression that Qt
    matches on the model's FILTER_ROLE; the entries model sorts its own rows by the raw values.

    No Python ``filterAcceptsRow``: after each sort Qt checks every row again, and with no
    filter set it then keeps them all without a call into Python (30,000 calls saved)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFilterRole(FILTER_ROLE)
        self.setFilterKeyColumn(0)
        self._status: str | None = None
        self._text = ""

    def setFilterFixedString(self, pattern: str) -> None:
        """Keep the entries with ``pattern`` in a cell (any case)."""
        self._text = pattern
        self._apply()

    @property
    def status(self) -> str | None:
        """The gateway status shown (None: every entry)."""
        return self._status

    def set_status(self, status: str | None) -> None:
        """Show only entries in this gateway status (None: every entry)."""
        self._status = status
        self._apply()

    def _apply(self) -> None:
        if self._status is None and not self._text:
            expression = QRegularExpression()  # empty: every row kept, nothing asked
        else:
            status = QRegularExpression.escape(self._status) if self._status else f"[^{CELL_MARK}]*"
            cells = f".*{CELL_MARK}[^{CELL_MARK}]*{QRegularExpression.escape(self._text)}"
            expression = QRegularExpression(
                f"^{status}{cells}" if self._text else f"^{status}{CELL_MARK}",
                QRegularExpression.PatternOption.CaseInsensitiveOption
                | QRegularExpression.PatternOption.DotMatchesEverythingOption,
            )
        self.setFilterRegularExpression(expression)
