"""Invoices the app created or fetched."""

from __future__ import annotations

import sqlite3

from clickpay_desk.core.profile import GatewayKind

from .base import (
    StoreBase,
    _payload_text,
    _remote,
)
from .codec import (
    json_value,
    money_text,
    money_value,
    time_value,
)
from .records import (
    InvoiceRecord,
)


class InvoicesStore(StoreBase):
    # -- invoices ------------------------------------------------------------------------------

    def upsert_invoice(self, rec: InvoiceRecord) -> InvoiceRecord:
        """Insert (id None, and no row yet for this profile's remote_id) or update; returns the
        stored record."""
        values = {
            "profile_id": rec.profile_id,
            "gateway": GatewayKind(rec.gateway).value,
            "cart_id": rec.cart_id,
            "remote_id": _remote(rec.remote_id),
            "link": rec.link,
            "currency": rec.currency,
            "amount": money_text(rec.amount),
            "status": rec.status,
            "payload": _payload_text(rec.payload),
        }
        return _invoice(self._save_record("invoices", "remote_id", rec.id, values, rec.created_at))

    def get_invoice(self, invoice_id: int) -> InvoiceRecord | None:
        row = self._read_one("SELECT * FROM invoices WHERE id = ?", (invoice_id,))
        return None if row is None else _invoice(row)

    def find_invoice(self, profile_id: int, remote_id: str) -> InvoiceRecord | None:
        row = self._find_record("invoices", "remote_id", profile_id, remote_id)
        return None if row is None else _invoice(row)

    def list_invoices(
        self, profile_id: int | None = None, status: str | None = None
    ) -> list[InvoiceRecord]:
        """Newest first."""
        return [_invoice(r) for r in self._list("invoices", profile_id, status)]

    def delete_invoice(self, invoice_id: int) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM invoices WHERE id = ?", (invoice_id,))


def _invoice(r: sqlite3.Row) -> InvoiceRecord:
    return InvoiceRecord(
        id=r["id"],
        profile_id=r["profile_id"],
        gateway=GatewayKind(r["gateway"]),
        cart_id=r["cart_id"],
        remote_id=r["remote_id"],
        link=r["link"],
        currency=r["currency"],
        amount=money_value(r["amount"]),
        status=r["status"],
        payload=json_value(r["payload"]),
        created_at=time_value(r["created_at"]),
        updated_at=time_value(r["updated_at"]),
    )
