"""Whole-session tests: the app built as ``clickpay-desk`` builds it, driven in-process.

The platform must be chosen before Qt is imported anywhere.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.app_session import app_logging  # noqa: F401 - the fixture
from tests.keyring.real_keyring import real_keyring  # noqa: F401 - the fixture
