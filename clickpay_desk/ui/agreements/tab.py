"""The Agreements tab: repeat billing set up, watched installment by installment, acted on.

Every tab has the same shape for the main window: built with the app's context and the one
``Mutations`` (money moves), told the active profile, and refreshed on F5.

The list shows each agreement with its status (awaiting first payment, active, completed,
failed installment, cancelled); the lower half shows the selected one's schedule beside what
happened, its totals and a chart. Requests and cancels go through ``Mutations`` (journalled);
everything else (loading, callback import, export) through the task runner. Callbacks come from
a pasted body, a ``.json`` file, or a watched folder, polled on a worker; in ``--sandbox`` mode a
loopback receiver writes the sandbox's callbacks into that folder, so installments arrive as the
sandbox clock moves on.

Its parts: ``callbacks`` (callback import and the watched folder) and ``sandbox_demo`` (the demo
agreement, the sandbox menu's questions) are mixins of the tab; ``schedule_panel`` is the lower
half; ``cancel_confirm`` the question asked before a cancel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QItemSelection, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from clickpay_desk.core.money import format_display
from clickpay_desk.core.profile import GatewayKind, Profile
from clickpay_desk.exchange.agreement_export import export_agreements
from clickpay_desk.services import agreements as svc
from clickpay_desk.services.agreements import (
    AgreementRequest,
    AgreementStatus,
    AgreementView,
    InstallmentState,
    ScheduleRow,
)
from clickpay_desk.services.ipn_folder import LoopbackReceiver
from clickpay_desk.services.operations import Operation
from clickpay_desk.store.records import AgreementRecord

from ..context import DeskContext
from ..elided_label import ElidedLabel
from ..empty_hint import EmptyHint
from ..errors import user_message
from ..mutations import Mutation, Mutations
from ..tasks import TaskContext, TaskHandle, TaskKind
from .callbacks import (
    CALLBACK_KEY,
    FOLDER_KEY,
    POLL_MS,
    PORT_KEY,
    SANDBOX_FOLDER,
    CallbackImport,
    _stopper,
)
from .cancel_confirm import ask, cancel_text
from .form import NewAgreementDialog
from .import_dialog import PasteCallbackDialog
from .link import PaymentLinkDialog
from .models import (
    AgreementColumn,
    AgreementsFilter,
    AgreementsModel,
    ScheduleModel,
)
from .sandbox_demo import SandboxDemo
from .schedule_panel import SchedulePanel

#: What the empty list says, by situation.
EMPTY_NO_PROFILE = (
    "Choose a ClickPay profile (File ▸ Profiles) to see its agreements: repeat billing is "
    "ClickPay's."
)
EMPTY_NONE_YET = (
    "No agreements yet.\n\nNew agreement (Ctrl+N) sends the first payment request: give the "
    "customer its payment page (link or QR code). Their first payment starts the agreement, and "
    "ClickPay then charges each installment on its date.\n\nEach installment's callback shows "
    "here as it arrives: Watch a folder (Ctrl+Shift+W) your web server writes callbacks to, or "
    "import them one by one (Ctrl+Shift+V, Ctrl+O)."
)
EMPTY_SANDBOX = (
    "\n\nIn the sandbox you are the customer too: Sandbox ▸ Customer pays (F9) completes "
    "the first payment, and Advance time by… (Shift+F9) charges the installments that fall due."
)
EMPTY_FILTERED = (
    "No agreement matches the status or search. Show all statuses, or clear the search."
)
_WIDTHS: dict[AgreementColumn, int] = {
    AgreementColumn.CART: 130,
    AgreementColumn.AGREEMENT_ID: 85,
    AgreementColumn.DESCRIPTION: 190,
    AgreementColumn.CUSTOMER: 130,
    AgreementColumn.STATUS: 130,
    AgreementColumn.TERMS: 230,
    AgreementColumn.NEXT_DUE: 90,
    AgreementColumn.COLLECTED: 100,
    AgreementColumn.TO_COLLECT: 110,
    AgreementColumn.FAILED: 90,
}


@dataclass(frozen=True)
class _Loaded:
    views: list[AgreementView]
    today: date


class AgreementsTab(CallbackImport, SandboxDemo, QWidget):
    #: A draft invoice for a missed installment: {"description", "currency", "amount" (str),
    #: "customer": {name, email, phone, street, city, state, country, zip}}.
    invoice_requested = Signal(dict)
    #: A sentence for the user (also shown in the tab's own status line).
    message = Signal(str)
    #: The list was reloaded.
    loaded = Signal()
    #: A pass over the callback folder or an import ended (its report or result).
    imported = Signal(object)

    def __init__(
        self, ctx: DeskContext, mutations: Mutations, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.mutations = mutations
        self.profile: Profile | None = None
        self.today: date = datetime.now().date()
        self.folder: Path | None = None
        self.receiver: LoopbackReceiver | None = None
        self._callback_url: str | None = None
        self._loading: TaskHandle | None = None
        self._reload_again = False
        self._importing: TaskHandle | None = None
        self.form: NewAgreementDialog | None = None
        self.link_dialog: PaymentLinkDialog | None = None
        self.paste_dialog: PasteCallbackDialog | None = None
        self._demo_note = ""

        self.model = AgreementsModel(self)
        self.proxy = AgreementsFilter(self)
        self.proxy.setSourceModel(self.model)
        self.schedule = ScheduleModel(self)

        self._build_actions()
        self._build_ui()
        self.mutations.journal_changed.connect(self.refresh)

        self.poll_timer = QTimer(self)
        self.poll_timer.setInterval(POLL_MS)
        self.poll_timer.timeout.connect(self.poll_folder)
        self._receivers: list[LoopbackReceiver] = []
        self.destroyed.connect(_stopper(self._receivers))
        app = QCoreApplication.instance()
        if app is not None:  # the receiver's socket closes at quit even if the tab outlives it
            app.aboutToQuit.connect(_stopper(self._receivers))
        self._update_actions()

    # -- building ---------------------------------------------------------------------------

    def _action(
        self, text: str, slot: Callable[[], object], shortcut: str | None = None, tip: str = ""
    ) -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.setStatusTip(tip)
        action.setToolTip(tip or text.replace("&", "").rstrip("…"))
        action.triggered.connect(lambda _=False: slot())
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.new_action = self._action(
            "&New agreement…",
            self.new_agreement,
            "Ctrl+N",
            "Set up repeat billing: send the customer the first payment request",
        )
        self.link_action = self._action(
            "Payment &link…",
            self.show_link,
            "Ctrl+L",
            "The first payment's page for the customer: copy it, open it, or show its QR code",
        )
        self.cancel_action = self._action(
            "&Cancel agreement…",
            self.cancel_selected,
            "Ctrl+Shift+Del",
            "Cancel at ClickPay: no further installment is charged (you confirm first)",
        )
        self.invoice_action = self._action(
            "&Invoice the missed installment",
            self.invoice_missed,
            "Ctrl+I",
            "A declined installment is not retried: bill it with a new invoice",
        )
        self.paste_action = self._action(
            "Import &callback…",
            self.paste_callback,
            "Ctrl+Shift+V",
            "Paste a callback (IPN) body: its signature is checked, then it is attached",
        )
        self.file_action = self._action(
            "Import callback &file…",
            self.open_callback_files,
            "Ctrl+O",
            "Import callback (IPN) .json files, each attached to its agreement",
        )
        self.watch_action = self._action(
            "&Watch a folder…",
            self.choose_folder,
            "Ctrl+Shift+W",
            "Import every callback your web server writes to a folder",
        )
        self.export_action = self._action(
            "E&xport…",
            self.export,
            "Ctrl+Shift+E",
            "Save the agreements and their installments as an XLSX workbook",
        )

    def _build_ui(self) -> None:
        bar = QToolBar("Agreements")
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for action in (
            self.new_action,
            self.link_action,
            self.cancel_action,
            self.invoice_action,
        ):
            bar.addAction(action)
        bar.addSeparator()
        for action in (self.paste_action, self.file_action, self.watch_action, self.export_action):
            bar.addAction(action)

        self.status_filter = QComboBox()
        self.status_filter.addItem("All statuses", None)
        for status in AgreementStatus:
            self.status_filter.addItem(str(status).capitalize(), status)
        self.status_filter.currentIndexChanged.connect(
            lambda _i: self.proxy.set_status(self.status_filter.currentData())
        )
        self.status_filter.setToolTip("Show only the agreements in this status (Alt+W)")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search cart id, agreement, description, customer…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.set_text)
        status_label = QLabel("Sho&w:")
        status_label.setBuddy(self.status_filter)
        # Ctrl+F, not a mnemonic: the window's Alt+letters are all taken by menus and tabs.
        search_label = QLabel("Search (Ctrl+F):")
        find = QAction("Find", self)
        find.setShortcut(QKeySequence.StandardKey.Find)
        find.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.triggered.connect(lambda _=False: self._focus_search())
        self.addAction(find)
        self.folder_label = ElidedLabel("Callbacks: not watching a folder")
        filters = QHBoxLayout()
        filters.addWidget(status_label)
        filters.addWidget(self.status_filter)
        filters.addWidget(search_label)
        filters.addWidget(self.search, 2)
        filters.addWidget(self.folder_label, 1)

        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(AgreementColumn.CART, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in _WIDTHS.items():
            header.resizeSection(column, width)
        self.table.setAccessibleName("Agreements")
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        for action in (self.link_action, self.cancel_action, self.invoice_action):
            self.table.addAction(action)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.activated.connect(lambda _i: self.show_link())  # Enter or double-click
        self.empty_hint = EmptyHint(self.table)

        self.detail = SchedulePanel(self.schedule)
        # The panel's parts by their names on the tab, as the rest of the tab (and tests) use them.
        self.detail_title = self.detail.detail_title
        self.totals = self.detail.totals
        self.chart = self.detail.chart
        self.schedule_table = self.detail.schedule_table
        self.schedule_table.addAction(self.invoice_action)
        self.schedule_table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.schedule_table.selectionModel().selectionChanged.connect(
            lambda *_: self._update_actions()
        )

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)

        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.progress.setFormat("Importing callbacks: %v of %m")
        self.stop_button = QPushButton("&Stop importing")
        self.stop_button.setToolTip(
            "Stop the callback import; what was imported stays, the rest waits in the folder"
        )
        self.stop_button.setVisible(False)
        self.stop_button.clicked.connect(self._stop_import)
        self.status_line = QLabel()
        self.status_line.setWordWrap(True)
        self.status_line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status_line, 1)
        bottom.addWidget(self.progress)
        bottom.addWidget(self.stop_button)

        layout = QVBoxLayout(self)
        layout.addWidget(bar)
        layout.addLayout(filters)
        layout.addWidget(splitter, 1)
        layout.addLayout(bottom)
        self._show_detail(None)

    def _focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _update_hint(self) -> None:
        """The empty list says what to do: choose a profile, make an agreement, or unfilter."""
        if self.profile is None:
            text = EMPTY_NO_PROFILE
        elif self.model.rowCount() == 0:
            text = "Loading the agreements…" if self._loading is not None else EMPTY_NONE_YET
            if self.sandbox_mode and self._loading is None:
                text += EMPTY_SANDBOX
        else:
            text = EMPTY_FILTERED
        self.empty_hint.set_text(text)

    # -- profile, loading ---------------------------------------------------------------------

    @property
    def sandbox_mode(self) -> bool:
        url = self.ctx.sandbox_url
        profile = self.profile
        return (
            url is not None
            and profile is not None
            and profile.base_url.rstrip("/") == url.rstrip("/")
        )

    def set_profile(self, profile: Profile | None) -> None:
        """The profile every action of this tab works with (None: no profile yet)."""
        if profile is not None and profile.gateway is not GatewayKind.CLICKPAY:
            profile = None  # repeat billing is ClickPay's (reference 002)
        self.profile = profile
        self.model.merge([])
        self._update_actions()
        self._setup_folder()
        self.refresh()
        self._update_hint()

    def refresh(self) -> None:
        """F5: reload what this tab shows (the sandbox's clock too, in sandbox mode)."""
        profile = self.profile
        if profile is None:
            self.model.merge([])
            return
        if self._loading is not None:
            self._reload_again = True
            return
        store = self.ctx.store
        sandbox = self.ctx.sandbox_url if self.sandbox_mode else None

        def adopt(_: TaskContext) -> None:
            svc.adopt_reconciled(store, profile)

        def load(_: TaskContext) -> _Loaded:
            today = datetime.now().date()
            if sandbox is not None:
                from ..sandbox_menu import sandbox_today

                today = sandbox_today(sandbox) or today
            return _Loaded(svc.load_views(store, profile, today), today)

        def then_load(_: None) -> None:
            self._loading = self.ctx.runner.submit(
                load,
                kind=TaskKind.READ,
                on_done=self._loaded,
                on_error=self._load_failed,
                owner=self,
            )

        # Adopting writes: on the one writer thread; the loading (and the sandbox's clock, a
        # network read) then runs on the pool, so neither holds up the other's kind of work.
        self._loading = self.ctx.runner.submit(
            adopt,
            kind=TaskKind.STORE,
            on_done=then_load,
            on_error=self._load_failed,
            owner=self,
        )

    def _loaded(self, loaded: _Loaded) -> None:
        self._loading = None
        self.today = loaded.today
        selected = self.selected_view()
        self.model.merge(loaded.views)
        if selected is not None and selected.record.id is not None:
            self.select(selected.record.id)
        self._show_detail(self.selected_view())
        self._update_actions()
        self._update_hint()
        self.loaded.emit()
        if self._reload_again:
            self._reload_again = False
            self.refresh()

    def _load_failed(self, exc: BaseException) -> None:
        self._loading = None
        self._update_hint()
        self.say(f"Could not load the agreements: {user_message(exc)}")

    def say(self, text: str) -> None:
        self.status_line.setText(text)
        self.message.emit(text)

    # -- selection, detail --------------------------------------------------------------------

    def selected_view(self) -> AgreementView | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        source = self.proxy.mapToSource(rows[0])
        return self.model.view(source.row()) if source.isValid() else None

    def select(self, row_id: int) -> bool:
        row = self.model.row_of(row_id)
        if row is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            return False
        self.table.selectRow(index.row())
        self.table.scrollTo(index)
        return True

    def _selection_changed(self, _new: QItemSelection, _old: QItemSelection) -> None:
        self._show_detail(self.selected_view())
        self._update_actions()

    def _show_detail(self, view: AgreementView | None) -> None:
        if view is None:
            if self.profile is None:
                text = "Choose a ClickPay profile to see its agreements."
            elif self.model.rowCount() == 0:
                text = "An agreement's schedule, totals and chart show here once you make one."
            else:
                text = "Select an agreement (↑/↓ in the list) to see its schedule."
            self.detail.show_nothing(text)
            return
        self.detail.show_view(view, self.today)

    def selected_failed_row(self) -> ScheduleRow | None:
        view = self.selected_view()
        if view is None:
            return None
        rows = self.schedule_table.selectionModel().selectedRows()
        if rows:
            row = self.schedule.row(rows[0].row())
            if row.state is InstallmentState.DECLINED:
                return row
        return view.first_failed

    def _update_actions(self) -> None:
        view = self.selected_view()
        has_profile = self.profile is not None
        no_profile = "Choose a ClickPay profile first (File ▸ Profiles)"
        for action in (self.new_action, self.paste_action, self.file_action, self.watch_action):
            _enable(action, has_profile, no_profile)
        _enable(
            self.export_action,
            has_profile and self.model.rowCount() > 0,
            no_profile if not has_profile else "Nothing to export yet: no agreements",
        )
        if view is None:
            why = "Select an agreement in the list first"
        elif view.redirect_url is None:
            why = "This agreement has no payment page the desk knows of"
        else:
            why = ""
        _enable(self.link_action, not why, why)
        if view is None:
            why = "Select an agreement in the list first"
        elif view.status is AgreementStatus.CANCELLED:
            why = "This agreement is already cancelled"
        elif view.status is AgreementStatus.COMPLETED:
            why = "This agreement is completed: nothing more will be charged"
        elif view.record.agreement_id is None:
            why = (
                "Nothing to cancel yet: the customer has not made the first payment, so ClickPay "
                "has no agreement"
            )
        else:
            why = ""
        _enable(self.cancel_action, not why, why)
        _enable(
            self.invoice_action,
            self.selected_failed_row() is not None,
            "Select an agreement with a declined installment"
            if view is None or view.first_failed is None
            else "Select the declined installment in the schedule",
        )

    # -- new agreement --------------------------------------------------------------------------

    def new_agreement(self) -> NewAgreementDialog | None:
        profile = self.profile
        if profile is None:
            self.say("Choose a ClickPay profile first (File ▸ Profiles).")
            return None
        fixed = self.receiver is not None
        callback = self.receiver.url if self.receiver is not None else self._callback_url
        dialog = NewAgreementDialog(
            self.today,
            currency=profile.currency,
            language=profile.language,
            callback=callback,
            callback_fixed=fixed,
            parent=self,
        )
        dialog.accepted.connect(lambda: self._send_from(dialog, remember=not fixed))
        self.form = dialog
        dialog.open()
        return dialog

    def _send_from(self, dialog: NewAgreementDialog, *, remember: bool) -> None:
        request = dialog.request()
        if remember and request.callback != self._callback_url:
            # The merchant's callback address rarely changes: offer it next time.
            self._callback_url = request.callback
            self.ctx.writer.submit(self.ctx.store.set_setting, CALLBACK_KEY, request.callback)
        self.send_request(request)

    def send_request(self, request: AgreementRequest) -> TaskHandle | None:
        profile = self.profile
        if profile is None:
            return None
        store, pool, today = self.ctx.store, self.ctx.pool, self.today
        mutation = Mutation(
            f"Sending the agreement request “{request.cart_id}”",
            Operation.AGREEMENT_REQUEST,
            svc.subject_of(request.cart_id),
        )

        def call(ctx: TaskContext) -> AgreementRecord:
            return svc.request_agreement(
                store, pool, profile, request, today=today, cancel=ctx.cancelled
            )

        return self.mutations.submit(
            mutation,
            call,
            describe=lambda r: f"payment page ready for {r.cart_id}",
            on_done=self._requested,
            on_error=lambda exc: self.say(f"The agreement was not created: {user_message(exc)}"),
            owner=self,
        )

    def _requested(self, record: AgreementRecord) -> None:
        self.say(
            f"Agreement request {record.cart_id} sent. Give the customer the payment page: "
            "their first payment sets the agreement up."
        )
        self.refresh()
        if record.id is not None:
            self.loaded.connect(
                lambda: self.select(record.id or 0), Qt.ConnectionType.SingleShotConnection
            )
        url = record.payload.get("redirect_url")
        if isinstance(url, str):
            self._open_link(url, record.cart_id)

    def show_link(self) -> None:
        view = self.selected_view()
        if view is None or view.redirect_url is None:
            return
        self._open_link(view.redirect_url, view.record.cart_id)

    def _open_link(self, url: str, cart_id: str) -> None:
        self.link_dialog = PaymentLinkDialog(
            url,
            f"Send this page to the customer for the first payment of {cart_id}. The agreement "
            "starts when they pay.",
            self,
        )
        self.link_dialog.open()

    # -- cancel -----------------------------------------------------------------------------------

    def _confirm(self, title: str, text: str) -> bool:
        return ask(self, title, text)

    def cancel_selected(self) -> TaskHandle | None:
        view = self.selected_view()
        profile = self.profile
        if view is None or profile is None or view.record.agreement_id is None:
            return None
        if not self._confirm("Cancel the agreement", cancel_text(view)):
            return None
        store, pool, record = self.ctx.store, self.ctx.pool, view.record
        mutation = Mutation(
            f"Cancelling the agreement {record.agreement_id}",
            Operation.AGREEMENT_CANCEL,
            svc.subject_of(record.cart_id),
        )

        def call(ctx: TaskContext) -> AgreementRecord:
            return svc.cancel_agreement(store, pool, profile, record, cancel=ctx.cancelled)

        def done(updated: AgreementRecord) -> None:
            answer = updated.payload.get("cancel") or {}
            self.say(
                f"Agreement {updated.agreement_id} cancelled. ClickPay answered: "
                f"“{answer.get('message')}” (trace {answer.get('trace')})."
            )
            self.refresh()

        return self.mutations.submit(
            mutation,
            call,
            describe=lambda r: "no further installments will be charged",
            on_done=done,
            on_error=lambda exc: self.say(f"The agreement was not cancelled: {user_message(exc)}"),
            owner=self,
        )

    # -- invoice the missed installment -----------------------------------------------------------

    def invoice_missed(self) -> dict[str, object] | None:
        view = self.selected_view()
        row = self.selected_failed_row()
        if view is None or row is None:
            return None
        draft = svc.missed_installment_invoice(view, row)
        self.invoice_requested.emit(draft)
        store, record = self.ctx.store, view.record

        def work(_: TaskContext) -> AgreementRecord:
            return svc.mark_invoiced(store, record, row.number)

        self.ctx.runner.submit(
            work, kind=TaskKind.STORE, on_done=lambda _r: self.refresh(), owner=self
        )
        self.say(
            f"A draft invoice for installment {row.number} "
            f"({format_display(row.amount, row.currency)}) was opened in the Invoices tab."
        )
        return draft

    # -- export ------------------------------------------------------------------------------------

    def export(self) -> None:
        default = self.ctx.paths.exports_dir / f"agreements-{datetime.now(UTC):%Y%m%d}.xlsx"
        path, _ = QFileDialog.getSaveFileName(
            self, "Export agreements", str(default), "Excel workbook (*.xlsx)"
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> TaskHandle:
        views = self.model.views()

        def work(_: TaskContext) -> Path:
            return export_agreements(views, path)

        return self.ctx.runner.submit(
            work,
            kind=TaskKind.READ,
            title="Exporting agreements",
            on_done=lambda p: self.say(f"Exported {len(views)} agreements to {p}."),
            on_error=lambda exc: self.say(f"The export failed: {user_message(exc)}"),
            owner=self,
        )


def _enable(action: QAction, enabled: bool, why_not: str) -> None:
    """Enable ``action``; when it is off, its tooltip and status tip say why."""
    action.setEnabled(enabled)
    base = action.property("tip") or action.toolTip()
    action.setProperty("tip", base)
    text = base if enabled or not why_not else f"{base} — {why_not}"
    shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    action.setToolTip(f"{text} ({shortcut})" if shortcut else text)
    action.setStatusTip(text)


__all__ = [
    "CALLBACK_KEY",
    "FOLDER_KEY",
    "POLL_MS",
    "PORT_KEY",
    "SANDBOX_FOLDER",
    "AgreementsTab",
    "cancel_text",
]
