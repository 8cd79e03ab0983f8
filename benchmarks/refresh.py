"""Refresh N invoice statuses against the real sandbox server: one by one vs ``run_reads``.

Starts ``clickpay-desk-sandbox --port 0`` as a subprocess, creates N invoices through the real
``ClickPayClient`` (no latency while seeding), then sets a per-call latency on the sandbox
(``POST /_sandbox/latency``, default 50 ms, a gateway's round trip) and refreshes every status
twice in the same run: sequentially, and with ``run_reads(concurrency=8)``. The floor for the
concurrent refresh is N × latency / concurrency; the target is to stay within 1.5× of it.

A third pass with no latency at all measures what the client and the server cost per call
(their overhead), so a miss can be blamed on the right side.

    .venv/bin/python benchmarks/refresh.py [--count 1000] [--latency 0.05] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import os
import re
import select
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clickpay_desk.core.invoice import Invoice, LineItem
from clickpay_desk.gateway import ClickPayClient, RetryPolicy, Timeouts, run_reads
from clickpay_desk.sandbox import demo

TARGET_RATIO = 1.5
FIRST_LINE = re.compile(r"^Sandbox listening on (http://\S+)$")


def start_sandbox() -> tuple[subprocess.Popen[str], str]:
    script = Path(sys.executable).parent / "clickpay-desk-sandbox"
    command = (
        [str(script)] if script.exists() else [sys.executable, "-m", "clickpay_desk.sandbox.server"]
    )
    proc = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], 20)
    line = proc.stdout.readline().strip() if ready else ""
    match = FIRST_LINE.match(line)
    if match is None:
        proc.kill()
        raise SystemExit(f"the sandbox did not start (first line {line!r})")
    return proc, match.group(1)


def invoice(number: int) -> dict[str, object]:
    now = datetime.now(UTC).replace(microsecond=0)
    return Invoice(
        currency="SAR",
        cart_id=f"bench-{number:05d}",
        cart_description=f"Benchmark invoice {number}",
        lines=(LineItem(description="Coffee", unit_cost=Decimal("9.50"), quantity=Decimal(2)),),
        expiry_date=now + timedelta(days=30),
    ).to_wire()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="invoices to refresh")
    parser.add_argument("--latency", type=float, default=0.05, help="sandbox delay per call, s")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    n, latency, workers = args.count, args.latency, args.concurrency

    proc, url = start_sandbox()
    client = ClickPayClient(
        url,
        demo.PROFILE_ID,
        demo.SERVER_KEY,
        timeout=Timeouts(connect=5, read=30, write=30, pool=30, total=60),
        retry=RetryPolicy(attempts=1),  # a retry would hide a slow server; count failures
    )
    controls = httpx.Client(base_url=url, timeout=30)
    clock = time.perf_counter
    try:
        started = clock()
        # Seeding is not what is measured; it runs on a few threads to be quick.
        with cf.ThreadPoolExecutor(max_workers=workers) as pool:
            ids = [c.invoice_id for c in pool.map(client.create_invoice, map(invoice, range(n)))]
        seeded = clock() - started
        print(f"sandbox {url}: seeded {n} invoices in {seeded:.2f} s")

        def refresh_sequential() -> float:
            start = clock()
            for invoice_id in ids:
                if client.invoice_status(invoice_id).status != "pending":
                    raise SystemExit(f"invoice {invoice_id} is not pending")
            return clock() - start

        def refresh_concurrent() -> float:
            start = clock()
            report = run_reads(ids, client.invoice_status, concurrency=workers)
            elapsed = clock() - start
            if report.failed or len(report.succeeded) != n:
                first = report.failed[0].error if report.failed else None
                raise SystemExit(f"{len(report.failed)} reads failed, first: {first!r}")
            return elapsed

        # what the client and the server cost per call, with no simulated network at all
        controls.post("/_sandbox/latency", json={"seconds": 0}).raise_for_status()
        bare_sequential = refresh_sequential()
        bare_concurrent = refresh_concurrent()

        controls.post("/_sandbox/latency", json={"seconds": latency}).raise_for_status()
        sequential = refresh_sequential()
        concurrent = refresh_concurrent()
    finally:
        client.close()
        controls.close()
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()

    floor = n * latency / workers
    bare_seq_ms = bare_sequential / n * 1000
    bare_conc_ms = bare_concurrent / n * 1000
    print(
        f"no latency:    sequential {bare_sequential:7.2f} s ({bare_seq_ms:.2f} ms/call), "
        f"run_reads {bare_concurrent:7.2f} s ({bare_conc_ms:.2f} ms/call)"
    )
    print(
        f"latency {latency * 1000:.0f} ms: sequential {sequential:7.2f} s "
        f"(floor {n * latency:.2f} s), run_reads(concurrency={workers}) {concurrent:7.2f} s"
    )
    print(f"speed-up: {sequential / concurrent:.2f}× (ideal {workers}×)")
    ratio = concurrent / floor
    print(f"concurrent vs floor N × latency / {workers} = {floor:.2f} s: {ratio:.2f}×")
    ok = ratio <= TARGET_RATIO
    print(f"target (within {TARGET_RATIO}× of the floor): {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
