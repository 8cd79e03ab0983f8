"""Line items from spreadsheets: by header row or by column order, CSV and XLSX files read back,
and tab-separated clipboard text; values stay text for the editor to read through core."""

from __future__ import annotations

from decimal import Decimal

import pytest
from openpyxl import Workbook

from clickpay_desk.exchange.lines_import import (
    LinesImportError,
    parse_clipboard,
    read_lines_file,
    rows_from_table,
)


def test_rows_without_a_header_follow_the_given_order():
    got = rows_from_table(
        [["Pens", "2.50", "4"], ["Paper", "10", "1"]], ["description", "unit_cost", "quantity"]
    )
    assert not got.header_used
    assert got.rows == [
        {"description": "Pens", "unit_cost": "2.50", "quantity": "4"},
        {"description": "Paper", "unit_cost": "10", "quantity": "1"},
    ]


def test_a_header_row_maps_columns_by_name_and_says_what_it_left_out():
    table = [
        ["Item code", "Qty", "Unit Price", "VAT %", "Discount amount", "Line total", "Notes"],
        ["P-1", "3", "2.00", "15", "1.00", "5.90", "blue"],
        ["", "", "", "", "", "", ""],  # an empty row is dropped
    ]
    got = rows_from_table(table, ["description"])
    assert got.header_used
    assert got.rows == [
        {
            "sku": "P-1",
            "quantity": "3",
            "unit_cost": "2.00",
            "tax": "15",
            "tax_type": "%",
            "discount": "1.00",
            "discount_type": "Amount",
        }
    ]
    assert got.notes == ["Columns left out (not line fields): Line total, Notes"]


def test_extra_columns_without_a_header_are_reported():
    got = rows_from_table([["a", "b", "c"]], ["sku", "description"])
    assert got.rows == [{"sku": "a", "description": "b"}]
    assert "1 column(s)" in got.notes[0]


def test_clipboard_text_with_quotes_arabic_digits_and_crlf():
    text = 'SKU-1\t"Pen, blue"\t\t١٢٫٥٠\t2\r\nSKU-2\tPaper\t\t10\t1\r\n'
    got = parse_clipboard(text)
    assert [r["description"] for r in got.rows] == ["Pen, blue", "Paper"]
    assert got.rows[0]["unit_cost"] == "١٢٫٥٠"  # the editor reads it through core.money


def test_clipboard_with_a_header_row():
    got = parse_clipboard("Description\tQty\tPrice\nBox\t2\t9.99\n")
    assert got.header_used and got.rows == [
        {"description": "Box", "quantity": "2", "unit_cost": "9.99"}
    ]


def test_csv_with_semicolons_and_bom(tmp_path):
    path = tmp_path / "lines.csv"
    path.write_bytes("\ufeffDescription;Qty;Unit price\nPens;4;2,50\nPaper;1;10\n".encode())
    got = read_lines_file(path)
    assert got.header_used
    assert got.rows[0] == {"description": "Pens", "quantity": "4", "unit_cost": "2,50"}


def test_xlsx_numbers_come_back_exact(tmp_path):
    path = tmp_path / "lines.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["SKU", "Description", "Unit price", "Qty", "Tax %"])
    ws.append(["A-1", "Widget", 9.5, 3, 15])
    ws.append(["A-2", "Gadget", 0.1 + 0.2, 1, 0])  # Excel keeps 15 digits: 0.3
    ws.append(["A-3", "Bolt", Decimal("1.250"), 10, 5])
    wb.save(path)
    got = read_lines_file(path)
    assert [r["unit_cost"] for r in got.rows] == ["9.5", "0.3", "1.25"]
    assert [r["quantity"] for r in got.rows] == ["3", "1", "10"]
    assert got.rows[0]["tax_type"] == "%"


def test_files_that_cannot_be_read_say_what_to_do(tmp_path):
    bad = tmp_path / "lines.xlsx"
    bad.write_bytes(b"not a workbook")
    with pytest.raises(LinesImportError, match="Save it again"):
        read_lines_file(bad)
    other = tmp_path / "lines.pdf"
    other.write_bytes(b"%PDF")
    with pytest.raises(LinesImportError, match=r"\.csv or \.xlsx"):
        read_lines_file(other)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("Description\nCaf\xe9\n".encode("latin-1"))
    with pytest.raises(LinesImportError, match="UTF-8"):
        read_lines_file(latin)
