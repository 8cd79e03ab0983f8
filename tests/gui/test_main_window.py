"""The main window: tabs, keyboard shortcuts, remembered geometry, profile and gateway status."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from clickpay_desk.services.connection import ConnectionVerdict
from clickpay_desk.store.records import JournalStatus
from clickpay_desk.ui.context import ACTIVE_PROFILE_KEY
from clickpay_desk.ui.main_window import MainWindow, Tab

SHOTS = Path(os.environ.get("CLICKPAY_DESK_SHOTS", "/tmp/shots"))


def open_window(qtbot, desk, **options) -> MainWindow:
    window = MainWindow(desk, **options)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    return window


def test_four_tabs_with_plain_placeholders(qtbot, desk):
    window = open_window(qtbot, desk)
    labels = [window.tabs.tabText(i).replace("&", "") for i in range(window.tabs.count())]
    assert labels == ["Invoices", "Agreements", "Payouts", "Activity"]
    # The Invoices tab is a real page: its list and share panel.
    assert window.invoices.list.table.model() is window.invoices.list.proxy


def test_ctrl_number_switches_tabs(qtbot, desk):
    window = open_window(qtbot, desk)
    for key, tab in (
        (Qt.Key.Key_4, Tab.ACTIVITY),
        (Qt.Key.Key_2, Tab.AGREEMENTS),
        (Qt.Key.Key_3, Tab.PAYOUTS),
        (Qt.Key.Key_1, Tab.INVOICES),
    ):
        QTest.keyClick(window, key, Qt.KeyboardModifier.ControlModifier)
        assert window.tabs.currentIndex() == tab


def test_menus_have_the_promised_actions(qtbot, desk):
    window = open_window(qtbot, desk)
    assert window.quit_action.shortcut().toString() == "Ctrl+Q"
    assert window.refresh_action.shortcut().toString() == "F5"
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == ["&File", "&View", "&Help"]
    assert [a.text() for a in window.menuBar().actions()[0].menu().actions() if a.text()] == [
        "&Profiles…",
        "&Reconcile",
        "&Export Activity…",
        "&Quit",
    ]


def test_geometry_and_last_tab_are_restored(qtbot, desk):
    window = open_window(qtbot, desk)
    window.setGeometry(QRect(20, 30, 760, 520))
    window.tabs.setCurrentIndex(Tab.PAYOUTS)
    window.close()
    again = MainWindow(desk)
    qtbot.addWidget(again)
    assert again.tabs.currentIndex() == Tab.PAYOUTS
    assert (again.width(), again.height()) == (760, 520)
    assert (desk.paths.settings_dir / "window.ini").is_file()


def test_status_bar_shows_active_profile_and_gateway_answering(qtbot, desk, secrets, make_profile):
    first = desk.store.save_profile(make_profile("Main shop"))
    second = desk.store.save_profile(make_profile("Riyadh branch", merchant_id="777"))
    desk.store.set_setting(ACTIVE_PROFILE_KEY, second.id)
    secrets.set(second.secret_name, "S-KEY")
    window = open_window(qtbot, desk)
    qtbot.waitUntil(lambda: "Riyadh branch" in window.profile_label.text(), timeout=3000)
    assert "ClickPay/PayTabs" in window.profile_label.text()
    qtbot.waitUntil(lambda: window.gateway_label.text() == "Gateway: answering", timeout=3000)
    assert desk.probe.seen[-1] == (second, "S-KEY")
    assert "Riyadh branch" in window.windowTitle()
    # Choosing another profile in the toolbar makes it active and saves the choice.
    window.profile_combo.setCurrentIndex(window.profile_combo.findData(first.id))
    window.profile_combo.activated.emit(window.profile_combo.currentIndex())
    qtbot.waitUntil(lambda: desk.store.get_setting(ACTIVE_PROFILE_KEY) == first.id, timeout=3000)
    assert "Main shop" in window.profile_label.text()


def test_gateway_not_answering_says_why(qtbot, desk, secrets, make_profile):
    profile = desk.store.save_profile(make_profile())
    secrets.set(profile.secret_name, "S-KEY")
    desk.probe.verdict = ConnectionVerdict(False, None, "No connection could be made.")
    window = open_window(qtbot, desk)
    qtbot.waitUntil(
        lambda: (
            window.gateway_label.text() == "Gateway: not answering — No connection could be made."
        ),
        timeout=3000,
    )
    # A status-bar message does not hide it, and a long reason cannot widen the window.
    window.show_message("Exported 3 activity entries to /tmp/activity.xlsx.")
    assert window.gateway_label.isVisible()
    reason = "No connection could be made to https://secure.clickpay.com.sa (ConnectError). " * 4
    window._gateway_changed(f"Gateway: not answering — {reason}", False)
    assert window.gateway_label.toolTip() == window.gateway_label.text()
    assert window.minimumSizeHint().width() < 1000


def test_no_profile_says_what_to_do(qtbot, desk):
    window = open_window(qtbot, desk)
    qtbot.waitUntil(lambda: "Profiles" in window.gateway_label.text(), timeout=3000)
    assert window.profile_label.text() == "Profile: none"


def test_f5_refreshes_activity_and_reconcile_shows_what_needs_checking(qtbot, desk, make_profile):
    profile = desk.store.save_profile(make_profile())
    entry = desk.store.journal_begin(profile.id, "invoice.create", "invoice:c1", "c1", {"a": 1})
    window = open_window(qtbot, desk, reconcile_at_start=False)
    QTest.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.activity.proxy.rowCount() == 1, timeout=3000)
    desk.store.journal_finish(entry.id, JournalStatus.UNKNOWN, error="No answer")
    desk.store.journal_begin(profile.id, "invoice.create", "invoice:c2", "c2", {"a": 2})
    QTest.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: window.activity.model.rowCount() == 2, timeout=3000)
    window.reconcile_action.trigger()
    assert window.activity.proxy.rowCount() == 2  # unknown + pending
    # No key for this profile: the reads cannot be made, and the entries stay unknown, saying so.
    qtbot.waitUntil(lambda: window.reconcile_dialog is not None, timeout=3000)
    assert "2 still unknown" in window.statusBar().currentMessage()
    assert all("No server key" in m for m in window.reconcile_dialog.messages())
    window.reconcile_dialog.close()


def test_screenshot_main_window(qtbot, desk, secrets, make_profile):
    profile = desk.store.save_profile(make_profile("Main shop"))
    secrets.set(profile.secret_name, "S-KEY")
    for i, status in enumerate(
        (JournalStatus.DONE, JournalStatus.UNKNOWN, JournalStatus.REFUSED, None)
    ):
        e = desk.store.journal_begin(
            profile.id, "invoice.create", f"invoice:cart-{i}", f"cart-{i}", {"cart_id": i}
        )
        if status is JournalStatus.DONE:
            desk.store.journal_finish(e.id, status, result={"invoice_id": 4711})
        elif status is not None:
            desk.store.journal_finish(e.id, status, error="No answer within 30 s")
    window = open_window(qtbot, desk)
    window.resize(1200, 640)
    window.tabs.setCurrentIndex(Tab.ACTIVITY)
    qtbot.waitUntil(lambda: window.activity.proxy.rowCount() == 4, timeout=3000)
    qtbot.waitUntil(lambda: window.gateway_label.text() == "Gateway: answering", timeout=3000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(SHOTS / "main.png"))
    window.tabs.setCurrentIndex(Tab.INVOICES)
    assert window.grab().save(str(SHOTS / "main-invoices.png"))
