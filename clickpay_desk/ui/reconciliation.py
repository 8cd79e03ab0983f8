"""Finding out what happened to requests with an unknown outcome, from the GUI.

File ▸ Reconcile, the automatic check at start-up, and the Activity tab's "Reconcile this" /
"Mark as done…" / "Mark as not done…" all come here. The reads run in workers through the task
runner (``services.reconcile``); a manual resolution is written through the store's writer after
the user confirms they checked the merchant dashboard.

A request whose worker is still waiting for the gateway is left alone (``services.journal``
knows which): its journal entry is PENDING because it is in flight, and a read now could miss a
request the gateway has not committed yet.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from clickpay_desk.services.clients import ClientPool
from clickpay_desk.services.journal import describe, in_flight
from clickpay_desk.services.reconcile import (
    Reconciled,
    reconcile_all,
    reconcile_entry,
    resolve_manually,
    summary,
)
from clickpay_desk.store.database import Store
from clickpay_desk.store.records import JournalEntry

from .errors import user_message
from .tasks import TaskContext, TaskHandle, TaskKind, TaskRunner

IN_FLIGHT_TEXT = (
    "This request is still waiting for the gateway's answer; its real outcome is recorded "
    "when it returns. Reconcile it after that."
)


@dataclass(frozen=True)
class ReconcileRun:
    """What one reconcile pass found. ``automatic``: the start-up check, not the menu."""

    results: list[Reconciled]
    skipped: int  # entries left alone because their request is still in flight
    automatic: bool
    cancelled: bool = False

    @property
    def text(self) -> str:
        waiting = (
            f"{self.skipped} request(s) still waiting for the gateway's answer were left alone; "
            "their outcome is recorded when the answer comes."
            if self.skipped
            else ""
        )
        if not self.results and waiting:
            return f"Nothing was reconciled: {waiting}"
        text = summary(self.results)
        if self.cancelled:
            text = f"Reconcile stopped by Cancel after {len(self.results)} request(s). " + (
                text if self.results else ""
            )
        return f"{text} {waiting}".strip()


def reconcile_settled(
    store: Store,
    pool: ClientPool,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
) -> tuple[list[Reconciled], int]:
    """Reconcile every unresolved entry except those still in flight; (results, skipped)."""
    skipped = sum(1 for e in store.journal_unresolved() if in_flight(e.id))
    return reconcile_all(store, pool, progress=progress, cancel=cancel), skipped


def entry_title(entry: JournalEntry) -> str:
    """The request in words, e.g. ``create the invoice “cart-7”``."""
    return f"{describe(entry.operation)} “{entry.reference}”"


class Reconciler(QObject):
    """``message(text)`` for the status bar; ``finished(ReconcileRun)`` after a pass;
    ``entry_resolved(Reconciled)`` after one entry; ``journal_changed()`` whenever the journal
    may have changed."""

    message = Signal(str)
    finished = Signal(object)
    entry_resolved = Signal(object)
    journal_changed = Signal()

    def __init__(
        self,
        runner: TaskRunner,
        store: Store,
        pool: ClientPool,
        *,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._store = store
        self._pool = pool
        self._running: TaskHandle | None = None
        # An entry left unknown only because the gateway may still be finishing it is checked
        # again when its settle window ends ("checked again at HH:MM"): one timer, the earliest.
        self._again = QTimer(self)
        self._again.setSingleShot(True)
        self._again.timeout.connect(lambda: self.reconcile_all(automatic=True))
        self.next_check: datetime | None = None

    @property
    def running(self) -> TaskHandle | None:
        return self._running

    def _check_again(self, results: list[Reconciled]) -> None:
        """Arm the timer for the earliest ``retry_at`` among ``results`` (if any)."""
        due = [r.retry_at for r in results if r.retry_at is not None]
        if not due:
            return
        when = min(due)
        if self.next_check is not None and self._again.isActive() and self.next_check <= when:
            return
        self.next_check = when
        wait = (when - datetime.now(UTC)).total_seconds()
        # A second late, so the window has surely ended when the read runs.
        self._again.start(max(0, int(wait * 1000)) + 1000)

    # -- every unknown entry ---------------------------------------------------------------

    def reconcile_all(self, *, automatic: bool = False) -> TaskHandle | None:
        """Ask the gateway about every unresolved entry, with progress and Cancel."""
        if self._running is not None:
            self.message.emit("Reconcile is already running.")
            return None
        store, pool = self._store, self._pool

        def work(ctx: TaskContext) -> ReconcileRun:
            def progress(done: int, total: int) -> None:
                ctx.progress(done, total, f"{done} of {total}")

            results, skipped = reconcile_settled(
                store, pool, progress=progress, cancel=ctx.cancelled
            )
            return ReconcileRun(results, skipped, automatic, ctx.cancelled.is_set())

        def done(run: ReconcileRun) -> None:
            self._running = None
            self._check_again(run.results)
            self.message.emit(run.text)
            self.finished.emit(run)
            self.journal_changed.emit()

        def failed(exc: BaseException) -> None:
            self._running = None
            self.message.emit(f"Reconcile failed: {user_message(exc)}")
            self.journal_changed.emit()

        def cancelled() -> None:
            # Reads only: stopping to wait is safe. What was already found is in the journal.
            self._running = None
            self.message.emit(
                "Reconcile cancelled. Requests already checked keep what was found; the others "
                "are still unknown."
            )
            self.journal_changed.emit()

        self._running = self._runner.submit(
            work,
            title="Reconciling unknown outcomes",
            owner=self,
            on_done=done,
            on_error=failed,
            on_cancelled=cancelled,
            abandon_on_cancel=True,
            on_late=lambda _ok, _value: self.journal_changed.emit(),
        )
        return self._running

    def check_at_startup(self) -> None:
        """If the journal holds unresolved entries (the app stopped mid-send, or answers were
        lost), say so and reconcile them in the background."""
        store = self._store

        def found(entries: list[JournalEntry]) -> None:
            if not entries:
                return
            self.message.emit(
                f"{len(entries)} request(s) from an earlier session have an unknown outcome; "
                "asking the gateway what happened…"
            )
            self.reconcile_all(automatic=True)

        self._runner.submit(
            lambda _: store.journal_unresolved(),
            kind=TaskKind.READ,
            owner=self,
            on_done=found,
            on_error=lambda exc: self.message.emit(
                f"Could not read the journal at start-up: {user_message(exc)}"
            ),
        )

    # -- one entry -------------------------------------------------------------------------

    def _in_flight(self, entry: JournalEntry) -> bool:
        if in_flight(entry.id):
            self.message.emit(IN_FLIGHT_TEXT)
            return True
        return False

    def reconcile_one(self, entry: JournalEntry) -> TaskHandle | None:
        """Activity's "Reconcile this": one read for one entry."""
        if not entry.unresolved or self._in_flight(entry):
            return None
        store, pool = self._store, self._pool

        def work(ctx: TaskContext) -> Reconciled:
            return reconcile_entry(store, pool, entry, cancel=ctx.cancelled)

        def done(result: Reconciled) -> None:
            self._check_again([result])
            self.message.emit(result.message)
            self.entry_resolved.emit(result)
            self.journal_changed.emit()

        return self._runner.submit(
            work,
            title=f"Reconciling: {entry_title(entry)}",
            owner=self,
            on_done=done,
            on_error=lambda exc: self.message.emit(f"Reconcile failed: {user_message(exc)}"),
            abandon_on_cancel=True,
            on_late=lambda _ok, _value: self.journal_changed.emit(),
        )

    def ask_resolve(
        self, entry: JournalEntry, happened: bool, parent: QWidget
    ) -> QMessageBox | None:
        """Activity's "Mark as done…" / "Mark as not done…": confirm, then record.

        The user must say they checked the merchant dashboard.

        The question is window-modal but asynchronous (``open``): the GUI never blocks in it.
        Returns the box (tests click its buttons).
        """
        if not entry.unresolved or self._in_flight(entry):
            return None
        what = entry_title(entry)
        box = QMessageBox(parent)
        box.setIcon(QMessageBox.Icon.Warning)
        if happened:
            box.setWindowTitle("Mark as done")
            box.setText(f"Mark the request to {what} as DONE?")
            box.setInformativeText(
                "Do this only after checking the merchant dashboard: you have seen there that "
                "the request took effect. The app will then treat it as done and never send it "
                "again."
            )
            label = "I checked the dashboard: it is done"
        else:
            box.setWindowTitle("Mark as not done")
            box.setText(f"Mark the request to {what} as NOT done?")
            box.setInformativeText(
                "Do this only after checking the merchant dashboard: you have seen there that the "
                "request did NOT take effect. The app will then allow sending it again — if it "
                "did arrive after all, that would send it twice."
            )
            label = "I checked the dashboard: it was not done"
        confirm = box.addButton(label, QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)

        def answered() -> None:
            if box.clickedButton() is confirm:
                self.resolve(entry, happened)
            box.deleteLater()

        box.finished.connect(answered)
        box.open()
        return box

    def resolve(self, entry: JournalEntry, happened: bool) -> TaskHandle:
        """Record the user's finding (after ``ask_resolve`` confirmed it)."""
        store, entry_id = self._store, entry.id
        word = "done" if happened else "not done"

        def done(updated: JournalEntry) -> None:
            self.message.emit(
                f"Marked the request to {entry_title(entry)} as {word}, as checked on the "
                "merchant dashboard."
            )
            self.entry_resolved.emit(Reconciled(updated, True, f"Marked {word} by you."))
            self.journal_changed.emit()

        return self._runner.submit(
            lambda _: resolve_manually(store, entry_id, happened),
            kind=TaskKind.STORE,
            owner=self,
            on_done=done,
            on_error=lambda exc: self.message.emit(
                f"Could not mark it as {word}: {user_message(exc)}"
            ),
        )
