"""The Activity table's model: journal entries, one row each, and the proxy that filters them.

A :class:`~clickpay_desk.ui.record_model.RecordTableModel` keyed by entry id: a refresh repaints
only the cells that changed, so selection and scroll position survive it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QBrush, QColor, QIcon

from clickpay_desk.services.journal import describe
from clickpay_desk.store.records import JournalEntry, JournalStatus
from clickpay_desk.ui.record_model import RECORD_ROLE, RecordFilterProxy, RecordTableModel
from clickpay_desk.ui.record_model import SORT_ROLE as SORT_ROLE  # the raw value a column sorts by

ENTRY_ROLE = RECORD_ROLE  # the JournalEntry of the row


class ActivityColumn(IntEnum):
    TIME = 0
    PROFILE = 1
    OPERATION = 2
    SUBJECT = 3
    REFERENCE = 4
    STATUS = 5
    DETAIL = 6


HEADERS: dict[ActivityColumn, str] = {
    ActivityColumn.TIME: "Time",
    ActivityColumn.PROFILE: "Profile",
    ActivityColumn.OPERATION: "Operation",
    ActivityColumn.SUBJECT: "Subject",
    ActivityColumn.REFERENCE: "Reference",
    ActivityColumn.STATUS: "Status",
    ActivityColumn.DETAIL: "Detail",
}

#: Status as words: colour and icon only repeat what the text already says.
STATUS_TEXT: dict[JournalStatus, str] = {
    JournalStatus.PENDING: "Pending — no answer yet",
    JournalStatus.UNKNOWN: "Unknown — check before resending",
    JournalStatus.DONE: "Done",
    JournalStatus.REFUSED: "Refused",
    JournalStatus.NOT_DONE: "Not done (checked)",
}
# Unresolved first when sorting by status ascending.
STATUS_ORDER: dict[JournalStatus, int] = {
    JournalStatus.UNKNOWN: 0,
    JournalStatus.PENDING: 1,
    JournalStatus.REFUSED: 2,
    JournalStatus.NOT_DONE: 3,
    JournalStatus.DONE: 4,
}
STATUS_BACKGROUND: dict[JournalStatus, str] = {
    JournalStatus.UNKNOWN: "#ffd8a8",
    JournalStatus.PENDING: "#fff3bf",
    JournalStatus.REFUSED: "#ffe3e3",
}


def operation_text(operation: str) -> str:
    """The journal's operation in words, e.g. "Create the invoice" for ``invoice.create``."""
    words = describe(operation)
    return words[:1].upper() + words[1:]


def local_time(moment: datetime) -> str:
    """A stored UTC time in the computer's local zone, to the second."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


#: The answer's fields in the user's words ("batch 30143, 4 entries"), not the wire's names.
RESULT_WORDS: dict[str, str] = {
    "batch_id": "batch",
    "batch_status": "batch status",
    "count": "entries",
    "tran_ref": "transaction",
    "invoice_id": "invoice",
    "invoice_link": "link",
    "invoice_status": "invoice status",
    "redirect_url": "payment page",
    "agreement_id": "agreement",
    "cart_id": "cart id",
    "order_id": "order id",
    "response_status": "answer",
    "response_message": "gateway said",
}


def _result_text(result: dict[str, object] | None) -> str:
    parts = [
        f"{RESULT_WORDS.get(key, key.replace('_', ' '))} {value}"
        for key, value in (result or {}).items()
        if isinstance(value, str | int | float) and value != ""  # no None, no nested reprs
    ]
    return ", ".join(parts[:4])


def detail_text(entry: JournalEntry) -> str:
    """One line saying what happened, for the Detail column."""
    if entry.status is JournalStatus.UNKNOWN:
        head = "The gateway may have acted; reconcile before sending again"
        return f"{head}: {entry.error}" if entry.error else head
    if entry.status is JournalStatus.PENDING:
        return "Sent or about to be sent; waiting for the answer"
    if entry.reconciled_at is not None:
        # Settled after the fact: what was found matters, not the lost answer's error.
        when = local_time(entry.reconciled_at)
        result = dict(entry.result or {})
        if result.pop("resolved_by", None) == "user":
            word = "done" if entry.status is JournalStatus.DONE else "not done"
            return f"Marked {word} by you after checking the merchant dashboard; {when}"
        if entry.status is JournalStatus.DONE:
            found = _result_text(result)
            return "Did arrive" + (f": {found}" if found else "") + f"; reconciled {when}"
        return f"Never took effect, safe to send again; reconciled {when}"
    if entry.error:
        return entry.error
    return _result_text(entry.result)


class ActivityModel(RecordTableModel[JournalEntry, ActivityColumn]):
    """Journal entries, newest first as loaded; ``merge()`` applies a refresh in place."""

    columns = ActivityColumn
    headers = HEADERS

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        status_icon: Callable[[JournalStatus], QIcon | None] | None = None,
    ) -> None:
        super().__init__(parent)
        self._profile_names: dict[int, str] = {}
        self._status_icon = status_icon

    entries = RecordTableModel.records
    entry = RecordTableModel.record
    update_entry = RecordTableModel.update_record

    def set_profile_names(self, names: Mapping[int, str]) -> None:
        names = dict(names)
        if names == self._profile_names:
            return  # the periodic refresh: nothing to repaint, re-sort or re-filter
        self._profile_names = names
        if self._records:
            col = ActivityColumn.PROFILE
            self.dataChanged.emit(self.index(0, col), self.index(len(self._records) - 1, col))

    def _key(self, entry: JournalEntry) -> int:
        return entry.id

    def _changed_columns(self, old: JournalEntry, new: JournalEntry) -> list[ActivityColumn]:
        changed = list(super()._changed_columns(old, new))
        if old.status != new.status and ActivityColumn.STATUS not in changed:
            changed.append(ActivityColumn.STATUS)
        return changed

    def _role_data(self, entry: JournalEntry, column: ActivityColumn, role: int) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole:
            if column is ActivityColumn.TIME:
                return entry.created_at.isoformat()
            if column in (ActivityColumn.STATUS, ActivityColumn.DETAIL):
                return detail_text(entry)
            return None
        if role == Qt.ItemDataRole.BackgroundRole:
            colour = STATUS_BACKGROUND.get(entry.status)
            return QBrush(QColor(colour)) if colour else None
        if role == Qt.ItemDataRole.ForegroundRole and entry.status in STATUS_BACKGROUND:
            return QBrush(QColor("#1a1a1a"))  # stays readable on the light backgrounds
        if role == Qt.ItemDataRole.DecorationRole and column is ActivityColumn.STATUS:
            return self._status_icon(entry.status) if self._status_icon else None
        return None

    def _display(self, entry: JournalEntry, column: ActivityColumn) -> str:
        match column:
            case ActivityColumn.TIME:
                return local_time(entry.created_at)
            case ActivityColumn.PROFILE:
                if entry.profile_id is None:
                    return "(deleted profile)"
                return self._profile_names.get(entry.profile_id, f"profile {entry.profile_id}")
            case ActivityColumn.OPERATION:
                return operation_text(entry.operation)
            case ActivityColumn.SUBJECT:
                return entry.subject
            case ActivityColumn.REFERENCE:
                return entry.reference
            case ActivityColumn.STATUS:
                return STATUS_TEXT.get(entry.status, str(entry.status))
            case ActivityColumn.DETAIL:
                return detail_text(entry)

    def _sort_value(self, entry: JournalEntry, column: ActivityColumn) -> Any:
        if column is ActivityColumn.TIME:
            return entry.created_at.timestamp()
        if column is ActivityColumn.STATUS:
            return STATUS_ORDER.get(entry.status, 99)
        return super()._sort_value(entry, column)


class ActivityFilter(RecordFilterProxy[JournalEntry]):
    """Filters rows by status set, operation and free text (case-insensitive, any column)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._statuses: frozenset[JournalStatus] | None = None
        self._operation: str | None = None

    def set_statuses(self, statuses: Iterable[JournalStatus] | None) -> None:
        self._statuses = None if statuses is None else frozenset(statuses)
        self._refilter()

    def set_operation(self, operation: str | None) -> None:
        self._operation = operation or None
        self._refilter()

    def _restricts(self) -> bool:
        return self._statuses is not None or self._operation is not None

    def _accepts(self, entry: JournalEntry) -> bool:
        if self._statuses is not None and entry.status not in self._statuses:
            return False
        return self._operation is None or entry.operation == self._operation
