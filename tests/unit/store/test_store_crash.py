"""Nothing lost: what the store reported as committed survives a SIGKILL, and writes handed to
the StoreWriter reach the disk even when the app quits without closing it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clickpay_desk.store import JournalStatus, Store

CHILD = Path(__file__).with_name("_store_child.py")

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")


def _run_and_kill(db_path: Path, after_lines: int) -> list[str]:
    """Start the writing child, SIGKILL it once it has printed ``after_lines`` commits, and
    return every line it printed (all of them were printed after their commit)."""
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), "loop", str(db_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 20
    while len(lines) < after_lines:
        line = proc.stdout.readline()
        if not line:
            _, err = proc.communicate(timeout=5)
            pytest.fail(f"child stopped early: {err}")
        lines.append(line.strip())
        assert time.monotonic() < deadline, "child too slow"
    os.kill(proc.pid, signal.SIGKILL)
    rest, _ = proc.communicate(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    lines.extend(x.strip() for x in rest.splitlines() if x.strip())
    return lines


def test_committed_drafts_and_journal_survive_sigkill(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    printed: list[str] = []
    for n in range(3):
        # Kill at a different point each round; each round continues the same file.
        printed += _run_and_kill(db_path, after_lines=60 + 37 * n)

    drafts = {line.split()[1] for line in printed if line.startswith("draft ")}
    begun = {int(line.split()[1]) for line in printed if line.startswith("journal ")}
    finished = {int(line.split()[1]) for line in printed if line.startswith("done ")}
    assert len(begun) > 100 and finished

    with Store.open(db_path) as store:
        assert store.integrity_check() == "ok"
        stored_drafts = {d.key for d in store.list_drafts("invoice")}
        assert drafts <= stored_drafts
        entries = {e.id: e for e in store.journal_list(limit=100_000)}
        assert begun <= set(entries)
        for entry_id in finished:
            assert entries[entry_id].status is JournalStatus.DONE
        # Begun but not finished when the app died: reported as unresolved at start-up.
        unresolved = {e.id for e in store.journal_unresolved()}
        assert unresolved == {i for i, e in entries.items() if e.status is JournalStatus.PENDING}
        done = {i for i, e in entries.items() if e.status is JournalStatus.DONE}
        assert finished <= done
        assert begun - done <= unresolved
        odd = {i for i, e in entries.items() if int(e.subject.split(":")[1]) % 2 == 1}
        assert odd and odd <= unresolved  # the child never finished those
        for draft in store.list_drafts("invoice"):
            assert str(draft.data["amount"]) == "10.005"


def test_writer_jobs_reach_the_disk_when_the_app_exits_without_close(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    result = subprocess.run(
        [sys.executable, str(CHILD), "exit", str(db_path), "200"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "submitted"
    with Store.open(db_path) as store:
        keys = {d.key for d in store.list_drafts("exit")}
    assert keys == {f"k{i}" for i in range(200)}
