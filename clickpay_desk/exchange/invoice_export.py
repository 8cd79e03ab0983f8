"""Invoices as documents (lines, totals, customer, payment) and their XLSX/CSV export. No Qt.

``document_of`` reads a stored ``InvoiceRecord`` (a ClickPay or Geidea create request kept as
sent, plus what the desk learnt since) into one shape that the export and the printed invoice
share. The totals come from ``core`` (the same engines the editor used), not from re-adding the
wire's text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from clickpay_desk.core.geidea_invoice import geidea_quantum
from clickpay_desk.core.invoice import invoice_from_wire
from clickpay_desk.core.money import quantize
from clickpay_desk.core.profile import GatewayKind
from clickpay_desk.core.rules import ValidationError
from clickpay_desk.core.statuses import (
    geidea_status_text,
    invoice_status_text,
    transaction_status_text,
)
from clickpay_desk.store.records import InvoiceRecord

from .sheet import Column, Kind, SheetSpec, write_table, write_xlsx

PAYMENT_KEY = "_payment"  # services.refunds.PAYMENT_KEY (exchange does not import services)

LIST_TITLE = "Invoices"


@dataclass(frozen=True)
class DocumentLine:
    sku: str
    description: str
    unit_cost: Decimal
    quantity: Decimal
    discount: Decimal
    tax: Decimal
    total: Decimal


@dataclass(frozen=True)
class InvoiceDocument:
    """Everything a printed or exported invoice shows."""

    gateway: GatewayKind
    reference: str  # cart id / merchant reference
    remote_id: str
    description: str
    status: str  # in words
    currency: str
    customer_name: str
    customer_email: str
    customer_phone: str
    customer_address: str
    created: datetime
    due: datetime | None
    expiry: datetime | None
    lines: tuple[DocumentLine, ...]
    subtotal: Decimal  # before discounts and tax
    discount: Decimal
    tax: Decimal
    charges: Decimal  # shipping and extra charges
    extra_discount: Decimal
    total: Decimal
    link: str
    tran_ref: str
    result: str
    refunded: Decimal


def status_text(record: InvoiceRecord) -> str:
    """The record's status in words (the gateway's whole vocabulary)."""
    if record.gateway is GatewayKind.GEIDEA:
        return geidea_status_text(record.status)
    return invoice_status_text(record.status)


def payment_of(record: InvoiceRecord) -> Mapping[str, Any]:
    payment = record.payload.get(PAYMENT_KEY)
    return payment if isinstance(payment, Mapping) else {}


def result_text(record: InvoiceRecord) -> str:
    """The paying transaction's result in words ("Approved"), once a read has seen it."""
    payment = payment_of(record)
    code = payment.get("tran_status")
    if not code:
        return ""
    words = transaction_status_text(str(code))
    message = payment.get("tran_status_msg")
    return f"{words} — {message}" if message and message != words else words


def customer_name(record: InvoiceRecord) -> str:
    """The invoice's customer name ("" when not given): :func:`customer_of`'s "name", without
    building the rest (a sort by customer reads 30,000 of them at once)."""
    raw = record.payload.get(
        "customer" if record.gateway is GatewayKind.GEIDEA else "customer_details"
    )
    return str(raw.get("name") or "") if isinstance(raw, Mapping) else ""


def customer_of(record: InvoiceRecord) -> dict[str, str]:
    """name, email, phone, address of the invoice's customer ("" where not given)."""
    payload = record.payload
    if record.gateway is GatewayKind.GEIDEA:
        raw = payload.get("customer")
        c = raw if isinstance(raw, Mapping) else {}
        phone = " ".join(
            str(c.get(k) or "") for k in ("phoneCountryCode", "phoneNumber") if c.get(k)
        )
        return {
            "name": str(c.get("name") or ""),
            "email": str(c.get("email") or ""),
            "phone": phone,
            "address": "",
        }
    raw = payload.get("customer_details")
    c = raw if isinstance(raw, Mapping) else {}
    address = ", ".join(
        str(c.get(k)) for k in ("street1", "city", "state", "zip", "country") if c.get(k)
    )
    return {
        "name": str(c.get("name") or ""),
        "email": str(c.get("email") or ""),
        "phone": str(c.get("phone") or ""),
        "address": address,
    }


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = datetime.combine(date.fromisoformat(text[:10]), time())
        except ValueError:
            return None
    return moment


def dates_of(record: InvoiceRecord) -> tuple[datetime | None, datetime | None]:
    """(due, expiry) as the request gave them."""
    payload = record.payload
    if record.gateway is GatewayKind.GEIDEA:
        return None, _moment(payload.get("expiryDate"))
    inner = payload.get("invoice")
    inv = inner if isinstance(inner, Mapping) else {}
    return _moment(inv.get("due_date")), _moment(inv.get("expiry_date"))


def _dec(value: object) -> Decimal:
    try:
        number = Decimal(str(value)) if value is not None else Decimal(0)
    except InvalidOperation:
        return Decimal(0)
    return number if number.is_finite() else Decimal(0)


def _clickpay_lines(record: InvoiceRecord) -> tuple[list[DocumentLine], dict[str, Decimal]]:
    try:
        invoice = invoice_from_wire(record.payload)
    except (ValidationError, ValueError, TypeError):
        return [], {"total": record.amount}
    lines = [
        DocumentLine(
            item.sku,
            item.description,
            item.unit_cost,
            item.quantity,
            t.discount,
            t.tax,
            t.total,
        )
        for item, t in zip(invoice.lines, invoice.line_totals, strict=True)
    ]
    totals = invoice.totals
    return lines, {
        "subtotal": totals.net,
        "discount": totals.discount,
        "tax": totals.tax,
        "charges": totals.shipping_charges + totals.extra_charges,
        "extra_discount": totals.extra_discount,
        "total": totals.grand_total,
    }


def _geidea_lines(record: InvoiceRecord) -> tuple[list[DocumentLine], dict[str, Decimal]]:
    raw = record.payload.get("eInvoiceDetails")
    details = raw if isinstance(raw, Mapping) else {}
    q = geidea_quantum(record.currency)
    lines: list[DocumentLine] = []
    for item in details.get("eInvoiceItems") or ():
        if not isinstance(item, Mapping):
            continue
        price, quantity = _dec(item.get("price")), _dec(item.get("quantity"))
        net = (price * quantity).quantize(q)
        total = _dec(item.get("total"))
        tax = _dec(item.get("totalTax"))
        lines.append(
            DocumentLine(
                str(item.get("sku") or ""),
                str(item.get("description") or ""),
                price,
                quantity,
                max(net + tax - total, Decimal(0)),
                tax,
                total,
            )
        )
    subtotal = sum((line.unit_cost * line.quantity for line in lines), Decimal(0)).quantize(q)
    grand = _dec(details.get("grandTotal")) if details.get("grandTotal") is not None else None
    total = grand if grand is not None else record.amount
    line_sum = sum((line.total for line in lines), Decimal(0))
    return lines, {
        "subtotal": subtotal,
        "discount": sum((line.discount for line in lines), Decimal(0)),
        "tax": _dec(details.get("subtotalTax")),
        "charges": max(total - line_sum, Decimal(0)) if lines else Decimal(0),
        "extra_discount": max(line_sum - total, Decimal(0)) if lines else Decimal(0),
        "total": total,
    }


def document_of(record: InvoiceRecord, refunded: Decimal = Decimal(0)) -> InvoiceDocument:
    if record.gateway is GatewayKind.GEIDEA:
        lines, totals = _geidea_lines(record)
        raw = record.payload.get("eInvoiceDetails")
        details = raw if isinstance(raw, Mapping) else {}
        description = str(details.get("chargeDescription") or "")
    else:
        lines, totals = _clickpay_lines(record)
        description = str(record.payload.get("cart_description") or "")
    customer = customer_of(record)
    due, expiry = dates_of(record)
    zero = Decimal(0)
    return InvoiceDocument(
        gateway=record.gateway,
        reference=record.cart_id,
        remote_id=record.remote_id or "",
        description=description,
        status=status_text(record),
        currency=record.currency,
        customer_name=customer["name"],
        customer_email=customer["email"],
        customer_phone=customer["phone"],
        customer_address=customer["address"],
        created=record.created_at,
        due=due,
        expiry=expiry,
        lines=tuple(lines),
        subtotal=totals.get("subtotal", zero),
        discount=totals.get("discount", zero),
        tax=totals.get("tax", zero),
        charges=totals.get("charges", zero),
        extra_discount=totals.get("extra_discount", zero),
        total=totals.get("total", record.amount),
        link=record.link or "",
        tran_ref=str(payment_of(record).get("tran_ref") or ""),
        result=result_text(record),
        refunded=refunded,
    )


# -- the list --------------------------------------------------------------------------------

LIST_COLUMNS: tuple[Column, ...] = (
    Column("Reference"),
    Column("Invoice id"),
    Column("Gateway"),
    Column("Status"),
    Column("Customer"),
    Column("E-mail"),
    Column("Currency", width=9),
    Column("Amount", Kind.MONEY, currency_of=6),
    Column("Refunded", Kind.MONEY, currency_of=6),
    Column("Created", Kind.DATETIME),
    Column("Due", Kind.DATETIME),
    Column("Expires", Kind.DATETIME),
    Column("Transaction ref"),
    Column("Result"),
    Column("Link"),
)


def list_row(record: InvoiceRecord, refunded: Decimal = Decimal(0)) -> tuple[Any, ...]:
    customer = customer_of(record)
    due, expiry = dates_of(record)
    return (
        record.cart_id,
        record.remote_id or "",
        "Geidea" if record.gateway is GatewayKind.GEIDEA else "ClickPay",
        status_text(record),
        customer["name"],
        customer["email"],
        record.currency,
        record.amount,
        quantize(refunded, record.currency),
        record.created_at,
        due,
        expiry,
        str(payment_of(record).get("tran_ref") or ""),
        result_text(record),
        record.link or "",
    )


def export_invoice_list(
    records: Sequence[InvoiceRecord],
    path: Path,
    *,
    refunds: Mapping[str, Decimal] | None = None,
    tz: tzinfo | None = None,
) -> Path:
    """Write the invoices to ``path`` (.xlsx or .csv); times in ``tz`` (None: local zone)."""
    refunds = refunds or {}
    rows = [list_row(r, refunds.get(r.cart_id, Decimal(0))) for r in records]
    return write_table(path, SheetSpec(LIST_TITLE, LIST_COLUMNS, rows), tz=tz)


# -- one invoice -----------------------------------------------------------------------------

LINE_COLUMNS: tuple[Column, ...] = (
    Column("SKU"),
    Column("Description", width=40),
    Column("Unit cost", Kind.MONEY, currency_of=7),
    Column("Quantity", Kind.INTEGER, width=9),
    Column("Discount", Kind.MONEY, currency_of=7),
    Column("Tax", Kind.MONEY, currency_of=7),
    Column("Total", Kind.MONEY, currency_of=7),
    Column("Currency", width=9),
)

SUMMARY_COLUMNS: tuple[Column, ...] = (
    Column("Field", width=18),
    Column("Value", width=50),
)
TOTALS_COLUMNS: tuple[Column, ...] = (
    Column("Total"),
    Column("Amount", Kind.MONEY, currency_of=2),
    Column("Currency", width=9),
)


def _quantity(value: Decimal) -> int | str:
    # Both gateways take whole quantities; anything else is shown as it was kept.
    return int(value) if value == value.to_integral_value() else f"{value:f}"


def export_invoice(
    record: InvoiceRecord,
    path: Path,
    *,
    refunded: Decimal = Decimal(0),
    tz: tzinfo | None = None,
) -> Path:
    """One invoice as an XLSX workbook: its details, its lines and its totals."""
    doc = document_of(record, refunded)
    cur = doc.currency
    summary = [
        ("Reference", doc.reference),
        ("Invoice id", doc.remote_id),
        ("Status", doc.status),
        ("Description", doc.description),
        ("Customer", doc.customer_name),
        ("E-mail", doc.customer_email),
        ("Phone", doc.customer_phone),
        ("Address", doc.customer_address),
        ("Link", doc.link),
        ("Transaction ref", doc.tran_ref),
        ("Result", doc.result),
    ]
    lines = [
        (
            line.sku,
            line.description,
            line.unit_cost,
            _quantity(line.quantity),
            line.discount,
            line.tax,
            line.total,
            cur,
        )
        for line in doc.lines
    ]
    totals = [
        ("Subtotal", doc.subtotal, cur),
        ("Discounts", doc.discount, cur),
        ("Tax", doc.tax, cur),
        ("Charges", doc.charges, cur),
        ("Extra discount", doc.extra_discount, cur),
        ("Total", doc.total, cur),
        ("Refunded", quantize(doc.refunded, cur), cur),
    ]
    return write_xlsx(
        path,
        [
            SheetSpec("Invoice", SUMMARY_COLUMNS, summary),
            SheetSpec("Lines", LINE_COLUMNS, lines),
            SheetSpec("Totals", TOTALS_COLUMNS, totals),
        ],
        tz=tz,
    )
