"""Watches whether the active profile's gateway answers: a periodic harmless read in a worker."""

from __future__ import annotations

import threading
from typing import Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from clickpay_desk.core.profile import Profile
from clickpay_desk.secrets import SecretStorageUnavailable, SecretStore
from clickpay_desk.services.connection import ConnectionVerdict, check_connection

from .errors import user_message
from .tasks import TaskContext, TaskHandle, TaskRunner


class Probe(Protocol):
    """``probe(profile, secret, cancel=event)``: the harmless read (``check_connection``)."""

    def __call__(
        self, profile: Profile, secret: str | None, *, cancel: threading.Event | None = None
    ) -> ConnectionVerdict: ...


def default_probe(
    profile: Profile, secret: str | None, *, cancel: threading.Event | None = None
) -> ConnectionVerdict:
    return check_connection(profile, secret, cancel=cancel)


class GatewayWatch(QObject):
    """Emits ``changed(text, answering)`` with "Gateway: answering" or "Gateway: not answering —
    <reason>". One check at a time; checks every ``interval_ms`` and on ``check_now()``."""

    changed = Signal(str, bool)

    def __init__(
        self,
        runner: TaskRunner,
        secrets: SecretStore,
        parent: QObject | None = None,
        *,
        interval_ms: int = 60_000,
        probe: Probe = default_probe,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._secrets = secrets
        self._probe = probe
        self._profile: Profile | None = None
        self._running: TaskHandle | None = None
        self._generation = 0  # answers for a profile no longer active are dropped
        self.text = "Gateway: no profile"
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check_now)
        self._timer.start()

    def set_profile(self, profile: Profile | None) -> None:
        self._profile = profile
        self._generation += 1
        if self._running is not None:
            self._running.cancel()
            self._running = None
        if profile is None:
            self._set("Gateway: no profile — add one in File ▸ Profiles", False)
        else:
            self._set("Gateway: checking…", False)
            self.check_now()

    def check_now(self) -> None:
        profile = self._profile
        if profile is None or self._running is not None:
            return
        generation = self._generation
        secrets, probe = self._secrets, self._probe

        def work(ctx: TaskContext) -> ConnectionVerdict:
            try:
                secret = secrets.get(profile.secret_name)
            except SecretStorageUnavailable as exc:
                return ConnectionVerdict(False, None, str(exc))
            ctx.check_cancelled()
            return probe(profile, secret, cancel=ctx.cancelled)

        def settled() -> bool:
            """Forget this check; False when it was for a profile no longer active (its answer
            is dropped, and the check that replaced it stays recorded as running)."""
            if generation != self._generation:
                return False
            self._running = None
            return True

        def done(verdict: ConnectionVerdict) -> None:
            if not settled():
                return
            if verdict.answering and verdict.key_accepted is not False:
                self._set("Gateway: answering", True)
            elif verdict.answering:
                self._set(f"Gateway: answering, key refused — {verdict.message}", False)
            else:
                self._set(f"Gateway: not answering — {verdict.message}", False)

        def failed(exc: BaseException) -> None:
            if settled():
                self._set(f"Gateway: not answering — {user_message(exc)}", False)

        def stopped() -> None:
            settled()

        self._running = self._runner.submit(
            work, on_done=done, on_error=failed, on_cancelled=stopped, owner=self
        )

    def _set(self, text: str, answering: bool) -> None:
        self.text = text
        self.changed.emit(text, answering)
