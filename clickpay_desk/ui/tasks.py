"""The one task runner: plain Python callables off the GUI thread, results back through signals.

Network work and database reads run in parallel on a ``QThreadPool``; database writes run on
ONE dedicated thread (the store's ``StoreWriter`` when there is one), in the order submitted.
A task never touches widgets: it gets a :class:`TaskContext` to report progress and to notice
cancellation, and its result or exception is delivered to the GUI thread through queued
signals. The GUI thread never waits on a task.

A thread blocked in a socket read cannot be interrupted. A task submitted with
``abandon_on_cancel=True`` therefore stops being *waited for* the moment Cancel is pressed: the
GUI gets ``on_cancelled`` at once and moves on, while the worker runs to its end in the background.
Its late outcome goes to ``on_late`` (never to ``on_done``/``on_error``), so a journalled request
still records what really happened when the gateway finally answers.
"""

from __future__ import annotations

import itertools
import logging
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol

import shiboken6
from PySide6.QtCore import QObject, Qt, QThreadPool, Signal, Slot

from clickpay_desk.gateway.errors import Cancelled

from .errors import is_cancellation, is_environment_error

log = logging.getLogger(__name__)


class TaskCancelled(Cancelled):
    """Raised inside a task by :meth:`TaskContext.check_cancelled` once Cancel was pressed.

    A gateway ``Cancelled``, so services that already handle "the user cancelled before the
    request was sent" treat both alike.
    """

    def __init__(self) -> None:
        super().__init__("Cancelled before it finished.")


class TaskKind(Enum):
    NETWORK = "network"  # parallel, on the thread pool
    READ = "read"  # database reads: parallel on the pool (WAL readers never wait for the writer)
    STORE = "store"  # database writes: serialised, on the one writer thread


class Writer(Protocol):
    """What the runner needs from ``store.writer.StoreWriter``: run ``fn`` on its one thread."""

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future[Any]: ...


class TaskContext:
    """Handed to every task: progress reporting and the cancel flag. Qt-free, thread-safe."""

    def __init__(
        self,
        report: Callable[[int, int, str], None] | None = None,
        *,
        min_interval: float = 0.05,
    ) -> None:
        self.cancelled = threading.Event()
        self._report = report
        self._min_interval = min_interval
        self._last_report = -math.inf

    def progress(self, done: int, total: int, text: str = "") -> None:
        """Report ``done`` of ``total`` steps (``total`` 0 means "unknown").

        Reports closer together than ``min_interval`` seconds are dropped, except the last step,
        so a loop over 10,000 rows cannot flood the GUI thread's event queue.
        """
        if self._report is None:
            return
        now = time.monotonic()
        final = total > 0 and done >= total
        if final or now - self._last_report >= self._min_interval:
            self._last_report = now
            self._report(done, total, text)

    def check_cancelled(self) -> None:
        """Raise :class:`TaskCancelled` when the user pressed Cancel; call between steps."""
        if self.cancelled.is_set():
            raise TaskCancelled()


@dataclass(eq=False)
class TaskHandle:
    """A submitted task, as the GUI sees it."""

    id: int
    title: str
    kind: TaskKind
    context: TaskContext = field(repr=False)
    cancellable: bool = True
    finished: bool = False
    progress: tuple[int, int, str] = (0, 0, "")
    #: Cancel stops the waiting at once; the worker finishes in the background (see module doc).
    abandon_on_cancel: bool = False
    #: True once the GUI stopped waiting for a cancelled task whose worker still runs.
    abandoned: bool = False
    _on_cancel: Callable[[], None] | None = field(default=None, repr=False)

    def cancel(self) -> None:
        """Ask the task to stop; it stops at its next ``check_cancelled`` (or, with
        ``abandon_on_cancel``, is no longer waited for)."""
        if not self.cancellable or self.finished:
            return
        first = not self.context.cancelled.is_set()
        self.context.cancelled.set()
        if first and self._on_cancel is not None:
            self._on_cancel()

    @property
    def cancel_requested(self) -> bool:
        return self.context.cancelled.is_set()


@dataclass
class _Callbacks:
    on_done: Callable[[Any], None] | None
    on_error: Callable[[BaseException], None] | None
    on_progress: Callable[[int, int, str], None] | None
    on_cancelled: Callable[[], None] | None
    owner: QObject | None
    on_late: Callable[[bool, Any], None] | None = None


class TaskRunner(QObject):
    """Runs callables ``fn(ctx) -> result`` off the GUI thread.

    Signals (all delivered on the GUI thread) let the status bar show long tasks:
    ``task_started(handle)``, ``task_progress(handle)``, ``task_finished(handle)``, and
    ``task_failed(handle, exc)`` for a failure nobody handled.
    """

    task_started = Signal(object)
    task_progress = Signal(object)
    task_finished = Signal(object)
    task_failed = Signal(object, object)
    #: An abandoned task's worker has returned (handle); its outcome went to ``on_late``.
    task_settled = Signal(object)

    # Worker threads emit these with the task id only; the outcome itself waits in
    # ``_outcomes`` (no Python object crosses the signal, so no binding conversion applies).
    _w_finished = Signal(int)
    _w_progress = Signal(int, int, int, str)
    _abandon_requested = Signal(int)  # queued: cancel() never runs callbacks re-entrantly

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        writer: Writer | None = None,
        max_network_threads: int = 8,
        progress_interval: float = 0.05,
    ) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_network_threads)
        self._writer = writer
        self._progress_interval = progress_interval
        self._own_writer: ThreadPoolExecutor | None = None
        self._ids = itertools.count(1)
        self._handles: dict[int, TaskHandle] = {}
        self._callbacks: dict[int, _Callbacks] = {}
        self._abandoned: dict[int, tuple[TaskHandle, _Callbacks]] = {}
        self._outcomes: dict[int, tuple[bool, Any]] = {}  # id -> (succeeded, result or exception)
        self._outcomes_lock = threading.Lock()
        self._closed = False
        self._w_finished.connect(self._deliver)
        self._w_progress.connect(self._deliver_progress)
        self._abandon_requested.connect(self._abandon, Qt.ConnectionType.QueuedConnection)

    @property
    def closed(self) -> bool:
        """True once ``shutdown`` ran: nothing more may be submitted."""
        return self._closed

    def set_writer(self, writer: Writer | None) -> None:
        """Route STORE tasks through ``writer`` (the store's single writer thread)."""
        self._writer = writer

    # -- submitting ------------------------------------------------------------------------

    def submit(
        self,
        fn: Callable[[TaskContext], Any],
        *,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[int, int, str], None] | None = None,
        on_cancelled: Callable[[], None] | None = None,
        title: str = "",
        kind: TaskKind = TaskKind.NETWORK,
        owner: QObject | None = None,
        cancellable: bool = True,
        abandon_on_cancel: bool = False,
        on_late: Callable[[bool, Any], None] | None = None,
    ) -> TaskHandle:
        """Run ``fn(ctx)`` in the background; callbacks run on the GUI thread afterwards.

        ``owner``: when that widget is gone by the time the task ends, callbacks are skipped.
        A task with a ``title`` is shown in the status bar while it runs. With no
        ``on_error``, a failure is announced through ``task_failed``.

        ``abandon_on_cancel``: Cancel delivers ``on_cancelled`` at once, without waiting for the
        worker (which may be blocked in a socket read); when the worker returns later its outcome
        goes to ``on_late(succeeded, result_or_exception)``.
        """
        task_id = next(self._ids)
        ctx = TaskContext(
            lambda d, t, s: self._w_progress.emit(task_id, d, t, s),
            min_interval=self._progress_interval,
        )
        handle = TaskHandle(
            task_id, title, kind, ctx, cancellable, abandon_on_cancel=abandon_on_cancel
        )
        if self._closed:
            # The app is quitting: a timer that fires now (a periodic refresh, a status check)
            # gets a task that never runs, rather than an exception in the event loop.
            log.warning("task %r submitted after shutdown was not run", title or kind.value)
            ctx.cancelled.set()
            handle.finished = True
            return handle
        if abandon_on_cancel:
            handle._on_cancel = lambda: self._abandon_requested.emit(task_id)
        self._handles[task_id] = handle
        self._callbacks[task_id] = _Callbacks(
            on_done, on_error, on_progress, on_cancelled, owner, on_late
        )

        def work() -> None:
            try:
                ctx.check_cancelled()  # cancelled while still queued
                outcome: tuple[bool, Any] = (True, fn(ctx))
            except BaseException as exc:  # every failure goes back to the GUI
                outcome = (False, exc)
            with self._outcomes_lock:
                self._outcomes[task_id] = outcome
            self._w_finished.emit(task_id)

        try:
            if kind is TaskKind.STORE:
                self._store_executor().submit(work)
            else:
                self._pool.start(work)
        except BaseException:
            self._handles.pop(task_id, None)
            self._callbacks.pop(task_id, None)
            raise
        self.task_started.emit(handle)
        return handle

    def _store_executor(self) -> Writer:
        if self._writer is not None:
            return self._writer
        if self._own_writer is None:
            self._own_writer = ThreadPoolExecutor(1, thread_name_prefix="desk-store")
        return self._own_writer

    # -- state -----------------------------------------------------------------------------

    def running(self) -> list[TaskHandle]:
        """Tasks submitted and not yet delivered, oldest first."""
        return list(self._handles.values())

    def abandoned(self) -> list[TaskHandle]:
        """Cancelled tasks nobody waits for whose workers have not returned yet."""
        return [handle for handle, _ in self._abandoned.values()]

    def cancel_all(self) -> None:
        for handle in list(self._handles.values()):
            handle.cancel()

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Cancel everything and wait for the workers (used at quit only). True when all ended."""
        self._closed = True
        self.cancel_all()
        ok = self._pool.waitForDone(timeout_ms)
        if self._own_writer is not None:
            self._own_writer.shutdown(wait=True, cancel_futures=False)
        return ok

    # -- delivery (GUI thread) -------------------------------------------------------------

    def _take(self, task_id: int) -> tuple[TaskHandle, _Callbacks] | None:
        handle = self._handles.pop(task_id, None)
        callbacks = self._callbacks.pop(task_id, None)
        if handle is None or callbacks is None:
            return None
        handle.finished = True
        return handle, callbacks

    def _owner_alive(self, callbacks: _Callbacks) -> bool:
        # After shutdown (the app is quitting) no callback runs: the widgets they would update
        # are going away, and they could not submit follow-up work anyway.
        if self._closed:
            return False
        return callbacks.owner is None or shiboken6.isValid(callbacks.owner)

    @Slot(int)
    def _abandon(self, task_id: int) -> None:
        """Stop waiting for a cancelled task: the GUI hears "cancelled" now, the worker runs on."""
        taken = self._take(task_id)
        if taken is None:
            return  # it finished first: its real outcome was delivered
        handle, callbacks = taken
        handle.abandoned = True
        self._abandoned[task_id] = (handle, callbacks)
        try:
            if callbacks.on_cancelled is not None and self._owner_alive(callbacks):
                callbacks.on_cancelled()
        finally:
            self.task_finished.emit(handle)

    def _settle_abandoned(self, task_id: int, succeeded: bool, value: Any) -> None:
        handle, callbacks = self._abandoned.pop(task_id)
        try:
            if callbacks.on_late is not None and self._owner_alive(callbacks):
                callbacks.on_late(succeeded, value)
            elif not succeeded and not is_cancellation(value):
                log.warning(
                    "cancelled task %r ended later with: %s",
                    handle.title or handle.id,
                    type(value).__name__,
                )
        finally:
            self.task_settled.emit(handle)

    @Slot(int)
    def _deliver(self, task_id: int) -> None:
        with self._outcomes_lock:
            succeeded, value = self._outcomes.pop(task_id, (False, None))
        if task_id in self._abandoned:
            self._settle_abandoned(task_id, succeeded, value)
            return
        taken = self._take(task_id)
        if taken is None:
            return
        handle, callbacks = taken
        try:
            if not self._owner_alive(callbacks):
                return
            if succeeded:
                if callbacks.on_done is not None:
                    callbacks.on_done(value)
            else:
                self._failed(handle, callbacks, value)
        finally:
            self.task_finished.emit(handle)

    def _failed(self, handle: TaskHandle, callbacks: _Callbacks, exc: BaseException) -> None:
        if is_cancellation(exc):
            if callbacks.on_cancelled is not None:
                callbacks.on_cancelled()
            return
        if not is_environment_error(exc):
            log.error("task %r failed", handle.title or handle.id, exc_info=exc)
        if callbacks.on_error is not None:
            callbacks.on_error(exc)
        else:
            self.task_failed.emit(handle, exc)

    @Slot(int, int, int, str)
    def _deliver_progress(self, task_id: int, done: int, total: int, text: str) -> None:
        handle = self._handles.get(task_id)
        callbacks = self._callbacks.get(task_id)
        if handle is None or callbacks is None:
            return
        handle.progress = (done, total, text)
        if callbacks.on_progress is not None and self._owner_alive(callbacks):
            callbacks.on_progress(done, total, text)
        self.task_progress.emit(handle)
