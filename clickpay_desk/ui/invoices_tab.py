"""The Invoices tab (placeholder until the invoices issue fills it)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from .coming_page import ComingPage


class InvoicesTab(ComingPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            "Invoices",
            "Build invoices with live totals, send their payment links and follow their status.",
            parent,
        )
