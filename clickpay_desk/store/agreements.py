"""Repeat-billing agreements the app created, and the payments callbacks reported for them.

The gateway offers no call that lists an agreement's installments: what the desk knows of them
is what callbacks (IPNs) said, each confirmed by a transaction query when the gateway answered.
One row per (agreement, ``tran_ref``): importing the same callback twice changes nothing.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from .base import (
    StoreBase,
    _payload_text,
    _remote,
)
from .codec import (
    json_value,
    money_text,
    money_value,
    optional_money_text,
    optional_money_value,
    time_text,
    time_value,
)
from .records import (
    AgreementRecord,
    utc_now,
)


@dataclass(frozen=True)
class AgreementPayment:
    """One transaction of an agreement, as a callback reported it.

    ``kind`` is "initial" (the customer's first payment, which set the agreement up) or
    "installment" (a charge the gateway made on its schedule). ``response_status`` is PT2's
    (A authorised, D declined, E error, ...). ``signature`` says whether the callback's signature
    was verified ("verified") or absent ("unsigned"); a wrong one is never stored.
    ``confirmation`` is "confirmed" when a transaction query by ``tran_ref`` agreed, else
    "unconfirmed" (the gateway could not be asked).
    """

    id: int | None
    agreement_row: int
    tran_ref: str
    kind: str
    response_status: str
    message: str | None
    currency: str | None
    amount: Decimal | None
    transaction_time: str | None
    signature: str
    confirmation: str
    payload: dict[str, Any]
    received_at: datetime = field(default_factory=utc_now)

    @property
    def authorised(self) -> bool:
        return self.response_status == "A"


class AgreementsStore(StoreBase):
    # -- agreements ----------------------------------------------------------------------------

    def upsert_agreement(self, rec: AgreementRecord) -> AgreementRecord:
        """Insert (id None, and no row yet for this profile's agreement_id) or update."""
        values = {
            "profile_id": rec.profile_id,
            "cart_id": rec.cart_id,
            "tran_ref": rec.tran_ref,
            "agreement_id": _remote(rec.agreement_id),
            "currency": rec.currency,
            "initial_amount": money_text(rec.initial_amount),
            "status": rec.status,
            "payload": _payload_text(rec.payload),
        }
        row = self._save_record("agreements", "agreement_id", rec.id, values, rec.created_at)
        return _agreement(row)

    def get_agreement(self, agreement_row_id: int) -> AgreementRecord | None:
        return self._get("agreements", agreement_row_id, _agreement)

    def find_agreement(self, profile_id: int, agreement_id: str) -> AgreementRecord | None:
        return self._find_record("agreements", "agreement_id", profile_id, agreement_id, _agreement)

    def list_agreements(
        self, profile_id: int | None = None, status: str | None = None
    ) -> list[AgreementRecord]:
        """Newest first."""
        return [_agreement(r) for r in self._list("agreements", profile_id, status)]

    def delete_agreement(self, agreement_row_id: int) -> None:
        self._delete("agreements", agreement_row_id)

    def find_agreement_by_cart(self, profile_id: int, cart_id: str) -> AgreementRecord | None:
        return self._find_record("agreements", "cart_id", profile_id, cart_id, _agreement)

    def find_agreement_by_tran_ref(self, profile_id: int, tran_ref: str) -> AgreementRecord | None:
        """The agreement whose initial payment, or any recorded payment, has ``tran_ref``."""
        found = self._find_record("agreements", "tran_ref", profile_id, tran_ref, _agreement)
        if found is not None:
            return found
        row = self._read_one(
            "SELECT a.* FROM agreements a JOIN agreement_payments p ON p.agreement_row = a.id"
            " WHERE a.profile_id = ? AND p.tran_ref = ? ORDER BY a.id DESC",
            (profile_id, tran_ref),
        )
        return None if row is None else _agreement(row)

    # -- payments ----------------------------------------------------------------------------

    def add_agreement_payment(self, payment: AgreementPayment) -> bool:
        """Record a payment; False (and nothing changes) when that tran_ref is already there."""
        with self._write() as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO agreement_payments (agreement_row, tran_ref, kind,"
                " response_status, message, currency, amount, transaction_time, signature,"
                " confirmation, payload, received_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    payment.agreement_row,
                    payment.tran_ref,
                    payment.kind,
                    payment.response_status,
                    payment.message,
                    payment.currency,
                    optional_money_text(payment.amount),
                    payment.transaction_time,
                    payment.signature,
                    payment.confirmation,
                    _payload_text(payment.payload),
                    time_text(payment.received_at),
                ),
            )
            return cur.rowcount > 0

    def agreement_payment_exists(self, agreement_row: int, tran_ref: str) -> bool:
        return (
            self._read_one(
                "SELECT 1 FROM agreement_payments WHERE agreement_row = ? AND tran_ref = ?",
                (agreement_row, tran_ref),
            )
            is not None
        )

    def list_agreement_payments(self, agreement_row: int | None = None) -> list[AgreementPayment]:
        """Oldest first (by transaction time, then by arrival)."""
        sql = "SELECT * FROM agreement_payments"
        params: tuple[object, ...] = ()
        if agreement_row is not None:
            sql += " WHERE agreement_row = ?"
            params = (agreement_row,)
        rows = self._read(sql + " ORDER BY COALESCE(transaction_time, ''), id", params)
        return [_payment(r) for r in rows]


def _agreement(r: sqlite3.Row) -> AgreementRecord:
    return AgreementRecord(
        id=r["id"],
        profile_id=r["profile_id"],
        cart_id=r["cart_id"],
        tran_ref=r["tran_ref"],
        agreement_id=r["agreement_id"],
        currency=r["currency"],
        initial_amount=money_value(r["initial_amount"]),
        status=r["status"],
        payload=json_value(r["payload"]),
        created_at=time_value(r["created_at"]),
        updated_at=time_value(r["updated_at"]),
    )


def _payment(r: sqlite3.Row) -> AgreementPayment:
    return AgreementPayment(
        id=r["id"],
        agreement_row=r["agreement_row"],
        tran_ref=r["tran_ref"],
        kind=r["kind"],
        response_status=r["response_status"],
        message=r["message"],
        currency=r["currency"],
        amount=optional_money_value(r["amount"]),
        transaction_time=r["transaction_time"],
        signature=r["signature"],
        confirmation=r["confirmation"],
        payload=json_value(r["payload"]),
        received_at=time_value(r["received_at"]),
    )
