"""Helpers for the services tests: the Desk bundle and invoice factory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count

import httpx

from clickpay_desk.core.invoice import Invoice, LineItem
from clickpay_desk.core.profile import Profile
from clickpay_desk.services.clients import ClientPool
from clickpay_desk.store.database import Store

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
