"""Several threads at once: writes through the StoreWriter (in order, one at a time) while
other threads read; direct writes from many threads; the writer's own contract."""

from __future__ import annotations

import gc
import os
import threading
import time
from concurrent.futures import CancelledError, Future
from decimal import Decimal
from pathlib import Path

import pytest

from clickpay_desk.core.profile import Profile
from clickpay_desk.store import BatchEntryRecord, BatchRecord, JournalStatus, Store, StoreWriter


def test_writer_runs_jobs_in_order_on_one_thread(store: Store) -> None:
    writer = StoreWriter(store)
    threads: list[str] = []

    def save(i: int) -> int:
        threads.append(threading.current_thread().name)
        store.save_draft("invoice", "same", {"i": i})
        return i

    futures = [writer.submit(save, i) for i in range(300)]
    assert [f.result(timeout=10) for f in futures] == list(range(300))
    writer.close()
    assert set(threads) == {"store-writer"}
    last = store.load_draft("invoice", "same")
    assert last is not None and last.data == {"i": 299}  # the last edit wins


def test_writer_reports_errors_and_keeps_going(store: Store) -> None:
    writer = StoreWriter(store)
    failed = writer.submit(store.journal_finish, 424242, JournalStatus.DONE)
    ok = writer.submit(store.save_draft, "invoice", "k", {"a": 1})
    with pytest.raises(LookupError):
        failed.result(timeout=5)
    assert ok.result(timeout=5) is None
    writer.close()
    assert store.load_draft("invoice", "k") is not None


def test_writer_close_runs_queued_jobs_then_refuses_new_ones(store: Store) -> None:
    writer = StoreWriter(store)
    gate = threading.Event()
    first = writer.submit(gate.wait, 5)
    cancelled: Future[None] = writer.submit(store.save_draft, "invoice", "never", {})
    queued = [writer.submit(store.save_draft, "invoice", f"k{i}", {}) for i in range(20)]
    assert cancelled.cancel()  # still queued behind the gate
    gate.set()
    writer.close(wait=True)
    assert first.result() is True
    assert all(f.done() and f.exception() is None for f in queued)
    with pytest.raises(CancelledError):
        cancelled.result()
    assert store.load_draft("invoice", "never") is None
    assert len(store.list_drafts("invoice")) == 20
    with pytest.raises(RuntimeError, match="closed"):
        writer.submit(store.save_draft, "invoice", "late", {})
    writer.close()  # twice is harmless


def test_writers_and_readers_on_many_threads(store: Store, profile: Profile) -> None:
    writer = StoreWriter(store)
    stop = threading.Event()
    errors: list[BaseException] = []
    reads = [0]

    def producer(n: int) -> None:
        try:
            futures = []
            for i in range(40):
                futures.append(writer.submit(store.save_draft, f"kind{n}", f"k{i}", {"i": i}))
                futures.append(
                    writer.submit(
                        store.journal_begin, profile.id, "invoice.create", f"inv:{n}:{i}", "r", {}
                    )
                )
            ids = [f.result(timeout=20).id for f in futures[1::2]]
            assert ids == sorted(ids)  # one producer's jobs ran in its order
        except BaseException as exc:
            errors.append(exc)

    def reader() -> None:
        try:
            while not stop.is_set():
                store.journal_list(limit=50)
                store.list_drafts("kind0")
                store.list_profiles()
                reads[0] += 1
                time.sleep(0.001)  # a GUI reads now and then, it does not spin
        except BaseException as exc:
            errors.append(exc)

    def direct_writer(n: int) -> None:
        # Writing without the StoreWriter, from a worker thread, must also be safe.
        try:
            for i in range(20):
                store.set_setting(f"thread{n}.{i}", i)
        except BaseException as exc:
            errors.append(exc)

    readers = [threading.Thread(target=reader) for _ in range(3)]
    workers = [threading.Thread(target=producer, args=(n,)) for n in range(4)]
    workers += [threading.Thread(target=direct_writer, args=(n,)) for n in range(3)]
    for t in readers + workers:
        t.start()
    for t in workers:
        t.join(timeout=30)
    stop.set()
    for t in readers:
        t.join(timeout=10)
    writer.close()

    assert errors == []
    assert reads[0] > 0
    assert len(store.journal_list(limit=10_000)) == 4 * 40
    for n in range(4):
        assert len(store.list_drafts(f"kind{n}")) == 40
    assert store.get_setting("thread2.19") == 19
    assert store.integrity_check() == "ok"


def test_reads_do_not_wait_for_a_long_write(store: Store, profile: Profile) -> None:
    """WAL plus a connection per thread: the GUI thread reads while a big batch is written."""
    assert profile.id is not None
    batch = store.upsert_batch(
        BatchRecord(None, profile.id, "o", None, "SAR", "draft", 0, Decimal("0"))
    )
    assert batch.id is not None
    entries = [
        BatchEntryRecord(
            None, None, r, {"n": "x" * 200}, None, Decimal("1"), None, None, "new", None
        )
        for r in range(1, 10_001)
    ]
    writer = StoreWriter(store)
    in_write = threading.Event()
    release = threading.Event()

    def long_write() -> None:
        with store._write() as conn:  # hold a write transaction open
            conn.execute("UPDATE batches SET status = 'busy' WHERE id = ?", (batch.id,))
            in_write.set()
            release.wait(5)
        store.upsert_entries(batch.id or 0, entries)

    future = writer.submit(long_write)
    assert in_write.wait(5)
    started = time.perf_counter()
    seen = store.get_batch(batch.id)  # must not block on the open write transaction
    elapsed = time.perf_counter() - started
    release.set()
    future.result(timeout=20)
    writer.close()
    assert seen is not None and seen.status == "draft"  # the last committed state
    assert elapsed < 0.5
    assert len(store.list_entries(batch.id)) == 10_000


def _open_files(path: Path) -> int:
    fd_dir = Path("/proc/self/fd")
    count = 0
    for fd in fd_dir.iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        count += target.startswith(str(path))
    return count


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts files via /proc")
def test_connections_of_finished_threads_are_released(store: Store, db_path: Path) -> None:
    """Worker pools start and expire threads all day: each one's connection must go with it."""
    store.list_profiles()
    before = _open_files(db_path)
    assert before >= 1

    def work() -> None:
        store.list_profiles()

    def run_threads(n: int) -> int:
        for _ in range(n):
            thread = threading.Thread(target=work)
            thread.start()
            thread.join()
        gc.collect()
        return _open_files(db_path)

    settled = run_threads(10)
    # SQLite may keep one closed descriptor for reuse while this thread's connection holds the
    # file's locks; what matters is that the count does not grow with the number of threads.
    assert settled <= before + 2
    assert run_threads(40) == settled
    assert len(store._holders) == 1  # this thread's
    assert store.list_profiles() == []
