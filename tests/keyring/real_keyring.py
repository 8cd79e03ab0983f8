"""The REAL OS keyring for tests that need one (``tests/keyring``, ``tests/session``).

Skipped, with how to run it, when this machine has no usable keyring and ``CI`` is unset; with
``CI`` set a missing keyring FAILS, so CI can never skip these tests silently.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import keyring
import keyring.core
import pytest

from clickpay_desk.secrets import SecretStore

HOW_TO_RUN = (
    "run inside a D-Bus session with an unlocked Secret Service, e.g. "
    "HOME=$(mktemp -d) dbus-run-session -- sh -c 'printf %s pw | gnome-keyring-daemon "
    "--unlock --components=secrets >/dev/null; CI=1 QT_QPA_PLATFORM=offscreen "
    ".venv/bin/pytest tests/keyring tests/session'"
)


@pytest.fixture
def real_keyring() -> Iterator[str]:
    """Use the backend keyring detects for this environment (fresh detection, whatever earlier
    tests selected); yields its description."""
    previous = keyring.get_keyring()
    keyring.core.init_backend()
    try:
        usable, description = SecretStore().backend_status()
        if not usable:
            if os.environ.get("CI"):
                pytest.fail(f"CI is set but there is no usable OS keyring: {description}")
            pytest.skip(f"no usable OS keyring here ({description}); {HOW_TO_RUN}")
        yield description
    finally:
        keyring.set_keyring(previous)
