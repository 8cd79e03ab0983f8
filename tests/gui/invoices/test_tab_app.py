"""``clickpay-desk --sandbox`` on first start: the Invoices tab lists the demo invoices of both
demo profiles (ClickPay from the simulator, Geidea through its search)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from clickpay_desk.app import (
    SANDBOX_GEIDEA_PROFILE_NAME,
    SANDBOX_PROFILE_NAME,
    build_parser,
    start_gui,
)
from clickpay_desk.ui.invoices.list_model import InvoiceColumn

SHOTS = Path("/tmp/shots")


@pytest.fixture
def app_logging() -> Iterator[None]:
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in before:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def statuses(tab) -> set[str]:
    model = tab.list.model
    return {model.index(r, InvoiceColumn.STATUS).data() for r in range(model.rowCount())}


def test_first_sandbox_start_shows_the_demo_invoices(qtbot, tmp_path, app_logging) -> None:
    started = start_gui(build_parser().parse_args(["--sandbox", "--data-dir", str(tmp_path)]))
    window = started.window
    try:
        qtbot.waitUntil(
            lambda: (
                window.active_profile is not None
                and window.active_profile.name == SANDBOX_PROFILE_NAME
            ),
            timeout=5000,
        )
        window.tabs.setCurrentWidget(window.invoices)
        tab = window.invoices
        qtbot.waitUntil(lambda: tab.list.model.rowCount() == 3, timeout=10000)
        assert statuses(tab) == {"Waiting for payment", "Paid", "Cancelled"}
        SHOTS.mkdir(exist_ok=True)
        window.grab().save(str(SHOTS / "invoices-app-sandbox.png"))

        geidea = next(
            p for p in started.ctx.store.list_profiles() if p.name == SANDBOX_GEIDEA_PROFILE_NAME
        )
        window.invoices.set_profile(geidea)
        qtbot.waitUntil(lambda: tab.list.model.rowCount() == 3, timeout=10000)
        qtbot.waitUntil(
            lambda: statuses(tab) == {"Created (not sent yet)", "Sent to the customer", "Paid"},
            timeout=10000,
        )
    finally:
        started.stop()
