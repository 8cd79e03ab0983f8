"""Payout batches: save a draft, submit it safely in chunks, resume after a crash, track it.

Submission (reference 004), every step journalled before it is sent (``run_journalled``):

1. ``batch/new`` **empty** (an orphan empty batch pays nobody). Unknown outcome: the order id is
   noted as a possible orphan and the batch goes on under a new order id.
2. the entries in chunks with ``batch/add``; each add's journal request carries the batch's count,
   total and the chunk's (IBAN, amount) counts *before* the add, which is all that is needed to
   settle an unknown outcome from documented fields (``payout_reconcile.settle_add``).
3. ``batch/close`` with the count and total of what was added. Unknown: settled by the status.

An unknown outcome stops the submission. Submitting the same batch again (also after a crash or
a kill) first settles what the journal left unresolved, then carries on with the entries that
were never sent. Entry states, kept in the store: Draft → Sending (in an add being sent or not
yet settled) → Added (in the gateway's open batch) → the gateway's Pending/Processed/Paid/...
No entry leaves Draft twice unless its add is proven not done.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from clickpay_desk.core.money import format_amount, format_display, normalize_currency
from clickpay_desk.core.payout import PayoutRequest, payout_request_from_wire
from clickpay_desk.core.profile import Profile
from clickpay_desk.core.rules import RuleViolation, ValidationError
from clickpay_desk.gateway.clickpay import ClickPayClient
from clickpay_desk.gateway.errors import GatewayError, OutcomeUnknown
from clickpay_desk.gateway.models import PayoutBatch
from clickpay_desk.store.batches import BatchSubmission
from clickpay_desk.store.database import Store
from clickpay_desk.store.records import BatchEntryRecord, BatchRecord, JournalEntry, JournalStatus

from . import payout_reconcile as settle
from .clients import ClientPool
from .journal import in_flight, run_journalled
from .operations import Operation

DEFAULT_CHUNK_SIZE = 100
MAX_CHUNK_SIZE = 1000


class BatchState:
    """Local batch statuses before the gateway's own (New, Pending, Processing, Completed)."""

    DRAFT = "Draft"
    SUBMITTING = "Submitting"
    NEW = "New"  # created at the gateway, still open (entries may be added)


#: Gateway statuses of a batch that was closed: nothing can be added or edited any more.
CLOSED_STATUSES = frozenset({"Pending", "Processing", "Completed"})


class EntryState:
    DRAFT = "Draft"
    SENDING = "Sending"
    ADDED = "Added"


#: Entry statuses that mean "left the desk" (cannot be edited).
SENT_ENTRY_STATES = frozenset(
    {EntryState.SENDING, EntryState.ADDED, "Pending", "Processed", "Paid", "Failed", "Rejected"}
)


class SubmissionStopped(Exception):
    """The submission stopped before the batch was closed; ``message`` says where and why."""

    def __init__(self, message: str, *, sent_rows: Sequence[int] = (), unknown: bool = False):
        super().__init__(message)
        self.message = message
        self.sent_rows = tuple(sent_rows)
        self.unknown = unknown


class BatchClosed(Exception):
    """The batch was already submitted: it cannot be edited or submitted again."""


@dataclass(frozen=True)
class SubmitProgress:
    sent: int  # entries in the gateway's batch so far
    total: int  # entries of the batch
    chunk: int  # chunks sent in this run
    chunks: int  # chunks this run has to send


@dataclass(frozen=True)
class SubmissionResult:
    batch: BatchRecord
    closed: bool
    cancelled: bool
    sent_rows: tuple[int, ...]  # rows in the gateway's batch (all, not only this run's)
    unsent_rows: tuple[int, ...]
    message: str


# --- drafts ----------------------------------------------------------------------------------


def batch_subject(profile_id: int | None, remote_batch_id: str) -> str:
    return f"payout-batch:{profile_id}:{remote_batch_id}"


def order_subject(profile_id: int | None, order_id: str) -> str:
    return f"payout-order:{profile_id}:{order_id}"


def suggest_order_id(store: Store, profile_id: int, today: date | None = None) -> str:
    """``PAYOUT-YYYYMMDD-NN``, the first one this profile has never used (orphans included)."""
    day = (today or datetime.now(UTC).date()).strftime("%Y%m%d")
    n = 1
    while True:
        candidate = f"PAYOUT-{day}-{n:02d}"
        if not store.order_id_used(profile_id, candidate):
            return candidate
        n += 1


def entry_records(
    rows: Iterable[tuple[int, dict[str, Any]]], currency: str
) -> list[BatchEntryRecord]:
    """Draft entry records from (row, field values); the amount is read leniently (0 if bad)."""
    records = []
    for row, values in rows:
        try:
            amount = Decimal(str(values.get("amount", "")).replace(",", "").strip() or "0")
        except ArithmeticError:
            amount = Decimal(0)
        if not amount.is_finite():
            amount = Decimal(0)
        records.append(
            BatchEntryRecord(
                id=None,
                batch_id=None,
                row=int(row),
                payload=wire_payload(values, currency, int(row)),
                remote_entry_id=None,
                amount=amount,
                fee=None,
                total=None,
                status=EntryState.DRAFT,
                protocol_message=None,
            )
        )
    return records


def wire_payload(values: dict[str, Any], currency: str, row: int) -> dict[str, Any]:
    """An entry's fields as the gateway gets them (IBAN without spaces in upper case, amount with
    the currency's decimals, mobile in E.164...), as text, so the store, the export and the
    gateway show the same values. An entry that breaks a rule is kept as typed: the user sees
    what to correct."""
    try:
        request = payout_request_from_wire(values, currency, row=row)
    except ValidationError:
        return dict(values)
    return {**values, **wire_text(request)}


def wire_text(request: PayoutRequest) -> dict[str, str]:
    """``request.to_wire()`` with every value as text (the amount at the currency's decimals)."""
    return {
        name: format_amount(request.amount, request.currency) if name == "amount" else str(value)
        for name, value in request.to_wire().items()
    }


def save_draft_batch(
    store: Store,
    profile: Profile,
    *,
    order_id: str,
    account_id: str,
    currency: str,
    rows: Iterable[tuple[int, dict[str, Any]]],
    batch_id: int | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> BatchRecord:
    """Create or replace a draft batch (refused once it has left the desk)."""
    if profile.id is None:
        raise ValueError("save the profile first")
    code = normalize_currency(currency, gateway_only=False)
    order = order_id.strip()
    if not order:
        raise ValidationError([RuleViolation("order_id", "must not be empty")])
    existing = store.get_batch(batch_id) if batch_id is not None else None
    if existing is not None and existing.status != BatchState.DRAFT:
        raise BatchClosed(
            f"Batch “{existing.order_id}” has been sent ({existing.status}); it cannot be edited."
        )
    if (existing is None or existing.order_id != order) and store.order_id_used(profile.id, order):
        raise ValidationError(
            [RuleViolation("order_id", "is already used by another batch of this profile", order)]
        )
    records = with_references(entry_records(rows, code), order)
    total = sum((r.amount for r in records), Decimal(0))
    batch = store.upsert_batch(
        BatchRecord(
            id=None if existing is None else existing.id,
            profile_id=profile.id,
            order_id=order,
            remote_batch_id=None,
            currency=code,
            status=BatchState.DRAFT,
            count=len(records),
            total=total,
        )
    )
    assert batch.id is not None
    store.replace_entries(batch.id, records)
    # Orphans stay noted: their order ids must never be used again.
    previous = store.get_submission(batch.id)
    orphans = previous.orphans if previous is not None else ()
    store.save_submission(
        BatchSubmission(batch.id, account_id.strip(), _chunk_size(chunk_size), orphans)
    )
    return batch


def with_references(records: list[BatchEntryRecord], order_id: str) -> list[BatchEntryRecord]:
    """Every entry without a merchant_reference gets ``ORDER-ROW`` (unique within the batch),
    fixed when the batch is saved so it never changes between sends."""
    used = {str(r.payload.get("merchant_reference") or "").strip() for r in records} - {""}
    out: list[BatchEntryRecord] = []
    for record in records:
        if str(record.payload.get("merchant_reference") or "").strip():
            out.append(record)
            continue
        ref = f"{order_id}-{record.row}"
        n = 1
        while ref in used:
            n += 1
            ref = f"{order_id}-{record.row}-{n}"
        used.add(ref)
        out.append(replace(record, payload={**record.payload, "merchant_reference": ref}))
    return out


def _chunk_size(value: int) -> int:
    if not 1 <= int(value) <= MAX_CHUNK_SIZE:
        raise ValidationError(
            [RuleViolation("chunk_size", f"must be between 1 and {MAX_CHUNK_SIZE}", value)]
        )
    return int(value)


def check_entries(
    entries: Sequence[BatchEntryRecord], currency: str
) -> tuple[list[PayoutRequest], list[RuleViolation]]:
    """Every entry as a request, or the rules each breaks (row = the entry's row); also the
    uniqueness of merchant references."""
    requests: list[PayoutRequest] = []
    found: list[RuleViolation] = []
    seen: dict[str, int] = {}
    for entry in entries:
        try:
            request = payout_request_from_wire(entry.payload, currency, row=entry.row)
        except ValidationError as exc:
            found.extend(exc.violations)
            continue
        requests.append(request)
        ref = request.merchant_reference
        if ref is not None:
            if ref in seen:
                found.append(
                    RuleViolation(
                        "merchant_reference", f"is also used by row {seen[ref]}", ref, entry.row
                    )
                )
            else:
                seen[ref] = entry.row
    return requests, found


# --- submission ------------------------------------------------------------------------------


class _Submission:
    def __init__(
        self,
        store: Store,
        pool: ClientPool,
        batch_id: int,
        *,
        progress: Callable[[SubmitProgress], None] | None,
        cancel: threading.Event | None,
        settle_window: timedelta,
    ) -> None:
        self.store = store
        self.progress = progress
        self.cancel = cancel or threading.Event()
        self.window = settle_window
        batch = store.get_batch(batch_id)
        if batch is None:
            raise ValueError(f"There is no payout batch {batch_id}.")
        if batch.status in CLOSED_STATUSES:
            raise BatchClosed(f"Batch “{batch.order_id}” was already submitted ({batch.status}).")
        self.batch = batch
        profile = store.get_profile(batch.profile_id)
        if profile is None:
            raise ValueError("the batch's profile was deleted")
        self.profile = profile
        sub = store.get_submission(batch_id)
        self.sub = sub or BatchSubmission(batch_id, profile.payout_account_id, DEFAULT_CHUNK_SIZE)
        self.client: ClickPayClient = pool.clickpay(profile)
        if self.sub.account_id and self.sub.account_id != (self.client.account_id or ""):
            raise ValidationError(
                [
                    RuleViolation(
                        "account_id",
                        "differs from the profile's payout account "
                        f"({self.client.account_id or 'not set'}); set the deposit account in "
                        "File ▸ Profiles",
                        self.sub.account_id,
                    )
                ]
            )
        self.entries = {e.row: e for e in store.list_entries(batch_id)}

    # -- helpers --

    def _save_batch(self, **changes: Any) -> None:
        self.batch = self.store.upsert_batch(replace(self.batch, **changes))

    def _set_rows(
        self, rows: Sequence[int], status: str, ids: dict[int, str] | None = None
    ) -> None:
        assert self.batch.id is not None
        self.store.set_entries_status(self.batch.id, rows, status, ids)
        for row in rows:
            entry = self.entries[row]
            remote = (ids or {}).get(row, entry.remote_entry_id)
            self.entries[row] = replace(entry, status=status, remote_entry_id=remote)

    def _note(self, message: str) -> None:
        self.sub = replace(self.sub, message=message)
        self.store.save_submission(self.sub)

    def _rows(self, state: str) -> list[int]:
        return sorted(r for r, e in self.entries.items() if e.status == state)

    def _result(self, *, closed: bool, cancelled: bool, message: str) -> SubmissionResult:
        self._note(message)
        sent = tuple(
            r for r, e in sorted(self.entries.items()) if e.status not in (EntryState.DRAFT,)
        )
        unsent = tuple(self._rows(EntryState.DRAFT))
        return SubmissionResult(self.batch, closed, cancelled, sent, unsent, message)

    def _stop(self, message: str, *, unknown: bool) -> SubmissionStopped:
        self._note(message)
        sent = [r for r, e in sorted(self.entries.items()) if e.status == EntryState.ADDED]
        return SubmissionStopped(message, sent_rows=sent, unknown=unknown)

    # -- the run --

    def run(self) -> SubmissionResult:
        requests, problems = check_entries(
            [self.entries[r] for r in sorted(self.entries)], self.batch.currency
        )
        if problems:
            raise ValidationError(problems)
        if not requests:
            raise ValidationError([RuleViolation("requests", "the batch has no entries")])
        self.requests = {r: q for r, q in zip(sorted(self.entries), requests, strict=True)}
        self._store_wire_form()
        self._give_references()
        if self.batch.remote_batch_id is None:
            self._refuse_known_other_currency()
            self._save_batch(status=BatchState.SUBMITTING)
            self._create()
        else:
            self._settle_unresolved()
        if self.batch.status in CLOSED_STATUSES:
            return self._result(closed=True, cancelled=False, message=self._closed_text())
        outcome = self._add_all()
        if outcome is not None:
            return outcome
        self._close()
        return self._result(closed=True, cancelled=False, message=self._closed_text())

    def _closed_text(self) -> str:
        return (
            f"Batch {self.batch.remote_batch_id} (“{self.batch.order_id}”) was submitted with "
            f"{self.batch.count} transfer(s) totalling "
            f"{format_display(self.batch.total, self.batch.currency)}: "
            f"it is {self.batch.status}."
        )

    def _store_wire_form(self) -> None:
        """Entries not sent yet are stored as the gateway will get them (a batch saved by an
        older version may hold an IBAN as typed, "kw25 bbyn ...")."""
        changed: list[BatchEntryRecord] = []
        for row, entry in sorted(self.entries.items()):
            if entry.status != EntryState.DRAFT:
                continue
            payload = {**entry.payload, **wire_text(self.requests[row])}
            if payload != entry.payload:
                updated = replace(entry, payload=payload)
                changed.append(updated)
                self.entries[row] = updated
        if changed:
            assert self.batch.id is not None
            self.store.upsert_entries(self.batch.id, changed)

    def _give_references(self) -> None:
        """Every entry gets a unique merchant_reference, fixed before its first send."""
        used = {q.merchant_reference for q in self.requests.values() if q.merchant_reference}
        self.refs: dict[int, str] = {}
        changed: list[BatchEntryRecord] = []
        for row, entry in sorted(self.entries.items()):
            if self.requests[row].merchant_reference or entry.status != EntryState.DRAFT:
                continue
            ref = f"{self.batch.order_id}-{row}"
            n = 1
            while ref in used:
                n += 1
                ref = f"{self.batch.order_id}-{row}-{n}"
            used.add(ref)
            updated = replace(entry, payload={**entry.payload, "merchant_reference": ref})
            changed.append(updated)
            self.entries[row] = updated
            # Not replace() on the request: that would run every rule again for each entry.
            self.refs[row] = ref
        if changed:
            assert self.batch.id is not None
            self.store.upsert_entries(self.batch.id, changed)

    def _create(self) -> None:
        pid = self.profile.id
        # A crash after the journal recorded the answer but before the store did: adopt it.
        last = self.store.journal_last(
            order_subject(pid, self.batch.order_id), Operation.PAYOUT_BATCH_NEW
        )
        if last is not None and last.status is JournalStatus.DONE and last.result:
            self._save_batch(remote_batch_id=str(last.result["batch_id"]), status=BatchState.NEW)
            return
        if last is not None and last.unresolved:
            if in_flight(last.id):
                raise self._stop(
                    "The request creating this batch is still waiting for the gateway.",
                    unknown=True,
                )
            self._orphan()
        order_id = self.batch.order_id
        try:
            answer = run_journalled(
                self.store,
                profile_id=pid,
                operation=Operation.PAYOUT_BATCH_NEW,
                subject=order_subject(pid, order_id),
                reference=order_id,
                request={
                    "order_id": order_id,
                    "account_id": self.sub.account_id,
                    "local_batch": self.batch.id,
                    "requests": 0,
                },
                call=lambda: self.client.payout_new(order_id, []),
                summarize=lambda b: {
                    "batch_id": b.batch_id,
                    "status": b.status,
                    "currency": b.currency,
                },
            )
        except OutcomeUnknown as exc:
            self._orphan()
            raise self._stop(
                f"No answer when creating the batch ({exc}). "
                + settle.orphan_note(order_id)
                + f" Submit again to go on as “{self.batch.order_id}”.",
                unknown=True,
            ) from exc
        except GatewayError as exc:
            self._save_batch(status=BatchState.DRAFT)
            raise self._stop(
                f"The gateway refused to create the batch: {exc}", unknown=False
            ) from exc
        self._save_batch(remote_batch_id=answer.batch_id, status=BatchState.NEW)
        if answer.currency and answer.currency != self.batch.currency:
            self._wrong_currency(answer)

    def _refuse_known_other_currency(self) -> None:
        """When a batch/new of this profile and deposit account already answered another
        currency, say so before sending anything (no second empty batch)."""
        account = self.sub.account_id or self.client.account_id or ""
        for done in self.store.journal_list(
            operation=Operation.PAYOUT_BATCH_NEW,
            profile_id=self.profile.id,
            status=JournalStatus.DONE,
            limit=20,
        ):
            currency = (done.result or {}).get("currency")
            if not currency or str(done.request.get("account_id") or "") != self.sub.account_id:
                continue
            if currency != self.batch.currency:
                raise self._stop(
                    f"The deposit account {account} is in {currency}; this batch is in "
                    f"{self.batch.currency}. Nothing was sent. Change the batch's currency to "
                    f"{currency} and submit again.",
                    unknown=False,
                )
            return

    def _wrong_currency(self, answer: PayoutBatch) -> None:
        """The deposit account pays in another currency than the batch's: adding entries would
        pay the amounts in the wrong currency. Stop with the empty batch (it pays nobody), note
        it as an orphan, and give the batch back as a draft under a new order id."""
        old = self.batch.order_id
        account = self.sub.account_id or self.client.account_id or "of this profile"
        self._orphan()
        self._save_batch(remote_batch_id=None, status=BatchState.DRAFT)
        raise self._stop(
            f"The deposit account {account} is in {answer.currency}; this batch is in "
            f"{self.batch.currency}. Nothing was sent beyond an empty batch (batch "
            f"{answer.batch_id}, order id “{old}”), which pays nobody. Change the batch's "
            f"currency to {answer.currency} and submit again; it will go out under order id "
            f"“{self.batch.order_id}”. To tidy up, look for “{old}” in the dashboard's Deposit "
            "section.",
            unknown=False,
        )

    def _orphan(self) -> None:
        """The current order id may name an empty batch at the gateway: note it, take a new one."""
        old = self.batch.order_id
        self.sub = replace(self.sub, orphans=(*self.sub.orphans, old))
        self.store.save_submission(self.sub)
        new = suggest_order_id(self.store, self.batch.profile_id)
        self._save_batch(order_id=new)

    def _settle_unresolved(self) -> None:
        """Settle what an earlier run left open (unknown add/close, or a crash mid-way)."""
        subject = batch_subject(self.profile.id, str(self.batch.remote_batch_id))
        last_add = self.store.journal_last(subject, Operation.PAYOUT_BATCH_ADD)
        if last_add is not None and last_add.unresolved:
            self._settle_add(last_add)
        elif last_add is not None and last_add.status is JournalStatus.DONE:
            rows = [int(r) for r in last_add.request.get("rows", ())]
            stuck = [
                r
                for r in rows
                if r in self.entries and self.entries[r].status == EntryState.SENDING
            ]
            if stuck:
                self._set_rows(stuck, EntryState.ADDED)
        # Rows still Sending were never journalled (the journal is written before sending).
        never = self._rows(EntryState.SENDING)
        if never:
            self._set_rows(never, EntryState.DRAFT)
        last_close = self.store.journal_last(subject, Operation.PAYOUT_BATCH_CLOSE)
        if last_close is not None and last_close.unresolved:
            if in_flight(last_close.id):
                raise self._stop(
                    "The request closing this batch is still waiting for the gateway.", unknown=True
                )
            answer = self.client.payout_query(str(self.batch.remote_batch_id))
            found = settle.settle_close(answer)
            self._reconciled(last_close, found)
            if found.verdict is settle.Verdict.DONE:
                self._closed(answer)
        elif last_close is not None and last_close.status is JournalStatus.DONE:
            answer = self.client.payout_query(str(self.batch.remote_batch_id))
            self._closed(answer)

    def _reconciled(self, entry: JournalEntry, found: settle.Settlement) -> None:
        status = (
            JournalStatus.DONE if found.verdict is settle.Verdict.DONE else JournalStatus.NOT_DONE
        )
        self.store.journal_reconciled(entry.id, status, {**found.result, "settled": found.message})

    def _settle_add(self, entry: JournalEntry) -> None:
        rows = [int(r) for r in entry.request.get("rows", ())]
        if in_flight(entry.id):
            raise self._stop(
                "A chunk of this batch is still waiting for the gateway's answer.", unknown=True
            )
        answer = self.client.payout_query(str(self.batch.remote_batch_id))
        sent_at = (
            entry.created_at if entry.created_at.tzinfo else entry.created_at.replace(tzinfo=UTC)
        )
        found = settle.settle_add(answer, entry.request, sent_at=sent_at, window=self.window)
        if found.verdict is settle.Verdict.UNKNOWN:
            first, last = (rows[0], rows[-1]) if rows else (0, 0)
            raise self._stop(
                f"Rows {first}–{last} were sent to batch {self.batch.remote_batch_id} and no "
                f"answer came; it cannot be proven yet whether they arrived. {found.message}",
                unknown=True,
            )
        self._reconciled(entry, found)
        if found.verdict is settle.Verdict.DONE:
            known = {e.remote_entry_id for e in self.entries.values() if e.remote_entry_id}
            chunk = [(r, self._pair(r)) for r in rows]
            ids = settle.new_entries(answer.requests, known, chunk)
            self._set_rows(rows, EntryState.ADDED, ids)
        else:
            self._set_rows(rows, EntryState.DRAFT)

    def _wire(self, row: int) -> dict[str, object]:
        wire = self.requests[row].to_wire()
        if row in self.refs:
            wire["merchant_reference"] = self.refs[row]
        return wire

    def _pair(self, row: int) -> settle.Pair:
        q = self.requests[row]
        return q.beneficiary_account_number, q.amount

    def _add_all(self) -> SubmissionResult | None:
        pid = self.profile.id
        remote = str(self.batch.remote_batch_id)
        subject = batch_subject(pid, remote)
        added = self._rows(EntryState.ADDED)
        count = len(added)
        total = sum((self.requests[r].amount for r in added), Decimal(0))
        pairs: Counter[settle.Pair] = Counter(self._pair(r) for r in added)
        known = {e for r in added if (e := self.entries[r].remote_entry_id)}
        todo = self._rows(EntryState.DRAFT)
        size = self.sub.chunk_size
        chunks = [todo[i : i + size] for i in range(0, len(todo), size)]
        everyone = len(self.entries)
        if self.progress:
            self.progress(SubmitProgress(count, everyone, 0, len(chunks)))
        for index, rows in enumerate(chunks):
            if self.cancel.is_set():
                return self._cancelled(remote)
            chunk = [(r, self._pair(r)) for r in rows]
            request = {
                "batch_id": remote,
                "order_id": self.batch.order_id,
                "currency": self.batch.currency,
                "rows": rows,
                **settle.add_snapshot(count, total, pairs, [p for _, p in chunk]),
            }
            wires = [self._wire(r) for r in rows]
            try:
                run_journalled(
                    self.store,
                    profile_id=pid,
                    operation=Operation.PAYOUT_BATCH_ADD,
                    subject=subject,
                    reference=self.batch.order_id,
                    request=request,
                    call=partial(self.client.payout_add, remote, self.batch.order_id, wires),
                    summarize=lambda b: {
                        "batch_id": b.batch_id,
                        "count": b.count,
                        "total": str(b.total),
                    },
                    with_begin=partial(self._set_rows, rows, EntryState.SENDING),
                    with_done=partial(self._added, chunk, count, total, known),
                )
            except OutcomeUnknown as exc:
                before = (
                    f" The {count} transfers sent before them are in the batch."
                    if count > 1
                    else " The transfer sent before them is in the batch."
                    if count == 1
                    else ""
                )
                raise self._stop(
                    f"Rows {_ranges(rows)} were sent to batch {remote}, but no answer came back, "
                    "so it is not known yet whether they arrived. The submission stopped here."
                    f"{before} Submit again: the desk first reads the batch to see whether these "
                    "rows arrived, then sends only what is missing, so nothing is paid twice.",
                    unknown=True,
                ) from exc
            except GatewayError as exc:
                self._set_rows(rows, EntryState.DRAFT)
                raise self._stop(
                    f"Rows {rows[0]}–{rows[-1]} were not added: {exc}. {count} transfer(s) are in "
                    f"batch {remote} (not yet submitted).",
                    unknown=False,
                ) from exc
            except BaseException:
                # Our own bug or an interrupt: the journal has it as unknown; leave rows Sending.
                raise
            known.update(e for r in rows if (e := self.entries[r].remote_entry_id))
            count += len(rows)
            for _, pair in chunk:
                total += pair[1]
                pairs[pair] += 1
            if self.progress:
                self.progress(SubmitProgress(count, everyone, index + 1, len(chunks)))
        return None

    def _added(
        self,
        chunk: list[tuple[int, settle.Pair]],
        count: int,
        total: Decimal,
        known: set[str],
        answer: PayoutBatch,
    ) -> None:
        """Record an add's answer, in the journal's "done" transaction. The answer's requests
        are the entries it lists last (the client reads no more); they are this chunk's only
        when the batch grew by exactly the chunk and they match it by IBAN and amount.
        Otherwise the ids come from the batch query later."""
        rows = [r for r, _ in chunk]
        grew = answer.count is None or answer.count == count + len(rows)
        ids = settle.new_entries(answer.requests, known, chunk) if grew else {}
        self._set_rows(rows, EntryState.ADDED, ids)
        added = sum((amount for _, (_, amount) in chunk), Decimal(0))
        self._save_batch(count=count + len(rows), total=total + added, status=BatchState.NEW)

    def _cancelled(self, remote: str) -> SubmissionResult:
        added = self._rows(EntryState.ADDED)
        unsent = self._rows(EntryState.DRAFT)
        return self._result(
            closed=False,
            cancelled=True,
            message=(
                f"Cancelled: {len(added)} of {len(self.entries)} transfer(s) were sent to batch "
                f"{remote} ({_ranges(added) or 'none'}); rows {_ranges(unsent)} were not sent. "
                "The batch is still open and pays nobody until submitted: Submit again to send "
                "the rest."
            ),
        )

    def _close(self) -> None:
        pid = self.profile.id
        remote = str(self.batch.remote_batch_id)
        added = self._rows(EntryState.ADDED)
        count = len(added)
        total = sum((self.requests[r].amount for r in added), Decimal(0))
        try:
            answer = run_journalled(
                self.store,
                profile_id=pid,
                operation=Operation.PAYOUT_BATCH_CLOSE,
                subject=batch_subject(pid, remote),
                reference=self.batch.order_id,
                request={"batch_id": remote, "count": count, "total": str(total)},
                call=lambda: self.client.payout_close(remote, count, total),
                summarize=lambda b: {"batch_id": b.batch_id, "status": b.status},
            )
        except OutcomeUnknown as exc:
            raise self._stop(
                f"No answer when submitting batch {remote} ({exc}). Submit again to read the "
                "batch's status and finish.",
                unknown=True,
            ) from exc
        except GatewayError as exc:
            raise self._stop(
                f"The gateway refused to submit batch {remote}: {exc}", unknown=False
            ) from exc
        self._closed(answer)

    def _closed(self, answer: PayoutBatch) -> None:
        self._save_batch(status=answer.status if answer.status in CLOSED_STATUSES else "Pending")
        # apply_answer answers the entries as stored after the update: no second read.
        stored = [self.entries[row] for row in sorted(self.entries)]
        self.entries = {e.row: e for e in apply_answer(self.store, self.batch, answer, stored)}


def submit_batch(
    store: Store,
    pool: ClientPool,
    batch_id: int,
    *,
    progress: Callable[[SubmitProgress], None] | None = None,
    cancel: threading.Event | None = None,
    settle_window: timedelta = settle.SETTLE_WINDOW,
) -> SubmissionResult:
    """Submit (or resume submitting) a saved batch. Raises ``ValidationError`` for an invalid
    batch (nothing sent), ``BatchClosed``, ``SubmissionStopped`` when a step failed or its
    outcome is unknown (the message says what was sent and what to do)."""
    return _Submission(
        store, pool, batch_id, progress=progress, cancel=cancel, settle_window=settle_window
    ).run()


_ranges = settle.row_ranges


# --- tracking --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    count: int
    amount: Decimal
    paid: Decimal
    paid_count: int
    failed: Decimal  # failed or rejected
    failed_count: int
    fees: Decimal
    pending_count: int


def totals(entries: Iterable[BatchEntryRecord]) -> Totals:
    count = paid_n = failed_n = pending_n = 0
    amount = paid = failed = fees = Decimal(0)
    for e in entries:
        count += 1
        amount += e.amount
        if e.status == "Paid":
            paid += e.amount
            paid_n += 1
        elif e.status in ("Failed", "Rejected"):
            failed += e.amount
            failed_n += 1
        else:
            pending_n += 1
        if e.fee is not None:
            fees += e.fee
    return Totals(count, amount, paid, paid_n, failed, failed_n, fees, pending_n)


def apply_answer(
    store: Store,
    batch: BatchRecord,
    answer: PayoutBatch,
    stored: Sequence[BatchEntryRecord] | None = None,
) -> list[BatchEntryRecord]:
    """Write the gateway's entry statuses, fees and totals onto the local entries.

    Entries are matched by ``entry_id``; entries whose id is not known yet (an add whose answer
    was lost) are matched by (IBAN, amount) in the order they were sent, only when the answer
    lists the whole batch and the pairs match one to one. ``stored``: the batch's entries as
    stored, in row order, when the caller holds them (a submission does), so they are not read
    again.
    """
    assert batch.id is not None
    entries = list(stored) if stored is not None else store.list_entries(batch.id)
    by_remote = {e.remote_entry_id: e for e in entries if e.remote_entry_id}
    unmatched = [e for e in entries if not e.remote_entry_id and e.status in SENT_ENTRY_STATES]
    fresh = [w for w in answer.requests if w.entry_id not in by_remote]
    matched: set[str] = set()
    if unmatched and fresh and len(fresh) == len(unmatched):
        pairs = [
            settle.pair_of(e.payload.get("beneficiary_account_number"), e.amount) for e in unmatched
        ]
        if all(
            settle.pair_of(w.beneficiary_account_number, w.amount) == p
            for w, p in zip(fresh, pairs, strict=True)
        ):
            for w, e in zip(fresh, unmatched, strict=True):
                by_remote[w.entry_id] = replace(e, remote_entry_id=None)
                matched.add(w.entry_id)
    changed: list[tuple[int, str | None, str, Decimal | None, Decimal | None, str | None]] = []
    for wire in answer.requests:
        entry = by_remote.get(wire.entry_id)
        if entry is None:
            continue
        fee = wire.fee if wire.fee is not None else entry.fee
        total = wire.total if wire.total is not None else entry.total
        if (entry.status, entry.fee, entry.total, entry.protocol_message) != (
            wire.status,
            fee,
            total,
            wire.protocol_message,
        ) or wire.entry_id in matched:
            changed.append(
                (entry.row, wire.entry_id, wire.status, fee, total, wire.protocol_message)
            )
    if not changed:
        return entries
    stored_at = store.update_tracking(batch.id, changed)
    # The entries as now stored, without reading 10,000 rows back.
    news = {
        row: (remote, status, fee, total, message)
        for row, remote, status, fee, total, message in changed
    }
    updated = []
    for e in entries:
        new = news.get(e.row)
        if new is not None:
            remote, status, fee, total, message = new
            e = replace(
                e,
                remote_entry_id=remote or e.remote_entry_id,
                status=status,
                fee=fee,
                total=total,
                protocol_message=message,
                updated_at=stored_at,
            )
        updated.append(e)
    return updated


def refresh_batch(
    store: Store,
    pool: ClientPool,
    batch_id: int,
    *,
    status: str | None = None,
    cancel: threading.Event | None = None,
) -> tuple[BatchRecord, list[BatchEntryRecord]]:
    """Query the batch (or only the entries in ``status``) and store what it says."""
    batch = store.get_batch(batch_id)
    if batch is None or batch.remote_batch_id is None:
        raise ValueError("this batch has not been sent to the gateway yet")
    profile = store.get_profile(batch.profile_id)
    if profile is None:
        raise ValueError("the batch's profile was deleted")
    client = pool.clickpay(profile)
    if status is None:
        answer = client.payout_query(batch.remote_batch_id, cancel=cancel)
    else:
        answer = client.payout_query_status(batch.remote_batch_id, status, cancel=cancel)
    if batch.status in CLOSED_STATUSES or answer.status in CLOSED_STATUSES:
        batch = store.upsert_batch(replace(batch, status=answer.status))
    entries = apply_answer(store, batch, answer)
    if status is not None:
        wanted = {w.entry_id for w in answer.requests}
        entries = [e for e in entries if e.remote_entry_id in wanted]
    return batch, entries


def query_entry(
    store: Store,
    pool: ClientPool,
    batch_id: int,
    row: int,
    *,
    cancel: threading.Event | None = None,
) -> BatchEntryRecord:
    """Query one transfer (by its gateway entry id) and store what it says."""
    batch = store.get_batch(batch_id)
    if batch is None or batch.remote_batch_id is None:
        raise ValueError("this batch has not been sent to the gateway yet")
    entry = next((e for e in store.list_entries(batch_id) if e.row == row), None)
    if entry is None or not entry.remote_entry_id:
        raise ValueError(f"row {row} has no gateway entry id yet: refresh the whole batch first")
    profile = store.get_profile(batch.profile_id)
    if profile is None:
        raise ValueError("the batch's profile was deleted")
    wire = pool.clickpay(profile).payout_query_entry(
        batch.remote_batch_id, entry.remote_entry_id, cancel=cancel
    )
    updated = replace(
        entry,
        status=wire.status,
        fee=wire.fee if wire.fee is not None else entry.fee,
        total=wire.total if wire.total is not None else entry.total,
        protocol_message=wire.protocol_message,
    )
    return store.upsert_entries(batch_id, [updated])[0]
