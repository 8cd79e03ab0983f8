"""A payout batch exported and read back with openpyxl as Excel would; the template imported."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from clickpay_desk.exchange.payout_export import export_batch
from clickpay_desk.exchange.payout_import import guess_mapping, read_table, to_rows
from clickpay_desk.exchange.payout_template import write_template
from clickpay_desk.store.records import BatchEntryRecord, BatchRecord
from tests.fixtures.payouts.sheets import kw_iban

KUWAIT = timezone(timedelta(hours=3), "AST")
WHEN = datetime(2026, 11, 30, 9, 15, 42, tzinfo=UTC)


def payload(n: int, **changes: str) -> dict[str, str]:
    values = {
        "amount": f"{n}00.125",
        "merchant_reference": f"EMP-{n:04d}",
        "beneficiary_name": f"Employee {n}",
        "beneficiary_country": "KW",
        "beneficiary_account_number": kw_iban(n),
        "beneficiary_bank": "CBKU",
        "beneficiary_bank_branch": "",
        "beneficiary_email": f"e{n}@example.com",
        "beneficiary_mobile_number": "+96550123456",
        "beneficiary_address1": "Kuwait City",
        "beneficiary_address2": "",
        "transfer_code": "100",
        "currency": "KWD",
    }
    values.update(changes)
    return values


def entry(n: int, status: str, fee: str | None, **changes: str) -> BatchEntryRecord:
    amount = Decimal(f"{n}00.125")
    return BatchEntryRecord(
        id=n,
        batch_id=1,
        row=n + 4,
        payload=payload(n, **changes),
        remote_entry_id=str(10000 + n) if status != "Draft" else None,
        amount=amount,
        fee=Decimal(fee) if fee is not None else None,
        total=amount + Decimal(fee) if fee is not None else None,
        status=status,
        protocol_message="INITIATED" if status == "Paid" else None,
        updated_at=WHEN,
    )


BATCH = BatchRecord(
    id=1,
    profile_id=7,
    order_id="PAYOUT-20261130-01",
    remote_batch_id="30173",
    currency="KWD",
    status="Completed",
    count=4,
    total=Decimal("1000.500"),
    created_at=WHEN,
    updated_at=WHEN,
)

ENTRIES = [
    entry(1, "Paid", "0.630"),
    entry(2, "Paid", "1.450", beneficiary_name='=HYPERLINK("http://x","pay")'),
    entry(3, "Failed", "0.630", beneficiary_address1="+966 street", merchant_reference="@ref"),
    entry(4, "Pending", None, beneficiary_name="محمد عبدالله", transfer_code="103"),
]


@pytest.fixture
def exported(tmp_path: Path) -> Path:
    return export_batch(tmp_path / "batch.xlsx", BATCH, ENTRIES, tz=KUWAIT)


def test_entries_sheet_types_and_formats(exported: Path) -> None:
    wb = load_workbook(exported)
    assert wb.sheetnames == ["Entries", "Summary", "Batch"]
    ws = wb["Entries"]
    headings = [c.value for c in ws[1]]
    col = {h: i for i, h in enumerate(headings)}
    assert headings[:4] == ["Row", "Entry id", "Merchant reference", "Beneficiary name"]
    for needed in ("IBAN", "Amount", "Fee", "Total", "Status", "Gateway message", "Updated"):
        assert needed in col
    first = ws[2]
    assert first[col["Row"]].value == 5 and first[col["Row"]].data_type == "n"
    amount = first[col["Amount"]]
    assert amount.value == pytest.approx(100.125) and amount.data_type == "n"
    assert amount.number_format == "#,##0.000"  # KWD: three decimals
    assert first[col["Fee"]].number_format == "#,##0.000"
    assert first[col["Total"]].value == pytest.approx(100.755)
    assert first[col["Status"]].value == "Paid"
    assert first[col["Gateway message"]].value == "INITIATED"
    assert first[col["Transfer code"]].value == 100
    assert first[col["Transfer purpose"]].value == "Salary"
    assert first[col["IBAN"]].value == kw_iban(1)
    updated = first[col["Updated"]]
    assert updated.is_date and updated.value == datetime(2026, 11, 30, 12, 15, 42)  # Kuwait
    pending = ws[5]
    assert pending[col["Fee"]].value is None and pending[col["Total"]].value is None
    assert pending[col["Beneficiary name"]].value == "محمد عبدالله"
    assert pending[col["Transfer purpose"]].value == "Donation"
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, len(headings)).column_letter}5"
    assert ws.column_dimensions["D"].width >= len("Beneficiary name")


def test_formula_like_text_stays_text(exported: Path) -> None:
    ws = load_workbook(exported)["Entries"]
    headings = [c.value for c in ws[1]]
    name = ws.cell(3, headings.index("Beneficiary name") + 1)
    assert name.value == '=HYPERLINK("http://x","pay")' and name.data_type == "s"
    address = ws.cell(4, headings.index("Address 1") + 1)
    assert address.value == "+966 street" and address.data_type == "s"
    assert ws.cell(4, headings.index("Merchant reference") + 1).value == "@ref"


def test_summary_and_batch_sheets(exported: Path) -> None:
    wb = load_workbook(exported)
    summary = [[c.value for c in row] for row in wb["Summary"].iter_rows(min_row=1)]
    assert summary[0] == ["Status", "Entries", "Amount", "Fee", "Total"]
    assert [r[:2] for r in summary[1:]] == [
        ["Paid", 2],
        ["Pending", 1],
        ["Failed", 1],
        ["All entries", 4],
    ]
    paid = summary[1]
    assert paid[2] == pytest.approx(300.25) and paid[3] == pytest.approx(2.08)
    assert summary[-1][3] == pytest.approx(2.71)
    assert wb["Summary"]["C2"].number_format == "#,##0.000"
    batch = [c.value for c in wb["Batch"][2]]
    assert batch[:5] == ["PAYOUT-20261130-01", "30173", "Completed", "KWD", 4]
    assert batch[5] == pytest.approx(1000.5)
    assert wb["Batch"]["F2"].number_format == "#,##0.000"


def test_csv_export_entries_with_exact_decimals_and_formula_guard(tmp_path: Path) -> None:
    path = export_batch(tmp_path / "batch.csv", BATCH, ENTRIES, tz=KUWAIT)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads the Arabic name right
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    headings = rows[0]
    first = dict(zip(headings, rows[1], strict=True))
    assert first["Amount"] == "100.125" and first["Fee"] == "0.630" and first["Total"] == "100.755"
    second = dict(zip(headings, rows[2], strict=True))
    assert second["Beneficiary name"].startswith("'=")
    assert len(rows) == 1 + len(ENTRIES)


def test_other_suffix_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.xlsx or \.csv"):
        export_batch(tmp_path / "batch.pdf", BATCH, ENTRIES)


# --- the template ------------------------------------------------------------------------


@pytest.mark.parametrize("currency", ["SAR", "KWD", "JPY"])
def test_template_imports_cleanly_with_every_column_mapped(tmp_path: Path, currency: str) -> None:
    path = write_template(tmp_path / "template.xlsx", currency)
    table = read_table(path)
    assert table.header_row == 1 and table.sheet_name == "Payouts"
    mapping = guess_mapping(table.headers)
    assert len(mapping) == len(table.headers) == 13  # every field, currency included
    (row,) = to_rows(table, mapping, None)
    # Every field reads as intended; only the example's own marker is refused (never paid).
    assert [p.field for p in row.problems] == ["Merchant reference"], row.problems
    assert row.currency == currency
    ws = load_workbook(path)["Payouts"]
    digits = {"SAR": ".00", "KWD": ".000", "JPY": ""}[currency]
    assert ws["A2"].number_format == "#,##0" + digits
    assert ws.freeze_panes == "A2"
    assert load_workbook(path)["Transfer codes"]["B2"].value == "Salary"


def test_empty_template_has_headings_only(tmp_path: Path) -> None:
    path = write_template(tmp_path / "empty.xlsx", example=False)
    ws = load_workbook(path)["Payouts"]
    assert ws.max_row == 1
    assert ws["E1"].value == "IBAN"
    with pytest.raises(ValueError, match=r"\.xlsx"):
        write_template(tmp_path / "t.csv")


def test_the_template_example_row_is_refused_so_it_is_never_paid(tmp_path: Path) -> None:
    path = write_template(tmp_path / "template.xlsx", "SAR")
    ws_book = load_workbook(path)
    ws = ws_book["Payouts"]
    real = [c.value for c in ws[2]]
    real[1] = "EMP-0002"  # a row the accountant added below the example
    ws.append(real)
    ws_book.save(path)
    table = read_table(path)
    example, added = to_rows(table, guess_mapping(table.headers), None)
    assert not example.valid
    (problem,) = example.problems
    assert problem.row == 2 and "example row: delete this row" in problem.rule
    assert added.valid, added.problems
