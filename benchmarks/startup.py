"""Start-up time: from process start to the main window shown, against the 1.5 s target.

Runs ``clickpay-desk --sandbox --data-dir TMP`` (offscreen) several times with the scripted
close (``CLICKPAY_DESK_AUTOCLOSE_MS``); the app prints ``window shown <unix time>`` once the
window is up. The baseline, measured in the same run, is a bare PySide6 window in a fresh
interpreter: the ratio says what the app adds on top of Python + Qt.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 1.5

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
    return {
        **os.environ,
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


def measure_startup(runs: int, *, sandbox: bool = True) -> tuple[list[float], list[float]]:
    """(app times, bare-Qt baseline times). The first app run creates and seeds the data dir;
    later ones reopen it, as a user's second start does, so the first is reported apart."""
    app_times: list[float] = []
    base_times: list[float] = []
    with tempfile.TemporaryDirectory(prefix="cpd-bench-") as tmp:
        root = Path(tmp)
        env = _env(root)
        command = [sys.executable, "-m", "clickpay_desk", "--data-dir", str(root / "data")]
        if sandbox:
            command.insert(3, "--sandbox")
        for _ in range(runs):
            base_times.append(time_to_window([sys.executable, "-c", BARE_QT], env))
            app_times.append(time_to_window(command, env))
    return app_times, base_times


def measure_gui_stall() -> None:
    """TODO(services): the longest GUI-thread stall while the app works (e.g. refreshing the
    statuses of a few hundred invoices and submitting a payout batch against the sandbox).

    Needs the services layer: run a heartbeat QTimer in the app's window, drive the use cases
    through the TaskRunner, and report the largest gap between heartbeats against one frame
    (16 ms) and a 100 ms ceiling.
    """
    print("GUI stall: not measured yet (needs clickpay_desk.services).")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-sandbox", action="store_true", help="start without --sandbox")
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
    measure_gui_stall()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
