"""The Invoices tab's keys inside the whole window: no key means two things at once (Qt then
runs neither), on the list page or in the editor, for ClickPay and Geidea."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from clickpay_desk.app import SANDBOX_GEIDEA_PROFILE_NAME
from tests.app_session import sandbox_session

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def _ambiguous(qtlog) -> list[str]:
    """What Qt said about keys bound twice (it then runs neither)."""
    return [r.message for r in qtlog.records if "Ambiguous shortcut" in r.message]


def _focus(qtbot, window, widget) -> None:
    window.activateWindow()
    widget.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget, timeout=3000)


def test_list_keys_save_a_pdf_and_export_the_list(qtbot, qtlog, tmp_path, app_logging) -> None:
    with sandbox_session(qtbot, tmp_path / "data") as started:
        window = started.window
        window.show()
        tab = window.invoices
        window.tabs.setCurrentWidget(tab)
        qtbot.waitUntil(lambda: tab.list.model.rowCount() == 3, timeout=10000)
        asked: list[str] = []

        def save_path(title: str, name: str, filters: str) -> Path:
            asked.append(title)
            return tmp_path / name

        tab.save_path = save_path  # the file dialog
        table = tab.list.table
        table.selectRow(0)
        _focus(qtbot, window, table)
        qtbot.keyClick(table, Qt.Key.Key_X, CTRL | SHIFT)
        qtbot.waitUntil(lambda: (tmp_path / "invoices.xlsx").exists(), timeout=10000)
        qtbot.keyClick(table, Qt.Key.Key_D, CTRL | Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(lambda: any(tmp_path.glob("*.pdf")), timeout=10000)
        assert asked == ["Export the invoice list", "Save the invoice as PDF"]
        assert _ambiguous(qtlog) == []


def test_editor_keys_add_a_line_and_go_back(qtbot, qtlog, tmp_path, app_logging) -> None:
    with sandbox_session(qtbot, tmp_path) as started:
        window = started.window
        window.show()
        tab = window.invoices
        window.tabs.setCurrentWidget(tab)
        geidea = next(
            p for p in started.ctx.store.list_profiles() if p.name == SANDBOX_GEIDEA_PROFILE_NAME
        )
        window.invoices.set_profile(geidea)
        qtbot.waitUntil(lambda: tab.list.model.rowCount() == 3, timeout=10000)
        tab.list.table.selectRow(0)  # an invoice selected: its actions are live on the list
        _focus(qtbot, window, tab.list.table)
        qtbot.keyClick(tab.list.table, Qt.Key.Key_N, CTRL)
        assert tab.pages.currentIndex() == 1
        editor = tab.editor
        _focus(qtbot, window, editor.table)
        lines = editor.model.rowCount()
        qtbot.keyClick(editor.table, Qt.Key.Key_L, CTRL | SHIFT)
        assert editor.model.rowCount() == lines + 1
        qtbot.keyClick(editor.table, Qt.Key.Key_D, CTRL)  # duplicate lines, not the invoice
        assert editor.model.rowCount() == lines + 2
        assert tab.pages.currentIndex() == 1
        _focus(qtbot, window, editor.table)
        qtbot.keyClick(editor.table, Qt.Key.Key_L, CTRL)
        assert tab.pages.currentIndex() == 0
        assert _ambiguous(qtlog) == []
