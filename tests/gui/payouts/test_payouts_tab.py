"""The Payouts tab as a user drives it: build a batch with problems, fix them, import a sheet,
submit to a real loopback sandbox with progress, cancel between chunks, track and export."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox

from clickpay_desk.ui.mutations import Mutations
from clickpay_desk.ui.payouts import PayoutsTab
from clickpay_desk.ui.payouts.entries_model import EntryColumn, EntryRow
from tests.unit.services.test_payouts_kit import entry

SHOTS = Path("/tmp/shots")

pytestmark = pytest.mark.gui


def shot(widget, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(SHOTS / f"{name}.png"))


def load(tab: PayoutsTab, rows: list[dict]) -> None:
    tab.model.load([EntryRow(i + 2, r) for i, r in enumerate(rows)], "SAR", editable=True)


def cell(tab: PayoutsTab, position: int, column: EntryColumn):
    return tab.proxy.mapFromSource(tab.model.index(position, column))


def test_builder_shows_problems_jumps_to_them_and_fixes_with_undo(qtbot, qtmodeltester, tab):
    qtmodeltester.check(tab.model)
    qtmodeltester.check(tab.problems)
    qtmodeltester.check(tab.proxy)
    bad_iban = "SA04 8000 0000 6080 1016 7519"
    rows = [entry(1), entry(2, beneficiary_account_number=bad_iban), entry(3, amount="12.345")]
    load(tab, rows)
    qtbot.waitUntil(lambda: tab.problems.rowCount() >= 2)
    texts = [tab.problems.item(i).text for i in range(tab.problems.rowCount())]
    assert any(t.startswith("row 3, IBAN: ") and "(SA04 8000 0000" in t for t in texts), texts
    assert any(t.startswith("row 4, Amount: ") for t in texts), texts
    assert "3 entries" in tab.summary.text() and "problem" in tab.summary.text()
    assert not tab.submit_action.isEnabled()
    shot(tab, "payouts_builder_problems")

    # Clicking the IBAN problem puts the cursor on that cell; the cell is coloured with a tooltip.
    index = next(i for i in range(tab.problems.rowCount()) if "IBAN" in tab.problems.item(i).text)
    tab.problem_view.clicked.emit(tab.problems.index(index))
    current = tab.table.currentIndex()
    assert current.column() == EntryColumn.IBAN
    assert tab.proxy.data(current.siblingAtColumn(EntryColumn.ROW)) == "3"
    assert "check digits" in tab.proxy.data(current, Qt.ItemDataRole.ToolTipRole)
    assert tab.proxy.data(current, Qt.ItemDataRole.BackgroundRole) is not None

    # The user types a good IBAN: the row is checked again, the bank is filled from the IBAN.
    tab.model.setData(tab.model.index(1, EntryColumn.BANK), "")
    tab.proxy.setData(current, "AE07 0331 2345 6789 0123 456")
    assert tab.model.entry(1).problems == ()
    assert tab.model.entry(1).values["beneficiary_bank"] == "BOMLAEADXXX"  # schwifty's registry
    tab.proxy.setData(cell(tab, 2, EntryColumn.AMOUNT), "12.34")
    qtbot.waitUntil(lambda: tab.problems.counts()[0] == 0)
    assert tab.submit_action.isEnabled()
    assert "total 212.34 SAR" in tab.summary.text()

    # Ctrl+Z undoes the amount edit, then the IBAN edit.
    tab.undo.undo()
    assert tab.model.entry(2).values["amount"] == "12.345"
    qtbot.waitUntil(lambda: not tab.submit_action.isEnabled())

    # Add and delete through the actions; sort by amount uses the raw value.
    tab.add_action.trigger()
    assert tab.model.rowCount() == 4
    tab.table.selectRow(cell(tab, 3, EntryColumn.ROW).row())
    tab.delete_action.trigger()
    assert tab.model.rowCount() == 3
    tab.table.sortByColumn(EntryColumn.AMOUNT, Qt.SortOrder.DescendingOrder)
    assert tab.proxy.data(tab.proxy.index(0, EntryColumn.ROW)) in ("2", "3")
    tab.filter_edit.setText("Employee 3")
    assert tab.proxy.rowCount() == 1

    # The transfer code is picked by its name.
    index = tab.proxy.index(0, EntryColumn.TRANSFER)
    tab.table.edit(index)
    editor = tab.table.findChild(QComboBox)
    assert editor is not None and editor.itemText(1) == "101 – Pension"
    editor.setCurrentIndex(1)
    tab.transfer_delegate.setModelData(editor, tab.proxy, index)
    assert tab.proxy.data(index) == "101 – Pension"


def test_import_csv_with_title_rows_and_a_mapping_the_user_confirms(
    qtbot, tab, live_desk, tmp_path
):
    path = tmp_path / "payroll.csv"
    with path.open("w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow(["May payroll"])
        writer.writerow([])
        writer.writerow(
            [
                "Beneficiary",
                "IBAN No.",
                "Amount (SAR)",
                "Country",
                "E-mail",
                "Mobile No.",
                "Address 1",
                "Transfer code",
                "Bank",
                "Branch",
                "Address 2",
            ]
        )
        for n in range(1, 6):
            e = entry(n, "1,250.50")
            writer.writerow(
                [
                    e["beneficiary_name"],
                    e["beneficiary_account_number"].lower(),
                    e["amount"],
                    "SA",
                    e["beneficiary_email"],
                    "+966501234567",
                    "Riyadh",
                    "100",
                    "RJHISARI",
                    "",
                    "",
                ]
            )
    tab.import_file(str(path))
    qtbot.waitUntil(lambda: getattr(tab, "mapping_dialog", None) is not None)
    dialog = tab.mapping_dialog
    assert dialog.mapping()["beneficiary_account_number"] == 1
    dialog.accept()
    qtbot.waitUntil(lambda: tab.model.rowCount() == 5)
    first = tab.model.entry(0)
    assert first.row == 4  # as the spreadsheet shows it, title rows counted
    assert first.values["amount"] == "1250.50"
    assert first.values["beneficiary_bank"] == "RJHISARI"
    qtbot.waitUntil(lambda: "6,252.50" in tab.summary.text() or "6252.50" in tab.summary.text())
    # The same IBAN twice is a warning (allowed, but flagged on the row and in the list).
    tab.proxy.setData(cell(tab, 1, EntryColumn.IBAN), first.values["beneficiary_account_number"])
    qtbot.waitUntil(lambda: tab.problems.counts()[1] >= 2)
    texts = [tab.problems.item(i).text for i in range(tab.problems.rowCount())]
    assert any(t.startswith("Warning: row 4, IBAN No.: the same IBAN") for t in texts), texts
    assert tab.submit_action.isEnabled()  # warnings do not stop a submission
    shot(tab, "payouts_import_warnings")
    saved = live_desk.ctx.store.get_setting(f"payouts.mapping.{live_desk.profile.id}")
    assert saved["beneficiary_account_number"] == "IBAN No."


def test_submit_with_progress_then_track_and_export(qtbot, tab, live_desk, tmp_path):
    rows = [entry(n) for n in range(1, 61)]
    rows[0]["beneficiary_name"] = "FAIL Ahmad"
    load(tab, rows)
    tab.chunk_spin.setValue(10)
    live_desk.control.post("/_sandbox/latency", json={"seconds": 0.05}).raise_for_status()
    qtbot.waitUntil(lambda: tab.submit_action.isEnabled())
    tab.submit_action.trigger()
    qtbot.waitUntil(lambda: tab.progress.isVisible() and tab.progress.value() >= 20, timeout=10000)
    shot(tab, "payouts_submission_progress")
    qtbot.waitUntil(lambda: not tab.progress.isVisible(), timeout=20000)
    live_desk.control.post("/_sandbox/latency", json={"seconds": 0}).raise_for_status()
    assert "was submitted with 60 transfer(s)" in tab.message.text(), tab.message.text()
    state = live_desk.control.get("/_sandbox/state").json()
    (batch,) = state["batches"]
    assert len(batch["requests"]) == 60
    qtbot.waitUntil(lambda: tab.batch is not None and tab.batch.status == "Pending")
    qtbot.waitUntil(lambda: not tab.model.editable)
    assert not tab.submit_action.isEnabled() and not tab.add_action.isEnabled()

    live_desk.control.post("/_sandbox/clock/advance", json={"days": 3}).raise_for_status()
    tab.refresh_action.trigger()
    qtbot.waitUntil(lambda: tab.model.entry(0).status == "Failed", timeout=10000)
    assert {tab.model.entry(i).status for i in range(1, 60)} == {"Paid"}
    assert tab.model.entry(1).fee == Decimal("0.63")
    qtbot.waitUntil(lambda: "paid 5,900" in tab.summary.text())
    assert "failed 100" in tab.summary.text()
    shot(tab, "payouts_tracking")

    # Query by status: only the failed entries are asked for, and shown.
    tab.status_combo.setCurrentIndex(tab.status_combo.findData("failed"))
    tab.refresh_action.trigger()
    qtbot.waitUntil(lambda: tab.proxy.rowCount() == 1)
    assert "1 failed entries" in tab.message.text()
    tab.status_combo.setCurrentIndex(0)
    assert tab.proxy.rowCount() == 60  # "All entries" shows them all at once
    tab.refresh_action.trigger()
    qtbot.waitUntil(lambda: "updated every entry" in tab.message.text())

    tab.table.selectRow(cell(tab, 0, EntryColumn.ROW).row())
    tab.entry_action.trigger()
    qtbot.waitUntil(lambda: "Unrecoverable integration error" in tab.message.text())

    out = tmp_path / "batch.xlsx"
    tab.export(str(out))
    qtbot.waitUntil(lambda: "Exported" in tab.message.text() or "Could not" in tab.message.text())
    assert "Exported 60" in tab.message.text(), tab.message.text()
    book = openpyxl.load_workbook(out)
    entries = book.worksheets[0]
    assert entries.max_row == 61
    headings = [c.value for c in entries[1]]
    status = [
        row[headings.index("Status")] for row in entries.iter_rows(min_row=2, values_only=True)
    ]
    assert status.count("Paid") == 59 and status.count("Failed") == 1


def test_save_template_writes_the_headings(qtbot, tab, tmp_path):
    out = tmp_path / "template.xlsx"
    tab.save_template(str(out))
    qtbot.waitUntil(lambda: "template" in tab.message.text())
    assert "Saved the template" in tab.message.text(), tab.message.text()
    headings = [c.value for c in openpyxl.load_workbook(out).worksheets[0][1]]
    assert "IBAN" in headings and "Amount" in " ".join(map(str, headings))


def test_cancel_between_chunks_says_what_was_sent_and_submit_resumes(qtbot, tab, live_desk):
    load(tab, [entry(n) for n in range(1, 41)])
    tab.chunk_spin.setValue(10)
    live_desk.control.post("/_sandbox/latency", json={"seconds": 0.05}).raise_for_status()
    qtbot.waitUntil(lambda: tab.submit_action.isEnabled())
    tab.submit_action.trigger()
    qtbot.waitUntil(lambda: tab.progress.value() >= 10, timeout=10000)
    tab.cancel_button.click()
    qtbot.waitUntil(lambda: not tab.progress.isVisible(), timeout=20000)
    qtbot.waitUntil(lambda: "were not sent" in tab.message.text(), timeout=10000)
    live_desk.control.post("/_sandbox/latency", json={"seconds": 0}).raise_for_status()
    state = live_desk.control.get("/_sandbox/state").json()
    sent = len(state["batches"][0]["requests"])
    assert 10 <= sent < 40
    assert f"{sent} of 40 transfer(s) were sent" in tab.message.text()
    qtbot.waitUntil(lambda: tab.submit_action.isEnabled())
    tab.submit_action.trigger()
    try:
        qtbot.waitUntil(lambda: "was submitted with 40" in tab.message.text(), timeout=20000)
    except Exception:
        raise AssertionError(tab.message.text()) from None
    state = live_desk.control.get("/_sandbox/state").json()
    ibans = [e["beneficiary_account_number"] for e in state["batches"][0]["requests"]]
    assert len(ibans) == 40 and len(set(ibans)) == 40
    QApplication.processEvents()


def test_unknown_add_stops_then_submit_settles_and_finishes_exactly_once(qtbot, tab, live_desk):
    load(tab, [entry(n) for n in range(1, 31)])
    tab.chunk_spin.setValue(10)
    live_desk.fault("/payout/batch/add", "drop-after-commit")
    qtbot.waitUntil(lambda: tab.submit_action.isEnabled())
    tab.submit_action.trigger()
    qtbot.waitUntil(lambda: "Rows 2–11 were sent to batch" in tab.message.text(), timeout=20000)
    qtbot.waitUntil(lambda: tab.submit_action.isEnabled() and tab.batch is not None)
    assert not tab.model.editable  # it has left the desk: no edits now
    tab.submit_action.trigger()
    qtbot.waitUntil(lambda: "was submitted with 30" in tab.message.text(), timeout=20000)
    state = live_desk.control.get("/_sandbox/state").json()
    ibans = [e["beneficiary_account_number"] for e in state["batches"][0]["requests"]]
    assert len(ibans) == 30 and len(set(ibans)) == 30


def test_draft_is_kept_and_restored(qtbot, live_desk):
    mutations = Mutations(live_desk.ctx.runner, live_desk.ctx.store)
    first = PayoutsTab(live_desk.ctx, mutations)
    qtbot.addWidget(first)
    first.set_profile(live_desk.profile)
    qtbot.waitUntil(lambda: first.order_edit.text().startswith("PAYOUT-"))
    first.add_action.trigger()
    first.model.setData(first.model.index(0, EntryColumn.NAME), "Noura")
    first.drafts.flush()
    qtbot.waitUntil(
        lambda: live_desk.ctx.store.load_draft("payout_batch", first.drafts.key or "") is not None
    )
    second = PayoutsTab(live_desk.ctx, mutations)
    qtbot.addWidget(second)
    second.set_profile(live_desk.profile)
    qtbot.waitUntil(lambda: second.model.rowCount() == 1)
    assert second.model.entry(0).values["beneficiary_name"] == "Noura"
