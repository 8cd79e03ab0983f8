"""A whole session with the REAL keyring, and the server key is nowhere but in the keyring.

The app is built exactly as ``clickpay-desk --data-dir DIR`` builds it (``app.start_gui``), then
driven like a user: add a profile in the Profiles dialog typing a distinctive key into the masked
field, save it (to the OS keyring), test the connection, create an invoice through the task
runner, export Activity to XLSX and CSV, quit. Then every file under the data dir (database with
its -wal/-shm, settings, logs, exports — the XLSX unzipped), everything printed to stdout/stderr
and every log record is searched for the key. The key is deleted from the keyring at the end.

Needs a real keyring (CI: gnome-keyring inside ``dbus-run-session``). Without one this is
skipped when ``CI`` is unset, and FAILS when ``CI`` is set, so CI can never skip it silently.
"""

from __future__ import annotations

import logging
import traceback
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import keyring
import pytest
from PySide6.QtCore import Qt

from clickpay_desk.app import DeskSession, build_parser, start_gui
from clickpay_desk.sandbox import demo
from clickpay_desk.sandbox.config import SandboxConfig
from clickpay_desk.sandbox.server import start_in_thread
from clickpay_desk.secrets import SERVICE, SecretStore
from clickpay_desk.store.records import InvoiceRecord, JournalStatus
from tests.unit.services.desk import make_invoice

pytestmark = [pytest.mark.keyring, pytest.mark.gui]


@pytest.fixture
def canary() -> str:
    return "CANARY-" + uuid.uuid4().hex


@pytest.fixture
def canary_sandbox(canary: str) -> Iterator[str]:
    server, url = start_in_thread(SandboxConfig(server_key=canary))
    yield url
    server.stop()


@pytest.fixture
def keyring_names() -> Iterator[list[str]]:
    """Keyring entries the test made: deleted at the end whatever happens."""
    names: list[str] = []
    yield names
    for name in names:
        SecretStore().delete(name)


def searchable_bytes(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` by relative path; an XLSX (a zip) also by each of its members."""
    found: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        name = str(path.relative_to(root))
        found[name] = data
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    found[f"{name}!{member}"] = archive.read(member)
    return found


def record_text(record: logging.LogRecord) -> str:
    parts = [record.getMessage(), str(record.args or "")]
    if record.exc_info:
        parts.append("".join(traceback.format_exception(*record.exc_info)))
    if record.exc_text:
        parts.append(record.exc_text)
    if record.stack_info:
        parts.append(record.stack_info)
    return "\n".join(parts)


class RawRecords(logging.Handler):
    """Keeps each record's text as it was emitted — before the app's redaction filter (which
    masks known secrets in place) could hide a key some code logged."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append((record.name, record_text(record)))


def test_whole_session_keeps_the_key_in_the_keyring_only(
    qtbot, tmp_path, capfd, caplog, real_keyring, canary, canary_sandbox, app_logging, keyring_names
):
    caplog.set_level(logging.DEBUG)
    raw = RawRecords()
    root = logging.getLogger()
    root.handlers.insert(0, raw)
    data = tmp_path / "data"
    started = start_gui(build_parser().parse_args(["--data-dir", str(data)]))
    root.setLevel(logging.DEBUG)  # the app's own handlers keep their levels; these see all
    assert isinstance(started, DeskSession), f"the app did not start ({started})"
    session = started
    window, ctx = session.window, session.ctx
    secret_name: str | None = None
    try:
        qtbot.waitExposed(window)
        assert session.ctx.paths.root == data.absolute()

        # -- a profile, typed into the Profiles dialog ---------------------------------------
        window.profiles_action.trigger()
        dialog = window.profiles_dialog
        assert dialog is not None
        qtbot.waitUntil(lambda: dialog.keyring_usable is True, timeout=5000)
        form = dialog.form
        qtbot.keyClicks(form.name, "Canary shop")
        form.region.setCurrentIndex(form.region.count() - 1)  # Custom base URL…
        form.base_url.clear()
        qtbot.keyClicks(form.base_url, canary_sandbox)
        qtbot.keyClicks(form.merchant_id, str(demo.PROFILE_ID))
        qtbot.keyClicks(form.payout_account_id, str(demo.ACCOUNT_ID))
        qtbot.keyClicks(form.secret, canary)
        assert form.secret.echoMode() == form.secret.EchoMode.Password
        assert form.problems() == []

        # Test connection with the typed key, before saving.
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "✔" in dialog.result_label.text(), timeout=5000)
        assert "accepted the key" in dialog.result_label.text()

        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: dialog.result_label.text() == "Saved. The key is in the system keyring.",
            timeout=5000,
        )
        [profile] = ctx.store.list_profiles()
        secret_name = profile.secret_name
        keyring_names.append(secret_name)
        assert keyring.get_password(SERVICE, secret_name) == canary
        assert form.secret.text() == ""

        # Test connection again: now with the key read back from the keyring.
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "✔" in dialog.result_label.text(), timeout=5000)
        dialog.accept()
        qtbot.waitUntil(
            lambda: window.active_profile is not None and window.active_profile.id == profile.id,
            timeout=5000,
        )
        qtbot.waitUntil(lambda: window.gateway_label.text() == "Gateway: answering", timeout=5000)

        # -- an invoice, created through the task runner -------------------------------------
        created: list[InvoiceRecord] = []
        failed: list[BaseException] = []
        invoice = make_invoice("250.00")
        window.invoice_actions.create(
            window.active_profile, invoice, on_done=created.append, on_error=failed.append
        )
        qtbot.waitUntil(lambda: bool(created or failed), timeout=10_000)
        assert not failed, failed
        assert created[0].remote_id and created[0].cart_id == invoice.cart_id
        # An unknown outcome (an HTML error page instead of an answer) puts gateway text in
        # the journal and the logs, then a reconcile reads it back: the key must not ride along.
        with httpx.Client(base_url=canary_sandbox, timeout=10) as control:
            control.post(
                "/_sandbox/faults", json={"path": "/payment/new/invoice", "mode": "html-500"}
            ).raise_for_status()
        unknown: list[BaseException] = []
        lost = make_invoice("10.00")
        window.invoice_actions.create(window.active_profile, lost, on_error=unknown.append)
        qtbot.waitUntil(lambda: bool(unknown), timeout=10_000)
        window.reconcile()
        qtbot.waitUntil(lambda: window.reconcile_dialog is not None, timeout=10_000)
        # The lookup by cart id proves nothing: unknown, with what to look for in the dashboard.
        assert "merchant dashboard" in window.reconcile_dialog.messages()[0]
        window.reconcile_dialog.close()

        # -- Activity, exported -------------------------------------------------------------
        window.tabs.setCurrentIndex(3)
        qtbot.waitUntil(lambda: window.activity.model.rowCount() >= 2, timeout=5000)
        statuses = {e.reference: e.status for e in window.activity.model.entries()}
        assert statuses[invoice.cart_id] is JournalStatus.DONE
        exports = ctx.paths.exports_dir
        for name in ("activity.xlsx", "activity.csv"):
            window.export_activity(exports / name)
            qtbot.waitUntil(
                lambda n=name: f"to {exports / n}." in window.statusBar().currentMessage(),
                timeout=10_000,
            )
        with zipfile.ZipFile(exports / "activity.xlsx") as archive:
            sheet = archive.read("xl/worksheets/sheet1.xml").decode()
        assert invoice.cart_id in sheet  # the export really holds the session's activity

        # -- quit -----------------------------------------------------------------------------
        window.close()
    finally:
        session.stop()

    # -- the search -------------------------------------------------------------------------
    written = searchable_bytes(data)
    assert any(name.endswith(".sqlite3") for name in written)
    assert any(name.startswith("logs") for name in written)
    assert any("!xl/worksheets/" in name for name in written)
    needle = canary.encode()
    leaked = [name for name, content in written.items() if needle in content]
    # UTF-16 (e.g. a Qt settings blob) would hide it from a byte search: look for that too.
    leaked += [n for n, c in written.items() if canary.encode("utf-16-le") in c]
    assert leaked == [], f"the key was written to {leaked}"

    out, err = capfd.readouterr()
    assert canary not in out and canary not in err
    assert caplog.records, "nothing was logged: the search would prove nothing"
    assert [r.name for r in caplog.records if canary in record_text(r)] == []
    root.removeHandler(raw)
    assert len(raw.texts) >= len(caplog.records) > 0
    assert [name for name, text in raw.texts if canary in text] == []

    # The key is in the keyring (it outlives the session) until the test deletes it.
    assert secret_name is not None and keyring.get_password(SERVICE, secret_name) == canary
    SecretStore().delete(secret_name)
    assert keyring.get_password(SERVICE, secret_name) is None
