"""Invoice line items from a spreadsheet: a CSV or XLSX file, or rows pasted from the clipboard.

Columns are matched by a header row when the first row looks like one ("Qty", "Unit price",
"VAT %"...), otherwise taken in the order given (the editor's column order). Values stay text:
the editor reads them through ``core`` like anything typed, so a pasted "١٢٫٥٠" and a typed one
are judged alike. Numbers read from XLSX are written without going through float's repr
artefacts where the cell holds an integer, and with their shortest exact repr otherwise.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

#: The fields a line has, in the editor's order.
LINE_FIELDS = (
    "sku",
    "description",
    "url",
    "unit_cost",
    "quantity",
    "discount",
    "discount_type",
    "tax",
    "tax_type",
)
#: Figures the editor computes; a header naming one is recognised and its column ignored.
COMPUTED_HEADERS = frozenset(
    {"net", "net total", "line total", "total", "− discount", "+ tax", "subtotal", "amount"}
)

# header (case-folded, trimmed) → (field, implied type of the discount/tax or None)
_ALIASES: dict[str, tuple[str, str | None]] = {}
for _field, _words, _kind in (
    ("sku", ("sku", "item code", "code", "product code", "article", "item no", "item #"), None),
    ("description", ("description", "item", "product", "name", "desc", "details"), None),
    ("url", ("url", "link", "product url", "product link"), None),
    ("unit_cost", ("unit price", "unit cost", "unit_cost", "price", "rate", "cost"), None),
    ("quantity", ("qty", "quantity", "units", "count", "qty."), None),
    ("discount", ("discount", "disc", "disc."), None),
    ("discount", ("discount %", "discount rate", "discount_rate", "disc %", "disc. %"), "%"),
    ("discount", ("discount amount", "discount_amount", "disc. amount"), "Amount"),
    ("discount_type", ("disc. as", "discount type", "discount as", "discount_type"), None),
    ("tax", ("tax", "vat"), None),
    ("tax", ("tax %", "vat %", "tax rate", "tax_rate", "vat rate"), "%"),
    ("tax", ("tax amount", "tax_total", "vat amount", "tax total"), "Amount"),
    ("tax_type", ("tax as", "tax type", "tax_type"), None),
):
    for _word in _words:
        _ALIASES[_word] = (_field, _kind)


class LinesImportError(ValueError):
    """A file that cannot be read as lines; the message says what to do."""


@dataclass
class ImportedLines:
    """Rows as {field: text}; ``notes`` say what was left out and why."""

    rows: list[dict[str, str]]
    header_used: bool
    notes: list[str] = field(default_factory=list)


def _header_key(text: str) -> str:
    return " ".join(text.strip().casefold().split())


def _is_header(cells: Sequence[str]) -> bool:
    filled = [c for c in cells if c.strip()]
    if not filled:
        return False
    known = sum(
        1 for c in filled if _header_key(c) in _ALIASES or _header_key(c) in COMPUTED_HEADERS
    )
    return known >= max(1, (len(filled) + 1) // 2)


def rows_from_table(
    table: Sequence[Sequence[str]], order: Sequence[str] = LINE_FIELDS
) -> ImportedLines:
    """Map a table of text (first row a header or not) to line rows.

    ``order``: the fields of the columns when there is no header row (extra columns ignored).
    Rows that are empty in every mapped column are dropped.
    """
    rows = [list(r) for r in table]
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    if not rows:
        return ImportedLines([], False, ["Nothing to import: no rows."])
    notes: list[str] = []
    mapping: list[tuple[str, str | None] | None]
    header_used = _is_header(rows[0])
    if header_used:
        mapping = []
        ignored = []
        for cell in rows[0]:
            key = _header_key(cell)
            hit = _ALIASES.get(key)
            mapping.append(hit)
            if hit is None and cell.strip():
                ignored.append(cell.strip())
        if ignored:
            notes.append("Columns left out (not line fields): " + ", ".join(ignored))
        rows = rows[1:]
    else:
        unknown = [f for f in order if f not in LINE_FIELDS]
        if unknown:
            raise ValueError(f"unknown line fields: {unknown}")
        mapping = [(f, None) for f in order]
        width = max(len(r) for r in rows)
        if width > len(order):
            notes.append(
                f"{width - len(order)} column(s) beyond the table's {len(order)} were left out"
            )
    out: list[dict[str, str]] = []
    for cells in rows:
        line: dict[str, str] = {}
        for i, cell in enumerate(cells):
            if i >= len(mapping) or mapping[i] is None:
                continue
            hit = mapping[i]
            assert hit is not None
            name, implied = hit
            text = cell.strip()
            if name in line and not text:
                continue  # a second column for the same field, empty here
            line[name] = text
            if implied is not None and text:
                line[name + "_type"] = implied
        if any(v for k, v in line.items() if not k.endswith("_type")):
            out.append(line)
    return ImportedLines(out, header_used, notes)


def parse_clipboard(text: str, order: Sequence[str] = LINE_FIELDS) -> ImportedLines:
    """Tab-separated rows as a spreadsheet puts them on the clipboard (quoted cells allowed)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.endswith("\n"):
        text = text[:-1]
    if "\t" in text or '"' in text:
        table = list(csv.reader(io.StringIO(text), delimiter="\t"))
    else:
        table = [[line] for line in text.split("\n")]
    return rows_from_table(table, order)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # repr is the shortest text that reads back as the same double: 9.5, not 9.4999...
        number = Decimal(repr(value))
        if number == number.to_integral_value():
            return str(int(number))
        return f"{number:f}"
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def read_table(path: Path | str) -> list[list[str]]:
    """The first sheet of an XLSX, or a CSV (comma, semicolon or tab; UTF-8 with or without
    BOM), as rows of text."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        try:
            from openpyxl import load_workbook

            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise LinesImportError(
                f"{path.name} could not be read as an Excel workbook ({exc}). "
                "Save it again as .xlsx or .csv and import that."
            ) from exc
        try:
            ws = wb.worksheets[0]
            return [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
        finally:
            wb.close()
    if suffix in (".csv", ".txt", ".tsv"):
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise LinesImportError(f"{path.name} could not be read: {exc.strerror}.") from exc
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise LinesImportError(
                f"{path.name} is not UTF-8 text. Save it as 'CSV UTF-8' and import again."
            ) from exc
        sample = text[:4096]
        try:
            dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, ",;\t")
        except csv.Error:
            dialect = csv.excel
        return [list(r) for r in csv.reader(io.StringIO(text), dialect)]
    raise LinesImportError(f"{path.name}: choose a .csv or .xlsx file.")


def read_lines_file(path: Path | str, order: Sequence[str] = LINE_FIELDS) -> ImportedLines:
    """Line rows from a CSV or XLSX file (see ``rows_from_table``)."""
    return rows_from_table(read_table(path), order)
