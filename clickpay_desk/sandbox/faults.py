"""Misbehaviour on demand: the next N calls to a path fail in a chosen way.

Modes (``POST /_sandbox/faults {"path", "mode", "times"}``):

``delay``               sleep ``seconds`` (default 1), then answer normally
``drop-before-commit``  hang up without answering; the call has no effect
``drop-after-commit``   apply the call, then hang up without answering
``html-500``            HTTP 500 with an HTML page; no effect
``truncated-json``      apply the call, answer 200 with its JSON cut in the middle
``oversized-body``      apply the call, answer 200 with the JSON followed by ``size`` bytes
                        (default 5 MiB) of white space: several MB, still valid JSON
``rate-limit``          HTTP 429 with ``Retry-After: retry_after`` (default 1); no effect

``path`` matches the request path exactly, or as a prefix when it ends with ``*``
(``/payout/batch/*``). An optional ``method`` narrows it to one HTTP method. Control calls under
``/_sandbox/`` are never faulted.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from decimal import Decimal

FAULT_MODES: tuple[str, ...] = (
    "delay",
    "drop-before-commit",
    "drop-after-commit",
    "html-500",
    "truncated-json",
    "oversized-body",
    "rate-limit",
)
#: Modes that answer (or hang up) without running the call.
BEFORE_COMMIT: frozenset[str] = frozenset({"drop-before-commit", "html-500", "rate-limit"})
DEFAULT_OVERSIZE = 5 * 1024 * 1024
#: Most calls one fault may spoil, and the longest Retry-After it may announce.
MAX_TIMES = 1_000_000
MAX_RETRY_AFTER = 86_400


@dataclass
class Fault:
    path: str
    mode: str
    times: int = 1
    seconds: float = 1.0
    retry_after: int = 1
    size: int = DEFAULT_OVERSIZE
    method: str | None = None

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        if self.path.endswith("*"):
            return path.startswith(self.path[:-1])
        return path.rstrip("/") == self.path.rstrip("/")

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def parse_fault(body: Mapping[str, object]) -> Fault:
    """Read a fault from a control body; ``ValueError`` says what is wrong."""
    path = body.get("path")
    if not isinstance(path, str) or not path.startswith("/"):
        raise ValueError("path: must be a request path starting with /")
    if path.startswith("/_sandbox/"):
        raise ValueError("path: control calls cannot be faulted")
    mode = body.get("mode")
    if mode not in FAULT_MODES:
        raise ValueError("mode: must be one of " + ", ".join(FAULT_MODES))
    times = _number(body, "times", 1)
    if times != int(times) or not 1 <= times <= MAX_TIMES:
        raise ValueError(f"times: must be a whole number from 1 to {MAX_TIMES}")
    seconds = _number(body, "seconds", 1.0)
    if seconds < 0 or seconds > 600:
        raise ValueError("seconds: must be between 0 and 600")
    retry_after = _number(body, "retry_after", 1)
    if not 0 <= retry_after <= MAX_RETRY_AFTER:
        raise ValueError(f"retry_after: must be between 0 and {MAX_RETRY_AFTER} seconds")
    size = _number(body, "size", DEFAULT_OVERSIZE)
    if size < 1 or size > 64 * 1024 * 1024:
        raise ValueError("size: must be between 1 and 67108864 bytes")
    method = body.get("method")
    if method is not None and not isinstance(method, str):
        raise ValueError("method: must be an HTTP method such as POST")
    return Fault(
        path=path,
        mode=str(mode),
        times=int(times),
        seconds=float(seconds),
        retry_after=max(0, int(retry_after)),
        size=int(size),
        method=method.upper() if isinstance(method, str) else None,
    )


def _number(body: Mapping[str, object], name: str, default: float) -> float:
    """A finite number; ``1e400`` (infinite as a float) or NaN is refused naming ``name``."""
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError(f"{name}: must be a number")
    try:
        number = float(value)
    except OverflowError:  # a huge int
        number = math.inf
    if not math.isfinite(number):
        raise ValueError(f"{name}: must be a finite number (got {value})")
    return number


class FaultBook:
    """Armed faults and the benchmark latency; not persisted (they are test settings)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self.latency = 0.0

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def take(self, method: str, path: str) -> Fault | None:
        """The first armed fault for this call, used up by one (None when there is none)."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def armed(self) -> list[dict[str, object]]:
        with self._lock:
            return [fault.to_json() for fault in self._faults]

    def clear(self) -> None:
        """Disarm every fault (the latency stays)."""
        with self._lock:
            self._faults.clear()
