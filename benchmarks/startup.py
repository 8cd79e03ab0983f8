"""Start-up time against the 1.5 s target, and the GUI thread's longest stall while the app
works against the 50 ms target.

Runs ``clickpay-desk --sandbox --data-dir TMP`` (offscreen) several times with the scripted
close (``CLICKPAY_DESK_AUTOCLOSE_MS``); the app prints ``window shown <unix time>`` once the
window is up. The baseline, measured in the same run, is a bare PySide6 window in a fresh
interpreter: the ratio says what the app adds on top of Python + Qt.

The stall: in-process, the app against its built-in sandbox with 50 ms latency refreshes the
statuses of 1,000 invoices through the TaskRunner, again and again for 10 s, while a 10 ms
heartbeat timer on the GUI thread measures the longest gap between its ticks.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/startup.py [--runs 5]
        [--stall-seconds 10] [--invoices 1000] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 1.5
#: The longest the GUI thread may go without running its event loop while the app works.
STALL_TARGET_SECONDS = 0.050

BARE_QT = """
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
w = QMainWindow(); w.show()
def shown():
    print(f"window shown {time.time():.3f}", flush=True)
    w.close()
QTimer.singleShot(0, shown)
app.exec()
"""


def _env(home: Path) -> dict[str, str]:
    # An installed app starts from compiled bytecode; a PYTHONDONTWRITEBYTECODE in the shell
    # would make every run compile ~200 modules again (about 0.45 s) and measure that instead.
    inherited = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {
        **inherited,
        "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
        "CLICKPAY_DESK_AUTOCLOSE_MS": "0",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }


def time_to_window(command: list[str], env: dict[str, str]) -> float:
    """Seconds from spawning ``command`` to the "window shown" timestamp it prints."""
    started = time.time()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    for line in done.stdout.splitlines():
        if line.startswith("window shown "):
            return float(line.split()[2]) - started
    raise SystemExit(f"no 'window shown' line from {' '.join(command)}:\n{done.stdout}")


def measure_startup(
    runs: int, *, sandbox: bool = True, program: list[str] | None = None
) -> tuple[list[float], list[float]]:
    """(app times, bare-Qt baseline times). The first app run creates and seeds the data dir;
    later ones reopen it, as a user's second start does, so the first is reported apart.
    ``program`` starts another build of the app (the PyInstaller folder's executable)."""
    app_times: list[float] = []
    base_times: list[float] = []
    with tempfile.TemporaryDirectory(prefix="cpd-bench-") as tmp:
        root = Path(tmp)
        env = _env(root)
        command = [*(program or [sys.executable, "-m", "clickpay_desk"])]
        command += ["--data-dir", str(root / "data")] + (["--sandbox"] if sandbox else [])
        for _ in range(runs):
            base_times.append(time_to_window([sys.executable, "-c", BARE_QT], env))
            app_times.append(time_to_window(command, env))
    return app_times, base_times


@dataclass
class StallReport:
    seconds: float
    rounds: int
    reads: int
    ticks: int
    longest: float
    p99: float
    p50: float
    worst: list[tuple[float, float]]  # (seconds into the run, gap), longest first
    started: float = 0.0  # perf_counter at the first tick


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


def measure_gui_stall(
    seconds: float = 10.0, invoices: int = 1000, latency: float = 0.05
) -> StallReport:
    """The longest GUI-thread stall while the app refreshes invoice statuses, in-process.

    Starts the app as ``clickpay-desk --sandbox --data-dir TMP`` does (``app.start_gui``),
    seeds ``invoices`` invoices at the sandbox (directly through the profile's client, before
    any latency) and in the local store, gives every gateway call ``latency`` seconds, then for
    ``seconds`` runs ``services.invoices.refresh_statuses`` through the TaskRunner again and
    again (8 reads at a time, progress in the status bar) while a 10 ms heartbeat QTimer on the
    GUI thread records when it fires. The sandbox runs in its own process, as with
    ``--sandbox`` (``clickpay_desk.sandbox_process``); when it ran on threads of this process,
    its request handling held the GIL and the window stalled for 80–270 ms at a time.
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(REPO))
    import httpx
    from PySide6.QtCore import QEventLoop, Qt, QTimer

    from clickpay_desk.app import DeskSession, build_parser, start_gui
    from clickpay_desk.services.invoices import refresh_statuses
    from clickpay_desk.store.records import InvoiceRecord
    from clickpay_desk.ui.tasks import TaskContext
    from tests.unit.services.desk import make_invoice

    with tempfile.TemporaryDirectory(prefix="cpd-stall-") as tmp:
        started = start_gui(build_parser().parse_args(["--sandbox", "--data-dir", tmp]))
        if not isinstance(started, DeskSession):
            raise SystemExit("the app did not start")
        session = started
        try:
            window, ctx = session.window, session.ctx
            assert session.sandbox is not None
            loop = QEventLoop()

            def spin(ms: int) -> None:
                QTimer.singleShot(ms, loop.quit)
                loop.exec()

            while window.active_profile is None:
                spin(20)
            profile = window.active_profile
            assert profile.id is not None
            client = ctx.pool.clickpay(profile)
            records: list[InvoiceRecord] = []
            for _ in range(invoices):
                invoice = make_invoice()
                payload = invoice.to_wire(profile_id=int(profile.merchant_id))
                created = client.create_invoice(payload)
                records.append(
                    ctx.store.upsert_invoice(
                        InvoiceRecord(
                            None,
                            profile.id,
                            profile.gateway,
                            invoice.cart_id,
                            created.invoice_id,
                            created.invoice_link,
                            invoice.currency,
                            invoice.cart_amount,
                            "pending",
                            payload,
                        )
                    )
                )
            with httpx.Client(base_url=session.sandbox.base_url, timeout=10) as control:
                control.post("/_sandbox/latency", json={"seconds": latency}).raise_for_status()

            ticks: list[float] = []
            heartbeat = QTimer()
            heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
            heartbeat.setInterval(10)
            heartbeat.timeout.connect(lambda: ticks.append(time.perf_counter()))
            rounds = reads = 0
            deadline = time.perf_counter() + seconds
            handle = None

            def refresh(_ctx: TaskContext) -> int:
                report = refresh_statuses(
                    ctx.store,
                    ctx.pool,
                    profile,
                    records,
                    progress=lambda done, total: _ctx.progress(done, total, f"{done} of {total}"),
                    cancel=_ctx.cancelled,
                )
                return len(report.results)

            def again(done: int = 0) -> None:
                nonlocal rounds, reads, handle
                reads += done
                rounds += 1 if done else 0
                if time.perf_counter() < deadline:
                    handle = ctx.runner.submit(
                        refresh, title="Refreshing invoice statuses", on_done=again
                    )
                else:
                    handle = None
                    loop.quit()

            heartbeat.start()
            first = time.perf_counter()
            again()
            # Precise: a coarse timer may fire up to 5 % early, before the last round began.
            stopper = QTimer()
            stopper.setSingleShot(True)
            stopper.setTimerType(Qt.TimerType.PreciseTimer)
            stopper.timeout.connect(lambda: handle is not None and handle.cancel())
            stopper.start(int(seconds * 1000))
            loop.exec()  # until the last round returns after the deadline (or is cancelled)
            heartbeat.stop()
            elapsed = time.perf_counter() - first
            spin(500)  # let the reads a cancelled round left in flight return before closing
        finally:
            session.stop()
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    worst = sorted(((a - first, b - a) for a, b in itertools.pairwise(ticks)), key=lambda w: -w[1])
    return StallReport(
        elapsed,
        rounds,
        reads,
        len(ticks),
        max(gaps),
        _percentile(gaps, 0.99),
        _percentile(gaps, 0.50),
        worst[:5],
        first,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-sandbox", action="store_true", help="start without --sandbox")
    parser.add_argument(
        "--stall-seconds",
        type=float,
        default=10.0,
        help="how long to measure the GUI stall (0: skip)",
    )
    parser.add_argument("--invoices", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05, help="gateway latency, seconds")
    parser.add_argument(
        "--built",
        type=Path,
        metavar="EXE",
        help="also time this built app (packaging/build.sh's clickpay-desk executable) against "
        "the source run, in the same run",
    )
    args = parser.parse_args(argv)
    app_times, base_times = measure_startup(max(2, args.runs), sandbox=not args.no_sandbox)
    first, warm = app_times[0], app_times[1:]
    median = statistics.median(warm)
    baseline = statistics.median(base_times)
    mode = "--sandbox" if not args.no_sandbox else "no sandbox"
    print(f"start-up to window shown ({mode}, {len(app_times)} runs, offscreen)")
    print(f"  first run (creates and seeds the data dir): {first:.3f} s")
    print(f"  median of later runs:                       {median:.3f} s")
    print(f"  bare PySide6 window (baseline):             {baseline:.3f} s")
    print(f"  ratio app / baseline:                       {median / baseline:.2f}x")
    verdict = "within" if median <= TARGET_SECONDS else "OVER"
    print(f"  target {TARGET_SECONDS:.1f} s: {verdict} ({median / TARGET_SECONDS:.0%} of target)")
    if args.built is not None:
        built_times, _ = measure_startup(
            max(2, args.runs), sandbox=not args.no_sandbox, program=[str(args.built)]
        )
        built = statistics.median(built_times[1:])
        print(f"built app ({args.built}), {len(built_times)} runs")
        print(f"  first run:                                  {built_times[0]:.3f} s")
        print(f"  median of later runs:                       {built:.3f} s")
        print(f"  ratio built / source run:                   {built / median:.2f}x")
    if args.stall_seconds > 0:
        stall = measure_gui_stall(args.stall_seconds, args.invoices, args.latency)
        verdict = "within" if stall.longest <= STALL_TARGET_SECONDS else "OVER"
        print(
            f"GUI-thread stall while refreshing {args.invoices} invoice statuses "
            f"({args.latency * 1000:.0f} ms gateway latency, {stall.seconds:.1f} s, "
            f"{stall.rounds} full rounds, {stall.reads} reads, 10 ms heartbeat, "
            f"{stall.ticks} ticks)"
        )
        print(f"  longest gap between heartbeats: {stall.longest * 1000:6.1f} ms (10 ms when idle)")
        print(f"  99th percentile:                {stall.p99 * 1000:6.1f} ms")
        print(f"  median:                         {stall.p50 * 1000:6.1f} ms")
        print(
            f"  target {STALL_TARGET_SECONDS * 1000:.0f} ms: {verdict} "
            f"({stall.longest / STALL_TARGET_SECONDS:.0%} of target)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
