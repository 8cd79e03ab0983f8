"""Drafts: unsaved work, kept within a second of each edit."""

from __future__ import annotations

import sqlite3
from typing import Any

from clickpay_desk.secrets import redact

from .base import (
    StoreBase,
)
from .codec import (
    json_text,
    json_value,
    time_text,
    time_value,
)
from .records import (
    Draft,
    utc_now,
)


class DraftsStore(StoreBase):
    # -- drafts --------------------------------------------------------------------------------

    def save_draft(self, kind: str, key: str, data: dict[str, Any]) -> None:
        """Create or replace the draft ``(kind, key)``."""
        text = redact(json_text(data))
        with self._write() as conn:
            conn.execute(
                "INSERT INTO drafts (kind, key, data, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(kind, key) DO UPDATE SET data = excluded.data, "
                "updated_at = excluded.updated_at",
                (kind, key, text, time_text(utc_now())),
            )

    def load_draft(self, kind: str, key: str) -> Draft | None:
        row = self._read_one("SELECT * FROM drafts WHERE kind = ? AND key = ?", (kind, key))
        return None if row is None else _draft(row)

    def list_drafts(self, kind: str) -> list[Draft]:
        """Drafts of one kind, most recently saved first."""
        rows = self._read(
            "SELECT * FROM drafts WHERE kind = ? ORDER BY updated_at DESC, key", (kind,)
        )
        return [_draft(r) for r in rows]

    def delete_draft(self, kind: str, key: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM drafts WHERE kind = ? AND key = ?", (kind, key))


def _draft(r: sqlite3.Row) -> Draft:
    return Draft(
        kind=r["kind"],
        key=r["key"],
        data=json_value(r["data"]),
        updated_at=time_value(r["updated_at"]),
    )
