"""The task runner: results, errors, progress and cancel reach the GUI thread; it never blocks."""

from __future__ import annotations

import itertools
import threading
import time

import pytest
from PySide6.QtCore import QThread, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from clickpay_desk.ui.errors import user_message
from clickpay_desk.ui.task_progress import TaskProgressWidget
from clickpay_desk.ui.tasks import TaskContext, TaskKind, TaskRunner


@pytest.fixture
def runner(qtbot):
    r = TaskRunner()
    yield r
    r.shutdown(2000)


def _gui_thread() -> QThread:
    app = QApplication.instance()
    assert app is not None
    return app.thread()


def test_result_arrives_on_gui_thread(qtbot, runner):
    got: list[tuple[object, bool]] = []
    worker_threads: list[int] = []

    def work(ctx: TaskContext) -> int:
        worker_threads.append(threading.get_ident())
        return 42

    runner.submit(work, on_done=lambda r: got.append((r, QThread.currentThread() is _gui_thread())))
    qtbot.waitUntil(lambda: bool(got), timeout=3000)
    assert got == [(42, True)]
    assert worker_threads[0] != threading.get_ident()
    assert runner.running() == []


def test_error_goes_to_on_error_with_plain_message(qtbot, runner):
    errors: list[BaseException] = []
    runner.submit(lambda ctx: 1 / 0, on_error=errors.append, on_done=lambda r: pytest.fail("done"))
    qtbot.waitUntil(lambda: bool(errors), timeout=3000)
    assert isinstance(errors[0], ZeroDivisionError)
    assert "bug" in user_message(errors[0])


def test_unhandled_error_is_announced(qtbot, runner):
    with qtbot.waitSignal(runner.task_failed, timeout=3000) as blocker:
        runner.submit(lambda ctx: (_ for _ in ()).throw(OSError(28, "No space left on device")))
    _handle, exc = blocker.args
    assert isinstance(exc, OSError)
    assert user_message(exc) == "Disk or system problem: No space left on device."


def test_progress_is_reported_in_order(qtbot):
    runner = TaskRunner(progress_interval=0)
    seen: list[tuple[int, int, str]] = []
    done: list[object] = []

    def work(ctx: TaskContext) -> str:
        for i in range(1, 4):
            ctx.progress(i, 3, f"step {i}")
        return "ok"

    runner.submit(work, on_progress=lambda d, t, s: seen.append((d, t, s)), on_done=done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=3000)
    assert seen == [(1, 3, "step 1"), (2, 3, "step 2"), (3, 3, "step 3")]
    runner.shutdown(2000)


def test_progress_floods_are_thinned_but_the_last_step_arrives(qtbot, runner):
    seen: list[int] = []
    done: list[object] = []

    def work(ctx: TaskContext) -> None:
        for i in range(1, 20_001):
            ctx.progress(i, 20_000)

    runner.submit(work, on_progress=lambda d, t, s: seen.append(d), on_done=done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=3000)
    assert len(seen) < 100
    assert seen[-1] == 20_000


def test_cancel_stops_a_running_task(qtbot, runner):
    started = threading.Event()
    steps: list[int] = []
    cancelled: list[bool] = []

    def work(ctx: TaskContext) -> None:
        started.set()
        for i in range(500):
            ctx.check_cancelled()
            steps.append(i)
            time.sleep(0.01)

    handle = runner.submit(
        work,
        on_cancelled=lambda: cancelled.append(True),
        on_done=lambda r: pytest.fail("should not finish"),
        on_error=lambda e: pytest.fail(f"not an error: {e!r}"),
    )
    assert started.wait(3)
    handle.cancel()
    qtbot.waitUntil(lambda: bool(cancelled), timeout=3000)
    assert len(steps) < 500
    assert handle.finished


def test_gui_thread_keeps_ticking_while_a_task_sleeps(qtbot, runner):
    ticks: list[float] = []
    heartbeat = QTimer()
    heartbeat.setInterval(20)
    heartbeat.timeout.connect(lambda: ticks.append(time.monotonic()))
    heartbeat.start()
    done: list[object] = []
    runner.submit(lambda ctx: time.sleep(0.5), on_done=done.append)
    runner.submit(lambda ctx: time.sleep(0.5), on_done=done.append, kind=TaskKind.STORE)
    qtbot.waitUntil(lambda: len(done) == 2, timeout=3000)
    heartbeat.stop()
    assert len(ticks) >= 10, ticks
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    assert max(gaps) < 0.25


def test_store_tasks_run_one_at_a_time_on_one_thread(qtbot, runner):
    threads: set[int] = set()
    active = 0
    overlap = False
    lock = threading.Lock()
    done: list[object] = []

    def work(ctx: TaskContext) -> None:
        nonlocal active, overlap
        with lock:
            active += 1
            overlap = overlap or active > 1
        threads.add(threading.get_ident())
        time.sleep(0.02)
        with lock:
            active -= 1

    for _ in range(5):
        runner.submit(work, kind=TaskKind.STORE, on_done=done.append)
    qtbot.waitUntil(lambda: len(done) == 5, timeout=3000)
    assert len(threads) == 1
    assert not overlap


def test_network_tasks_run_in_parallel(qtbot, runner):
    barrier = threading.Barrier(3, timeout=3)
    done: list[object] = []
    for _ in range(3):
        runner.submit(lambda ctx: barrier.wait(), on_done=done.append)
    qtbot.waitUntil(lambda: len(done) == 3, timeout=4000)


def test_store_tasks_go_through_a_given_writer(qtbot, runner):
    from concurrent.futures import ThreadPoolExecutor

    used: list[bool] = []

    class Writer:
        def __init__(self) -> None:
            self._ex = ThreadPoolExecutor(1)

        def submit(self, fn, *args):
            used.append(True)
            return self._ex.submit(fn, *args)

    runner.set_writer(Writer())
    done: list[object] = []
    runner.submit(lambda ctx: "saved", kind=TaskKind.STORE, on_done=done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=3000)
    assert used and done == ["saved"]


def test_callbacks_skipped_when_owner_is_gone(qtbot, runner):
    from PySide6.QtWidgets import QLabel

    label = QLabel()
    release = threading.Event()
    finished: list[object] = []
    runner.task_finished.connect(finished.append)
    runner.submit(lambda ctx: release.wait(3), on_done=lambda r: label.setText("x"), owner=label)
    label.deleteLater()
    qtbot.wait(50)
    release.set()
    qtbot.waitUntil(lambda: bool(finished), timeout=3000)  # no RuntimeError from a deleted label


def test_progress_widget_shows_long_task_and_cancels_it(qtbot, runner):
    window = QWidget()  # the status bar stands in: the widget shows and hides itself in it
    qtbot.addWidget(window)
    widget = TaskProgressWidget(runner, window, show_after_ms=0)
    window.show()
    cancelled: list[bool] = []

    def work(ctx: TaskContext) -> None:
        ctx.progress(1, 4, "first")
        while True:
            ctx.check_cancelled()
            time.sleep(0.01)

    runner.submit(work, title="Refreshing statuses", on_cancelled=lambda: cancelled.append(True))
    qtbot.waitUntil(lambda: widget.isVisible() and "first" in widget.label.text(), timeout=3000)
    assert widget.label.text().startswith("Refreshing statuses")
    assert widget.bar.maximum() == 4 and widget.bar.value() == 1
    widget.cancel_button.click()
    qtbot.waitUntil(lambda: bool(cancelled), timeout=3000)
    assert not widget.isVisible()


def test_untitled_tasks_stay_out_of_the_status_bar(qtbot, runner):
    window = QWidget()  # the status bar stands in: the widget shows and hides itself in it
    qtbot.addWidget(window)
    widget = TaskProgressWidget(runner, window, show_after_ms=0)
    window.show()
    release = threading.Event()
    done: list[object] = []
    runner.submit(lambda ctx: release.wait(3), on_done=done.append)
    qtbot.wait(50)
    assert not widget.isVisible()
    release.set()
    qtbot.waitUntil(lambda: bool(done), timeout=3000)


def test_abandon_on_cancel_stops_waiting_at_once_and_hands_over_the_late_outcome(qtbot, runner):
    release = threading.Event()
    started = threading.Event()
    cancelled: list[float] = []
    late: list[tuple[bool, object]] = []
    settled: list[object] = []
    runner.task_settled.connect(settled.append)

    def work(ctx: TaskContext) -> str:
        started.set()
        release.wait(5)  # stands in for a socket read that ignores the cancel flag
        return "sent after all"

    handle = runner.submit(
        work,
        title="Creating the invoice",
        abandon_on_cancel=True,
        on_done=lambda r: pytest.fail("an abandoned task never reaches on_done"),
        on_cancelled=lambda: cancelled.append(time.monotonic()),
        on_late=lambda ok, value: late.append((ok, value)),
    )
    assert started.wait(3)
    pressed = time.monotonic()
    handle.cancel()
    qtbot.waitUntil(lambda: bool(cancelled), timeout=3000)
    assert cancelled[0] - pressed < 1.0  # not after the 5 s the worker is blocked
    assert handle.abandoned and handle.finished
    assert runner.running() == [] and runner.abandoned() == [handle]
    handle.cancel()  # a second press changes nothing
    assert late == []
    release.set()
    qtbot.waitUntil(lambda: bool(late), timeout=3000)
    assert late == [(True, "sent after all")]
    assert settled == [handle] and runner.abandoned() == []


def test_abandonable_task_that_ends_normally_is_delivered_normally(qtbot, runner):
    done: list[object] = []
    runner.submit(lambda ctx: 7, abandon_on_cancel=True, on_done=done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=3000)
    assert done == [7] and runner.abandoned() == []


def test_progress_widget_cancel_abandons_a_blocked_task(qtbot, runner):
    window = QWidget()
    qtbot.addWidget(window)
    widget = TaskProgressWidget(runner, window, show_after_ms=0)
    window.show()
    release = threading.Event()
    cancelled: list[bool] = []
    runner.submit(
        lambda ctx: release.wait(5),
        title="Waiting for the gateway",
        abandon_on_cancel=True,
        on_cancelled=lambda: cancelled.append(True),
    )
    qtbot.waitUntil(widget.isVisible, timeout=2000)
    widget.cancel_button.click()
    qtbot.waitUntil(lambda: bool(cancelled) and not widget.isVisible(), timeout=3000)
    release.set()
    qtbot.waitUntil(lambda: not runner.abandoned(), timeout=3000)


def test_work_submitted_after_shutdown_never_runs_and_raises_nothing(qtbot, runner):
    runner.shutdown(2000)
    ran: list[object] = []
    handle = runner.submit(lambda ctx: ran.append(1), on_done=ran.append, on_error=ran.append)
    qtbot.wait(100)
    assert handle.finished and handle.cancel_requested
    assert ran == [] and not runner.running()
