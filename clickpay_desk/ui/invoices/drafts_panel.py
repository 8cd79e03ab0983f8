"""The list of invoice drafts (kept in the store, so it survives a restart).

One row per draft of the active profile: what it is, for whom, how much, when it was last
saved. Loaded through the task runner; Enter or a double-click opens the draft.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import QLabel, QListView, QVBoxLayout, QWidget

from clickpay_desk.store.records import Draft

KEY_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2

AnyIndex = QModelIndex | QPersistentModelIndex


def draft_title(data: dict[str, Any]) -> str:
    form = data.get("form") or {}
    customer = (form.get("customer") or {}).get("name", "") if isinstance(form, dict) else ""
    what = (form.get("description") or form.get("cart_id") or "") if isinstance(form, dict) else ""
    total = _grouped(str(data.get("total") or ""))
    currency = data.get("currency") or ""
    lines = data.get("line_count") or 0
    parts = [str(what) or "Untitled invoice"]
    if customer:
        parts.append(f"for {customer}")
    head = " ".join(parts)
    return f"{head}\n{lines} line(s), {total} {currency}".strip()


def _grouped(amount: str) -> str:
    """ "3103245.04" → "3,103,245.04" (the draft keeps the plain decimal it was saved with)."""
    try:
        return f"{Decimal(amount):,f}"
    except ArithmeticError:
        return amount


class DraftsModel(QAbstractListModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._drafts: list[Draft] = []

    def set_drafts(self, drafts: Sequence[Draft]) -> None:
        self.beginResetModel()
        self._drafts = list(drafts)
        self.endResetModel()

    def draft_keys(self) -> list[str]:
        return [d.key for d in self._drafts]

    def row_of(self, key: str) -> int:
        return next((i for i, d in enumerate(self._drafts) if d.key == key), -1)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._drafts)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._drafts):
            return None
        draft = self._drafts[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return draft_title(draft.data)
        if role == Qt.ItemDataRole.ToolTipRole:
            saved = draft.updated_at.astimezone().strftime("%Y-%m-%d %H:%M")
            return f"Last saved {saved}. Press Enter to open."
        if role == KEY_ROLE:
            return draft.key
        if role == SORT_ROLE:
            return draft.updated_at.timestamp()
        return None


class DraftsPanel(QWidget):
    """``open_requested(key)`` when the user opens a draft."""

    open_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = DraftsModel(self)
        self.view = QListView()
        self.view.setModel(self.model)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(True)
        self.view.activated.connect(self._activated)
        self.view.doubleClicked.connect(self._activated)
        self.heading = QLabel("<b>Drafts</b>")
        self.empty = QLabel("No drafts. What you type is kept here until the invoice is created.")
        self.empty.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty)

    def set_drafts(self, drafts: Sequence[Draft], current: str | None) -> None:
        self.model.set_drafts(drafts)
        self.empty.setVisible(not drafts)
        row = self.model.row_of(current) if current else -1
        if row >= 0:
            self.view.setCurrentIndex(self.model.index(row))

    def current_key(self) -> str | None:
        index = self.view.currentIndex()
        return index.data(KEY_ROLE) if index.isValid() else None

    def _activated(self, index: QModelIndex) -> None:
        key = index.data(KEY_ROLE)
        if key:
            self.open_requested.emit(key)
