"""The Payouts tab (placeholder until the payouts issue fills it)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from .coming_page import ComingPage


class PayoutsTab(ComingPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            "Payouts",
            "Build payout batches from spreadsheets, submit them, track each transfer and "
            "export the results to XLSX.",
            parent,
        )
