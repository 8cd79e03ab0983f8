"""File ▸ Export Activity…: the journal as XLSX or CSV, written in a worker, never on the GUI
thread. The export holds the listed columns only (``exchange.journal_export``), never a request
body, and so never a key, and says what the window says (the Activity table's words)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from clickpay_desk.paths import DataPaths
from clickpay_desk.store.database import Store

from .activity_model import STATUS_TEXT, detail_text, operation_text
from .tasks import TaskContext

XLSX_FILTER = "Excel workbook (*.xlsx)"
CSV_FILTER = "CSV file (*.csv)"
SUFFIXES = (".xlsx", ".csv")
#: The newest entries exported; the journal of a busy shop stays far below this.
EXPORT_LIMIT = 1_000_000


@dataclass(frozen=True)
class Exported:
    path: Path
    count: int


def default_export_path(paths: DataPaths, suffix: str = ".xlsx") -> Path:
    return paths.exports_dir / f"activity-{datetime.now():%Y-%m-%d}{suffix}"


def with_suffix(path: Path, chosen_filter: str = "") -> Path:
    """Add the suffix of the chosen file type when the typed name has none we know."""
    if path.suffix.lower() in SUFFIXES:
        return path
    return path.with_name(path.name + (".csv" if chosen_filter == CSV_FILTER else ".xlsx"))


def choose_export_path(parent: QWidget, paths: DataPaths) -> Path | None:
    """Ask where to save (the platform's file dialog); None when the user cancels."""
    name, chosen = QFileDialog.getSaveFileName(
        parent,
        "Export Activity",
        str(default_export_path(paths)),
        f"{XLSX_FILTER};;{CSV_FILTER}",
    )
    return with_suffix(Path(name), chosen) if name else None


def export_task(store: Store, path: Path) -> Callable[[TaskContext], Exported]:
    """A task for the runner: read the journal and the profile names, write ``path``."""

    def work(ctx: TaskContext) -> Exported:
        ctx.progress(0, 0, "reading the journal")
        entries = store.journal_list(limit=EXPORT_LIMIT)
        names = {p.id: p.name for p in store.list_profiles() if p.id is not None}
        ctx.check_cancelled()
        ctx.progress(0, 0, f"writing {len(entries)} entries")
        # Imported here, in the worker: openpyxl costs ~0.1 s, which start-up need not pay.
        from clickpay_desk.exchange import journal_export

        # The window's words: operation and status as the Activity table says them, and the
        # Detail column's outcome (which, once an entry is reconciled, is what was found, not
        # the lost answer's error).
        words = journal_export.EntryText(
            operation=operation_text,
            status=lambda status: STATUS_TEXT.get(status, str(status)),
            outcome=detail_text,
        )
        written = journal_export.export_journal(entries, path, profiles=names, text=words)
        return Exported(written, len(entries))

    return work
