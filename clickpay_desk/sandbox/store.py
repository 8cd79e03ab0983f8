"""The sandbox's memory: one lock, plain JSON-ready dicts, an optional state file, a virtual clock.

Everything a simulated gateway holds (invoices, transactions, agreements, payout batches, Geidea
payment intents, the callbacks it sent) lives in :attr:`SandboxStore.data`, a dict of JSON values
(amounts as text or ``Decimal``). Every handler runs under :attr:`SandboxStore.lock`; a handler
that changes something calls :meth:`SandboxStore.touch`, and once it is done the app asks for the
state file (when there is one) to be written within :data:`FLUSH_DELAY` seconds
(:meth:`flush_soon`): a burst of calls shares one write instead of rewriting the whole file after
each. Every write is atomic (a temporary file in the same directory, then ``os.replace``); a
stopping server writes what is pending at once (:meth:`flush`). A restarted server loads the
file and carries on where it stopped.

The clock: the sandbox's "today" is the real date plus ``offset_days``, which
``POST /_sandbox/clock/advance`` moves on. Rules such as "activation after today" use it.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

from clickpay_desk.core import jsonwire

STATE_VERSION = 1
#: Seconds a change may wait before the state file is rewritten.
FLUSH_DELAY = 0.2

#: First number handed out for each kind of id (the next one is start + 1).
_COUNTER_STARTS = {
    "invoice": 2072840,
    "transaction": 0,
    "agreement": 3152,
    "batch": 30140,
    "entry": 10020,
    "geidea": 0,
}


def empty_state() -> dict[str, Any]:
    """A sandbox that has seen nothing yet."""
    return {
        "version": STATE_VERSION,
        "clock": {"offset_days": 0},
        "counters": dict(_COUNTER_STARTS),
        "invoices": {},
        "transactions": {},
        "agreements": {},
        "batches": {},
        "geidea": {},
        "callbacks": [],
    }


class SandboxStore:
    """The state of one sandbox, guarded by one re-entrant lock."""

    def __init__(self, state_file: Path | None = None, flush_delay: float = FLUSH_DELAY) -> None:
        self.lock = threading.RLock()
        self.state_file = Path(state_file) if state_file is not None else None
        self.data: dict[str, Any] = empty_state()
        self._dirty = False
        self._flush_delay = flush_delay
        self._timer: threading.Timer | None = None
        self._traces = count(1)
        if self.state_file is not None and self.state_file.exists():
            self.data = self._load(self.state_file)

    # --- persistence ---------------------------------------------------------------------------

    @staticmethod
    def _load(path: Path) -> dict[str, Any]:
        loaded = jsonwire.loads(path.read_bytes())
        if not isinstance(loaded, dict) or loaded.get("version") != STATE_VERSION:
            raise ValueError(f"{path} is not a sandbox state file (version {STATE_VERSION})")
        fresh = empty_state()
        fresh.update(loaded)
        for name, start in _COUNTER_STARTS.items():
            fresh["counters"].setdefault(name, start)
        return fresh

    def touch(self) -> None:
        """Mark the state changed; :meth:`flush_soon` or :meth:`flush` writes it."""
        self._dirty = True

    def flush_soon(self) -> None:
        """Have the state file written within ``flush_delay`` seconds if anything changed.

        The writer is a one-shot timer thread that is never a daemon, so an interpreter that
        exits with a write pending waits for it (at most ``flush_delay``).
        """
        with self.lock:
            if not self._dirty or self._timer is not None:
                return
            if self.state_file is None:
                self._dirty = False
                return
            timer = threading.Timer(self._flush_delay, self._flush_from_timer)
            timer.name = "sandbox-state-writer"
            timer.daemon = False  # a request thread is a daemon: do not inherit that
            self._timer = timer
            timer.start()

    def _flush_from_timer(self) -> None:
        with self.lock:
            # A flush() that ran while this timer waited for the lock has written already.
            if self._timer is threading.current_thread():
                self._timer = None
                self.flush()

    def flush(self) -> None:
        """Write the state file now if anything changed since the last write (atomic replace)."""
        with self.lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if not self._dirty:
                return
            if self.state_file is None:
                self._dirty = False
                return
            target = self.state_file
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=target.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(jsonwire.dumps_text(self.data))
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            self._dirty = False

    def reset(self) -> None:
        """Forget everything (the clock goes back to the real date)."""
        with self.lock:
            self.data = empty_state()
            self.touch()

    # --- ids -----------------------------------------------------------------------------------

    def next_number(self, name: str) -> int:
        """The next number of counter ``name`` (invoice, transaction, agreement, batch, entry)."""
        with self.lock:
            counters: dict[str, int] = self.data["counters"]
            counters[name] = int(counters.get(name, 0)) + 1
            self.touch()
            return counters[name]

    def trace(self, prefix: str = "PMNT") -> str:
        """A PT2-style trace id, e.g. ``PMNT0101.66852C48.00005760``."""
        return f"{prefix}0101.{int(time.time()) & 0xFFFFFFFF:08X}.{next(self._traces):08X}"

    # --- the clock -----------------------------------------------------------------------------

    @property
    def offset_days(self) -> int:
        return int(self.data["clock"]["offset_days"])

    def advance(self, days: int) -> None:
        with self.lock:
            self.data["clock"]["offset_days"] = self.offset_days + days
            self.touch()

    def now(self) -> datetime:
        """The sandbox's current instant (UTC, real time shifted by the clock offset)."""
        return datetime.now(UTC) + timedelta(days=self.offset_days)

    def today(self) -> date:
        """The sandbox's current date, in the machine's local time zone, shifted by the offset."""
        return (datetime.now().astimezone() + timedelta(days=self.offset_days)).date()
