"""Agreements export: two sheets read back with openpyxl, amounts as numbers with the currency's
decimals, real dates, formula-like text kept as text, no callback body or signature."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook

from clickpay_desk.exchange.agreement_export import export_agreements
from clickpay_desk.services.agreements import AgreementStatus, agreement_view
from clickpay_desk.store.agreements import AgreementPayment
from clickpay_desk.store.records import AgreementRecord


def _record(currency: str = "KWD", description: str = "=HYPERLINK(1)") -> AgreementRecord:
    request = {
        "cart_description": description,
        "customer_details": {"name": "Layla", "email": "layla@example.com"},
        "agreement": {
            "agreement_description": description,
            "agreement_currency": currency,
            "initial_amount": "5.250",
            "repeat_amount": "1.125",
            "repeat_terms": 2,
            "repeat_period": 3,
            "repeat_every": 1,
            "first_installment_due_date": "31/01/2024",
            "final_amount": "0.500",
        },
    }
    return AgreementRecord(
        7,
        1,
        "agr-1",
        "TST1",
        "3153",
        currency,
        Decimal("5.250"),
        AgreementStatus.ACTIVE,
        {"request": request, "start_date": "2024-01-10"},
        created_at=datetime(2024, 1, 10, 9, 0, tzinfo=UTC),
    )


def _payment(ref: str, kind: str, status: str, amount: str, time: str) -> AgreementPayment:
    return AgreementPayment(
        None,
        7,
        ref,
        kind,
        status,
        "Authorised" if status == "A" else "Declined",
        "KWD",
        Decimal(amount),
        time,
        "verified",
        "confirmed",
        {"body": "{secret-ish body}"},
    )


def test_two_sheets_read_back(tmp_path: Path) -> None:
    payments = [
        _payment("TST1", "initial", "A", "5.250", "2024-01-10T09:00:00Z"),
        _payment("TST2", "installment", "D", "1.125", "2024-01-31T06:00:00Z"),
    ]
    view = agreement_view(_record(), payments, date(2024, 3, 5))
    path = export_agreements([view], tmp_path / "agreements.xlsx", tz=UTC)

    book = load_workbook(path)
    assert book.sheetnames == ["Agreements", "Installments"]
    agreements = list(book["Agreements"].iter_rows(values_only=True))
    header, row = agreements[0], agreements[1]
    values = dict(zip(header, row, strict=True))
    assert values["Description"] == "=HYPERLINK(1)"
    assert book["Agreements"]["C2"].data_type == "s"  # text, not a formula
    assert values["Status"] == "failed installment"
    assert values["Initial"] == 5.25 and values["Collected"] == 5.25
    assert values["Failed"] == 1.125
    assert values["First installment"] == datetime(2024, 1, 31)
    assert book["Agreements"].cell(2, header.index("Initial") + 1).number_format == "#,##0.000"

    installments = list(book["Installments"].iter_rows(values_only=True))
    head = installments[0]
    rows = [dict(zip(head, r, strict=True)) for r in installments[1:]]
    assert [(r["Number"], r["Kind"], r["State"]) for r in rows] == [
        (0, "initial", "paid"),
        (1, "repeat", "declined"),
        (2, "repeat", "overdue"),
        (3, "final", "not yet due"),
    ]
    # Month ends: 31 January, then 29 February (2024 is a leap year), then 31 March.
    assert [r["Due"] for r in rows[1:]] == [
        datetime(2024, 1, 31),
        datetime(2024, 2, 29),
        datetime(2024, 3, 31),
    ]
    assert rows[1]["Tran ref"] == "TST2" and rows[1]["Gateway message"] == "Declined"
    text = " ".join(str(c) for r in installments + agreements for c in r)
    assert "secret-ish" not in text
