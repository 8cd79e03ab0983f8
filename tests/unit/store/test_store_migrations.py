"""Schema versions: an older file is upgraded in place with its data, a newer one is refused,
and a failed step leaves the file as it was."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from clickpay_desk.core.profile import GatewayKind
from clickpay_desk.store import InvoiceRecord, JournalStatus, Store, StoreError, migrations


def _make_v1_file(path: Path) -> None:
    """A database as the first schema version left it, with some user data."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrations.migrate(conn, target=1) == 1
    conn.execute(
        "INSERT INTO profiles (name, gateway, base_url, merchant_id, payout_account_id, "
        "currency, language, created_at, updated_at) VALUES ('Old shop', 'clickpay', "
        "'https://secure.clickpay.com.sa', '44537', '654', 'SAR', 'en', "
        "'2024-01-01T00:00:00.000000+00:00', '2024-01-01T00:00:00.000000+00:00')"
    )
    conn.execute(
        "INSERT INTO journal (profile_id, operation, subject, reference, request, status, "
        "created_at) VALUES (1, 'invoice.create', 'invoice:c1', 'c1', '{\"a\":\"1.50\"}', "
        "'unknown', '2024-01-02T00:00:00.000000+00:00')"
    )
    conn.execute(
        "INSERT INTO drafts VALUES ('invoice', 'k', '{\"x\":1}', "
        "'2024-01-03T00:00:00.000000+00:00')"
    )
    conn.close()


def test_migrations_are_ordered_and_reach_the_latest_version(db_path: Path) -> None:
    assert len(migrations.MIGRATIONS) >= 2
    with Store.open(db_path) as store:
        assert store.schema_version() == len(migrations.MIGRATIONS)


def test_an_older_file_is_migrated_keeping_its_data(db_path: Path) -> None:
    _make_v1_file(db_path)
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'invoices'").fetchone() is None
    conn.close()

    with Store.open(db_path) as store:
        assert store.schema_version() == len(migrations.MIGRATIONS)
        (profile,) = store.list_profiles()
        assert profile.name == "Old shop" and profile.id == 1
        (unknown,) = store.journal_unresolved()
        assert unknown.status is JournalStatus.UNKNOWN and unknown.request == {"a": "1.50"}
        draft = store.load_draft("invoice", "k")
        assert draft is not None and draft.data == {"x": 1}
        # The tables version 2 added work.
        invoice = store.upsert_invoice(
            InvoiceRecord(
                None,
                1,
                GatewayKind.CLICKPAY,
                "c1",
                "2025",
                None,
                "SAR",
                Decimal("1.50"),
                "sent",
                {},
            )
        )
        assert store.find_invoice(1, "2025") == invoice
        assert store.integrity_check() == "ok"

    # Opening again does nothing more.
    with Store.open(db_path) as store:
        assert store.schema_version() == len(migrations.MIGRATIONS)
        assert len(store.list_invoices()) == 1


def test_a_newer_file_is_refused_untouched(db_path: Path) -> None:
    newer = len(migrations.MIGRATIONS) + 1
    with Store.open(db_path) as store:
        store.set_setting("kept", True)
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {newer}")
    conn.close()
    with pytest.raises(StoreError, match="newer ClickPay Desk"):
        Store.open(db_path)
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == newer
    conn.close()


def test_a_failing_step_rolls_back_to_the_previous_version(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _make_v1_file(db_path)

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half_done (x TEXT)")
        raise sqlite3.OperationalError("simulated failure mid-migration")

    steps = [*migrations.MIGRATIONS[:1], migrations.Migration("broken", broken)]
    monkeypatch.setattr(migrations, "MIGRATIONS", steps)
    with pytest.raises(sqlite3.OperationalError, match="simulated"):
        Store.open(db_path)
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert (
        conn.execute("SELECT name FROM sqlite_master WHERE name = 'half_done'").fetchone() is None
    )
    assert conn.execute("SELECT count(*) FROM profiles").fetchone()[0] == 1
    conn.close()

    monkeypatch.undo()
    with Store.open(db_path) as store:  # the real step still applies afterwards
        assert store.schema_version() == len(migrations.MIGRATIONS)


def test_a_file_that_is_not_a_database_gives_a_plain_error(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"this is a spreadsheet, not a database" * 200)
    with pytest.raises(StoreError, match="not a ClickPay Desk database"):
        Store.open(db_path)
