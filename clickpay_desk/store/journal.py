"""The submission journal: every mutating request, before it is sent and after."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from clickpay_desk.secrets import redact

from .base import (
    JournalStateError,
    StoreBase,
    _escape_like,
    _fetch,
    _lastrowid,
)
from .codec import (
    json_text,
    json_value,
    optional_json_value,
    optional_time_value,
    time_text,
    time_value,
)
from .records import (
    JournalEntry,
    JournalStatus,
    utc_now,
)


class JournalStore(StoreBase):
    # -- journal -------------------------------------------------------------------------------

    def journal_begin(
        self,
        profile_id: int | None,
        operation: str,
        subject: str,
        reference: str,
        request: dict[str, Any],
    ) -> JournalEntry:
        """Record a request about to be sent (status PENDING). Committed before it returns:
        send only after this returns."""
        if not operation or not subject:
            raise ValueError("a journal entry needs an operation and a subject")
        text = redact(json_text(request))
        with self._write() as conn:
            cur = conn.execute(
                "INSERT INTO journal (profile_id, operation, subject, reference, request, "
                "status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    profile_id,
                    operation,
                    subject,
                    reference,
                    text,
                    JournalStatus.PENDING.value,
                    time_text(utc_now()),
                ),
            )
            return _journal(_fetch(conn, "journal", _lastrowid(cur)))

    def journal_finish(
        self,
        entry_id: int,
        status: JournalStatus,
        result: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> JournalEntry:
        """Record how a PENDING request ended: DONE, REFUSED, or UNKNOWN (may have reached the
        gateway, no answer). Raises JournalStateError if the entry is no longer PENDING."""
        status = JournalStatus(status)
        if status is JournalStatus.PENDING:
            raise ValueError("journal_finish needs a final status, not PENDING")
        with self._write() as conn:
            current = _journal(_fetch(conn, "journal", entry_id))
            if current.status is not JournalStatus.PENDING:
                raise JournalStateError(
                    f"Journal entry {entry_id} is already {current.status.value}; "
                    "use journal_reconciled to settle an unknown outcome."
                )
            conn.execute(
                "UPDATE journal SET status = ?, result = ?, error = ?, finished_at = ? "
                "WHERE id = ?",
                (
                    status.value,
                    None if result is None else redact(json_text(result)),
                    None if error is None else redact(error),
                    time_text(utc_now()),
                    entry_id,
                ),
            )
            return _journal(_fetch(conn, "journal", entry_id))

    def journal_reconciled(
        self,
        entry_id: int,
        status: JournalStatus,
        result: dict[str, Any] | None = None,
    ) -> JournalEntry:
        """Settle an unresolved (PENDING or UNKNOWN) entry after querying the gateway: DONE (it
        happened) or NOT_DONE (it did not). Sets ``reconciled_at``."""
        status = JournalStatus(status)
        if status not in (JournalStatus.DONE, JournalStatus.NOT_DONE):
            raise ValueError("a reconciled entry is DONE or NOT_DONE")
        with self._write() as conn:
            current = _journal(_fetch(conn, "journal", entry_id))
            if not current.status.unresolved:
                raise JournalStateError(
                    f"Journal entry {entry_id} is already {current.status.value}; "
                    "only pending or unknown entries are reconciled."
                )
            now = time_text(utc_now())
            conn.execute(
                "UPDATE journal SET status = ?, result = coalesce(?, result), "
                "finished_at = coalesce(finished_at, ?), reconciled_at = ? WHERE id = ?",
                (
                    status.value,
                    None if result is None else redact(json_text(result)),
                    now,
                    now,
                    entry_id,
                ),
            )
            return _journal(_fetch(conn, "journal", entry_id))

    def journal_get(self, entry_id: int) -> JournalEntry | None:
        return self._get("journal", entry_id, _journal)

    def journal_list(
        self,
        *,
        status: JournalStatus | None = None,
        operation: str | None = None,
        profile_id: int | None = None,
        text: str | None = None,
        since: datetime | None = None,
        limit: int = 1000,
    ) -> list[JournalEntry]:
        """Journal entries, newest first. ``text`` matches (case-insensitively, as a substring)
        the operation, subject, reference or error; ``since`` is inclusive."""
        where: list[str] = []
        params: list[Any] = []
        if status is not None:
            where.append("status = ?")
            params.append(JournalStatus(status).value)
        if operation is not None:
            where.append("operation = ?")
            params.append(operation)
        if profile_id is not None:
            where.append("profile_id = ?")
            params.append(profile_id)
        if text:
            pattern = "%" + _escape_like(text) + "%"
            where.append(
                "(operation LIKE ? ESCAPE '\\' OR subject LIKE ? ESCAPE '\\' "
                "OR reference LIKE ? ESCAPE '\\' OR error LIKE ? ESCAPE '\\')"
            )
            params.extend([pattern] * 4)
        if since is not None:
            where.append("created_at >= ?")
            params.append(time_text(since))
        sql = "SELECT * FROM journal"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY id DESC LIMIT ?"
        params.append(int(limit))
        return [_journal(r) for r in self._read(sql, params)]

    def journal_unresolved(self) -> list[JournalEntry]:
        """Entries nobody knows the outcome of, oldest first: UNKNOWN ones, and PENDING ones (at
        start-up a PENDING entry means the app died mid-send, which is just as unknown). While
        the app runs, PENDING also includes requests in flight."""
        rows = self._read(
            "SELECT * FROM journal WHERE status IN (?, ?) ORDER BY id",
            (JournalStatus.PENDING.value, JournalStatus.UNKNOWN.value),
        )
        return [_journal(r) for r in rows]

    def journal_last(
        self, subject: str, operation: str | None = None, *, profile_id: int | None = None
    ) -> JournalEntry | None:
        """The latest entry for ``subject`` (and ``operation``, and ``profile_id``, when given).
        Merchant references are unique per merchant only: give ``profile_id`` to ask about one
        merchant's."""
        sql = "SELECT * FROM journal WHERE subject = ?"
        params: list[Any] = [subject]
        if operation is not None:
            sql += " AND operation = ?"
            params.append(str(operation))
        if profile_id is not None:
            sql += " AND profile_id = ?"
            params.append(profile_id)
        row = self._read_one(sql + " ORDER BY id DESC LIMIT 1", params)
        return None if row is None else _journal(row)

    def journal_blocking(
        self, subject: str, operation: str, *, profile_id: int | None = None
    ) -> JournalEntry | None:
        """The latest unresolved (PENDING or UNKNOWN) attempt of ``operation`` on ``subject``
        (of ``profile_id``'s merchant, when given), if any. While this returns an entry the app
        must not repeat the action: reconcile first. (Stricter than "the last attempt": an older
        unknown attempt still blocks.)"""
        sql = "SELECT * FROM journal WHERE subject = ? AND operation = ? AND status IN (?, ?)"
        params: list[Any] = [
            subject,
            str(operation),
            JournalStatus.PENDING.value,
            JournalStatus.UNKNOWN.value,
        ]
        if profile_id is not None:
            sql += " AND profile_id = ?"
            params.append(profile_id)
        row = self._read_one(sql + " ORDER BY id DESC LIMIT 1", params)
        return None if row is None else _journal(row)


def _journal(r: sqlite3.Row) -> JournalEntry:
    return JournalEntry(
        id=r["id"],
        profile_id=r["profile_id"],
        operation=r["operation"],
        subject=r["subject"],
        reference=r["reference"],
        request=json_value(r["request"]),
        status=JournalStatus(r["status"]),
        result=optional_json_value(r["result"]),
        error=r["error"],
        created_at=time_value(r["created_at"]),
        finished_at=optional_time_value(r["finished_at"]),
        reconciled_at=optional_time_value(r["reconciled_at"]),
    )
