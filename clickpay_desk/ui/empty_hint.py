"""A sentence over an item view while it shows no rows: what to do to fill it.

An empty table says nothing to someone who opens a tab for the first time; this label sits on
the view's viewport (it lets clicks through) and hides itself as soon as the model has a row.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QAbstractItemView, QLabel


class EmptyHint(QLabel):
    """``text()`` is what the view says while its model is empty ("" says nothing)."""

    MARGIN = 24

    def __init__(self, view: QAbstractItemView, text: str = "") -> None:
        super().__init__(text, view.viewport())
        self._view = view
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        view.viewport().installEventFilter(self)
        model = view.model()
        model.rowsInserted.connect(self.update_shown)
        model.rowsRemoved.connect(self.update_shown)
        model.modelReset.connect(self.update_shown)
        model.layoutChanged.connect(self.update_shown)
        self.update_shown()

    @property
    def showing(self) -> bool:
        """Shown to the user whenever its view is (independent of the window being on screen)."""
        return self.isVisibleTo(self._view)

    def set_text(self, text: str) -> None:
        if text != self.text():
            self.setText(text)
        self.update_shown()

    def update_shown(self, *_args: object) -> None:
        self._place()
        self.setVisible(bool(self.text()) and self._view.model().rowCount() == 0)

    def _place(self) -> None:
        m = self.MARGIN
        self.setGeometry(self._view.viewport().rect().adjusted(m, m, -m, -m))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self._place()
        return False


__all__ = ["EmptyHint"]
