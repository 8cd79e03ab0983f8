"""The Invoices tab with the real editor, as "done" reads: build a 20-line invoice with
discounts and VAT, create it, share it by QR, the customer pays on the sandbox's page, see it
paid — for ClickPay and for Geidea — against the sandbox server over loopback."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlsplit

import httpx
import pytest
from PySide6.QtWidgets import QApplication, QLineEdit

from clickpay_desk.core.profile import GatewayKind, Profile
from clickpay_desk.sandbox import demo
from clickpay_desk.ui.invoices.list_model import InvoiceColumn
from clickpay_desk.ui.invoices.tab import InvoicesTab
from clickpay_desk.ui.mutations import Mutations
from tests.gui.invoices.test_tab_clickpay import SHOTS, cell, decode

LINES = "SKU\tDescription\tPrice\tQty\tDiscount\tVAT %\n" + "".join(
    f"S-{i}\tItem {i}\t{10 + i}.50\t{1 + i % 3}\t{'10%' if i % 2 else ''}\t15\n" for i in range(20)
)


def type_field(qtbot, edit: QLineEdit, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)


def pay_on_page(base_url: str, link: str) -> None:
    path = urlsplit(link).path
    with httpx.Client(base_url=base_url, timeout=10) as http:
        assert http.get(path).status_code == 200
        http.post(path, data={"result": "approved"}).raise_for_status()


def open_tab(qtbot, live_desk, profile: Profile) -> InvoicesTab:
    ctx = live_desk.ctx
    tab = InvoicesTab(ctx, Mutations(ctx.runner, ctx.store))
    qtbot.addWidget(tab)
    tab.resize(1400, 900)
    tab.show()
    tab.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is tab, timeout=3000)
    tab.set_profile(profile)
    return tab


@pytest.mark.parametrize("gateway", [GatewayKind.CLICKPAY, GatewayKind.GEIDEA])
def test_twenty_lines_created_shared_paid(qtbot, live_desk, gateway) -> None:
    profile = live_desk.profile
    if gateway is GatewayKind.GEIDEA:
        profile = live_desk.ctx.store.save_profile(
            Profile("Geidea shop", GatewayKind.GEIDEA, live_desk.url, demo.GEIDEA_PUBLIC_KEY)
        )
        live_desk.ctx.secrets.set_session_only(profile.secret_name, demo.GEIDEA_API_PASSWORD)
    tab = open_tab(qtbot, live_desk, profile)
    tab.new_action.trigger()
    editor = tab.editor
    assert tab.pages.currentIndex() == 1
    type_field(qtbot, editor.customer.edits["name"], "Ali Hassan")
    type_field(qtbot, editor.customer.edits["email"], "ali@example.com")
    if gateway is GatewayKind.CLICKPAY:
        type_field(qtbot, editor.description, "Twenty lines")
    editor.paste_text(LINES)
    qtbot.waitUntil(lambda: editor.create_action.isEnabled(), timeout=5000)
    total = editor.totals.total_label.text().removesuffix(" SAR")
    tab.grab().save(str(SHOTS / f"invoices-editor-{gateway.value}.png"))
    editor.create_action.trigger()
    qtbot.waitUntil(lambda: tab.pages.currentIndex() == 0, timeout=10000)
    qtbot.waitUntil(lambda: tab.current() is not None, timeout=5000)
    row = tab.current()
    assert f"{total} SAR" == cell(tab, row.key, InvoiceColumn.AMOUNT)
    assert decode(tab.share.qr.pixmap().toImage()) == [row.record.link]

    pay_on_page(live_desk.url, row.record.link)
    tab.refresh_one_action.trigger()
    qtbot.waitUntil(lambda: cell(tab, row.key, InvoiceColumn.STATUS) == "Paid", timeout=10000)
    assert Decimal(total.replace(",", "")) == row.record.amount
