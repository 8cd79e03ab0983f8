"""SecretStore against the REAL OS keyring (in CI: gnome-keyring's Secret Service inside a
throw-away ``dbus-run-session``; see packaging/dev.sh).

Skipped, with the reason, when this machine has no usable keyring and ``CI`` is unset. With
``CI`` set a missing keyring FAILS, so CI can never skip these silently (``real_keyring``).
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator

import keyring
import pytest

from clickpay_desk.secrets import MASK, SERVICE, SecretStore, redact

pytestmark = pytest.mark.keyring


@pytest.fixture
def name(real_keyring: str) -> Iterator[str]:
    """A keyring entry name no other run uses; removed afterwards whatever happens."""
    entry = f"test:https://secure.clickpay.com.sa:{uuid.uuid4().hex}"
    yield entry
    SecretStore().delete(entry)


def test_store_read_replace_delete(real_keyring: str, name: str) -> None:
    print(f"keyring backend: {real_keyring}")
    secrets = SecretStore()
    assert secrets.get(name) is None

    secrets.set(name, "SJNLH9T6B-JHTDWBNLMN-FIRST")
    assert secrets.get(name) == "SJNLH9T6B-JHTDWBNLMN-FIRST"
    # It is in the OS keyring under our service, not in this object's memory.
    assert SecretStore().get(name) == "SJNLH9T6B-JHTDWBNLMN-FIRST"
    assert keyring.get_password(SERVICE, name) == "SJNLH9T6B-JHTDWBNLMN-FIRST"
    assert not secrets.is_session_only(name)

    secrets.set(name, "SJNLH9T6B-JHTDWBNLMN-SECOND")
    assert SecretStore().get(name) == "SJNLH9T6B-JHTDWBNLMN-SECOND"

    secrets.delete(name)
    assert SecretStore().get(name) is None
    assert keyring.get_password(SERVICE, name) is None
    secrets.delete(name)  # deleting what is not there is fine


def test_another_process_reads_the_stored_key(real_keyring: str, name: str) -> None:
    secret = "Geidea-API-Password-كلمة-" + uuid.uuid4().hex  # non-ASCII survives
    SecretStore().set(name, secret)
    code = (
        "import sys; from clickpay_desk.secrets import SecretStore; "
        "sys.stdout.buffer.write(SecretStore().get(sys.argv[1]).encode())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, name], capture_output=True, timeout=30, check=True
    ).stdout
    assert out.decode() == secret


def test_set_replaces_a_session_only_key_and_both_are_redacted(
    real_keyring: str, name: str
) -> None:
    secrets = SecretStore()
    secrets.set_session_only(name, "session-only-key-0000")
    assert secrets.get(name) == "session-only-key-0000"
    assert SecretStore().get(name) is None  # never written to the keyring

    secrets.set(name, "stored-key-1111")
    assert secrets.get(name) == "stored-key-1111" and not secrets.is_session_only(name)

    # A key read back from the keyring in a fresh store is masked in logs too.
    stored = f"stored-{uuid.uuid4().hex}"
    keyring.get_keyring().set_password(SERVICE, name, stored)
    assert SecretStore().get(name) == stored
    assert redact(f"key={stored}") == f"key={MASK}"
