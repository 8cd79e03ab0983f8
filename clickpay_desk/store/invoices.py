"""Invoices the app created or fetched."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

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

#: The journal operation of a refund (``services.operations.Operation.INVOICE_REFUND``; the
#: store does not import services).
REFUND_OPERATION = "invoice.refund"


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
        return self._get("invoices", invoice_id, _invoice)

    def find_invoice(self, profile_id: int, remote_id: str) -> InvoiceRecord | None:
        return self._find_record("invoices", "remote_id", profile_id, remote_id, _invoice)

    def list_invoices(
        self, profile_id: int | None = None, status: str | None = None
    ) -> list[InvoiceRecord]:
        """Newest first."""
        return [_invoice(r) for r in self._list("invoices", profile_id, status)]

    def find_invoice_by_cart(self, profile_id: int, cart_id: str) -> InvoiceRecord | None:
        """The newest invoice of this profile with this merchant reference (cart id)."""
        return self._find_record("invoices", "cart_id", profile_id, cart_id, _invoice)

    def list_invoices_in(
        self, profile_id: int, statuses: Iterable[str] | None = None
    ) -> list[InvoiceRecord]:
        """This profile's invoices in any of ``statuses`` (None: all), newest first."""
        wanted = None if statuses is None else sorted(set(statuses))
        if wanted is not None and not wanted:
            return []
        sql = "SELECT * FROM invoices WHERE profile_id = ?"
        params: list[object] = [profile_id]
        if wanted is not None:
            sql += f" AND status IN ({', '.join('?' for _ in wanted)})"
            params.extend(wanted)
        return [_invoice(r) for r in self._read(sql + " ORDER BY id DESC", params)]

    def invoice_refunds(self, profile_id: int) -> dict[str, Decimal]:
        """Per cart id, the sum of the refunds the gateway accepted (from the journal: each DONE
        ``invoice.refund`` request's ``cart_amount``)."""
        rows = self._read(
            "SELECT request FROM journal WHERE profile_id = ? AND operation = ? AND status = ?",
            (profile_id, REFUND_OPERATION, "done"),
        )
        totals: dict[str, Decimal] = {}
        for row in rows:
            request = json_value(row["request"])
            cart_id = request.get("cart_id")
            try:
                amount = Decimal(str(request.get("cart_amount")))
            except InvalidOperation:
                continue  # an unreadable amount is not counted as refunded
            if isinstance(cart_id, str) and amount.is_finite():
                totals[cart_id] = totals.get(cart_id, Decimal(0)) + amount
        return totals

    def invoice_refunds_unresolved(self, profile_id: int) -> set[str]:
        """Cart ids with a refund whose outcome nobody knows yet (pending or unknown)."""
        rows = self._read(
            "SELECT request FROM journal WHERE profile_id = ? AND operation = ? "
            "AND status IN ('pending', 'unknown')",
            (profile_id, REFUND_OPERATION),
        )
        return {str(json_value(r["request"]).get("cart_id")) for r in rows}

    def delete_invoice(self, invoice_id: int) -> None:
        self._delete("invoices", invoice_id)


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
