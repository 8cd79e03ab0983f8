"""The app built in-process as ``clickpay-desk`` builds it (``app.start_gui``), for the GUI and
session tests that drive a whole session."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def sandbox_session(qtbot, data_dir: Path, *, timeout: int = 8000) -> Iterator[DeskSession]:
    """``clickpay-desk --sandbox --data-dir DATA_DIR``, once its demo ClickPay profile is the
    active one; stopped on leaving, whatever happened (no threads leak into the next test)."""
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
        yield started
    finally:
        started.stop()
