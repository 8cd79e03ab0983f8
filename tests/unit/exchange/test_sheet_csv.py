"""CSV tables: what Excel (or a script) finds in the bytes."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from clickpay_desk.core.money import Money
from clickpay_desk.exchange.sheet import (
    Column,
    ExportError,
    Kind,
    SheetSpec,
    neutralize_csv,
    write_csv,
    write_table,
)

RIYADH = timezone(timedelta(hours=3), "AST")
BOM = b"\xef\xbb\xbf"

COLUMNS = [
    Column("Reference"),
    Column("Currency"),
    Column("Amount", Kind.MONEY, currency_of=1),
    Column("Count", Kind.INTEGER),
    Column("Paid", Kind.BOOLEAN),
    Column("Day", Kind.DATE),
    Column("At", Kind.DATETIME),
]


def read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(BOM)
    return list(csv.reader(io.StringIO(raw[len(BOM) :].decode("utf-8"), newline="")))


def test_bom_header_and_exact_decimals(tmp_path: Path) -> None:
    rows = [
        ("c1", "SAR", Decimal("1234.5"), 3, True, date(2024, 3, 1), None),
        ("c2", "KWD", Decimal("1.25"), 0, False, None, None),
        ("c3", "JPY", 1500, None, None, None, None),
        ("c4", "BHD", Money(Decimal("-0.0004"), "BHD"), None, None, None, None),
        ("c5", "SAR", Decimal("-5"), None, None, None, None),
    ]
    path = write_csv(tmp_path / "t.csv", COLUMNS, rows)
    assert path.read_bytes().startswith(BOM + b"Reference,Currency,Amount,")
    table = read_csv(path)
    assert table[0] == [c.heading for c in COLUMNS]
    assert [r[2] for r in table[1:]] == ["1234.50", "1.250", "1500", "0.000", "-5.00"]
    # Amounts are numbers, not text: a negative amount gets no "'" prefix.
    assert table[1][3:6] == ["3", "TRUE", "2024-03-01"]
    assert table[2][3:5] == ["0", "FALSE"]
    assert table[3][3:] == ["", "", "", ""]


def test_lines_end_with_crlf(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", [Column("A")], [("x",)])
    assert path.read_bytes() == BOM + b"A\r\nx\r\n"


def test_datetimes_in_the_chosen_zone(tmp_path: Path) -> None:
    rows = [(datetime(2024, 3, 1, 21, 30, 15, 500, tzinfo=UTC),)]
    path = write_csv(tmp_path / "t.csv", [Column("At", Kind.DATETIME)], rows, tz=RIYADH)
    assert read_csv(path)[1] == ["2024-03-02 00:30:15"]


@pytest.mark.parametrize(
    ("text", "written"),
    [
        (
            '=HYPERLINK("http://evil.example","Click")',
            '\'=HYPERLINK("http://evil.example","Click")',
        ),
        ("+966501234567", "'+966501234567"),
        ("-5", "'-5"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+2", "'\t=1+2"),
        ("\r=1+2", "'\r=1+2"),
        ("a=b", "a=b"),
        ("cart-1001", "cart-1001"),
        ("", ""),
    ],
)
def test_formula_injection_guard(tmp_path: Path, text: str, written: str) -> None:
    path = write_csv(tmp_path / "t.csv", [Column("Name")], [(text,)])
    assert read_csv(path)[1] == [written]


def test_headings_are_guarded_too(tmp_path: Path) -> None:
    assert read_csv(write_csv(tmp_path / "t.csv", [Column("=Total")], []))[0] == ["'=Total"]


def test_neutralize_csv() -> None:
    assert neutralize_csv("@x") == "'@x"
    assert neutralize_csv("x@") == "x@"


def test_arabic_and_quotes_round_trip(tmp_path: Path) -> None:
    texts = ["فاتورة رقم ١٢٣", 'He said "yes", twice', "line 1\nline 2"]
    path = write_csv(tmp_path / "t.csv", [Column("الوصف")], [(t,) for t in texts])
    assert read_csv(path) == [["الوصف"], *[[t] for t in texts]]


def test_floats_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="floats"):
        write_csv(tmp_path / "t.csv", [Column("Amount", Kind.MONEY, currency_of="SAR")], [(1.1,)])
    assert not (tmp_path / "t.csv").exists()


def test_write_table_writes_csv_by_suffix(tmp_path: Path) -> None:
    spec = SheetSpec("T", [Column("Amount", Kind.MONEY, currency_of="OMR")], [(Decimal("2"),)])
    assert read_csv(write_table(tmp_path / "t.CSV", spec)) == [["Amount"], ["2.000"]]


def test_failure_mid_export_leaves_the_old_file(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "out.csv", [Column("A")], [("old",)])
    before = path.read_bytes()

    def rows() -> Iterator[tuple[object, ...]]:
        yield ("new",)
        raise RuntimeError("disk gremlin")

    with pytest.raises(RuntimeError, match="gremlin"):
        write_csv(path, [Column("A")], rows())
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["out.csv"]
