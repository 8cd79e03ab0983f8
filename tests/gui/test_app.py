"""``app.start_gui``: the app built in-process as ``clickpay-desk`` builds it; a clean stop."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from clickpay_desk.app import SANDBOX_PROFILE_NAME, DeskSession, build_parser, start_gui
from clickpay_desk.services import invoices
from clickpay_desk.store.database import StoreClosed
from tests.unit.services.desk import make_invoice


@pytest.fixture
def app_logging() -> Iterator[None]:
    """``start_gui`` installs the app's log handlers on the root logger: take them off again."""
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in before:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def test_sandbox_session_in_process_creates_an_invoice_and_stops_cleanly(
    qtbot, tmp_path, app_logging
):
    started = start_gui(build_parser().parse_args(["--sandbox", "--data-dir", str(tmp_path)]))
    assert isinstance(started, DeskSession)
    window, ctx = started.window, started.ctx
    try:
        assert started.sandbox is not None and ctx.sandbox_url == started.sandbox.base_url
        assert window.isVisible() and window.windowTitle().endswith("(sandbox)")
        qtbot.waitUntil(
            lambda: (
                window.active_profile is not None
                and window.active_profile.name == SANDBOX_PROFILE_NAME
            ),
            timeout=5000,
        )
        created = []
        window.invoice_actions.create(window.active_profile, make_invoice(), on_done=created.append)
        qtbot.waitUntil(lambda: bool(created), timeout=5000)
        assert ctx.store.journal_list(operation=invoices.CREATE)[0].result["invoice_id"]
        # One client per profile, kept in the pool for the next request.
        assert ctx.pool.client_for(window.active_profile) is ctx.pool.client_for(
            window.active_profile
        )
    finally:
        started.stop()
    assert ctx.runner.closed and ctx.writer.closed
    with pytest.raises(StoreClosed):
        ctx.store.list_profiles()
    assert (tmp_path / "settings" / "window.ini").is_file()
    assert (tmp_path / "logs" / "clickpay-desk.log").is_file()
