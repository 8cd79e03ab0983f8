"""Payout sheets in: real-looking XLSX and CSV files, every problem at its row and column."""

from __future__ import annotations

import codecs
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from clickpay_desk.core.rules import ValidationError
from clickpay_desk.exchange.payout_import import (
    FIELDS,
    ImportedRow,
    SheetReadError,
    bank_from_iban,
    guess_mapping,
    mapping_from_headings,
    read_table,
    to_rows,
    totals_by_currency,
    warnings,
)
from tests.fixtures.payouts.sheets import (
    ARABIC_EXPECTED,
    ARABIC_HEADER_ROW,
    ARABIC_VALID_ROWS,
    PAYROLL_EXPECTED,
    PAYROLL_HEADER_ROW,
    PAYROLL_TOTAL_ROW,
    PAYROLL_VALID_ROWS,
    PAYROLL_WARNINGS,
    SE_IBAN,
    kw_iban,
    write_arabic_csv,
    write_payroll_xlsx,
)


def problems_by_cell(rows: list[ImportedRow]) -> dict[tuple[int, str], list[str]]:
    found: dict[tuple[int, str], list[str]] = {}
    for row in rows:
        for problem in row.problems:
            assert problem.row == row.row
            found.setdefault((row.row, problem.field), []).append(problem.rule)
    return found


def assert_expected(rows: list[ImportedRow], expected: dict[tuple[int, str], str]) -> None:
    found = problems_by_cell(rows)
    assert set(found) == set(expected), "problems at other cells than expected"
    for cell, piece in expected.items():
        assert any(piece in rule for rule in found[cell]), (cell, found[cell])


@pytest.fixture(scope="module")
def payroll(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_payroll_xlsx(tmp_path_factory.mktemp("payroll"))


# --- the KWD payroll workbook --------------------------------------------------------------


def test_header_found_below_the_title_rows(payroll: Path) -> None:
    table = read_table(payroll)
    assert table.header_row == PAYROLL_HEADER_ROW
    assert table.sheet_name == "Salaries Nov"
    assert table.headers[3] == "IBAN No."
    assert table.rows[0][0] == PAYROLL_HEADER_ROW + 1
    assert any("3 rows above it" in note for note in table.notes)


def test_loose_english_headings_are_mapped(payroll: Path) -> None:
    table = read_table(payroll)
    mapping = guess_mapping(table.headers)
    named = {field: table.headers[index] for field, index in mapping.items()}
    assert named == {
        "amount": "Amount (KWD)",
        "merchant_reference": "Employee ID",
        "beneficiary_name": "Beneficiary",
        "beneficiary_country": "Country",
        "beneficiary_account_number": "IBAN No.",
        "beneficiary_bank": "Bank Name",
        "beneficiary_email": "E-mail",
        "beneficiary_mobile_number": "Mobile No.",
        "beneficiary_address1": "Address",
        "transfer_code": "Transfer Code",
    }


def test_every_bad_row_is_named_at_its_row_and_column(payroll: Path) -> None:
    table = read_table(payroll)
    rows = to_rows(table, guess_mapping(table.headers), None)
    assert_expected(rows, PAYROLL_EXPECTED)
    assert [r.row for r in rows if r.valid] == list(PAYROLL_VALID_ROWS)


def test_kwd_from_the_amount_heading_three_decimals(payroll: Path) -> None:
    table = read_table(payroll)
    rows = {r.row: r for r in to_rows(table, guess_mapping(table.headers), None)}
    assert {r.currency for r in rows.values()} == {"KWD"}
    assert rows[5].values["amount"] == "1250.500"
    assert rows[7].values["amount"] == "1250.500"  # "1,250.500" stored as text
    assert rows[21].values["amount"] == "1000.500"  # Arabic-Indic digits "١٬٠٠٠٫٥٠٠"
    assert rows[22].values["amount"] == "0.125"
    request = rows[5].to_request()
    assert request.amount == Decimal("1250.500") and request.currency == "KWD"
    assert request.beneficiary_account_number == kw_iban(5)
    assert request.to_wire()["amount"] == Decimal("1250.500")


def test_iban_with_spaces_and_lower_case_is_normalised(payroll: Path) -> None:
    table = read_table(payroll)
    rows = {r.row: r for r in to_rows(table, guess_mapping(table.headers), None)}
    assert rows[6].valid
    assert rows[6].values["beneficiary_account_number"] == kw_iban(6)
    assert rows[6].values["beneficiary_country"] == "KW"
    assert rows[6].values["transfer_code"] == "100"  # "100 - Salary"
    assert rows[6].values["beneficiary_mobile_number"] == "+96590012346"


def test_formulas_saved_with_a_result_use_it_without_one_are_named(payroll: Path) -> None:
    table = read_table(payroll)
    rows = {r.row: r for r in to_rows(table, guess_mapping(table.headers), None)}
    assert rows[11].valid and rows[11].values["amount"] == "2501.000"
    (problem,) = rows[12].problems
    assert problem.field == "Amount (KWD)" and "=J6+J7" in problem.rule
    assert any(note.startswith("J12 (Amount (KWD)) is a formula =J6+J7") for note in table.notes)
    assert any("J18" in note and "error" in note for note in table.notes)


def test_trailing_formatted_rows_and_total_row_are_left_out(payroll: Path) -> None:
    table = read_table(payroll)
    numbers = [n for n, _ in table.rows]
    assert numbers[-1] == PAYROLL_TOTAL_ROW - 1
    assert any("7 empty rows after the last entry" in note for note in table.notes)
    assert any(f"row {PAYROLL_TOTAL_ROW} is a “Total” row" in note for note in table.notes)
    # The total row's own formula is not reported as a cell to fix.
    assert not any(f"J{PAYROLL_TOTAL_ROW}" in note for note in table.notes)


def test_bank_filled_from_the_iban_registry(payroll: Path) -> None:
    table = read_table(payroll)
    rows = {r.row: r for r in to_rows(table, guess_mapping(table.headers), None)}
    assert rows[21].filled == frozenset({"beneficiary_bank"})
    assert rows[21].values["beneficiary_bank"] == "ESSESESS"
    assert bank_from_iban(SE_IBAN.lower()) == "ESSESESS"
    assert bank_from_iban("SA0380000000608010167519") is None  # registry has no SA banks
    assert bank_from_iban("not an iban") is None


def test_warnings_same_iban_twice(payroll: Path) -> None:
    table = read_table(payroll)
    rows = to_rows(table, guess_mapping(table.headers), None)
    found = {(w.row, w.field): w.rule for w in warnings(rows)}
    for cell, piece in PAYROLL_WARNINGS.items():
        assert piece in found[cell]
    # Warnings never make a row invalid.
    assert all(r.valid for r in rows if r.row in (5, 22))
    with pytest.raises(ValidationError, match="row 8"):
        next(r for r in rows if r.row == 8).to_request()


def test_currency_given_by_the_caller_wins(payroll: Path) -> None:
    table = read_table(payroll)
    rows = {r.row: r for r in to_rows(table, guess_mapping(table.headers), "SAR")}
    assert rows[5].valid and rows[5].values["amount"] == "1250.50"  # 1250.500 is 1250.50 SAR
    (problem,) = rows[22].problems
    assert (problem.field, problem.rule) == ("Amount (KWD)", "SAR allows at most 2 decimal places")
    assert problem.value == Decimal("0.125")


# --- the Arabic CSV -----------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "cp1256"])
def test_arabic_csv_any_encoding(tmp_path: Path, encoding: str) -> None:
    path = write_arabic_csv(tmp_path, encoding=encoding)
    table = read_table(path)
    assert table.header_row == ARABIC_HEADER_ROW
    assert table.headers[1] == "اسم المستفيد"
    mapping = guess_mapping(table.headers)
    assert set(mapping) == {
        "amount",
        "beneficiary_name",
        "beneficiary_country",
        "beneficiary_account_number",
        "beneficiary_bank",
        "beneficiary_email",
        "beneficiary_mobile_number",
        "beneficiary_address1",
        "transfer_code",
        "currency",
    }
    rows = to_rows(table, mapping, None)
    assert_expected(rows, ARABIC_EXPECTED)
    assert [r.row for r in rows if r.valid] == list(ARABIC_VALID_ROWS)
    by_row = {r.row: r for r in rows}
    assert by_row[4].values["amount"] == "1250.500"
    assert by_row[4].values["beneficiary_name"] == "علي حسن"
    assert by_row[5].values["beneficiary_account_number"] == "BH29BMAG1299123456BH00"
    assert by_row[9].values["amount"] == "250.000"
    assert {r.currency for r in rows} == {"BHD"}
    assert any("semicolon" in note for note in table.notes)


def test_unmapped_mandatory_field_is_named_by_its_wire_name(tmp_path: Path) -> None:
    path = write_arabic_csv(tmp_path)
    table = read_table(path)
    mapping = guess_mapping(table.headers)
    del mapping["beneficiary_address1"]
    rows = to_rows(table, mapping, None)
    for row in rows:
        assert any(
            p.field == "beneficiary_address1" and p.rule == "is required" for p in row.problems
        )
    # Bank branch and address 2 may be empty: no column for them is fine.
    assert not any(p.field.startswith("beneficiary_address2") for r in rows for p in r.problems)


# --- reading edge cases -------------------------------------------------------------------


def test_unreadable_files_say_why(tmp_path: Path) -> None:
    with pytest.raises(SheetReadError, match="no such file"):
        read_table(tmp_path / "missing.xlsx")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(SheetReadError, match=r"broken\.xlsx"):
        read_table(broken)
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(SheetReadError, match=r"save it as \.xlsx"):
        read_table(old)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(codecs.BOM_UTF8 + b"\r\n\r\n")
    with pytest.raises(SheetReadError, match="empty"):
        read_table(empty)
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    with pytest.raises(SheetReadError, match="not a text"):
        read_table(binary)


def test_sheet_with_payouts_found_when_the_active_one_is_a_cover(tmp_path: Path) -> None:
    wb = Workbook()
    wb.active.title = "Cover"
    wb.active["A1"] = "Read me first"
    data = wb.create_sheet("Transfers")
    data.append(["Name", "IBAN", "Amount"])
    data.append(["Ahmad", kw_iban(1), "10.000"])
    path = tmp_path / "two-sheets.xlsx"
    wb.save(path)
    table = read_table(path)
    assert table.sheet_name == "Transfers"
    assert table.header_row == 1
    with pytest.raises(SheetReadError, match="no sheet “Nope”"):
        read_table(path, sheet="Nope")


def test_wrong_dimension_tag_does_not_cut_columns(tmp_path: Path) -> None:
    # Some exporters state <dimension ref="A1"/>; read-only openpyxl would trust it.
    import zipfile

    wb = Workbook()
    ws = wb.active
    ws.append(["Name", "IBAN", "Amount"])
    ws.append(["Ahmad", kw_iban(1), "10"])
    path = tmp_path / "dims.xlsx"
    wb.save(path)
    with zipfile.ZipFile(path) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    xml = members["xl/worksheets/sheet1.xml"].decode()
    members["xl/worksheets/sheet1.xml"] = xml.replace('ref="A1:C2"', 'ref="A1"').encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, blob in members.items():
            archive.writestr(name, blob)
    table = read_table(path)
    assert table.headers == ("Name", "IBAN", "Amount")
    assert table.rows[0][1][2] == "10"


def test_numbers_come_back_exact_never_as_binary_floats(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["Beneficiary", "IBAN", "Amount"])
    ws.append(["A", kw_iban(1), 0.1 + 0.2])  # a formula result Excel shows as 0.3
    ws.append(["B", kw_iban(2), 1250.5])
    ws.append(["C", kw_iban(3), 7])
    path = tmp_path / "floats.xlsx"
    wb.save(path)
    table = read_table(path)
    assert [cells[2] for _, cells in table.rows] == [Decimal("0.3"), Decimal("1250.5"), 7]


def test_blank_rows_between_entries_and_columns_beyond_the_header(tmp_path: Path) -> None:
    path = tmp_path / "gaps.csv"
    path.write_text(
        "Beneficiary,IBAN,Amount\nA,x,1\n\n,,\nB,y,2,stray\n", encoding="utf-8", newline=""
    )
    table = read_table(path)
    assert [n for n, _ in table.rows] == [2, 5]
    assert any("between the entries were skipped: 3, 4" in note for note in table.notes)
    assert any("right of the last heading" in note and "5" in note for note in table.notes)


def test_two_columns_with_the_same_meaning_are_named_and_the_first_is_used(
    tmp_path: Path,
) -> None:
    path = tmp_path / "two-amounts.csv"
    path.write_text(
        "Beneficiary,IBAN,Amount,Bonus,Amount\nA,x,100,5,105\n", encoding="utf-8", newline=""
    )
    table = read_table(path)
    assert guess_mapping(table.headers)["amount"] == 2
    assert any(
        "“Amount” in column C and “Amount” in column E mean the same field: column C is used"
        in note
        for note in table.notes
    )
    assert not any("IBAN" in note for note in table.notes)


def test_tab_separated_with_no_recognised_heading(tmp_path: Path) -> None:
    path = tmp_path / "odd.txt"
    path.write_text("foo\tbar\tbaz\n1\t2\t3\n", encoding="utf-8")
    table = read_table(path)
    assert table.headers == ("foo", "bar", "baz")
    assert guess_mapping(table.headers) == {}
    assert any("map the columns by hand" in note for note in table.notes)


# --- mapping, warnings, totals ------------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "field"),
    [
        ("IBAN No.", "beneficiary_account_number"),
        ("Account number", "beneficiary_account_number"),
        ("Beneficiary", "beneficiary_name"),
        ("Mobile No.", "beneficiary_mobile_number"),
        ("E-mail", "beneficiary_email"),
        ("Amount (KWD)", "amount"),
        ("اسم المستفيد", "beneficiary_name"),
        ("رقم الآيبان", "beneficiary_account_number"),
        ("رقم الايبان", "beneficiary_account_number"),
        ("المبلغ", "amount"),
        ("المبلغ (د.ك)", "amount"),
        ("البريد الإلكتروني", "beneficiary_email"),
        ("Beneficiary Mobile", "beneficiary_mobile_number"),
        ("Address Line 2", "beneficiary_address2"),
        ("beneficiary_address1", "beneficiary_address1"),
        ("Transfer purpose", "transfer_code"),
        ("Currency", "currency"),
        ("Employee No.", "merchant_reference"),
    ],
)
def test_guess_mapping_loose_headings(heading: str, field: str) -> None:
    assert guess_mapping(["x", heading]) == {field: 1}


def test_exact_heading_beats_a_loose_one() -> None:
    mapping = guess_mapping(["Name of bank", "Beneficiary name", "Account"])
    assert mapping["beneficiary_name"] == 1
    assert mapping["beneficiary_bank"] == 0
    assert mapping["beneficiary_account_number"] == 2


def test_saved_mapping_applies_by_heading() -> None:
    saved = {"amount": "Net Pay (KWD)", "beneficiary_name": "Staff"}
    assert mapping_from_headings(["staff", "net pay (kwd)", "x"], saved) == {
        "amount": 1,
        "beneficiary_name": 0,
    }
    assert set(FIELDS) >= set(saved)


def test_far_above_usual_and_same_beneficiary_and_amount() -> None:
    def row(number: int, name: str, iban: str, amount: str) -> ImportedRow:
        values = {"beneficiary_name": name, "beneficiary_account_number": iban, "amount": amount}
        values["currency"] = "SAR"
        return ImportedRow(
            number, values, (), columns={"amount": "Amount", "beneficiary_name": "Name"}
        )

    rows = [row(n, f"P{n}", f"IB{n}", "1000.00") for n in range(2, 9)]
    rows.append(row(9, "P2", "IB99", "1000.00"))
    rows.append(row(10, "Big", "IB10", "150000.00"))
    found = warnings(rows)
    far = [w for w in found if w.row == 10]
    assert (
        far[0].field == "Amount" and "150× this batch's usual amount (1000.00 SAR)" in far[0].rule
    )
    same = [w for w in found if "same beneficiary" in w.rule]
    assert [(w.row, w.field) for w in same] == [(2, "Name"), (9, "Name")]
    totals = totals_by_currency(rows)
    assert totals == {"SAR": (9, Decimal("158000.00"))}


def test_bad_mapping_and_bad_currency_are_refused(payroll: Path) -> None:
    table = read_table(payroll)
    with pytest.raises(ValueError, match="column 99"):
        to_rows(table, {"amount": 99}, None)
    with pytest.raises(ValueError, match="ISO 4217"):
        to_rows(table, guess_mapping(table.headers), "XYZ")


def test_iban_from_another_country_is_a_warning_not_a_problem() -> None:
    values = {
        "beneficiary_account_number": SE_IBAN,
        "beneficiary_country": "SA",
        "beneficiary_name": "Lars",
        "amount": "10.00",
        "currency": "SAR",
    }
    (found,) = warnings(
        [ImportedRow(7, values, (), columns={"beneficiary_account_number": "IBAN"})]
    )
    assert (found.row, found.field) == (7, "IBAN")
    assert "SE IBAN but the beneficiary country is SA" in found.rule
    # Rows built by the GUI carry no column names: the wire field names the cell.
    (bare,) = warnings([ImportedRow(7, values, ())])
    assert bare.field == "beneficiary_account_number"


def test_formula_without_result_in_a_field_that_may_be_empty_is_only_noted(
    tmp_path: Path,
) -> None:
    wb = Workbook()
    ws = wb.active
    heads = ["Beneficiary", "Country", "IBAN", "Bank", "E-mail", "Mobile", "Address"]
    ws.append([*heads, "Address 2", "Amount", "Transfer code"])
    cells = ["A", "KW", kw_iban(1), "CBKU", "a@example.com", "+96550123456", "Kuwait"]
    ws.append([*cells, '=IF(1,"","x")', "=5*2", 100])
    path = tmp_path / "formulas.xlsx"
    wb.save(path)  # openpyxl saves formulas without results
    table = read_table(path)
    (row,) = to_rows(table, guess_mapping(table.headers), "KWD")
    assert [(p.field, p.rule.split(" (")[0]) for p in row.problems] == [("Amount", "is a formula")]
    assert any(note.startswith("H2 (Address 2) is a formula") for note in table.notes)


def test_password_protected_workbook_says_so(tmp_path: Path) -> None:
    locked = tmp_path / "locked.xlsx"
    locked.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    with pytest.raises(SheetReadError, match="password-protected"):
        read_table(locked)


def test_excel_unicode_text_utf16_tab_separated(tmp_path: Path) -> None:
    path = tmp_path / "unicode.txt"
    text = f"اسم المستفيد\tرقم الآيبان\tالمبلغ\r\nعلي\t{kw_iban(1)}\t10.500\r\n"
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    table = read_table(path)
    assert table.headers == ("اسم المستفيد", "رقم الآيبان", "المبلغ")
    assert table.rows == ((2, ("علي", kw_iban(1), "10.500")),)
    assert any("UTF-16, tab-separated" in note for note in table.notes)


def test_what_accountants_write_around_the_values_is_read_or_named(tmp_path: Path) -> None:
    """Currencies written in amount cells, accounting negatives, countries and mobiles written
    out, transfer purposes in Arabic: read when they say the same thing, otherwise a problem
    that names the fix."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Name", "IBAN", "Amount", "Mobile", "Email", "Country", "Bank", "Address",
                  "Transfer code"])  # fmt: skip
    good = ("SA0380000000608010167519", "0501234567", "a@example.com", "SA", "RJHISARI", "Riyadh")
    iban, mobile, email, country, bank, address = good
    sheet.append(["Ahmed", iban, "SAR 1,250.00", "+966501234567", email, country, bank, address,
                  "Salary"])  # fmt: skip
    sheet.append(["Sara", iban, "1,250.50 ر.س", "+966501234567", email, country, bank, address,
                  "راتب"])  # fmt: skip
    sheet.append(["Omar", iban, "USD 100", "+966501234567", email, country, bank, address, 100])
    sheet.append(["Layla", iban, "(250.00)", "+966501234567", email, country, bank, address, 100])
    sheet.append(["Khalid", iban, "100", mobile, email, country, bank, address, 100])
    sheet.append(["Noura", iban, "100", 966501234567, email, "Saudi Arabia", bank, address, 100])
    sheet.append(["Fahad", iban, "100", "+966501234567", email, "السعودية", bank, address, "تبرع"])
    path = tmp_path / "accountant.xlsx"
    book.save(path)
    table = read_table(path)
    rows = {r.row: r for r in to_rows(table, guess_mapping(table.headers), "SAR")}
    assert not rows[2].problems and rows[2].values["amount"] == "1250.00"
    assert rows[2].values["transfer_code"] == "100"
    assert not rows[3].problems and rows[3].values["amount"] == "1250.50"
    assert rows[3].values["transfer_code"] == "100"
    found = problems_by_cell(list(rows.values()))
    assert found[(4, "Amount")] == ["is in USD; this batch's amounts are in SAR"]
    assert found[(5, "Amount")] == ["must be greater than 0"]
    assert found[(6, "Mobile")] == ["must be in E.164 format: +966501234567 for this number"]
    assert "enter it in E.164 format: +966501234567" in found[(7, "Mobile")][0]
    assert found[(7, "Country")] == [
        "must be a 2-letter ISO 3166-1 country code: SA for Saudi Arabia"
    ]
    assert found[(8, "Country")] == ["must be a 2-letter ISO 3166-1 country code: SA for السعودية"]
    assert (8, "Transfer code") not in found
