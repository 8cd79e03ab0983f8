"""The journal's edges: a cancel before sending is "not done"; a request still in flight is not
reconciled by a read that could race the gateway's commit."""

from __future__ import annotations

import threading
import time

import pytest

from clickpay_desk.core.invoice import Invoice
from clickpay_desk.gateway.errors import Cancelled
from clickpay_desk.services import invoices, reconcile
from clickpay_desk.services.journal import UnresolvedAttempt, in_flight, run_journalled
from clickpay_desk.store.records import JournalStatus
from tests.unit.services.desk import Desk, make_invoice


def test_cancel_before_sending_is_recorded_as_not_done(desk: Desk) -> None:
    def cancelled_call() -> None:
        raise Cancelled("Cancelled before anything was sent.")

    with pytest.raises(Cancelled):
        run_journalled(
            desk.store,
            profile_id=desk.profile.id,
            operation="invoice.create",
            subject="invoice:x",
            reference="x",
            request={},
            call=cancelled_call,
            summarize=lambda _: {},
        )
    (entry,) = desk.store.journal_list()
    assert entry.status is JournalStatus.NOT_DONE
    assert desk.store.journal_blocking("invoice:x", "invoice.create") is None


def test_request_in_flight_is_left_alone_by_reconcile(desk: Desk) -> None:
    invoice = make_invoice()
    desk.fault("/payment/new/invoice", "delay", seconds=1.5)
    worker = threading.Thread(
        target=invoices.create_invoice, args=(desk.store, desk.pool, desk.profile, invoice)
    )
    worker.start()
    deadline = time.monotonic() + 5
    while not desk.store.journal_unresolved() and time.monotonic() < deadline:
        time.sleep(0.02)
    (pending,) = desk.store.journal_unresolved()
    assert pending.status is JournalStatus.PENDING and in_flight(pending.id)

    assert reconcile.reconcile_all(desk.store, desk.pool) == []
    one = reconcile.reconcile_entry(desk.store, desk.pool, pending)
    assert not one.resolved and "still waiting" in one.message

    worker.join(10)
    (entry,) = desk.store.journal_list()
    assert entry.status is JournalStatus.DONE and not in_flight(entry.id)


def test_two_workers_creating_the_same_invoice_at_once_send_it_once(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoice = make_invoice()
    real_blocking = desk.store.journal_blocking

    def slow_blocking(subject: str, operation: str, **scope: object) -> object:
        found = real_blocking(subject, operation, **scope)
        time.sleep(0.2)  # widen the gap between "nothing blocks" and "journalled"
        return found

    monkeypatch.setattr(desk.store, "journal_blocking", slow_blocking)
    outcomes = _create_twice_at_once(desk, invoice)
    assert sorted(outcomes) in (
        ["AlreadyCreated", "InvoiceRecord"],
        ["InvoiceRecord", "UnresolvedAttempt"],
    )


def test_an_attempt_finishing_between_the_checks_is_not_sent_again(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first attempt finishes while the second is between "is one unresolved?" and "was it
    # done?": whichever order the two reads see it in, the second must not send.
    invoice = make_invoice()
    real_last = desk.store.journal_last

    def slow_last(*args: object, **kwargs: object) -> object:
        found = real_last(*args, **kwargs)
        time.sleep(0.2)  # the first request completes meanwhile
        return found

    monkeypatch.setattr(desk.store, "journal_last", slow_last)
    _create_twice_at_once(desk, invoice)


def _create_twice_at_once(desk: Desk, invoice: Invoice) -> list[str]:
    """Two workers create ``invoice`` at the same time: it must reach the gateway once. Returns
    what each worker got (its class name)."""
    outcomes: list[object] = []

    def create() -> None:
        try:
            outcomes.append(invoices.create_invoice(desk.store, desk.pool, desk.profile, invoice))
        except (UnresolvedAttempt, invoices.AlreadyCreated) as exc:
            outcomes.append(exc)

    workers = [threading.Thread(target=create) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(10)
    names = [type(o).__name__ for o in outcomes]
    sent = [i for i in desk.state()["invoices"] if i["cart_id"] == invoice.cart_id]
    assert len(sent) == 1, names
    return names


def test_the_callers_records_go_with_the_journal_and_a_failing_one_loses_no_answer(
    desk: Desk,
) -> None:
    """``with_begin`` is written with "sending" (and, failing, nothing is sent); ``with_done``
    with "done". When recording the answer fails, the journal still says it was done, so the
    next attempt is not sent blind."""
    sent: list[str] = []

    def journalled(subject: str, **hooks: object) -> object:
        return run_journalled(
            desk.store,
            profile_id=desk.profile.id,
            operation="payout.add",
            subject=subject,
            reference=subject,
            request={},
            call=lambda: sent.append(subject) or {"ok": True},
            summarize=lambda answer: {"ok": True},
            **hooks,
        )

    def refuse_to_record() -> None:
        desk.store.set_setting("rows", "sending")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        journalled("batch:1", with_begin=refuse_to_record)
    assert sent == [] and desk.store.journal_list() == []
    assert desk.store.get_setting("rows") is None

    def record(answer: object) -> None:
        desk.store.set_setting("rows", "added")

    journalled("batch:2", with_begin=lambda: desk.store.set_setting("rows", "sending"),
               with_done=record)  # fmt: skip
    assert desk.store.get_setting("rows") == "added"

    def fail_to_record(answer: object) -> None:
        desk.store.set_setting("rows", "half")
        raise RuntimeError("our bug")

    with pytest.raises(RuntimeError):
        journalled("batch:3", with_done=fail_to_record)
    assert sent == ["batch:2", "batch:3"]
    last = desk.store.journal_last("batch:3", "payout.add")
    assert last is not None and last.status is JournalStatus.DONE
    assert desk.store.get_setting("rows") == "added"  # the failed record was rolled back
