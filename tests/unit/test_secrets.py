"""The secrets wrapper without a real keyring: what counts as usable, the session-only fallback,
plain errors, redaction, and that the secret reaches no file."""

from __future__ import annotations

import base64
import logging
import pickle
import sys
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import keyring
import keyring.backends.fail
import keyring.backends.null
import keyring.errors
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from keyring.backend import KeyringBackend
from keyring.backends import SecretService, chainer

from clickpay_desk.core.profile import GatewayKind, Profile
from clickpay_desk.logs import setup_logging
from clickpay_desk.paths import DataPaths
from clickpay_desk.secrets import (
    MASK,
    SERVICE,
    SecretRedactionFilter,
    SecretStorageUnavailable,
    SecretStore,
    _Registry,
    redact,
    register_secret,
    store_secret,
)
from clickpay_desk.store import JournalStatus, Store

SECRET = "SKJNLH9T6B-JHTDWBNLMN-ZZ7Q2KX9RM"  # shaped like a ClickPay server key
NAME = "clickpay:https://secure.clickpay.com.sa:44537"


@pytest.fixture
def use_backend() -> Iterator[Callable[[KeyringBackend], None]]:
    previous = keyring.get_keyring()
    yield keyring.set_keyring
    keyring.set_keyring(previous)


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


class PlaintextKeyring(KeyringBackend):
    """Stands in for keyrings.alt's file backends: viable, and writes the secret to a file."""

    priority = 20  # type: ignore[assignment]  # beats everything, as keyrings.alt can

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def get_password(self, service: str, username: str) -> str | None:
        return self.path.read_text() if self.path.exists() else None

    def set_password(self, service: str, username: str, password: str) -> None:
        self.path.write_text(password)

    def delete_password(self, service: str, username: str) -> None:
        self.path.unlink()


class ReachableSecretService(SecretService.Keyring):
    """The Secret Service backend as if a D-Bus session were there (its module is kept so it
    counts as the real thing). Its calls are patched per test; it never talks to D-Bus."""

    __module__ = SecretService.__name__
    priority = 5  # type: ignore[assignment]


class MemoryKeyring(ReachableSecretService):
    """A real-looking OS keyring that keeps its entries in a dict."""

    __module__ = SecretService.__name__

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.items.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("not found")


# Test backends must not join keyring's registry of backends it may pick on its own.
KeyringBackend._classes.discard(PlaintextKeyring)  # type: ignore[attr-defined]
KeyringBackend._classes.discard(ReachableSecretService)  # type: ignore[attr-defined]
KeyringBackend._classes.discard(MemoryKeyring)  # type: ignore[attr-defined]


def _files_containing(root: Path, secret: str) -> list[Path]:
    needles = (secret.encode(), secret.encode("utf-16-le"))
    found = []
    for path in root.rglob("*"):
        if path.is_file() and any(n in path.read_bytes() for n in needles):
            found.append(path)
    return found


# -- which backends count ------------------------------------------------------------------


def test_fail_backend_is_not_usable_and_the_session_fallback_works(
    use_backend: Callable[[KeyringBackend], None],
) -> None:
    use_backend(keyring.backends.fail.Keyring())
    secrets = SecretStore()
    usable, description = secrets.backend_status()
    assert usable is False
    assert "No usable system keyring" in description and "fail" in description

    with pytest.raises(SecretStorageUnavailable) as raised:
        secrets.set(NAME, SECRET)
    message = str(raised.value)
    assert "not saved" in message and "session only" in message
    assert SECRET not in message and SECRET not in repr(raised.value)
    assert raised.value.__cause__ is None and raised.value.__context__ is None
    assert secrets.get(NAME) is None

    secrets.set_session_only(NAME, SECRET)
    assert secrets.get(NAME) == SECRET and secrets.is_session_only(NAME)
    assert SECRET not in repr(secrets) and SECRET not in str(secrets)
    with pytest.raises(TypeError):
        pickle.dumps(secrets)
    secrets.delete(NAME)
    assert secrets.get(NAME) is None and not secrets.is_session_only(NAME)


def test_null_backend_is_not_usable(use_backend: Callable[[KeyringBackend], None]) -> None:
    use_backend(keyring.backends.null.Keyring())
    assert SecretStore().backend_status()[0] is False


def test_a_plaintext_backend_is_refused_even_when_selected(
    use_backend: Callable[[KeyringBackend], None], tmp_path: Path
) -> None:
    plain = PlaintextKeyring(tmp_path / "keyring_pass.cfg")
    use_backend(plain)
    secrets = SecretStore()
    usable, description = secrets.backend_status()
    assert not usable and "PlaintextKeyring" in description
    with pytest.raises(SecretStorageUnavailable):
        secrets.set(NAME, SECRET)
    assert not plain.path.exists()
    plain.set_password(SERVICE, NAME, "written-by-someone-else")
    assert secrets.get(NAME) is None  # never read from it either


def test_the_chainer_is_resolved_to_its_best_real_backend(
    use_backend: Callable[[KeyringBackend], None],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plain = PlaintextKeyring(tmp_path / "plain.cfg")
    monkeypatch.setattr(chainer.ChainerBackend, "backends", property(lambda self: [plain]))
    use_backend(chainer.ChainerBackend())
    assert SecretStore().backend_status()[0] is False

    # A reachable Secret Service is chosen over the higher-priority file.
    real = ReachableSecretService()
    monkeypatch.setattr(chainer.ChainerBackend, "backends", property(lambda self: [plain, real]))
    usable, description = SecretStore().backend_status()
    assert usable and "keyring.backends.SecretService" in description


def test_a_secret_service_without_a_session_bus_is_not_usable(
    use_backend: Callable[[KeyringBackend], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", "/nonexistent")
    use_backend(SecretService.Keyring())
    usable, description = SecretStore().backend_status()
    assert not usable and "not available" in description


def test_keyring_failures_become_plain_errors_without_the_secret(
    use_backend: Callable[[KeyringBackend], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    def locked(*args: object) -> None:
        raise keyring.errors.KeyringLocked(f"cannot unlock to store {SECRET}")

    def absent(*args: object) -> None:
        raise keyring.errors.PasswordDeleteError("not found")

    backend = ReachableSecretService()
    monkeypatch.setattr(backend, "set_password", locked)
    monkeypatch.setattr(backend, "get_password", locked)
    monkeypatch.setattr(backend, "delete_password", absent)
    use_backend(backend)
    secrets = SecretStore()
    assert secrets.backend_status()[0] is True
    with pytest.raises(SecretStorageUnavailable, match="refused") as raised:
        secrets.set(NAME, SECRET)
    assert SECRET not in str(raised.value) and MASK in str(raised.value)
    with pytest.raises(SecretStorageUnavailable, match="could not be read"):
        secrets.get(NAME)
    secrets.delete(NAME)  # nothing stored: fine


def test_names_and_secrets_must_not_be_empty() -> None:
    secrets = SecretStore()
    with pytest.raises(ValueError):
        secrets.set_session_only("", SECRET)
    with pytest.raises(ValueError) as raised:
        secrets.set_session_only(NAME, "")
    assert "empty" in str(raised.value)


# -- a profile's key after Save ---------------------------------------------------------------

OLD_NAME = "clickpay:https://secure.clickpay.com.sa:44537"
NEW_NAME = "clickpay:https://secure.clickpay.com.sa:99999"


def test_a_typed_key_goes_to_the_keyring_and_a_changed_id_moves_it(
    use_backend: Callable[[KeyringBackend], None],
) -> None:
    memory = MemoryKeyring()
    use_backend(memory)
    secrets = SecretStore()
    outcome = store_secret(secrets, OLD_NAME, SECRET, session_only=False, old_name=None)
    assert outcome.saved and not outcome.session_only and not outcome.problem
    assert memory.items == {(SERVICE, OLD_NAME): SECRET}

    # Saved again with nothing typed and the same id: the key is left alone.
    assert store_secret(secrets, OLD_NAME, "", session_only=False, old_name=OLD_NAME).unchanged
    # The profile id changed (its keyring name follows it): the key moves, the old entry goes.
    moved = store_secret(secrets, NEW_NAME, "", session_only=False, old_name=OLD_NAME)
    assert moved.saved and not moved.unchanged
    assert memory.items == {(SERVICE, NEW_NAME): SECRET}


def test_a_session_only_key_stays_session_only_when_it_moves(
    use_backend: Callable[[KeyringBackend], None],
) -> None:
    memory = MemoryKeyring()
    use_backend(memory)
    secrets = SecretStore()
    secrets.set_session_only(OLD_NAME, SECRET)
    outcome = store_secret(secrets, NEW_NAME, "", session_only=False, old_name=OLD_NAME)
    assert outcome.session_only and not outcome.saved
    assert secrets.is_session_only(NEW_NAME) and secrets.get(NEW_NAME) == SECRET
    assert secrets.get(OLD_NAME) is None and memory.items == {}


def test_a_refused_key_is_an_outcome_with_a_plain_problem(
    use_backend: Callable[[KeyringBackend], None],
) -> None:
    use_backend(keyring.backends.fail.Keyring())
    secrets = SecretStore()
    outcome = store_secret(secrets, OLD_NAME, SECRET, session_only=False, old_name=None)
    assert not outcome.saved and not outcome.session_only
    assert "no usable system keyring" in outcome.problem and SECRET not in outcome.problem
    assert secrets.get(OLD_NAME) is None
    # The choice offered next: this session only.
    kept = store_secret(secrets, OLD_NAME, SECRET, session_only=True, old_name=None)
    assert kept.session_only and secrets.get(OLD_NAME) == SECRET


# -- redaction ------------------------------------------------------------------------------


def test_redact_masks_every_secret_seen() -> None:
    long_secret = "sk-live-0123456789abcdefXYZ"
    inner = "0123456789abcdef"
    register_secret(inner)
    assert redact(f"key={long_secret}") == f"key=sk-live-{MASK}XYZ"
    register_secret(long_secret)
    assert redact(f"a {long_secret} b {inner}") == f"a {MASK} b {MASK}"  # longest first
    register_secret("abc")  # too short to mask usefully
    assert redact("abcabc") == "abcabc"
    SecretStore().set_session_only("geidea:x:y", "Geidea-Api-Password-77")
    assert "Geidea-Api-Password-77" not in redact("auth Geidea-Api-Password-77 failed")


@settings(max_examples=300)
@given(
    secret=st.text(st.characters(min_codepoint=33, max_codepoint=0x2FF), min_size=8, max_size=40),
    before=st.binary(max_size=7),
    after=st.binary(max_size=7),
    url_safe=st.booleans(),
)
def test_a_secret_hidden_in_base64_is_masked_wherever_it_starts(
    secret: str, before: bytes, after: bytes, url_safe: bool
) -> None:
    registry = _Registry()
    registry.add(secret)
    encode = base64.urlsafe_b64encode if url_safe else base64.b64encode
    hidden = encode(before + secret.encode() + after).decode()
    text = f"Authorization: Basic {hidden}\n"
    assert registry.redact(text) == f"Authorization: Basic {MASK}\n"
    # An IBAN or a reference looks like base64 but hides nothing: left as it is.
    plain = "SA9480000000000000000001 PB-20261130-01-2"
    if secret not in plain:
        assert registry.redact(plain) == plain


def test_filter_masks_message_arguments_exception_and_stack() -> None:
    register_secret(SECRET)
    try:
        raise RuntimeError(f"gateway said: bad key {SECRET}")
    except RuntimeError:
        record = logging.getLogger("t").makeRecord(
            "t", logging.ERROR, __file__, 1, "key is %s (%d)", (SECRET, 3), sys.exc_info()
        )
    record.stack_info = f"Stack: line with {SECRET}"
    assert SecretRedactionFilter().filter(record) is True
    formatted = logging.Formatter().format(record)
    assert SECRET not in formatted
    assert f"key is {MASK} (3)" in formatted and "bad key " + MASK in formatted


# -- nothing on disk ------------------------------------------------------------------------


def test_without_a_keyring_the_secret_reaches_no_file(
    use_backend: Callable[[KeyringBackend], None],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    restore_logging: None,
) -> None:
    """The whole app's file output (database, settings, drafts, journal, logs) under a fresh
    HOME, with no keyring: the key typed by the user is in none of it."""
    home = tmp_path / "home"
    for var, sub in (
        ("HOME", ""),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_STATE_HOME", ".local/state"),
        ("XDG_CACHE_HOME", ".cache"),
    ):
        monkeypatch.setenv(var, str(home / sub))
    home.mkdir()
    secret = "CLICKPAY-SERVER-KEY-7f3e9a21c4d84b6e"
    use_backend(keyring.backends.fail.Keyring())

    paths = DataPaths.default().ensure()
    assert paths.root.is_relative_to(home)
    log_file = setup_logging(paths.log_dir, logging.DEBUG)
    log = logging.getLogger("clickpay_desk.test")

    secrets = SecretStore()
    profile = Profile("Shop", GatewayKind.CLICKPAY, "https://secure.clickpay.com.sa", "44537")
    with pytest.raises(SecretStorageUnavailable) as raised:
        secrets.set(profile.secret_name, secret)
    log.warning("saving the key failed: %s", raised.value)
    secrets.set_session_only(profile.secret_name, secret)
    key = secrets.get(profile.secret_name)
    assert key == secret

    # Mistakes a careless caller could make: all of them are masked before reaching a file.
    log.info("using server key %s", key)
    log.debug("headers: %r", {"authorization": key})
    with Store.open(paths.database) as store:
        saved = store.save_profile(profile)
        store.set_setting("last_profile", saved.id)
        store.save_draft("profile", "edit", {"name": "Shop", "server_key": key})
        entry = store.journal_begin(
            saved.id, "invoice.create", "invoice:c1", "c1", {"authorization": key, "amount": "1"}
        )
        store.journal_finish(entry.id, JournalStatus.UNKNOWN, error=f"timeout with {key}")
        store.set_setting("amount", Decimal("1.00"))
    for handler in logging.getLogger().handlers:
        handler.flush()

    assert log_file.read_text(encoding="utf-8").count(MASK) >= 2
    assert sorted(p.name for p in home.rglob("*") if p.is_file())  # something was written
    assert _files_containing(home, secret) == []
