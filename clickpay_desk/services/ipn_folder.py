"""A folder of callback (IPN) files, imported in the background; and, for the sandbox, a loopback
receiver that writes the callbacks it is sent into that folder.

The merchant's web server writes each callback it receives as ``<name>.json`` (the raw body,
byte for byte, so the signature still verifies) and, when the gateway signed it, the
``signature`` header's value as ``<name>.json.sig`` beside it, written *before* the body. The
desk imports every ``*.json`` at the top of the folder and moves it (with its ``.sig``) into
``imported/`` (attached, or already known), ``unmatched/`` (no agreement of this profile) or
``refused/`` (bad signature, malformed), the last with a ``.reason.txt`` saying why. A file
half-written when read is skipped until its writer has finished (it does not parse yet and is
younger than :data:`SETTLE_SECONDS`).

Qt-free: the UI polls :func:`pending` and runs :func:`import_folder` on a worker.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from pathlib import Path

from clickpay_desk.core.profile import Profile
from clickpay_desk.gateway.callbacks import MAX_CALLBACK_BYTES, SIGNATURE_HEADER
from clickpay_desk.store.database import Store

from .agreements import (
    Confirm,
    ImportOutcome,
    ImportResult,
    import_callback,
    read_callback_file,
    refresh_status,
)

log = logging.getLogger(__name__)

IMPORTED = "imported"
UNMATCHED = "unmatched"
REFUSED = "refused"
#: A file that does not parse and was written less than this long ago may still be being written.
SETTLE_SECONDS = 2.0

_DESTINATION = {
    ImportOutcome.ATTACHED: IMPORTED,
    ImportOutcome.DUPLICATE: IMPORTED,
    ImportOutcome.UNMATCHED: UNMATCHED,
    ImportOutcome.REFUSED: REFUSED,
}


def pending(folder: Path) -> list[Path]:
    """The callback files waiting at the top of ``folder``, oldest name first."""
    try:
        with os.scandir(folder) as entries:
            names = [e.name for e in entries if e.name.endswith(".json") and e.is_file()]
    except OSError:
        return []
    return [folder / name for name in sorted(names)]


@dataclass
class FolderReport:
    """What one pass over the folder did."""

    attached: int = 0
    duplicates: int = 0
    unmatched: int = 0
    refused: int = 0
    skipped: int = 0  # still being written: left for the next pass
    messages: list[str] = field(default_factory=list)  # refusals and unmatched, to show

    @property
    def total(self) -> int:
        return self.attached + self.duplicates + self.unmatched + self.refused

    def summary(self) -> str:
        parts = [f"{self.attached} recorded"]
        if self.duplicates:
            parts.append(f"{self.duplicates} already known")
        if self.unmatched:
            parts.append(f"{self.unmatched} matching no agreement")
        if self.refused:
            parts.append(f"{self.refused} refused")
        return "Callbacks: " + ", ".join(parts) + "."


def import_folder(
    store: Store,
    profile: Profile,
    folder: Path,
    *,
    server_key: str | None,
    confirm: Confirm | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    cancel: threading.Event | None = None,
    now: Callable[[], float] = time.time,
) -> FolderReport:
    """Import every pending callback file of ``folder`` and file it away (see module doc)."""
    report = FolderReport()
    files = pending(folder)
    touched: set[int] = set()
    for done, path in enumerate(files):
        if cancel is not None and cancel.is_set():
            break
        if progress is not None:
            progress(done, len(files), path.name)
        try:
            raw, signature = read_callback_file(path)
        except OSError as exc:
            report.skipped += 1
            log.warning("cannot read callback file %s: %s", path, exc)
            continue
        result = import_callback(
            store,
            profile,
            raw,
            signature,
            server_key=server_key,
            confirm=confirm,
            source=f"The file {path.name}",
            update_status=False,
        )
        if result.malformed and _recent(path, now()):
            report.skipped += 1
            continue
        _count(report, result)
        if result.agreement_row is not None and result.changed:
            touched.add(result.agreement_row)
        _file_away(path, folder / _DESTINATION[result.outcome], result)
    for row in touched:
        refresh_status(store, row)
    if progress is not None:
        progress(len(files), len(files), "")
    return report


def _recent(path: Path, now: float) -> bool:
    """Written moments ago: a body that does not parse yet may still be being written."""
    try:
        return now - path.stat().st_mtime < SETTLE_SECONDS
    except OSError:
        return False


def _count(report: FolderReport, result: ImportResult) -> None:
    match result.outcome:
        case ImportOutcome.ATTACHED:
            report.attached += 1
        case ImportOutcome.DUPLICATE:
            report.duplicates += 1
        case ImportOutcome.UNMATCHED:
            report.unmatched += 1
            report.messages.append(result.message)
        case ImportOutcome.REFUSED:
            report.refused += 1
            report.messages.append(result.message)


def _file_away(path: Path, destination: Path, result: ImportResult) -> None:
    try:
        destination.mkdir(exist_ok=True)
        for sidecar in (path.with_name(path.name + ".sig"), path.with_suffix(".sig")):
            if sidecar.is_file():
                os.replace(sidecar, destination / sidecar.name)
        os.replace(path, destination / path.name)
        if result.outcome in (ImportOutcome.REFUSED, ImportOutcome.UNMATCHED):
            (destination / (path.name + ".reason.txt")).write_text(
                result.message + "\n", encoding="utf-8"
            )
    except OSError as exc:
        log.warning("could not move %s to %s: %s", path, destination, exc)


def write_callback_file(folder: Path, raw: bytes, signature: str | None, name: str) -> Path:
    """Write one callback as the folder expects it: the signature first, then the body by an
    atomic rename, so a reader never sees a body without its signature."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.json"
    if signature:
        (folder / f"{name}.json.sig").write_text(signature, encoding="utf-8")
    partial = folder / f".{name}.json.part"
    partial.write_bytes(raw)
    os.replace(partial, target)
    return target


# --- a loopback receiver (sandbox mode) --------------------------------------------------------


class LoopbackReceiver:
    """An HTTP endpoint on 127.0.0.1 that writes each POSTed callback into ``folder``.

    In ``--sandbox`` mode the desk gives this URL as the payment request's ``callback``, so the
    built-in sandbox delivers the agreement's callbacks to the app itself, as a merchant's web
    server would. Started with :meth:`start`, stopped with :meth:`stop`.
    """

    def __init__(self, folder: Path, port: int = 0) -> None:
        self.folder = folder
        self._names = count(1)
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length <= 0 or length > MAX_CALLBACK_BYTES:
                    self.send_response(413 if length > 0 else 400)
                    self.end_headers()
                    return
                raw = self.rfile.read(length)
                receiver.write(raw, self.headers.get(SIGNATURE_HEADER))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                log.debug("callback receiver: " + format, *args)

        try:
            self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        except OSError:
            self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/callback"

    def write(self, raw: bytes, signature: str | None) -> Path:
        with self._lock:
            name = f"{time.time_ns()}-{next(self._names):06d}"
        return write_callback_file(self.folder, raw, signature, name)

    def start(self) -> LoopbackReceiver:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="callback-receiver", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(5)
            self._thread = None
        self._server.server_close()


__all__ = [
    "IMPORTED",
    "REFUSED",
    "UNMATCHED",
    "FolderReport",
    "LoopbackReceiver",
    "import_folder",
    "pending",
    "write_callback_file",
]
