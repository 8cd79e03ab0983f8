"""Saved customers and saved items: what the invoice editor offers again as the user types.

A customer is the same when name, e-mail and phone are; an item when SKU, description and
currency are. Saving again updates the rest and marks it used now, so the most recently used
come first.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from .base import StoreBase
from .codec import money_text, money_value, time_text, time_value
from .records import utc_now

CUSTOMER_FIELDS = ("name", "email", "phone", "street", "city", "state", "country", "zip")


@dataclass(frozen=True)
class SavedCustomer:
    name: str
    email: str = ""
    phone: str = ""
    street: str = ""
    city: str = ""
    state: str = ""
    country: str = ""
    zip: str = ""
    id: int | None = field(default=None, compare=False)
    used_at: datetime | None = field(default=None, compare=False)

    def fields(self) -> dict[str, str]:
        return {k: getattr(self, k) for k in CUSTOMER_FIELDS}


@dataclass(frozen=True)
class SavedItem:
    """``tax`` is the text of a rate or an amount, as ``tax_type`` ("%" or "Amount") says."""

    currency: str
    unit_cost: Decimal
    sku: str = ""
    description: str = ""
    tax: str = ""
    tax_type: str = "%"
    id: int | None = field(default=None, compare=False)
    used_at: datetime | None = field(default=None, compare=False)


class CatalogStore(StoreBase):
    # -- saved customers -------------------------------------------------------------------

    def save_customer(self, customer: SavedCustomer) -> SavedCustomer:
        """Insert or update (same name, e-mail and phone); returns the stored customer."""
        if not customer.name.strip():
            raise ValueError("a saved customer needs a name")
        values = {k: v.strip() for k, v in customer.fields().items()}
        now = time_text(utc_now())
        with self._write() as conn:
            conn.execute(
                "INSERT INTO saved_customers (name, email, phone, street, city, state, country, "
                "zip, used_at) VALUES (:name, :email, :phone, :street, :city, :state, :country, "
                ":zip, :used_at) ON CONFLICT(name, email, phone) DO UPDATE SET "
                "street = excluded.street, city = excluded.city, state = excluded.state, "
                "country = excluded.country, zip = excluded.zip, used_at = excluded.used_at",
                {**values, "used_at": now},
            )
            row = conn.execute(
                "SELECT * FROM saved_customers WHERE name = ? AND email = ? AND phone = ?",
                (values["name"], values["email"], values["phone"]),
            ).fetchone()
        return _customer(row)

    def list_customers(self, limit: int = 2000) -> list[SavedCustomer]:
        """Most recently used first."""
        rows = self._read(
            "SELECT * FROM saved_customers ORDER BY used_at DESC, id DESC LIMIT ?", (limit,)
        )
        return [_customer(r) for r in rows]

    def delete_customer(self, customer_id: int) -> None:
        self._delete("saved_customers", customer_id)

    # -- saved items -----------------------------------------------------------------------

    def save_items(self, items: Iterable[SavedItem]) -> int:
        """Insert or update many items in one transaction; returns how many were given."""
        now = time_text(utc_now())
        params = [
            {
                "sku": item.sku.strip(),
                "description": item.description.strip(),
                "currency": item.currency.strip().upper(),
                "unit_cost": money_text(item.unit_cost),
                "tax": item.tax.strip(),
                "tax_type": item.tax_type,
                "used_at": now,
            }
            for item in items
            if item.sku.strip() or item.description.strip()
        ]
        if not params:
            return 0
        with self._write() as conn:
            conn.executemany(
                "INSERT INTO saved_items (sku, description, currency, unit_cost, tax, tax_type, "
                "used_at) VALUES (:sku, :description, :currency, :unit_cost, :tax, :tax_type, "
                ":used_at) ON CONFLICT(sku, description, currency) DO UPDATE SET "
                "unit_cost = excluded.unit_cost, tax = excluded.tax, "
                "tax_type = excluded.tax_type, used_at = excluded.used_at",
                params,
            )
        return len(params)

    def list_items(self, currency: str | None = None, limit: int = 5000) -> list[SavedItem]:
        """Most recently used first; only ``currency``'s when given."""
        if currency is None:
            rows = self._read(
                "SELECT * FROM saved_items ORDER BY used_at DESC, id DESC LIMIT ?", (limit,)
            )
        else:
            rows = self._read(
                "SELECT * FROM saved_items WHERE currency = ? ORDER BY used_at DESC, id DESC "
                "LIMIT ?",
                (currency.strip().upper(), limit),
            )
        return [_item(r) for r in rows]

    def delete_item(self, item_id: int) -> None:
        self._delete("saved_items", item_id)


def _customer(r: sqlite3.Row) -> SavedCustomer:
    return SavedCustomer(
        **{k: r[k] for k in CUSTOMER_FIELDS},
        id=r["id"],
        used_at=time_value(r["used_at"]),
    )


def _item(r: sqlite3.Row) -> SavedItem:
    return SavedItem(
        currency=r["currency"],
        unit_cost=money_value(r["unit_cost"]),
        sku=r["sku"],
        description=r["description"],
        tax=r["tax"],
        tax_type=r["tax_type"],
        id=r["id"],
        used_at=time_value(r["used_at"]),
    )
