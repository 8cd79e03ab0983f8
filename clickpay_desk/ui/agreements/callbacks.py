"""The Agreements tab's callbacks: pasted, from ``.json`` files, or from a watched folder.

The folder is polled on a worker, one pass at a time; in ``--sandbox`` mode a loopback receiver
writes the sandbox's callbacks into it, so installments arrive as the sandbox clock moves on.
A mixin of ``AgreementsTab``: it works on the tab's profile, status line and progress bar.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFileDialog, QProgressBar, QPushButton, QWidget

from clickpay_desk.core.profile import Profile
from clickpay_desk.gateway.errors import GatewayUnavailable
from clickpay_desk.gateway.models import Transaction
from clickpay_desk.services import agreements as svc
from clickpay_desk.services.agreements import ImportResult
from clickpay_desk.services.clients import MissingSecret
from clickpay_desk.services.ipn_folder import FolderReport, LoopbackReceiver, import_folder

from ..context import DeskContext
from ..elided_label import ElidedLabel
from ..errors import user_message
from ..tasks import TaskContext, TaskHandle, TaskKind
from .import_dialog import PasteCallbackDialog

if TYPE_CHECKING:
    from PySide6.QtCore import Signal

    _Base = QWidget
else:
    _Base = object

#: Settings keys.
FOLDER_KEY = "agreements.callback_folder"
PORT_KEY = "agreements.sandbox_callback_port"
CALLBACK_KEY = "agreements.callback_url"
#: How often the watched folder is looked at.
POLL_MS = 1500
SANDBOX_FOLDER = "sandbox-callbacks"


class CallbackImport(_Base):
    """Import callbacks into the tab's profile; watch a folder for them."""

    ctx: DeskContext
    profile: Profile | None
    folder: Path | None
    receiver: LoopbackReceiver | None
    paste_dialog: PasteCallbackDialog | None
    poll_timer: QTimer
    folder_label: ElidedLabel
    progress: QProgressBar
    stop_button: QPushButton
    _callback_url: str | None
    _importing: TaskHandle | None
    _receivers: list[LoopbackReceiver]
    _demo_note: str

    if TYPE_CHECKING:  # the tab's, and the sandbox demo's (stubs here would shadow them)
        imported: Signal

        @property
        def sandbox_mode(self) -> bool: ...

        def say(self, text: str) -> None: ...

        def refresh(self) -> None: ...

        def offer_demo(self) -> TaskHandle | None: ...

    def _importer(self) -> Callable[[TaskContext], tuple[str | None, svc.Confirm | None]]:
        """In a worker: the server key to verify with and a confirming read (or None)."""
        profile = self.profile
        secrets, pool = self.ctx.secrets, self.ctx.pool

        def prepare(_: TaskContext) -> tuple[str | None, svc.Confirm | None]:
            assert profile is not None
            key = secrets.get(profile.secret_name)
            if not key:
                return None, None
            try:
                client = pool.clickpay(profile)
            except MissingSecret:
                return key, None
            unreachable: list[bool] = []

            def confirm(tran_ref: str) -> Transaction:
                # One unreachable gateway is enough: the rest stay unconfirmed, not each retried.
                if unreachable:
                    raise GatewayUnavailable("ClickPay did not answer a moment ago.")
                try:
                    return client.query_transaction(tran_ref=tran_ref)
                except GatewayUnavailable:
                    unreachable.append(True)
                    raise

            return key, confirm

        return prepare

    def paste_callback(self) -> PasteCallbackDialog | None:
        if self.profile is None:
            return None
        dialog = PasteCallbackDialog(self)
        dialog.accepted.connect(lambda: self.import_raw(dialog.raw(), dialog.signature_value()))
        self.paste_dialog = dialog
        dialog.open()
        return dialog

    def import_raw(
        self, raw: bytes, signature: str | None, source: str = "The callback"
    ) -> TaskHandle | None:
        profile = self.profile
        if profile is None:
            return None
        store, prepare = self.ctx.store, self._importer()

        def work(ctx: TaskContext) -> ImportResult:
            key, confirm = prepare(ctx)
            return svc.import_callback(
                store, profile, raw, signature, server_key=key, confirm=confirm, source=source
            )

        def done(result: ImportResult) -> None:
            self.say(result.message)
            self.imported.emit(result)
            if result.changed:
                self.refresh()

        return self.ctx.runner.submit(
            work,
            title="Importing a callback",
            on_done=done,
            on_error=self._import_failed,
            owner=self,
        )

    def open_callback_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Import callback files", "", "Callbacks (*.json);;All files (*)"
        )
        if paths:
            self.import_files([Path(p) for p in paths])

    def import_files(self, paths: Sequence[Path]) -> TaskHandle | None:
        profile = self.profile
        if profile is None:
            return None
        store, prepare = self.ctx.store, self._importer()

        def work(ctx: TaskContext) -> list[ImportResult]:
            key, confirm = prepare(ctx)
            results: list[ImportResult] = []
            for done, path in enumerate(paths):
                ctx.check_cancelled()
                ctx.progress(done, len(paths), path.name)
                try:
                    raw, signature = svc.read_callback_file(path)
                except OSError as exc:
                    results.append(
                        ImportResult(svc.ImportOutcome.REFUSED, f"Cannot read {path.name}: {exc}")
                    )
                    continue
                results.append(
                    svc.import_callback(
                        store,
                        profile,
                        raw,
                        signature,
                        server_key=key,
                        confirm=confirm,
                        source=f"The file {path.name}",
                    )
                )
            return results

        def done(results: list[ImportResult]) -> None:
            self.say(" ".join(r.message for r in results[:5]))
            for result in results:
                self.imported.emit(result)
            if any(r.changed for r in results):
                self.refresh()

        return self.ctx.runner.submit(
            work,
            title="Importing callback files",
            on_done=done,
            on_error=self._import_failed,
            owner=self,
        )

    def _import_failed(self, exc: BaseException) -> None:
        self.say(f"The callback import stopped: {user_message(exc)}")

    # -- the watched folder ------------------------------------------------------------------------

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Folder your web server writes callbacks to"
        )
        if folder:
            self.watch_folder(Path(folder))

    def watch_folder(self, folder: Path | None, *, remember: bool = True) -> None:
        """Import every callback written to ``folder`` (None: stop watching)."""
        self.folder = folder
        if folder is None:
            self.poll_timer.stop()
            self.folder_label.setText("Callbacks: not watching a folder")
            self.folder_label.setToolTip(
                "Watch a folder… (Ctrl+Shift+W): import every callback your web server writes "
                "there, as it arrives."
            )
        else:
            # The folder's name fits beside the search; the whole path is in the tooltip.
            self.folder_label.setText(f"Callbacks: watching “{folder.name or folder}”")
            self.folder_label.setToolTip(
                f"Watching {folder}\n\nEach .json file (with its .json.sig signature) is "
                "imported, then moved to imported/, unmatched/ or refused/ (with the reason). "
                "Watch a folder… (Ctrl+Shift+W) chooses another."
            )
            self.poll_timer.start()
            self.poll_folder()
        if remember and not self.sandbox_mode:
            self.ctx.writer.submit(
                self.ctx.store.set_setting, FOLDER_KEY, str(folder) if folder else None
            )

    def _setup_folder(self) -> None:
        """Sandbox mode: start the loopback receiver and watch its folder. Else: the saved one."""
        if self.profile is None:
            self.watch_folder(None, remember=False)
            return
        store = self.ctx.store
        if self.sandbox_mode:
            if self.receiver is not None:
                self.watch_folder(self.receiver.folder, remember=False)
                return
            folder = self.ctx.paths.root / SANDBOX_FOLDER

            def start(_: TaskContext) -> LoopbackReceiver:
                port = store.get_setting(PORT_KEY) or 0
                receiver = LoopbackReceiver(folder, int(port)).start()
                store.set_setting(PORT_KEY, receiver.port)
                return receiver

            def started(receiver: LoopbackReceiver) -> None:
                if self.receiver is not None:  # pragma: no cover - two quick profile switches
                    receiver.stop()
                    return
                self.receiver = receiver
                self._receivers.append(receiver)
                self.watch_folder(receiver.folder, remember=False)
                self.offer_demo()

            self.ctx.runner.submit(
                start,
                kind=TaskKind.STORE,
                on_done=started,
                on_error=self._import_failed,
                owner=self,
            )
            return

        def saved(_: TaskContext) -> tuple[str | None, str | None]:
            folder, url = store.get_setting(FOLDER_KEY), store.get_setting(CALLBACK_KEY)
            return (
                folder if isinstance(folder, str) else None,
                url if isinstance(url, str) else None,
            )

        def restore(values: tuple[str | None, str | None]) -> None:
            folder, self._callback_url = values
            self.watch_folder(Path(folder) if folder else None, remember=False)

        self.ctx.runner.submit(saved, kind=TaskKind.READ, on_done=restore, owner=self)

    def poll_folder(self) -> TaskHandle | None:
        """Import what waits in the watched folder, on a worker (one pass at a time)."""
        profile, folder = self.profile, self.folder
        if profile is None or folder is None or self._importing is not None:
            return None
        store, prepare = self.ctx.store, self._importer()

        def work(ctx: TaskContext) -> FolderReport:
            from clickpay_desk.services.ipn_folder import pending

            if not pending(folder):
                return FolderReport()
            key, confirm = prepare(ctx)
            return import_folder(
                store,
                profile,
                folder,
                server_key=key,
                confirm=confirm,
                progress=ctx.progress,
                cancel=ctx.cancelled,
            )

        self._importing = self.ctx.runner.submit(
            work,
            on_done=self._folder_done,
            on_error=self._folder_failed,
            on_progress=self._folder_progress,
            on_cancelled=lambda: self._folder_done(None),
            owner=self,
        )
        return self._importing

    def _folder_progress(self, done: int, total: int, _text: str) -> None:
        if total > 1:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            self.progress.setVisible(done < total)
            self.stop_button.setVisible(done < total)

    def _stop_import(self) -> None:
        if self._importing is not None:
            self._importing.cancel()

    def _folder_done(self, report: FolderReport | None) -> None:
        self._importing = None
        self.progress.setVisible(False)
        self.stop_button.setVisible(False)
        if report is None or report.total == 0:
            return
        text = report.summary()
        if report.messages:
            text += " " + report.messages[0]
        if self._demo_note:  # the demo's callbacks: say again what the demo did and what next
            text += " " + self._demo_note
            self._demo_note = ""
        self.say(text)
        self.imported.emit(report)
        self.refresh()

    def _folder_failed(self, exc: BaseException) -> None:
        self._importing = None
        self.progress.setVisible(False)
        self.stop_button.setVisible(False)
        self.say(f"Could not import the callback folder: {user_message(exc)}")

    def shutdown(self) -> None:
        self.poll_timer.stop()
        _stopper(self._receivers)()
        self.receiver = None


def _stopper(receivers: list[LoopbackReceiver]) -> Callable[[], None]:
    # Closes over the list, not the tab: the tab is not kept alive by its own signal.
    def stop() -> None:
        while receivers:
            receivers.pop().stop()

    return stop
