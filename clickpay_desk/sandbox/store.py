"""The sandbox's memory: one lock, plain JSON-ready dicts, an optional state file, a virtual clock.

Everything a simulated gateway holds (invoices, transactions, agreements, payout batches, Geidea
payment intents, the callbacks it sent) lives in :attr:`SandboxStore.data`, a dict of JSON values
(amounts as text or ``Decimal``). Every handler runs under :attr:`SandboxStore.lock`; a handler
that changes something calls :meth:`SandboxStore.touch`, and the app writes the state file (when
there is one) once the handler is done, atomically: a temporary file in the same directory,
then ``os.replace``. A restarted server loads the file and carries on where it stopped.

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

    def __init__(self, state_file: Path | None = None) -> None:
        self.lock = threading.RLock()
        self.state_file = Path(state_file) if state_file is not None else None
        self.data: dict[str, Any] = empty_state()
        self._dirty = False
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
        """Mark the state changed; :meth:`flush` writes it."""
        self._dirty = True

    def flush(self) -> None:
        """Write the state file if anything changed since the last write (atomic replace)."""
        with self.lock:
            if not self._dirty:
                return
            self._dirty = False
            if self.state_file is None:
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
