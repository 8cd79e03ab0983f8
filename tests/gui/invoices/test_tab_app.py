"""``clickpay-desk --sandbox`` on first start: the Invoices tab lists the demo invoices of both
demo profiles (ClickPay from the simulator, Geidea through its search)."""

from __future__ import annotations

from pathlib import Path

from clickpay_desk.app import SANDBOX_GEIDEA_PROFILE_NAME
from clickpay_desk.ui.invoices.list_model import InvoiceColumn
from tests.app_session import sandbox_session

SHOTS = Path("/tmp/shots")


def statuses(tab) -> set[str]:
    model = tab.list.model
    return {model.index(r, InvoiceColumn.STATUS).data() for r in range(model.rowCount())}


def test_first_sandbox_start_shows_the_demo_invoices(qtbot, tmp_path, app_logging) -> None:
    with sandbox_session(qtbot, tmp_path) as started:
        window = started.window
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
