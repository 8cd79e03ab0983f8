"""The local SQLite database's foundation: opening and migrating the file, one connection per
thread, one write transaction at a time, and the row helpers the aggregates share.

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

import contextlib
import logging
import os
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Self, TypeVar

from clickpay_desk.secrets import redact

from . import migrations
from .codec import (
    json_text,
    time_text,
)
from .records import (
    utc_now,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

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


class DatabaseDamaged(StoreError):
    """The database file has damaged pages (``PRAGMA quick_check`` found problems)."""


class DatabaseReadOnly(StoreError):
    """The database file (or its folder) cannot be written."""


def _damaged(path: Path, found: str) -> DatabaseDamaged:
    return DatabaseDamaged(
        f"The local database {path} is damaged ({found}). ClickPay Desk has not changed it. "
        "Quit, keep a copy of the file, and restore the latest backup of it; or start with "
        "another --data-dir. Before sending anything again, check the merchant dashboard for "
        "what was sent recently: the record of it is in the damaged file."
    )


def _check_usable(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse, in plain words, a database that would fail later: damaged pages (found now by
    SQLite's quick check, not at the first journal read) or a file that cannot be written (which
    would otherwise start silently and lose every change)."""
    try:
        rows = [str(r[0]) for r in conn.execute("PRAGMA quick_check(5)").fetchall()]
    except sqlite3.DatabaseError as exc:
        raise _damaged(path, str(exc)) from exc
    if rows != ["ok"]:
        raise _damaged(path, "; ".join(rows[:3]))
    read_only = False
    with contextlib.suppress(OSError):
        # No write bit at all: the user (or a copy from read-only media) made it read-only, even
        # if this account could override that.
        read_only = not (path.stat().st_mode & 0o222) or not os.access(path, os.W_OK)
    if not read_only:
        try:
            conn.execute("BEGIN IMMEDIATE")  # takes the write lock; nothing is written
            conn.execute("ROLLBACK")
        except sqlite3.OperationalError as exc:
            read_only = "readonly" in str(exc).replace("-", "").replace(" ", "").lower()
            if not read_only:
                raise
    if read_only:
        raise DatabaseReadOnly(
            f"The local database {path} is read-only, so nothing you do could be saved. "
            f"Make it writable (for example: chmod u+w '{path}'), or start with another "
            "--data-dir."
        )


class _ThreadConnection:
    """One thread's connection, held by that thread's ``threading.local`` only. When the thread
    ends, the local goes, and the finalizer closes the connection. (Leaving it to deallocation is
    not enough: Python 3.11's sqlite3 then keeps the file descriptors open while another
    connection of this process has the file open.)"""

    __slots__ = ("__weakref__", "close", "conn")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.close = weakref.finalize(self, conn.close)


class StoreBase:
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
    def open(cls, path: Path, *, busy_timeout: float = 10.0) -> Self:
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
            _check_usable(conn, path)
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
    def transaction(self) -> Iterator[None]:
        """The write methods called inside, on this thread, as ONE transaction: one commit (one
        sync to the disk), all or none. Nested uses join the outer one."""
        if getattr(self._local, "in_transaction", False):
            yield
            return
        with self._write():
            self._local.in_transaction = True
            try:
                yield
            finally:
                self._local.in_transaction = False

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, committed on leaving, rolled back on any exception; inside
        :meth:`transaction`, part of that one."""
        conn = self._conn()
        if getattr(self._local, "in_transaction", False):
            yield conn
            return
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

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Store {str(self.path)!r}{' closed' if self._closed else ''}>"

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
        without a local id but with a remote id updates the profile's row for that remote id.

        Every text value passes through ``redact``, not only the payload: a gateway that echoes
        the key (say, inside ``invoice_link``) must not get it kept in the record."""
        values = {k: redact(v) if isinstance(v, str) else v for k, v in values.items()}
        with self._write() as conn:
            remote = values[remote_column]
            if row_id is None and remote is not None:
                row_id = _find_id(conn, table, remote_column, values["profile_id"], remote)
            return _fetch(conn, table, _upsert(conn, table, row_id, values, created_at))

    def _get(self, table: str, row_id: int, convert: Callable[[sqlite3.Row], T]) -> T | None:
        row = self._read_one(f"SELECT * FROM {table} WHERE id = ?", (row_id,))
        return None if row is None else convert(row)

    def _find_record(
        self,
        table: str,
        column: str,
        profile_id: int,
        value: object,
        convert: Callable[[sqlite3.Row], T],
    ) -> T | None:
        """The profile's newest row whose ``column`` is ``value``: a remote id (one row at most)
        or a merchant reference, which a retried create may have used twice."""
        row = self._read_one(
            f"SELECT * FROM {table} WHERE profile_id = ? AND {column} = ? ORDER BY id DESC LIMIT 1",
            (profile_id, _remote(value)),
        )
        return None if row is None else convert(row)

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

    def _delete(self, table: str, row_id: int) -> None:
        with self._write() as conn:
            conn.execute(f"DELETE FROM {table} WHERE id = ?", (row_id,))


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
