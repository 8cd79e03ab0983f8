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
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
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
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from clickpay_desk.core.money import format_amount
from clickpay_desk.core.profile import GatewayKind, Profile
from clickpay_desk.exchange.agreement_export import export_agreements
from clickpay_desk.gateway.errors import GatewayUnavailable
from clickpay_desk.gateway.models import Transaction
from clickpay_desk.services import agreements as svc
from clickpay_desk.services.agreements import (
    AgreementRequest,
    AgreementStatus,
    AgreementView,
    ImportResult,
    InstallmentState,
    ScheduleRow,
)
from clickpay_desk.services.clients import MissingSecret
from clickpay_desk.services.ipn_folder import FolderReport, LoopbackReceiver, import_folder
from clickpay_desk.services.operations import Operation
from clickpay_desk.services.sandbox_demo import DEMO_DESCRIPTION as DEMO_TITLE
from clickpay_desk.services.sandbox_demo import (
    DemoAgreement,
    create_demo_agreement,
    demo_agreement_wanted,
)
from clickpay_desk.store.records import AgreementRecord

from ..context import DeskContext
from ..elided_label import ElidedLabel
from ..empty_hint import EmptyHint
from ..errors import user_message
from ..mutations import Mutation, Mutations
from ..tasks import TaskContext, TaskHandle, TaskKind
from .chart import ScheduleChart
from .form import NewAgreementDialog
from .import_dialog import PasteCallbackDialog
from .link import PaymentLinkDialog
from .models import (
    AgreementColumn,
    AgreementsFilter,
    AgreementsModel,
    ScheduleModel,
    money,
    terms_text,
)

log = logging.getLogger(__name__)

#: Settings keys.
FOLDER_KEY = "agreements.callback_folder"
PORT_KEY = "agreements.sandbox_callback_port"
CALLBACK_KEY = "agreements.callback_url"
#: How often the watched folder is looked at.
POLL_MS = 1500
SANDBOX_FOLDER = "sandbox-callbacks"
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


def cancel_text(view: AgreementView) -> str:
    """What a cancel stops: the installments still to come and their sum."""
    upcoming = [r for r in view.rows if r.state is InstallmentState.NOT_DUE]
    name = view.record.agreement_id or view.record.cart_id
    head = f"Cancel agreement {name} ({view.description})?"
    if not upcoming:
        return head + "\n\nNo further installment is scheduled; nothing more would be charged."
    shown = [
        f"• installment {r.number} on {r.due_date.isoformat()}: {money(r.amount, r.currency)}"
        for r in upcoming[:5]
    ]
    if len(upcoming) > 5:
        shown.append(f"• … and {len(upcoming) - 5} more")
    total = sum((r.amount for r in upcoming), start=upcoming[0].amount * 0)
    if view.open_ended:
        tail = (
            f"It repeats until cancelled: the next 12 months alone are {len(upcoming)} "
            f"installments, {money(total, view.currency)}."
        )
    else:
        tail = (
            f"{len(upcoming)} installments, {money(total, view.currency)} in all, will no "
            "longer be charged."
        )
    return (
        head
        + "\n\nClickPay will no longer charge the customer:\n"
        + "\n".join(shown)
        + f"\n\n{tail}\nA cancelled agreement cannot be restarted."
    )


class AgreementsTab(QWidget):
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

        self.detail_title = QLabel()
        self.detail_title.setWordWrap(True)
        self.totals = QLabel()
        self.totals.setWordWrap(True)
        self.chart = ScheduleChart()
        self.schedule_table = QTableView()
        self.schedule_table.setModel(self.schedule)
        self.schedule_table.verticalHeader().hide()
        self.schedule_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.schedule_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.schedule_table.horizontalHeader().setStretchLastSection(True)
        self.schedule_table.setWordWrap(False)
        self.schedule_table.setAccessibleName("Schedule")
        self.schedule_table.addAction(self.invoice_action)
        self.schedule_table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.schedule_table.selectionModel().selectionChanged.connect(
            lambda *_: self._update_actions()
        )

        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(self.detail_title)
        detail_layout.addWidget(self.totals)
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self.schedule_table)
        lower.addWidget(self.chart)
        lower.setStretchFactor(0, 3)
        lower.setStretchFactor(1, 2)
        lower.setSizes([760, 500])
        detail_layout.addWidget(lower, 1)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(detail)
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

        def work(_: TaskContext) -> _Loaded:
            today = datetime.now().date()
            if sandbox is not None:
                from ..sandbox_menu import sandbox_today

                today = sandbox_today(sandbox) or today
            svc.adopt_reconciled(store, profile)
            return _Loaded(svc.load_views(store, profile, today), today)

        self._loading = self.ctx.runner.submit(
            work,
            kind=TaskKind.READ,
            on_done=self._loaded,
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
            self.schedule.set_rows([])
            self.chart.set_rows([], None)
            if self.profile is None:
                text = "Choose a ClickPay profile to see its agreements."
            elif self.model.rowCount() == 0:
                text = "An agreement's schedule, totals and chart show here once you make one."
            else:
                text = "Select an agreement (↑/↓ in the list) to see its schedule."
            self.detail_title.setText(text)
            self.totals.setText("")
            return
        self.schedule.set_rows(view.rows)
        if len(view.rows) <= 200:  # measuring is cheap for a schedule, not for a long one
            self.schedule_table.resizeColumnsToContents()
        self.chart.set_rows(view.rows, self.today)
        name = view.record.agreement_id or "no agreement id yet"
        self.detail_title.setText(
            f"<b>{_escape(view.description)}</b> — {_escape(view.customer.get('name', ''))} — "
            f"{view.record.cart_id} ({name}) — {str(view.status).capitalize()} — "
            f"{_escape(terms_text(view))}"
        )
        horizon = " (next 12 months; it repeats until cancelled)" if view.open_ended else ""
        text = (
            f"Collected {money(view.collected, view.currency)} · still to collect "
            f"{money(view.to_collect, view.currency)}{horizon} · failed "
            f"{money(view.failed, view.currency)}"
        )
        cancel = view.cancel_info
        if cancel:
            text += f" · cancel answer: {cancel.get('message')} (trace {cancel.get('trace')})"
        if view.status is AgreementStatus.FAILED:
            text += " · an installment was declined and will not be retried: invoice it"
        text += f" · today {self.today.isoformat()}"
        self.totals.setText(text)

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
        answer = QMessageBox.question(
            self,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

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
            f"({money(row.amount, row.currency)}) was opened in the Invoices tab."
        )
        return draft

    # -- callbacks -------------------------------------------------------------------------------

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

    # -- sandbox -----------------------------------------------------------------------------------

    def sandbox_changed(self) -> None:
        """The sandbox clock moved or a customer paid: look at the folder and reload now."""
        self.poll_folder()
        self.refresh()

    def offer_demo(self) -> TaskHandle | None:
        """First ``--sandbox`` start: make the demo agreement (once per data folder).

        A real one: the journalled request, the sandbox's customer pays, its clock moves on a
        day and the first installment's callback arrives in the watched folder like any other.
        """
        profile, url, receiver = self.profile, self.ctx.sandbox_url, self.receiver
        if not self.sandbox_mode or profile is None or url is None or receiver is None:
            return None
        store = self.ctx.store

        def wanted(_: TaskContext) -> bool:
            return demo_agreement_wanted(store, profile, url)

        return self.ctx.runner.submit(
            wanted,
            kind=TaskKind.READ,
            on_done=self._demo_wanted,
            on_error=lambda exc: log.warning("no demo agreement: %s", exc),
            owner=self,
        )

    def _demo_wanted(self, wanted: bool) -> None:
        if wanted:
            self._make_demo()

    def _make_demo(self) -> TaskHandle | None:
        profile, url, receiver = self.profile, self.ctx.sandbox_url, self.receiver
        if profile is None or url is None or receiver is None:
            return None
        store, pool = self.ctx.store, self.ctx.pool
        cart_id = svc.new_cart_id(self.today)
        callback = receiver.url
        mutation = Mutation(
            "Setting up the sandbox's demo agreement",
            Operation.AGREEMENT_REQUEST,
            svc.subject_of(cart_id),
        )

        def call(ctx: TaskContext) -> DemoAgreement:
            return create_demo_agreement(
                store, pool, profile, url, cart_id=cart_id, callback=callback, cancel=ctx.cancelled
            )

        def done(demo: DemoAgreement) -> None:
            self._demo_note = (
                f"Sandbox demo: the agreement {demo.record.cart_id} (“{DEMO_TITLE}”) was "
                "requested, the sandbox's customer paid its first payment, and its clock moved "
                "on a day so the first installment was charged; their callbacks are being "
                "imported. Sandbox ▸ Advance time by… (Shift+F9) charges the next ones."
            )
            self.say(self._demo_note)
            record_id = demo.record.id
            if record_id is not None:
                self.loaded.connect(
                    lambda: self.select(record_id), Qt.ConnectionType.SingleShotConnection
                )
            self.sandbox_changed()

        return self.mutations.submit(
            mutation,
            call,
            describe=lambda d: f"agreement {d.record.cart_id}",
            on_done=done,
            on_error=lambda exc: self.say(
                f"The sandbox's demo agreement was not set up: {user_message(exc)}"
            ),
            owner=self,
        )

    def awaiting_payments(self) -> list[tuple[str, str]]:
        """(tran_ref, label) of the loaded agreements still waiting for the first payment."""
        return [
            (
                v.record.tran_ref,
                f"{v.record.cart_id} — {v.description} — "
                f"{format_amount(v.record.initial_amount, v.currency)} {v.currency}",
            )
            for v in self.model.views()
            if v.status is AgreementStatus.AWAITING and v.record.tran_ref
        ]

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


def _enable(action: QAction, enabled: bool, why_not: str) -> None:
    """Enable ``action``; when it is off, its tooltip and status tip say why."""
    action.setEnabled(enabled)
    base = action.property("tip") or action.toolTip()
    action.setProperty("tip", base)
    text = base if enabled or not why_not else f"{base} — {why_not}"
    shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    action.setToolTip(f"{text} ({shortcut})" if shortcut else text)
    action.setStatusTip(text)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


__all__ = ["AgreementsTab", "cancel_text"]
