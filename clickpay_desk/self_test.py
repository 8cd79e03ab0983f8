"""``clickpay-desk --self-test``: is this installation able to do its work?

One line per check, ``ok`` or ``FAIL`` with what to do, and exit status 0 only when every check
passed. It is what a support person asks a shop owner to run, and what CI runs on the built app:
a build that left out a Qt plugin, a data file or a library fails here, not in front of a user.

The checks use the real pieces: the embedded sandbox on a loopback port, the real gateway
clients (one harmless read per gateway kind, ``services.connection``), the keyring backend the
app would use, the data folder it would write, an XLSX written and read back, and Qt (the
platform plugin, the app icon, a QR code decoded into an image).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from clickpay_desk import __version__
from clickpay_desk.paths import DataPaths


class CheckFailed(Exception):
    """A check's failure, with the sentence the user sees."""


@dataclass(frozen=True)
class Outcome:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'}  {self.name}: {self.detail}"


def run(paths: DataPaths, *, out: Callable[[str], None] = print) -> int:
    """Run every check, print one line each, return the exit status."""
    out(f"ClickPay Desk {__version__} self-test")
    outcomes: list[Outcome] = []
    with _sandbox() as base_url:
        checks: list[tuple[str, Callable[[], str]]] = [
            ("data folder", lambda: _data_folder(paths)),
            ("keyring", _keyring),
            ("spreadsheets", _spreadsheets),
            ("ClickPay gateway", lambda: _gateway("clickpay", base_url)),
            ("Geidea gateway", lambda: _gateway("geidea", base_url)),
            ("Qt", _qt),
        ]
        for name, check in checks:
            try:
                outcome = Outcome(name, True, check())
            except CheckFailed as exc:
                outcome = Outcome(name, False, str(exc))
            except Exception as exc:  # a self-test reports, it never crashes
                outcome = Outcome(name, False, f"{type(exc).__name__}: {exc}")
            outcomes.append(outcome)
            out(outcome.line())
    failed = [o.name for o in outcomes if not o.ok]
    out(
        "All checks passed."
        if not failed
        else f"{len(failed)} check(s) failed: {', '.join(failed)}."
    )
    return 0 if not failed else 1


@contextmanager
def _sandbox() -> Iterator[str]:
    from clickpay_desk.sandbox.config import SandboxConfig
    from clickpay_desk.sandbox.server import start_in_thread

    server, url = start_in_thread(SandboxConfig(deliver_callbacks=False))
    try:
        yield url
    finally:
        server.stop()


def _data_folder(paths: DataPaths) -> str:
    try:
        paths.ensure()
        with tempfile.NamedTemporaryFile(dir=paths.root, prefix=".self-test-", delete=True) as f:
            f.write(b"ok")
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        raise CheckFailed(
            f"cannot write in {paths.root} ({exc.strerror or exc}); free some space or start "
            "with --data-dir pointing at a folder you can write"
        ) from exc
    return f"{paths.root} is writable (logs in {paths.log_dir})"


def _keyring() -> str:
    from clickpay_desk.secrets import SecretStore

    usable, description = SecretStore().backend_status()
    if not usable:
        raise CheckFailed(
            f"{description} Install and unlock GNOME Keyring or KWallet; until then the app can "
            "keep a key for one session only"
        )
    return f"server keys would be kept in {description}"


def _spreadsheets() -> str:
    import openpyxl

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "check.xlsx"
        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(["amount", "=1+1"])
        sheet["B1"].data_type = "s"
        book.save(path)
        back = openpyxl.load_workbook(path, read_only=True)
        values = [c.value for c in next(back.active.iter_rows())]
        back.close()
    if values != ["amount", "=1+1"]:
        raise CheckFailed(f"an XLSX file did not read back as written: {values!r}")
    return "an XLSX file was written and read back"


def _gateway(kind: str, base_url: str) -> str:
    from clickpay_desk.core.profile import GatewayKind, Profile
    from clickpay_desk.sandbox import demo
    from clickpay_desk.services.connection import check_connection

    if kind == "clickpay":
        profile = Profile("self-test", GatewayKind.CLICKPAY, base_url, str(demo.PROFILE_ID))
        secret = demo.SERVER_KEY
    else:
        profile = Profile("self-test", GatewayKind.GEIDEA, base_url, demo.GEIDEA_PUBLIC_KEY)
        secret = demo.GEIDEA_API_PASSWORD
    started = time.perf_counter()
    verdict = check_connection(profile, secret)
    took = (time.perf_counter() - started) * 1000
    if not verdict.ok:
        raise CheckFailed(f"the built-in sandbox did not answer as expected: {verdict.message}")
    return f"the client reached the built-in sandbox and its key was accepted ({took:.0f} ms)"


def _qt() -> str:
    if not _has_display():
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import base64

    import segno
    from PySide6.QtGui import QGuiApplication, QPixmap

    from clickpay_desk.ui.icons import app_icon
    from clickpay_desk.ui.qt_check import binding_problem

    problem = binding_problem()
    if problem is not None:
        raise CheckFailed(problem)
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    platform = QGuiApplication.platformName()
    icon = app_icon()
    if icon.isNull():
        raise CheckFailed("the app icon is missing from this installation; reinstall it")
    qr = QPixmap()
    png = segno.make("https://example.invalid/self-test").png_data_uri(scale=4)
    if not qr.loadFromData(base64.b64decode(png.split(",", 1)[1]), "PNG"):
        raise CheckFailed("Qt cannot load PNG images (image plugin missing); reinstall the app")
    del app
    return f"Qt {_qt_version()} runs on the “{platform}” platform; icon and QR images load"


def _qt_version() -> str:
    from PySide6 import QtCore

    return str(QtCore.qVersion())


def _has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) or (
        sys.platform in ("win32", "darwin")
    )
