"""The invoice list and one invoice exported to XLSX, read back with openpyxl."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl

from clickpay_desk.core.geidea_invoice import (
    EInvoice,
    EInvoiceItem,
    GeideaCustomer,
    einvoice_to_wire,
)
from clickpay_desk.core.invoice import CustomerDetails, Invoice, LineItem
from clickpay_desk.core.profile import GatewayKind
from clickpay_desk.exchange.invoice_export import (
    document_of,
    export_invoice,
    export_invoice_list,
)
from clickpay_desk.store.records import InvoiceRecord

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def clickpay_record(customer: str = "Sara", currency: str = "SAR") -> InvoiceRecord:
    invoice = Invoice(
        currency=currency,
        cart_id="=cmd|' /C calc'!A0",
        cart_description="Coffee",
        lines=(
            LineItem(
                sku="B-1",
                description="Beans",
                unit_cost=Decimal("40"),
                quantity=Decimal(2),
                discount_rate=Decimal(10),
                tax_rate=Decimal(15),
            ),
            LineItem(description="+Grinder", unit_cost=Decimal("100"), quantity=Decimal(1)),
        ),
        customer=CustomerDetails(name=customer, email="sara@example.com", city="Riyadh"),
        shipping_charges=Decimal("5"),
        due_date=NOW + timedelta(days=7),
        expiry_date=NOW + timedelta(days=30),
    )
    payload = invoice.to_wire(profile_id=44537)
    payload["_payment"] = {"tran_ref": "TST2600100000001", "tran_status": "A"}
    return InvoiceRecord(
        id=1,
        profile_id=1,
        gateway=GatewayKind.CLICKPAY,
        cart_id=invoice.cart_id,
        remote_id="2001",
        link="https://pay.example/i/2001",
        currency=currency,
        amount=invoice.cart_amount,
        status="paid",
        payload=payload,
        created_at=NOW,
    )


def geidea_record() -> InvoiceRecord:
    invoice = EInvoice(
        currency="SAR",
        items=(EInvoiceItem(price=Decimal("12.50"), quantity=4, description="Cups"),),
        customer=GeideaCustomer(name="-Omar", email="omar@example.com"),
        merchant_reference_id="g-1",
    )
    return InvoiceRecord(
        id=2,
        profile_id=2,
        gateway=GatewayKind.GEIDEA,
        cart_id="g-1",
        remote_id="pi-1",
        link="https://pay.example/g/1",
        currency="SAR",
        amount=invoice.amount,
        status="SentToCustomer",
        payload=einvoice_to_wire(invoice),
        created_at=NOW,
    )


def test_document_totals_come_from_the_engine() -> None:
    doc = document_of(clickpay_record(), Decimal("5"))
    # 80 - 8 discount + 10.80 tax = 82.80; + 100; + 5 shipping
    assert doc.subtotal == Decimal("180.00") and doc.discount == Decimal("8.00")
    assert doc.tax == Decimal("10.80") and doc.total == Decimal("187.80")
    assert doc.status == "Paid" and doc.result == "Approved" and doc.customer_name == "Sara"
    g = document_of(geidea_record())
    assert g.total == Decimal("50.00") and len(g.lines) == 1 and g.status == "Sent to the customer"


def test_list_export_is_typed_frozen_filtered_and_formula_safe(tmp_path: Path) -> None:
    path = export_invoice_list(
        [clickpay_record(), clickpay_record(currency="KWD"), geidea_record()],
        tmp_path / "invoices.xlsx",
        refunds={"=cmd|' /C calc'!A0": Decimal("5")},
        tz=UTC,
    )
    ws = openpyxl.load_workbook(path).active
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref
    headings = [c.value for c in ws[1]]
    amount = headings.index("Amount") + 1
    row = {h: ws.cell(row=2, column=i + 1) for i, h in enumerate(headings)}
    assert row["Reference"].value == "=cmd|' /C calc'!A0" and row["Reference"].data_type == "s"
    assert row["Amount"].value == Decimal("187.80") or row["Amount"].value == 187.8
    assert row["Amount"].number_format == "#,##0.00"
    assert ws.cell(row=3, column=amount).number_format == "#,##0.000"  # KWD: 3 decimals
    assert row["Refunded"].value == 5
    assert row["Created"].value == datetime(2026, 3, 1, 9, 30)
    assert row["Status"].value == "Paid" and row["Transaction ref"].value == "TST2600100000001"
    assert ws.cell(row=4, column=headings.index("Customer") + 1).value == "-Omar"
    assert ws.cell(row=4, column=headings.index("Customer") + 1).data_type == "s"
    assert ws.column_dimensions["A"].width > 6


def test_one_invoice_has_its_lines_and_totals(tmp_path: Path) -> None:
    path = export_invoice(clickpay_record(), tmp_path / "one.xlsx", refunded=Decimal("5"))
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Invoice", "Lines", "Totals"]
    lines = wb["Lines"]
    assert [c.value for c in lines[1]][:4] == ["SKU", "Description", "Unit cost", "Quantity"]
    assert lines.cell(row=2, column=2).value == "Beans"
    assert lines.cell(row=2, column=4).value == 2
    assert lines.cell(row=3, column=2).value == "+Grinder"
    assert lines.cell(row=3, column=2).data_type == "s"
    totals = {r[0].value: r[1].value for r in wb["Totals"].iter_rows(min_row=2)}
    assert totals["Total"] == Decimal("187.80") or totals["Total"] == 187.8
    assert totals["Refunded"] == 5
    summary = {r[0].value: r[1].value for r in wb["Invoice"].iter_rows(min_row=2)}
    assert summary["Customer"] == "Sara" and summary["Link"] == "https://pay.example/i/2001"
