"""A real-looking payroll XLSX imported in the Payouts tab: the problem list says what the import
found (the file's column names, the rows as the spreadsheet numbers them, "formula … saved
without its result", "#DIV/0!", "stored as a number"), the tooltips say the same, an edited cell
is checked live from then on, and a restored draft still says it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack

from clickpay_desk.core.rules import RuleViolation
from clickpay_desk.ui.mutations import Mutations
from clickpay_desk.ui.payouts import PayoutsTab
from clickpay_desk.ui.payouts.entries_model import (
    EntryColumn,
    EntryRow,
    PayoutEntriesModel,
    blank_values,
)
from tests.fixtures.payouts.sheets import PAYROLL_EXPECTED, write_payroll_xlsx

SHOTS = Path("/tmp/shots")
LINE = re.compile(r"^row (\d+), (.+?): ")

pytestmark = pytest.mark.gui


def problem_lines(tab: PayoutsTab) -> list[str]:
    items = [tab.problems.item(i) for i in range(tab.problems.rowCount())]
    return [item.text for item in items if not item.warning]


def line_for(tab: PayoutsTab, row: int, column: str) -> str:
    found = [t for t in problem_lines(tab) if t.startswith(f"row {row}, {column}: ")]
    assert len(found) == 1, (row, column, problem_lines(tab))
    return found[0]


def source_cell(tab: PayoutsTab, row: int, column: EntryColumn):
    position = tab.model.position_of(row)
    assert position is not None
    return tab.proxy.mapFromSource(tab.model.index(position, column))


def import_payroll(qtbot, tab: PayoutsTab, path: Path) -> None:
    tab.import_file(str(path))
    qtbot.waitUntil(lambda: getattr(tab, "mapping_dialog", None) is not None)
    tab.mapping_dialog.accept()
    qtbot.waitUntil(lambda: tab.model.rowCount() == 18)
    qtbot.waitUntil(lambda: len(problem_lines(tab)) == len(PAYROLL_EXPECTED))


def test_import_problems_name_the_files_columns_and_rows_until_the_cell_is_edited(
    qtbot, qtmodeltester, tab, live_desk, tmp_path
):
    qtmodeltester.check(tab.model)
    qtmodeltester.check(tab.problems)
    import_payroll(qtbot, tab, write_payroll_xlsx(tmp_path))
    assert tab.currency_edit.text() == "KWD"  # from "Amount (KWD)", not the box's SAR

    # One line per problem, at the spreadsheet's row (title rows counted) and the file's column.
    lines = problem_lines(tab)
    where = {(int(m[1]), m[2]) for m in map(LINE.match, lines) if m}
    assert where == set(PAYROLL_EXPECTED), lines
    for (row, column), rule in PAYROLL_EXPECTED.items():
        assert rule in line_for(tab, row, column)
    # What the import saw in the cells, not what is left of them once normalised.
    formula = line_for(tab, 12, "Amount (KWD)")
    assert "formula (=J6+J7) saved without its result" in formula
    assert "#DIV/0!" in line_for(tab, 18, "Amount (KWD)")
    assert "stored as a number" in line_for(tab, 10, "Mobile No.")
    assert "E.164 format: +96550123459" in line_for(tab, 10, "Mobile No.")
    assert "check digits" in line_for(tab, 8, "IBAN No.")
    assert not any("must not be empty" in t for t in lines if t.startswith("row 12,"))
    assert not any("not a number" in t for t in lines if t.startswith("row 18,"))
    shot_path = SHOTS / "payouts_import_problems.png"
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.grab().save(str(shot_path))

    # Clicking the formula's line goes to its cell; the cell's tooltip says the same words.
    index = next(i for i, t in enumerate(problem_lines(tab)) if t == formula)
    tab.problem_view.clicked.emit(tab.problems.index(index))
    current = tab.table.currentIndex()
    assert current.column() == EntryColumn.AMOUNT
    assert tab.proxy.data(current.siblingAtColumn(EntryColumn.ROW)) == "12"
    tooltip = tab.proxy.data(current, Qt.ItemDataRole.ToolTipRole)
    assert tooltip == formula.removeprefix("row 12, ")
    assert tab.proxy.data(current, Qt.ItemDataRole.BackgroundRole) is not None
    assert not tab.submit_action.isEnabled()

    # The user types the amount: that problem goes, the row's others (none here) stay.
    tab.proxy.setData(current, "250.000")
    qtbot.waitUntil(lambda: not any(t.startswith("row 12,") for t in problem_lines(tab)))
    assert tab.proxy.data(current, Qt.ItemDataRole.ToolTipRole) is None
    assert len(problem_lines(tab)) == len(PAYROLL_EXPECTED) - 1

    # A mobile edited but still without its +: the live check speaks, still under the file's name.
    tab.proxy.setData(source_cell(tab, 10, EntryColumn.MOBILE), "965 5012 3459")
    qtbot.waitUntil(lambda: "stored as a number" not in line_for(tab, 10, "Mobile No."))
    assert "E.164" in line_for(tab, 10, "Mobile No.")
    # Undo brings the cell and the import's word on it back.
    tab.undo.undo()
    qtbot.waitUntil(lambda: "stored as a number" in line_for(tab, 10, "Mobile No."))

    # The draft keeps the import's problems: a tab opened later lists the same lines.
    expected = problem_lines(tab)
    tab.drafts.flush()
    key = tab.drafts.key or ""
    qtbot.waitUntil(lambda: live_desk.ctx.store.load_draft("payout_batch", key) is not None)
    mutations = Mutations(live_desk.ctx.runner, live_desk.ctx.store)
    second = PayoutsTab(live_desk.ctx, mutations)
    qtbot.addWidget(second)
    second.set_profile(live_desk.profile)
    qtbot.waitUntil(lambda: second.model.rowCount() == 18)
    qtbot.waitUntil(lambda: problem_lines(second) == expected)
    assert second.currency_edit.text() == "KWD"


def test_choosing_the_currency_settles_the_imports_currency_and_decimals_problems(qtmodeltester):
    undo = QUndoStack()
    model = PayoutEntriesModel(undo)
    qtmodeltester.check(model)
    values = blank_values() | {"amount": "12.3456", "beneficiary_name": "Omar"}
    imported = (
        RuleViolation("currency", "must not be empty: a 3-letter currency code such as SAR"),
        RuleViolation("amount", "KWD allows at most 3 decimal places", "12.3456", 9),
        RuleViolation("beneficiary_email", "shows the spreadsheet error #N/A", "#N/A", 9),
    )
    columns = {"amount": "Amount", "beneficiary_email": "E-mail", "currency": "Cur."}
    model.load([EntryRow(9, values, imported=imported, columns=columns)], "KWD", editable=True)
    fields = [p.field for p in model.entry(0).problems]
    assert "currency" in fields and "#N/A" in (model.entry(0).problem("beneficiary_email") or "")
    model.set_currency("BHD")
    entry = model.entry(0)
    # The row's currency cell no longer matters; the amount is checked live against BHD; the
    # e-mail cell that showed #N/A keeps the import's word until it is edited.
    assert "currency" not in [p.field for p in entry.problems]
    assert "BHD" in (entry.problem("amount") or "")
    assert (entry.problem("beneficiary_email") or "").startswith("E-mail: shows the spreadsheet")
