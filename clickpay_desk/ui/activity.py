"""The Activity tab: every money-moving request from the journal, filterable, refreshed in place.

The journal is read in a worker thread through the task runner, never on the GUI thread.
Unknown and pending outcomes carry an icon, a colour and words ("Unknown — check before
resending"), so nobody has to tell colours apart. An unresolved entry offers "Reconcile this",
"Mark as done…" and "Mark as not done…" (buttons and context menu); the view only asks for
them through signals, the window's ``Reconciler`` does the work.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from clickpay_desk.core.profile import Profile
from clickpay_desk.store.records import JournalEntry, JournalStatus

from .activity_model import (
    ENTRY_ROLE,
    ActivityColumn,
    ActivityFilter,
    ActivityModel,
    operation_text,
)
from .errors import user_message
from .record_table import record_table, selected_record
from .tasks import TaskContext, TaskKind, TaskRunner

_WIDTHS: dict[int, int] = {
    ActivityColumn.TIME: 140,
    ActivityColumn.PROFILE: 120,
    ActivityColumn.OPERATION: 160,
    ActivityColumn.REFERENCE: 150,
    ActivityColumn.STATUS: 255,
}

#: How many of the newest entries the tab shows; older ones stay in the database.
ACTIVITY_LIMIT = 2000

# Status filter choices: label -> statuses (None: all).
STATUS_CHOICES: list[tuple[str, frozenset[JournalStatus] | None]] = [
    ("All statuses", None),
    (
        "Needs attention (unknown or pending)",
        frozenset({JournalStatus.UNKNOWN, JournalStatus.PENDING}),
    ),
    *[
        (status.value.replace("_", " ").capitalize(), frozenset({status}))
        for status in JournalStatus
    ],
]
NEEDS_ATTENTION = 1  # index of the "Needs attention" choice


class JournalSource(Protocol):
    """The part of ``store.database.Store`` this tab reads."""

    def journal_list(self, *, limit: int = ...) -> list[JournalEntry]: ...

    def list_profiles(self) -> Sequence[Profile]: ...


def load_activity(store: JournalSource) -> tuple[list[JournalEntry], dict[int, str]]:
    """The newest journal entries and the profile names they refer to (runs in a worker)."""
    entries = store.journal_list(limit=ACTIVITY_LIMIT)
    names = {p.id: p.name for p in store.list_profiles() if p.id is not None}
    return entries, names


class ActivityView(QWidget):
    """Journal table with status / operation / text filters and a refresh through the runner.

    ``reconcile_requested(entry)`` and ``resolve_requested(entry, happened)`` ask the window to
    act on an unresolved entry.
    """

    refreshed = Signal()
    reconcile_requested = Signal(object)
    resolve_requested = Signal(object, bool)

    def __init__(self, runner: TaskRunner, store: JournalSource, parent: QWidget | None = None):
        super().__init__(parent)
        self._runner = runner
        self._store = store
        self._loading = False
        self._again = False

        style = self.style()
        icons = {
            JournalStatus.UNKNOWN: style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning),
            JournalStatus.PENDING: style.standardIcon(QStyle.StandardPixmap.SP_BrowserReload),
            JournalStatus.REFUSED: style.standardIcon(QStyle.StandardPixmap.SP_DialogCancelButton),
        }

        def status_icon(status: JournalStatus) -> QIcon | None:
            return icons.get(status)

        self.model = ActivityModel(self, status_icon=status_icon)
        self.proxy = ActivityFilter(self)
        self.proxy.setSourceModel(self.model)

        self.status_filter = QComboBox()
        for choice, statuses in STATUS_CHOICES:
            self.status_filter.addItem(choice, statuses)
        self.status_filter.currentIndexChanged.connect(
            lambda _i: self.proxy.set_statuses(self.status_filter.currentData())
        )
        self.operation_filter = QComboBox()
        self.operation_filter.addItem("All operations", None)
        self.operation_filter.currentIndexChanged.connect(
            lambda _i: self.proxy.set_operation(self.operation_filter.currentData())
        )
        self.text_filter = QLineEdit()
        self.text_filter.setPlaceholderText("Search reference, profile, detail…")
        self.text_filter.setClearButtonEnabled(True)
        self.text_filter.textChanged.connect(self.proxy.set_text)
        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.clicked.connect(self.refresh)

        filters = QHBoxLayout()
        for text, field in (
            ("&Status:", self.status_filter),
            ("&Operation:", self.operation_filter),
        ):
            buddy = QLabel(text)
            buddy.setBuddy(field)
            filters.addWidget(buddy)
            filters.addWidget(field)
        search = QLabel("Fin&d:")
        search.setBuddy(self.text_filter)
        filters.addWidget(search)
        filters.addWidget(self.text_filter, 1)
        filters.addWidget(self.refresh_button)

        self.table = record_table(self.proxy, ActivityColumn.TIME, _WIDTHS)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        # The journal's own key ("invoice:<cart id>") repeats the reference: searchable, not shown.
        self.table.setColumnHidden(ActivityColumn.SUBJECT, True)

        self.summary = QLabel("Loading the activity journal…")
        self.summary.setWordWrap(True)

        # What the last reconcile (or a cancelled request) found, until dismissed.
        self.notice = QFrame()
        self.notice.setObjectName("ActivityNotice")
        self.notice.setFrameShape(QFrame.Shape.StyledPanel)
        self.notice.setStyleSheet(
            "#ActivityNotice { background: #e7f5ff; border: 1px solid #74c0fc; }"
            "#ActivityNotice QLabel { color: #1a1a1a; }"
        )
        self.notice_label = QLabel()
        self.notice_label.setWordWrap(True)
        self.notice_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice_close = QPushButton("Dismiss")
        self.notice_close.clicked.connect(self.clear_notice)
        notice_row = QHBoxLayout(self.notice)
        notice_row.addWidget(self.notice_label, 1)
        notice_row.addWidget(self.notice_close, 0, Qt.AlignmentFlag.AlignTop)
        self.notice.setVisible(False)

        self.reconcile_button = QPushButton("Re&concile this")
        self.reconcile_button.setToolTip("Ask the gateway whether the selected request took effect")
        self.done_button = QPushButton("Mark as do&ne…")
        self.done_button.setToolTip(
            "You checked the merchant dashboard and the request took effect there"
        )
        self.not_done_button = QPushButton("Mark as not don&e…")
        self.not_done_button.setToolTip(
            "You checked the merchant dashboard and the request did not take effect there"
        )
        self.reconcile_button.clicked.connect(self._reconcile_selected)
        self.done_button.clicked.connect(lambda: self._resolve_selected(True))
        self.not_done_button.clicked.connect(lambda: self._resolve_selected(False))
        actions = QHBoxLayout()
        actions.addWidget(self.summary, 1)
        for button in (self.reconcile_button, self.done_button, self.not_done_button):
            actions.addWidget(button)

        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.selectionModel().selectionChanged.connect(self._update_actions)
        self.table.doubleClicked.connect(self._reconcile_selected)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.notice)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        self.setTabOrder(self.status_filter, self.operation_filter)
        self.setTabOrder(self.operation_filter, self.text_filter)
        self.setTabOrder(self.text_filter, self.refresh_button)
        self.setTabOrder(self.refresh_button, self.table)
        self.setTabOrder(self.table, self.reconcile_button)
        self.setTabOrder(self.reconcile_button, self.done_button)
        self.setTabOrder(self.done_button, self.not_done_button)
        self._update_actions()

        self.model.modelReset.connect(self._update_summary)
        self.model.rowsInserted.connect(self._update_summary)
        self.model.rowsRemoved.connect(self._update_summary)
        self.model.dataChanged.connect(self._update_summary)
        self.proxy.layoutChanged.connect(self._update_summary)

        # Refresh while visible, so the outcome of background submissions shows up by itself.
        self._timer = QTimer(self)
        self._timer.setInterval(5000)
        self._timer.timeout.connect(self._refresh_if_visible)
        self._timer.start()

    # -- actions ---------------------------------------------------------------------------

    def show_needs_attention(self) -> None:
        """Filter to the entries whose outcome nobody knows yet."""
        self.status_filter.setCurrentIndex(NEEDS_ATTENTION)

    def show_all_statuses(self) -> None:
        self.status_filter.setCurrentIndex(0)

    def selected_entry(self) -> JournalEntry | None:
        """The entry of the current row (after filtering and sorting), if any."""
        entry = selected_record(self.table)
        return entry if isinstance(entry, JournalEntry) else None

    def select_entry(self, entry_id: int) -> bool:
        """Select the row of ``entry_id`` if it is shown."""
        for row in range(self.proxy.rowCount()):
            entry = self.proxy.index(row, 0).data(ENTRY_ROLE)
            if isinstance(entry, JournalEntry) and entry.id == entry_id:
                self.table.selectRow(row)
                self.table.scrollTo(self.proxy.index(row, 0))
                return True
        return False

    def show_notice(self, text: str) -> None:
        """Show what was found (a reconcile, a cancelled request) above the table."""
        self.notice_label.setText(text)
        self.notice.setVisible(True)

    def clear_notice(self) -> None:
        self.notice_label.clear()
        self.notice.setVisible(False)

    def _update_actions(self, *_: object) -> None:
        entry = self.selected_entry()
        unresolved = entry is not None and entry.unresolved
        for button in (self.reconcile_button, self.done_button, self.not_done_button):
            button.setEnabled(unresolved)

    def _reconcile_selected(self, *_: object) -> None:
        entry = self.selected_entry()
        if entry is not None and entry.unresolved:
            self.reconcile_requested.emit(entry)

    def _resolve_selected(self, happened: bool) -> None:
        entry = self.selected_entry()
        if entry is not None and entry.unresolved:
            self.resolve_requested.emit(entry, happened)

    def context_actions(self, entry: JournalEntry) -> list[QAction]:
        """The context menu's actions for ``entry`` (none unless its outcome is unknown)."""
        if not entry.unresolved:
            return []
        reconcile = QAction("Reconcile this", self)
        reconcile.triggered.connect(lambda: self.reconcile_requested.emit(entry))
        done = QAction("Mark as done…", self)
        done.triggered.connect(lambda: self.resolve_requested.emit(entry, True))
        not_done = QAction("Mark as not done…", self)
        not_done.triggered.connect(lambda: self.resolve_requested.emit(entry, False))
        return [reconcile, done, not_done]

    def _context_menu(self, position: QPoint) -> None:
        index = self.table.indexAt(position)
        if not index.isValid():
            return
        self.table.selectRow(index.row())
        entry = self.selected_entry()
        actions = [] if entry is None else self.context_actions(entry)
        if not actions:
            return
        menu = QMenu(self)
        menu.addActions(actions)
        menu.popup(self.table.viewport().mapToGlobal(position))

    def refresh(self) -> None:
        """Reload the journal in a worker; the table is updated in place when it arrives.

        A refresh asked for while one is loading runs right after it, so a change made in the
        meantime is never missed."""
        if self._runner.closed:
            return  # the app is quitting
        if self._loading:
            self._again = True
            return
        self._loading = True
        store = self._store

        def work(ctx: TaskContext) -> tuple[list[JournalEntry], dict[int, str]]:
            return load_activity(store)

        self._runner.submit(
            work,
            kind=TaskKind.READ,
            owner=self,
            on_done=self._loaded,
            on_error=self._failed,
            on_cancelled=self._stopped,
        )

    def _refresh_if_visible(self) -> None:
        if self.isVisible():
            self.refresh()

    def _loaded(self, loaded: tuple[list[JournalEntry], dict[int, str]]) -> None:
        self._loading = False
        entries, names = loaded
        self._refresh_again()
        self.model.set_profile_names(names)
        self.model.merge(entries)
        self._update_operations(entries)
        self._update_summary()
        self._update_actions()
        self.refreshed.emit()

    def _refresh_again(self) -> None:
        if self._again:
            self._again = False
            QTimer.singleShot(0, self, self.refresh)

    def _failed(self, exc: BaseException) -> None:
        self._loading = False
        self._refresh_again()
        self.summary.setText(f"Could not read the activity journal: {user_message(exc)}")

    def _stopped(self) -> None:
        self._loading = False
        self._refresh_again()

    def _update_operations(self, entries: list[JournalEntry]) -> None:
        known = {self.operation_filter.itemData(i) for i in range(self.operation_filter.count())}
        for operation in sorted({e.operation for e in entries} - known, key=operation_text):
            self.operation_filter.addItem(operation_text(operation), operation)

    def _update_summary(self) -> None:
        entries = self.model.entries()
        unknown = sum(1 for e in entries if e.status is JournalStatus.UNKNOWN)
        pending = sum(1 for e in entries if e.status is JournalStatus.PENDING)
        text = f"{self.proxy.rowCount()} of {len(entries)} entries shown."
        if unknown or pending:
            text += (
                f"  ⚠ {unknown} unknown and {pending} pending: the gateway may have acted on "
                "them. Use File ▸ Reconcile (or select one and Reconcile this) before sending "
                "them again."
            )
        elif not entries:
            text = "No requests have been sent to a gateway yet."
        self.summary.setText(text)
