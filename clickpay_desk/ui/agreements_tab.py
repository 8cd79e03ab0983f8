"""The Agreements tab (placeholder until the repeat-billing issue fills it)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from .coming_page import ComingPage


class AgreementsTab(ComingPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            "Agreements",
            "Watch repeat-billing agreements: their schedule, their payments, and cancel them.",
            parent,
        )
