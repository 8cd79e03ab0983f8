"""The Activity tab: every money-moving request from the journal, filterable, refreshed in place.

The journal is read in a worker thread through the task runner, never on the GUI thread.
Unknown and pending outcomes carry an icon, a colour and words ("Unknown — check before
resending"), so nobody has to tell colours apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from clickpay_desk.core.profile import Profile
from clickpay_desk.store.records import JournalEntry, JournalStatus

from .activity_model import ActivityColumn, ActivityFilter, ActivityModel
from .errors import user_message
from .tasks import TaskContext, TaskKind, TaskRunner

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
    """Journal table with status / operation / text filters and a refresh through the runner."""

    refreshed = Signal()

    def __init__(self, runner: TaskRunner, store: JournalSource, parent: QWidget | None = None):
        super().__init__(parent)
        self._runner = runner
        self._store = store
        self._loading = False

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
        self.text_filter.setPlaceholderText("Search subject, reference, detail…")
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

        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(ActivityColumn.TIME, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in (
            (ActivityColumn.TIME, 150),
            (ActivityColumn.PROFILE, 130),
            (ActivityColumn.OPERATION, 150),
            (ActivityColumn.SUBJECT, 150),
            (ActivityColumn.REFERENCE, 120),
            (ActivityColumn.STATUS, 260),
        ):
            self.table.setColumnWidth(column, width)

        self.summary = QLabel("Loading the activity journal…")
        self.summary.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        self.setTabOrder(self.status_filter, self.operation_filter)
        self.setTabOrder(self.operation_filter, self.text_filter)
        self.setTabOrder(self.text_filter, self.refresh_button)
        self.setTabOrder(self.refresh_button, self.table)

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

    def refresh(self) -> None:
        """Reload the journal in a worker; the table is updated in place when it arrives."""
        if self._loading:
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
        self.model.set_profile_names(names)
        self.model.merge(entries)
        self._update_operations(entries)
        self._update_summary()
        self.refreshed.emit()

    def _failed(self, exc: BaseException) -> None:
        self._loading = False
        self.summary.setText(f"Could not read the activity journal: {user_message(exc)}")

    def _stopped(self) -> None:
        self._loading = False

    def _update_operations(self, entries: list[JournalEntry]) -> None:
        known = {self.operation_filter.itemData(i) for i in range(self.operation_filter.count())}
        for operation in sorted({e.operation for e in entries} - known):
            self.operation_filter.addItem(operation, operation)

    def _update_summary(self) -> None:
        entries = self.model.entries()
        unknown = sum(1 for e in entries if e.status is JournalStatus.UNKNOWN)
        pending = sum(1 for e in entries if e.status is JournalStatus.PENDING)
        text = f"{self.proxy.rowCount()} of {len(entries)} entries shown."
        if unknown or pending:
            text += (
                f"  ⚠ {unknown} unknown and {pending} pending: the gateway may have acted on "
                "them. Use File ▸ Reconcile before sending them again."
            )
        elif not entries:
            text = "No requests have been sent to a gateway yet."
        self.summary.setText(text)
