"""The payment page link of a new agreement, for the customer's first payment: Copy, Open, QR."""

from __future__ import annotations

import segno
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


def qr_pixmap(text: str, scale: int = 5) -> QPixmap:
    """The QR code of ``text`` (segno), as a pixmap."""
    data = segno.make(text, error="m").png_data_uri(scale=scale, border=2)
    pixmap = QPixmap()
    import base64

    pixmap.loadFromData(base64.b64decode(data.split(",", 1)[1]), "PNG")
    return pixmap


class PaymentLinkDialog(QDialog):
    def __init__(self, url: str, heading: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Payment page for the first payment")
        self.url = url
        intro = QLabel(heading)
        intro.setWordWrap(True)
        self.link = QLineEdit(url)
        self.link.setReadOnly(True)
        self.link.setAccessibleName("Payment page link")
        self.link.setCursorPosition(0)
        self.link.setMinimumWidth(420)
        self.copy_button = QPushButton("&Copy link")
        self.copy_button.clicked.connect(self.copy)
        self.open_button = QPushButton("&Open in browser")
        self.open_button.clicked.connect(self.open_in_browser)
        self.qr = QLabel()
        self.qr.setPixmap(qr_pixmap(url))
        self.qr.setAccessibleName("QR code of the payment page link")
        self.qr.setToolTip("The customer can scan this to pay")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        row = QHBoxLayout()
        row.addWidget(self.link, 1)
        row.addWidget(self.copy_button)
        row.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(row)
        layout.addWidget(self.qr)
        layout.addWidget(buttons)
        self.copy_button.setFocus()

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.url)

    def open_in_browser(self) -> None:
        QDesktopServices.openUrl(QUrl(self.url))
