"""The Invoices tab with a Geidea profile, against the real sandbox server over loopback:
what search finds, create, send by e-mail, update while unpaid, delete while Created, quick
invoice, paid after refresh, PDF with the link's QR code (no refund for Geidea)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from clickpay_desk.core.geidea_invoice import EInvoice, EInvoiceItem, GeideaCustomer
from clickpay_desk.core.profile import GatewayKind, Profile
from clickpay_desk.sandbox import demo
from clickpay_desk.ui.invoices import tab as tab_module
from clickpay_desk.ui.invoices.geidea_actions import QuickInvoiceDialog
from clickpay_desk.ui.invoices.list_model import InvoiceColumn
from clickpay_desk.ui.invoices.tab import InvoicesTab
from clickpay_desk.ui.mutations import Mutations
from tests.gui.invoices.standin import StandInEditor
from tests.gui.invoices.test_tab_clickpay import SHOTS, cell, decode, decode_pdf

_refs = count(1)


def make_einvoice(price: str = "50.00", quantity: int = 3) -> EInvoice:
    return EInvoice(
        currency="SAR",
        items=(EInvoiceItem(price=Decimal(price), quantity=quantity, description="Workshop seat"),),
        customer=GeideaCustomer(
            name="Omar",
            email="omar@example.com",
            phone_country_code="+966",
            phone_number="501234567",
        ),
        merchant_reference_id=f"G-GUI-{next(_refs)}-{datetime.now(UTC).timestamp():.0f}",
        expiry_date=(datetime.now(UTC) + timedelta(days=10)).date(),
    )


@pytest.fixture
def gtab(qtbot, live_desk, monkeypatch):
    monkeypatch.setattr(tab_module, "editor_factory", StandInEditor)
    ctx = live_desk.ctx
    profile = ctx.store.save_profile(
        Profile("Geidea shop", GatewayKind.GEIDEA, live_desk.url, demo.GEIDEA_PUBLIC_KEY)
    )
    ctx.secrets.set_session_only(profile.secret_name, demo.GEIDEA_API_PASSWORD)
    live_desk.control.post("/_sandbox/seed").raise_for_status()
    widget = InvoicesTab(ctx, Mutations(ctx.runner, ctx.store))
    qtbot.addWidget(widget)
    widget.resize(1400, 760)
    widget.show()
    widget.set_profile(profile)
    return widget


def create(qtbot, tab: InvoicesTab, invoice: EInvoice):
    before = len(tab.editor.finished)
    tab.editor.create_requested.emit(invoice)
    qtbot.waitUntil(lambda: len(tab.editor.finished) > before, timeout=10000)
    assert tab.editor.finished[-1] is True, tab.editor_banner.text()
    ref = invoice.merchant_reference_id
    qtbot.waitUntil(lambda: any(r.record.cart_id == ref for r in tab.list.model.rows()))
    row = next(r for r in tab.list.model.rows() if r.record.cart_id == ref)
    qtbot.waitUntil(lambda: tab.current() is not None and tab.current().key == row.key)
    return row


def answer_yes(tab: InvoicesTab) -> str:
    box = tab.dialog
    assert isinstance(box, QMessageBox)
    text = box.text()
    box.buttons()[0].click()
    return text


def test_geidea_invoice_life(qtbot, gtab: InvoicesTab, live_desk, tmp_path: Path) -> None:
    # What Geidea's search finds is listed (the seeded demo invoices), in words.
    qtbot.waitUntil(lambda: gtab.list.model.rowCount() >= 3, timeout=10000)
    words = {r.record.status for r in gtab.list.model.rows()}
    assert {"Created", "SentToCustomer", "Paid"} <= words
    assert not gtab.refund_action.isVisible() and gtab.quick_action.isVisible()

    row = create(qtbot, gtab, make_einvoice())
    rec = row.record
    assert cell(gtab, row.key, InvoiceColumn.STATUS) == "Created (not sent yet)"
    assert cell(gtab, row.key, InvoiceColumn.AMOUNT) == "150.00 SAR"
    assert decode(gtab.share.qr.pixmap().toImage()) == [rec.link]
    assert gtab.cancel_action.text() == "&Delete invoice…" and gtab.cancel_action.isEnabled()

    # Update while unpaid: the editor gets the invoice, its new version replaces it.
    gtab.update_action.trigger()
    assert gtab.editor.duplicated[-1]["eInvoiceDetails"]["merchantReferenceId"] == rec.cart_id
    changed = EInvoice(**{**make_einvoice("40.00").__dict__, "merchant_reference_id": rec.cart_id})
    gtab.editor.create_requested.emit(changed)
    qtbot.waitUntil(
        lambda: cell(gtab, row.key, InvoiceColumn.AMOUNT) == "120.00 SAR", timeout=10000
    )

    # Send by e-mail, after a question naming the address.
    gtab.list.select_record(row.key)
    gtab.send_email_action.trigger()
    assert "omar@example.com" in answer_yes(gtab)
    qtbot.waitUntil(
        lambda: cell(gtab, row.key, InvoiceColumn.STATUS) == "Sent to the customer", timeout=10000
    )
    qtbot.waitUntil(lambda: not gtab.cancel_action.isEnabled())  # only while Created

    # Delete another one while it is Created.
    other = create(qtbot, gtab, make_einvoice("10.00", 1))
    gtab.cancel_action.trigger()
    assert "10.00 SAR" in answer_yes(gtab)
    qtbot.waitUntil(
        lambda: cell(gtab, other.key, InvoiceColumn.STATUS) == "Cancelled", timeout=10000
    )

    # The customer pays the first; Refresh all pending sees it.
    live_desk.control.post(f"/_sandbox/invoices/{rec.remote_id}/pay").raise_for_status()
    gtab.refresh_all_action.trigger()
    qtbot.waitUntil(lambda: cell(gtab, row.key, InvoiceColumn.STATUS) == "Paid", timeout=10000)

    # A quick invoice: amount and customer only, signed.
    gtab.quick_action.trigger()
    dialog = gtab.dialog
    assert isinstance(dialog, QuickInvoiceDialog)
    assert not dialog.ok.isEnabled()
    qtbot.keyClicks(dialog.amount, "25.5")
    qtbot.keyClicks(dialog.name, "Huda")
    qtbot.keyClicks(dialog.email, "not-an-email")
    assert not dialog.ok.isEnabled() and "E-mail" in dialog.problem.text()
    dialog.email.clear()
    qtbot.keyClicks(dialog.email, "huda@example.com")
    assert dialog.ok.isEnabled() and dialog.ok.text() == "Create for 25.50 SAR"
    reference = dialog.reference.text()
    dialog.grab().save(str(SHOTS / "invoices-geidea-quick.png"))
    dialog.ok.click()
    qtbot.waitUntil(
        lambda: any(r.record.cart_id == reference for r in gtab.list.model.rows()), timeout=10000
    )

    # The PDF carries the link's QR code.
    gtab.list.select_record(row.key)
    pdf = tmp_path / "geidea.pdf"
    gtab.save_path = lambda *_a: pdf  # type: ignore[method-assign]
    gtab.pdf_action.trigger()
    qtbot.waitUntil(lambda: "geidea.pdf" in gtab.notice.text(), timeout=10000)
    assert rec.link in decode_pdf(pdf, tmp_path)
    gtab.grab().save(str(SHOTS / "invoices-geidea.png"))
