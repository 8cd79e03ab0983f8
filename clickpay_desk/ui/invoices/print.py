"""Print an invoice, or write it as a PDF, with Qt's own QPdfWriter / QPrinter (no other
dependency): the merchant's details, the customer, the lines, the totals, the payment link's QR
code and, where the merchant has a VAT registration number, the Saudi e-invoicing (ZATCA
phase 1) QR code.

The painting works on any QPagedPaintDevice and uses QImage only (not QPixmap), so it does not
depend on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMarginsF, QRectF, Qt
from PySide6.QtGui import (
    QFont,
    QFontMetricsF,
    QImage,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
)
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from clickpay_desk.core.money import format_amount
from clickpay_desk.core.profile import GatewayKind, Profile
from clickpay_desk.core.rules import ValidationError
from clickpay_desk.core.zatca import ZatcaInvoice, vat_number_problem
from clickpay_desk.exchange.invoice_export import InvoiceDocument

from .share import qr_png

#: Settings key (in the store) of a profile's merchant details for printed invoices.
MERCHANT_KEY = "merchant_details:{profile_id}"
RESOLUTION = 300


@dataclass(frozen=True)
class MerchantDetails:
    """Who issues the invoice, as printed on it."""

    name: str
    vat_number: str = ""
    address: str = ""
    contact: str = ""


def merchant_of(profile: Profile, saved: Mapping[str, Any] | None = None) -> MerchantDetails:
    """The profile's merchant details: what was saved for it (settings), else the profile's
    name (and a ``vat_number`` the profile carries, when it carries one)."""
    saved = saved or {}
    return MerchantDetails(
        name=str(saved.get("name") or profile.name),
        vat_number=str(saved.get("vat_number") or getattr(profile, "vat_number", "") or ""),
        address=str(saved.get("address") or ""),
        contact=str(saved.get("contact") or ""),
    )


def zatca_text(doc: InvoiceDocument, merchant: MerchantDetails) -> str | None:
    """The ZATCA phase-1 QR payload, or None when the merchant has no (valid) VAT number."""
    if not merchant.vat_number.strip():
        return None
    try:
        return ZatcaInvoice(
            seller_name=merchant.name,
            vat_number=merchant.vat_number,
            timestamp=doc.created.astimezone(UTC) if doc.created.tzinfo else doc.created,
            total=doc.total,
            vat_total=doc.tax,
            currency=doc.currency,
        ).qr_text()
    except ValidationError:
        return None


def _qr_image(text: str) -> QImage:
    image = QImage()
    image.loadFromData(qr_png(text, scale=8), "PNG")
    return image


class _Pages:
    """A cursor down the pages of one device."""

    def __init__(self, device: QPagedPaintDevice, painter: QPainter) -> None:
        self.device = device
        self.p = painter
        self.rect = QRectF(painter.viewport())
        self.margin = self.rect.width() * 0.07
        self.left = self.margin
        self.right = self.rect.width() - self.margin
        self.bottom = self.rect.height() - self.margin
        self.y = self.margin

    def need(self, height: float) -> None:
        if self.y + height > self.bottom:
            self.device.newPage()
            self.y = self.margin

    def font(self, size: float, bold: bool = False) -> QFontMetricsF:
        font = QFont("DejaVu Sans")
        font.setPointSizeF(size)
        font.setBold(bold)
        self.p.setFont(font)
        return QFontMetricsF(font, self.device)

    def line(self, text: str, size: float = 10, bold: bool = False, gap: float = 0.25) -> None:
        metrics = self.font(size, bold)
        height = metrics.height()
        self.need(height)
        self.p.drawText(
            QRectF(self.left, self.y, self.right - self.left, height),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            text,
        )
        self.y += height * (1 + gap)

    def columns(
        self, cells: list[str], widths: list[float], size: float = 9, bold: bool = False
    ) -> None:
        metrics = self.font(size, bold)
        height = metrics.height() * 1.4
        self.need(height)
        x = self.left
        total = self.right - self.left
        for index, (text, share) in enumerate(zip(cells, widths, strict=True)):
            width = total * share
            align = Qt.AlignmentFlag.AlignLeft if index < 2 else Qt.AlignmentFlag.AlignRight
            shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, width - 8)
            self.p.drawText(
                QRectF(x + 4, self.y, width - 8, height),
                int(align | Qt.AlignmentFlag.AlignVCenter),
                shown,
            )
            x += width
        self.y += height
        if bold:
            self.p.drawLine(int(self.left), int(self.y), int(self.right), int(self.y))


_WIDTHS = [0.12, 0.38, 0.12, 0.08, 0.10, 0.10, 0.10]


def paint_invoice(
    device: QPagedPaintDevice, doc: InvoiceDocument, merchant: MerchantDetails
) -> None:
    """Paint the invoice onto ``device`` (a QPdfWriter or a QPrinter), page after page."""
    painter = QPainter(device)
    try:
        _paint(device, painter, doc, merchant)
    finally:
        painter.end()


def _paint(
    device: QPagedPaintDevice, painter: QPainter, doc: InvoiceDocument, merchant: MerchantDetails
) -> None:
    pages = _Pages(device, painter)
    cur = doc.currency

    def money(amount: Any) -> str:
        return f"{format_amount(amount, cur)}"

    pages.line(merchant.name, 16, bold=True)
    for text in (merchant.address, merchant.contact):
        if text:
            pages.line(text, 9)
    if merchant.vat_number:
        pages.line(f"VAT registration number: {merchant.vat_number}", 9)
    pages.y += pages.margin * 0.3
    kind = "Tax invoice" if merchant.vat_number else "Invoice"
    pages.line(f"{kind} {doc.reference}", 14, bold=True)
    if doc.remote_id:
        gateway = "Geidea" if doc.gateway is GatewayKind.GEIDEA else "ClickPay"
        pages.line(f"{gateway} invoice id: {doc.remote_id}", 9)
    pages.line(f"Issued: {doc.created.astimezone():%Y-%m-%d %H:%M}", 9)
    if doc.due is not None:
        pages.line(f"Due: {doc.due:%Y-%m-%d}", 9)
    if doc.expiry is not None:
        pages.line(f"Payable until: {doc.expiry:%Y-%m-%d}", 9)
    pages.line(f"Status: {doc.status}", 9)
    if doc.description:
        pages.line(doc.description, 10)
    pages.y += pages.margin * 0.2
    pages.line("Bill to", 10, bold=True, gap=0.1)
    for text in (doc.customer_name, doc.customer_email, doc.customer_phone, doc.customer_address):
        if text:
            pages.line(text, 9, gap=0.1)
    pages.y += pages.margin * 0.3

    header = ["SKU", "Description", "Unit cost", "Qty", "Discount", "Tax", "Total"]
    pages.columns(header, _WIDTHS, bold=True)
    for line in doc.lines:
        quantity = (
            f"{int(line.quantity)}"
            if line.quantity == line.quantity.to_integral_value()
            else f"{line.quantity:f}"
        )
        pages.columns(
            [
                line.sku,
                line.description,
                money(line.unit_cost),
                quantity,
                money(line.discount),
                money(line.tax),
                money(line.total),
            ],
            _WIDTHS,
        )
    pages.y += pages.margin * 0.2
    for label, amount, bold in (
        ("Subtotal", doc.subtotal, False),
        ("Discounts", doc.discount, False),
        ("Tax (VAT)", doc.tax, False),
        ("Shipping and charges", doc.charges, False),
        ("Extra discount", doc.extra_discount, False),
        (f"Total ({cur})", doc.total, True),
    ):
        if not bold and not amount:
            continue
        pages.columns(["", label, "", "", "", "", money(amount)], _WIDTHS, 10, bold)
    if doc.refunded:
        pages.columns(["", "Refunded", "", "", "", "", money(doc.refunded)], _WIDTHS, 10)
    if doc.tran_ref:
        pages.line(f"Paid: transaction {doc.tran_ref} {doc.result}".strip(), 9)

    codes: list[tuple[str, str]] = []
    if doc.link:
        codes.append(("Scan to pay", doc.link))
    zatca = zatca_text(doc, merchant)
    if zatca:
        codes.append(("ZATCA e-invoice QR", zatca))
    if codes:
        side = (pages.right - pages.left) * 0.28
        caption = pages.font(8).height() * 1.4
        pages.need(side + caption * 2)
        pages.y += caption
        x = pages.left
        for title, text in codes:
            painter.drawImage(QRectF(x, pages.y, side, side), _qr_image(text))
            pages.font(8)
            painter.drawText(
                QRectF(x, pages.y + side, side, caption),
                int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter),
                title,
            )
            x += side + pages.margin
        pages.y += side + caption
        if doc.link:
            pages.line(doc.link, 7)


def write_pdf(doc: InvoiceDocument, merchant: MerchantDetails, path: Path) -> Path:
    """Write the invoice as a PDF (A4) to ``path``."""
    path = Path(path)
    if path.suffix.lower() != ".pdf":
        path = path.with_suffix(".pdf")
    writer = QPdfWriter(str(path))
    writer.setResolution(RESOLUTION)
    writer.setTitle(f"Invoice {doc.reference}")
    writer.setCreator("ClickPay Desk")
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(0, 0, 0, 0),
        )
    )
    paint_invoice(writer, doc, merchant)
    del writer  # the file is complete once the writer is gone
    return path


def pdf_name(doc: InvoiceDocument) -> str:
    stamp = datetime.now().strftime("%Y%m%d")
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in doc.reference)
    return f"invoice-{safe}-{stamp}.pdf"


class MerchantDialog(QDialog):
    """The merchant's details printed on invoices: name, VAT registration number (which adds
    the ZATCA QR code), address and contact. ``values()`` once accepted."""

    def __init__(self, merchant: MerchantDetails, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Merchant details on printed invoices")
        self.setMinimumWidth(460)
        self.name = QLineEdit(merchant.name)
        self.vat = QLineEdit(merchant.vat_number)
        self.vat.setPlaceholderText("15 digits, e.g. 310122393500003 (Saudi Arabia)")
        self.address = QLineEdit(merchant.address)
        self.contact = QLineEdit(merchant.contact)
        self.contact.setPlaceholderText("phone, e-mail or web site")
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #c92a2a;")
        self.problem.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Seller &name:", self.name)
        form.addRow("&VAT registration number:", self.vat)
        form.addRow("&Address:", self.address)
        form.addRow("&Contact:", self.contact)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        note = QLabel(
            "With a VAT registration number, printed invoices are tax invoices and carry the "
            "ZATCA (Saudi e-invoicing, phase 1) QR code."
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        for edit in (self.name, self.vat):
            edit.textChanged.connect(self._check)
        self._check()

    def values(self) -> dict[str, str]:
        return {
            "name": self.name.text().strip(),
            "vat_number": self.vat.text().strip(),
            "address": self.address.text().strip(),
            "contact": self.contact.text().strip(),
        }

    def _check(self) -> None:
        values = self.values()
        problems = []
        if not values["name"]:
            problems.append("Seller name is required")
        if values["vat_number"]:
            problem = vat_number_problem(values["vat_number"])
            if problem:
                problems.append(f"VAT registration number {problem}")
        self.problem.setText("; ".join(problems))
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(not problems)
