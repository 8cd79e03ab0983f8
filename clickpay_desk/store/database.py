"""The local SQLite database: profiles, settings, drafts, the submission journal and the
invoices, agreements and payout batches the app has created or fetched.

Threading: one SQLite connection per thread (``threading.local``), all in WAL mode. Readers on
any thread (the GUI included) then never wait for a writer, even during a 10,000-row batch
upsert, because WAL gives each reader a consistent snapshot. Writes are serialised by a
process-wide lock around ``BEGIN IMMEDIATE ... COMMIT`` (one transaction per method), and
``busy_timeout`` covers another process holding the file. Connections are opened with
``check_same_thread=False`` only so that ``close()`` can close every thread's connection; each
connection is otherwise used by its own thread alone. The GUI should not write directly but
through ``StoreWriter``, which runs writes in order on one background thread.

Durability: ``synchronous=FULL``, so a committed journal entry survives a kill or a power cut;
the journal is written before a request is sent, and the send waits for that commit.

Secrets: there is no column for one. Settings, drafts and the journal must never be given one;
as defence in depth, JSON written to the journal, drafts and record payloads is passed through
``clickpay_desk.secrets.redact``.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from clickpay_desk.core.profile import GatewayKind, Profile
from clickpay_desk.secrets import redact

from . import migrations
from .codec import (
    json_text,
    json_value,
    money_text,
    money_value,
    optional_json_value,
    optional_money_text,
    optional_money_value,
    optional_time_value,
    time_text,
    time_value,
)
from .records import (
    AgreementRecord,
    BatchEntryRecord,
    BatchRecord,
    Draft,
    InvoiceRecord,
    JournalEntry,
    JournalStatus,
    utc_now,
)

log = logging.getLogger(__name__)

_ENVIRONMENT_ERRORS = {
    "SQLITE_BUSY": "the database is busy in another program",
    "SQLITE_LOCKED": "the database is locked",
    "SQLITE_FULL": "the disk is full",
    "SQLITE_IOERR": "the disk reported an input/output error",
    "SQLITE_READONLY": "the database file is read-only",
    "SQLITE_CANTOPEN": "the database file cannot be opened",
    "SQLITE_CORRUPT": "the database file is damaged",
    "SQLITE_NOTADB": "the file is not a ClickPay Desk database",
    "SQLITE_PERM": "permission to the database file was denied",
}


class StoreError(Exception):
    """A problem with the local database that the user can read (the environment's fault:
    disk full, file damaged or locked, written by a newer version). Bugs stay sqlite3 errors."""


class StoreClosed(StoreError):
    """The store was closed."""


class NotFound(StoreError, LookupError):
    """No row with that id."""


class JournalStateError(StoreError):
    """A journal transition that would rewrite history (e.g. finishing an entry twice)."""


def _environment_error(exc: sqlite3.Error, path: Path) -> StoreError | None:
    name = getattr(exc, "sqlite_errorname", "") or ""
    for prefix, text in _ENVIRONMENT_ERRORS.items():
        if name.startswith(prefix):
            return StoreError(f"Cannot use the local database {path}: {text} ({exc}).")
    if isinstance(exc, sqlite3.DatabaseError) and "not a database" in str(exc):
        return StoreError(
            f"Cannot use the local database {path}: {_ENVIRONMENT_ERRORS['SQLITE_NOTADB']}."
        )
    return None


class _ThreadConnection:
    """One thread's connection, held by that thread's ``threading.local`` only. When the thread
    ends, the local goes, and the finalizer closes the connection. (Leaving it to deallocation is
    not enough: Python 3.11's sqlite3 then keeps the file descriptors open while another
    connection of this process has the file open.)"""

    __slots__ = ("__weakref__", "close", "conn")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.close = weakref.finalize(self, conn.close)


class Store:
    """The local database. Create with ``Store.open(path)``; methods may be called from any
    thread; every write method is one transaction, committed before it returns."""

    def __init__(self, path: Path, busy_timeout: float) -> None:
        """Use ``Store.open``."""
        self.path = path
        self._busy_timeout = busy_timeout
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._registry_lock = threading.Lock()
        # Weak: when a thread ends, its thread-local holder goes and its connection is closed.
        # Worker pools (QThreadPool) start and expire threads all day; a strong registry would
        # leak a connection per thread.
        self._holders: weakref.WeakSet[_ThreadConnection] = weakref.WeakSet()
        self._closed = False

    # -- opening, connections, transactions ---------------------------------------------------

    @classmethod
    def open(cls, path: Path, *, busy_timeout: float = 10.0) -> Store:
        """Open (creating or migrating as needed) the database at ``path``.

        Raises StoreError when the file belongs to a newer version, is not a database, or the
        disk refuses.
        """
        path = Path(path)
        store = cls(path, busy_timeout)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = store._conn()
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                log.warning("SQLite refused WAL mode for %s (got %s); readers may wait", path, mode)
            version = migrations.schema_version(conn)
            latest = len(migrations.MIGRATIONS)
            if version > latest:
                raise StoreError(
                    f"The local database {path} was written by a newer ClickPay Desk (schema "
                    f"{version}; this version knows up to {latest}). Update the app, or start it "
                    "with another --data-dir."
                )
            if version < latest:
                log.info("Migrating %s from schema %d to %d", path, version, latest)
                migrations.migrate(conn)
        except StoreError:
            store.close()
            raise
        except sqlite3.Error as exc:
            store.close()
            translated = _environment_error(exc, path)
            if translated is not None:
                raise translated from exc
            raise
        except OSError as exc:
            store.close()
            raise StoreError(f"Cannot create the data directory {path.parent}: {exc}") from exc
        return store

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path,
            timeout=self._busy_timeout,
            isolation_level=None,  # autocommit; transactions are explicit BEGIN ... COMMIT
            check_same_thread=False,  # only so close() can close other threads' connections
        )
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout * 1000)}")
        conn.execute("PRAGMA synchronous = FULL")
        return conn

    def _conn(self) -> sqlite3.Connection:
        if self._closed:
            raise StoreClosed("The local database is closed.")
        holder: _ThreadConnection | None = getattr(self._local, "holder", None)
        if holder is not None:
            return holder.conn
        conn = self._connect()
        holder = _ThreadConnection(conn)
        with self._registry_lock:
            if self._closed:
                conn.close()
                raise StoreClosed("The local database is closed.")
            self._holders.add(holder)
        self._local.holder = holder
        return conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, committed on leaving, rolled back on any exception."""
        conn = self._conn()
        with self._write_lock:
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                translated = _environment_error(exc, self.path)
                if translated is not None:
                    raise translated from exc
                raise

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        try:
            return self._conn().execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            translated = _environment_error(exc, self.path)
            if translated is not None:
                raise translated from exc
            raise

    def _read_one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        rows = self._read(sql, params)
        return rows[0] if rows else None

    def schema_version(self) -> int:
        return migrations.schema_version(self._conn())

    def integrity_check(self) -> str:
        """SQLite's own check of the file: "ok" when sound."""
        return "; ".join(str(r[0]) for r in self._read("PRAGMA integrity_check"))

    def close(self) -> None:
        """Close every thread's connection. Stop the StoreWriter first."""
        with self._registry_lock:
            if self._closed:
                return
            self._closed = True
            holders = list(self._holders)
            self._holders.clear()
        for holder in holders:
            try:
                holder.close()
            except sqlite3.Error:
                log.exception("Closing a database connection failed")

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Store {str(self.path)!r}{' closed' if self._closed else ''}>"

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
        row = self._read_one("SELECT * FROM profiles WHERE id = ?", (profile_id,))
        return None if row is None else _profile(row)

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
        with self._write() as conn:
            conn.execute("DELETE FROM profiles WHERE id = ?", (profile_id,))

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
        row = self._read_one("SELECT * FROM journal WHERE id = ?", (entry_id,))
        return None if row is None else _journal(row)

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

    def journal_last(self, subject: str, operation: str | None = None) -> JournalEntry | None:
        """The latest entry for ``subject`` (and ``operation`` when given)."""
        if operation is None:
            row = self._read_one(
                "SELECT * FROM journal WHERE subject = ? ORDER BY id DESC LIMIT 1", (subject,)
            )
        else:
            row = self._read_one(
                "SELECT * FROM journal WHERE subject = ? AND operation = ? "
                "ORDER BY id DESC LIMIT 1",
                (subject, operation),
            )
        return None if row is None else _journal(row)

    def journal_blocking(self, subject: str, operation: str) -> JournalEntry | None:
        """The latest unresolved (PENDING or UNKNOWN) attempt of ``operation`` on ``subject``,
        if any. While this returns an entry the app must not repeat the action: reconcile
        first. (Stricter than "the last attempt": an older unknown attempt still blocks.)"""
        row = self._read_one(
            "SELECT * FROM journal WHERE subject = ? AND operation = ? AND status IN (?, ?) "
            "ORDER BY id DESC LIMIT 1",
            (subject, operation, JournalStatus.PENDING.value, JournalStatus.UNKNOWN.value),
        )
        return None if row is None else _journal(row)

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
        row = self._read_one("SELECT * FROM batches WHERE id = ?", (batch_id,))
        return None if row is None else _batch(row)

    def find_batch(self, profile_id: int, remote_batch_id: str) -> BatchRecord | None:
        row = self._find_record("batches", "remote_batch_id", profile_id, remote_batch_id)
        return None if row is None else _batch(row)

    def list_batches(
        self, profile_id: int | None = None, status: str | None = None
    ) -> list[BatchRecord]:
        """Newest first."""
        return [_batch(r) for r in self._list("batches", profile_id, status)]

    def delete_batch(self, batch_id: int) -> None:
        """Delete a batch and its entries."""
        with self._write() as conn:
            conn.execute("DELETE FROM batches WHERE id = ?", (batch_id,))

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

    def list_entries(self, batch_id: int) -> list[BatchEntryRecord]:
        """The entries of a batch in row order."""
        rows = self._read(
            "SELECT * FROM batch_entries WHERE batch_id = ? ORDER BY row", (batch_id,)
        )
        return [_entry(r) for r in rows]

    # -- helpers -------------------------------------------------------------------------------

    def _save_record(
        self,
        table: str,
        remote_column: str,
        row_id: int | None,
        values: dict[str, Any],
        created_at: datetime,
    ) -> sqlite3.Row:
        """Insert or update one invoice, agreement or batch row; returns it as stored. A record
        without a local id but with a remote id updates the profile's row for that remote id."""
        with self._write() as conn:
            remote = values[remote_column]
            if row_id is None and remote is not None:
                row_id = _find_id(conn, table, remote_column, values["profile_id"], remote)
            return _fetch(conn, table, _upsert(conn, table, row_id, values, created_at))

    def _find_record(
        self, table: str, remote_column: str, profile_id: int, remote_id: object
    ) -> sqlite3.Row | None:
        return self._read_one(
            f"SELECT * FROM {table} WHERE profile_id = ? AND {remote_column} = ?",
            (profile_id, _remote(remote_id)),
        )

    def _list(self, table: str, profile_id: int | None, status: str | None) -> list[sqlite3.Row]:
        where: list[str] = []
        params: list[Any] = []
        if profile_id is not None:
            where.append("profile_id = ?")
            params.append(profile_id)
        if status is not None:
            where.append("status = ?")
            params.append(status)
        sql = f"SELECT * FROM {table}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        return self._read(sql + " ORDER BY id DESC", params)


def _lastrowid(cur: sqlite3.Cursor) -> int:
    if cur.lastrowid is None:  # pragma: no cover - sqlite always sets it after an INSERT
        raise RuntimeError("SQLite returned no row id")
    return int(cur.lastrowid)


def _remote(value: object) -> str | None:
    """Remote ids are text: PT2 answers numbers, Geidea UUIDs."""
    return None if value is None else str(value)


def _payload_text(payload: dict[str, Any]) -> str:
    # Defence in depth, as for the journal: a gateway answer that echoed a key is not kept.
    return redact(json_text(payload))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _fetch(conn: sqlite3.Connection, table: str, row_id: int) -> sqlite3.Row:
    row: sqlite3.Row | None = conn.execute(
        f"SELECT * FROM {table} WHERE id = ?", (row_id,)
    ).fetchone()
    if row is None:
        raise NotFound(f"There is no row {row_id} in {table}.")
    return row


def _find_id(
    conn: sqlite3.Connection, table: str, column: str, profile_id: int, value: object
) -> int | None:
    row = conn.execute(
        f"SELECT id FROM {table} WHERE profile_id = ? AND {column} = ?", (profile_id, value)
    ).fetchone()
    return None if row is None else int(row[0])


def _upsert(
    conn: sqlite3.Connection,
    table: str,
    row_id: int | None,
    values: dict[str, Any],
    created_at: datetime,
) -> int:
    now = time_text(utc_now())
    if row_id is None:
        columns = [*values, "created_at", "updated_at"]
        cur = conn.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            (*values.values(), time_text(created_at), now),
        )
        return _lastrowid(cur)
    assignments = ", ".join(f"{c} = ?" for c in [*values, "updated_at"])
    cur = conn.execute(
        f"UPDATE {table} SET {assignments} WHERE id = ?", (*values.values(), now, row_id)
    )
    if cur.rowcount == 0:
        raise NotFound(f"There is no row {row_id} in {table}.")
    return row_id


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


def _draft(r: sqlite3.Row) -> Draft:
    return Draft(
        kind=r["kind"],
        key=r["key"],
        data=json_value(r["data"]),
        updated_at=time_value(r["updated_at"]),
    )


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
