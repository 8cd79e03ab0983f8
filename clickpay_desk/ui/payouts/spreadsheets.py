"""The Payouts tab's spreadsheet actions: import entries (XLSX/CSV, the column mapping checked
first), save the empty template, export the batch."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QFileDialog, QLabel, QLineEdit, QWidget

from clickpay_desk.core.money import normalize_currency
from clickpay_desk.core.profile import Profile
from clickpay_desk.core.rules import ValidationError
from clickpay_desk.exchange import payout_export, payout_import, payout_template
from clickpay_desk.exchange.payout_headers import heading_currency
from clickpay_desk.services import payouts
from clickpay_desk.store.records import BatchRecord

from ..context import DeskContext
from ..drafts import DraftSaver
from ..errors import user_message
from ..tasks import TaskKind
from .entries_model import EntryRow, PayoutEntriesModel, check_row, imported_entry
from .mapping_dialog import MappingDialog

MAPPING_SETTING = "payouts.mapping.{profile_id}"


class SpreadsheetMixin(QWidget):
    """Import…, Save template… and Export… of the Payouts tab."""

    if TYPE_CHECKING:  # made and kept by PayoutsTab (tab.py); declared for the type checker
        ctx: DeskContext
        profile: Profile | None
        batch: BatchRecord | None
        model: PayoutEntriesModel
        drafts: DraftSaver
        message: QLabel
        order_edit: QLineEdit
        currency_edit: QLineEdit

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
