"""Tracking a sent payout batch: Refresh status, Query entry, the status shown and auto-refresh.
The reads run through the task runner."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QComboBox, QLabel, QWidget

from clickpay_desk.services import payouts
from clickpay_desk.store.records import BatchEntryRecord, BatchRecord

from ..context import DeskContext
from ..errors import user_message
from .entries_model import PayoutEntriesModel
from .entry_filter import EntryFilter


class TrackingMixin(QWidget):
    """The Payouts tab's reads of a sent batch's and its entries' statuses."""

    if TYPE_CHECKING:  # made and kept by PayoutsTab (tab.py); declared for the type checker
        ctx: DeskContext
        batch: BatchRecord | None
        model: PayoutEntriesModel
        proxy: EntryFilter
        _auto: QTimer
        message: QLabel
        status_combo: QComboBox
        auto_action: QAction

        def _update_state(self) -> None: ...

        def refresh(self) -> None: ...

        def selected_rows(self) -> list[int]: ...

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
