"""Payout spreadsheets in: read an XLSX or CSV, find its header row, map its columns to the wire
fields of a transfer request, and check every row by the core's rules (``core.payout``).

The three steps are separate so the GUI can show the mapping for the user to correct between
them::

    table = read_table(path)                 # cells, row numbers as the spreadsheet shows them
    mapping = guess_mapping(table.headers)   # wire field -> column index (user may edit)
    rows = to_rows(table, mapping, "KWD")    # normalised values + problems per row
    hints = warnings(rows)                   # likely mistakes (same IBAN twice...), not errors

Every problem names the spreadsheet row (counting the title rows above the header) and the
column *as the file names it*, so "row 12, IBAN No.: has wrong check digits" points at the cell.

What real sheets bring, and what happens to it:

* title or blank rows above the header: skipped, the header row is the one whose cells name the
  most fields (:func:`guess_mapping`);
* numbers stored as text ("1,250.500", Arabic-Indic digits): read by ``core.money``;
* IBANs with spaces or in lower case: normalised by ``core.payout``;
* formulas: the value the spreadsheet saved with them is used; a formula saved without a value
  (a file written by a program that does not calculate) is named, cell by cell, as a problem:
  nothing is guessed;
* cells showing an error (``#DIV/0!``): a problem naming the error;
* empty rows that only carry formatting (Excel keeps them after deleted data): skipped, noted;
  a "Total" row under the entries: left out, noted with whether it matches the entries' total;
* numbers read from XLSX are taken at Excel's own 15 significant digits, never through binary
  floating point arithmetic (1250.5 stays 1250.5).

openpyxl reads in read-only (streaming) mode; the sheet is read a second time, for formulas,
only when it holds formulas at all.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import statistics
import zipfile
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from clickpay_desk.core.contact import e164_suggestion
from clickpay_desk.core.money import (
    GATEWAY_CURRENCIES,
    format_amount,
    minor_units,
    normalize_currency,
    parse_decimal,
    significant_decimals,
)
from clickpay_desk.core.payout import (
    MAY_BE_EMPTY,
    TRANSFER_CODES,
    WIRE_ORDER,
    PayoutRequest,
    payout_request_from_wire,
)
from clickpay_desk.core.rules import RuleViolation, ValidationError
from clickpay_desk.core.text import visible

from .payout_headers import (
    EXAMPLE_REFERENCE,
    FIELDS,
    guess_mapping,
    heading_currency,
    normalize_heading,
    same_field_columns,
)

__all__ = [
    "DEFAULT_CURRENCY",
    "FIELDS",
    "ImportedRow",
    "SheetReadError",
    "SheetTable",
    "bank_from_iban",
    "guess_mapping",
    "mapping_from_headings",
    "read_table",
    "to_rows",
    "totals_by_currency",
    "warnings",
]

#: The currency when neither the caller, a currency column nor the amount heading names one.
DEFAULT_CURRENCY = "SAR"

Cell = str | Decimal | int | date | None

XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xltx", ".xltm"})
CSV_SUFFIXES = frozenset({".csv", ".txt", ".tsv"})
# How far down a header row is looked for (titles, logos, blank lines above it).
_HEADER_SEARCH_ROWS = 30
# How many row numbers a note lists before saying "and N more".
_NOTE_LIST = 8
_EXCEL_ERRORS = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#SPILL!", "#CALC!"}
)
_TOTAL_WORDS = frozenset(
    normalize_heading(word)
    for word in (
        "total",
        "totals",
        "grand total",
        "sum",
        "subtotal",
        "sub total",
        "المجموع",
        "الإجمالي",
        "اجمالي",
        "المجموع الكلي",
        "الإجمالي الكلي",
    )
)
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
_INT_PREFIX = re.compile(r"^\s*(\d+)\b")
_TRANSFER_BY_NAME = {
    **{name.casefold(): code for code, name in TRANSFER_CODES.items()},
    # The same four purposes as Arabic payroll sheets write them.
    **{"راتب": 100, "رواتب": 100, "معاش": 101, "معاش تقاعدي": 101, "تقاعد": 101},
    **{"إدارة النقد العامة": 102, "تبرع": 103, "تبرعات": 103},
}
_OPTIONAL = frozenset({*MAY_BE_EMPTY, "merchant_reference"})
_PHONE_AS_NUMBER = (
    "is stored as a number, which drops its leading + (and a leading 0): format the column as "
    "Text and enter it in E.164 format{example}"
)
_ACCOUNTING_NEGATIVE = re.compile(r"\(\s*([^()]*?)\s*\)")
# A currency written before or after an amount: Latin or Arabic letters (and the dots of
# abbreviations such as "ر.س."); the number between holds neither.
_LETTERS = "A-Za-z\u0621-\u064a"
_CURRENCY_AROUND = re.compile(
    rf"(?P<pre>[{_LETTERS}.]*[{_LETTERS}][{_LETTERS}.]*)\s*(?P<a>[^{_LETTERS}]+)"
    rf"|(?P<b>[^{_LETTERS}]+?)\s*(?P<post>[{_LETTERS}.]*[{_LETTERS}][{_LETTERS}.]*)"
)


def _phone_as_number(value: int | Decimal, country: str | None) -> str:
    suggested = e164_suggestion(_cell_text(value), country)
    return _PHONE_AS_NUMBER.format(
        example=f": {suggested}" if suggested else ", e.g. +966501234567"
    )


def split_currency(text: str) -> tuple[str, str | None]:
    """``(number, currency code)`` of an amount written with its currency, as an ISO code or the
    Arabic symbol CLDR gives it ("SAR 1,250.00", "1,250.00 ر.س"); ``(text, None)`` otherwise."""
    match = _CURRENCY_AROUND.fullmatch(visible(text).strip())
    if match is None:
        return text, None
    code = _currency_written(match.group("pre") or match.group("post"))
    if code is None:
        return text, None
    return (match.group("a") or match.group("b")).strip(), code


def _currency_written(token: str) -> str | None:
    key = token.replace(".", "")
    if len(key) == 3 and key.isascii():
        return _known_currency(key)
    return _arabic_symbols().get(key)


@lru_cache(maxsize=1)
def _arabic_symbols() -> dict[str, str]:
    """The gateway currencies by their Arabic symbol without dots: "رس" -> SAR, "دك" -> KWD."""
    from babel.numbers import get_currency_symbol

    symbols: dict[str, str] = {}
    for code in sorted(GATEWAY_CURRENCIES):
        symbol = visible(get_currency_symbol(code, "ar")).replace(".", "").strip()
        if symbol and not symbol.isascii():
            symbols.setdefault(symbol, code)
    return symbols


_UNCACHED = (
    "is a formula ({formula}) saved without its result: open the file in Excel or "
    "LibreOffice, let it calculate, save it, and import it again"
)


class SheetReadError(Exception):
    """The file cannot be read as a payout sheet; the message says why, in words."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class SheetTable:
    """What was read, before mapping.

    ``rows`` holds only rows with at least one value, each with its row number as the
    spreadsheet shows it; its cells are padded (or cut) to the header's width. ``formulas``
    names, by (row, column index), the formula cells saved without a result: their value is
    ``None`` and the formula text is kept here.
    """

    path: Path
    sheet_name: str | None
    header_row: int
    headers: tuple[str, ...]
    rows: tuple[tuple[int, tuple[Cell, ...]], ...]
    notes: tuple[str, ...] = ()
    formulas: Mapping[tuple[int, int], str] = field(default_factory=lambda: MappingProxyType({}))

    def column_letter(self, index: int) -> str:
        """The spreadsheet's letter for column ``index`` (0 -> "A"); CSV columns get one too."""
        return _letter(index + 1)


@dataclass(frozen=True, slots=True)
class ImportedRow:
    """One entry of the sheet: its values as the wire wants them, and what is wrong with it.

    ``values``: wire field -> normalised text (amount "1250.500", IBAN compact and upper-cased,
    transfer_code "100", mobile in E.164) plus ``"currency"``; fields without a column are "".
    ``problems``: field = the column as the file names it (the wire field when no column is
    mapped to it), row = the spreadsheet row. ``filled``: fields the app filled in itself (the
    bank, from the IBAN registry). ``columns``: wire field -> column name, shared by the rows of
    one import. (No request object is kept per row: a 100,000-row sheet must fit in memory.)
    """

    row: int
    values: dict[str, str]
    problems: tuple[RuleViolation, ...]
    filled: frozenset[str] = frozenset()
    columns: Mapping[str, str] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def currency(self) -> str:
        return self.values.get("currency", "")

    def to_request(self) -> PayoutRequest:
        """The row as a checked request; raises ``ValidationError`` when it has problems."""
        if self.problems:
            raise ValidationError(self.problems)
        wire = {k: v for k, v in self.values.items() if k != "currency"}
        return payout_request_from_wire(wire, self.currency or DEFAULT_CURRENCY, row=self.row)


# --- reading ----------------------------------------------------------------------------------


def read_table(path: Path | str, *, sheet: str | None = None) -> SheetTable:
    """Read an XLSX or CSV payout sheet; raise :class:`SheetReadError` when it cannot be read.

    ``sheet`` picks a worksheet by name; by default the active one, or the first other one
    whose header row names payout fields when the active one names none.
    """
    source = Path(path)
    if not source.exists():
        raise SheetReadError(f"{source}: no such file")
    if source.is_dir():
        raise SheetReadError(f"{source}: is a folder, not a spreadsheet")
    suffix = source.suffix.lower()
    if suffix == ".xls":
        raise SheetReadError(
            f"{source.name}: the old Excel 97-2003 format (.xls) is not read; "
            "open it in Excel and save it as .xlsx"
        )
    if suffix in XLSX_SUFFIXES and not zipfile.is_zipfile(source) and _is_ole(source):
        raise SheetReadError(
            f"{source.name}: is password-protected (or an old .xls renamed): open it in Excel "
            "and save it as .xlsx without a password"
        )
    if suffix in XLSX_SUFFIXES or (suffix not in CSV_SUFFIXES and zipfile.is_zipfile(source)):
        return _read_xlsx(source, sheet)
    return _read_csv(source)


def _is_ole(source: Path) -> bool:
    """An OLE2 compound file: what Excel writes for encrypted workbooks and for .xls."""
    try:
        with source.open("rb") as fh:
            return fh.read(8) == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    except OSError:
        return False


def _letter(number: int) -> str:
    """Column ``number`` (1 -> "A") as the spreadsheet names it."""
    from openpyxl.utils import get_column_letter  # openpyxl on first use: start-up is shorter

    return get_column_letter(number)


def _read_xlsx(source: Path, wanted: str | None) -> SheetTable:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise SheetReadError(f"{source.name}: not a readable XLSX workbook ({exc})") from exc
    except Exception as exc:  # openpyxl raises many things for damaged files
        raise SheetReadError(f"{source.name}: damaged XLSX workbook ({exc})") from exc
    try:
        names = workbook.sheetnames
        if wanted is not None:
            if wanted not in names:
                shown = ", ".join(f"“{n}”" for n in names)
                raise SheetReadError(f"{source.name}: no sheet “{wanted}” (it has {shown})")
            order = [wanted]
        else:
            active = workbook.active
            first = active.title if active is not None and active.title in names else names[0]
            order = [first, *(n for n in names if n != first)]
        chosen = order[0]
        if wanted is None and len(order) > 1:
            for name in order:
                top = _top_rows(workbook[name])
                if _find_header(top)[1] >= 2:
                    chosen = name
                    break
        worksheet = workbook[chosen]
        if not hasattr(worksheet, "iter_rows"):
            raise SheetReadError(f"{source.name}: “{chosen}” is a chart, not a sheet of cells")
        formulas = _has_formulas(source, getattr(worksheet, "_worksheet_path", None))
        formula_book = load_workbook(source, read_only=True, data_only=False) if formulas else None
        try:
            rows = _xlsx_rows(worksheet, formula_book[chosen] if formula_book else None)
            table = _build(source, chosen, rows)
        finally:
            if formula_book is not None:
                formula_book.close()
    except SheetReadError:
        raise
    except Exception as exc:
        raise SheetReadError(f"{source.name}: damaged XLSX workbook ({exc})") from exc
    finally:
        workbook.close()
    return table


def _top_rows(worksheet: Any) -> list[tuple[int, tuple[Cell, ...]]]:
    worksheet.reset_dimensions()
    top = []
    for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
        if number > _HEADER_SEARCH_ROWS:
            break
        top.append((number, tuple(_cell(v) for v in values)))
    return top


def _has_formulas(source: Path, part: str | None) -> bool:
    """Whether the sheet's XML holds a formula element (streamed, without parsing)."""
    with zipfile.ZipFile(source) as archive:
        members = [part.lstrip("/")] if part else []
        if not members or members[0] not in archive.namelist():
            members = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        for member in members:
            with archive.open(member) as stream:
                tail = b""
                while chunk := stream.read(1 << 20):
                    if _FORMULA_TAG.search(tail + chunk):
                        return True
                    tail = chunk[-8:]
    return False


class _Formula(str):
    """A formula cell saved without its result (its text, from the second read)."""


def _xlsx_rows(values_sheet: Any, formula_sheet: Any | None) -> Iterator[tuple[Cell, ...]]:
    values_sheet.reset_dimensions()  # trust the cells, not the file's stated dimension
    rows = values_sheet.iter_rows(values_only=True)
    if formula_sheet is None:
        for values in rows:
            # Most cells are text or whole numbers and pass unchanged; the rest go through _cell.
            yield tuple(
                [
                    v if (type(v) is str and v.strip()) or type(v) is int else _cell(v)
                    for v in values
                ]
            )
        return
    formula_sheet.reset_dimensions()
    formula_rows = formula_sheet.iter_rows(values_only=True)
    for values in rows:
        texts = next(formula_rows, ())
        out: list[Cell] = []
        for index, value in enumerate(values):
            if value is None and index < len(texts):
                text = texts[index]
                if isinstance(text, str) and text.startswith("="):
                    out.append(_Formula(text))
                    continue
            out.append(_cell(value))
        yield tuple(out)


def _cell(value: object) -> Cell:
    """An openpyxl value as a sheet cell: no floats, blanks as None."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        # Excel keeps 15 significant digits: read what it shows, not the binary float's tail.
        return Decimal(f"{value:.15g}")
    if isinstance(value, datetime):
        return value.date() if value.time() == time() else value
    if isinstance(value, date | Decimal):
        return value
    if isinstance(value, time | timedelta):
        return str(value)
    return str(value)


def _read_csv(source: Path) -> SheetTable:
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise SheetReadError(f"{source.name}: cannot be read ({exc.strerror or exc})") from exc
    if b"\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise SheetReadError(f"{source.name}: not a text (CSV) file nor an XLSX workbook")
    text, encoding = _decode(data)
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = [tuple(_csv_cell(v) for v in record) for record in reader]
    except csv.Error as exc:
        raise SheetReadError(f"{source.name}: not a readable CSV file ({exc})") from exc
    table = _build(source, None, iter(rows))
    named = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}[delimiter]
    note = f"read as CSV: {encoding}, {named}-separated"
    return _with_notes(table, (note, *table.notes))


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace"), "UTF-8 with BOM"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "UTF-16"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    # Windows Arabic, what Excel in the Gulf saves "CSV" as; it decodes any byte, so it is last.
    return data.decode("cp1256", errors="replace"), "Windows-1256 (Arabic)"


def _delimiter(text: str) -> str:
    """The separator that splits most lines into the same number (> 1) of fields."""
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    best, best_score = ",", (0, 0)
    for candidate in (",", ";", "\t", "|"):
        counts = [len(r) for r in csv.reader(lines, delimiter=candidate)]
        wide = [c for c in counts if c > 1]
        if not wide:
            continue
        modal = max(set(wide), key=wide.count)
        score = (wide.count(modal), modal)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _csv_cell(value: str) -> Cell:
    return value if value.strip() else None


# --- the table: header row, data rows, notes ---------------------------------------------------


def _find_header(top: Sequence[tuple[int, tuple[Cell, ...]]]) -> tuple[int, int]:
    """(index in ``top``, fields named) of the row naming the most fields; (-1, 0) if none."""
    best, best_score = -1, 0
    for index, (_, values) in enumerate(top):
        texts = [v for v in values if v is not None]
        if len(texts) < 2 or not all(isinstance(v, str) for v in texts):
            continue
        score = len(guess_mapping([v if isinstance(v, str) else "" for v in values]))
        if score > best_score:
            best, best_score = index, score
    return best, best_score


def _build(source: Path, sheet_name: str | None, rows: Iterator[tuple[Cell, ...]]) -> SheetTable:
    notes: list[str] = []
    top: list[tuple[int, tuple[Cell, ...]]] = []
    number = 0
    for number, values in enumerate(rows, start=1):
        top.append((number, values))
        if number >= _HEADER_SEARCH_ROWS:
            break
    filled_top = [(n, v) for n, v in top if any(c is not None for c in v)]
    if not filled_top:
        raise SheetReadError(f"{source.name}: the sheet is empty")
    index, score = _find_header(filled_top)
    if score < 2:
        # Nothing recognisable: the first row with two or more cells is taken as the header,
        # and the mapping is left to the user.
        index = next((i for i, (_, v) in enumerate(filled_top) if _count(v) >= 2), 0)
        notes.append("no heading was recognised as a payout field: map the columns by hand")
    header_row, header_cells = filled_top[index]
    if header_row > 1:
        skipped = header_row - 1
        notes.append(
            f"the header is row {header_row}; the {skipped} row{'s' if skipped > 1 else ''} "
            "above it (titles, blank rows) were skipped"
        )
    headers = _headers(header_cells)
    width = len(headers)
    for columns in same_field_columns(headers).values():
        named = [
            f"“{_cell_text(header_cells[c]).strip()}” in column {_letter(c + 1)}" for c in columns
        ]
        notes.append(
            f"{', '.join(named[:-1])} and {named[-1]} mean the same field: column "
            f"{_letter(columns[0] + 1)} is used; change the mapping if another one is meant"
        )

    data: list[tuple[int, tuple[Cell, ...]]] = []
    formulas: dict[tuple[int, int], str] = {}
    blank_inside: list[int] = []
    blank_run: list[int] = []
    overflow: list[int] = []

    def take(row_number: int, values: tuple[Cell, ...]) -> None:
        if not any(v is not None for v in values):
            blank_run.append(row_number)
            return
        if blank_run:
            blank_inside.extend(blank_run)
            blank_run.clear()
        if len(values) > width and any(v is not None for v in values[width:]):
            overflow.append(row_number)
        cells = values[:width] if len(values) >= width else values + (None,) * (width - len(values))
        for column, value in enumerate(cells):
            if isinstance(value, _Formula):
                formulas[(row_number, column)] = str(value)
        if formulas and any(isinstance(v, _Formula) for v in cells):
            cells = tuple(None if isinstance(v, _Formula) else v for v in cells)
        data.append((row_number, cells))

    for row_number, values in top:
        if row_number > header_row:
            take(row_number, values)
    for row_number, values in enumerate(rows, start=number + 1):
        take(row_number, values)

    totals = _trailing_totals(data, headers)
    if formulas and data:
        last = data[-1][0]
        formulas = {key: text for key, text in formulas.items() if key[0] <= last}
    if blank_inside:
        notes.append(f"empty rows between the entries were skipped: {_rows_text(blank_inside)}")
    if blank_run:
        notes.append(
            f"{len(blank_run)} empty row{'s' if len(blank_run) > 1 else ''} after the last entry "
            "(blank, or formatting only) skipped"
        )
    notes.extend(totals)
    if overflow:
        notes.append(
            f"values right of the last heading were ignored, in rows {_rows_text(overflow)}"
        )
    for (row_number, column), formula in list(formulas.items())[:_NOTE_LIST]:
        cell = f"{_letter(column + 1)}{row_number}"
        notes.append(
            f"{cell} ({headers[column]}) is a formula {formula} saved without a result "
            "(or with an empty one)"
        )
    if len(formulas) > _NOTE_LIST:
        notes.append(f"… and {len(formulas) - _NOTE_LIST} more formulas saved without a result")
    errors = [
        (n, c)
        for n, cells in data
        for c, v in enumerate(cells)
        if isinstance(v, str) and v in _EXCEL_ERRORS
    ]
    if errors:
        shown = ", ".join(f"{_letter(c + 1)}{n}" for n, c in errors[:_NOTE_LIST])
        more = f" and {len(errors) - _NOTE_LIST} more" if len(errors) > _NOTE_LIST else ""
        notes.append(f"cells showing a spreadsheet error: {shown}{more}")
    return SheetTable(
        path=source,
        sheet_name=sheet_name,
        header_row=header_row,
        headers=headers,
        rows=tuple(data),
        notes=tuple(notes),
        formulas=MappingProxyType(formulas),
    )


def _count(values: Sequence[Cell]) -> int:
    return sum(v is not None for v in values)


def _headers(cells: Sequence[Cell]) -> tuple[str, ...]:
    # Columns after the last heading are not part of the table.
    last = max((i for i, v in enumerate(cells) if v is not None), default=-1)
    names: list[str] = []
    seen: dict[str, int] = {}
    for index, value in enumerate(cells[: last + 1]):
        letter = _letter(index + 1)
        name = _cell_text(value).strip() if value is not None else ""
        if not name:
            name = f"column {letter}"
        key = name.casefold()
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            name = f"{name} (column {letter})"  # two columns named alike stay told apart
        names.append(name)
    return tuple(names)


def _trailing_totals(data: list[tuple[int, tuple[Cell, ...]]], headers: Sequence[str]) -> list[str]:
    """Drop "Total" rows under the entries; say so and whether their numbers match."""
    notes: list[str] = []
    while data:
        row_number, cells = data[-1]
        texts = [v for v in cells if isinstance(v, str)]
        if len(texts) != 1 or normalize_heading(texts[0]) not in _TOTAL_WORDS:
            break
        data.pop()
        sums = []
        for column, value in enumerate(cells):
            if isinstance(value, Decimal | int) and not isinstance(value, bool):
                entries = sum(
                    (v for _, c in data if isinstance(v := c[column], Decimal | int)), Decimal(0)
                )
                verdict = (
                    "matches the entries" if entries == value else f"the entries sum {entries}"
                )
                sums.append(f"{headers[column]} {value}: {verdict}")
        detail = f" ({'; '.join(sums)})" if sums else ""
        notes.append(f"row {row_number} is a “{texts[0]}” row, not an entry: left out{detail}")
    return notes


def _rows_text(numbers: Sequence[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:_NOTE_LIST])
    more = f" and {len(numbers) - _NOTE_LIST} more" if len(numbers) > _NOTE_LIST else ""
    return shown + more


def _with_notes(table: SheetTable, notes: Sequence[str]) -> SheetTable:
    return SheetTable(
        table.path,
        table.sheet_name,
        table.header_row,
        table.headers,
        table.rows,
        tuple(notes),
        table.formulas,
    )


def mapping_from_headings(headers: Sequence[str], saved: Mapping[str, str]) -> dict[str, int]:
    """A mapping remembered as field -> heading text, applied to this file's ``headers``.

    Headings are compared in their normalised form; fields whose heading is not in this file
    are left out (the caller then falls back to :func:`guess_mapping` for them).
    """
    positions = {normalize_heading(h): i for i, h in reversed(list(enumerate(headers)))}
    mapping: dict[str, int] = {}
    for name in FIELDS:
        heading = saved.get(name)
        if heading is not None and normalize_heading(heading) in positions:
            mapping[name] = positions[normalize_heading(heading)]
    return mapping


# --- rows: mapping + the core's rules ---------------------------------------------------------


def to_rows(
    table: SheetTable, mapping: Mapping[str, int], currency: str | None
) -> list[ImportedRow]:
    """Every data row mapped and checked. ``currency`` None: the row's currency column, else the
    currency the amount heading names ("Amount (KWD)"), else SAR.

    Raises ``ValueError`` for a mapping that points outside the table and
    :class:`~clickpay_desk.core.rules.ValidationError` for an unknown ``currency`` code.
    """
    width = len(table.headers)
    for name, index in mapping.items():
        if name not in FIELDS:
            raise ValueError(f"unknown payout field {name!r}")
        if not 0 <= index < width:
            raise ValueError(f"{name} is mapped to column {index}, the table has {width}")
    columns = MappingProxyType({name: table.headers[i] for name, i in mapping.items()})
    fixed = normalize_currency(currency, gateway_only=False) if currency else None
    if fixed is None and "currency" not in mapping:
        amount_index = mapping.get("amount")
        named = heading_currency(table.headers[amount_index]) if amount_index is not None else None
        fixed = _known_currency(named) or DEFAULT_CURRENCY
    reader = _RowReader(table, mapping, columns, fixed)
    return [reader.read(number, cells) for number, cells in table.rows]


def _known_currency(code: str | None) -> str | None:
    if code is None:
        return None
    try:
        return normalize_currency(code, gateway_only=False)
    except ValidationError:
        return None


@dataclass
class _RowReader:
    table: SheetTable
    mapping: Mapping[str, int]
    columns: Mapping[str, str]
    fixed_currency: str | None

    def __post_init__(self) -> None:
        self._pairs = [(name, self.mapping[name]) for name in WIRE_ORDER if name in self.mapping]
        # Fields without a column that may be empty are sent empty, as the reference's samples.
        self._empty = [name for name in sorted(MAY_BE_EMPTY) if name not in self.mapping]

    def column(self, name: str) -> str:
        return self.columns.get(name, name)

    def read(self, number: int, cells: tuple[Cell, ...]) -> ImportedRow:
        own: dict[str, RuleViolation] = {}  # problems found here, which replace the core's
        raw: dict[str, object] = {}
        formulas = self.table.formulas
        currency, currency_problem = self._currency(number, cells)
        if currency_problem is not None:
            own["currency"] = currency_problem
        # The common cells (text, or nothing) take the short path: this loop runs per cell.
        for name, index in self._pairs:
            value = cells[index]
            if value is None:
                # A formula whose saved result is empty text looks the same as one never
                # calculated: where a field may be empty, that is no problem (only a note).
                if formulas and (number, index) in formulas and name not in _OPTIONAL:
                    rule = _UNCACHED.format(formula=formulas[(number, index)])
                    own[name] = RuleViolation(self.column(name), rule, None, number)
                raw[name] = None
            elif type(value) is str:
                if value[:1] == "#" and value.strip() in _EXCEL_ERRORS:
                    rule = f"shows the spreadsheet error {value.strip()}: correct the formula"
                    own[name] = RuleViolation(self.column(name), rule, value, number)
                if name == "amount":
                    value = self._amount_text(value, currency, number, own)
                raw[name] = _transfer_code(value) if name == "transfer_code" else value
            else:
                if name == "beneficiary_mobile_number" and isinstance(value, int | Decimal):
                    rule = _phone_as_number(value, self._country_code(cells))
                    own[name] = RuleViolation(self.column(name), rule, value, number)
                raw[name] = _for_core(name, value)
        for name in self._empty:
            raw[name] = ""
        reference = raw.get("merchant_reference")
        if isinstance(reference, str) and reference.strip() == EXAMPLE_REFERENCE:
            rule = "is the template's example row: delete this row (it would pay the example)"
            own["merchant_reference"] = RuleViolation(
                self.column("merchant_reference"), rule, reference, number
            )

        filled: frozenset[str] = frozenset()
        bank = raw.get("beneficiary_bank")
        if bank is None or (isinstance(bank, str) and not bank.strip()):
            account = raw.get("beneficiary_account_number")
            known = bank_from_iban(account) if isinstance(account, str) else None
            if known:
                raw["beneficiary_bank"] = known
                filled = frozenset({"beneficiary_bank"})

        request: PayoutRequest | None = None
        found: list[RuleViolation] = []
        try:
            request = payout_request_from_wire(raw, currency or DEFAULT_CURRENCY, row=number)
        except ValidationError as exc:
            found = [
                RuleViolation(self.column(v.field), v.rule, self._shown(v.field, cells), number)
                for v in exc.violations
                if v.field not in own and not (currency is None and "decimal places" in v.rule)
            ]
        problems: tuple[RuleViolation, ...] = ()
        if own or found:
            problems = tuple(sorted([*own.values(), *found], key=lambda v: self._order(v.field)))
            request = None
        values = self._values(raw, request, currency)
        return ImportedRow(number, values, problems, filled, self.columns)

    def _amount_text(
        self, text: str, currency: str | None, number: int, own: dict[str, RuleViolation]
    ) -> str:
        """An amount cell's number: a currency written around it ("SAR 1,250.00",
        "1,250.00 ر.س") is taken off when it is the row's, and named when it is another; an
        accounting negative "(250.00)" reads as -250.00 (refused then as not above 0)."""
        number_text, named = split_currency(text)
        if named is not None and currency is not None and named != currency:
            rule = f"is in {named}; this batch's amounts are in {currency}"
            own["amount"] = RuleViolation(self.column("amount"), rule, text, number)
        negative = _ACCOUNTING_NEGATIVE.fullmatch(number_text)
        return f"-{negative.group(1)}" if negative else number_text

    def _country_code(self, cells: tuple[Cell, ...]) -> str | None:
        """The row's beneficiary country when it is written as a 2-letter code."""
        index = self.mapping.get("beneficiary_country")
        value = cells[index] if index is not None else None
        code = value.strip().upper() if isinstance(value, str) else ""
        return code if len(code) == 2 and code.isascii() and code.isalpha() else None

    def _currency(
        self, number: int, cells: tuple[Cell, ...]
    ) -> tuple[str | None, RuleViolation | None]:
        if self.fixed_currency is not None:
            return self.fixed_currency, None
        index = self.mapping["currency"]
        value = cells[index]
        if value is None:
            rule = "must not be empty: a 3-letter currency code such as SAR"
            return None, RuleViolation(self.column("currency"), rule, None, number)
        try:
            return normalize_currency(visible(_text(value)), gateway_only=False), None
        except ValidationError as exc:
            rule = exc.violations[0].rule
            return None, RuleViolation(self.column("currency"), rule, value, number)

    def _shown(self, name: str, cells: tuple[Cell, ...]) -> object:
        index = self.mapping.get(name)
        return cells[index] if index is not None else None

    def _order(self, column: str) -> int:
        for name, index in self.mapping.items():
            if self.columns[name] == column:
                return index
        return len(self.table.headers)  # unmapped fields after the columns

    def _values(
        self, raw: Mapping[str, object], request: PayoutRequest | None, currency: str | None
    ) -> dict[str, str]:
        values: dict[str, str] = {}
        if request is not None:
            # The request's amount is already at the currency's minor units.
            values["amount"] = f"{request.amount:f}"
            values["merchant_reference"] = request.merchant_reference or ""
            for name in _PLAIN_FIELDS:
                values[name] = getattr(request, name)
            values["transfer_code"] = str(int(request.transfer_code))
        else:
            for name in WIRE_ORDER:
                values[name] = _clean(name, raw.get(name), currency)
        values["currency"] = currency or ""
        return values


_PLAIN_FIELDS = tuple(
    name for name in WIRE_ORDER if name not in ("amount", "merchant_reference", "transfer_code")
)


def _for_core(name: str, value: Cell) -> object:
    """A cell as ``core.payout`` reads it: text for text fields, numbers left as numbers."""
    if value is None:
        return None
    if name == "amount":
        return value if isinstance(value, Decimal | int | str) else _text(value)
    if name == "transfer_code":
        return _transfer_code(value)
    return _text(value)


def _transfer_code(value: Cell) -> object:
    if isinstance(value, int | Decimal):
        return value
    text = visible(_text(value))
    by_name = _TRANSFER_BY_NAME.get(text.strip().casefold())
    if by_name is not None:
        return by_name
    leading = _INT_PREFIX.match(text)  # "100 - Salary", "100 (Salary)"
    return int(leading.group(1)) if leading else text


def _text(value: Cell) -> str:
    return _cell_text(value)


def _cell_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        if value == value.to_integral_value() and abs(value) < Decimal("1e15"):
            return str(int(value))
        return f"{value:f}"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def _clean(name: str, value: object, currency: str | None) -> str:
    """Best-effort normalised text of a field of a row that has problems (for display)."""
    if value is None:
        return ""
    if name == "amount":
        try:
            amount = parse_decimal(value)
        except ValidationError:
            return _cell_text(value).strip()
        if currency and significant_decimals(amount) <= minor_units(currency):
            return format_amount(amount, currency)
        return f"{amount:f}"  # never rounded here: "12.3456" stays what the cell says
    if name == "beneficiary_account_number" and isinstance(value, str):
        return re.sub(r"[\s\-]+", "", value).upper()
    if name == "beneficiary_country" and isinstance(value, str):
        return value.strip().upper()
    return _cell_text(value).strip()


@lru_cache(maxsize=4096)
def bank_from_iban(iban: str) -> str | None:
    """The bank's BIC (as reference 004's samples send it), else its name, from schwifty's
    registry; None when the IBAN is invalid or the registry does not know its bank."""
    try:
        parsed = IBAN(re.sub(r"[\s\-]+", "", iban).upper())
    except (SchwiftyException, ValueError):
        return None
    try:
        bic = parsed.bic
        if bic is not None:
            return str(bic)
        name = parsed.bank_name
    except (SchwiftyException, ValueError):
        return None
    return str(name) if name else None


# --- warnings and totals ----------------------------------------------------------------------

#: An amount this many times the batch's median is flagged as "far above the usual".
FAR_ABOVE = Decimal(10)
_MIN_ROWS_FOR_USUAL = 5


def warnings(rows: Sequence[ImportedRow], *, far_above: Decimal = FAR_ABOVE) -> list[RuleViolation]:
    """Likely mistakes that break no rule: the same IBAN twice, the same beneficiary and amount
    twice, an amount far above the batch's usual, an IBAN from another country than the
    beneficiary's, currencies mixed in one file. Field = column name, row = spreadsheet row."""
    found: list[RuleViolation] = []
    by_iban: dict[str, list[ImportedRow]] = defaultdict(list)
    by_pair: dict[tuple[str, str, str], list[ImportedRow]] = defaultdict(list)
    amounts: dict[str, list[tuple[Decimal, ImportedRow]]] = defaultdict(list)
    for row in rows:
        values = row.values
        iban = values.get("beneficiary_account_number", "")
        if iban:
            by_iban[iban].append(row)
        name = " ".join(values.get("beneficiary_name", "").casefold().split())
        amount_text = values.get("amount", "")
        if name and amount_text:
            by_pair[(name, amount_text, row.currency)].append(row)
        amount = _decimal(amount_text)
        if amount is not None and amount > 0:
            amounts[row.currency].append((amount, row))
        country = values.get("beneficiary_country", "")
        prefix = iban[:2].upper()
        if (
            row.valid
            and len(iban) > 2
            and country
            and prefix != country.upper()
            and prefix.isalpha()
        ):
            found.append(
                RuleViolation(
                    _col(row, "beneficiary_account_number"),
                    f"is a {prefix} IBAN but the beneficiary country is {country}: "
                    "check both (this is allowed)",
                    iban,
                    row.row,
                )
            )
    for iban, group in by_iban.items():
        if len(group) > 1:
            for row in group:
                others = _others(row, group)
                found.append(
                    RuleViolation(
                        _col(row, "beneficiary_account_number"),
                        f"the same IBAN is on {others}: paid twice?",
                        iban,
                        row.row,
                    )
                )
    for (_, amount_text, _), group in by_pair.items():
        if len(group) > 1:
            for row in group:
                others = _others(row, group)
                found.append(
                    RuleViolation(
                        _col(row, "beneficiary_name"),
                        f"the same beneficiary and amount ({amount_text}) are on {others}: "
                        "paid twice?",
                        row.values.get("beneficiary_name"),
                        row.row,
                    )
                )
    for currency, pairs in amounts.items():
        if len(pairs) < _MIN_ROWS_FOR_USUAL:
            continue
        usual = statistics.median(amount for amount, _ in pairs)
        limit = usual * far_above
        for amount, row in pairs:
            if amount > limit:
                times = (amount / usual).quantize(Decimal(1))
                found.append(
                    RuleViolation(
                        _col(row, "amount"),
                        f"is {times}× this batch's usual amount ({format_amount(usual, currency)}"
                        f" {currency}): a typo?",
                        row.values.get("amount"),
                        row.row,
                    )
                )
    currencies = sorted({row.currency for row in rows if row.currency})
    if len(currencies) > 1 and rows:
        found.append(
            RuleViolation(
                _col(rows[0], "currency"),
                f"the file mixes currencies ({', '.join(currencies)}); a batch pays in one",
            )
        )
    found.sort(key=lambda v: v.row or 0)
    return found


def totals_by_currency(rows: Sequence[ImportedRow]) -> dict[str, tuple[int, Decimal]]:
    """Currency -> (rows, total of their amounts), over the rows whose amount could be read."""
    totals: dict[str, tuple[int, Decimal]] = {}
    for row in rows:
        amount = _decimal(row.values.get("amount", ""))
        if amount is None:
            continue
        currency = row.currency or "?"
        count, total = totals.get(currency, (0, Decimal(0)))
        totals[currency] = (count + 1, total + amount)
    return totals


def _decimal(text: str) -> Decimal | None:
    try:
        number = Decimal(text) if text else None
    except ArithmeticError:
        return None
    return number if number is not None and number.is_finite() else None


def _col(row: ImportedRow, name: str) -> str:
    return row.columns.get(name, name)


def _others(row: ImportedRow, group: Sequence[ImportedRow]) -> str:
    numbers = [other.row for other in group if other is not row]
    shown = ", ".join(str(n) for n in numbers[:3])
    more = f" and {len(numbers) - 3} more" if len(numbers) > 3 else ""
    return f"row{'s' if len(numbers) > 1 else ''} {shown}{more}"
