"""Payout batches, their entries, and how each batch is being submitted.

``batch_submissions`` holds what a submission needs to resume after a crash besides the journal:
the deposit account the batch is sent to, the chunk size, and the order ids of batches that may
exist empty at the gateway (an unknown ``batch/new``; they pay nobody, so they are only noted).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from .base import (
    NotFound,
    StoreBase,
    _escape_like,
    _payload_text,
    _remote,
)
from .codec import (
    json_text,
    json_value,
    money_text,
    money_value,
    optional_money_text,
    optional_money_value,
    time_text,
    time_value,
)
from .records import (
    BatchEntryRecord,
    BatchRecord,
    utc_now,
)


@dataclass(frozen=True)
class BatchSubmission:
    """The submission settings and notes of one local batch."""

    batch_id: int
    account_id: str
    chunk_size: int
    orphans: tuple[str, ...] = ()  # order ids of batches that may exist empty at the gateway
    message: str | None = None  # the last thing the submission said (for the tab)


class BatchesStore(StoreBase):
    # -- payout batches ------------------------------------------------------------------------

    def upsert_batch(self, rec: BatchRecord) -> BatchRecord:
        """Insert (id None, and no row yet for this profile's remote_batch_id) or update."""
        values = {
            "profile_id": rec.profile_id,
            "order_id": rec.order_id,
            "remote_batch_id": _remote(rec.remote_batch_id),
            "currency": rec.currency,
            "status": rec.status,
            "count": int(rec.count),
            "total": money_text(rec.total),
        }
        row = self._save_record("batches", "remote_batch_id", rec.id, values, rec.created_at)
        return _batch(row)

    def get_batch(self, batch_id: int) -> BatchRecord | None:
        return self._get("batches", batch_id, _batch)

    def find_batch(self, profile_id: int, remote_batch_id: str) -> BatchRecord | None:
        return self._find_record("batches", "remote_batch_id", profile_id, remote_batch_id, _batch)

    def list_batches(
        self, profile_id: int | None = None, status: str | None = None
    ) -> list[BatchRecord]:
        """Newest first."""
        return [_batch(r) for r in self._list("batches", profile_id, status)]

    def delete_batch(self, batch_id: int) -> None:
        """Delete a batch and its entries (the schema cascades)."""
        self._delete("batches", batch_id)

    def upsert_entries(
        self, batch_id: int, entries: Sequence[BatchEntryRecord]
    ) -> list[BatchEntryRecord]:
        """Insert or update many entries of one batch in ONE transaction (all or none).

        An entry with an id updates that row; one without is matched by ``(batch_id, row)``.
        Each entry's ``batch_id`` is set to ``batch_id``. Returns the entries as stored, in the
        order given.
        """
        now_dt = utc_now()
        now = time_text(now_dt)
        updates: list[tuple[Any, ...]] = []
        inserts: list[tuple[Any, ...]] = []
        for e in entries:
            values = (
                int(e.row),
                _payload_text(e.payload),
                _remote(e.remote_entry_id),
                money_text(e.amount),
                optional_money_text(e.fee),
                optional_money_text(e.total),
                e.status,
                e.protocol_message,
                now,
            )
            if e.id is None:
                inserts.append((batch_id, *values))
            else:
                updates.append((*values, e.id, batch_id))
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM batches WHERE id = ?", (batch_id,)).fetchone() is None:
                raise NotFound(f"There is no payout batch {batch_id}.")
            if updates:
                before = conn.total_changes
                conn.executemany(
                    "UPDATE batch_entries SET row = ?, payload = ?, remote_entry_id = ?, "
                    "amount = ?, fee = ?, total = ?, status = ?, protocol_message = ?, "
                    "updated_at = ? WHERE id = ? AND batch_id = ?",
                    updates,
                )
                if conn.total_changes - before != len(updates):
                    raise NotFound(f"Some entries are not in payout batch {batch_id}.")
            if inserts:
                conn.executemany(
                    "INSERT INTO batch_entries (batch_id, row, payload, remote_entry_id, amount, "
                    "fee, total, status, protocol_message, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT(batch_id, row) DO UPDATE SET payload = excluded.payload, "
                    "remote_entry_id = excluded.remote_entry_id, amount = excluded.amount, "
                    "fee = excluded.fee, total = excluded.total, status = excluded.status, "
                    "protocol_message = excluded.protocol_message, "
                    "updated_at = excluded.updated_at",
                    inserts,
                )
            ids = dict(
                conn.execute(
                    "SELECT row, id FROM batch_entries WHERE batch_id = ?", (batch_id,)
                ).fetchall()
            )
        stored_at = time_value(now)
        return [
            replace(e, id=ids[int(e.row)], batch_id=batch_id, updated_at=stored_at) for e in entries
        ]

    def replace_entries(
        self, batch_id: int, entries: Sequence[BatchEntryRecord]
    ) -> list[BatchEntryRecord]:
        """Make ``entries`` the whole content of a batch (a saved draft): rows not given are
        deleted, in the same transaction as the upsert."""
        rows = [int(e.row) for e in entries]
        with self._write() as conn:
            if rows:
                marks = ",".join("?" * len(rows))
                conn.execute(
                    f"DELETE FROM batch_entries WHERE batch_id = ? AND row NOT IN ({marks})",
                    (batch_id, *rows),
                )
            else:
                conn.execute("DELETE FROM batch_entries WHERE batch_id = ?", (batch_id,))
        return self.upsert_entries(batch_id, [replace(e, id=None) for e in entries])

    def set_entries_status(
        self,
        batch_id: int,
        rows: Sequence[int],
        status: str,
        remote_ids: dict[int, str] | None = None,
    ) -> None:
        """Set the status (and, by row, the gateway's entry id) of many entries at once."""
        ids = remote_ids or {}
        now = time_text(utc_now())
        with self._write() as conn:
            conn.executemany(
                "UPDATE batch_entries SET status = ?, "
                "remote_entry_id = coalesce(?, remote_entry_id), updated_at = ? "
                "WHERE batch_id = ? AND row = ?",
                [(status, ids.get(int(r)), now, batch_id, int(r)) for r in rows],
            )

    def update_tracking(
        self,
        batch_id: int,
        updates: Sequence[tuple[int, str | None, str, Decimal | None, Decimal | None, str | None]],
    ) -> datetime:
        """What the gateway says of many entries, by row: (row, remote_entry_id, status, fee,
        total, protocol_message). The payload is left alone (it never changes once sent).
        Returns the ``updated_at`` written."""
        now = time_text(utc_now())
        with self._write() as conn:
            conn.executemany(
                "UPDATE batch_entries SET remote_entry_id = coalesce(?, remote_entry_id), "
                "status = ?, fee = ?, total = ?, protocol_message = ?, updated_at = ? "
                "WHERE batch_id = ? AND row = ?",
                [
                    (
                        remote,
                        status,
                        optional_money_text(fee),
                        optional_money_text(total),
                        message,
                        now,
                        batch_id,
                        int(row),
                    )
                    for row, remote, status, fee, total, message in updates
                ],
            )
        return time_value(now)

    def order_id_used(self, profile_id: int, order_id: str) -> bool:
        """True when a batch of this profile has (or had, as an orphan) this order id."""
        if self._read_one(
            "SELECT 1 FROM batches WHERE profile_id = ? AND order_id = ?", (profile_id, order_id)
        ):
            return True
        pattern = "%" + _escape_like(json_text(order_id)) + "%"
        return (
            self._read_one(
                "SELECT 1 FROM batch_submissions s JOIN batches b ON b.id = s.batch_id "
                "WHERE b.profile_id = ? AND s.orphans LIKE ? ESCAPE '\\'",
                (profile_id, pattern),
            )
            is not None
        )

    def save_submission(self, sub: BatchSubmission) -> BatchSubmission:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO batch_submissions (batch_id, account_id, chunk_size, orphans, "
                "message, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(batch_id) DO UPDATE "
                "SET account_id = excluded.account_id, chunk_size = excluded.chunk_size, "
                "orphans = excluded.orphans, message = excluded.message, "
                "updated_at = excluded.updated_at",
                (
                    sub.batch_id,
                    sub.account_id,
                    int(sub.chunk_size),
                    json_text(list(sub.orphans)),
                    sub.message,
                    time_text(utc_now()),
                ),
            )
        return sub

    def get_submission(self, batch_id: int) -> BatchSubmission | None:
        row = self._read_one("SELECT * FROM batch_submissions WHERE batch_id = ?", (batch_id,))
        if row is None:
            return None
        return BatchSubmission(
            batch_id=row["batch_id"],
            account_id=row["account_id"],
            chunk_size=row["chunk_size"],
            orphans=tuple(str(o) for o in json_value(row["orphans"])),
            message=row["message"],
        )

    def list_entries(self, batch_id: int) -> list[BatchEntryRecord]:
        """The entries of a batch in row order."""
        rows = self._read(
            "SELECT * FROM batch_entries WHERE batch_id = ? ORDER BY row", (batch_id,)
        )
        return [_entry(r) for r in rows]


def _batch(r: sqlite3.Row) -> BatchRecord:
    return BatchRecord(
        id=r["id"],
        profile_id=r["profile_id"],
        order_id=r["order_id"],
        remote_batch_id=r["remote_batch_id"],
        currency=r["currency"],
        status=r["status"],
        count=r["count"],
        total=money_value(r["total"]),
        created_at=time_value(r["created_at"]),
        updated_at=time_value(r["updated_at"]),
    )


def _entry(r: sqlite3.Row) -> BatchEntryRecord:
    return BatchEntryRecord(
        id=r["id"],
        batch_id=r["batch_id"],
        row=r["row"],
        payload=json_value(r["payload"]),
        remote_entry_id=r["remote_entry_id"],
        amount=money_value(r["amount"]),
        fee=optional_money_value(r["fee"]),
        total=optional_money_value(r["total"]),
        status=r["status"],
        protocol_message=r["protocol_message"],
        updated_at=time_value(r["updated_at"]),
    )
