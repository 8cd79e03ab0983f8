"""The app built in-process as ``clickpay-desk`` builds it (``app.start_gui``), for the GUI and
session tests that drive a whole session."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from clickpay_desk.app import SANDBOX_PROFILE_NAME, DeskSession, build_parser, start_gui


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


def start_sandbox(qtbot, data_dir: Path, *, timeout: int = 8000) -> DeskSession:
    """``clickpay-desk --sandbox --data-dir DATA_DIR``, once its demo ClickPay profile is the
    active one (stopped again if it never becomes so, so a failure leaks no threads)."""
    started = start_gui(build_parser().parse_args(["--sandbox", "--data-dir", str(data_dir)]))
    assert isinstance(started, DeskSession)
    window = started.window
    try:
        qtbot.waitUntil(
            lambda: (
                window.active_profile is not None
                and window.active_profile.name == SANDBOX_PROFILE_NAME
            ),
            timeout=timeout,
        )
    except BaseException:
        started.stop()
        raise
    return started
