"""The Invoices tab as a shop owner uses it, against the real sandbox server over loopback:
create, share (copy, QR), see it paid, refund part, cancel another, a refused cancel, export,
PDF with its QR codes."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count
from pathlib import Path

import openpyxl
import pytest
import zxingcpp
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from clickpay_desk.core.invoice import CustomerDetails, Invoice, LineItem
from clickpay_desk.core.zatca import read_tlv
from clickpay_desk.ui.invoices import tab as tab_module
from clickpay_desk.ui.invoices.list_model import InvoiceColumn
from clickpay_desk.ui.invoices.print import MerchantDialog
from clickpay_desk.ui.invoices.refund_dialog import RefundDialog
from clickpay_desk.ui.invoices.tab import InvoicesTab
from clickpay_desk.ui.mutations import Mutations
from tests.gui.invoices.standin import StandInEditor

SHOTS = Path("/tmp/shots")
_carts = count(1)


def make_invoice(lines: int = 20) -> Invoice:
    now = datetime.now(UTC)
    return Invoice(
        currency="SAR",
        cart_id=f"GUI-{next(_carts)}-{now.timestamp():.0f}",
        cart_description="Coffee beans",
        lines=tuple(
            LineItem(
                sku=f"B-{i}",
                description=f"Beans {i}",
                unit_cost=Decimal("12.50"),
                quantity=Decimal(2),
                discount_rate=Decimal(10) if i % 2 else Decimal(0),
                tax_rate=Decimal(15),
            )
            for i in range(lines)
        ),
        customer=CustomerDetails(name="Noura Al-Qahtani", email="noura@example.com"),
        due_date=now + timedelta(days=7),
        expiry_date=now + timedelta(days=30),
    )


@pytest.fixture
def tab(qtbot, live_desk, monkeypatch):
    monkeypatch.setattr(tab_module, "editor_factory", StandInEditor)
    mutations = Mutations(live_desk.ctx.runner, live_desk.ctx.store)
    widget = InvoicesTab(live_desk.ctx, mutations)
    qtbot.addWidget(widget)
    widget.resize(1400, 760)
    widget.show()
    widget.set_profile(live_desk.profile)
    return widget


def rows(tab: InvoicesTab) -> list:
    return tab.list.model.rows()


def cell(tab: InvoicesTab, record_id: int, column: InvoiceColumn) -> str:
    row = tab.list.model.find(record_id)
    assert row is not None
    return tab.list.model.index(row, column).data()


def create(qtbot, tab: InvoicesTab, invoice: Invoice):
    before = len(tab.editor.finished)
    tab.editor.create_requested.emit(invoice)
    qtbot.waitUntil(lambda: len(tab.editor.finished) > before, timeout=10000)
    assert tab.editor.finished[-1] is True
    qtbot.waitUntil(
        lambda: any(r.record.cart_id == invoice.cart_id for r in rows(tab)), timeout=5000
    )
    row = next(r for r in rows(tab) if r.record.cart_id == invoice.cart_id)
    qtbot.waitUntil(lambda: tab.current() is not None and tab.current().key == row.key)
    return row


def decode(image: QImage) -> list[str]:
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    return [b.text for b in zxingcpp.read_barcodes(gray)]


def test_create_share_pay_refund_export_print(qtbot, tab, live_desk, tmp_path) -> None:
    SHOTS.mkdir(exist_ok=True)
    invoice = make_invoice()
    row = create(qtbot, tab, invoice)
    rec = row.record
    assert rec.link and rec.remote_id
    assert cell(tab, row.key, InvoiceColumn.STATUS) == "Waiting for payment"
    assert cell(tab, row.key, InvoiceColumn.AMOUNT) == f"{invoice.cart_amount} SAR"
    assert tab.share.link.text() == rec.link

    # Copy the link; the QR code on screen decodes back to it.
    tab.share.copy_action.trigger()
    assert QGuiApplication.clipboard().text() == rec.link
    assert decode(tab.share.qr.pixmap().toImage()) == [rec.link]
    tab.grab().save(str(SHOTS / "invoices-created.png"))

    # Ctrl+C in the table copies the cell's raw value: the amount without its currency.
    tab.list.table.setFocus()
    source = tab.list.model.index(tab.list.model.find(row.key), InvoiceColumn.AMOUNT)
    tab.list.table.setCurrentIndex(tab.list.proxy.mapFromSource(source))
    tab.list.copy_action.trigger()
    assert QGuiApplication.clipboard().text() == f"{invoice.cart_amount}"

    # Enter on the row opens it (focus on its link).
    tab.list.table.setFocus()
    qtbot.keyClick(tab.list.table, Qt.Key.Key_Return)
    assert tab.share.link.hasFocus()
    opened = []
    tab.list.open_requested.connect(opened.append)
    tab.list.table.setFocus()
    qtbot.keyClick(tab.list.table, Qt.Key.Key_F2)
    assert [r.key for r in opened] == [row.key]

    # The customer pays; Refresh status shows it paid with the transaction.
    assert not tab.refund_action.isEnabled()
    live_desk.control.post(f"/_sandbox/invoices/{rec.remote_id}/pay").raise_for_status()
    tab.refresh_one_action.trigger()
    qtbot.waitUntil(lambda: cell(tab, row.key, InvoiceColumn.STATUS) == "Paid", timeout=10000)
    qtbot.waitUntil(lambda: cell(tab, row.key, InvoiceColumn.TRAN_REF) != "", timeout=5000)
    assert cell(tab, row.key, InvoiceColumn.RESULT).startswith("Approved")
    assert tab.refund_action.isEnabled() and not tab.cancel_action.isEnabled()

    # Refund part of it, confirming amount and customer.
    tab.refund_action.trigger()
    dialog = tab.dialog
    assert isinstance(dialog, RefundDialog)
    assert dialog.full.isChecked() and dialog.ok.isEnabled()
    qtbot.keyClicks(dialog.amount_edit, "99999")
    assert not dialog.ok.isEnabled() and "at most" in dialog.problem.text()
    dialog.amount_edit.clear()
    qtbot.keyClicks(dialog.amount_edit, "5.00")
    assert dialog.part.isChecked() and dialog.ok.isEnabled()
    assert "Refund 5.00 SAR to Noura Al-Qahtani?" in dialog.confirm.text()
    dialog.grab().save(str(SHOTS / "invoices-refund-dialog.png"))
    dialog.ok.click()
    qtbot.waitUntil(lambda: cell(tab, row.key, InvoiceColumn.REFUNDED) == "5.00 SAR", timeout=10000)
    assert cell(tab, row.key, InvoiceColumn.STATUS) == "Paid, refunded in part"
    # Each figure with its currency, grouped as the editor shows it.
    assert tab.share.amount.text() == "546.30 SAR — refunded 5.00 SAR, 541.30 SAR kept"
    refunds = [
        t
        for t in live_desk.control.get("/_sandbox/state").json()["transactions"]
        if t.get("cart_id") == invoice.cart_id and str(t.get("tran_type")).lower() == "refund"
    ]
    assert len(refunds) == 1

    # Cancel another invoice, after a confirmation naming it and its amount.
    other = create(qtbot, tab, make_invoice(lines=2))
    tab.cancel_action.trigger()
    box = tab.dialog
    assert isinstance(box, QMessageBox)
    assert other.record.cart_id in box.text() and f"{other.record.amount} SAR" in box.text()
    box.grab().save(str(SHOTS / "invoices-cancel-question.png"))
    box.buttons()[0].click()
    qtbot.waitUntil(
        lambda: cell(tab, other.key, InvoiceColumn.STATUS) == "Cancelled", timeout=10000
    )

    # A cancel the gateway refuses (paid meanwhile) shows the gateway's message.
    third = create(qtbot, tab, make_invoice(lines=1))
    live_desk.control.post(f"/_sandbox/invoices/{third.record.remote_id}/pay").raise_for_status()
    tab.cancel_action.trigger()
    assert isinstance(tab.dialog, QMessageBox)
    tab.dialog.buttons()[0].click()
    qtbot.waitUntil(lambda: "did not cancel" in tab.notice.text(), timeout=10000)
    assert "cancel" in tab.notice.text().lower() and third.record.cart_id in tab.notice.text()
    # ... and the list then shows what the gateway knows: it was paid meanwhile.
    qtbot.waitUntil(lambda: cell(tab, third.key, InvoiceColumn.STATUS) == "Paid", timeout=10000)
    assert "did not cancel" in tab.notice.text()

    # Duplicate into a new draft: the editor gets the request without the desk's own keys.
    tab.list.select_record(row.key)
    tab.duplicate_action.trigger()
    assert tab.editor.duplicated[-1]["cart_id"] == invoice.cart_id
    assert "_payment" not in tab.editor.duplicated[-1]
    tab.back_action.trigger()

    # Export the list and read it back.
    target = tmp_path / "invoices.xlsx"
    tab.save_path = lambda *_a: target  # type: ignore[method-assign]
    tab.export_list_action.trigger()
    qtbot.waitUntil(lambda: "saved as" in tab.notice.text(), timeout=10000)
    ws = openpyxl.load_workbook(target).active
    headings = [c.value for c in ws[1]]
    table = [
        dict(zip(headings, (c.value for c in r), strict=True)) for r in ws.iter_rows(min_row=2)
    ]
    assert {r["Reference"] for r in table} == {
        invoice.cart_id,
        other.record.cart_id,
        third.record.cart_id,
    }
    paid = next(r for r in table if r["Reference"] == invoice.cart_id)
    assert paid["Status"] == "Paid" and paid["Refunded"] == 5
    assert isinstance(paid["Created"], datetime) and ws.freeze_panes == "A2"

    # One invoice with its lines.
    one = tmp_path / "one.xlsx"
    tab.list.select_record(row.key)
    tab.save_path = lambda *_a: one  # type: ignore[method-assign]
    tab.export_one_action.trigger()
    qtbot.waitUntil(one.exists, timeout=10000)
    qtbot.waitUntil(lambda: "one.xlsx" in tab.notice.text(), timeout=10000)
    assert openpyxl.load_workbook(one)["Lines"].max_row == 21

    # The merchant's VAT number makes it a tax invoice with the ZATCA QR code.
    tab.merchant_action.trigger()
    merchant = tab.dialog
    assert isinstance(merchant, MerchantDialog)
    qtbot.keyClicks(merchant.vat, "12345")
    save = merchant.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert not save.isEnabled() and "15 digits" in merchant.problem.text()
    merchant.vat.clear()
    qtbot.keyClicks(merchant.vat, "310122393500003")
    merchant.name.clear()
    qtbot.keyClicks(merchant.name, "Sandbox Coffee Co.")
    merchant.grab().save(str(SHOTS / "invoices-merchant-dialog.png"))
    save.click()
    qtbot.waitUntil(lambda: "ZATCA" in tab.notice.text())
    qtbot.waitUntil(
        lambda: (
            live_desk.ctx.store.get_setting(f"merchant_details:{live_desk.profile.id}") is not None
        )
    )

    # The PDF carries the payment link's QR code and the ZATCA one.
    pdf = tmp_path / "invoice.pdf"
    tab.save_path = lambda *_a: pdf  # type: ignore[method-assign]
    tab.pdf_action.trigger()
    qtbot.waitUntil(
        lambda: "as PDF" not in tab.notice.text() and "invoice.pdf" in tab.notice.text(),
        timeout=10000,
    )
    codes = decode_pdf(pdf, tmp_path)
    assert rec.link in codes
    (zatca,) = [c for c in codes if c != rec.link]
    fields = read_tlv(zatca)
    assert fields[1] == "Sandbox Coffee Co." and fields[2] == "310122393500003"
    assert Decimal(fields[4]) == invoice.cart_amount and Decimal(fields[5]) == invoice.totals.tax
    tab.grab().save(str(SHOTS / "invoices-list.png"))


def decode_pdf(pdf: Path, folder: Path) -> list[str]:
    """Render every page with pdftoppm and decode the QR codes found (QtPdf is not in
    PySide6-Essentials)."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    subprocess.run([tool, "-r", "110", "-png", str(pdf), str(folder / "page")], check=True)
    texts: list[str] = []
    for page in sorted(folder.glob("page*.png")):
        texts.extend(decode(QImage(str(page))))
    return texts
