"""The submission journal: recorded before a request is sent, settled after, never silently
rewritten; what is unresolved blocks a repeat."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from clickpay_desk.core.profile import Profile
from clickpay_desk.store import JournalStateError, JournalStatus, NotFound, Store

CREATE = "invoice.create"
CANCEL = "invoice.cancel"


def test_begin_is_committed_before_it_returns(
    store: Store, profile: Profile, db_path: Path
) -> None:
    entry = store.journal_begin(
        profile.id, CREATE, "invoice:cart-1", "cart-1", {"cart_amount": Decimal("10.500")}
    )
    assert entry.status is JournalStatus.PENDING and entry.unresolved
    assert entry.request == {"cart_amount": "10.500"}
    assert entry.result is None and entry.error is None and entry.finished_at is None
    assert entry.created_at.tzinfo is not None
    # Another connection (another process, after a crash) already sees it.
    other = sqlite3.connect(db_path)
    row = other.execute("SELECT status, subject FROM journal WHERE id = ?", (entry.id,)).fetchone()
    other.close()
    assert row == ("pending", "invoice:cart-1")


def test_finish_records_the_outcome_once(store: Store, profile: Profile) -> None:
    entry = store.journal_begin(profile.id, CREATE, "invoice:c1", "c1", {})
    done = store.journal_finish(entry.id, JournalStatus.DONE, {"invoice_id": 2025})
    assert done.status is JournalStatus.DONE and done.result == {"invoice_id": 2025}
    assert done.finished_at is not None and done.finished_at >= done.created_at
    assert done.reconciled_at is None
    with pytest.raises(JournalStateError):
        store.journal_finish(entry.id, JournalStatus.REFUSED, error="late")
    assert store.journal_get(entry.id) == done


def test_finish_refused_and_unknown(store: Store) -> None:
    refused = store.journal_begin(None, CREATE, "invoice:c2", "c2", {})
    refused = store.journal_finish(refused.id, "refused", error="[210] Invalid cart amount")  # type: ignore[arg-type]
    assert refused.status is JournalStatus.REFUSED and not refused.unresolved
    assert refused.error == "[210] Invalid cart amount"

    unknown = store.journal_begin(None, CREATE, "invoice:c3", "c3", {})
    unknown = store.journal_finish(unknown.id, JournalStatus.UNKNOWN, error="read timeout")
    assert unknown.status is JournalStatus.UNKNOWN and unknown.unresolved


def test_finish_needs_a_final_status_and_an_existing_entry(store: Store) -> None:
    entry = store.journal_begin(None, CREATE, "invoice:c1", "c1", {})
    with pytest.raises(ValueError):
        store.journal_finish(entry.id, JournalStatus.PENDING)
    with pytest.raises(ValueError):
        store.journal_finish(entry.id, "maybe")  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        store.journal_finish(entry.id + 100, JournalStatus.DONE)


def test_reconcile_settles_unknown_and_pending_only(store: Store) -> None:
    unknown = store.journal_begin(None, CREATE, "invoice:c1", "c1", {})
    store.journal_finish(unknown.id, JournalStatus.UNKNOWN, error="timeout")
    settled = store.journal_reconciled(unknown.id, JournalStatus.DONE, {"invoice_id": 7})
    assert settled.status is JournalStatus.DONE and settled.result == {"invoice_id": 7}
    assert settled.reconciled_at is not None and settled.error == "timeout"

    crashed = store.journal_begin(None, CREATE, "invoice:c2", "c2", {})
    not_done = store.journal_reconciled(crashed.id, JournalStatus.NOT_DONE)
    assert not_done.status is JournalStatus.NOT_DONE
    assert not_done.finished_at is not None and not_done.reconciled_at is not None

    with pytest.raises(ValueError):
        store.journal_reconciled(crashed.id, JournalStatus.REFUSED)
    with pytest.raises(JournalStateError):
        store.journal_reconciled(unknown.id, JournalStatus.NOT_DONE)  # already settled


def test_unresolved_lists_unknown_and_pending_oldest_first(store: Store) -> None:
    a = store.journal_begin(None, CREATE, "invoice:a", "a", {})
    b = store.journal_begin(None, CREATE, "invoice:b", "b", {})
    c = store.journal_begin(None, CREATE, "invoice:c", "c", {})
    d = store.journal_begin(None, CREATE, "invoice:d", "d", {})
    store.journal_finish(a.id, JournalStatus.UNKNOWN)
    store.journal_finish(b.id, JournalStatus.DONE)
    store.journal_finish(c.id, JournalStatus.REFUSED)
    assert [e.id for e in store.journal_unresolved()] == [a.id, d.id]
    store.journal_reconciled(a.id, JournalStatus.NOT_DONE)
    store.journal_finish(d.id, JournalStatus.DONE)
    assert store.journal_unresolved() == []


def test_last_and_blocking(store: Store) -> None:
    subject = "batch:7"
    assert store.journal_last(subject) is None
    assert store.journal_blocking(subject, "payout.batch.close") is None

    add = store.journal_begin(None, "payout.batch.add", subject, "Payout-1", {})
    store.journal_finish(add.id, JournalStatus.DONE)
    close = store.journal_begin(None, "payout.batch.close", subject, "Payout-1", {})
    assert store.journal_last(subject) == close
    assert store.journal_last(subject, "payout.batch.add") == store.journal_get(add.id)
    # In flight: pending blocks a second close.
    assert store.journal_blocking(subject, "payout.batch.close") == close
    assert store.journal_blocking(subject, "payout.batch.add") is None

    store.journal_finish(close.id, JournalStatus.UNKNOWN, error="connection reset")
    blocking = store.journal_blocking(subject, "payout.batch.close")
    assert blocking is not None and blocking.id == close.id
    assert store.journal_blocking("batch:8", "payout.batch.close") is None

    store.journal_reconciled(close.id, JournalStatus.NOT_DONE)
    assert store.journal_blocking(subject, "payout.batch.close") is None


def test_an_older_unknown_attempt_still_blocks(store: Store) -> None:
    first = store.journal_begin(None, CANCEL, "invoice:9", "c9", {})
    store.journal_finish(first.id, JournalStatus.UNKNOWN)
    second = store.journal_begin(None, CANCEL, "invoice:9", "c9", {})
    store.journal_finish(second.id, JournalStatus.DONE)
    blocking = store.journal_blocking("invoice:9", CANCEL)
    assert blocking is not None and blocking.id == first.id


def test_list_filters_newest_first(store: Store, profile: Profile) -> None:
    a = store.journal_begin(profile.id, CREATE, "invoice:cart-100", "cart-100", {})
    b = store.journal_begin(None, CANCEL, "invoice:2025", "cart-100", {})
    c = store.journal_begin(profile.id, "payout.batch.new", "batch:1", "Payout_2024%", {})
    store.journal_finish(a.id, JournalStatus.REFUSED, error="Duplicate Cart ID")
    store.journal_finish(b.id, JournalStatus.DONE)

    assert [e.id for e in store.journal_list()] == [c.id, b.id, a.id]
    assert [e.id for e in store.journal_list(status=JournalStatus.DONE)] == [b.id]
    assert [e.id for e in store.journal_list(operation=CREATE)] == [a.id]
    assert [e.id for e in store.journal_list(profile_id=profile.id)] == [c.id, a.id]
    assert [e.id for e in store.journal_list(text="CART-100")] == [b.id, a.id]
    assert [e.id for e in store.journal_list(text="duplicate")] == [a.id]
    assert [e.id for e in store.journal_list(text="batch.new")] == [c.id]
    # LIKE wildcards in the search text are literal.
    assert [e.id for e in store.journal_list(text="_2024%")] == [c.id]
    assert [e.id for e in store.journal_list(text="%")] == [c.id]
    assert store.journal_list(text="cart_100") == []  # "_" would match "-" as a wildcard
    assert [e.id for e in store.journal_list(limit=2)] == [c.id, b.id]
    assert [e.id for e in store.journal_list(profile_id=profile.id, text="cart")] == [a.id]

    future = datetime.now(UTC) + timedelta(minutes=1)
    assert store.journal_list(since=future) == []
    assert len(store.journal_list(since=a.created_at)) == 3
    time.sleep(0.002)
    later = store.journal_begin(None, CREATE, "invoice:x", "x", {})
    assert [e.id for e in store.journal_list(since=later.created_at)] == [later.id]


def test_results_keep_exact_amounts(store: Store) -> None:
    entry = store.journal_begin(None, CREATE, "invoice:c", "c", {"amount": Decimal("0.300")})
    done = store.journal_finish(
        entry.id, JournalStatus.DONE, {"tran_total": Decimal("0.300"), "raw": 0.1}
    )
    assert done.result == {"tran_total": "0.300", "raw": Decimal("0.1")}


# --- several writes, one transaction ------------------------------------------------------


def _journal_count(db_path: Path) -> int:
    other = sqlite3.connect(db_path)
    try:
        return int(other.execute("SELECT count(*) FROM journal").fetchone()[0])
    finally:
        other.close()


def test_a_transaction_commits_its_writes_together(store: Store, db_path: Path) -> None:
    with store.transaction():
        store.journal_begin(None, CREATE, "invoice:a", "a", {})
        with store.transaction():  # a nested one joins the outer
            store.set_setting("last", "a")
        # Not visible to another connection before the outer block ends.
        assert _journal_count(db_path) == 0
    assert _journal_count(db_path) == 1
    assert store.get_setting("last") == "a"


def test_a_failing_transaction_keeps_none_of_its_writes(store: Store, db_path: Path) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.journal_begin(None, CREATE, "invoice:b", "b", {})
        store.set_setting("last", "b")
        raise RuntimeError("the caller's own record failed")
    assert _journal_count(db_path) == 0
    assert store.get_setting("last") is None
    store.journal_begin(None, CREATE, "invoice:c", "c", {})  # and the store works on
    assert _journal_count(db_path) == 1
