"""The payout batch's entries as a Qt table model, and the problem list beside it.

Every row keeps its validation result, computed once per edit: problem cells are coloured and
carry the rule as a tooltip; an edit repaints its row only. A row read from a spreadsheet also
keeps the import's own problems (``EntryRow.imported``: "a formula saved without its result",
"#DIV/0!", "a mobile stored as a number", which the normalised values no longer show) and the
file's column names; each stands until the user edits its cell, then the core's
``validate_payout_request`` speaks for that cell. The problem list and the tooltips are both
worded by :func:`problem_text`.

Edits go through a ``QUndoStack`` (``SetRow``, ``InsertRows``, ``RemoveRows``), so Ctrl+Z undoes
any of them; a batch that has left the desk is read-only. The commands name an entry by its row
number in the sheet, never by its position, so a sort between an edit and its undo changes
nothing. The model sorts its own rows (``RecordTableModel.sort``); ``entries()`` stays in the
sheet's order whatever the table shows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QUndoCommand, QUndoStack

from clickpay_desk.core.money import format_amount
from clickpay_desk.core.payout import TRANSFER_CODES, validate_payout_request
from clickpay_desk.core.rules import RuleViolation
from clickpay_desk.exchange.payout_import import ImportedRow, bank_from_iban
from clickpay_desk.ui.record_model import SORT_ROLE as SORT_ROLE
from clickpay_desk.ui.record_model import AnyIndex, RecordTableModel

ROW_ROLE = Qt.ItemDataRole.UserRole + 3  # the entry's row number in the sheet
#: What the entries filter matches: the status, then every cell's text, each after a CELL_MARK.
FILTER_ROLE = Qt.ItemDataRole.UserRole + 4
CELL_MARK = "\x1f"  # never typed: a filter text cannot match across two cells


class EntryColumn(IntEnum):
    ROW = 0
    AMOUNT = 1
    REFERENCE = 2
    NAME = 3
    COUNTRY = 4
    IBAN = 5
    BANK = 6
    BRANCH = 7
    EMAIL = 8
    MOBILE = 9
    ADDRESS1 = 10
    ADDRESS2 = 11
    TRANSFER = 12
    STATUS = 13
    FEE = 14
    TOTAL = 15
    MESSAGE = 16


#: column -> wire field (editable columns only).
FIELD: dict[EntryColumn, str] = {
    EntryColumn.AMOUNT: "amount",
    EntryColumn.REFERENCE: "merchant_reference",
    EntryColumn.NAME: "beneficiary_name",
    EntryColumn.COUNTRY: "beneficiary_country",
    EntryColumn.IBAN: "beneficiary_account_number",
    EntryColumn.BANK: "beneficiary_bank",
    EntryColumn.BRANCH: "beneficiary_bank_branch",
    EntryColumn.EMAIL: "beneficiary_email",
    EntryColumn.MOBILE: "beneficiary_mobile_number",
    EntryColumn.ADDRESS1: "beneficiary_address1",
    EntryColumn.ADDRESS2: "beneficiary_address2",
    EntryColumn.TRANSFER: "transfer_code",
}
COLUMN_OF: dict[str, EntryColumn] = {name: column for column, name in FIELD.items()}

HEADERS: dict[EntryColumn, str] = {
    EntryColumn.ROW: "Row",
    EntryColumn.AMOUNT: "Amount",
    EntryColumn.REFERENCE: "Merchant reference",
    EntryColumn.NAME: "Beneficiary",
    EntryColumn.COUNTRY: "Country",
    EntryColumn.IBAN: "IBAN",
    EntryColumn.BANK: "Bank",
    EntryColumn.BRANCH: "Branch",
    EntryColumn.EMAIL: "E-mail",
    EntryColumn.MOBILE: "Mobile",
    EntryColumn.ADDRESS1: "Address 1",
    EntryColumn.ADDRESS2: "Address 2",
    EntryColumn.TRANSFER: "Transfer code",
    EntryColumn.STATUS: "Status",
    EntryColumn.FEE: "Fee",
    EntryColumn.TOTAL: "Total",
    EntryColumn.MESSAGE: "Gateway message",
}
#: Human names of the wire fields, for the problem list.
FIELD_NAMES: dict[str, str] = {name: HEADERS[column] for column, name in FIELD.items()}

PROBLEM_BACKGROUND = QColor("#f8d7da")
WARNING_BACKGROUND = QColor("#fff3cd")
STATUS_BACKGROUND = {"Paid": "#d4edda", "Failed": "#f8d7da", "Rejected": "#f8d7da"}


def blank_values() -> dict[str, str]:
    values = {name: "" for name in FIELD.values()}
    values["beneficiary_country"] = "SA"
    values["transfer_code"] = "100"
    return values


@dataclass(frozen=True)
class EntryRow:
    """One entry as the table shows it. ``row`` is its number in the source sheet.

    ``problems``: what is wrong now (field = wire name), the import's standing problems first
    chosen over the live check's for the same field. ``imported``: the import's own problems not
    yet edited away (field = wire name, value as the cell showed it). ``columns``: wire field ->
    the column as the file names it (empty for rows typed in the app).
    """

    row: int
    values: dict[str, str]
    problems: tuple[RuleViolation, ...] = ()
    warnings: tuple[RuleViolation, ...] = ()
    status: str = "Draft"
    fee: Decimal | None = None
    total: Decimal | None = None
    protocol_message: str | None = None
    problem_fields: frozenset[str] = field(default=frozenset())
    imported: tuple[RuleViolation, ...] = ()
    columns: Mapping[str, str] = field(default_factory=dict)

    def problem(self, name: str) -> str | None:
        """The cell's tooltip: the same words as its lines in the problem list."""
        texts = [
            problem_text(p, self, with_row=False)
            for p in self.problems
            if _base_field(p.field) == name
        ]
        texts += [
            "Warning: " + problem_text(w, self, with_row=False)
            for w in self.warnings
            if _base_field(w.field) == name
        ]
        return "\n".join(texts) or None

    def column_name(self, name: str) -> str:
        """The field's column as the file names it, else as the table heads it."""
        return self.columns.get(name) or FIELD_NAMES.get(name, name)


def _base_field(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _field_order(problem: RuleViolation) -> int:
    return int(COLUMN_OF.get(_base_field(problem.field), EntryColumn.ROW))


def check_row(entry: EntryRow, currency: str) -> EntryRow:
    """The row with its problems: the import's own for the cells not edited since, the core's
    rules for the rest."""
    live = validate_payout_request(entry.values, currency, row=entry.row)
    if entry.imported:
        held = {p.field for p in entry.imported}
        merged = [*entry.imported, *(p for p in live if _base_field(p.field) not in held)]
        live = sorted(merged, key=_field_order)
    found = tuple(live)
    return replace(
        entry, problems=found, problem_fields=frozenset(_base_field(p.field) for p in found)
    )


def imported_entry(row: ImportedRow) -> EntryRow:
    """An imported row as the table keeps it, its problems moved from the file's column names to
    the wire fields (so they sit on their cells) and its cell values kept as text."""
    field_of: dict[str, str] = {}
    for name, heading in row.columns.items():
        field_of.setdefault(heading, name)  # two fields under one heading: the first one's
    imported = tuple(
        RuleViolation(field_of.get(p.field, p.field), p.rule, shown_value(p.value), row.row)
        for p in row.problems
    )
    values = {k: v for k, v in row.values.items() if k != "currency"}
    return EntryRow(row.row, values, imported=imported, columns=row.columns)


def typed_value(name: str, value: object) -> str:
    """A cell as typed, kept as the import keeps it: an IBAN copied from a letter
    ("sa03 8000 …") compact and upper-cased, a country code upper-cased, so the rules and the
    IBAN-vs-country warning compare like with like."""
    text = "" if value is None else str(value).strip()
    if name == "beneficiary_account_number":
        return re.sub(r"[\s\-]+", "", text).upper()
    if name == "beneficiary_country":
        return text.upper()
    return text


def without_imported(entry: EntryRow, names: Iterable[str]) -> tuple[RuleViolation, ...]:
    """The import's problems left once the cells ``names`` are edited."""
    gone = set(names)
    return tuple(p for p in entry.imported if p.field not in gone)


def shown_value(value: object) -> str | None:
    """A cell's value on one line, as the spreadsheet showed it (Decimals without exponent)."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return f"{value:f}"
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return " ".join(str(value).split()) or None


def _currency_settled(entry: EntryRow) -> tuple[RuleViolation, ...]:
    if not entry.imported:
        return ()
    gone = {"currency"}
    if _amount(entry.values.get("amount", "")) is not None:
        gone.add("amount")
    return without_imported(entry, gone)


def _amount(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", "").strip())
    except (InvalidOperation, AttributeError):
        return None
    return value if value.is_finite() else None


class PayoutEntriesModel(RecordTableModel[EntryRow, EntryColumn]):
    """The entries of one batch, keyed by their row number in the sheet. ``summary_changed``
    fires after any change (count, total)."""

    summary_changed = Signal()
    columns = EntryColumn
    headers = HEADERS

    def __init__(self, undo: QUndoStack, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo = undo
        self.currency = "SAR"
        self.editable = True

    # -- content ---------------------------------------------------------------------------

    entries = RecordTableModel.records
    entry = RecordTableModel.record

    def row_of(self, key: int) -> int | None:
        # Undo adds and removes rows one at a time: a scan costs less than indexing a 30,000-row
        # batch again after each of them.
        for position, entry in enumerate(self._records):
            if entry.row == key:
                return position
        return None

    position_of = row_of

    def _key(self, entry: EntryRow) -> int:
        return entry.row

    def load(
        self, rows: Iterable[EntryRow], currency: str, *, editable: bool, checked: bool = False
    ) -> None:
        """Replace every row (a loaded batch or an import): one reset, undo history cleared.
        ``checked``: the rows went through ``check_row`` already (in a worker, for big batches)."""
        self.currency = currency
        self.editable = editable
        self._reset(rows if checked else [check_row(r, currency) for r in rows])
        self.undo.clear()
        self.summary_changed.emit()

    def set_currency(self, currency: str) -> None:
        """The amounts' decimals depend on it: check every row again. The user chose the
        batch's currency, so the import's word on a row's currency cell, and on an amount that
        reads as a number (its decimals, its sign), gives way to the live check; an amount cell
        that was a formula without result or an error keeps the import's problem."""
        self.currency = currency
        self._records = [
            check_row(replace(r, imported=_currency_settled(r)), currency) for r in self._records
        ]
        if self._records:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._records) - 1, len(EntryColumn) - 1)
            )
        self.summary_changed.emit()

    def set_warnings(self, by_row: dict[int, tuple[RuleViolation, ...]]) -> None:
        self._records = [replace(r, warnings=by_row.get(r.row, ())) for r in self._records]
        if self._records:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._records) - 1, len(EntryColumn) - 1)
            )

    def count_and_total(self) -> tuple[int, Decimal]:
        total = Decimal(0)
        for entry in self._records:
            amount = _amount(entry.values.get("amount", ""))
            if amount is not None:
                total += amount
        return len(self._records), total

    def problems(self) -> list[RuleViolation]:
        return [p for entry in self.entries() for p in entry.problems]

    def next_row_number(self) -> int:
        return max((r.row for r in self._records), default=1) + 1

    # -- Qt model --------------------------------------------------------------------------

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        if not index.isValid():
            return base
        if self.editable and EntryColumn(index.column()) in FIELD:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def _role_data(self, entry: EntryRow, column: EntryColumn, role: int) -> Any:
        name = FIELD.get(column)
        if role == Qt.ItemDataRole.EditRole:
            return entry.values.get(name, "") if name else self._display(entry, column)
        if role == ROW_ROLE:
            return entry.row
        if role == FILTER_ROLE:
            cells = (self._display(entry, c) for c in EntryColumn)
            return entry.status + "".join(CELL_MARK + text for text in cells)
        if role == Qt.ItemDataRole.ToolTipRole:
            if name is not None:
                return entry.problem(name)
            if column is EntryColumn.ROW and entry.problems:
                return "\n".join(problem_text(p, entry, with_row=False) for p in entry.problems)
            if column is EntryColumn.MESSAGE:
                return entry.protocol_message
            return None
        if role == Qt.ItemDataRole.BackgroundRole:
            if name is not None and name in entry.problem_fields:
                return QBrush(PROBLEM_BACKGROUND)
            if column is EntryColumn.ROW and entry.problems:
                return QBrush(PROBLEM_BACKGROUND)
            if name is not None and any(_base_field(w.field) == name for w in entry.warnings):
                return QBrush(WARNING_BACKGROUND)
            if column is EntryColumn.STATUS and entry.status in STATUS_BACKGROUND:
                return QBrush(QColor(STATUS_BACKGROUND[entry.status]))
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (
            EntryColumn.AMOUNT,
            EntryColumn.FEE,
            EntryColumn.TOTAL,
            EntryColumn.ROW,
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _display(self, entry: EntryRow, column: EntryColumn) -> str:
        if column is EntryColumn.ROW:
            return str(entry.row)
        if column is EntryColumn.STATUS:
            return entry.status
        if column is EntryColumn.FEE:
            return "" if entry.fee is None else self._money(entry.fee)
        if column is EntryColumn.TOTAL:
            return "" if entry.total is None else self._money(entry.total)
        if column is EntryColumn.MESSAGE:
            return entry.protocol_message or ""
        value = entry.values.get(FIELD[column], "")
        if column is EntryColumn.TRANSFER:
            try:
                return f"{value} – {TRANSFER_CODES[int(value)]}"
            except (ValueError, KeyError):
                return value
        if column is EntryColumn.AMOUNT and "amount" not in entry.problem_fields:
            # A broken amount is shown as typed: rounding it for display would hide the problem.
            amount = _amount(value)
            if amount is not None and amount > 0:
                try:
                    return self._money(amount)
                except (ValueError, ArithmeticError):
                    return value
        return value

    def _money(self, amount: Decimal) -> str:
        try:
            return format_amount(amount, self.currency)
        except (ValueError, ArithmeticError):
            return str(amount)

    def _sort_value(self, entry: EntryRow, column: EntryColumn) -> Any:
        # Amounts sort as exact Decimals; a blank or unreadable amount is None (sorted last).
        if column is EntryColumn.ROW:
            return entry.row
        if column is EntryColumn.AMOUNT:
            return _amount(entry.values.get("amount", ""))
        if column is EntryColumn.FEE:
            return entry.fee
        if column is EntryColumn.TOTAL:
            return entry.total
        return super()._sort_value(entry, column)

    def _sort_keys(self, records: Sequence[EntryRow], column: EntryColumn) -> list[Any]:
        # Computed in bulk (no method call per row): the first click on a column pays for it.
        if column is EntryColumn.AMOUNT:
            return [_amount(r.values.get("amount", "")) for r in records]
        name = FIELD.get(column)
        if name is not None and column is not EntryColumn.TRANSFER:
            return [r.values.get(name, "").casefold() for r in records]  # the text shown
        return super()._sort_keys(records, column)

    def _load_order(self, entry: EntryRow) -> int:
        return entry.row  # the sheet's order

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or not self.editable:
            return False
        name = FIELD.get(EntryColumn(index.column()))
        if name is None:
            return False
        entry = self._records[index.row()]
        text = typed_value(name, value)
        if entry.values.get(name, "") == text:
            return False
        after = {**entry.values, name: text}
        if name == "beneficiary_account_number" and not after.get("beneficiary_bank", "").strip():
            # The bank from the IBAN registry when the user left it blank.
            bank = bank_from_iban(text)
            if bank:
                after["beneficiary_bank"] = bank
        # The edited cells (the bank too, when filled from the IBAN) lose the import's problem.
        edited = [k for k in after if after[k] != entry.values.get(k, "")]
        command = SetRow(
            self,
            entry.row,
            (entry.values, entry.imported),
            (after, without_imported(entry, edited)),
            f"Edit {FIELD_NAMES[name]}",
        )
        self.undo.push(command)
        return True

    # -- used by the undo commands ---------------------------------------------------------

    def _apply_values(self, row_number: int, state: RowState) -> None:
        position = self.position_of(row_number)
        if position is None:
            return
        values, imported = state
        self._records[position] = check_row(
            replace(self._records[position], values=dict(values), imported=imported), self.currency
        )
        self.dataChanged.emit(self.index(position, 0), self.index(position, len(EntryColumn) - 1))
        self.summary_changed.emit()

    def _insert(self, position: int, rows: Sequence[EntryRow]) -> None:
        self.beginInsertRows(QModelIndex(), position, position + len(rows) - 1)
        self._records[position:position] = [check_row(r, self.currency) for r in rows]
        self.endInsertRows()
        self.summary_changed.emit()

    def _remove(self, row_numbers: Sequence[int]) -> list[tuple[int, EntryRow]]:
        removed: list[tuple[int, EntryRow]] = []
        for number in row_numbers:
            position = self.position_of(number)
            if position is None:
                continue
            self.beginRemoveRows(QModelIndex(), position, position)
            removed.append((position, self._records.pop(position)))
            self.endRemoveRows()
        self.summary_changed.emit()
        return removed

    def add_row(self, values: dict[str, str] | None = None) -> int:
        number = self.next_row_number()
        self.undo.push(
            InsertRows(self, len(self._records), [EntryRow(number, values or blank_values())])
        )
        return number

    def remove_rows(self, row_numbers: Sequence[int]) -> None:
        if row_numbers and self.editable:
            self.undo.push(RemoveRows(self, list(row_numbers)))

    def update_tracking(
        self, by_row: dict[int, tuple[str, Decimal | None, Decimal | None, str | None]]
    ) -> None:
        """Gateway statuses: repaint only the rows that changed."""
        for position, entry in enumerate(self._records):
            found = by_row.get(entry.row)
            if found is None:
                continue
            status, fee, total, message = found
            updated = replace(entry, status=status, fee=fee, total=total, protocol_message=message)
            if updated != entry:
                self._records[position] = updated
                self.dataChanged.emit(
                    self.index(position, EntryColumn.STATUS),
                    self.index(position, EntryColumn.MESSAGE),
                )
        self.summary_changed.emit()


#: What an edit changes in a row: its values and the import's problems still standing (undoing
#: the edit brings the import's problem back with the cell's old value).
RowState = tuple[dict[str, str], tuple[RuleViolation, ...]]


class SetRow(QUndoCommand):
    def __init__(
        self,
        model: PayoutEntriesModel,
        row: int,
        before: RowState,
        after: RowState,
        text: str,
    ) -> None:
        super().__init__(text)
        self.model, self.row = model, row
        self.before = (dict(before[0]), before[1])
        self.after = (dict(after[0]), after[1])

    def redo(self) -> None:
        self.model._apply_values(self.row, self.after)

    def undo(self) -> None:
        self.model._apply_values(self.row, self.before)


class InsertRows(QUndoCommand):
    def __init__(
        self,
        model: PayoutEntriesModel,
        position: int,
        rows: Sequence[EntryRow],
        text: str = "Add entry",
    ) -> None:
        super().__init__(text)
        self.model, self.position, self.rows = model, position, list(rows)

    def redo(self) -> None:
        self.model._insert(min(self.position, self.model.rowCount()), self.rows)

    def undo(self) -> None:
        self.model._remove([r.row for r in self.rows])


class RemoveRows(QUndoCommand):
    def __init__(self, model: PayoutEntriesModel, rows: list[int]) -> None:
        super().__init__(f"Delete {len(rows)} entr{'y' if len(rows) == 1 else 'ies'}")
        self.model, self.rows = model, rows
        self.removed: list[tuple[int, EntryRow]] = []

    def redo(self) -> None:
        self.removed = self.model._remove(self.rows)

    def undo(self) -> None:
        for position, entry in reversed(self.removed):
            self.model._insert(position, [entry])


# --- the problem list --------------------------------------------------------------------------


def problem_text(problem: RuleViolation, entry: EntryRow, *, with_row: bool = True) -> str:
    """ "row 12, IBAN No.: has wrong check digits (sa03 8000 …)": the column as the file names
    it for an imported row, the value as the cell showed it (else as the row holds it)."""
    name = _base_field(problem.field)
    shown = problem.value if problem.value not in (None, "") else entry.values.get(name)
    tail = ""
    if shown not in (None, ""):
        text = str(shown)
        if text not in problem.rule:  # "shows the spreadsheet error #DIV/0!" says it already
            tail = f" ({text[:14]} …)" if len(text) > 16 else f" ({text})"
    where = f"row {problem.row}, " if with_row and problem.row is not None else ""
    return f"{where}{entry.column_name(name)}: {problem.rule}{tail}"


@dataclass(frozen=True)
class ProblemItem:
    row: int | None
    field: str
    text: str
    warning: bool


class ProblemsModel(QAbstractListModel):
    """Every problem, then every warning, of the entries model (rebuilt after each change)."""

    def __init__(self, source: PayoutEntriesModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source = source
        self._items: list[ProblemItem] = []
        self.extra_warnings: list[RuleViolation] = []

    def item(self, index: int) -> ProblemItem:
        return self._items[index]

    def rebuild(self) -> None:
        items: list[ProblemItem] = []
        for entry in self._source.entries():
            for p in entry.problems:
                items.append(
                    ProblemItem(p.row, _base_field(p.field), problem_text(p, entry), False)
                )
        for entry in self._source.entries():
            for w in entry.warnings:
                items.append(
                    ProblemItem(
                        w.row,
                        _base_field(w.field),
                        "Warning: " + problem_text(w, entry),
                        True,
                    )
                )
        if items == self._items:
            return
        self.beginResetModel()
        self._items = items
        self.endResetModel()

    def counts(self) -> tuple[int, int]:
        problems = sum(1 for i in self._items if not i.warning)
        return problems, len(self._items) - problems

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return item.text
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(QColor("#8a6d00" if item.warning else "#a4161a"))
        return None


Jump = Callable[[int, str], None]
