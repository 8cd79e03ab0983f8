"""Schema migrations of the local database, in order.

The schema version is SQLite's ``PRAGMA user_version``: 0 is an empty file, and ``MIGRATIONS[i]``
takes a file from version ``i`` to ``i + 1``. Each step runs in its own transaction together with
the version bump, so a crash mid-upgrade leaves the file at the previous version, intact.

Rules for whoever adds a step: append, never edit a released step; amounts are TEXT (never REAL);
datetimes are ISO-8601 UTC TEXT; there is no column for a secret anywhere.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    description: str
    apply: Callable[[sqlite3.Connection], None]


def _script(sql: str) -> Callable[[sqlite3.Connection], None]:
    statements = [s.strip() for s in sql.split(";") if s.strip()]

    def run(conn: sqlite3.Connection) -> None:
        # Not executescript(): that commits, and a step must stay inside its transaction.
        for statement in statements:
            conn.execute(statement)

    return run


_V1_CORE = """
CREATE TABLE profiles (
    id                INTEGER PRIMARY KEY,
    name              TEXT NOT NULL,
    gateway           TEXT NOT NULL,
    base_url          TEXT NOT NULL,
    merchant_id       TEXT NOT NULL,
    payout_account_id TEXT NOT NULL DEFAULT '',
    currency          TEXT NOT NULL,
    language          TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE drafts (
    kind       TEXT NOT NULL,
    key        TEXT NOT NULL,
    data       TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE TABLE journal (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    profile_id    INTEGER REFERENCES profiles(id) ON DELETE SET NULL,
    operation     TEXT NOT NULL,
    subject       TEXT NOT NULL,
    reference     TEXT NOT NULL,
    request       TEXT NOT NULL,
    status        TEXT NOT NULL,
    result        TEXT,
    error         TEXT,
    created_at    TEXT NOT NULL,
    finished_at   TEXT,
    reconciled_at TEXT
);
CREATE INDEX journal_subject ON journal(subject, operation, id);
CREATE INDEX journal_status ON journal(status, id);
"""

_V2_RECORDS = """
CREATE TABLE invoices (
    id         INTEGER PRIMARY KEY,
    profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    gateway    TEXT NOT NULL,
    cart_id    TEXT NOT NULL,
    remote_id  TEXT,
    link       TEXT,
    currency   TEXT NOT NULL,
    amount     TEXT NOT NULL,
    status     TEXT NOT NULL,
    payload    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX invoices_remote ON invoices(profile_id, remote_id) WHERE remote_id IS NOT NULL;
CREATE INDEX invoices_status ON invoices(profile_id, status);
CREATE TABLE agreements (
    id             INTEGER PRIMARY KEY,
    profile_id     INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    cart_id        TEXT NOT NULL,
    tran_ref       TEXT,
    agreement_id   TEXT,
    currency       TEXT NOT NULL,
    initial_amount TEXT NOT NULL,
    status         TEXT NOT NULL,
    payload        TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE UNIQUE INDEX agreements_remote ON agreements(profile_id, agreement_id)
    WHERE agreement_id IS NOT NULL;
CREATE TABLE batches (
    id              INTEGER PRIMARY KEY,
    profile_id      INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    order_id        TEXT NOT NULL,
    remote_batch_id TEXT,
    currency        TEXT NOT NULL,
    status          TEXT NOT NULL,
    count           INTEGER NOT NULL,
    total           TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX batches_remote ON batches(profile_id, remote_batch_id)
    WHERE remote_batch_id IS NOT NULL;
CREATE TABLE batch_entries (
    id               INTEGER PRIMARY KEY,
    batch_id         INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
    row              INTEGER NOT NULL,
    payload          TEXT NOT NULL,
    remote_entry_id  TEXT,
    amount           TEXT NOT NULL,
    fee              TEXT,
    total            TEXT,
    status           TEXT NOT NULL,
    protocol_message TEXT,
    updated_at       TEXT NOT NULL,
    UNIQUE (batch_id, row)
);
"""

_V3_BATCH_SUBMISSIONS = """
CREATE TABLE batch_submissions (
    batch_id   INTEGER PRIMARY KEY REFERENCES batches(id) ON DELETE CASCADE,
    account_id TEXT NOT NULL,
    chunk_size INTEGER NOT NULL,
    orphans    TEXT NOT NULL,
    message    TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX batches_order ON batches(profile_id, order_id)
"""

_V4_AGREEMENT_PAYMENTS = """
CREATE TABLE agreement_payments (
    id               INTEGER PRIMARY KEY,
    agreement_row    INTEGER NOT NULL REFERENCES agreements(id) ON DELETE CASCADE,
    tran_ref         TEXT NOT NULL,
    kind             TEXT NOT NULL,
    response_status  TEXT NOT NULL,
    message          TEXT,
    currency         TEXT,
    amount           TEXT,
    transaction_time TEXT,
    signature        TEXT NOT NULL,
    confirmation     TEXT NOT NULL,
    payload          TEXT NOT NULL,
    received_at      TEXT NOT NULL,
    UNIQUE (agreement_row, tran_ref)
);
CREATE INDEX agreement_payments_tran ON agreement_payments(tran_ref);
CREATE INDEX agreements_cart ON agreements(profile_id, cart_id)
"""

_V5_CATALOG = """
CREATE TABLE saved_customers (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL,
    email   TEXT NOT NULL DEFAULT '',
    phone   TEXT NOT NULL DEFAULT '',
    street  TEXT NOT NULL DEFAULT '',
    city    TEXT NOT NULL DEFAULT '',
    state   TEXT NOT NULL DEFAULT '',
    country TEXT NOT NULL DEFAULT '',
    zip     TEXT NOT NULL DEFAULT '',
    used_at TEXT NOT NULL,
    UNIQUE (name, email, phone)
);
CREATE TABLE saved_items (
    id          INTEGER PRIMARY KEY,
    sku         TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    currency    TEXT NOT NULL,
    unit_cost   TEXT NOT NULL,
    tax         TEXT NOT NULL DEFAULT '',
    tax_type    TEXT NOT NULL DEFAULT '%',
    used_at     TEXT NOT NULL,
    UNIQUE (sku, description, currency)
);
CREATE INDEX saved_customers_used ON saved_customers(used_at);
CREATE INDEX saved_items_used ON saved_items(currency, used_at)
"""

#: ``MIGRATIONS[i]`` upgrades a file from schema version ``i`` to ``i + 1``.
MIGRATIONS: list[Migration] = [
    Migration("profiles, settings, drafts, submission journal", _script(_V1_CORE)),
    Migration("invoices, agreements, payout batches and their entries", _script(_V2_RECORDS)),
    Migration(
        "payout batch submissions: deposit account, chunk size, orphan batches",
        _script(_V3_BATCH_SUBMISSIONS),
    ),
    Migration(
        "agreement payments: initial and installment transactions from callbacks",
        _script(_V4_AGREEMENT_PAYMENTS),
    ),
    Migration("saved customers and saved items of the invoice editor", _script(_V5_CATALOG)),
]


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(
    conn: sqlite3.Connection,
    target: int | None = None,
    migrations: list[Migration] | None = None,
) -> int:
    """Bring ``conn`` (in autocommit mode) up to ``target`` (default: the latest); returns the
    version reached. Each step is one transaction with its version bump."""
    steps = MIGRATIONS if migrations is None else migrations
    goal = len(steps) if target is None else target
    version = schema_version(conn)
    while version < goal:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-read inside the write lock: another process may have migrated meanwhile.
            version = schema_version(conn)
            if version >= goal:
                conn.execute("COMMIT")
                break
            steps[version].apply(conn)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        version += 1
    return version
