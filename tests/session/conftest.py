"""Whole-session tests: the app built as ``clickpay-desk`` builds it, driven in-process.

The platform must be chosen before Qt is imported anywhere.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from tests.keyring.real_keyring import real_keyring  # noqa: F401 - the fixture


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
