"""The Payouts tab: build a batch (import, edit, check), submit it safely, track and export it.

The entries live in ``PayoutEntriesModel`` (validation per row, undo); the form above them names
the batch (order id, deposit account, currency, chunk size). Unsaved work is a draft (DraftSaver,
per profile). Submit saves the batch to the store and runs ``services.payouts.submit_batch``
through ``Mutations`` with progress and Cancel (between chunks). Tracking reads run through the
task runner; a timer refreshes a batch that is still being processed.

This module holds the layout, the batch list, drafts, editing and the summary; Submit lives in
``submission.py``, tracking in ``tracking.py``, Import/Template/Export in ``spreadsheets.py``,
the table's filter in ``entry_filter.py`` and the draft's rows in ``batch_draft.py``.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
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

from clickpay_desk.core.money import format_display
from clickpay_desk.core.profile import GatewayKind, Profile
from clickpay_desk.core.rules import RuleViolation, ValidationError
from clickpay_desk.exchange import payout_import
from clickpay_desk.gateway.models import ENTRY_QUERY_STATUSES
from clickpay_desk.services import payouts
from clickpay_desk.services.sandbox_demo import (
    DEMO_BAD_ROW,
    claim_demo_payout_draft,
    demo_payout_rows,
)
from clickpay_desk.store.records import BatchEntryRecord, BatchRecord

from ..context import DeskContext
from ..drafts import DraftSaver
from ..empty_hint import EmptyHint
from ..mutations import Mutations
from ..tasks import TaskHandle, TaskKind
from .batch_draft import DRAFT_KIND, draft_columns, draft_row, entry_of_draft
from .delegates import TransferCodeDelegate
from .entries_model import (
    COLUMN_OF,
    ROW_ROLE,
    EntryColumn,
    EntryRow,
    PayoutEntriesModel,
    ProblemsModel,
    check_row,
)
from .entry_filter import EntryFilter
from .spreadsheets import MAPPING_SETTING as MAPPING_SETTING  # importable from here, as before
from .spreadsheets import SpreadsheetMixin
from .submission import SubmissionMixin
from .tracking import TrackingMixin

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


class PayoutsTab(SubmissionMixin, TrackingMixin, SpreadsheetMixin):
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
            "rows": [draft_row(r) for r in self.model.entries()],
            "columns": draft_columns(self.model.entries()),
        }

    def _apply_draft(self, data: dict[str, Any] | None, *, save: bool = False) -> None:
        if not data:
            return
        currency = str(data.get("currency", "SAR")) or "SAR"
        raw = list(data.get("rows", []))
        columns = {str(k): str(v) for k, v in (data.get("columns") or {}).items()}

        def work(_ctx: Any) -> list[EntryRow]:
            return [check_row(entry_of_draft(item, columns), currency) for item in raw]

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


def _money(amount: Decimal, currency: str) -> str:
    """``format_display`` ("1,250.00 SAR"); for an unknown code typed in the Currency box, the
    amount as it is (that box's rule says what is wrong)."""
    with contextlib.suppress(ValidationError, ArithmeticError):
        return format_display(amount, currency)
    return f"{amount:,f} {currency}"


def _d(text: object) -> Decimal:
    try:
        return Decimal(str(text).replace(",", ""))
    except ArithmeticError:
        return Decimal(0)


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
