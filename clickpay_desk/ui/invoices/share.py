"""The share panel: the selected invoice's payment link with Copy, Open in browser and its QR
code (segno), saved as PNG or SVG on request; the tab adds its own actions as buttons below
(Send by e-mail / SMS for Geidea, Refund, Cancel...)."""

from __future__ import annotations

import io
from pathlib import Path

import segno
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from clickpay_desk.core.money import format_display
from clickpay_desk.core.profile import GatewayKind
from clickpay_desk.exchange.invoice_export import customer_of

from .list_model import InvoiceRow, status_words

QR_SCALE = 6


def qr_code(text: str) -> segno.QRCode:
    # "M" error correction survives a smudged print and keeps a long link readable.
    return segno.make(text, error="m", micro=False)


def qr_png(text: str, scale: int = QR_SCALE) -> bytes:
    out = io.BytesIO()
    qr_code(text).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def qr_pixmap(text: str, scale: int = QR_SCALE) -> QPixmap:
    pixmap = QPixmap()
    pixmap.loadFromData(qr_png(text, scale), "PNG")
    return pixmap


def save_qr(text: str, path: Path) -> Path:
    """Write the QR code as SVG or PNG (by the file's suffix; PNG when it has none)."""
    path = Path(path)
    if path.suffix.lower() not in (".png", ".svg"):
        path = path.with_suffix(".png")
    kind = path.suffix.lower().lstrip(".")
    if kind == "svg":
        qr_code(text).save(str(path), kind="svg", scale=QR_SCALE, border=4)
    else:
        qr_code(text).save(str(path), kind="png", scale=QR_SCALE, border=4)
    return path


class ActionButton(QPushButton):
    """A button that is one QAction: same text, tooltip, enabled state and visibility."""

    def __init__(
        self, action: QAction, parent: QWidget | None = None, *, mnemonic: bool = False
    ) -> None:
        super().__init__(parent)
        self._action = action
        # Alt+letter keys must stay unique in the window: most buttons leave theirs to the
        # menus (the action keeps it there) and are reached by their shortcut instead.
        self._mnemonic = mnemonic
        self.clicked.connect(action.trigger)
        action.changed.connect(self._sync)
        self._sync()

    def _sync(self) -> None:
        action = self._action
        self.setText(action.text() if self._mnemonic else action.text().replace("&", ""))
        shortcut = action.shortcut().toString()
        self.setToolTip(action.toolTip() + (f" ({shortcut})" if shortcut else ""))
        self.setEnabled(action.isEnabled())
        self.setVisible(action.isVisible())


class SharePanel(QWidget):
    """What the selected invoice is, its link and QR code, and the actions on it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.row: InvoiceRow | None = None
        self.title = QLabel("No invoice selected")
        self.title.setStyleSheet("font-weight: bold; font-size: 14px;")
        self.title.setWordWrap(True)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.amount = QLabel()
        self.customer = QLabel()
        self.customer.setWordWrap(True)
        self.invoice_id = QLabel()
        self.invoice_id.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.payment = QLabel()
        self.payment.setWordWrap(True)
        self.payment.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.link = QLineEdit()
        self.link.setReadOnly(True)
        self.link.setPlaceholderText("(no payment link)")

        self.copy_action = QAction("&Copy link", self)
        self.copy_action.setToolTip("Put the payment link on the clipboard")
        self.copy_action.triggered.connect(self.copy_link)
        self.open_action = QAction("Open in &browser", self)
        self.open_action.setToolTip("Open the payment page in your web browser")
        self.open_action.triggered.connect(self.open_link)
        self.save_qr_action = QAction("Save QR c&ode…", self)
        self.save_qr_action.setToolTip("Save the link's QR code as a PNG or SVG file")
        self.save_qr_action.triggered.connect(self.save_qr_dialog)

        self.qr = QLabel()
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.qr.setMinimumSize(220, 220)
        self.qr.setAccessibleName("Payment link QR code")

        form = QFormLayout()
        form.addRow("Status:", self.status)
        form.addRow("Amount:", self.amount)
        form.addRow("Customer:", self.customer)
        form.addRow("Invoice id:", self.invoice_id)
        form.addRow("Payment:", self.payment)
        link_label = QLabel("Lin&k:")
        link_label.setBuddy(self.link)
        form.addRow(link_label, self.link)

        share_row = QHBoxLayout()
        for action in (self.copy_action, self.open_action, self.save_qr_action):
            share_row.addWidget(ActionButton(action, mnemonic=True))

        self.action_grid = QGridLayout()
        self._actions = 0

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(form)
        layout.addLayout(share_row)
        layout.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addLayout(self.action_grid)
        layout.addStretch(1)
        self.show_row(None)

    def add_action(self, action: QAction) -> ActionButton:
        """A button for one of the tab's actions (two per line)."""
        button = ActionButton(action)
        self.action_grid.addWidget(button, self._actions // 2, self._actions % 2)
        self._actions += 1
        return button

    def link_text(self) -> str:
        return self.row.record.link or "" if self.row is not None else ""

    def show_row(self, row: InvoiceRow | None) -> None:
        same_link = (
            self.row is not None and row is not None and self.link_text() == (row.record.link or "")
        )
        self.row = row
        if row is None:
            self.title.setText("No invoice selected")
            for label in (self.status, self.amount, self.customer, self.invoice_id, self.payment):
                label.clear()
            self.link.clear()
            self.qr.clear()
            self.qr.setText("Select an invoice to see its link and QR code.")
        else:
            rec = row.record
            gateway = "Geidea" if rec.gateway is GatewayKind.GEIDEA else "ClickPay"
            self.title.setText(f"{gateway} invoice “{rec.cart_id}”")
            self.status.setText(status_words(row))
            amount = format_display(rec.amount, rec.currency)
            if row.refunded > 0:
                amount += (
                    f" — refunded {format_display(row.refunded, rec.currency)}, "
                    f"{format_display(row.remaining, rec.currency)} kept"
                )
            self.amount.setText(amount)
            customer = customer_of(rec)
            self.customer.setText(
                " · ".join(v for v in (customer["name"], customer["email"], customer["phone"]) if v)
            )
            self.invoice_id.setText(rec.remote_id or "(not created at the gateway)")
            payment = rec.payload.get("_payment")
            ref = payment.get("tran_ref") if isinstance(payment, dict) else None
            self.payment.setText(f"transaction {ref}" if ref else "")
            self.link.setText(rec.link or "")
            if not same_link:
                if rec.link:
                    self.qr.setPixmap(qr_pixmap(rec.link))
                else:
                    self.qr.clear()
                    self.qr.setText("No link: this invoice was not created at the gateway.")
        has_link = bool(self.link_text())
        for action in (self.copy_action, self.open_action, self.save_qr_action):
            action.setEnabled(has_link)

    def copy_link(self) -> None:
        if self.link_text():
            QGuiApplication.clipboard().setText(self.link_text())

    def open_link(self) -> None:
        if self.link_text():
            QDesktopServices.openUrl(QUrl(self.link_text()))

    def save_qr_dialog(self) -> None:
        if not self.link_text() or self.row is None:
            return
        name = f"invoice-{self.row.record.cart_id}.png".replace("/", "-")
        path, _filter = QFileDialog.getSaveFileName(
            self, "Save the QR code", name, "PNG image (*.png);;SVG image (*.svg)"
        )
        if path:
            save_qr(self.link_text(), Path(path))
