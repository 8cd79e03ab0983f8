"""A tab whose feature is not built yet: says so plainly, with nothing pretending to work."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class ComingPage(QWidget):
    """A heading and one paragraph saying what will be here."""

    def __init__(self, title: str, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        heading = QLabel(f"<h2>{title}</h2>")
        heading.setTextFormat(Qt.TextFormat.RichText)
        body = QLabel(f"{what}<br><br><b>Coming:</b> this part of ClickPay Desk is not built yet.")
        body.setTextFormat(Qt.TextFormat.RichText)
        body.setWordWrap(True)
        body.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        # A centred word-wrapped label would otherwise shrink to a narrow, clipped column.
        body.setFixedWidth(480)
        body.setMinimumHeight(body.heightForWidth(480))
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(heading, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(body, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
