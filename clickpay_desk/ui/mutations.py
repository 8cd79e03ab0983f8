"""Requests that create or move money, run from the GUI: what a cancel did, and did not, send.

A request that has left cannot be called back, and the worker that sent it may sit in a socket
read for as long as the gateway takes: Cancel cannot interrupt that. So a mutation runs with the
task runner's ``abandon_on_cancel``: on Cancel the GUI stops waiting at once and says plainly what
happened, asking the journal, where the services record every request *before* sending it:

* no new journal entry yet: the worker had not reached the send, and the cancel flag (checked
  by the gateway client right before sending) stops it there — "cancelled before anything was
  sent";
* a pending entry: the request is on its way or waiting for its answer — "cancelled while
  waiting for the gateway: the request may have arrived; reconcile before trying again";
* a finished entry: it completed before the cancel, and the message says how.

The worker carries on in the background; when it returns the journal holds the real outcome and
``Mutations`` says that too. While a request is in flight (even abandoned) its journal entry is
PENDING and must not be reconciled by a read — the gateway may not have committed it yet —
so the reconciler leaves it alone (``services.journal.in_flight``).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from clickpay_desk.gateway.errors import OutcomeUnknown
from clickpay_desk.store.database import Store
from clickpay_desk.store.records import JournalEntry, JournalStatus

from .errors import is_cancellation, user_message
from .tasks import TaskContext, TaskHandle, TaskKind, TaskRunner

T = TypeVar("T")

SENT_AND_CANCELLED = (
    "cancelled while waiting for the gateway: the request may have arrived; "
    "reconcile before trying again"
)
NOTHING_SENT = "cancelled before anything was sent: nothing reached the gateway"


@dataclass(frozen=True)
class Mutation:
    """One mutating request as the journal will know it."""

    title: str  # what the user asked for, e.g. "Creating the invoice “cart-7”"
    operation: str  # journal operation, e.g. "invoice.create"
    subject: str  # journal subject, e.g. "invoice:cart-7"

    @property
    def key(self) -> tuple[str, str]:
        return (self.operation, self.subject)


class _Start:
    """The newest journal id of this action before the worker began (set by the worker)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.known = False
        self.before_id = 0


def cancel_text(mutation: Mutation, started: bool, entry: JournalEntry | None) -> str:
    """What a cancel did and did not send, from the journal entry this attempt wrote (if any)."""
    title = mutation.title
    if not started or entry is None:
        return f"{title}: {NOTHING_SENT}."
    match entry.status:
        case JournalStatus.PENDING:
            return f"{title}: {SENT_AND_CANCELLED}."
        case JournalStatus.UNKNOWN:
            return (
                f"{title}: no answer came before the cancel, so the outcome is unknown; "
                "reconcile before trying again."
            )
        case JournalStatus.DONE:
            return f"{title}: it was already done before the cancel took effect."
        case JournalStatus.REFUSED:
            return f"{title}: the gateway had already refused it: {entry.error or 'refused'}."
        case _:
            return f"{title}: it did not take effect ({entry.error or 'not done'})."


def late_text(mutation: Mutation, succeeded: bool, value: Any, done_text: str) -> str:
    """The real outcome of a cancelled request whose worker has now returned."""
    title = mutation.title
    if succeeded:
        return (
            f"{title}: the request you cancelled did reach the gateway and was done"
            + (f" — {done_text}" if done_text else "")
            + "."
        )
    if is_cancellation(value):
        return f"{title}: stopped before sending; nothing was sent."
    if isinstance(value, OutcomeUnknown):
        return (
            f"{title}: still no answer from the gateway, so the outcome is unknown "
            f"({user_message(value)}). Reconcile before trying again."
        )
    return f"{title}: the request you cancelled ended with: {user_message(value)}"


class Mutations(QObject):
    """Runs mutating requests through the task runner and says what happened to each.

    ``message(text)``: a sentence for the status bar, for every outcome.
    ``notice(text)``: the ones to keep in view until read — what a cancel did and did not send,
    and the real outcome of a cancelled request when it comes back.
    ``journal_changed()``: a request ended (or a cancelled one came back); refresh views.
    """

    message = Signal(str)
    notice = Signal(str)
    journal_changed = Signal()

    def __init__(self, runner: TaskRunner, store: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._store = store
        self._in_flight: Counter[tuple[str, str]] = Counter()

    def in_flight(self) -> frozenset[tuple[str, str]]:
        """(operation, subject) of every request whose worker has not returned yet."""
        return frozenset(key for key, count in self._in_flight.items() if count > 0)

    def is_in_flight(self, operation: str, subject: str) -> bool:
        return self._in_flight[(operation, subject)] > 0

    def submit(
        self,
        mutation: Mutation,
        call: Callable[[TaskContext], T],
        *,
        describe: Callable[[T], str] = lambda _result: "",
        on_done: Callable[[T], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_cancelled: Callable[[str], None] | None = None,
        owner: QObject | None = None,
    ) -> TaskHandle:
        """Run ``call(ctx)`` (a journalled service call that takes ``ctx.cancelled``)."""
        store = self._store
        start = _Start()

        def work(ctx: TaskContext) -> T:
            last = store.journal_last(mutation.subject, mutation.operation)
            with start.lock:
                start.before_id = 0 if last is None else last.id
                start.known = True
            ctx.check_cancelled()
            return call(ctx)

        def done(result: T) -> None:
            self._ended(mutation)
            text = describe(result)
            self.message.emit(f"{mutation.title}: done" + (f" — {text}." if text else "."))
            if on_done is not None:
                on_done(result)

        def failed(exc: BaseException) -> None:
            self._ended(mutation)
            self.message.emit(f"{mutation.title} failed: {user_message(exc)}")
            if on_error is not None:
                on_error(exc)

        def cancelled() -> None:
            # The GUI stops waiting now; the worker may still be in a socket read.
            self._explain_cancel(mutation, start, on_cancelled)

        def late(succeeded: bool, value: Any) -> None:
            self._ended(mutation)
            if not succeeded and is_cancellation(value):
                return  # stopped before sending: the cancel message already said so
            text = late_text(mutation, succeeded, value, describe(value) if succeeded else "")
            self.message.emit(text)
            self.notice.emit(text)

        self._in_flight[mutation.key] += 1
        try:
            return self._runner.submit(
                work,
                title=mutation.title,
                on_done=done,
                on_error=failed,
                on_cancelled=cancelled,
                on_late=late,
                abandon_on_cancel=True,
                owner=owner,
            )
        except BaseException:
            self._in_flight[mutation.key] -= 1
            raise

    def _ended(self, mutation: Mutation) -> None:
        self._in_flight[mutation.key] -= 1
        if self._in_flight[mutation.key] <= 0:
            del self._in_flight[mutation.key]
        self.journal_changed.emit()

    def _explain_cancel(
        self, mutation: Mutation, start: _Start, on_cancelled: Callable[[str], None] | None
    ) -> None:
        store = self._store

        def look(_: TaskContext) -> str:
            # Runs after the cancel flag was set: a request not journalled by now can no longer
            # be sent (the client checks the flag right before sending, after the journal entry).
            with start.lock:
                started, before_id = start.known, start.before_id
            entry = store.journal_last(mutation.subject, mutation.operation) if started else None
            ours = entry if entry is not None and entry.id > before_id else None
            return cancel_text(mutation, started, ours)

        def say(text: str) -> None:
            self.message.emit(text)
            self.notice.emit(text)
            self.journal_changed.emit()
            if on_cancelled is not None:
                on_cancelled(text)

        def unreadable(exc: BaseException) -> None:
            say(
                f"{mutation.title}: cancelled; whether the request was sent could not be read "
                f"from the journal ({user_message(exc)}). Reconcile before trying again."
            )

        self._runner.submit(look, kind=TaskKind.READ, on_done=say, on_error=unreadable, owner=self)
