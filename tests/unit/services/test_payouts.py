"""Payout submission against the real sandbox server over loopback: chunks, unknown outcomes
settled from documented fields only, resume without sending anything twice."""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from clickpay_desk.core.rules import ValidationError
from clickpay_desk.services import payouts, reconcile
from clickpay_desk.services.clients import ClientPool
from clickpay_desk.services.operations import Operation
from clickpay_desk.store.records import JournalStatus
from tests.unit.services.desk import Desk
from tests.unit.services.test_payouts_kit import NoMerchantReference, draft, entry

NOW = timedelta(0)


def gateway_batch(desk: Desk, remote_id: str) -> dict:
    (batch,) = [b for b in desk.state()["batches"] if str(b["batch_id"]) == str(remote_id)]
    return batch


def ibans_at_gateway(desk: Desk, remote_id: str) -> Counter[str]:
    return Counter(
        e["beneficiary_account_number"] for e in gateway_batch(desk, remote_id)["requests"]
    )


def test_batch_is_created_empty_then_added_in_chunks_then_closed(desk: Desk) -> None:
    batch = draft(desk.store, desk.profile, 25, chunk_size=10)
    seen: list[payouts.SubmitProgress] = []
    result = payouts.submit_batch(desk.store, desk.pool, batch.id, progress=seen.append)
    assert result.closed and result.batch.status == "Pending"
    assert [p.sent for p in seen] == [0, 10, 20, 25]
    ops = [e.operation for e in reversed(desk.store.journal_list())]
    assert ops == ["payout.batch.new"] + ["payout.batch.add"] * 3 + ["payout.batch.close"]
    new = desk.store.journal_list(operation=Operation.PAYOUT_BATCH_NEW)[0]
    assert new.request["requests"] == 0
    remote = gateway_batch(desk, result.batch.remote_batch_id)
    assert len(remote["requests"]) == 25 and remote["status"] == "Pending"
    refs = [e["merchant_reference"] for e in remote["requests"]]
    assert len(set(refs)) == 25
    entries = desk.store.list_entries(batch.id)
    assert all(e.remote_entry_id for e in entries)
    assert {e.status for e in entries} == {"Pending"}
    # Submitted: it can neither be submitted again nor edited.
    with pytest.raises(payouts.BatchClosed):
        payouts.submit_batch(desk.store, desk.pool, batch.id)
    with pytest.raises(payouts.BatchClosed):
        payouts.save_draft_batch(
            desk.store,
            desk.profile,
            order_id=batch.order_id,
            account_id="",
            currency="SAR",
            rows=[],
            batch_id=batch.id,
        )


def test_add_journal_request_carries_the_snapshot_before_the_add(desk: Desk) -> None:
    batch = draft(desk.store, desk.profile, 4, chunk_size=2)
    payouts.submit_batch(desk.store, desk.pool, batch.id)
    first, second = reversed(desk.store.journal_list(operation=Operation.PAYOUT_BATCH_ADD))
    assert first.request["before"]["count"] == 0 and first.request["rows"] == [2, 3]
    assert second.request["before"] == {
        "count": 2,
        "total": "200.00",
        "entries": [
            [entry(3)["beneficiary_account_number"], "100.00", 0],
            [entry(4)["beneficiary_account_number"], "100.00", 0],
        ],
    }
    assert len(second.request["chunk"]) == 2


def test_invalid_batch_is_refused_and_nothing_is_sent(desk: Desk) -> None:
    batch = draft(desk.store, desk.profile, 3)
    entries = desk.store.list_entries(batch.id)
    bad = replace(
        entries[1], payload={**entries[1].payload, "beneficiary_account_number": "SA03 8000"}
    )
    desk.store.upsert_entries(batch.id, [bad])
    with pytest.raises(ValidationError) as refused:
        payouts.submit_batch(desk.store, desk.pool, batch.id)
    assert refused.value.violations[0].row == 3
    assert refused.value.violations[0].field == "beneficiary_account_number"
    assert desk.state()["batches"] == []
    assert desk.store.journal_list() == []


def test_add_committed_then_dropped_resumes_without_duplicates(desk: Desk) -> None:
    batch = draft(desk.store, desk.profile, 30, chunk_size=10)
    desk.fault("/payout/batch/add", "drop-after-commit", times=1)
    # the first add is the one dropped
    with pytest.raises(payouts.SubmissionStopped) as stopped:
        payouts.submit_batch(desk.store, desk.pool, batch.id)
    assert stopped.value.unknown and "Rows 2–11" in stopped.value.message
    remote_id = desk.store.get_batch(batch.id).remote_batch_id
    assert len(gateway_batch(desk, remote_id)["requests"]) == 10
    result = payouts.submit_batch(desk.store, desk.pool, batch.id)
    assert result.closed
    counts = ibans_at_gateway(desk, remote_id)
    assert len(counts) == 30 and set(counts.values()) == {1}
    (settled,) = [
        e
        for e in desk.store.journal_list(operation=Operation.PAYOUT_BATCH_ADD)
        if e.reconciled_at is not None
    ]
    assert settled.status is JournalStatus.DONE
    assert desk.store.journal_unresolved() == []


def test_add_dropped_before_commit_is_not_done_only_after_the_settle_window(desk: Desk) -> None:
    batch = draft(desk.store, desk.profile, 20, chunk_size=10)
    payouts.submit_batch  # noqa: B018
    desk.fault("/payout/batch/add", "drop-before-commit", times=1)
    with pytest.raises(payouts.SubmissionStopped):
        payouts.submit_batch(desk.store, desk.pool, batch.id)
    # Too soon: nothing changed, but the gateway might still commit it.
    with pytest.raises(payouts.SubmissionStopped) as early:
        payouts.submit_batch(desk.store, desk.pool, batch.id, settle_window=timedelta(hours=1))
    assert "Try again in" in early.value.message
    result = payouts.submit_batch(desk.store, desk.pool, batch.id, settle_window=NOW)
    assert result.closed
    counts = ibans_at_gateway(desk, result.batch.remote_batch_id)
    assert len(counts) == 20 and set(counts.values()) == {1}


def test_same_resume_with_a_gateway_that_lists_no_merchant_reference(desk: Desk) -> None:
    pool = ClientPool(desk.pool._secrets, transport_factory=lambda p: NoMerchantReference())
    try:
        batch = draft(desk.store, desk.profile, 30, chunk_size=10)
        desk.fault("/payout/batch/add", "drop-after-commit", times=1)
        with pytest.raises(payouts.SubmissionStopped):
            payouts.submit_batch(desk.store, pool, batch.id)
        # reconcile from File ▸ Reconcile settles it too, by count, total, IBANs and amounts
        (found,) = reconcile.reconcile_all(desk.store, pool)
        assert found.resolved and found.entry.status is JournalStatus.DONE
        result = payouts.submit_batch(desk.store, pool, batch.id)
        assert result.closed
        counts = ibans_at_gateway(desk, result.batch.remote_batch_id)
        assert len(counts) == 30 and set(counts.values()) == {1}
    finally:
        pool.close()


def test_unknown_new_leaves_an_orphan_and_goes_on_with_a_new_order_id(desk: Desk) -> None:
    batch = draft(desk.store, desk.profile, 3, order_id="PAYROLL-2024-05")
    desk.fault("/payout/batch/new", "drop-after-commit", times=1)
    with pytest.raises(payouts.SubmissionStopped) as stopped:
        payouts.submit_batch(desk.store, desk.pool, batch.id)
    assert "PAYROLL-2024-05" in stopped.value.message and "pays nobody" in stopped.value.message
    result = payouts.submit_batch(desk.store, desk.pool, batch.id)
    assert result.closed and result.batch.order_id != "PAYROLL-2024-05"
    assert desk.store.get_submission(batch.id).orphans == ("PAYROLL-2024-05",)
    by_order = {b["order_id"]: b for b in desk.state()["batches"]}
    assert by_order["PAYROLL-2024-05"]["requests"] == []  # the orphan pays nobody
    assert len(by_order[result.batch.order_id]["requests"]) == 3
    # no documented read can settle the orphan's create: it stays unknown, for the user
    (left,) = reconcile.reconcile_all(desk.store, desk.pool)
    assert not left.resolved


def test_unknown_close_is_settled_by_the_batch_status(desk: Desk) -> None:
    batch = draft(desk.store, desk.profile, 3)
    desk.fault("/payout/batch/close", "drop-after-commit", times=1)
    with pytest.raises(payouts.SubmissionStopped):
        payouts.submit_batch(desk.store, desk.pool, batch.id)
    result = payouts.submit_batch(desk.store, desk.pool, batch.id)
    assert result.closed and result.batch.status == "Pending"
    close = desk.store.journal_list(operation=Operation.PAYOUT_BATCH_CLOSE)
    assert [e.status for e in close] == [JournalStatus.DONE]


def test_cancel_between_chunks_says_which_rows_were_sent(desk: Desk) -> None:
    batch = draft(desk.store, desk.profile, 30, chunk_size=10)
    cancel = threading.Event()

    def progress(p: payouts.SubmitProgress) -> None:
        if p.chunk == 1:
            cancel.set()

    result = payouts.submit_batch(desk.store, desk.pool, batch.id, progress=progress, cancel=cancel)
    assert result.cancelled and not result.closed
    assert result.sent_rows == tuple(range(2, 12))
    assert "rows 12–31 were not sent" in result.message
    result = payouts.submit_batch(desk.store, desk.pool, batch.id)
    assert result.closed
    assert len(ibans_at_gateway(desk, result.batch.remote_batch_id)) == 30


def test_tracking_after_the_clock_moves(desk: Desk) -> None:
    batch = draft(desk.store, desk.profile, 3)
    entries = desk.store.list_entries(batch.id)
    failing = replace(entries[0], payload={**entries[0].payload, "beneficiary_name": "FAIL Ahmad"})
    desk.store.upsert_entries(batch.id, [failing])
    payouts.submit_batch(desk.store, desk.pool, batch.id)
    desk.control.post("/_sandbox/clock/advance", json={"days": 3}).raise_for_status()
    record, tracked = payouts.refresh_batch(desk.store, desk.pool, batch.id)
    assert record.status == "Completed"
    assert [e.status for e in tracked] == ["Failed", "Paid", "Paid"]
    sums = payouts.totals(tracked)
    assert sums.paid == Decimal("200.00") and sums.failed == Decimal("100.00")
    assert sums.fees == Decimal("1.89")
    # What it answers is what is stored (worked out in memory, not read back).
    assert tracked == desk.store.list_entries(batch.id)
    assert all(e.fee is not None and e.total == e.amount + e.fee for e in tracked)
    _, failed = payouts.refresh_batch(desk.store, desk.pool, batch.id, status="failed")
    assert [e.row for e in failed] == [2]
    one = payouts.query_entry(desk.store, desk.pool, batch.id, 2)
    assert one.protocol_message == "Unrecoverable integration error"


class _AddAnswers(httpx.HTTPTransport):
    """A gateway whose batch/add answers list the batch another way: ``reverse`` lists the
    newest entries first; ``count_off`` states a count that is not the listing's."""

    def __init__(self, *, reverse: bool = False, count_off: int = 0) -> None:
        super().__init__()
        self.reverse = reverse
        self.count_off = count_off

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if request.url.path != "/payout/batch/add":
            return response
        data = json.loads(response.read())
        if self.reverse:
            data["requests"].reverse()
        data["count"] += self.count_off
        return httpx.Response(
            response.status_code,
            headers={"content-type": "application/json"},
            content=json.dumps(data).encode(),
        )


@pytest.mark.parametrize("answers", [{"reverse": True}, {"count_off": 1}])
def test_entry_ids_are_never_guessed_from_an_add_answer_listed_otherwise(
    desk: Desk, answers: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The client reads only the tail of an add's answer; when that tail is not the chunk (other
    order, a count that did not grow by the chunk) no id is taken from it, and the close's full
    listing gives every entry its own id."""
    pool = ClientPool(desk.pool._secrets, transport_factory=lambda p: _AddAnswers(**answers))
    try:
        batch = draft(desk.store, desk.profile, 12, chunk_size=5)
        assert batch.id is not None
        seen: list[dict[int, str | None]] = []
        original = payouts._Submission._set_rows

        def spy(self, rows, status, ids=None):  # type: ignore[no-untyped-def]
            if status == payouts.EntryState.ADDED:
                seen.append({r: (ids or {}).get(r) for r in rows})
            return original(self, rows, status, ids)

        monkeypatch.setattr(payouts._Submission, "_set_rows", spy)
        result = payouts.submit_batch(desk.store, pool, batch.id)
        assert result.closed
        assert all(v is None for chunk in seen for v in chunk.values())
        remote = gateway_batch(desk, result.batch.remote_batch_id)
        iban_of = {str(e["entry_id"]): e["beneficiary_account_number"] for e in remote["requests"]}
        entries = desk.store.list_entries(batch.id)
        assert len({e.remote_entry_id for e in entries}) == 12
        for e in entries:
            assert iban_of[str(e.remote_entry_id)] == e.payload["beneficiary_account_number"]
    finally:
        pool.close()


def test_entry_ids_come_from_each_add_answer_when_it_lists_the_chunk_last(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = draft(desk.store, desk.profile, 7, chunk_size=3)
    assert batch.id is not None
    ids: list[str | None] = []
    original = payouts._Submission._set_rows

    def spy(self, rows, status, found=None):  # type: ignore[no-untyped-def]
        if status == payouts.EntryState.ADDED:
            ids.extend((found or {}).get(r) for r in rows)
        return original(self, rows, status, found)

    monkeypatch.setattr(payouts._Submission, "_set_rows", spy)
    result = payouts.submit_batch(desk.store, desk.pool, batch.id)
    remote = gateway_batch(desk, result.batch.remote_batch_id)
    assert ids == [str(e["entry_id"]) for e in remote["requests"]]
