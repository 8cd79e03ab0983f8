"""Sorting the payout entries: what an accountant sees after a header click. Amounts in exact
Decimal order, blank and unreadable amounts last whichever the direction, equal values in the
sheet's order, the selection and the current cell still on the same entries, and undo still
editing the entry it edited. qtmodeltester watches every change."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QTableView

from clickpay_desk.ui.payouts.entries_model import (
    ROW_ROLE,
    SORT_ROLE,
    EntryColumn,
    EntryRow,
    PayoutEntriesModel,
    blank_values,
)
from clickpay_desk.ui.payouts.tab import EntryFilter

ASC, DESC = Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder
#: sheet row -> amount as typed; the first rows of a sheet come after its title and header.
AMOUNTS = {3: "100", 4: "10.5", 5: "", 6: "9.75", 7: "1,250.500", 8: "abc", 9: "10.50"}


def entry(row: int, amount: str) -> EntryRow:
    values = blank_values()
    values.update(amount=amount, beneficiary_name=f"Employee {row}")
    return EntryRow(row, values)


@pytest.fixture
def table(qtbot) -> QTableView:
    model = PayoutEntriesModel(QUndoStack())
    model.load([entry(r, a) for r, a in AMOUNTS.items()], "SAR", editable=True)
    proxy = EntryFilter()
    proxy.setSourceModel(model)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(proxy)
    view.setSortingEnabled(True)
    view.sortByColumn(EntryColumn.ROW, ASC)
    view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    return view


def shown_rows(view: QTableView) -> list[int]:
    proxy = view.model()
    return [proxy.index(r, 0).data(ROW_ROLE) for r in range(proxy.rowCount())]


def source(view: QTableView) -> PayoutEntriesModel:
    model = view.model().sourceModel()
    assert isinstance(model, PayoutEntriesModel)
    return model


def test_amounts_sort_as_exact_numbers_blanks_last(table, qtmodeltester) -> None:
    qtmodeltester.check(source(table), force_py=True)
    table.sortByColumn(EntryColumn.AMOUNT, ASC)
    # 9.75 < 10.5 = 10.50 (sheet order kept) < 100 < 1,250.500; blank and "abc" last.
    assert shown_rows(table) == [6, 4, 9, 3, 7, 5, 8]
    table.sortByColumn(EntryColumn.AMOUNT, DESC)
    assert shown_rows(table) == [7, 3, 4, 9, 6, 5, 8]  # blanks still last, ties still in order
    assert table.horizontalHeader().sortIndicatorSection() == EntryColumn.AMOUNT
    assert table.horizontalHeader().sortIndicatorOrder() == DESC
    cell = table.model().index(0, EntryColumn.AMOUNT)
    assert cell.data() == "1250.50"  # shown in the currency's decimals, as before
    assert cell.data(SORT_ROLE) == Decimal("1250.500")  # the key is the exact Decimal
    assert table.model().index(5, EntryColumn.AMOUNT).data(SORT_ROLE) is None
    # The batch itself (submission, export, drafts) keeps the sheet's order.
    assert [e.row for e in source(table).entries()] == list(AMOUNTS)
    table.sortByColumn(EntryColumn.ROW, ASC)
    assert shown_rows(table) == list(AMOUNTS)


def test_selection_and_current_cell_follow_their_entries(table, qtmodeltester) -> None:
    qtmodeltester.check(table.model(), force_py=True)
    proxy = table.model()
    selection = table.selectionModel()
    table.setCurrentIndex(proxy.index(3, EntryColumn.NAME))  # sheet row 6
    selection.select(
        proxy.index(1, 0),  # sheet row 4
        QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
    )
    table.sortByColumn(EntryColumn.AMOUNT, DESC)
    selected = sorted(i.data(ROW_ROLE) for i in selection.selectedRows())
    assert selected == [4, 6]
    assert table.currentIndex().data(ROW_ROLE) == 6
    assert table.currentIndex().column() == EntryColumn.NAME
    assert table.currentIndex().row() == 4  # 1,250.5 100 10.5 10.50 9.75


def test_undo_after_a_sort_edits_the_same_entry(table, qtbot, qtmodeltester) -> None:
    model = source(table)
    qtmodeltester.check(model, force_py=True)
    proxy = table.model()
    table.sortByColumn(EntryColumn.AMOUNT, ASC)
    # Sheet row 3 (100) becomes the cheapest: the table sorts it to the top once the edit is in.
    row3 = next(r for r in range(proxy.rowCount()) if proxy.index(r, 0).data(ROW_ROLE) == 3)
    assert proxy.setData(proxy.index(row3, EntryColumn.AMOUNT), "1")
    qtbot.waitUntil(lambda: shown_rows(table)[0] == 3)
    assert shown_rows(table) == [3, 6, 4, 9, 7, 5, 8]
    table.sortByColumn(EntryColumn.NAME, DESC)  # another order between the edit and its undo
    model.undo.undo()
    assert model.entry(model.position_of(3)).values["amount"] == "100"
    assert {e.row: e.values["amount"] for e in model.entries()} == AMOUNTS
    table.sortByColumn(EntryColumn.AMOUNT, ASC)
    assert shown_rows(table) == [6, 4, 9, 3, 7, 5, 8]
    model.undo.redo()
    assert model.entry(model.position_of(3)).values["amount"] == "1"


def test_a_deleted_entry_comes_back_in_its_sorted_place(table, qtbot, qtmodeltester) -> None:
    model = source(table)
    qtmodeltester.check(model, force_py=True)
    table.sortByColumn(EntryColumn.AMOUNT, DESC)
    model.remove_rows([3, 6])
    assert shown_rows(table) == [7, 4, 9, 5, 8]
    model.undo.undo()
    qtbot.waitUntil(lambda: len(shown_rows(table)) == 7 and shown_rows(table)[1] == 3)
    assert shown_rows(table) == [7, 3, 4, 9, 6, 5, 8]
    number = model.add_row({**blank_values(), "amount": "5000"})
    qtbot.waitUntil(lambda: shown_rows(table)[0] == number)


def test_filters_still_apply_after_sorting(table) -> None:
    proxy = table.model()
    assert isinstance(proxy, EntryFilter)
    table.sortByColumn(EntryColumn.AMOUNT, ASC)
    proxy.setFilterFixedString("Employee 1")  # no such row: "Employee 3".."Employee 9"
    assert proxy.rowCount() == 0
    proxy.setFilterFixedString("employee 4")
    assert shown_rows(table) == [4]
    table.sortByColumn(EntryColumn.AMOUNT, DESC)
    assert shown_rows(table) == [4]
    proxy.setFilterFixedString("4SA")  # "Employee 4" then "SA": two cells, no match
    assert shown_rows(table) == []
    proxy.setFilterFixedString("10.5")  # as typed, the dot a dot
    assert shown_rows(table) == [4, 9]  # equal amounts: sheet order
    proxy.setFilterFixedString("")
    proxy.set_status("draft")  # any case, the whole status
    assert len(shown_rows(table)) == 7
    proxy.setFilterFixedString("employee 9")
    assert shown_rows(table) == [9]
    proxy.set_status("Paid")
    assert shown_rows(table) == []
    proxy.setFilterFixedString("")
    assert shown_rows(table) == []
    proxy.set_status(None)
    assert shown_rows(table) == [7, 3, 4, 9, 6, 5, 8]
