"""``app.start_gui``: the app built in-process as ``clickpay-desk`` builds it; a clean stop."""

from __future__ import annotations

import pytest

from clickpay_desk.services import invoices
from clickpay_desk.store.database import StoreClosed
from tests.app_session import sandbox_session
from tests.unit.services.desk import make_invoice


def test_sandbox_session_in_process_creates_an_invoice_and_stops_cleanly(
    qtbot, tmp_path, app_logging
):
    with sandbox_session(qtbot, tmp_path) as started:
        window, ctx = started.window, started.ctx
        assert started.sandbox is not None and ctx.sandbox_url == started.sandbox.base_url
        assert window.isVisible() and window.windowTitle().endswith("(sandbox)")
        created = []
        window.invoice_actions.create(window.active_profile, make_invoice(), on_done=created.append)
        qtbot.waitUntil(lambda: bool(created), timeout=5000)
        assert ctx.store.journal_list(operation=invoices.CREATE)[0].result["invoice_id"]
        # One client per profile, kept in the pool for the next request.
        assert ctx.pool.client_for(window.active_profile) is ctx.pool.client_for(
            window.active_profile
        )
    assert ctx.runner.closed and ctx.writer.closed
    with pytest.raises(StoreClosed):
        ctx.store.list_profiles()
    assert (tmp_path / "settings" / "window.ini").is_file()
    assert (tmp_path / "logs" / "clickpay-desk.log").is_file()
