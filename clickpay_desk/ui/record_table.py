"""The read-only table that shows a record model's proxy, and the record its selection is on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from .record_model import RECORD_ROLE


def record_table(
    proxy: QAbstractItemModel,
    sort_by: int,
    widths: Mapping[int, int],
    order: Qt.SortOrder = Qt.SortOrder.DescendingOrder,
) -> QTableView:
    """Sorted by ``sort_by``, whole rows selected, nothing edited in place, one line a row and no
    row numbers; columns sized by ``widths``, the last one taking what is left."""
    table = QTableView()
    table.setModel(proxy)
    table.setSortingEnabled(True)
    table.sortByColumn(sort_by, order)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    for column, width in widths.items():
        table.setColumnWidth(column, width)
    return table


def selected_record(table: QTableView) -> Any:
    """The record of the first selected row, else of the current cell's row; None when neither."""
    rows = table.selectionModel().selectedRows()
    index = rows[0] if rows else table.currentIndex()
    return index.siblingAtColumn(0).data(RECORD_ROLE) if index.isValid() else None
