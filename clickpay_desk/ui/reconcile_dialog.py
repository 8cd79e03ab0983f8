"""The small dialog File ▸ Reconcile ends with: each request, what the gateway said about it."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from clickpay_desk.store.records import JournalStatus

from .reconciliation import ReconcileRun, entry_title

OUTCOME_TEXT: dict[JournalStatus, str] = {
    JournalStatus.DONE: "Done",
    JournalStatus.NOT_DONE: "Not done",
    JournalStatus.UNKNOWN: "Still unknown",
    JournalStatus.PENDING: "Still unknown",
    JournalStatus.REFUSED: "Refused",
}


#: Beyond this the findings scroll instead of the dialog growing.
MAX_TABLE_HEIGHT = 420


def outcome_text(status: JournalStatus, resolved: bool) -> str:
    return OUTCOME_TEXT.get(status, status.value) if resolved else "Still unknown"


class ReconcileDialog(QDialog):
    """Lists every reconciled entry with its outcome in words. ``show_activity`` asks the
    window to show the Activity tab filtered to what still needs attention."""

    show_activity = Signal()

    def __init__(
        self,
        run: ReconcileRun,
        parent: QWidget | None = None,
        *,
        profile_names: Mapping[int, str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Reconcile — what the gateway said")
        self.run = run
        names = dict(profile_names or {})

        self.heading = QLabel(run.text)
        self.heading.setWordWrap(True)
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.table = QTableWidget(len(run.results), 4)
        self.table.setHorizontalHeaderLabels(["Outcome", "Request", "Profile", "What was found"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        self.table.setAlternatingRowColors(True)
        style = self.style()
        icons = {
            "Done": style.standardIcon(QStyle.StandardPixmap.SP_DialogApplyButton),
            "Not done": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation),
            "Still unknown": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning),
        }
        for row, found in enumerate(run.results):
            entry = found.entry
            word = outcome_text(entry.status, found.resolved)
            outcome = QTableWidgetItem(word)
            if word in icons:
                outcome.setIcon(icons[word])
            request = QTableWidgetItem(entry_title(entry))
            profile = QTableWidgetItem(
                names.get(entry.profile_id, "") if entry.profile_id is not None else ""
            )
            message = QTableWidgetItem(found.message)
            message.setToolTip(found.message)
            for column, item in enumerate((outcome, request, profile, message)):
                item.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(1, 240)

        # With nothing reconciled the heading alone says so (summary's one wording), no second
        # sentence below it.
        self.table.setVisible(bool(run.results))

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.activity_button = buttons.addButton(
            "Show in &Activity", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.activity_button.clicked.connect(self._show_activity)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.table.setCurrentCell(-1, -1)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a list to read; Close has the focus
        header.sectionResized.connect(lambda *_: self._fit())
        self.resize(860, 160 + 56 * min(len(run.results), 8) if run.results else 140)
        self._fit()

    def _fit(self) -> None:
        """Rows as tall as their wrapped text, and the table tall enough to show them whole
        (a dashboard instruction runs to several lines), up to MAX_TABLE_HEIGHT: then it
        scrolls."""
        table = self.table
        table.resizeRowsToContents()
        rows = sum(table.rowHeight(row) for row in range(table.rowCount()))
        wanted = rows + table.horizontalHeader().height() + 2 * table.frameWidth() + 2
        table.setMinimumHeight(min(wanted, MAX_TABLE_HEIGHT))

    def messages(self) -> list[str]:
        """The outcome message of each row, in order (what the user reads)."""
        return [found.message for found in self.run.results]

    def _show_activity(self) -> None:
        self.show_activity.emit()
        self.accept()
