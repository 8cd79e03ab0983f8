"""The only code that touches secret storage (the ClickPay server key, the Geidea API password).

Secrets live in the OS keyring under service ``clickpay-desk`` and nowhere else: never in the
database, settings, logs, exports, exception texts or reprs. Only a real OS keyring counts
(Secret Service, macOS Keychain, Windows Credential Locker, KWallet); with none available the app
says so and offers a session-only secret held in this process's memory. It never falls back to a
file, so keyrings.alt / keyrings.cryptfile backends are refused even when installed and selected.

Every secret this process handles is registered for ``redact()``, which ``SecretRedactionFilter``
applies to log records as defence in depth.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import logging
import re
import threading
from dataclasses import dataclass
from typing import Any, Protocol

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

SERVICE = "clickpay-desk"
MASK = "••••"

#: Module prefixes of the backends that keep secrets in a real OS keyring. Anything else
#: (fail, null, chainer itself, keyrings.alt, keyrings.cryptfile, third-party) is not usable.
_REAL_BACKENDS: tuple[str, ...] = (
    "keyring.backends.SecretService",
    "keyring.backends.libsecret",
    "keyring.backends.kwallet",
    "keyring.backends.macOS",
    "keyring.backends.Windows",
)

# Secrets shorter than this are not redacted: masking every "a" in the log would hide more than
# it protects, and real server keys and API passwords are far longer.
_MIN_REDACTED_LENGTH = 4


class SecretStorageUnavailable(RuntimeError):
    """No usable OS keyring, or the keyring refused. The message is for the user, and never
    contains the secret."""


class _Registry:
    """Every secret this process has seen, for redaction. Process-wide, thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        # (the secrets, base64-looking runs long enough to hide one, their base64 cores), replaced
        # whole when a secret is added: a redaction running meanwhile sees one set, never a mix.
        self._rules: tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str] | None] | None = None

    def add(self, secret: str) -> None:
        if len(secret) < _MIN_REDACTED_LENGTH:
            return
        with self._lock:
            if secret in self._secrets:
                return
            self._secrets.add(secret)
            # Longest first, so a secret that contains another is masked whole.
            ordered = sorted(self._secrets, key=len, reverse=True)
            pattern = re.compile("|".join(re.escape(s) for s in ordered))
            # base64 of a text holding the shortest secret is at least this long (4 characters
            # per 3 bytes, less one group for where the secret starts within its group).
            shortest = len(ordered[-1].encode())
            least = max(8, (shortest * 4) // 3 - 3)
            encoded = re.compile("[A-Za-z0-9+/_-]{" + str(least) + ",}={0,2}")
            self._rules = (pattern, encoded, _encoded_cores(ordered))

    def redact(self, text: str) -> str:
        rules = self._rules
        if rules is None or not text:
            return text
        pattern, encoded, cores = rules
        text = pattern.sub(MASK, text)
        # A secret may also travel base64-encoded, e.g. Geidea's Basic credentials
        # base64("public_key:api_password"): decode each base64-looking run long enough to hide
        # one and mask it when what it hides contains a secret. Only when some run could: an
        # IBAN or a reference looks like base64 too, and decoding every one of them made
        # storing a 10,000-entry payout batch take seconds.
        if cores is not None and not cores.search(text):
            return text
        return encoded.sub(lambda m: self._mask_encoded(m.group(0), pattern), text)

    @staticmethod
    def _mask_encoded(run: str, pattern: re.Pattern[str]) -> str:
        for candidate in (run, run.replace("-", "+").replace("_", "/")):
            body = candidate.rstrip("=")
            try:
                decoded = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
            except (binascii.Error, ValueError):
                continue
            if pattern.search(decoded.decode("utf-8", "replace")):
                return MASK
        return run


def _encoded_cores(secrets: list[str]) -> re.Pattern[str] | None:
    """What every base64 text hiding one of ``secrets`` contains, or None when a secret is too
    short to tell.

    Base64 writes each 3 bytes as 4 characters, whatever surrounds them. A secret starting at a
    byte offset of 0, 1 or 2 within its 3-byte group is therefore written with the same
    characters for the groups that lie wholly inside it (its "core" at that offset), in the
    standard or the URL-safe alphabet. A text holding none of the cores hides no secret.
    """
    cores: set[str] = set()
    for secret in secrets:
        raw = secret.encode()
        for offset in range(3):
            encoded = base64.b64encode(b"\0" * offset + raw).decode()
            first = -(-offset // 3)  # the first group wholly inside the secret
            last = (offset + len(raw)) // 3  # the group after the last whole one
            if last <= first:
                return None
            core = encoded[4 * first : 4 * last]
            cores.add(core)
            cores.add(core.replace("+", "-").replace("/", "_"))
    return re.compile("|".join(re.escape(c) for c in sorted(cores, key=len, reverse=True)))


_registry = _Registry()


def register_secret(secret: str) -> None:
    """Have ``redact`` mask ``secret`` from now on (e.g. a key typed in a dialog, not yet saved)."""
    _registry.add(secret)


def redact(text: str) -> str:
    """``text`` with every secret this process has seen replaced by ``••••``, also where it
    appears base64-encoded (HTTP Basic credentials ``base64(user:secret)``)."""
    return _registry.redact(text)


class SecretRedactionFilter(logging.Filter):
    """Masks known secrets in a log record's message, exception text and stack. Attach it to
    handlers (it then covers records from every logger that reaches them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it for logging to report
            return True
        redacted = redact(message)
        if redacted != message or record.args:
            record.msg = redacted
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def _backend_name(backend: KeyringBackend) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _is_real(backend: KeyringBackend) -> bool:
    return _backend_name(backend).startswith(_REAL_BACKENDS)


def _describe(backend: KeyringBackend) -> str:
    name = getattr(backend, "name", None) or type(backend).__qualname__
    return f"{name} ({_backend_name(backend)})"


class SecretStore:
    """Reads and writes secrets in the OS keyring, with a session-only fallback.

    ``name`` is the keyring user name (``Profile.secret_name``); the service is always
    ``SERVICE``. The backend is looked up on each call, so a keyring that appears (or is swapped
    by ``keyring.set_keyring``) is picked up without restarting.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._session: dict[str, str] = {}

    # -- backend -------------------------------------------------------------------------------

    def _backend(self) -> tuple[KeyringBackend | None, str]:
        """The real OS keyring to use, or None with the reason."""
        try:
            selected = keyring.get_keyring()
        except Exception as exc:  # a broken keyringrc or backend import
            return None, f"the keyring library could not start ({type(exc).__name__})"
        candidates: list[KeyringBackend]
        if _backend_name(selected).startswith("keyring.backends.chainer."):
            # The chainer writes to the first backend that accepts, which might be a file:
            # pick the best real one ourselves instead.
            candidates = list(getattr(selected, "backends", []))
        else:
            candidates = [selected]
        unavailable: list[str] = []
        for candidate in candidates:
            if not _is_real(candidate):
                continue
            # A real backend chosen explicitly (keyringrc, PYTHON_KEYRING_BACKEND) may still
            # have no service behind it, e.g. Secret Service without a D-Bus session; keyring
            # reports that by its priority raising.
            try:
                viable = type(candidate).priority > 0
            except Exception as exc:
                unavailable.append(f"{_describe(candidate)} is not available: {_plain(exc)}")
                continue
            if viable:
                return candidate, _describe(candidate)
            unavailable.append(f"{_describe(candidate)} is not available")
        if unavailable:
            return None, "; ".join(unavailable)
        if not candidates:
            return None, "no keyring backend is available"
        shown = ", ".join(_describe(c) for c in candidates)
        return None, f"only {shown}, which does not keep secrets in an OS keyring"

    def backend_status(self) -> tuple[bool, str]:
        """(usable, description). Usable only with a real OS keyring."""
        backend, description = self._backend()
        if backend is None:
            return False, f"No usable system keyring: {description}."
        return True, description

    def _require_backend(self) -> KeyringBackend:
        backend, description = self._backend()
        if backend is None:
            raise SecretStorageUnavailable(
                "The key was not saved: no usable system keyring was found "
                f"({description}). Install and unlock one (e.g. GNOME Keyring or KWallet), "
                "or use the key for this session only."
            )
        return backend

    # -- secrets -------------------------------------------------------------------------------

    def get(self, name: str) -> str | None:
        """The session-only secret if there is one, else the keyring's, else None.

        Raises SecretStorageUnavailable when a real keyring exists but fails (e.g. stays locked).
        """
        _check_name(name)
        with self._lock:
            session = self._session.get(name)
        if session is not None:
            return session
        backend, _ = self._backend()
        if backend is None:
            return None
        try:
            secret = backend.get_password(SERVICE, name)
        except Exception as exc:  # backends raise their own types (D-Bus errors, ...)
            raise SecretStorageUnavailable(
                f"The system keyring could not be read: {_plain(exc)}"
            ) from None
        if secret is not None:
            register_secret(secret)
        return secret

    def set(self, name: str, secret: str) -> None:
        """Store ``secret`` in the OS keyring (replacing any previous one and any session-only
        value). Raises SecretStorageUnavailable with a message for the user when it cannot."""
        _check_name(name)
        _check_secret(secret)
        register_secret(secret)
        backend = self._require_backend()
        try:
            backend.set_password(SERVICE, name, secret)
        except Exception as exc:  # backends raise their own types (D-Bus errors, ...)
            raise SecretStorageUnavailable(
                f"The system keyring refused to save the key: {_plain(exc)}"
            ) from None
        with self._lock:
            self._session.pop(name, None)

    def set_session_only(self, name: str, secret: str) -> None:
        """Keep ``secret`` in this process's memory only; it is never written anywhere."""
        _check_name(name)
        _check_secret(secret)
        register_secret(secret)
        with self._lock:
            self._session[name] = secret

    def is_session_only(self, name: str) -> bool:
        with self._lock:
            return name in self._session

    def delete(self, name: str) -> None:
        """Forget the secret: the session-only value and the keyring entry (absent is fine)."""
        _check_name(name)
        with self._lock:
            self._session.pop(name, None)
        backend, _ = self._backend()
        if backend is None:
            return
        try:
            backend.delete_password(SERVICE, name)
        except keyring.errors.PasswordDeleteError:
            pass  # nothing stored under that name
        except Exception as exc:  # backends raise their own types (D-Bus errors, ...)
            raise SecretStorageUnavailable(
                f"The system keyring could not delete the key: {_plain(exc)}"
            ) from None

    def __repr__(self) -> str:
        with self._lock:
            count = len(self._session)
        return f"<SecretStore service={SERVICE!r} session_only={count}>"

    def __reduce__(self) -> Any:
        raise TypeError("SecretStore cannot be pickled")


# -- a profile's key after Save ---------------------------------------------------------------


class SecretStoreLike(Protocol):
    """The ``SecretStore`` methods ``store_secret`` uses (a real one, or a test double)."""

    def get(self, name: str) -> str | None: ...
    def set(self, name: str, secret: str) -> None: ...
    def set_session_only(self, name: str, secret: str) -> None: ...
    def is_session_only(self, name: str) -> bool: ...
    def delete(self, name: str) -> None: ...


@dataclass(frozen=True)
class SecretOutcome:
    """Where a profile's key ended up after Save."""

    saved: bool  # in the OS keyring
    session_only: bool
    problem: str = ""  # why it could not be kept (for the user; never holds the key)
    unchanged: bool = False  # nothing typed, nothing to move


def store_secret(
    secrets: SecretStoreLike,
    name: str,
    secret: str,
    session_only: bool,
    old_name: str | None,
) -> SecretOutcome:
    """Put a typed key under ``name`` (keyring, or this session's memory), or — nothing typed —
    move the existing one from ``old_name`` when the profile's gateway, URL or id changed (the
    keyring name follows them; a session-only key stays session-only). Never raises
    ``SecretStorageUnavailable``: the outcome says what went wrong. Blocking: call it in a worker.
    """
    if not secret:
        if old_name is None or old_name == name:
            return SecretOutcome(saved=False, session_only=False, unchanged=True)
        try:
            was_session = secrets.is_session_only(old_name)
            secret = secrets.get(old_name) or ""
        except SecretStorageUnavailable as exc:
            return SecretOutcome(False, False, str(exc))
        if not secret:
            return SecretOutcome(saved=False, session_only=False, unchanged=True)
        session_only = session_only or was_session
    try:
        if session_only:
            secrets.set_session_only(name, secret)
        else:
            secrets.set(name, secret)
    except SecretStorageUnavailable as exc:
        return SecretOutcome(False, False, str(exc))
    if old_name is not None and old_name != name:
        # A stale entry left behind is harmless; the new one is in place.
        with contextlib.suppress(SecretStorageUnavailable):
            secrets.delete(old_name)
    return SecretOutcome(saved=not session_only, session_only=session_only)


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not name.strip():
        raise ValueError("a secret needs a non-empty name")


def _check_secret(secret: str) -> None:
    # The message never repeats the value.
    if not isinstance(secret, str) or not secret:
        raise ValueError("the key is empty")


def _plain(exc: BaseException) -> str:
    """A keyring error as text for the user, with any known secret masked."""
    text = redact(str(exc)).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
