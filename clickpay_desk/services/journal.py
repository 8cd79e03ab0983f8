"""Journalled gateway calls: never pay twice, never lose track.

Every mutating call is written to the journal (PENDING) *before* it is sent, and finished as
DONE, REFUSED or UNKNOWN after. An action whose last attempt is unresolved cannot be repeated
until ``services.reconcile`` has found out what happened.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from clickpay_desk.gateway.errors import (
    Cancelled,
    GatewayError,
    GatewayUnavailable,
    OutcomeUnknown,
)
from clickpay_desk.store.database import Store
from clickpay_desk.store.records import JournalEntry, JournalStatus

from .operations import Operation, describe

log = logging.getLogger(__name__)
T = TypeVar("T")


class UnresolvedAttempt(Exception):
    """The same action's last attempt has an unknown outcome: reconcile before repeating it."""

    def __init__(self, entry: JournalEntry) -> None:
        self.entry = entry
        super().__init__(
            f"The last attempt to {describe(entry.operation)} “{entry.reference}” "
            f"({entry.created_at:%Y-%m-%d %H:%M}) has an unknown outcome. "
            "Run File ▸ Reconcile before trying again, so nothing is sent twice."
        )


# Journal entries whose request is being sent or awaited by a thread of this process. Such an
# entry is PENDING because it is in flight, not because the app died: a read now could miss a
# request the gateway has not committed yet, so reconciliation leaves it alone.
_in_flight: set[int] = set()
_in_flight_lock = threading.Lock()
# Held from "may this action be sent?" to "it is journalled": two workers starting the same
# action at once cannot both find nothing blocking and both send.
_begin_lock = threading.Lock()


def in_flight(entry_id: int) -> bool:
    """True while a thread of this process is still sending or awaiting this entry's request."""
    with _in_flight_lock:
        return entry_id in _in_flight


def run_journalled(
    store: Store,
    *,
    profile_id: int | None,
    operation: Operation | str,
    subject: str,
    reference: str,
    request: Mapping[str, Any],
    call: Callable[[], T],
    summarize: Callable[[T], dict[str, Any]],
    check: Callable[[], None] | None = None,
    with_begin: Callable[[], None] | None = None,
    with_done: Callable[[T], None] | None = None,
) -> T:
    """Journal, send once, record the outcome. Raises what ``call`` raised (after recording it).

    ``subject`` names what the action is about (``invoice:<profile id>:<cart id>``); the
    unresolved-attempt check is also limited to ``profile_id``'s entries, so one merchant's
    reference never blocks another's. ``request`` is a summary for the Activity view; it must
    hold no secret (the clients add the key to the headers, never to payloads). ``check`` runs
    just before the journal entry is written, atomically with the unresolved-attempt check,
    and raises to refuse the action (e.g. "already created"). ``with_begin`` and ``with_done``
    write the caller's own records in the same transaction as the journal's "sending" and
    "done" (one disk sync each, and no crash can leave the two disagreeing).
    """
    with _begin_lock:
        # Merchant references are unique per merchant only: merchant B's "INV-0001" is not
        # blocked by merchant A's.
        blocking = store.journal_blocking(subject, operation, profile_id=profile_id)
        if blocking is not None:
            raise UnresolvedAttempt(blocking)
        # After the unresolved check, not before: an attempt in flight only ever moves from
        # PENDING to its outcome, so "not pending" read first and "not done" read second cannot
        # both miss an attempt that finished in between.
        if check is not None:
            check()
        with store.transaction():
            entry = store.journal_begin(
                profile_id, str(operation), subject, reference, dict(request)
            )
            if with_begin is not None:
                with_begin()
        with _in_flight_lock:
            _in_flight.add(entry.id)
    try:
        return _send(store, entry, call, summarize, with_done)
    finally:
        # Only once the outcome is in the journal, so no reconcile reads it half-way.
        with _in_flight_lock:
            _in_flight.discard(entry.id)


def _send(
    store: Store,
    entry: JournalEntry,
    call: Callable[[], T],
    summarize: Callable[[T], dict[str, Any]],
    with_done: Callable[[T], None] | None = None,
) -> T:
    try:
        result = call()
    except OutcomeUnknown as exc:
        store.journal_finish(entry.id, JournalStatus.UNKNOWN, error=str(exc))
        raise
    except (GatewayUnavailable, Cancelled) as exc:
        # Nothing reached the gateway (no connection, or cancelled before sending): a definite
        # "not done", safe to try again.
        store.journal_finish(entry.id, JournalStatus.NOT_DONE, error=str(exc))
        raise
    except GatewayError as exc:
        store.journal_finish(entry.id, JournalStatus.REFUSED, error=str(exc))
        raise
    except BaseException as exc:
        # Our own bug or an interrupt after journal_begin: we cannot say the request was not
        # sent, so it stays unknown and will be reconciled.
        log.exception("%s %s failed unexpectedly", entry.operation, entry.reference)
        store.journal_finish(entry.id, JournalStatus.UNKNOWN, error=type(exc).__name__)
        raise
    summary = summarize(result)
    try:
        with store.transaction():
            store.journal_finish(entry.id, JournalStatus.DONE, result=summary)
            if with_done is not None:
                with_done(result)
    except Exception:
        if with_done is None:
            raise
        # The caller's records failed (our bug, or the disk): the answer is still a fact.
        log.exception("%s %s: recording the answer failed", entry.operation, entry.reference)
        store.journal_finish(entry.id, JournalStatus.DONE, result=summary)
        raise
    return result
