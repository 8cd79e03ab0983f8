"""Typed tables written as real spreadsheets (XLSX) or as CSV. No Qt.

A table is a list of :class:`Column` (heading and kind) and rows of plain Python values. The
kind decides how a value is written: amounts as numbers showing exactly their currency's ISO 4217
decimals, dates as real Excel dates, text always as text — never as a formula, whatever it starts
with. Files are written atomically: a temporary file in the same folder, then ``os.replace``, so a
crash or an error mid-export never leaves half a file (nor destroys the previous one).

Excel has no time zones: aware datetimes are converted to one zone (the machine's local zone
unless told otherwise) and written without a zone. Floats are refused everywhere; amounts are
``Decimal`` (or ``core.money.Money``) from end to end.
"""

from __future__ import annotations

import csv
import io
import os
import secrets
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import IO, TYPE_CHECKING, Any, TypeAlias

from clickpay_desk.core.money import Money, format_amount, minor_units

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.cell import Cell


@lru_cache(maxsize=1)
def _xl() -> SimpleNamespace:
    """openpyxl, imported on the first export: it costs about 0.3 s that the app's start-up
    (whose tabs import this module) need not pay."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    return SimpleNamespace(
        Workbook=Workbook,
        WriteOnlyCell=WriteOnlyCell,
        ERROR_CODES=ERROR_CODES,
        ILLEGAL_CHARACTERS_RE=ILLEGAL_CHARACTERS_RE,
        header_font=Font(bold=True),
        get_column_letter=get_column_letter,
    )


__all__ = [
    "DATETIME_FORMAT",
    "DATE_FORMAT",
    "FORMULA_TRIGGERS",
    "Column",
    "ExportError",
    "Kind",
    "SheetSpec",
    "money_format",
    "neutralize_csv",
    "write_csv",
    "write_table",
    "write_xlsx",
]


class Kind(StrEnum):
    """How a column's values are written."""

    TEXT = "text"
    INTEGER = "integer"
    MONEY = "money"
    DATE = "date"
    DATETIME = "datetime"
    BOOLEAN = "boolean"


#: Number formats for real dates: ISO order reads the same in every locale.
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
INTEGER_FORMAT = "0"

#: A text cell starting with one of these is a formula to a spreadsheet opening a CSV (OWASP).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# Excel keeps 15 significant digits; a number with more would be silently changed, so it is
# written as text instead (never seen for real amounts: 9,999,999,999.999 has 13).
_EXCEL_DIGITS = 15
# Excel refuses (offers to "repair") a cell holding more characters than this.
_EXCEL_MAX_TEXT = 32767
_MIN_WIDTH = 6.0
_MAX_WIDTH = 60.0
# Sheet names: at most 31 characters, none of these, not starting or ending with an apostrophe.
_TITLE_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})
_TITLE_MAX = 31

Row: TypeAlias = Sequence[object]


class ExportError(ValueError):
    """A value does not fit its column (wrong type, missing currency...); names where."""

    def __init__(self, message: str, *, sheet: str, row: int, column: str) -> None:
        self.sheet = sheet
        self.row = row
        self.column = column
        super().__init__(f"{sheet}, row {row}, “{column}”: {message}")


@dataclass(frozen=True)
class Column:
    """One column of a table.

    ``width`` (in characters) overrides the width measured from the content. ``currency_of``
    tells a MONEY column the currency of each row: an ``int`` is the index of the column (in the
    same row) that holds the ISO 4217 code, a ``str`` is one fixed code for every row. It may be
    left out when the values are :class:`~clickpay_desk.core.money.Money`, which carry theirs.
    """

    heading: str
    kind: Kind = Kind.TEXT
    width: float | None = None
    currency_of: int | str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", Kind(self.kind))
        if self.currency_of is not None and self.kind is not Kind.MONEY:
            raise ValueError(f"column “{self.heading}”: currency_of is only for money columns")
        if isinstance(self.currency_of, str):
            minor_units(self.currency_of)  # an unknown code fails here, not mid-export


@dataclass(frozen=True)
class SheetSpec:
    """A titled table: ``rows`` is read once, each row a sequence matching ``columns``."""

    title: str
    columns: Sequence[Column]
    rows: Iterable[Row] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not self.columns:
            raise ValueError(f"sheet “{self.title}” has no columns")
        for column in self.columns:
            ref = column.currency_of
            if isinstance(ref, int) and not 0 <= ref < len(self.columns):
                raise ValueError(
                    f"column “{column.heading}”: currency_of={ref} is not a column index"
                )


@dataclass(frozen=True, slots=True)
class _Cell:
    """A value converted for its column: what goes in the XLSX cell, and as what text."""

    value: str | int | Decimal | date | datetime | bool | None
    number_format: str | None = None
    text: str = ""  # the CSV field (before the formula guard)
    shown: str = ""  # roughly what Excel displays, for the column width
    is_text: bool = True


_EMPTY = _Cell(None)


@lru_cache(maxsize=64)  # asked once per amount cell; the answer depends on the code only
def money_format(currency: str) -> str:
    """Excel number format showing exactly the currency's decimals: '#,##0.00' for SAR."""
    units = minor_units(currency)
    return "#,##0" + ("." + "0" * units if units else "")


def neutralize_csv(text: str) -> str:
    """Prefix "'" to text a spreadsheet would evaluate (= + - @ tab CR first), else unchanged."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def write_xlsx(path: Path | str, sheets: Sequence[SheetSpec], *, tz: tzinfo | None = None) -> Path:
    """Write ``sheets`` as one XLSX workbook, atomically; aware datetimes shown in ``tz``.

    ``tz=None`` means the machine's local zone. Every sheet gets a bold, frozen header row, an
    auto filter over its data and column widths measured from the content (capped).
    """
    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    target = Path(path)
    # Convert (and so validate) everything before the disk is touched.
    prepared = [(sheet, _prepare(sheet, tz)) for sheet in sheets]

    def save(out: IO[bytes]) -> None:
        # Built only once the temporary file is open: a write-only sheet that is never saved
        # fails noisily later, at garbage collection.
        workbook = _xl().Workbook(write_only=True)
        workbook.properties.creator = "ClickPay Desk"
        used: set[str] = set()
        for sheet, rows in prepared:
            _write_sheet(workbook, _unique_title(sheet.title, used), sheet.columns, rows)
        workbook.save(out)

    _replace_atomically(target, save)
    return target


def write_csv(
    path: Path | str,
    columns: Sequence[Column],
    rows: Iterable[Row],
    *,
    tz: tzinfo | None = None,
) -> Path:
    """Write one table as CSV, atomically: UTF-8 with BOM (Excel then reads Arabic right),
    amounts with exactly their currency's decimals, formula-like text prefixed with "'"."""
    target = Path(path)
    sheet = SheetSpec(target.stem or "table", columns, rows)
    prepared = _prepare(sheet, tz)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)  # "excel" dialect: comma, CRLF, quotes only where needed
    writer.writerow([neutralize_csv(c.heading) for c in columns])
    for cells in prepared:
        writer.writerow([neutralize_csv(c.text) if c.is_text else c.text for c in cells])
    data = buffer.getvalue().encode("utf-8-sig")
    _replace_atomically(target, lambda fh: fh.write(data))
    return target


def write_table(path: Path | str, sheet: SheetSpec, *, tz: tzinfo | None = None) -> Path:
    """Write one table as XLSX or CSV, chosen by the file's suffix."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix == ".xlsx":
        return write_xlsx(target, [sheet], tz=tz)
    if suffix == ".csv":
        return write_csv(target, sheet.columns, sheet.rows, tz=tz)
    raise ValueError(f"cannot export to “{target.name}”: choose a .xlsx or .csv file")


# --- converting values -------------------------------------------------------------------------


def _prepare(sheet: SheetSpec, tz: tzinfo | None) -> list[list[_Cell]]:
    columns = list(sheet.columns)
    converters = [_CONVERTERS[column.kind] for column in columns]
    out: list[list[_Cell]] = []
    for number, row in enumerate(sheet.rows, start=1):
        if isinstance(row, str | bytes) or len(row) != len(columns):
            raise ExportError(
                f"has {len(row)} values for {len(columns)} columns",
                sheet=sheet.title,
                row=number,
                column=columns[0].heading,
            )
        cells = []
        for column, converter, value in zip(columns, converters, row, strict=True):
            try:
                # The common cases inline: this loop runs once per cell of an export.
                if value is None:
                    cells.append(_EMPTY)
                elif converter is _text and type(value) is str:
                    cells.append(_Cell(value, None, value, value))
                else:
                    cells.append(_convert(column, value, row, tz))
            except (TypeError, ValueError) as exc:
                raise ExportError(
                    str(exc), sheet=sheet.title, row=number, column=column.heading
                ) from exc
        out.append(cells)
    return out


def _convert(column: Column, value: object, row: Row, tz: tzinfo | None) -> _Cell:
    if value is None:
        return _EMPTY
    if isinstance(value, float):
        raise TypeError("floats are never exported: use Decimal or int")
    converter = _CONVERTERS[column.kind]
    return converter(column, value, row, tz)


def _text(column: Column, value: object, row: Row, tz: tzinfo | None) -> _Cell:
    text = value if isinstance(value, str) else str(value)
    return _Cell(text, text=text, shown=text)


def _integer(column: Column, value: object, row: Row, tz: tzinfo | None) -> _Cell:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TypeError(f"expected a whole number, got {type(value).__name__}")
    if isinstance(value, Decimal):
        if not value.is_finite() or value != value.to_integral_value():
            raise ValueError(f"expected a whole number, got {value}")
        value = int(value)
    text = str(value)
    if len(text.lstrip("-").rstrip("0")) > _EXCEL_DIGITS:  # significant digits, as _digits
        return _Cell(text, text=text, shown=text)
    return _Cell(value, INTEGER_FORMAT, text=text, shown=text, is_text=False)


def _money(column: Column, value: object, row: Row, tz: tzinfo | None) -> _Cell:
    if isinstance(value, Money):
        amount, currency = value.amount, value.currency
    elif isinstance(value, Decimal | int) and not isinstance(value, bool):
        currency = _currency_for(column, row)
        amount = Decimal(value)
    else:
        raise TypeError(f"expected an amount (Decimal or Money), got {type(value).__name__}")
    if not amount.is_finite():
        raise ValueError(f"amount {amount} is not a finite number")
    text = format_amount(amount, currency)  # exactly the currency's decimals, "-0.00" -> "0.00"
    rounded = Decimal(text)
    if _digits(rounded) > _EXCEL_DIGITS:
        return _Cell(text, text=text, shown=text)
    return _Cell(rounded, money_format(currency), text=text, shown=f"{rounded:,f}", is_text=False)


def _currency_for(column: Column, row: Row) -> str:
    ref = column.currency_of
    if ref is None:
        raise ValueError("money column has no currency (set currency_of or use Money values)")
    code = row[ref] if isinstance(ref, int) else ref
    if not isinstance(code, str) or not code.strip():
        raise ValueError(f"the row has no currency code (got {code!r})")
    return code


def _date(column: Column, value: object, row: Row, tz: tzinfo | None) -> _Cell:
    if isinstance(value, datetime):
        day = _naive(value, tz).date()
    elif isinstance(value, date):
        day = value
    else:
        raise TypeError(f"expected a date, got {type(value).__name__}")
    text = day.isoformat()
    return _Cell(day, DATE_FORMAT, text=text, shown=text, is_text=False)


def _datetime(column: Column, value: object, row: Row, tz: tzinfo | None) -> _Cell:
    if isinstance(value, datetime):
        moment = _naive(value, tz)
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    else:
        raise TypeError(f"expected a date and time, got {type(value).__name__}")
    text = moment.isoformat(sep=" ")
    return _Cell(moment, DATETIME_FORMAT, text=text, shown=text, is_text=False)


def _boolean(column: Column, value: object, row: Row, tz: tzinfo | None) -> _Cell:
    if not isinstance(value, bool):
        raise TypeError(f"expected True or False, got {type(value).__name__}")
    text = "TRUE" if value else "FALSE"  # what Excel reads back as a boolean from a CSV
    return _Cell(value, text=text, shown=text, is_text=False)


_CONVERTERS: dict[Kind, Callable[[Column, object, Row, tzinfo | None], _Cell]] = {
    Kind.TEXT: _text,
    Kind.INTEGER: _integer,
    Kind.MONEY: _money,
    Kind.DATE: _date,
    Kind.DATETIME: _datetime,
    Kind.BOOLEAN: _boolean,
}


def _naive(moment: datetime, tz: tzinfo | None) -> datetime:
    """``moment`` in ``tz`` (None: the local zone) without a zone, to the second.

    A naive datetime is taken as already in that zone.
    """
    if moment.tzinfo is not None:
        moment = moment.astimezone(tz).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def _digits(number: Decimal) -> int:
    """Significant digits (trailing zeros do not count: Excel stores 1000.00 as 1E3)."""
    return 0 if number.is_zero() else len(number.normalize().as_tuple().digits)


# --- XLSX --------------------------------------------------------------------------------------


def _write_sheet(
    workbook: Workbook, title: str, columns: Sequence[Column], rows: list[list[_Cell]]
) -> None:
    xl = _xl()
    ws = workbook.create_sheet(title)
    last_column = xl.get_column_letter(len(columns))
    # In a write-only sheet, widths, panes and filter go in before the first row.
    for index, column in enumerate(columns, start=1):
        width = column.width if column.width is not None else _measure(column, rows, index - 1)
        ws.column_dimensions[xl.get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{last_column}{len(rows) + 1}"

    header = []
    for column in columns:
        cell = _text_cell(ws, column.heading)
        cell.font = xl.header_font
        header.append(cell)
    ws.append(header)
    for cells in rows:
        ws.append([_xlsx_cell(ws, c) for c in cells])


def _xlsx_cell(ws: Any, cell: _Cell) -> Cell | str | None:
    if cell.value is None:
        return None
    if cell.is_text:
        return _text_value(ws, str(cell.value))
    out = _xl().WriteOnlyCell(ws, cell.value)
    if cell.number_format:
        out.number_format = cell.number_format
    return out


def _text_value(ws: Any, text: str) -> Cell | str:
    """Text for a data row: a plain ``str`` where openpyxl stores it as text anyway.

    openpyxl's write-only ``append`` binds a plain value into one reused cell, but first tries
    every cell object given as a value and fails (building its repr): handing over plain
    strings makes a large export about twice as fast. Only text openpyxl would read as a
    formula ("=...") or an error code ("#N/A") needs a cell forced to text.
    """
    clean = _clean_text(text)
    if clean.startswith("=") or clean in _xl().ERROR_CODES:
        cell = _xl().WriteOnlyCell(ws, clean)
        cell.data_type = "s"
        return cell
    return clean


def _clean_text(text: str) -> str:
    # XML cannot carry most C0 control characters (openpyxl refuses them): show U+FFFD instead.
    # A bare CR would come back as LF anyway (XML end-of-line handling), and LF is Excel's own
    # line break, so write line breaks as LF.
    clean = _xl().ILLEGAL_CHARACTERS_RE.sub(
        "\ufffd", text.replace("\r\n", "\n").replace("\r", "\n")
    )
    return clean[:_EXCEL_MAX_TEXT]


def _text_cell(ws: Any, text: str) -> Cell:
    cell = _xl().WriteOnlyCell(ws, _clean_text(text))
    # openpyxl makes "=..." a formula and "#N/A" an error; data_type "s" keeps it plain text,
    # which no spreadsheet evaluates, so "+966...", "-5" and "@SUM" stay exactly as they are.
    cell.data_type = "s"
    return cell


def _measure(column: Column, rows: list[list[_Cell]], index: int) -> float:
    widest = _display_width(column.heading) + 2  # room for the filter button
    for cells in rows:
        shown = cells[index].shown
        if shown:
            # One line of ASCII (nearly every cell) is as wide as it is long.
            width = len(shown) if shown.isascii() and "\n" not in shown else _display_width(shown)
            if width > widest:
                widest = width
                if widest >= _MAX_WIDTH:
                    return _MAX_WIDTH
    return min(_MAX_WIDTH, max(_MIN_WIDTH, widest + 2))


def _display_width(text: str) -> int:
    line = max(text.splitlines() or [""], key=len)
    if line.isascii():
        return len(line)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def _unique_title(title: str, used: set[str]) -> str:
    base = title.translate(_TITLE_FORBIDDEN).strip().strip("'")[:_TITLE_MAX] or "Sheet"
    candidate, n = base, 1
    while candidate.casefold() in used:  # Excel compares sheet names case-insensitively
        n += 1
        suffix = f" ({n})"
        candidate = base[: _TITLE_MAX - len(suffix)] + suffix
    used.add(candidate.casefold())
    return candidate


# --- files -------------------------------------------------------------------------------------


def _replace_atomically(target: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write through a temporary file beside ``target``, then rename it over ``target``."""
    folder = target.parent
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        temp = folder / f".{target.name}.{secrets.token_hex(4)}.part"
        try:
            # os.open (not mkstemp) so the file gets the user's usual permissions (umask).
            fd = os.open(temp, flags, 0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, target)
    except BaseException:
        with suppress(OSError):
            os.unlink(temp)
        raise
    _sync_folder(folder)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable where the platform allows it (not on Windows)."""
    if os.name != "posix":
        return
    with suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
