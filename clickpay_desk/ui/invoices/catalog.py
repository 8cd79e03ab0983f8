"""Saved customers and saved items as Qt models, for the completers of the invoice editor.

Loaded through the task runner (a database read never runs on the GUI thread); a pick hands the
saved record back so the editor can fill the form or the row.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import Any, ClassVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from clickpay_desk.store.catalog import SavedCustomer, SavedItem

RECORD_ROLE = Qt.ItemDataRole.UserRole + 1

AnyIndex = QModelIndex | QPersistentModelIndex


class CustomerColumn(IntEnum):
    NAME = 0
    EMAIL = 1
    PHONE = 2
    COUNTRY = 3


class ItemColumn(IntEnum):
    SKU = 0
    DESCRIPTION = 1
    UNIT_COST = 2
    TAX = 3


class _RecordsModel(QAbstractTableModel):
    columns: type[IntEnum]
    headers: ClassVar[dict[int, str]]

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._records: list[Any] = []

    def set_records(self, records: Sequence[Any]) -> None:
        self.beginResetModel()
        self._records = list(records)
        self.endResetModel()

    def record(self, row: int) -> Any:
        return self._records[row]

    def records(self) -> list[Any]:
        return list(self._records)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation is Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and section in self.headers
        ):
            return self.headers[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._records):
            return None
        if not 0 <= index.column() < len(self.columns):
            return None
        record = self._records[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self._text(record, index.column())
        if role == RECORD_ROLE:
            return record
        return None

    def _text(self, record: Any, column: int) -> str:
        raise NotImplementedError


class CustomersModel(_RecordsModel):
    columns = CustomerColumn
    headers: ClassVar[dict[int, str]] = {0: "Name", 1: "E-mail", 2: "Phone", 3: "Country"}

    def _text(self, record: SavedCustomer, column: int) -> str:
        match CustomerColumn(column):
            case CustomerColumn.NAME:
                return record.name
            case CustomerColumn.EMAIL:
                return record.email
            case CustomerColumn.PHONE:
                return record.phone
            case CustomerColumn.COUNTRY:
                return record.country

    def find(self, name: str) -> SavedCustomer | None:
        """The saved customer picked by its name (the first, most recently used)."""
        wanted = name.strip().casefold()
        return next((c for c in self._records if c.name.casefold() == wanted), None)


class ItemsModel(_RecordsModel):
    columns = ItemColumn
    headers: ClassVar[dict[int, str]] = {0: "SKU", 1: "Description", 2: "Unit price", 3: "Tax"}

    def _text(self, record: SavedItem, column: int) -> str:
        match ItemColumn(column):
            case ItemColumn.SKU:
                return record.sku
            case ItemColumn.DESCRIPTION:
                return record.description
            case ItemColumn.UNIT_COST:
                return f"{record.unit_cost:f}"
            case ItemColumn.TAX:
                return record.tax + (" %" if record.tax and record.tax_type == "%" else "")

    def find(self, column: int, text: str) -> SavedItem | None:
        wanted = text.strip().casefold()
        if not wanted:
            return None
        for item in self._records:
            key = item.sku if column == ItemColumn.SKU else item.description
            if key.casefold() == wanted:
                return item
        return None
