"""``clickpay-desk``: argument parsing and the start and clean stop of the desktop app.

``clickpay-desk [--sandbox] [--data-dir DIR]`` starts the app; ``--sandbox`` runs it against the
built-in simulator with a demo profile. Subcommands (``clickpay-desk payouts check FILE``) are
declared here and dispatched to their own modules.

Only ``start_gui`` imports Qt (lazily), so a subcommand never pays for it. ``start_gui`` builds
and shows the window without entering the event loop, so tests and benchmarks can drive a whole
session in-process; ``run_gui`` adds the loop and the clean stop.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clickpay_desk import __version__
from clickpay_desk.paths import DataPaths

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from clickpay_desk.sandbox_process import SandboxProcess
    from clickpay_desk.secrets import SecretStore
    from clickpay_desk.store.database import Store
    from clickpay_desk.ui.context import DeskContext
    from clickpay_desk.ui.main_window import MainWindow

log = logging.getLogger(__name__)

#: Scripted close for tests and the start-up benchmark: once the window is shown, print
#: "window shown <unix time>" and close it after this many milliseconds.
AUTOCLOSE_ENV = "CLICKPAY_DESK_AUTOCLOSE_MS"
SANDBOX_PROFILE_NAME = "Sandbox demo"
SANDBOX_GEIDEA_PROFILE_NAME = "Sandbox demo (Geidea)"
SANDBOX_STATE_FILE = "sandbox-state.json"
#: Settings key of the port the built-in sandbox listened on last time.
SANDBOX_PORT_KEY = "sandbox_port"


# -- arguments -----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clickpay-desk",
        description="Back-office for ClickPay (PayTabs PT2) and Geidea merchants.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--sandbox",
        action="store_true",
        help="run against the built-in gateway simulator with a demo profile (offline); "
        "without --data-dir its data is kept apart from your real data",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help="keep the database, settings, logs and exports under DIR",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check this installation (sandbox, gateway clients, keyring, data folder, Qt), "
        "print one line per check and exit 0 only when all pass",
    )
    parser.set_defaults(handler=run_gui)

    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    payouts = commands.add_parser("payouts", help="payout spreadsheets from the shell")
    payout_commands = payouts.add_subparsers(title="payout commands", metavar="ACTION")
    payouts.set_defaults(handler=lambda args: _usage(payouts))
    check = payout_commands.add_parser("check", help="validate a payout spreadsheet")
    check.add_argument("file", type=Path, metavar="FILE", help="the .xlsx or .csv file")
    from clickpay_desk.cli_payouts import add_check_arguments  # light: no openpyxl, no Qt

    add_check_arguments(check)
    check.set_defaults(handler=run_payouts_check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def run_payouts_check(args: argparse.Namespace) -> int:
    """``clickpay-desk payouts check FILE [--currency CODE]``: see ``clickpay_desk.cli_payouts``."""
    from clickpay_desk.cli_payouts import run_check

    return run_check(args)


def data_paths(args: argparse.Namespace) -> DataPaths:
    """--data-dir wins; --sandbox alone keeps its demo data in a ``sandbox`` folder of its own."""
    if args.data_dir is not None:
        return DataPaths.for_dir(args.data_dir)
    if args.sandbox:
        return DataPaths.for_dir(DataPaths.default().root / "sandbox")
    return DataPaths.default()


# -- the desktop app -----------------------------------------------------------------------------


@dataclass
class _Running:
    """What ``start_gui`` started and must stop, in reverse order."""

    stops: list[tuple[str, Callable[[], Any]]] = field(default_factory=list)

    def on_exit(self, what: str, stop: Callable[[], Any]) -> None:
        self.stops.append((what, stop))

    def stop_all(self) -> None:
        for what, stop in reversed(self.stops):
            try:
                stop()
            except Exception:
                log.exception("stopping %s failed", what)
        self.stops.clear()


@dataclass
class DeskSession:
    """One started desktop app: the window is shown, the event loop not yet entered.

    ``run_gui`` enters the loop; tests and the benchmarks drive the window with their own loop
    (pytest-qt's) and call ``stop()`` — the same clean stop the app does at quit.
    """

    app: QApplication
    window: MainWindow
    ctx: DeskContext
    running: _Running
    #: The built-in simulator when started with --sandbox.
    sandbox: SandboxProcess | None = None

    def stop(self) -> None:
        """Close the window (saving its state) and stop everything, in reverse start order:
        background tasks, gateway connections, the sandbox, the database writer, the database."""
        import shiboken6

        if shiboken6.isValid(self.window):
            self.window.save_state()
            self.window.close()
        self.running.stop_all()


def run_gui(args: argparse.Namespace) -> int:
    if args.self_test:
        from clickpay_desk import self_test

        return self_test.run(data_paths(args))
    started = start_gui(args)
    if isinstance(started, int):
        return started
    try:
        _install_autoclose(started.window)
        _quit_on_interrupt(started.app)
        return started.app.exec()
    finally:
        started.running.stop_all()
        log.info("ClickPay Desk stopped")


def start_gui(args: argparse.Namespace, *, secrets: SecretStore | None = None) -> DeskSession | int:
    """Everything ``clickpay-desk`` does before its event loop: data folder, logging, database,
    writer, secrets, gateway client pool, task runner, the sandbox with --sandbox, and the main
    window, shown. Returns an exit status instead when the app cannot start (already said why).
    """
    from clickpay_desk.logs import setup_logging

    try:
        paths = data_paths(args).ensure()
        setup_logging(paths.log_dir)
    except OSError as exc:
        print(f"clickpay-desk: cannot use the data folder: {exc}", file=sys.stderr)
        return 1
    log.info("ClickPay Desk %s starting; data in %s", __version__, paths.root)
    # Started first, so it boots on the other core while this process imports Qt.
    launch: SandboxProcess | None = None
    launch_failed: OSError | None = None
    if args.sandbox:
        try:
            launch = launch_sandbox(paths)
        except OSError as exc:  # said in a dialog once Qt is up
            launch_failed = exc

    _import_before_qt()
    from PySide6.QtWidgets import QApplication

    from clickpay_desk.secrets import SecretStore
    from clickpay_desk.services.clients import ClientPool
    from clickpay_desk.store.database import Store, StoreError
    from clickpay_desk.store.writer import StoreWriter
    from clickpay_desk.ui.context import DeskContext
    from clickpay_desk.ui.icons import app_icon
    from clickpay_desk.ui.qt_check import binding_problem
    from clickpay_desk.ui.tasks import TaskRunner

    problem = binding_problem()
    if problem is not None:
        # Failing now, plainly, beats an abort in the middle of someone's payout batch.
        log.error("%s", problem)  # to the log file and to stderr
        if launch is not None:
            launch.stop()
        return 1

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("ClickPay Desk")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("ClickPay Desk")
    app.setDesktopFileName("clickpay-desk")
    app.setWindowIcon(app_icon())

    running = _Running()
    if launch is not None:
        running.on_exit("the sandbox server", launch.stop)
    try:
        try:
            store = Store.open(paths.database)  # also checks the file is sound and writable
        except StoreError as exc:
            log.error("cannot open the database: %s", exc)
            _cannot_start(app, str(exc))
            running.stop_all()
            return 1
        running.on_exit("the database", store.close)
        writer = StoreWriter(store)
        running.on_exit("the database writer", writer.close)
        secrets = secrets if secrets is not None else SecretStore()
        # Stopped after the task runner (registered later, stopped earlier): no worker is left
        # holding a client when the connections close.
        pool = ClientPool(secrets)
        running.on_exit("the gateway connections", pool.close)

        sandbox: SandboxProcess | None = None
        if args.sandbox:
            try:
                if launch is None:
                    raise launch_failed or OSError("the sandbox was not started")
                sandbox = start_sandbox(launch, store, secrets)
            except (OSError, StoreError) as exc:
                log.error("the sandbox could not start: %s", exc)
                _cannot_start(app, f"The built-in sandbox could not start: {exc}")
                running.stop_all()
                return 1

        runner = TaskRunner(writer=writer)
        running.on_exit("the background tasks", runner.shutdown)

        from clickpay_desk.ui.main_window import MainWindow

        ctx = DeskContext(
            store=store,
            writer=writer,
            secrets=secrets,
            paths=paths,
            runner=runner,
            pool=pool,
            sandbox_url=None if sandbox is None else sandbox.base_url,
        )
        window = MainWindow(ctx)
        window.show()
        app.aboutToQuit.connect(window.save_state)  # also when quitting without a close event
        # What start-up created (modules, classes, Qt wrappers) lives as long as the app: move it
        # out of the collector's reach, so a full collection — which holds the GIL, and so the
        # GUI thread — walks only what the session creates (measured: ~50 ms -> a few ms).
        gc.freeze()
    except BaseException:
        running.stop_all()
        raise
    return DeskSession(app, window, ctx, running, sandbox)


#: Qt platforms with no screen a person looks at: a modal dialog there would wait forever.
_HEADLESS_PLATFORMS = frozenset({"offscreen", "minimal", "minimalegl"})


def _cannot_start(app: Any, text: str) -> None:
    """Say why the app cannot start: always on stderr, and in a dialog when there is a screen
    (with no display — offscreen, CI — the caller exits at once instead of waiting in a modal
    dialog nobody can see)."""
    print(f"clickpay-desk: cannot start: {text}", file=sys.stderr)
    if app.platformName() in _HEADLESS_PLATFORMS:
        return
    from PySide6.QtWidgets import QMessageBox

    QMessageBox.critical(None, "ClickPay Desk cannot start", text)


#: The Qt-free layers the window uses, imported before PySide6 (see ``_import_before_qt``).
QT_FREE_PACKAGES = ("core", "gateway", "store", "exchange", "services", "sandbox")


def _import_before_qt() -> None:
    """Import the Qt-free layers before PySide6 is first imported.

    Once loaded, PySide6 hooks every later import and reads the new module's source (it looks
    for ``from __feature__``); the window's ~150 Qt-free modules imported after it cost about
    0.4 s more than the same modules imported before it (measured: 1.2–1.5 s → 0.8–1.0 s from
    the first import to the main window's module loaded).
    """
    import importlib
    import pkgutil

    for name in QT_FREE_PACKAGES:
        package = importlib.import_module(f"clickpay_desk.{name}")
        for module in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
            importlib.import_module(module.name)


def launch_sandbox(paths: DataPaths) -> SandboxProcess:
    """Start the built-in simulator's process (see ``clickpay_desk.sandbox_process``).

    It keeps its data next to the desk's database, so the invoices and batches the local
    journal refers to are still there on the next --sandbox start, and it listens on the same
    port as last time when that is free: the links of the invoices and agreements created on
    earlier runs (and their QR codes) point at it.
    """
    from clickpay_desk.sandbox_process import SandboxProcess
    from clickpay_desk.store.profiles import peek_setting

    state_file = paths.root / SANDBOX_STATE_FILE
    port = peek_setting(paths.database, SANDBOX_PORT_KEY)
    return SandboxProcess.spawn(
        state_file,
        port=port if isinstance(port, int) else None,
        seed=not state_file.exists(),
        log_file=paths.log_dir / "sandbox.log",
    )


def start_sandbox(launch: SandboxProcess, store: Store, secrets: SecretStore) -> SandboxProcess:
    """Wait for the simulator to listen, and make the "Sandbox demo" profiles point at it.

    The demo key is public, but it is set session-only all the same: the sandbox never writes
    to the user's keyring.
    """
    from clickpay_desk.core.profile import GatewayKind, Profile
    from clickpay_desk.sandbox import demo
    from clickpay_desk.ui.context import ACTIVE_PROFILE_KEY

    url = launch.wait_ready()
    store.set_setting(SANDBOX_PORT_KEY, launch.server_port)
    log.info("sandbox gateway listening on %s", url)

    wanted = [
        Profile(
            SANDBOX_PROFILE_NAME,
            GatewayKind.CLICKPAY,
            url,
            str(demo.PROFILE_ID),
            payout_account_id=str(demo.ACCOUNT_ID),
        ),
        Profile(SANDBOX_GEIDEA_PROFILE_NAME, GatewayKind.GEIDEA, url, demo.GEIDEA_PUBLIC_KEY),
    ]
    secret_of = {
        GatewayKind.CLICKPAY: demo.SERVER_KEY,
        GatewayKind.GEIDEA: demo.GEIDEA_API_PASSWORD,
    }
    existing = {p.name: p for p in store.list_profiles()}
    saved: list[Profile] = []
    for profile in wanted:
        old = existing.get(profile.name)
        if old is not None:
            # Same profile, but the sandbox's port changes from run to run.
            profile = replace(old, base_url=url)
        saved_profile = store.save_profile(profile)
        secrets.set_session_only(saved_profile.secret_name, secret_of[profile.gateway])
        saved.append(saved_profile)
    store.set_setting(ACTIVE_PROFILE_KEY, saved[0].id)
    return launch


def _install_autoclose(window: Any) -> None:
    """The scripted close behind ``CLICKPAY_DESK_AUTOCLOSE_MS`` (tests, start-up benchmark)."""
    raw = os.environ.get(AUTOCLOSE_ENV)
    if not raw:
        return
    from PySide6.QtCore import QTimer

    try:
        delay = max(0, int(raw))
    except ValueError:
        delay = 0

    def shown() -> None:
        print(f"window shown {time.time():.3f}", flush=True)
        QTimer.singleShot(delay, window.close)

    QTimer.singleShot(0, shown)  # runs once the event loop has processed the show


def _quit_on_interrupt(app: Any) -> None:
    """Ctrl+C in the terminal quits cleanly (Qt's loop would otherwise swallow it)."""
    import signal

    from PySide6.QtCore import QTimer

    signal.signal(signal.SIGINT, lambda *_: app.quit())
    # Let the interpreter run between Qt events, so it can notice the signal.
    timer = QTimer(app)
    timer.timeout.connect(lambda: None)
    timer.start(250)
