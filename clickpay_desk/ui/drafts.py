"""Unsaved work kept in the store's drafts, within a second of each edit.

``DraftSaver`` is debounced: every change restarts a short timer (400 ms), and when it fires the
form's values are collected on the GUI thread (cheap: reading widgets) and written by the store's
single writer thread. Loads and deletes go through the same writer, so they are ordered with the
saves: a draft deleted after a save is never resurrected by a slow read.

What a draft holds is the form's business: it must never contain a secret.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from clickpay_desk.store.database import Store

from .errors import user_message
from .tasks import TaskContext, TaskKind, TaskRunner

#: Debounce: the save comes this long after the last change (always well under a second).
DEFAULT_DELAY_MS = 400


class DraftSaver(QObject):
    """Saves ``collect()`` as the draft ``(kind, key)`` shortly after each ``changed()``.

    ``saved(key)`` fires once a save reached the store; ``failed(text)`` when one could not.
    A ``key`` of None means "nothing to save now" (e.g. no form shown).
    """

    saved = Signal(str)
    failed = Signal(str)

    def __init__(
        self,
        runner: TaskRunner,
        store: Store,
        kind: str,
        collect: Callable[[], dict[str, Any]],
        parent: QObject | None = None,
        *,
        delay_ms: int = DEFAULT_DELAY_MS,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._store = store
        self.kind = kind
        self._collect = collect
        self._key: str | None = None
        self._generation = 0  # a load answered for an older key is dropped
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._save)

    @property
    def key(self) -> str | None:
        return self._key

    @property
    def pending(self) -> bool:
        """True while a change waits for its save."""
        return self._timer.isActive()

    def set_key(self, key: str | None) -> None:
        """Work on another draft from now on; a change still pending for the old one is saved."""
        if key == self._key:
            return
        self.flush()
        self._key = key
        self._generation += 1

    def changed(self) -> None:
        """The form changed: save it shortly (debounced)."""
        if self._key is not None:
            self._timer.start()

    def flush(self) -> None:
        """Save now if a change is pending."""
        if self._timer.isActive():
            self._timer.stop()
            self._save()

    def _save(self) -> None:
        key = self._key
        if key is None or self._runner.closed:
            return
        data = self._collect()
        store, kind = self._store, self.kind
        self._runner.submit(
            lambda _: store.save_draft(kind, key, data),
            kind=TaskKind.STORE,
            owner=self,  # the save still happens when the form is gone; only the signal is skipped
            on_done=lambda _: self.saved.emit(key),
            on_error=lambda exc: self.failed.emit(
                f"Unsaved changes could not be kept: {user_message(exc)}"
            ),
        )

    def load(self, apply: Callable[[dict[str, Any]], None]) -> None:
        """Read the current key's draft (through the writer, after any pending save) and hand it
        to ``apply`` on the GUI thread, unless the key changed meanwhile."""
        key = self._key
        if key is None:
            return
        generation = self._generation
        store, kind = self._store, self.kind

        def work(_: TaskContext) -> dict[str, Any] | None:
            draft = store.load_draft(kind, key)
            return None if draft is None else draft.data

        def loaded(data: dict[str, Any] | None) -> None:
            if data is not None and generation == self._generation:
                apply(data)

        self._runner.submit(work, kind=TaskKind.STORE, on_done=loaded, owner=self)

    def discard(self, key: str | None = None) -> None:
        """Forget the draft ``key`` (default: the current one), e.g. after the real save."""
        key = self._key if key is None else key
        if key == self._key:
            self._timer.stop()
            self._generation += 1
        if key is None:
            return
        store, kind = self._store, self.kind
        self._runner.submit(lambda _: store.delete_draft(kind, key), kind=TaskKind.STORE)
