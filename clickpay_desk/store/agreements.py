"""Repeat-billing agreements the app created."""

from __future__ import annotations

import sqlite3

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
    AgreementRecord,
)


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
        row = self._read_one("SELECT * FROM agreements WHERE id = ?", (agreement_row_id,))
        return None if row is None else _agreement(row)

    def find_agreement(self, profile_id: int, agreement_id: str) -> AgreementRecord | None:
        row = self._find_record("agreements", "agreement_id", profile_id, agreement_id)
        return None if row is None else _agreement(row)

    def list_agreements(
        self, profile_id: int | None = None, status: str | None = None
    ) -> list[AgreementRecord]:
        """Newest first."""
        return [_agreement(r) for r in self._list("agreements", profile_id, status)]

    def delete_agreement(self, agreement_row_id: int) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM agreements WHERE id = ?", (agreement_row_id,))


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
