"""Run many gateway reads at once (refresh 1,000 invoice statuses) with bounded concurrency.

At most ``concurrency`` reads are in flight; each item gets its own result or error (one failure
never stops the others); ``progress(done, total)`` is called from the calling thread after each
item; setting ``cancel`` stops promptly: reads not yet started are dropped, reads in flight are
left to finish in the background and their results discarded, and the report says which items
did not finish. Pass the same ``cancel`` event into the client calls so their retry sleeps end
at once too.

Only reads belong here: the runner may drop items on cancel, which is harmless for a status
query and wrong for anything that moves money.
"""

from __future__ import annotations

import concurrent.futures as cf
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from .errors import GatewayError

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_CONCURRENCY = 8
#: How often the waiting loop looks at the cancel event, in seconds.
_POLL = 0.05


@dataclass(frozen=True)
class ItemResult(Generic[T, R]):
    """One finished item: ``value`` on success, ``error`` otherwise."""

    index: int
    item: T
    value: R | None = None
    error: Exception | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class BatchReadReport(Generic[T, R]):
    """What a batch of reads produced. ``results`` are in input order, finished items only."""

    results: tuple[ItemResult[T, R], ...]
    unfinished: tuple[T, ...] = ()
    cancelled: bool = False
    total: int = 0

    @property
    def succeeded(self) -> tuple[ItemResult[T, R], ...]:
        return tuple(r for r in self.results if r.ok)

    @property
    def failed(self) -> tuple[ItemResult[T, R], ...]:
        return tuple(r for r in self.results if not r.ok)

    @property
    def gateway_errors(self) -> tuple[GatewayError, ...]:
        return tuple(r.error for r in self.results if isinstance(r.error, GatewayError))


def run_reads(
    items: Sequence[T],
    read: Callable[[T], R],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
) -> BatchReadReport[T, R]:
    """Call ``read(item)`` for every item, at most ``concurrency`` at a time.

    ``read`` should raise ``GatewayError`` for gateway trouble; any other exception is recorded
    for its item as well (a bug in one item must not lose the other 999 results).
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    total = len(items)
    stop = cancel if cancel is not None else threading.Event()
    finished: dict[int, ItemResult[T, R]] = {}
    if progress is not None:
        progress(0, total)
    if total == 0:
        return BatchReadReport((), (), False, 0)

    def one(index: int) -> ItemResult[T, R]:
        item = items[index]
        if stop.is_set():
            raise _Skipped()
        try:
            return ItemResult(index, item, value=read(item))
        except Exception as exc:
            return ItemResult(index, item, error=exc)

    executor = cf.ThreadPoolExecutor(
        max_workers=min(concurrency, total), thread_name_prefix="gateway-read"
    )
    cancelled = False
    try:
        # Submitted lazily, so a cancel never has to unwind thousands of queued futures and at
        # most ``concurrency`` items are ever queued or running.
        pending: set[cf.Future[ItemResult[T, R]]] = set()
        next_index = 0
        while next_index < total or pending:
            while next_index < total and len(pending) < concurrency and not stop.is_set():
                pending.add(executor.submit(one, next_index))
                next_index += 1
            if stop.is_set():
                cancelled = True
                break
            done, pending = cf.wait(pending, timeout=_POLL, return_when=cf.FIRST_COMPLETED)
            for future in done:
                try:
                    result = future.result()
                except _Skipped:
                    continue
                finished[result.index] = result
                if progress is not None:
                    progress(len(finished), total)
        if not cancelled and stop.is_set() and len(finished) < total:
            cancelled = True
        if cancelled:
            # Collect what completed in the meantime without waiting for the rest.
            for future in pending:
                if future.done() and not future.cancelled() and future.exception() is None:
                    result = future.result()
                    finished[result.index] = result
    finally:
        executor.shutdown(wait=not cancelled, cancel_futures=True)

    results = tuple(finished[i] for i in sorted(finished))
    unfinished = tuple(items[i] for i in range(total) if i not in finished)
    return BatchReadReport(results, unfinished, cancelled, total)


class _Skipped(Exception):
    """An item whose turn came after cancel was set."""
