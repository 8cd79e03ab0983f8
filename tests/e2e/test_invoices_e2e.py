"""Invoices end to end against the real sandbox process over loopback, for both gateways:
create, the customer pays on the payment page behind the link, the desk sees it paid, refunds
part (ClickPay), cancels or deletes another, and exports the list and one invoice to XLSX."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import openpyxl
import pytest

from clickpay_desk.core.geidea_invoice import EInvoice, EInvoiceItem, GeideaCustomer
from clickpay_desk.core.invoice import CustomerDetails, Invoice, LineItem
from clickpay_desk.core.profile import GatewayKind, Profile
from clickpay_desk.core.rules import ValidationError
from clickpay_desk.exchange.invoice_export import export_invoice, export_invoice_list
from clickpay_desk.sandbox import demo
from clickpay_desk.secrets import SecretStore
from clickpay_desk.services import geidea_invoices, invoices, refunds
from clickpay_desk.services.clients import ClientPool
from clickpay_desk.store.database import Store
from tests.e2e.e2e_kit import Controls, SandboxProcess


@dataclass
class Desk:
    store: Store
    pool: ClientPool
    clickpay: Profile
    geidea: Profile
    sandbox: Controls
    url: str


@pytest.fixture
def desk(sandbox_server: SandboxProcess, sandbox: Controls, tmp_path: Path) -> Iterator[Desk]:
    url = sandbox_server.base_url
    store = Store.open(tmp_path / "desk.sqlite3")
    clickpay = store.save_profile(Profile("Shop", GatewayKind.CLICKPAY, url, str(demo.PROFILE_ID)))
    geidea = store.save_profile(
        Profile("Shop (Geidea)", GatewayKind.GEIDEA, url, demo.GEIDEA_PUBLIC_KEY)
    )
    secrets = SecretStore()
    secrets.set_session_only(clickpay.secret_name, demo.SERVER_KEY)
    secrets.set_session_only(geidea.secret_name, demo.GEIDEA_API_PASSWORD)
    pool = ClientPool(secrets)
    yield Desk(store, pool, clickpay, geidea, sandbox, url)
    pool.close()
    store.close()


def pay_on_page(base_url: str, link: str) -> None:
    """What the customer does: open the link, press Pay."""
    path = urlsplit(link).path
    with httpx.Client(base_url=base_url, timeout=10) as http:
        page = http.get(path)
        assert page.status_code == 200 and "Pay" in page.text
        http.post(path, data={"result": "approved"}).raise_for_status()


def clickpay_invoice(n: int, lines: int = 20) -> Invoice:
    now = datetime.now(UTC)
    return Invoice(
        currency="SAR",
        cart_id=f"E2E-INV-{n}-{now.timestamp():.0f}",
        cart_description="Twenty lines with discounts and VAT",
        lines=tuple(
            LineItem(
                sku=f"SKU-{i}",
                description=f"Item {i}",
                unit_cost=Decimal("19.99"),
                quantity=Decimal(1 + i % 3),
                discount_rate=Decimal(5) if i % 2 else Decimal(0),
                tax_rate=Decimal(15),
            )
            for i in range(lines)
        ),
        customer=CustomerDetails(name="Riyas Razak", email="riyas@example.com", country="SA"),
        expiry_date=now + timedelta(days=10),
    )


def test_clickpay_create_pay_refund_cancel_export(desk: Desk, tmp_path: Path) -> None:
    store, pool, profile = desk.store, desk.pool, desk.clickpay
    invoice = clickpay_invoice(1)
    record = invoices.create_invoice(store, pool, profile, invoice)
    assert record.link

    pay_on_page(desk.url, record.link)
    report = invoices.refresh_statuses(store, pool, profile, [record])
    refunds.remember_payments(store, report)
    paid = store.get_invoice(record.id)
    assert paid is not None and paid.status == "paid" and refunds.paid_tran_ref(paid)

    done = refunds.refund_invoice(store, pool, profile, paid, Decimal("10.00"), reason="damaged")
    assert done.refunded_total == Decimal("10.00")
    with pytest.raises(ValidationError):
        refunds.refund_invoice(store, pool, profile, paid, invoice.cart_amount)  # > what is left

    other = invoices.create_invoice(store, pool, profile, clickpay_invoice(2, lines=2))
    cancelled = invoices.cancel_invoice(store, pool, profile, other)
    assert cancelled.status == "cancelled"

    path = export_invoice_list(
        store.list_invoices(profile.id),
        tmp_path / "list.xlsx",
        refunds=store.invoice_refunds(profile.id),
    )
    ws = openpyxl.load_workbook(path).active
    headings = [c.value for c in ws[1]]
    table = {
        r[0].value: dict(zip(headings, (c.value for c in r), strict=True))
        for r in ws.iter_rows(min_row=2)
    }
    assert table[invoice.cart_id]["Status"] == "Paid"
    assert table[invoice.cart_id]["Refunded"] == 10
    assert table[other.cart_id]["Status"] == "Cancelled"
    one = openpyxl.load_workbook(
        export_invoice(paid, tmp_path / "one.xlsx", refunded=Decimal("10.00"))
    )
    assert one["Lines"].max_row == 21
    totals = {r[0].value: r[1].value for r in one["Totals"].iter_rows(min_row=2)}
    assert Decimal(str(totals["Total"])) == invoice.cart_amount


def test_geidea_create_send_pay_delete_search(desk: Desk, tmp_path: Path) -> None:
    store, pool, profile = desk.store, desk.pool, desk.geidea
    today = datetime.now(UTC).date()

    def einvoice(ref: str) -> EInvoice:
        return EInvoice(
            currency="SAR",
            items=tuple(
                EInvoiceItem(price=Decimal("12.00"), quantity=2, description=f"Item {i}")
                for i in range(20)
            ),
            customer=GeideaCustomer(name="John", email="john@example.com"),
            merchant_reference_id=ref,
            expiry_date=today + timedelta(days=10),
        )

    record = geidea_invoices.create_einvoice(store, pool, profile, einvoice("E2E-G-1"))
    assert record.link and record.amount == Decimal("480.00")
    sent = geidea_invoices.send(store, pool, profile, record, "email")
    assert sent.status == "SentToCustomer"
    pay_on_page(desk.url, record.link)
    geidea_invoices.refresh_statuses(store, pool, profile, [sent])
    assert store.get_invoice(record.id).status == "Paid"

    other = geidea_invoices.create_einvoice(store, pool, profile, einvoice("E2E-G-2"))
    assert geidea_invoices.delete_einvoice(store, pool, profile, other).status == "Cancelled"

    found = geidea_invoices.search_all(store, pool, profile)
    assert {"E2E-G-1"} <= {r.cart_id for r in found}
    path = export_invoice_list(store.list_invoices(profile.id), tmp_path / "g.xlsx")
    ws = openpyxl.load_workbook(path).active
    statuses = {r[0].value: r[3].value for r in ws.iter_rows(min_row=2)}
    assert statuses["E2E-G-1"] == "Paid"
