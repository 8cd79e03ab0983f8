"""Helpers for the services tests: the Desk bundle, invoice factories, a paid invoice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count

import httpx

from clickpay_desk.core.geidea_invoice import EInvoice, EInvoiceItem, GeideaCustomer
from clickpay_desk.core.invoice import Invoice, LineItem
from clickpay_desk.core.profile import Profile
from clickpay_desk.services import invoices
from clickpay_desk.services.clients import ClientPool
from clickpay_desk.store.database import Store
from clickpay_desk.store.records import InvoiceRecord

_carts = count(1)


@dataclass
class Desk:
    url: str
    store: Store
    pool: ClientPool
    profile: Profile
    control: httpx.Client

    def fault(self, path: str, mode: str, times: int = 1, **extra: object) -> None:
        body = {"path": path, "mode": mode, "times": times, **extra}
        self.control.post("/_sandbox/faults", json=body).raise_for_status()

    def state(self) -> dict:
        return self.control.get("/_sandbox/state").json()

    def refunds_at_gateway(self, cart_id: str) -> list[dict]:
        return [
            t
            for t in self.state()["transactions"]
            if t.get("cart_id") == cart_id and str(t.get("tran_type")).lower() == "refund"
        ]

    def paid_invoice(self, amount: str = "20.00") -> InvoiceRecord:
        """A ClickPay invoice created, paid by the sandbox's customer and refreshed as paid."""
        record = invoices.create_invoice(self.store, self.pool, self.profile, make_invoice(amount))
        self.control.post(f"/_sandbox/invoices/{record.remote_id}/pay").raise_for_status()
        invoices.refresh_statuses(self.store, self.pool, self.profile, [record])
        stored = self.store.get_invoice(record.id)
        assert stored is not None and stored.status == "paid"
        return stored


def make_invoice(amount: str = "9.50", quantity: int = 1) -> Invoice:
    now = datetime.now(UTC)
    return Invoice(
        currency="SAR",
        cart_id=f"cart-{next(_carts)}-{now.timestamp():.0f}",
        cart_description="Flat white",
        lines=(LineItem(description="Flat white", unit_cost=Decimal(amount), quantity=quantity),),
        activation_date=now + timedelta(days=1),
        expiry_date=now + timedelta(days=30),
        due_date=now + timedelta(days=7),
    )


def make_einvoice(
    price: str = "100.00", reference: str | None = None, name: str = "Sara"
) -> EInvoice:
    return EInvoice(
        currency="SAR",
        items=(EInvoiceItem(price=Decimal(price), quantity=2, description="Beans"),),
        customer=GeideaCustomer(name=name, email="sara@example.com"),
        merchant_reference_id=reference,
        expiry_date=(datetime.now(UTC) + timedelta(days=10)).date(),
    )
