"""A stand-in for the invoice editor (same contract), so the tab's tests drive creation
directly with core invoices."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class StandInEditor(QWidget):
    create_requested = Signal(object)
    drafts_changed = Signal()

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.profile: Any = None
        self.drafts: list[Any] = []
        self.duplicated: list[dict[str, Any]] = []
        self.finished: list[bool] = []
        self.create_action = QAction("Create", self)
        QVBoxLayout(self).addWidget(QLabel("(the invoice editor)"))

    def set_profile(self, profile: Any) -> None:
        self.profile = profile

    def new_draft(self, prefill: Mapping[str, Any] | None = None) -> None:
        self.drafts.append(prefill)

    def open_draft(self, key: str) -> None:
        self.drafts.append(key)

    def duplicate_from(self, payload: Mapping[str, Any]) -> None:
        self.duplicated.append(dict(payload))

    def creation_finished(self, ok: bool) -> None:
        self.finished.append(ok)
