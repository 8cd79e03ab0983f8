"""Keyboard use: every mnemonic is unique within its window, and Tab walks the form in order."""

from __future__ import annotations

import re
from collections import Counter

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

from clickpay_desk.ui.main_window import MainWindow
from clickpay_desk.ui.profiles import ProfilesDialog

MNEMONIC = re.compile(r"&([^&\s])")


def mnemonics(top: QWidget, extra: list[str] = ()) -> list[str]:
    """Alt+letter keys offered in ``top``: labels with a buddy, buttons, plus ``extra`` texts."""
    texts = list(extra)
    texts += [label.text() for label in top.findChildren(QLabel) if label.buddy() is not None]
    texts += [button.text() for button in top.findChildren(QAbstractButton)]
    found = []
    for text in texts:
        match = MNEMONIC.search(text)
        if match:
            found.append(match.group(1).lower())
    return found


def test_main_window_mnemonics_are_unique(qtbot, desk):
    window = MainWindow(desk)
    qtbot.addWidget(window)
    menus = [a.text() for a in window.menuBar().actions()]
    tabs = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    pages = [window.tabs.widget(i) for i in range(window.tabs.count())]
    # Alt+letter reaches only what is on screen: the window's own keys and one tab page at a
    # time (a hidden page's mnemonics are inactive), so each page is checked with the window.
    own = mnemonics(window, menus + tabs)
    for page in pages:
        for key in mnemonics(page):
            own.remove(key)
    assert len(own) >= 6
    assert [k for k, n in Counter(own).items() if n > 1] == []
    for page in pages:
        keys = own + mnemonics(page)
        assert [k for k, n in Counter(keys).items() if n > 1] == [], type(page).__name__


def test_profiles_dialog_mnemonics_are_unique_and_every_field_has_one(qtbot, desk):
    dialog = ProfilesDialog(desk)
    qtbot.addWidget(dialog)
    for label in dialog.findChildren(QLabel):
        if label.buddy() is not None:
            assert MNEMONIC.search(label.text()), label.text()
    keys = mnemonics(dialog)
    assert [k for k, n in Counter(keys).items() if n > 1] == []


def tab_chain(top: QWidget) -> list[QWidget]:
    chain, current = [], top.nextInFocusChain()
    while current is not top and len(chain) < 200:
        if (
            current.isVisible()
            and current.isEnabled()
            and current.focusPolicy() & Qt.FocusPolicy.TabFocus
            and not (current.focusProxy())
        ):
            chain.append(current)
        current = current.nextInFocusChain()
    return chain


def test_tab_walks_the_profile_form_top_to_bottom(qtbot, desk):
    dialog = ProfilesDialog(desk)
    qtbot.addWidget(dialog)
    dialog.show()
    form = dialog.form
    wanted = [
        dialog.list,
        dialog.add_button,
        form.name,
        form.gateway,
        form.region,
        form.base_url,
        form.merchant_id,
        form.payout_account_id,
        form.currency,
        form.language,
        form.secret,
        form.session_only,
        dialog.test_button,
        dialog.save_button,
    ]
    chain = [w for w in tab_chain(dialog) if w in wanted]
    assert chain == wanted


def test_activity_filters_come_before_the_table(qtbot, desk):
    window = MainWindow(desk)
    qtbot.addWidget(window)
    window.show()
    window.tabs.setCurrentIndex(3)
    view = window.activity
    wanted = [
        window.profile_combo,
        view.status_filter,
        view.operation_filter,
        view.text_filter,
        view.refresh_button,
        view.table,
    ]
    chain = [w for w in tab_chain(window) if w in wanted]
    assert chain == wanted


def test_no_tab_key_is_also_a_window_key(qtbot, desk):
    """A key bound both in the window (its menus) and in a tab means two things at once there,
    and Qt then runs neither: every tab's shortcuts stay clear of the window's."""
    from PySide6.QtGui import QAction

    window = MainWindow(desk)
    qtbot.addWidget(window)
    menu_actions = [
        action
        for menu in window.menuBar().findChildren(QWidget)
        for action in menu.actions()
        if not action.shortcut().isEmpty()
    ]
    window_keys = {a.shortcut().toString(): a.text() for a in menu_actions}
    assert window_keys, "the window offers no keys at all?"
    clashes = []
    for index in range(window.tabs.count()):
        page = window.tabs.widget(index)
        for action in page.findChildren(QAction):
            for key in action.shortcuts():
                name = key.toString()
                if name in window_keys:
                    clashes.append(f"{action.text()} and {window_keys[name]}: {name}")
    assert clashes == []
