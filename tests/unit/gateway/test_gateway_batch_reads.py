"""Many reads at once: bounded concurrency, progress, per-item errors, prompt cancellation."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from clickpay_desk.gateway.batch_reads import run_reads
from clickpay_desk.gateway.errors import GatewayError, NotFound
from clickpay_desk.gateway.http import RetryPolicy
from clickpay_desk.gateway.models import InvoiceStatus
from tests.unit.gateway.gateway_fakes import clickpay, pt2_error, reply, script


class InFlight:
    """Counts concurrent calls and remembers the peak."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.peak = 0

    def __enter__(self) -> None:
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)

    def __exit__(self, *exc: object) -> None:
        with self.lock:
            self.now -= 1


def test_refresh_a_thousand_statuses_through_the_client() -> None:
    flight = InFlight()

    def handler(request: httpx.Request) -> httpx.Response:
        with flight:
            time.sleep(0.002)
            invoice = request.url.path.split("/")[3]
            if invoice.endswith("7"):
                return httpx.Response(404, json={"code": 4, "message": "Invoice not found"})
            return httpx.Response(
                200, json={"invoice_status": "paid" if int(invoice) % 2 else "pending"}
            )

    progress: list[tuple[int, int]] = []
    ids = [str(n) for n in range(1, 1001)]  # PT2 ids are positive
    with clickpay(httpx.MockTransport(handler)) as client:
        report = run_reads(
            ids, client.invoice_status, progress=lambda d, t: progress.append((d, t))
        )
    assert flight.peak <= 8
    assert not report.cancelled and report.unfinished == () and report.total == 1000
    assert [r.item for r in report.results] == ids, "results come back in input order"
    assert len(report.failed) == 100 and all(isinstance(r.error, NotFound) for r in report.failed)
    assert len(report.gateway_errors) == 100
    values = [r.value for r in report.succeeded]
    assert all(isinstance(v, InvoiceStatus) for v in values)
    assert report.results[0].value is not None and report.results[0].value.is_paid
    assert progress[0] == (0, 1000) and progress[-1] == (1000, 1000)
    assert [d for d, _ in progress] == list(range(1001))


@pytest.mark.parametrize("limit", [1, 3, 16])
def test_never_more_than_the_limit_in_flight(limit: int) -> None:
    flight = InFlight()

    def read(item: int) -> int:
        with flight:
            time.sleep(0.005)
        return item * 2

    report = run_reads(list(range(60)), read, concurrency=limit)
    assert flight.peak <= limit
    assert flight.peak > limit // 2, "the reads really ran side by side"
    assert [r.value for r in report.results] == [i * 2 for i in range(60)]


def test_one_failure_does_not_stop_the_others() -> None:
    def read(item: int) -> int:
        if item == 3:
            raise GatewayError("nope")
        if item == 5:
            raise KeyError("a bug in one item")
        return item

    report = run_reads(list(range(10)), read, concurrency=4)
    assert len(report.succeeded) == 8
    assert {r.item for r in report.failed} == {3, 5}
    assert isinstance(report.results[5].error, KeyError)
    assert len(report.gateway_errors) == 1


def test_cancel_stops_promptly_and_returns_what_finished() -> None:
    cancel = threading.Event()
    started: list[int] = []
    lock = threading.Lock()

    def read(item: int) -> int:
        with lock:
            started.append(item)
        if item >= 20:
            cancel.wait(5)  # a slow read, stuck until cancel
            time.sleep(0.5)
        return item

    def progress(done: int, total: int) -> None:
        if done == 20:
            cancel.set()

    t0 = time.monotonic()
    report = run_reads(list(range(1000)), read, concurrency=4, progress=progress, cancel=cancel)
    assert time.monotonic() - t0 < 0.45, "returns before the stuck reads finish"
    assert report.cancelled
    assert [r.item for r in report.results] == list(range(20))
    assert len(report.unfinished) == 980 and report.unfinished[0] == 20
    assert len(started) <= 20 + 4, "nothing new starts after cancel"


def test_cancel_interrupts_client_retry_sleeps() -> None:
    cancel = threading.Event()
    gateway = script(reply(503, raw=b"<html>busy</html>", content_type="text/html"))
    slow = RetryPolicy(attempts=4, base_delay=20.0, max_delay=20.0)
    threading.Timer(0.2, cancel.set).start()
    t0 = time.monotonic()
    with clickpay(gateway, retry=slow) as client:
        report = run_reads(
            [str(n) for n in range(50)],
            lambda i: client.invoice_status(i, cancel=cancel),
            cancel=cancel,
        )
    assert time.monotonic() - t0 < 2
    assert report.cancelled and len(report.results) + len(report.unfinished) == 50


def test_already_cancelled_and_empty_runs() -> None:
    cancel = threading.Event()
    cancel.set()
    calls: list[int] = []
    report = run_reads([1, 2, 3], calls.append, cancel=cancel)
    assert report.cancelled and report.results == () and calls == []
    assert report.unfinished == (1, 2, 3)
    empty = run_reads([], calls.append)
    assert empty.results == () and not empty.cancelled
    with pytest.raises(ValueError):
        run_reads([1], calls.append, concurrency=0)


def test_not_found_reads_through_the_client_keep_their_message() -> None:
    gateway = script(pt2_error(404, 4, "Invoice not found"))
    with clickpay(gateway) as client:
        report = run_reads(["1", "2"], client.invoice_status)
    assert all("Invoice not found" in str(r.error) for r in report.results)
    assert gateway.count == 2, "a definite 'not found' is not retried"
