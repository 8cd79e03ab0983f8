"""One background thread that runs database writes in the order they were submitted.

Like Anki's task manager: the GUI hands writes (draft saves, status updates) to this worker and
never waits on the disk; network work runs elsewhere in parallel. Order matters (a later draft
save must win over an earlier one), so there is exactly one worker.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from .database import Store

log = logging.getLogger(__name__)

T = TypeVar("T")

_Job = tuple[Future[Any], Callable[..., Any], tuple[Any, ...], dict[str, Any]]


class StoreWriter:
    """Runs submitted jobs one at a time, in order, on one thread named "store-writer"."""

    _POLL_SECONDS = 0.25

    def __init__(self, store: Store) -> None:
        self.store = store
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._closed = False
        # Not a daemon: writes already submitted when the app quits must still reach the disk.
        # The worker notices the main thread has ended, drains the queue and stops, so a
        # forgotten close() cannot hang the exit.
        self._thread = threading.Thread(target=self._run, name="store-writer", daemon=False)
        self._thread.start()

    def submit(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> Future[T]:
        """Queue ``fn(*args, **kwargs)``; the Future gets its result or exception."""
        future: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("The store writer is closed.")
            self._queue.put((future, fn, args, kwargs))
        return future

    def close(self, wait: bool = True) -> None:
        """Stop accepting jobs; the jobs already queued still run. With ``wait`` block until
        they have."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._queue.put(None)
        if wait and threading.current_thread() is not self._thread:
            self._thread.join()

    @property
    def closed(self) -> bool:
        return self._closed

    def _run(self) -> None:
        main = threading.main_thread()
        while True:
            try:
                job = self._queue.get(timeout=self._POLL_SECONDS)
            except queue.Empty:
                if not main.is_alive():
                    with self._lock:
                        self._closed = True
                    self._drain()
                    return
                continue
            if job is None:
                return
            self._execute(job)

    def _drain(self) -> None:
        while True:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                return
            if job is not None:
                self._execute(job)

    @staticmethod
    def _execute(job: _Job) -> None:
        future, fn, args, kwargs = job
        if not future.set_running_or_notify_cancel():
            return
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:
            log.warning("A database write failed: %s", exc, exc_info=True)
            future.set_exception(exc)
        else:
            future.set_result(result)

    def __repr__(self) -> str:
        return f"<StoreWriter {'closed' if self._closed else 'open'} for {self.store!r}>"
