"""Screenshots of the app itself for the AppStream metainfo and the README: starts the app on
its built-in sandbox (offscreen), lets it load the demo data, and saves one PNG per tab.

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/screenshots.py [OUT_DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

TABS = ("invoices", "agreements", "payouts", "activity")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=Path(__file__).parent / "screenshots")
    parser.add_argument("--settle", type=float, default=4.0, help="seconds to let data load")
    args = parser.parse_args(argv)

    from PySide6.QtWidgets import QApplication

    from clickpay_desk.app import build_parser, start_gui

    with tempfile.TemporaryDirectory(prefix="cpd-shots-") as data:
        started = start_gui(build_parser().parse_args(["--sandbox", "--data-dir", data]))
        if isinstance(started, int):
            return started
        window = started.window
        window.resize(1100, 700)
        try:
            args.out.mkdir(parents=True, exist_ok=True)
            for index, name in enumerate(TABS):
                window.tabs.setCurrentIndex(index)
                _spin(args.settle if index == 0 else 1.5)
                path = args.out / f"{name}.png"
                window.grab().save(str(path))
                print(path)
        finally:
            window.close()
            QApplication.processEvents()
            started.running.stop_all()
    return 0


def _spin(seconds: float) -> None:
    from PySide6.QtWidgets import QApplication

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.02)


if __name__ == "__main__":
    sys.exit(main())
