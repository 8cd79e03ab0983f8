"""Settling an unknown batch/add from documented fields only (no merchant_reference needed)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from clickpay_desk.gateway.models import PayoutBatch, PayoutEntry
from clickpay_desk.services.payout_reconcile import (
    Verdict,
    add_snapshot,
    new_entries,
    settle_add,
    settle_close,
)

A = ("SA0380000000608010167519", Decimal("100.00"))
B = ("SA4420000001234567891234", Decimal("250.00"))
SENT = datetime(2026, 1, 1, tzinfo=UTC)
LATER = SENT + timedelta(hours=1)


def batch(*pairs: tuple[str, Decimal], count: int | None = None, **extra) -> PayoutBatch:
    entries = tuple(
        PayoutEntry(
            entry_id=str(i + 1), status="Pending", amount=amount, beneficiary_account_number=iban
        )
        for i, (iban, amount) in enumerate(pairs)
    )
    total = sum((amount for _, amount in pairs), Decimal(0))
    return PayoutBatch(
        batch_id="7",
        status="New",
        requests=entries,
        count=len(pairs) if count is None else count,
        total=total,
        **extra,
    )


def request(before: list[tuple[str, Decimal]], chunk: list[tuple[str, Decimal]]) -> dict:
    total = sum((a for _, a in before), Decimal(0))
    return {
        "batch_id": "7",
        "rows": list(range(len(chunk))),
        **add_snapshot(len(before), total, Counter(before), chunk),
    }


def test_all_of_the_chunk_present_is_done() -> None:
    found = settle_add(batch(A, B), request([A], [B]), sent_at=SENT, now=LATER)
    assert found.verdict is Verdict.DONE


def test_a_repeated_beneficiary_counts_by_multiplicity() -> None:
    # A was already in the batch once; the chunk pays A again: two A entries mean done.
    assert (
        settle_add(batch(A, A), request([A], [A]), sent_at=SENT, now=LATER).verdict is Verdict.DONE
    )
    # only the old A: not done (after the window)
    assert (
        settle_add(batch(A), request([A], [A]), sent_at=SENT, now=LATER).verdict is Verdict.NOT_DONE
    )


def test_nothing_changed_is_not_done_only_after_the_window() -> None:
    early = settle_add(batch(A), request([A], [B]), sent_at=SENT, now=SENT + timedelta(seconds=5))
    assert early.verdict is Verdict.UNKNOWN and "Try again in" in early.message
    late = settle_add(batch(A), request([A], [B]), sent_at=SENT, now=LATER)
    assert late.verdict is Verdict.NOT_DONE


def test_part_of_the_chunk_or_other_changes_stay_unknown_with_the_dashboard_check() -> None:
    found = settle_add(batch(A, B), request([], [A, B, B]), sent_at=SENT, now=LATER)
    assert found.verdict is Verdict.UNKNOWN
    assert "merchant dashboard" in found.message and "batch 7" in found.message
    assert "lists 3 transfers totalling 600.00" in found.message


def test_an_answer_without_ibans_or_amounts_proves_nothing() -> None:
    bare = PayoutBatch(
        batch_id="7",
        status="New",
        count=2,
        total=Decimal("350.00"),
        requests=(
            PayoutEntry(entry_id="1", status="Pending"),
            PayoutEntry(entry_id="2", status="Pending"),
        ),
    )
    found = settle_add(bare, request([A], [B]), sent_at=SENT, now=LATER)
    assert found.verdict is Verdict.UNKNOWN


def test_a_partial_listing_proves_nothing() -> None:
    found = settle_add(batch(A, count=2), request([A], [B]), sent_at=SENT, now=LATER)
    assert found.verdict is Verdict.UNKNOWN


def test_close_is_settled_by_the_status() -> None:
    assert settle_close(batch(A)).verdict is Verdict.NOT_DONE
    closed = PayoutBatch(batch_id="7", status="Pending")
    assert settle_close(closed).verdict is Verdict.DONE


def test_new_entry_ids_are_matched_by_iban_and_amount_in_order() -> None:
    answer = batch(A, B).requests
    assert new_entries(answer, {"1"}, [(5, B)]) == {5: "2"}
    assert new_entries(answer, {"1"}, [(5, A)]) == {}
