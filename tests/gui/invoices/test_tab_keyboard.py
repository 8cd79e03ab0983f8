"""The Invoices tab by keyboard, its first start on the --sandbox demo data, checks that can be
stopped and the automatic refresh."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from clickpay_desk.ui.invoices import tab as tab_module
from clickpay_desk.ui.invoices.list_model import InvoiceColumn
from clickpay_desk.ui.invoices.tab import InvoicesTab
from clickpay_desk.ui.mutations import Mutations
from tests.gui.invoices.standin import StandInEditor
from tests.gui.invoices.test_tab_clickpay import SHOTS


@pytest.fixture
def make_tab(qtbot, live_desk, monkeypatch):
    monkeypatch.setattr(tab_module, "editor_factory", StandInEditor)

    def make(sandbox: bool = False) -> InvoicesTab:
        ctx = live_desk.ctx
        ctx.sandbox_url = live_desk.url if sandbox else None
        widget = InvoicesTab(ctx, Mutations(ctx.runner, ctx.store))
        qtbot.addWidget(widget)
        widget.resize(1300, 700)
        widget.show()
        widget.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is widget, timeout=2000)
        widget.set_profile(live_desk.profile)
        return widget

    return make


def by_reference(tab: InvoicesTab) -> dict[str, str]:
    model = tab.list.model
    return {
        model.index(r, InvoiceColumn.REFERENCE).data().split("-")[0]
        + "-"
        + model.index(r, InvoiceColumn.REFERENCE).data().split("-")[1]: model.index(
            r, InvoiceColumn.STATUS
        ).data()
        for r in range(model.rowCount())
    }


def test_sandbox_demo_invoices_show_on_first_start_once(qtbot, make_tab, live_desk) -> None:
    live_desk.control.post("/_sandbox/seed").raise_for_status()
    tab = make_tab(sandbox=True)
    qtbot.waitUntil(lambda: tab.list.model.rowCount() == 3, timeout=10000)
    assert by_reference(tab) == {
        "INV-1001": "Waiting for payment",
        "INV-1002": "Paid",
        "INV-1003": "Cancelled",
    }
    SHOTS.mkdir(exist_ok=True)
    tab.grab().save(str(SHOTS / "invoices-sandbox-demo.png"))
    again = make_tab(sandbox=True)
    qtbot.waitUntil(lambda: again.list.model.rowCount() == 3, timeout=10000)
    assert len(live_desk.ctx.store.list_invoices()) == 3  # not imported twice


def test_every_action_has_a_keyboard_path_and_one_menu(qtbot, make_tab) -> None:
    tab = make_tab()
    actions = [
        tab.new_action,
        tab.refresh_one_action,
        tab.refresh_all_action,
        tab.cancel_action,
        tab.refund_action,
        tab.duplicate_action,
        tab.print_action,
        tab.pdf_action,
        tab.export_one_action,
        tab.export_list_action,
        tab.merchant_action,
        tab.share.copy_action,
        tab.share.open_action,
        tab.share.save_qr_action,
    ]
    assert all(not a.shortcut().isEmpty() for a in actions)
    shortcuts = [a.shortcut().toString() for a in actions]
    assert len(set(shortcuts)) == len(shortcuts)
    menu = tab.context_menu
    assert {a for a in menu.actions() if not a.isSeparator()} >= set(actions) - {
        tab.new_action,
        tab.refresh_all_action,
        tab.export_list_action,
        tab.merchant_action,
    }
    assert tab.list.copy_action in menu.actions()
    # Nothing selected: what needs an invoice is greyed out.
    assert not tab.cancel_action.isEnabled() and not tab.duplicate_action.isEnabled()
    tab.list.table.setFocus()
    qtbot.keyClick(tab.list.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert tab.editor.drafts == [None] and tab.pages.currentIndex() == 1
    qtbot.keyClick(tab.editor, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert tab.pages.currentIndex() == 0


def test_open_new_draft_for_the_agreements_tab(make_tab) -> None:
    tab = make_tab()
    prefill = {"description": "Missed installment 3 of SUB-1", "currency": "SAR", "amount": "99.00"}
    tab.open_new_draft(prefill)
    assert tab.editor.drafts == [prefill]
    assert tab.pages.currentIndex() == 1 and "Missed installment" in tab.editor_banner.text()


def test_checking_shows_progress_and_can_be_stopped(qtbot, make_tab, live_desk) -> None:
    live_desk.control.post("/_sandbox/seed").raise_for_status()
    tab = make_tab(sandbox=True)
    qtbot.waitUntil(lambda: tab.list.model.rowCount() == 3, timeout=10000)
    live_desk.control.post("/_sandbox/latency", json={"seconds": 1.5}).raise_for_status()
    try:
        tab.refresh_all_action.trigger()
        assert tab.progress.isVisible() and tab.stop_refresh.isVisible()
        assert not tab.refresh_all_action.isEnabled()  # one check at a time
        tab.stop_refresh.click()
        qtbot.waitUntil(lambda: not tab.progress.isVisible(), timeout=10000)
        assert "stopped" in tab.notice.text(), tab.notice.text()
        assert tab.refresh_all_action.isEnabled()
    finally:
        live_desk.control.post("/_sandbox/latency", json={"seconds": 0}).raise_for_status()


def test_automatic_refresh_sees_a_payment(qtbot, make_tab, live_desk) -> None:
    seeded = live_desk.control.post("/_sandbox/seed").json()
    tab = make_tab(sandbox=True)
    qtbot.waitUntil(lambda: tab.list.model.rowCount() == 3, timeout=10000)
    pending = str(seeded["invoices"]["pending"])
    live_desk.control.post(f"/_sandbox/invoices/{pending}/pay").raise_for_status()
    tab.timer.setInterval(50)
    tab.auto_refresh.setChecked(True)
    qtbot.waitUntil(lambda: by_reference(tab)["INV-1001"] == "Paid", timeout=10000)
    tab.auto_refresh.setChecked(False)
    assert not tab.timer.isActive()


def test_invoice_the_missed_installment_opens_a_draft_here(qtbot, desk, make_profile) -> None:
    from clickpay_desk.ui.main_window import MainWindow

    profile = desk.store.save_profile(make_profile())
    window = MainWindow(desk)
    qtbot.addWidget(window)
    window.invoices.set_profile(profile)
    window.tabs.setCurrentWidget(window.agreements)
    prefill = {
        "description": "Gym: installment 3 due 2026-11-01 (declined)",
        "currency": "SAR",
        "amount": "99.00",
        "customer": {"name": "Sara", "email": "sara@example.com"},
    }
    window.agreements.invoice_requested.emit(prefill)
    tab = window.invoices
    assert window.tabs.currentWidget() is tab and tab.pages.currentIndex() == 1
    assert tab.editor.description.text() == prefill["description"]
    assert "installment 3" in tab.editor_banner.text()
