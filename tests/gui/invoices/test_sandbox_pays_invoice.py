"""Sandbox ▸ Customer pays… offers the invoices still waiting for payment (ClickPay and
Geidea), not only agreements, and the list then shows the invoice paid without a click."""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog

from clickpay_desk.app import SANDBOX_GEIDEA_PROFILE_NAME
from clickpay_desk.ui.invoices.list_model import InvoiceColumn
from clickpay_desk.ui.sandbox_menu import SandboxMenu
from tests.app_session import sandbox_session


def status_of(tab, prefix: str) -> str | None:
    model = tab.list.model
    for r in range(model.rowCount()):
        if model.index(r, InvoiceColumn.REFERENCE).data().startswith(prefix):
            return model.index(r, InvoiceColumn.STATUS).data()
    return None


def test_customer_pays_a_waiting_invoice(qtbot, tmp_path, monkeypatch, app_logging) -> None:
    offered: list[list[str]] = []

    def get_item(_parent, _title, _label, items, *_args):
        offered.append(list(items))
        if items == ["approved", "declined"]:
            return "approved", True
        return next(i for i in items if i.startswith("Invoice ") and wanted[0] in i), True

    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(get_item))
    wanted = ["INV-1001"]
    with sandbox_session(qtbot, tmp_path) as started:
        window = started.window
        tab = window.invoices
        window.tabs.setCurrentWidget(tab)
        qtbot.waitUntil(lambda: status_of(tab, "INV-1001") == "Waiting for payment", timeout=10000)
        menu = window.findChild(SandboxMenu)
        menu.pay_action.trigger()
        qtbot.waitUntil(lambda: status_of(tab, "INV-1001") == "Paid", timeout=10000)
        said = window.statusBar().currentMessage()
        assert said.startswith("The customer paid the invoice “INV-1001-"), said
        # Only what can still be paid is offered: not the paid or the cancelled demo invoice.
        assert not any("INV-1002" in i or "INV-1003" in i for i in offered[0])

        geidea = next(
            p for p in started.ctx.store.list_profiles() if p.name == SANDBOX_GEIDEA_PROFILE_NAME
        )
        tab.set_profile(geidea)
        qtbot.waitUntil(lambda: tab.list.model.rowCount() == 3, timeout=10000)
        qtbot.waitUntil(lambda: len(tab.awaiting_payments()) == 2, timeout=10000)
        wanted[0] = tab.awaiting_payments()[0][1].split(" — ")[0]
        menu.pay_action.trigger()
        qtbot.waitUntil(lambda: status_of(tab, wanted[0]) == "Paid", timeout=10000)
        assert f"“{wanted[0]}”" in window.statusBar().currentMessage()  # its name, not a uuid
