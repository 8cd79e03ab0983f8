"""The Payouts tab: build a batch (import, edit, check), submit it safely, track and export it.

The entries live in ``PayoutEntriesModel`` (validation per row, undo); the form above them names
the batch (order id, deposit account, currency, chunk size). Unsaved work is a draft (DraftSaver,
per profile). Submit saves the batch to the store and runs ``services.payouts.submit_batch``
through ``Mutations`` with progress and Cancel (between chunks). Tracking reads run through the
task runner; a timer refreshes a batch that is still being processed.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QRegularExpression, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from clickpay_desk.core.money import normalize_currency, quantize
from clickpay_desk.core.profile import GatewayKind, Profile
from clickpay_desk.core.rules import RuleViolation, ValidationError
from clickpay_desk.exchange import payout_export, payout_import, payout_template
from clickpay_desk.exchange.payout_headers import heading_currency
from clickpay_desk.gateway.models import ENTRY_QUERY_STATUSES
from clickpay_desk.services import payouts
from clickpay_desk.services.operations import Operation
from clickpay_desk.services.sandbox_demo import (
    DEMO_BAD_ROW,
    claim_demo_payout_draft,
    demo_payout_rows,
)
from clickpay_desk.store.records import BatchEntryRecord, BatchRecord

from ..context import DeskContext
from ..drafts import DraftSaver
from ..empty_hint import EmptyHint
from ..errors import user_message
from ..mutations import Mutation, Mutations
from ..record_model import SourceSortedProxy
from ..tasks import TaskHandle, TaskKind
from .delegates import TransferCodeDelegate
from .entries_model import (
    CELL_MARK,
    COLUMN_OF,
    FILTER_ROLE,
    ROW_ROLE,
    EntryColumn,
    EntryRow,
    PayoutEntriesModel,
    ProblemsModel,
    check_row,
    imported_entry,
)
from .mapping_dialog import MappingDialog

DRAFT_KIND = "payout_batch"
MAPPING_SETTING = "payouts.mapping.{profile_id}"
AUTO_REFRESH_MS = 30_000
ALL_STATUSES = "All entries"
#: What the empty table says, by situation.
EMPTY_NO_PROFILE = "Choose a ClickPay profile (File ▸ Profiles) to build a payout batch."
EMPTY_NOT_CLICKPAY = "Payouts are ClickPay's: choose a ClickPay profile to build a payout batch."
EMPTY_BATCH = (
    "No entries yet.\n\nImport a spreadsheet (Ctrl+I): XLSX or CSV, any header names, Arabic "
    "too; or Save template… (Ctrl+Shift+T) to start from ours; or Add entry (Ctrl+Shift+A) to "
    "type them in.\n\nEvery cell is checked as it comes in; problems are listed below."
)
EMPTY_FILTERED = "No entry matches the filter. Clear it (Esc in the filter box) to see them all."
EMPTY_STATUS = "No {status} entries. Choose “All entries” in Query to see them all."
NO_PROBLEMS = "No problems found: every entry passes the checks."
PROBLEMS_LATER = "Problems in the entries are listed here; click one to go to its cell."
#: Starting widths (pixels) of the columns whose values are long; the rest keep Qt's default.
COLUMN_WIDTHS = {
    EntryColumn.ROW: 55,
    EntryColumn.REFERENCE: 170,
    EntryColumn.NAME: 160,
    EntryColumn.COUNTRY: 65,
    EntryColumn.IBAN: 220,
    EntryColumn.EMAIL: 190,
    EntryColumn.MOBILE: 130,
    EntryColumn.TRANSFER: 120,
    EntryColumn.MESSAGE: 220,
}


class EntryFilter(SourceSortedProxy):
    """Text filter over every cell and a status filter, both one regular expression that Qt
    matches on the model's FILTER_ROLE; the entries model sorts its own rows by the raw values.

    No Python ``filterAcceptsRow``: after each sort Qt checks every row again, and with no
    filter set it then keeps them all without a call into Python (30,000 calls saved)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFilterRole(FILTER_ROLE)
        self.setFilterKeyColumn(0)
        self._status: str | None = None
        self._text = ""

    def setFilterFixedString(self, pattern: str) -> None:
        """Keep the entries with ``pattern`` in a cell (any case)."""
        self._text = pattern
        self._apply()

    @property
    def status(self) -> str | None:
        """The gateway status shown (None: every entry)."""
        return self._status

    def set_status(self, status: str | None) -> None:
        """Show only entries in this gateway status (None: every entry)."""
        self._status = status
        self._apply()

    def _apply(self) -> None:
        if self._status is None and not self._text:
            expression = QRegularExpression()  # empty: every row kept, nothing asked
        else:
            status = QRegularExpression.escape(self._status) if self._status else f"[^{CELL_MARK}]*"
            cells = f".*{CELL_MARK}[^{CELL_MARK}]*{QRegularExpression.escape(self._text)}"
            expression = QRegularExpression(
                f"^{status}{cells}" if self._text else f"^{status}{CELL_MARK}",
                QRegularExpression.PatternOption.CaseInsensitiveOption
                | QRegularExpression.PatternOption.DotMatchesEverythingOption,
            )
        self.setFilterRegularExpression(expression)


class PayoutsTab(QWidget):
    def __init__(
        self, ctx: DeskContext, mutations: Mutations, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.mutations = mutations
        self.profile: Profile | None = None
        self.batch: BatchRecord | None = None  # the stored batch shown (None: a new draft)
        self._submission: TaskHandle | None = None
        self._submitted_id: dict[str, int] = {}  # the batch the running submission saved
        self._reopening = False  # Submit waits until the batch it left behind is shown again
        self._loading = False

        self.undo = QUndoStack(self)
        self.model = PayoutEntriesModel(self.undo, self)
        self.proxy = EntryFilter(self)
        self.proxy.setSourceModel(self.model)
        self.problems = ProblemsModel(self.model, self)
        self.drafts = DraftSaver(ctx.runner, ctx.store, DRAFT_KIND, self._collect, self)
        self._throttle = QTimer(self)
        self._throttle.setSingleShot(True)
        self._throttle.setInterval(150)
        self._throttle.timeout.connect(self._summary_now)
        self._auto = QTimer(self)
        self._auto.setInterval(AUTO_REFRESH_MS)
        self._auto.timeout.connect(self._auto_refresh)

        self._build()
        self._make_actions()
        self.model.summary_changed.connect(self._summary_soon)
        self.model.summary_changed.connect(self._edited)
        self._update_state()

    # -- layout ----------------------------------------------------------------------------

    def _build(self) -> None:
        self.batch_combo = QComboBox()
        self.batch_combo.setToolTip("Saved batches of this profile")
        self.batch_combo.activated.connect(self._open_selected)
        self.order_edit = QLineEdit()
        self.order_edit.setToolTip("The merchant's batch reference (order_id), unique per batch")
        self.account_edit = QLineEdit()
        self.account_edit.setToolTip("The deposit account id the transfers are paid from")
        self.currency_edit = QLineEdit("SAR")
        self.currency_edit.setMaximumWidth(70)
        self.currency_edit.editingFinished.connect(self._currency_changed)
        self.chunk_spin = QSpinBox()
        self.chunk_spin.setRange(1, payouts.MAX_CHUNK_SIZE)
        self.chunk_spin.setValue(payouts.DEFAULT_CHUNK_SIZE)
        self.chunk_spin.setToolTip("Entries sent per batch/add request")
        for edit in (self.order_edit, self.account_edit):
            edit.textEdited.connect(lambda _t: self._edited())
        self.chunk_spin.valueChanged.connect(lambda _v: self._edited())

        form = QFormLayout()
        top = QHBoxLayout()
        top.addWidget(self.batch_combo, 2)
        batch_label = QLabel("&Batch")
        batch_label.setBuddy(self.batch_combo)
        form.addRow(batch_label, top)
        line = QHBoxLayout()
        for label, widget in (
            ("&Order id", self.order_edit),
            ("&Deposit account", self.account_edit),
            ("C&urrency", self.currency_edit),
            ("Chun&k size", self.chunk_spin),
        ):
            caption = QLabel(label)
            caption.setBuddy(widget)
            line.addWidget(caption)
            line.addWidget(widget)
        form.addRow(line)

        self.toolbar = QToolBar("Payouts")
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter entries…")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self.proxy.setFilterFixedString)
        self.status_combo = QComboBox()
        self.status_combo.addItem(ALL_STATUSES, None)
        for status in ENTRY_QUERY_STATUSES:
            self.status_combo.addItem(status.capitalize(), status)
        self.status_combo.setToolTip(
            "Which entries Refresh status (Ctrl+R) asks the gateway for, once the batch is sent"
        )
        self.status_combo.currentIndexChanged.connect(self._query_changed)

        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(EntryColumn.ROW, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.transfer_delegate = TransferCodeDelegate(self.table)
        self.table.setItemDelegateForColumn(EntryColumn.TRANSFER, self.transfer_delegate)
        header = self.table.horizontalHeader()
        for column, width in COLUMN_WIDTHS.items():
            header.resizeSection(column, width)
        # What the gateway says sits beside the amount, where a tracking user looks first.
        for offset, column in enumerate((EntryColumn.STATUS, EntryColumn.FEE, EntryColumn.TOTAL)):
            header.moveSection(header.visualIndex(column), EntryColumn.AMOUNT + 1 + offset)
        self.problem_view = QListView()
        self.problem_view.setModel(self.problems)
        self.problem_view.activated.connect(self._jump_to_problem)
        self.problem_view.clicked.connect(self._jump_to_problem)
        self.problem_view.setToolTip("Click a problem (or Enter) to go to its cell")
        self.problem_view.setAccessibleName("Problems")
        self.empty_hint = EmptyHint(self.table)
        self.problems_hint = EmptyHint(self.problem_view)
        self.problems_hint.MARGIN = 4
        self.problems_label = QLabel("P&roblems")
        self.problems_label.setBuddy(self.problem_view)
        problems_box = QWidget()
        problems_layout = QVBoxLayout(problems_box)
        problems_layout.setContentsMargins(0, 0, 0, 0)
        problems_layout.addWidget(self.problems_label)
        problems_layout.addWidget(self.problem_view)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(problems_box)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)

        self.summary = QLabel()
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.cancel_button = QPushButton("Cancel &sending")
        self.cancel_button.setToolTip(
            "Stop after the chunk being sent; the message says exactly which entries were sent"
        )
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self._cancel_submission)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bottom = QHBoxLayout()
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(self.progress)
        bottom.addWidget(self.cancel_button)

        filters = QHBoxLayout()
        filters.addWidget(self.filter_edit, 2)
        query_label = QLabel("&Query")
        query_label.setBuddy(self.status_combo)
        filters.addWidget(query_label)
        filters.addWidget(self.status_combo)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.toolbar)
        layout.addLayout(filters)
        layout.addWidget(splitter, 1)
        layout.addLayout(bottom)
        layout.addWidget(self.message)

    def _action(
        self,
        text: str,
        shortcut: QKeySequence | QKeySequence.StandardKey | str,
        slot: Any,
        tip: str,
    ) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.setProperty("tip", tip)
        action.setToolTip(f"{tip} ({QKeySequence(shortcut).toString()})")
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _make_actions(self) -> None:
        self.new_action = self._action(
            "New batch", "Ctrl+Shift+N", self.new_batch, "Start a new, empty batch"
        )
        self.import_action = self._action(
            "Import…",
            "Ctrl+I",
            self.import_file,
            "Import entries from XLSX or CSV; you check the column mapping first",
        )
        self.template_action = self._action(
            "Save template…",
            "Ctrl+Shift+T",
            self.save_template,
            "Save an empty XLSX with the right headings",
        )
        self.add_action = self._action(
            "Add entry", "Ctrl+Shift+A", self.add_entry, "Add an empty entry"
        )
        self.delete_action = self._action(
            "Delete entries",
            QKeySequence.StandardKey.Delete,
            self.delete_entries,
            "Delete the selected entries",
        )
        self.undo_action = self.undo.createUndoAction(self, "Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.undo.createRedoAction(self, "Redo")
        self.redo_action.setShortcut(QKeySequence.StandardKey.Redo)
        for action in (self.undo_action, self.redo_action):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)
        self.filter_action = self._action(
            "Filter", QKeySequence.StandardKey.Find, self.filter_edit.setFocus, "Filter the entries"
        )
        self.submit_action = self._action(
            "Submit…",
            "Ctrl+Return",
            self.submit,
            "Send the batch to the gateway in chunks, each step journalled; nothing is sent twice",
        )
        self.refresh_action = self._action(
            "Refresh status",
            "Ctrl+R",
            self.refresh_status,
            "Ask the gateway for the entries' statuses",
        )
        self.entry_action = self._action(
            "Query entry",
            "Ctrl+Shift+Q",  # Ctrl+E is the window's Export Activity
            self.query_selected_entry,
            "Ask the gateway for the selected entry",
        )
        self.auto_action = self._action(
            "Auto-refresh",
            "Ctrl+Shift+R",
            self._toggle_auto,
            "Refresh every 30 s while the batch is processed",
        )
        self.auto_action.setCheckable(True)
        self.export_action = self._action(
            "Export…", "Ctrl+Shift+E", self.export, "Save the batch as XLSX or CSV"
        )
        for action in (
            self.new_action,
            self.import_action,
            self.template_action,
            self.add_action,
            self.delete_action,
            self.undo_action,
            self.redo_action,
            self.submit_action,
            self.refresh_action,
            self.entry_action,
            self.auto_action,
            self.export_action,
        ):
            self.toolbar.addAction(action)
        for action in (self.add_action, self.delete_action, self.entry_action):
            self.table.addAction(action)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_state())

    # -- the main window's interface -------------------------------------------------------

    def set_profile(self, profile: Profile | None) -> None:
        """The profile every action of this tab works with (None: no profile yet)."""
        self.drafts.flush()
        self.profile = profile
        self.batch = None
        self._auto.stop()
        self._loading = True
        try:
            # The profile's currency from the start: the empty batch's total shows its decimals.
            self.model.load([], "SAR" if profile is None else profile.currency, editable=True)
            if profile is not None:
                self.account_edit.setText(profile.payout_account_id)
                self.currency_edit.setText(profile.currency)
                self.order_edit.setText("")
        finally:
            self._loading = False
        self.drafts.set_key(None if profile is None else f"profile:{profile.id}")
        if profile is not None:
            self._suggest_order_id()
            self.drafts.load(self._apply_draft)
            self._offer_demo(profile)
        self.refresh()

    def refresh(self) -> None:
        """F5: reload the list of saved batches (and the shown batch, when it was sent)."""
        profile = self.profile
        if profile is None or profile.id is None:
            self.batch_combo.clear()
            self._update_state()
            return
        pid = profile.id

        def work(_ctx: Any) -> list[BatchRecord]:
            return self.ctx.store.list_batches(pid)

        self.ctx.runner.submit(work, kind=TaskKind.READ, on_done=self._show_batches, owner=self)

    # -- batches ---------------------------------------------------------------------------

    def _show_batches(self, batches: list[BatchRecord]) -> None:
        unfinished = [
            b
            for b in batches
            if b.status in (payouts.BatchState.SUBMITTING, payouts.BatchState.NEW)
        ]
        if unfinished and self._submission is None and not self.message.text():
            names = ", ".join(f"“{b.order_id}”" for b in unfinished)
            self.message.setText(
                f"Not finished: {names}. Open it and press Submit to settle what was in flight "
                "and send the rest; nothing is sent twice."
            )
        self.batch_combo.clear()
        self.batch_combo.addItem("(new batch)", None)
        for batch in batches:
            text = f"{batch.order_id} — {batch.status}, {batch.count} entries"
            self.batch_combo.addItem(text, batch.id)
            if self.batch is not None and batch.id == self.batch.id:
                self.batch_combo.setCurrentIndex(self.batch_combo.count() - 1)
        self._update_state()

    def _open_selected(self, index: int) -> None:
        batch_id = self.batch_combo.itemData(index)
        if batch_id is None:
            self.new_batch()
            return
        self.open_batch(int(batch_id))

    def open_batch(self, batch_id: int) -> None:
        store = self.ctx.store

        def work(_ctx: Any) -> tuple[BatchRecord | None, list[EntryRow], Any]:
            batch = store.get_batch(batch_id)
            currency = batch.currency if batch is not None else "SAR"
            # Rows are checked here, off the GUI thread (10,000 rows take seconds).
            rows = [check_row(_row_of(e), currency) for e in store.list_entries(batch_id)]
            return batch, rows, store.get_submission(batch_id)

        self.ctx.runner.submit(work, kind=TaskKind.READ, on_done=self._show_batch, owner=self)

    def _show_batch(self, found: tuple[BatchRecord | None, list[EntryRow], Any]) -> None:
        batch, rows, sub = found
        self._reopening = False
        if batch is None:
            self._update_state()
            return
        self.drafts.flush()
        self.batch = batch
        self._loading = True
        try:
            self.order_edit.setText(batch.order_id)
            self.currency_edit.setText(batch.currency)
            if sub is not None:
                self.account_edit.setText(sub.account_id)
                self.chunk_spin.setValue(sub.chunk_size)
                self.message.setText(sub.message or "")
            self.model.load(
                rows,
                batch.currency,
                editable=batch.status == payouts.BatchState.DRAFT,
                checked=True,
            )
        finally:
            self._loading = False
        if batch.status != payouts.BatchState.DRAFT:
            # A sent batch is read for its statuses, which sit beside the amount at the left:
            # not left scrolled to the column the last fix was typed in.
            self.table.horizontalScrollBar().setValue(0)
        if batch.status == payouts.BatchState.DRAFT:
            self.drafts.set_key(f"batch:{batch.id}")
        else:
            self.drafts.set_key(None)
        self._update_state()

    def new_batch(self) -> None:
        self.drafts.flush()
        self.batch = None
        self._loading = True
        try:
            self.model.load([], self.currency_edit.text() or "SAR", editable=True)
            self.message.clear()
        finally:
            self._loading = False
        if self.profile is not None:
            self.drafts.set_key(f"profile:{self.profile.id}")
            self.account_edit.setText(self.profile.payout_account_id)
        self._suggest_order_id()
        self._update_state()

    def _suggest_order_id(self) -> None:
        profile = self.profile
        if profile is None or profile.id is None:
            return
        pid = profile.id

        def work(_ctx: Any) -> str:
            return payouts.suggest_order_id(self.ctx.store, pid)

        def show(order_id: str) -> None:
            if not self.order_edit.text().strip():
                self.order_edit.setText(order_id)

        self.ctx.runner.submit(work, kind=TaskKind.READ, on_done=show, owner=self)

    def _offer_demo(self, profile: Profile) -> None:
        """First ``--sandbox`` start: a demo batch draft (five salaries, one wrong IBAN), so
        the validation is seen at work. Once per data folder; never over the user's draft."""
        url, key, store = self.ctx.sandbox_url, self.drafts.key, self.ctx.store
        if url is None or key is None:
            return

        def claim(_ctx: Any) -> bool:
            return claim_demo_payout_draft(
                store, profile, url, draft_kind=DRAFT_KIND, draft_key=key
            )

        def show(claimed: bool) -> None:
            if not claimed or self.drafts.key != key or self.model.rowCount() > 0:
                return
            data = {
                "currency": "SAR",
                "account_id": self.account_edit.text(),
                "rows": [[n, values] for n, values in demo_payout_rows()],
            }
            self._apply_draft(data, save=True)
            self.message.setText(
                "Sandbox demo: a draft batch of five salaries. Row "
                f"{DEMO_BAD_ROW}'s IBAN is wrong on purpose: click its problem below to go to "
                "the cell and fix it (two digits were swapped: SA46 should be SA64), then Submit "
                "(Ctrl+Return)."
            )

        # On the writer thread, after the draft load above: an existing draft is seen first.
        self.ctx.runner.submit(claim, kind=TaskKind.STORE, on_done=show, owner=self)

    # -- drafts ----------------------------------------------------------------------------

    def _collect(self) -> dict[str, Any]:
        return {
            "batch_id": None if self.batch is None else self.batch.id,
            "order_id": self.order_edit.text(),
            "account_id": self.account_edit.text(),
            "currency": self.currency_edit.text(),
            "chunk_size": self.chunk_spin.value(),
            "rows": [_draft_row(r) for r in self.model.entries()],
            "columns": _draft_columns(self.model.entries()),
        }

    def _apply_draft(self, data: dict[str, Any] | None, *, save: bool = False) -> None:
        if not data:
            return
        currency = str(data.get("currency", "SAR")) or "SAR"
        raw = list(data.get("rows", []))
        columns = {str(k): str(v) for k, v in (data.get("columns") or {}).items()}

        def work(_ctx: Any) -> list[EntryRow]:
            return [check_row(_entry_of_draft(item, columns), currency) for item in raw]

        def show(rows: list[EntryRow]) -> None:
            self._loading = True
            try:
                if data.get("order_id"):  # else the suggested one stays
                    self.order_edit.setText(str(data["order_id"]))
                self.account_edit.setText(str(data.get("account_id", "")))
                self.currency_edit.setText(currency)
                self.chunk_spin.setValue(int(data.get("chunk_size") or payouts.DEFAULT_CHUNK_SIZE))
                self.model.load(rows, currency, editable=True, checked=True)
            finally:
                self._loading = False
            if save:
                self.drafts.changed()
            self._update_state()

        self.ctx.runner.submit(work, kind=TaskKind.READ, on_done=show, owner=self)

    def _edited(self) -> None:
        if not self._loading and self.model.editable:
            self.drafts.changed()

    def _currency_changed(self) -> None:
        code = self.currency_edit.text().strip().upper() or "SAR"
        self.currency_edit.setText(code)
        if code != self.model.currency:
            self.model.set_currency(code)
            self._edited()
        profile = self.profile
        if profile is not None and code != profile.currency and self.model.editable:
            # The gateway pays in the deposit account's currency (batch/new answers it) and
            # refuses amounts with more decimals than that currency allows.
            self.message.setText(
                f"Currency {code} differs from this profile's {profile.currency}: payouts are "
                f"paid in the deposit account's currency. Check that account "
                f"{self.account_edit.text() or '(none)'} holds {code}, or set {profile.currency}."
            )

    # -- editing ---------------------------------------------------------------------------

    def add_entry(self) -> None:
        if not self.model.editable:
            return
        number = self.model.add_row()
        position = self.model.position_of(number)
        if position is not None:
            self._go_to(position, EntryColumn.AMOUNT, edit=True)

    def selected_rows(self) -> list[int]:
        rows = {
            int(self.proxy.data(index, ROW_ROLE))
            for index in self.table.selectionModel().selectedRows()
        }
        return sorted(rows)

    def delete_entries(self) -> None:
        self.model.remove_rows(self.selected_rows())

    def _go_to(self, position: int, column: EntryColumn, *, edit: bool = False) -> None:
        source = self.model.index(position, column)
        index = self.proxy.mapFromSource(source)
        if not index.isValid():
            self.filter_edit.clear()
            index = self.proxy.mapFromSource(source)
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)
        self.table.setFocus()
        if edit:
            self.table.edit(index)

    def _jump_to_problem(self, index: QModelIndex) -> None:
        item = self.problems.item(index.row())
        if item.row is None:
            return
        position = self.model.position_of(item.row)
        if position is None:
            return
        self._go_to(position, COLUMN_OF.get(item.field, EntryColumn.ROW))

    # -- summary ---------------------------------------------------------------------------

    def _summary_soon(self) -> None:
        self._throttle.start()

    def _summary_now(self) -> None:
        self._compute_warnings()
        self.problems.rebuild()
        count, total = self.model.count_and_total()
        problems, warnings = self.problems.counts()
        currency = self.model.currency
        parts = [f"{count} entries", f"total {_money(total, currency)}"]
        if problems:
            parts.append(f"{problems} problem(s) to fix before submitting")
        if warnings:
            parts.append(f"{warnings} warning(s)")
        entries = self.model.entries()
        if any(e.status not in ("Draft",) for e in entries):
            paid = sum(
                (_d(e.values.get("amount")) for e in entries if e.status == "Paid"), Decimal(0)
            )
            failed = sum(
                (_d(e.values.get("amount")) for e in entries if e.status in ("Failed", "Rejected")),
                Decimal(0),
            )
            fees = sum((e.fee or Decimal(0) for e in entries), Decimal(0))
            parts.append(
                f"paid {_money(paid, currency)}, failed {_money(failed, currency)}, "
                f"fees {_money(fees, currency)}"
            )
        self.summary.setText(" · ".join(parts))
        if problems or warnings:
            found = [f"{problems} to fix"] if problems else []
            found += [f"{warnings} warning(s)"] if warnings else []
            self.problems_label.setText(f"P&roblems: {', '.join(found)} — click one to go to it")
        else:
            self.problems_label.setText("P&roblems")
        self.problems_hint.set_text(NO_PROBLEMS if count else PROBLEMS_LATER)
        self._update_state()

    def _compute_warnings(self) -> None:
        entries = self.model.entries()
        rows = [
            payout_import.ImportedRow(
                row=e.row,
                values={**e.values, "currency": self.model.currency},
                problems=e.problems,
            )
            for e in entries
        ]
        by_row: dict[int, list[RuleViolation]] = defaultdict(list)
        for warning in payout_import.warnings(rows):
            if warning.row is not None:
                by_row[warning.row].append(warning)
        current = {e.row: e.warnings for e in entries}
        wanted = {row: tuple(found) for row, found in by_row.items()}
        if any(current.get(r, ()) != wanted.get(r, ()) for r in set(current) | set(wanted)):
            self.model.set_warnings(wanted)

    def _update_state(self) -> None:
        editable = self.model.editable and self._submission is None
        has_profile = self.profile is not None and self.profile.gateway is GatewayKind.CLICKPAY
        count = self.model.rowCount()
        self.import_action.setEnabled(editable and has_profile)
        self.add_action.setEnabled(editable)
        self.delete_action.setEnabled(editable and bool(self.table.selectionModel().selectedRows()))
        problems, _ = self.problems.counts()
        sent = self.batch is not None and self.batch.remote_batch_id is not None
        closed = self.batch is not None and self.batch.status in payouts.CLOSED_STATUSES
        self.submit_action.setEnabled(
            has_profile
            and count > 0
            and problems == 0
            and self._submission is None
            and not self._reopening
            and not closed
        )
        self.refresh_action.setEnabled(sent and self._submission is None)
        self.entry_action.setEnabled(sent and bool(self.table.selectionModel().selectedRows()))
        self.auto_action.setEnabled(sent)
        self.export_action.setEnabled(count > 0)
        self._explain(has_profile, count, problems, sent, closed)
        for edit in (self.order_edit, self.account_edit, self.currency_edit):
            edit.setReadOnly(not editable)
        self.chunk_spin.setEnabled(self._submission is None and not closed)

    def _explain(
        self, has_profile: bool, count: int, problems: int, sent: bool, closed: bool
    ) -> None:
        """Each action's tooltip says what it does and, when it is off, why; the empty table
        says how to fill it."""
        if self.profile is None:
            no_batch = "Choose a ClickPay profile first (File ▸ Profiles)"
        elif not has_profile:
            no_batch = "Payouts are ClickPay's: choose a ClickPay profile"
        elif self._submission is not None:
            no_batch = "The batch is being sent"
        elif not self.model.editable:
            no_batch = "This batch was sent: it cannot be changed. New batch (Ctrl+Shift+N)"
        else:
            no_batch = ""
        if no_batch:
            submit_why = no_batch
        elif closed:
            submit_why = "This batch is closed: it was sent"
        elif count == 0:
            submit_why = "Add entries first: import a spreadsheet (Ctrl+I) or Add entry"
        elif problems:
            submit_why = f"Fix the {problems} problem{'s' if problems != 1 else ''} first"
        elif self._reopening:
            submit_why = "Reading the batch back"
        else:
            submit_why = ""
        not_sent = "The batch has not been sent yet" if not sent else ""
        no_entry = "Select an entry first"
        reasons: list[tuple[QAction, str]] = [
            (self.import_action, no_batch),
            (self.add_action, no_batch),
            (self.delete_action, no_batch or no_entry),
            (self.submit_action, submit_why),
            (self.refresh_action, not_sent or "The batch is being sent"),
            (self.entry_action, not_sent or no_entry),
            (self.auto_action, not_sent),
            (self.export_action, "Nothing to export yet: no entries"),
        ]
        for action, why in reasons:
            tip = str(action.property("tip") or action.text())
            if not action.isEnabled() and why:
                tip = f"{tip} — {why}"
            shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            action.setToolTip(f"{tip} ({shortcut})" if shortcut else tip)
            action.setStatusTip(tip)
        if self.profile is None:
            hint = EMPTY_NO_PROFILE
        elif not has_profile:
            hint = EMPTY_NOT_CLICKPAY
        elif count and self.proxy.status is not None and not self.filter_edit.text():
            hint = EMPTY_STATUS.format(status=self.proxy.status)
        elif count:
            hint = EMPTY_FILTERED
        else:
            hint = EMPTY_BATCH
        self.empty_hint.set_text(hint)

    # -- import ----------------------------------------------------------------------------

    def import_file(self, path: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                self, "Import payout entries", "", "Spreadsheets (*.xlsx *.xlsm *.csv *.txt *.tsv)"
            )
            if not path:
                return
        profile = self.profile
        key = MAPPING_SETTING.format(profile_id=None if profile is None else profile.id)
        store = self.ctx.store

        def read(_ctx: Any) -> tuple[payout_import.SheetTable, dict[str, int]]:
            table = payout_import.read_table(path)
            saved = store.get_setting(key, {}) or {}
            mapping = payout_import.guess_mapping(table.headers)
            mapping.update(payout_import.mapping_from_headings(table.headers, saved))
            return table, mapping

        self.message.setText(f"Reading {Path(path).name}…")
        self.ctx.runner.submit(
            read,
            title=f"Reading {Path(path).name}",
            on_done=lambda found: self._ask_mapping(found[0], found[1], key),
            on_error=lambda exc: self.message.setText(
                f"Could not import {Path(path).name}: {user_message(exc)}"
            ),
            kind=TaskKind.READ,
            owner=self,
        )

    def _ask_mapping(
        self, table: payout_import.SheetTable, guess: dict[str, int], key: str
    ) -> None:
        dialog = MappingDialog(table.headers, guess, table.notes, self)
        self.mapping_dialog = dialog  # reachable by tests
        dialog.accepted.connect(
            lambda: self._import_rows(table, dialog.mapping(), dialog.headings(), key)
        )
        dialog.open()

    def _import_rows(
        self,
        table: payout_import.SheetTable,
        mapping: dict[str, int],
        headings: dict[str, str],
        key: str,
    ) -> None:
        # A currency column speaks per row; else the amount's heading, else the Currency box.
        currency = (
            None
            if "currency" in mapping
            else _heading_currency(table, mapping) or self.currency_edit.text() or None
        )
        store = self.ctx.store

        fallback = self.model.currency

        def convert(_ctx: Any) -> tuple[list[EntryRow], str]:
            store.set_setting(key, headings)
            rows = payout_import.to_rows(table, mapping, currency)
            codes = {r.currency for r in rows if r.currency}
            code = codes.pop() if len(codes) == 1 else fallback
            # The import's own problems stay on their cells until edited (see entries_model).
            entries = [check_row(imported_entry(r), code) for r in rows]
            return entries, code

        def show(found: tuple[list[EntryRow], str]) -> None:
            entries, code = found
            self.currency_edit.setText(code)
            self.model.load(entries, code, editable=True, checked=True)
            self.drafts.changed()
            # The reader's notes are clauses ("the header is row 4; …"): they follow a colon.
            notes = "; ".join(table.notes)
            done = f"Imported {len(entries)} entries from {table.path.name}"
            self.message.setText(f"{done}: {notes}." if notes else f"{done}.")

        self.ctx.runner.submit(
            convert,
            title="Checking the imported rows",
            on_done=show,
            on_error=lambda exc: self.message.setText(f"Could not import: {user_message(exc)}"),
            kind=TaskKind.STORE,
            owner=self,
        )

    def save_template(self, path: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getSaveFileName(
                self, "Save the payout template", "payout-template.xlsx", "Excel (*.xlsx)"
            )
            if not path:
                return
        currency = self.model.currency

        def work(_ctx: Any) -> Path:
            return payout_template.write_template(path, currency)

        self.ctx.runner.submit(
            work,
            kind=TaskKind.READ,
            on_done=lambda p: self.message.setText(f"Saved the template to {p}."),
            on_error=lambda exc: self.message.setText(
                f"Could not save the template: {user_message(exc)}"
            ),
            owner=self,
        )

    # -- submission ------------------------------------------------------------------------

    def submit(self) -> None:
        profile = self.profile
        if profile is None or profile.id is None:
            return
        problems, _ = self.problems.counts()
        self._summary_now()
        problems, _ = self.problems.counts()
        if problems:
            self.message.setText(f"Fix the {problems} problem(s) listed first: nothing was sent.")
            return
        self.drafts.flush()
        draft_key = self.drafts.key
        # From here the batch lives in the store; the draft would only bring it back as new.
        self.drafts.set_key(None)
        store, pool = self.ctx.store, self.ctx.pool
        rows = [(r.row, dict(r.values)) for r in self.model.entries()]
        batch = self.batch
        order_id = self.order_edit.text().strip()
        account_id = self.account_edit.text().strip()
        currency = self.model.currency
        chunk = self.chunk_spin.value()
        draft = batch is None or batch.status == payouts.BatchState.DRAFT
        holder = self._submitted_id = {}

        def work(ctx: Any) -> payouts.SubmissionResult:
            if draft:
                saved = payouts.save_draft_batch(
                    store,
                    profile,
                    order_id=order_id,
                    account_id=account_id,
                    currency=currency,
                    rows=rows,
                    batch_id=None if batch is None else batch.id,
                    chunk_size=chunk,
                )
            else:
                assert batch is not None
                saved = batch
                sub = store.get_submission(saved.id or 0)
                if sub is not None and sub.chunk_size != chunk:
                    store.save_submission(replace(sub, chunk_size=chunk))
            assert saved.id is not None
            holder["id"] = saved.id
            if draft_key is not None:
                store.delete_draft(DRAFT_KIND, draft_key)
            ctx.progress(0, len(rows), "Creating the batch")
            return payouts.submit_batch(
                store,
                pool,
                saved.id,
                progress=lambda p: ctx.progress(p.sent, p.total, f"{p.sent} of {p.total} sent"),
                cancel=ctx.cancelled,
            )

        subject = payouts.order_subject(profile.id, order_id)
        if batch is not None and batch.remote_batch_id:
            subject = payouts.batch_subject(profile.id, batch.remote_batch_id)
        mutation = Mutation(
            f"Submitting the payout batch “{order_id}”", Operation.PAYOUT_BATCH_ADD, subject
        )
        self.progress.setRange(0, max(1, len(rows)))
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.cancel_button.setVisible(True)
        self.cancel_button.setEnabled(True)
        self.message.setText(f"Sending {len(rows)} entries in chunks of {chunk}…")
        handle = self.mutations.submit(
            mutation,
            work,
            # The status bar adds its own full stop ("…: done — <this>.").
            describe=lambda result: result.message.rstrip("."),
            on_done=self._submitted,
            on_error=self._submission_failed,
            on_cancelled=self._submission_cancelled,
            owner=self,
        )
        # Cancel stops between chunks and the worker returns what was sent (on_done), so the
        # runner's abandon-on-cancel (for a single request stuck in a read) is not used: the
        # status bar's Cancel is switched off and the tab's own Cancel sets the flag directly.
        handle.cancellable = False
        self._submission = handle
        self.ctx.runner.task_progress.connect(self._on_progress)
        self.ctx.runner.task_settled.connect(self._on_settled)
        self._update_state()

    def _on_progress(self, handle: TaskHandle) -> None:
        if self._submission is None or handle.id != self._submission.id:
            return
        done, total, text = handle.progress
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        if text:
            self.progress.setFormat(text)

    def _cancel_submission(self) -> None:
        if self._submission is not None:
            self.cancel_button.setEnabled(False)
            self.message.setText("Cancelling: the chunk being sent finishes, then it stops…")
            self._submission.context.cancelled.set()

    def _finish_submission(self) -> None:
        self._submission = None
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        for signal, slot in (
            (self.ctx.runner.task_progress, self._on_progress),
            (self.ctx.runner.task_settled, self._on_settled),
        ):
            with contextlib.suppress(RuntimeError, TypeError):
                signal.disconnect(slot)
        self._update_state()

    def _submitted(self, result: payouts.SubmissionResult) -> None:
        self.message.setText(result.message)
        self._finish_submission()
        if result.batch.id is not None:
            self.batch = result.batch
            self._reopening = True
            self.open_batch(result.batch.id)
        self.refresh()

    def _submission_failed(self, exc: BaseException) -> None:
        text = exc.message if isinstance(exc, payouts.SubmissionStopped) else user_message(exc)
        self.message.setText(text)
        self._finish_submission()
        self._reopen_current()

    def _submission_cancelled(self, text: str) -> None:
        # The worker carries on to the end of its chunk; its real outcome comes in _on_settled.
        self.message.setText(text + " Waiting for the chunk in flight to finish…")

    def _on_settled(self, handle: TaskHandle) -> None:
        if self._submission is None or handle.id != self._submission.id:
            return
        self._finish_submission()
        self._reopen_current()

    def _reopen_current(self) -> None:
        profile = self.profile
        order_id = self.order_edit.text().strip()
        if profile is None or profile.id is None:
            return
        pid = profile.id
        saved_id = self._submitted_id.get("id")
        self._reopening = True
        self._update_state()

        def work(_ctx: Any) -> tuple[int | None, str | None]:
            if saved_id is not None:
                sub = self.ctx.store.get_submission(saved_id)
                return saved_id, None if sub is None else sub.message
            for batch in self.ctx.store.list_batches(pid):
                if batch.order_id == order_id or (
                    self.batch is not None and batch.id == self.batch.id
                ):
                    sub = self.ctx.store.get_submission(batch.id or 0)
                    return batch.id, None if sub is None else sub.message
            return None, None

        def show(found: tuple[int | None, str | None]) -> None:
            batch_id, message = found
            if batch_id is not None:
                self.open_batch(batch_id)
            else:
                self._reopening = False
            if message:
                self.message.setText(message)
            self.refresh()

        def failed(exc: BaseException) -> None:
            self._reopening = False
            self.message.setText(f"Could not read the batch back: {user_message(exc)}")
            self._update_state()

        self.ctx.runner.submit(work, kind=TaskKind.READ, on_done=show, on_error=failed, owner=self)

    # -- tracking --------------------------------------------------------------------------

    def refresh_status(self) -> None:
        batch = self.batch
        if batch is None or batch.id is None or batch.remote_batch_id is None:
            return
        status = self.status_combo.currentData()
        store, pool, batch_id = self.ctx.store, self.ctx.pool, batch.id

        def work(ctx: Any) -> tuple[BatchRecord, list[BatchEntryRecord]]:
            return payouts.refresh_batch(store, pool, batch_id, status=status, cancel=ctx.cancelled)

        self.ctx.runner.submit(
            work,
            title=f"Checking batch {batch.remote_batch_id}",
            on_done=self._tracked,
            on_error=lambda exc: self.message.setText(
                f"Could not check the batch: {user_message(exc)}"
            ),
            owner=self,
        )

    def _tracked(self, found: tuple[BatchRecord, list[BatchEntryRecord]]) -> None:
        batch, entries = found
        self.batch = batch
        self.model.update_tracking(
            {e.row: (e.status, e.fee, e.total, e.protocol_message) for e in entries}
        )
        wanted = self.status_combo.currentData()
        shown = f"{len(entries)} {wanted} entries" if wanted else "every entry"
        self.proxy.set_status(wanted)
        self.message.setText(f"Batch {batch.remote_batch_id} is {batch.status}; updated {shown}.")
        if batch.status == "Completed":
            self._auto.stop()
            self.auto_action.setChecked(False)
        self._update_state()
        self.refresh()

    def query_selected_entry(self) -> None:
        batch = self.batch
        rows = self.selected_rows()
        if batch is None or batch.id is None or not rows:
            return
        store, pool, batch_id, row = self.ctx.store, self.ctx.pool, batch.id, rows[0]

        def work(ctx: Any) -> BatchEntryRecord:
            return payouts.query_entry(store, pool, batch_id, row, cancel=ctx.cancelled)

        def show(entry: BatchEntryRecord) -> None:
            self.model.update_tracking(
                {entry.row: (entry.status, entry.fee, entry.total, entry.protocol_message)}
            )
            self.message.setText(
                f"Row {entry.row} (entry {entry.remote_entry_id}): {entry.status}, "
                f"fee {entry.fee}, total {entry.total} — {entry.protocol_message or ''}"
            )

        self.ctx.runner.submit(
            work,
            title=f"Checking row {row}",
            on_done=show,
            on_error=lambda exc: self.message.setText(
                f"Could not check row {row}: {user_message(exc)}"
            ),
            owner=self,
        )

    def _query_changed(self, _index: int) -> None:
        # "All entries" shows them all at once: nothing to ask the gateway for that. A status
        # narrows the table when Refresh brings that status's entries back.
        if self.status_combo.currentData() is None and self.proxy.status is not None:
            self.proxy.set_status(None)
            self._update_state()

    def _toggle_auto(self, on: bool) -> None:
        if on:
            self._auto.start()
            self.refresh_status()
        else:
            self._auto.stop()

    def _auto_refresh(self) -> None:
        if self.batch is not None and self.batch.status in ("Pending", "Processing", "New"):
            self.refresh_status()

    # -- export ----------------------------------------------------------------------------

    def export(self, path: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getSaveFileName(
                self,
                "Export the batch",
                f"{self.order_edit.text() or 'payouts'}.xlsx",
                "Excel (*.xlsx);;CSV (*.csv)",
            )
            if not path:
                return
        currency = self.model.currency
        rows = [(r.row, dict(r.values)) for r in self.model.entries()]
        profile_id = 0 if self.profile is None or self.profile.id is None else self.profile.id
        order_id = self.order_edit.text().strip()
        batch = self.batch
        store = self.ctx.store

        def work(_ctx: Any) -> Path:
            if batch is not None and batch.id is not None and batch.remote_batch_id is not None:
                # A sent batch: what the store knows, statuses and fees included.
                return payout_export.export_batch(path, batch, store.list_entries(batch.id))
            entries = payouts.entry_records(rows, currency)
            draft = BatchRecord(
                id=None,
                profile_id=profile_id,
                order_id=order_id,
                remote_batch_id=None,
                currency=currency,
                status=payouts.BatchState.DRAFT,
                count=len(entries),
                total=sum((e.amount for e in entries), Decimal(0)),
            )
            return payout_export.export_batch(path, draft, entries)

        self.ctx.runner.submit(
            work,
            title="Exporting the batch",
            kind=TaskKind.READ,
            on_done=lambda p: self.message.setText(f"Exported {len(rows)} entries to {p}."),
            on_error=lambda exc: self.message.setText(f"Could not export: {user_message(exc)}"),
            owner=self,
        )


def _money(amount: Decimal, currency: str) -> str:
    """The currency's decimals (core.money), thousands marked: "1,250.00 SAR", "0.000 KWD"."""
    # An unknown code typed in the Currency box keeps the amount as it is: its rule says so.
    with contextlib.suppress(ValidationError, ArithmeticError):
        amount = quantize(amount, currency)
    return f"{amount:,f} {currency}"


def _d(text: object) -> Decimal:
    try:
        return Decimal(str(text).replace(",", ""))
    except ArithmeticError:
        return Decimal(0)


def _heading_currency(table: payout_import.SheetTable, mapping: dict[str, int]) -> str | None:
    """The currency the amount's heading names ("Amount (KWD)"): the file's word beats the
    Currency box's default."""
    index = mapping.get("amount")
    named = heading_currency(table.headers[index]) if index is not None else None
    if named is None:
        return None
    try:
        return normalize_currency(named, gateway_only=False)
    except ValidationError:
        return None


# A draft row: [row, values] typed in the app; [row, values, problems] read from a file, the
# import's problems still standing as [field, rule, value] (the normalised values alone cannot
# tell them again: a formula without its result or a #DIV/0! leaves an empty cell). The file's
# column names are the draft's "columns", shared by its imported rows.


def _draft_row(entry: EntryRow) -> list[Any]:
    if not entry.columns and not entry.imported:
        return [entry.row, entry.values]
    problems = [[p.field, p.rule, p.value] for p in entry.imported]
    return [entry.row, entry.values, problems]


def _draft_columns(entries: list[EntryRow]) -> dict[str, str]:
    for entry in entries:
        if entry.columns:
            return dict(entry.columns)
    return {}


def _entry_of_draft(item: list[Any], columns: dict[str, str]) -> EntryRow:
    number, values, *rest = item
    entry = EntryRow(int(number), {str(k): str(v) for k, v in values.items()})
    if not rest:
        return entry
    imported = tuple(
        RuleViolation(str(name), str(rule), None if value is None else str(value), entry.row)
        for name, rule, value in rest[0]
    )
    return replace(entry, imported=imported, columns=columns)


def _row_of(entry: BatchEntryRecord) -> EntryRow:
    values = {k: "" if v is None else str(v) for k, v in entry.payload.items()}
    return EntryRow(
        entry.row,
        values,
        status=entry.status,
        fee=entry.fee,
        total=entry.total,
        protocol_message=entry.protocol_message,
    )
