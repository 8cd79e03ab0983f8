"""File ▸ Export Activity…: XLSX or CSV written in a worker, with what the Activity tab shows."""

from __future__ import annotations

import csv
import threading

import openpyxl
from PySide6.QtWidgets import QFileDialog

from clickpay_desk.store.records import JournalStatus
from clickpay_desk.ui import activity_export
from clickpay_desk.ui.activity_model import STATUS_TEXT, detail_text
from clickpay_desk.ui.main_window import MainWindow


def journal(desk, profile) -> None:
    done = desk.store.journal_begin(profile.id, "invoice.create", "invoice:c-1", "c-1", {})
    desk.store.journal_finish(done.id, JournalStatus.DONE, result={"invoice_id": 4711})
    lost = desk.store.journal_begin(profile.id, "invoice.create", "invoice:c-2", "c-2", {})
    desk.store.journal_finish(lost.id, JournalStatus.UNKNOWN, error="No answer within 30 s")
    desk.store.journal_begin(profile.id, "invoice.create", "invoice:=1+1", "=1+1", {})
    settled = desk.store.journal_begin(profile.id, "invoice.create", "invoice:c-3", "c-3", {})
    desk.store.journal_finish(settled.id, JournalStatus.UNKNOWN, error="No clear answer from X")
    desk.store.journal_reconciled(settled.id, JournalStatus.DONE, {"invoice_id": 4712})


def open_window(qtbot, desk) -> MainWindow:
    window = MainWindow(desk, reconcile_at_start=False)
    qtbot.addWidget(window)
    return window


def test_export_xlsx_runs_in_a_worker_and_says_where(qtbot, desk, make_profile, monkeypatch):
    profile = desk.store.save_profile(make_profile("Main shop"))
    journal(desk, profile)
    threads: list[int] = []
    from clickpay_desk.exchange import journal_export

    real = journal_export.export_journal

    def spy(*args, **kwargs):
        threads.append(threading.get_ident())
        return real(*args, **kwargs)

    monkeypatch.setattr(journal_export, "export_journal", spy)
    window = open_window(qtbot, desk)
    target = desk.paths.exports_dir / "activity.xlsx"
    window.export_activity(target)
    qtbot.waitUntil(lambda: "Exported" in window.statusBar().currentMessage(), timeout=5000)
    assert window.statusBar().currentMessage() == f"Exported 4 activity entries to {target}."
    assert threads and threads[0] != threading.get_ident()

    sheet = openpyxl.load_workbook(target).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("Time", "Profile", "Operation", "Subject", "Reference", "Status")
    by_reference = {row[4]: row for row in rows[1:]}
    # The export says what the Activity window says: operations and statuses in words.
    assert by_reference["c-1"][1] == "Main shop" and by_reference["c-1"][2] == "Create the invoice"
    assert by_reference["c-1"][5] == "Done"
    assert by_reference["c-2"][5] == "Unknown — check before resending"
    assert "No answer" in by_reference["c-2"][6]
    # Reconciled: what was found, not the lost answer's stale error.
    assert by_reference["c-3"][5] == "Done" and "Did arrive" in by_reference["c-3"][6]
    assert "No clear answer" not in by_reference["c-3"][6]
    # Word for word what the Activity table shows for the same entry.
    (entry,) = [e for e in desk.store.journal_list() if e.reference == "c-3"]
    assert by_reference["c-3"][6] == detail_text(entry)
    assert by_reference["c-3"][5] == STATUS_TEXT[entry.status]
    assert sheet.cell(row=2, column=1).is_date  # a real date, not text
    # A reference that looks like a formula stays text.
    formula_cell = next(c for c in sheet["E"] if c.value == "=1+1")
    assert formula_cell.data_type == "s"


def test_export_asks_where_and_adds_the_csv_suffix(qtbot, desk, make_profile, monkeypatch):
    profile = desk.store.save_profile(make_profile("Main shop"))
    journal(desk, profile)
    chosen = desk.paths.exports_dir / "for-the-accountant"
    asked: list[str] = []

    def save_name(parent, caption, directory, filters):
        asked.append(directory)
        return str(chosen), activity_export.CSV_FILTER

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save_name))
    window = open_window(qtbot, desk)
    window.export_action.trigger()
    qtbot.waitUntil(lambda: "Exported" in window.statusBar().currentMessage(), timeout=5000)
    assert asked and asked[0].endswith(".xlsx")
    written = chosen.with_name("for-the-accountant.csv")
    with written.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert len(rows) == 5
    assert "'=1+1" in [row[4] for row in rows]  # never a formula in a spreadsheet app


def test_cancelled_file_dialog_exports_nothing(qtbot, desk, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a: ("", "")))
    window = open_window(qtbot, desk)
    assert window.export_activity() is None
    assert list(desk.paths.exports_dir.iterdir()) == []


def test_export_to_an_unwritable_place_says_so(qtbot, desk, tmp_path):
    window = open_window(qtbot, desk)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    # (CSV: an XLSX that cannot be written leaves openpyxl's write-only sheet unclosed —
    # reported to the exchange module.)
    window.export_activity(blocker / "activity.csv")
    qtbot.waitUntil(lambda: "failed" in window.statusBar().currentMessage(), timeout=5000)
    assert window.statusBar().currentMessage().startswith("Export Activity failed: ")
    assert "bug" not in window.statusBar().currentMessage()


def test_a_value_that_does_not_fit_is_a_plain_message():
    from clickpay_desk.exchange.sheet import ExportError
    from clickpay_desk.ui.errors import is_environment_error, user_message

    exc = ExportError("not a date", sheet="Activity", row=3, column="Time")
    assert user_message(exc) == "Activity, row 3, “Time”: not a date"
    assert is_environment_error(exc)
