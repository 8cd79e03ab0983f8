"""Profiles, settings, drafts, invoices, agreements, batches and entries in the local store."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from clickpay_desk.core.profile import GatewayKind, Profile
from clickpay_desk.store import (
    AgreementRecord,
    BatchEntryRecord,
    BatchRecord,
    InvoiceRecord,
    NotFound,
    Store,
    StoreClosed,
)

# -- schema ---------------------------------------------------------------------------------


def test_no_column_is_real_and_none_can_hold_a_secret(store: Store, db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert {"profiles", "settings", "drafts", "journal", "invoices", "batch_entries"} <= set(tables)
    for table in tables:
        for _, name, declared, *_ in conn.execute(f"PRAGMA table_info({table})"):
            assert declared.upper() not in ("REAL", "FLOAT", "DOUBLE", "NUMERIC"), (table, name)
            assert not any(w in name.lower() for w in ("secret", "password", "server_key")), (
                table,
                name,
            )
    conn.close()


def test_open_uses_wal_foreign_keys_and_busy_timeout(store: Store) -> None:
    conn = store._conn()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    assert store.integrity_check() == "ok"


def test_closed_store_refuses_work(db_path: Path) -> None:
    store = Store.open(db_path)
    store.close()
    store.close()  # twice is harmless
    with pytest.raises(StoreClosed):
        store.list_profiles()


# -- profiles -------------------------------------------------------------------------------


def test_profile_round_trip_update_and_delete(store: Store) -> None:
    geidea = store.save_profile(
        Profile(
            name="Egypt branch",
            gateway=GatewayKind.GEIDEA,
            base_url="https://api.merchant.geidea.net",
            merchant_id="a087f4ca-9890-407b-9c2f-7630836cc020",
            currency="EGP",
            language="ar",
        )
    )
    clickpay = store.save_profile(
        Profile("Main shop", GatewayKind.CLICKPAY, "https://secure.clickpay.com.sa", "44537")
    )
    assert geidea.id is not None and clickpay.id is not None and geidea.id != clickpay.id
    loaded = store.get_profile(geidea.id)
    assert loaded == geidea and loaded is not None and loaded.id == geidea.id
    assert loaded.gateway is GatewayKind.GEIDEA and loaded.language == "ar"
    assert [p.name for p in store.list_profiles()] == ["Egypt branch", "Main shop"]

    renamed = store.save_profile(replace(clickpay, name="Alpha shop", payout_account_id="654"))
    assert renamed.id == clickpay.id
    assert store.get_profile(clickpay.id) == renamed
    assert [p.name for p in store.list_profiles()] == ["Alpha shop", "Egypt branch"]

    store.delete_profile(geidea.id)
    assert store.get_profile(geidea.id) is None
    assert [p.id for p in store.list_profiles()] == [clickpay.id]


def test_updating_a_missing_profile_is_an_error(store: Store) -> None:
    ghost = Profile("x", GatewayKind.CLICKPAY, "https://a", "1", id=999)
    with pytest.raises(NotFound):
        store.save_profile(ghost)


def test_deleting_a_profile_keeps_its_journal_but_drops_its_records(
    store: Store, profile: Profile
) -> None:
    assert profile.id is not None
    store.upsert_invoice(_invoice(profile.id))
    entry = store.journal_begin(profile.id, "invoice.create", "invoice:c1", "c1", {})
    assert store.profile_usage(profile.id) == {
        "invoices": 1,
        "agreements": 0,
        "batches": 0,
        "journal": 1,
    }
    store.delete_profile(profile.id)
    assert store.list_invoices() == []
    kept = store.journal_get(entry.id)
    assert kept is not None and kept.profile_id is None and kept.operation == "invoice.create"


# -- settings -------------------------------------------------------------------------------


def test_settings_are_json_values(store: Store) -> None:
    assert store.get_setting("ui.theme") is None
    assert store.get_setting("ui.theme", "light") == "light"
    store.set_setting("ui.theme", "dark")
    store.set_setting("ui.columns", {"invoices": ["cart_id", "amount"], "width": 120})
    store.set_setting("last.amount", Decimal("12.340"))
    store.set_setting("ui.splitter", 0.25)
    assert store.get_setting("ui.theme") == "dark"
    assert store.get_setting("ui.columns") == {"invoices": ["cart_id", "amount"], "width": 120}
    assert store.get_setting("last.amount") == "12.340"
    assert store.get_setting("ui.splitter") == 0.25  # not money: a float stays a float
    store.set_setting("ui.theme", None)
    assert store.get_setting("ui.theme", "light") is None  # stored null is not "missing"
    store.delete_setting("ui.theme")
    assert store.get_setting("ui.theme", "light") == "light"


def test_settings_refuse_values_json_cannot_hold(store: Store) -> None:
    with pytest.raises(TypeError):
        store.set_setting("x", object())
    with pytest.raises(ValueError):
        store.set_setting("x", float("nan"))
    assert store.get_setting("x") is None


# -- drafts ---------------------------------------------------------------------------------


def test_drafts_upsert_list_and_delete(store: Store) -> None:
    assert store.load_draft("invoice", "new-1") is None
    store.save_draft("invoice", "new-1", {"cart_id": "c1", "lines": [{"unit_cost": "1.5"}]})
    store.save_draft("invoice", "new-2", {"cart_id": "c2"})
    store.save_draft("payouts", "sheet", {"rows": 3})
    first = store.load_draft("invoice", "new-1")
    assert first is not None and first.data["lines"][0]["unit_cost"] == "1.5"
    assert first.updated_at.tzinfo is not None

    time.sleep(0.002)
    store.save_draft("invoice", "new-1", {"cart_id": "c1-edited"})
    again = store.load_draft("invoice", "new-1")
    assert again is not None and again.data == {"cart_id": "c1-edited"}
    assert again.updated_at > first.updated_at
    assert [d.key for d in store.list_drafts("invoice")] == ["new-1", "new-2"]  # newest first
    assert [d.key for d in store.list_drafts("payouts")] == ["sheet"]

    store.delete_draft("invoice", "new-1")
    assert store.load_draft("invoice", "new-1") is None
    assert [d.key for d in store.list_drafts("invoice")] == ["new-2"]


def test_draft_amounts_stay_exact(store: Store) -> None:
    store.save_draft("invoice", "k", {"amount": Decimal("0.1"), "n": 3, "x": 1.25})
    draft = store.load_draft("invoice", "k")
    assert draft is not None
    # Decimal is written as a string; a stray float comes back as Decimal, never float.
    assert draft.data == {"amount": "0.1", "n": 3, "x": Decimal("1.25")}
    assert isinstance(draft.data["x"], Decimal)


# -- invoices -------------------------------------------------------------------------------


def _invoice(profile_id: int, **changes: object) -> InvoiceRecord:
    rec = InvoiceRecord(
        id=None,
        profile_id=profile_id,
        gateway=GatewayKind.CLICKPAY,
        cart_id="cart-1001",
        remote_id=None,
        link=None,
        currency="KWD",
        amount=Decimal("1234567890123.457"),
        status="draft",
        payload={"cart_amount": Decimal("1234567890123.457"), "lines": 2},
    )
    return replace(rec, **changes)  # type: ignore[arg-type]


def test_invoice_insert_update_find_and_list(store: Store, profile: Profile) -> None:
    assert profile.id is not None
    created_at = datetime(2024, 8, 25, 9, 30, tzinfo=UTC)
    stored = store.upsert_invoice(_invoice(profile.id, created_at=created_at))
    assert stored.id is not None
    assert stored.amount == Decimal("1234567890123.457") and isinstance(stored.amount, Decimal)
    assert stored.payload == {"cart_amount": "1234567890123.457", "lines": 2}
    assert stored.created_at == created_at
    assert stored.updated_at.tzinfo is not None

    sent = store.upsert_invoice(
        replace(
            stored, remote_id="2025", link="https://secure.clickpay.com.sa/pay/x", status="sent"
        )
    )
    assert sent.id == stored.id and sent.created_at == created_at
    assert store.get_invoice(stored.id) == sent
    assert store.find_invoice(profile.id, "2025") == sent
    assert store.find_invoice(profile.id, "9999") is None

    # Refreshing from the gateway by remote id updates the same row, not a duplicate.
    refreshed = store.upsert_invoice(_invoice(profile.id, remote_id="2025", status="paid"))
    assert refreshed.id == stored.id and refreshed.status == "paid"
    assert refreshed.created_at == created_at

    other = store.upsert_invoice(_invoice(profile.id, cart_id="cart-1002", amount=Decimal("5")))
    assert [i.id for i in store.list_invoices()] == [other.id, stored.id]
    assert [i.id for i in store.list_invoices(status="paid")] == [stored.id]
    assert [i.id for i in store.list_invoices(profile_id=profile.id + 1)] == []

    store.delete_invoice(other.id or 0)
    assert store.get_invoice(other.id or 0) is None


def test_invoice_amount_refuses_float(store: Store, profile: Profile) -> None:
    assert profile.id is not None
    with pytest.raises(TypeError):
        store.upsert_invoice(_invoice(profile.id, amount=0.1))
    assert store.list_invoices() == []


def test_invoice_needs_an_existing_profile(store: Store) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        store.upsert_invoice(_invoice(12345))


@pytest.mark.parametrize(
    "amount",
    ["0.001", "1234567890123456789.123", "0.10", "-5.500", "7", "0E-8", "99999999999999999.99"],
)
def test_decimal_amounts_round_trip_exactly(store: Store, profile: Profile, amount: str) -> None:
    assert profile.id is not None
    stored = store.upsert_invoice(_invoice(profile.id, amount=Decimal(amount)))
    loaded = store.get_invoice(stored.id or 0)
    assert loaded is not None
    assert str(loaded.amount) == amount  # same digits, same exponent: "0.10" stays "0.10"


# -- agreements -----------------------------------------------------------------------------


def test_agreements(store: Store, profile: Profile) -> None:
    assert profile.id is not None
    rec = AgreementRecord(
        id=None,
        profile_id=profile.id,
        cart_id="sub-1",
        tran_ref=None,
        agreement_id=None,
        currency="SAR",
        initial_amount=Decimal("99.99"),
        status="pending",
        payload={"agreement": {"agreement_description": "Gym", "repeat_terms": 12}},
    )
    stored = store.upsert_agreement(rec)
    assert stored.id is not None and stored.initial_amount == Decimal("99.99")
    active = store.upsert_agreement(
        replace(stored, tran_ref="TST2105900091234", agreement_id="123", status="active")
    )
    assert store.get_agreement(stored.id) == active
    assert store.find_agreement(profile.id, "123") == active
    same = store.upsert_agreement(replace(rec, agreement_id="123", status="cancelled"))
    assert same.id == stored.id
    assert [a.status for a in store.list_agreements(profile_id=profile.id)] == ["cancelled"]
    assert store.list_agreements(status="active") == []
    store.delete_agreement(stored.id)
    assert store.get_agreement(stored.id) is None


# -- batches and entries --------------------------------------------------------------------


def _batch(profile_id: int) -> BatchRecord:
    return BatchRecord(
        id=None,
        profile_id=profile_id,
        order_id="Payout-API-20240825",
        remote_batch_id=None,
        currency="SAR",
        status="draft",
        count=0,
        total=Decimal("0"),
    )


def _entry(row: int, amount: str = "120.88") -> BatchEntryRecord:
    return BatchEntryRecord(
        id=None,
        batch_id=None,
        row=row,
        payload={"beneficiary_name": f"Name {row}", "amount": Decimal(amount)},
        remote_entry_id=None,
        amount=Decimal(amount),
        fee=None,
        total=None,
        status="new",
        protocol_message=None,
    )


def test_batches(store: Store, profile: Profile) -> None:
    assert profile.id is not None
    batch = store.upsert_batch(_batch(profile.id))
    assert batch.id is not None
    submitted = store.upsert_batch(
        replace(batch, remote_batch_id="30143", status="New", count=2, total=Decimal("921.76"))
    )
    assert store.get_batch(batch.id) == submitted
    assert store.find_batch(profile.id, "30143") == submitted
    assert [b.id for b in store.list_batches(profile_id=profile.id, status="New")] == [batch.id]
    assert store.list_batches(status="Completed") == []


def test_entries_insert_update_and_list(store: Store, profile: Profile) -> None:
    assert profile.id is not None
    batch = store.upsert_batch(_batch(profile.id))
    assert batch.id is not None
    stored = store.upsert_entries(batch.id, [_entry(2, "800.88"), _entry(1)])
    assert [(e.row, e.batch_id) for e in stored] == [(2, batch.id), (1, batch.id)]
    assert all(e.id is not None for e in stored)

    paid = [
        replace(e, remote_entry_id=str(50 + e.row), fee=Decimal("0.63"), status="Paid")
        for e in stored
    ]
    paid[0] = replace(paid[0], total=Decimal("802.33"), protocol_message="INITIATED")
    store.upsert_entries(batch.id, paid)
    listed = store.list_entries(batch.id)
    assert [e.row for e in listed] == [1, 2]
    assert [e.id for e in listed] == [stored[1].id, stored[0].id]
    assert listed[1].total == Decimal("802.33") and listed[1].fee == Decimal("0.63")
    assert listed[0].total is None and listed[0].status == "Paid"
    assert listed[1].payload == {"beneficiary_name": "Name 2", "amount": "800.88"}

    # Without ids, the (batch, row) pair identifies the entry: no duplicates.
    store.upsert_entries(batch.id, [_entry(1, "1.00")])
    again = store.list_entries(batch.id)
    assert len(again) == 2 and again[0].amount == Decimal("1.00") and again[0].id == stored[1].id

    store.delete_batch(batch.id)
    assert store.get_batch(batch.id) is None
    assert store.list_entries(batch.id) == []


def test_entries_of_a_missing_batch_are_refused(store: Store) -> None:
    with pytest.raises(NotFound):
        store.upsert_entries(4242, [_entry(1)])


def test_ten_thousand_entries_in_one_quick_transaction(store: Store, profile: Profile) -> None:
    assert profile.id is not None
    batch = store.upsert_batch(_batch(profile.id))
    assert batch.id is not None
    entries = [_entry(row, f"{row}.{row % 100:02d}") for row in range(1, 10_001)]

    started = time.perf_counter()
    stored = store.upsert_entries(batch.id, entries)
    elapsed = time.perf_counter() - started
    assert len(stored) == 10_000 and len({e.id for e in stored}) == 10_000
    assert elapsed < 3.0, f"10,000 entries took {elapsed:.2f} s"

    started = time.perf_counter()
    store.upsert_entries(batch.id, [replace(e, status="Paid") for e in stored])
    assert time.perf_counter() - started < 3.0
    listed = store.list_entries(batch.id)
    assert len(listed) == 10_000 and {e.status for e in listed} == {"Paid"}
    assert listed[9_998].amount == Decimal("9999.99")


def test_entries_are_all_or_nothing(store: Store, profile: Profile) -> None:
    assert profile.id is not None
    batch = store.upsert_batch(_batch(profile.id))
    assert batch.id is not None
    entries = [_entry(row) for row in range(1, 10_001)]
    entries[-1] = replace(entries[-1], status=None)  # type: ignore[arg-type]  # NOT NULL
    with pytest.raises(sqlite3.IntegrityError):
        store.upsert_entries(batch.id, entries)
    assert store.list_entries(batch.id) == []


def test_datetimes_are_utc_and_naive_ones_are_refused(store: Store, profile: Profile) -> None:
    assert profile.id is not None
    riyadh = datetime(2024, 8, 25, 15, 0, tzinfo=timezone(timedelta(hours=3)))
    stored = store.upsert_invoice(_invoice(profile.id, created_at=riyadh))
    assert stored.created_at.utcoffset() == timedelta(0)
    assert stored.created_at == datetime(2024, 8, 25, 12, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="timezone"):
        store.upsert_invoice(_invoice(profile.id, created_at=datetime(2024, 1, 1)))
