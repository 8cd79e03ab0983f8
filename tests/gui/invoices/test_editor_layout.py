"""The invoice editor fits a small laptop's window, as a new user first sees it: at the app's
default 1100×700 (and 1280×800) nothing scrolls sideways, every field of the invoice is in view,
Create is in view without scrolling, and the totals read in the currency before any line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QApplication, QScrollArea, QWidget

from clickpay_desk.core.profile import GatewayKind
from clickpay_desk.ui.context import ACTIVE_PROFILE_KEY
from clickpay_desk.ui.main_window import MainWindow

SHOTS = Path(os.environ.get("CLICKPAY_DESK_SHOTS", "/tmp/shots"))
GEIDEA_KEY = "a087f4ca-9890-407b-9c2f-7630836cc020"


def open_editor_in_window(qtbot, desk, make_profile, gateway: GatewayKind, size: tuple[int, int]):
    if gateway is GatewayKind.GEIDEA:
        profile = make_profile(
            "Geidea shop",
            gateway=GatewayKind.GEIDEA,
            base_url="https://api.ksamerchant.geidea.net",
            merchant_id=GEIDEA_KEY,
            payout_account_id="",
        )
    else:
        profile = make_profile()
    saved = desk.store.save_profile(profile)
    desk.store.set_setting(ACTIVE_PROFILE_KEY, saved.id)
    window = MainWindow(desk)
    qtbot.addWidget(window)
    window.show()
    window.resize(*size)
    qtbot.waitExposed(window)
    tab = window.invoices
    qtbot.waitUntil(lambda: tab.profile is not None and tab.profile.id == saved.id, timeout=3000)
    tab.new_action.trigger()
    qtbot.waitUntil(lambda: tab.pages.currentIndex() == 1, timeout=2000)
    qtbot.waitUntil(lambda: window.size().toTuple() == size, timeout=2000)
    return window, tab


def in_viewport(scroll: QScrollArea, widget: QWidget) -> bool:
    """The whole widget lies inside what the page's scroll area shows now."""
    viewport = scroll.viewport()
    rect = QRect(widget.mapTo(viewport, QPoint(0, 0)), widget.size())
    return viewport.rect().contains(rect)


@pytest.mark.parametrize("size", [(1100, 700), (1280, 800)], ids=["1100x700", "1280x800"])
@pytest.mark.parametrize(
    "gateway", [GatewayKind.CLICKPAY, GatewayKind.GEIDEA], ids=lambda g: g.value
)
def test_the_editor_fits_the_window_with_create_in_view(qtbot, desk, make_profile, gateway, size):
    window, tab = open_editor_in_window(qtbot, desk, make_profile, gateway, size)
    editor = tab.editor
    scroll = tab.pages.currentWidget()
    assert isinstance(scroll, QScrollArea)
    qtbot.waitUntil(editor.create_button.isVisible, timeout=2000)
    QApplication.processEvents()  # the panes are fitted once the layouts have placed them

    assert not scroll.horizontalScrollBar().isVisible()
    assert not scroll.verticalScrollBar().isVisible()
    # Create, why it cannot create yet, and the total are in view without scrolling.
    for widget in (editor.create_button, editor.create_reason, editor.totals.total_label):
        assert widget.isVisible() and in_viewport(scroll, widget), widget
    assert "Ctrl+Enter" in editor.create_button.text()
    # No field of the invoice is cut off at the right edge.
    for widget in (
        editor.cart_id,
        editor.language,
        editor.description,
        editor.activation.edit,
        editor.expiry.edit,
        editor.customer.edits["email"],
        *editor.totals.inputs.values(),
    ):
        if widget.isVisibleTo(editor):
            rect = QRect(widget.mapTo(scroll.viewport(), QPoint(0, 0)), widget.size())
            assert rect.right() <= scroll.viewport().width(), widget
    # The customer and invoice boxes side by side; every column of the lines and some lines
    # of the table in view.
    assert editor.forms.side_by_side()
    assert not editor.table.horizontalScrollBar().isVisible()
    assert (
        editor.table.viewport().height() >= 4 * editor.table.verticalHeader().defaultSectionSize()
    )
    # With no lines every figure reads zero in the currency, never a blank.
    assert editor.totals.total_label.text() == "0.00 SAR"
    assert editor.totals.net_label.text() == "0.00 SAR"
    assert editor.totals.tax_label.text() == "+ 0.00 SAR"
    SHOTS.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(SHOTS / f"invoice-editor-{gateway.value}-{size[0]}x{size[1]}.png"))


@pytest.mark.parametrize(("currency", "zero"), [("JOD", "0.000 JOD"), ("AED", "0.00 AED")])
def test_the_totals_read_in_the_profiles_currency_and_decimals(
    qtbot, desk, make_profile, currency, zero
):
    _window, tab = open_editor_in_window(
        qtbot, desk, lambda: make_profile(currency=currency), GatewayKind.CLICKPAY, (1100, 700)
    )
    totals = tab.editor.totals
    assert totals.total_label.text() == zero
    assert totals.amount_labels["shipping"].text() == "+ " + zero
    assert totals.discount_label.text() == "− " + zero
