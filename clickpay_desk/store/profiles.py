"""Profiles and the settings that are not secrets."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

from clickpay_desk.core.profile import GatewayKind, Profile

from .base import (
    NotFound,
    StoreBase,
    _lastrowid,
)
from .codec import (
    json_text,
    time_text,
)
from .records import (
    utc_now,
)


class ProfilesStore(StoreBase):
    # -- profiles ------------------------------------------------------------------------------

    def save_profile(self, profile: Profile) -> Profile:
        """Insert (id None) or update a profile; returns it with its id. No secret is stored."""
        now = time_text(utc_now())
        values = (
            profile.name,
            profile.gateway.value,
            profile.base_url,
            profile.merchant_id,
            profile.payout_account_id,
            profile.currency,
            profile.language,
        )
        with self._write() as conn:
            if profile.id is None:
                cur = conn.execute(
                    "INSERT INTO profiles (name, gateway, base_url, merchant_id, "
                    "payout_account_id, currency, language, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (*values, now, now),
                )
                return replace(profile, id=_lastrowid(cur))
            cur = conn.execute(
                "UPDATE profiles SET name = ?, gateway = ?, base_url = ?, merchant_id = ?, "
                "payout_account_id = ?, currency = ?, language = ?, updated_at = ? WHERE id = ?",
                (*values, now, profile.id),
            )
            if cur.rowcount == 0:
                raise NotFound(f"There is no profile {profile.id}.")
            return profile

    def list_profiles(self) -> list[Profile]:
        rows = self._read("SELECT * FROM profiles ORDER BY name COLLATE NOCASE, id")
        return [_profile(r) for r in rows]

    def get_profile(self, profile_id: int) -> Profile | None:
        return self._get("profiles", profile_id, _profile)

    def profile_usage(self, profile_id: int) -> dict[str, int]:
        """How many invoices, agreements, batches and journal entries belong to a profile (to
        warn before ``delete_profile``)."""
        counts: dict[str, int] = {}
        for table in ("invoices", "agreements", "batches", "journal"):
            row = self._read_one(
                f"SELECT count(*) FROM {table} WHERE profile_id = ?", (profile_id,)
            )
            counts[table] = int(row[0]) if row else 0
        return counts

    def delete_profile(self, profile_id: int) -> None:
        """Delete a profile with its invoices, agreements and batches. Its journal entries stay
        (with no profile): the history of what was sent is never deleted."""
        self._delete("profiles", profile_id)

    # -- settings ------------------------------------------------------------------------------

    def get_setting(self, key: str, default: Any = None) -> Any:
        """A non-secret setting (JSON value), or ``default``. Settings are not money: a float
        comes back as a float (window sizes, ratios); keep amounts as Decimal, stored as text."""
        row = self._read_one("SELECT value FROM settings WHERE key = ?", (key,))
        return default if row is None else json.loads(row[0])

    def set_setting(self, key: str, value: Any) -> None:
        """Store a non-secret setting as JSON (Decimal becomes a string). Secrets never go
        here: they belong to ``clickpay_desk.secrets``."""
        text = json_text(value)
        with self._write() as conn:
            conn.execute(
                "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value, "
                "updated_at = excluded.updated_at",
                (key, text, time_text(utc_now())),
            )

    def delete_setting(self, key: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM settings WHERE key = ?", (key,))


def peek_setting(database: Path, key: str) -> Any:
    """A setting read straight from the database file, before (and without) ``Store.open``;
    None when there is no file, no such setting, or anything goes wrong. For what start-up
    needs before the store is opened (the port the built-in sandbox listened on)."""
    if not database.is_file():
        return None
    try:
        with contextlib.closing(
            sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True, timeout=1)
        ) as conn:
            row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])
    except (sqlite3.Error, ValueError, OSError):
        return None


def _profile(r: sqlite3.Row) -> Profile:
    return Profile(
        name=r["name"],
        gateway=GatewayKind(r["gateway"]),
        base_url=r["base_url"],
        merchant_id=r["merchant_id"],
        payout_account_id=r["payout_account_id"],
        currency=r["currency"],
        language=r["language"],
        id=r["id"],
    )
