"""Settle payout batch requests whose outcome is unknown, from documented fields only.

Reference 004's batch query answers ``count``, ``total`` and, per entry, ``entry_id, amount, fee,
total, beneficiary_account_number, status, protocol_message``: no ``merchant_reference``. So:

* ``batch/new`` is always sent **empty**. An unknown one may have left an empty batch behind,
  which pays nobody; nothing documented can find it (there is no lookup by ``order_id`` in the
  reference), so it stays unknown, the submission notes the orphan and goes on with a new batch
  under a new order id.
* ``batch/add`` is settled by comparing the batch's ``count``, ``total`` and entries'
  (``beneficiary_account_number``, ``amount``) with the snapshot journalled before the add: all of
  the chunk arrived → done; nothing changed → not done, but only once ``SETTLE_WINDOW`` has passed
  since the request was sent (a gateway may commit a slow request late); anything else stays
  unknown, with the dashboard check spelled out.
* ``batch/close`` is settled by the batch's status (New = not closed).

The add's snapshot holds the batch's count and total before the add and, for each distinct
(IBAN, amount) pair of the chunk, how many entries with that pair the batch held before. That is
all the comparison needs, and keeps a 10,000-entry submission's journal linear in size.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeAlias

from clickpay_desk.core.money import format_display
from clickpay_desk.core.profile import Profile
from clickpay_desk.core.rules import ValidationError
from clickpay_desk.gateway.models import PayoutBatch, PayoutEntry
from clickpay_desk.store.records import JournalEntry

from .clients import ClientPool

if TYPE_CHECKING:
    from .reconcile import Unproven

#: How long after an add was sent "nothing changed" may be read as "not done".
SETTLE_WINDOW = timedelta(seconds=120)

Pair = tuple[str, Decimal]


class Verdict(StrEnum):
    DONE = "done"
    NOT_DONE = "not_done"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Settlement:
    """What the documented read showed; ``message`` is a sentence for the user."""

    verdict: Verdict
    message: str
    result: dict[str, Any] = field(default_factory=dict)


def pair_of(iban: object, amount: object) -> Pair | None:
    """(IBAN without spaces, upper case; amount as a Decimal) or None when either is missing."""
    if iban is None or amount is None:
        return None
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    return "".join(str(iban).split()).upper(), value


def add_snapshot(
    before_count: int,
    before_total: Decimal,
    before_pairs: Counter[Pair],
    chunk: Sequence[Pair],
) -> dict[str, Any]:
    """The part of an add's journal request that settles it: state before, and the chunk."""
    wanted = Counter(chunk)
    return {
        "before": {
            "count": int(before_count),
            "total": str(before_total),
            "entries": [
                [iban, str(amount), before_pairs.get((iban, amount), 0)] for iban, amount in wanted
            ],
        },
        "chunk": [[iban, str(amount)] for iban, amount in chunk],
    }


def batch_figures(batch: PayoutBatch) -> tuple[int | None, Decimal | None, Counter[Pair] | None]:
    """The batch's count, total and (IBAN, amount) multiset as the answer states them.

    ``count``/``total`` fall back to the listed entries when the answer omits them; the multiset
    is None when any listed entry lacks its IBAN or amount (then it proves nothing).
    """
    listed: Counter[Pair] = Counter()
    pairs: Counter[Pair] | None = listed
    listed_total = Decimal(0)
    for entry in batch.requests:
        pair = pair_of(entry.beneficiary_account_number, entry.amount)
        if pair is None:
            pairs = None
            break
        listed[pair] += 1
        listed_total += pair[1]
    count = batch.count
    total = batch.total
    if pairs is not None:
        if count is None:
            count = len(batch.requests)
        if total is None:
            total = listed_total
        if count != len(batch.requests):
            pairs = None  # a partial listing cannot show which entries are there
    return count, total, pairs


def settle_add(
    batch: PayoutBatch,
    request: Mapping[str, Any],
    *,
    sent_at: datetime,
    window: timedelta = SETTLE_WINDOW,
    now: datetime | None = None,
) -> Settlement:
    """Compare the batch now with the add's journalled snapshot."""
    before = request["before"]
    before_count = int(before["count"])
    before_total = Decimal(str(before["total"]))
    before_pairs = {
        (str(iban), Decimal(str(amount))): int(n) for iban, amount, n in before["entries"]
    }
    chunk: Counter[Pair] = Counter(
        (str(iban), Decimal(str(amount))) for iban, amount in request["chunk"]
    )
    chunk_count = sum(chunk.values())
    chunk_total = sum((amount * n for (_, amount), n in chunk.items()), Decimal(0))
    count, total, pairs = batch_figures(batch)
    check = dashboard_check(request, batch.batch_id)
    currency = str(request.get("currency") or "")
    if count is None or total is None or pairs is None:
        return Settlement(
            Verdict.UNKNOWN,
            "The gateway's answer does not list every entry's IBAN and amount, so it cannot "
            "show whether the transfers arrived. " + check,
        )
    added = {pair: pairs.get(pair, 0) - before_pairs.get(pair, 0) for pair in chunk}
    figures = {"batch_id": batch.batch_id, "count": count, "total": str(total)}
    if (
        count - before_count == chunk_count
        and total - before_total == chunk_total
        and all(added[pair] == n for pair, n in chunk.items())
    ):
        return Settlement(
            Verdict.DONE,
            f"All {chunk_count} transfer(s) of the chunk are in batch {batch.batch_id}.",
            figures,
        )
    if count == before_count and total == before_total and all(v == 0 for v in added.values()):
        moment = now or datetime.now(UTC)
        if moment - sent_at < window:
            ready = sent_at + window
            wait = int((ready - moment).total_seconds()) + 1
            clock = ready.astimezone().strftime("%H:%M:%S")
            return Settlement(
                Verdict.UNKNOWN,
                f"None of the {chunk_count} transfer(s) is in batch {batch.batch_id} yet, but "
                "the request is recent: the gateway may still commit it. Try again in "
                f"{wait} s (after {clock}).",
            )
        return Settlement(
            Verdict.NOT_DONE,
            f"None of the {chunk_count} transfer(s) reached batch {batch.batch_id} and its "
            "count and total did not change: the chunk was not added.",
            figures,
        )
    return Settlement(
        Verdict.UNKNOWN,
        f"Batch {batch.batch_id} changed in a way that does not match the chunk "
        f"(count {before_count} → {count}, total {money_text(before_total, currency)} → "
        f"{money_text(total, currency)}). " + check,
    )


def dashboard_check(request: Mapping[str, Any], batch_id: object = None) -> str:
    """What to look for in the merchant dashboard to settle an add by hand, from what its journal
    entry holds: the batch and order id, the chunk's rows with their IBANs and amounts, and the
    batch's count and total before the add and as they would be after it."""
    before = request.get("before") or {}
    chunk = list(request.get("chunk") or [])
    rows = [int(r) for r in request.get("rows") or ()]
    currency = str(request.get("currency") or "")
    batch = batch_id if batch_id is not None else request.get("batch_id")
    count = int(before.get("count", 0))
    total = Decimal(str(before.get("total", "0")))
    chunk_total = sum((Decimal(str(a)) for _, a in chunk), Decimal(0))
    order = f" (order {request['order_id']})" if request.get("order_id") else ""
    shown = ", ".join(
        f"row {row} {iban} {money_text(Decimal(str(amount)), currency)}"
        for row, (iban, amount) in zip(rows[:SHOWN], chunk[:SHOWN], strict=False)
    )
    if len(rows) != len(chunk) or not rows:
        shown = ", ".join(
            f"{iban} {money_text(Decimal(str(amount)), currency)}" for iban, amount in chunk[:SHOWN]
        )
    more = f", and {len(chunk) - SHOWN} more" if len(chunk) > SHOWN else ""
    added = f"rows {row_ranges(rows)} added" if rows else "the chunk added"
    return (
        f"In the ClickPay merchant dashboard, open Payouts ▸ batch {batch}{order}. If it lists "
        f"{count + len(chunk)} transfers totalling {money_text(total + chunk_total, currency)} "
        f"({added}: {shown}{more}), the add arrived: mark it done. If it lists {count} "
        f"transfers totalling {money_text(total, currency)}, the add did not arrive: mark it not "
        "done (Activity ▸ Resolve)."
    )


#: How many of a chunk's transfers the dashboard check names one by one.
SHOWN = 5


def money_text(amount: Decimal, currency: str) -> str:
    """An amount for a sentence: thousands separators and the currency's decimals ("SAR 1,250.00");
    without a known currency, the amount as journalled with separators ("1,250.00")."""
    if currency:
        try:
            return format_display(amount, currency)
        except ValidationError:
            pass  # not an ISO 4217 code: show the amount as it was journalled
    return f"{amount:,f}"


def row_ranges(rows: Sequence[int]) -> str:
    """ "2–5, 9" for rows [2, 3, 4, 5, 9]."""
    parts: list[str] = []
    start = prev = None
    for row in rows:
        if start is None:
            start = prev = row
        elif prev is not None and row == prev + 1:
            prev = row
        else:
            parts.append(f"{start}" if start == prev else f"{start}–{prev}")
            start = prev = row
    if start is not None:
        parts.append(f"{start}" if start == prev else f"{start}–{prev}")
    return ", ".join(parts)


def settle_close(batch: PayoutBatch) -> Settlement:
    """A batch that is no longer New was closed."""
    if batch.status != "New":
        return Settlement(
            Verdict.DONE,
            f"Batch {batch.batch_id} is {batch.status}: it was submitted.",
            {"batch_id": batch.batch_id, "batch_status": batch.status},
        )
    return Settlement(
        Verdict.NOT_DONE,
        f"Batch {batch.batch_id} is still New: it was not submitted.",
        {"batch_id": batch.batch_id, "batch_status": batch.status},
    )


def orphan_note(order_id: str) -> str:
    return (
        f"An empty payout batch with order id “{order_id}” may exist at the gateway. It holds "
        "no transfers and pays nobody; the submission carries on under a new order id. To tidy "
        f"up, look for “{order_id}” in the dashboard's Deposit section."
    )


def new_entries(
    answer: Iterable[PayoutEntry], known_ids: set[str], chunk: Sequence[tuple[int, Pair]]
) -> dict[int, str]:
    """Gateway entry ids of a chunk's rows: the answer's entries not known before, matched to the
    chunk's rows by (IBAN, amount) in order. Empty when they do not match one to one."""
    fresh = [e for e in answer if e.entry_id not in known_ids]
    if len(fresh) != len(chunk):
        return {}
    ids: dict[int, str] = {}
    for entry, (row, pair) in zip(fresh, chunk, strict=True):
        if pair_of(entry.beneficiary_account_number, entry.amount) != pair:
            return {}
        ids[row] = entry.entry_id
    return ids


# --- the readers registered in services.reconcile.READERS -------------------------------------

Finding: TypeAlias = "tuple[bool, dict[str, Any]] | Unproven | None"


def _sent_at(entry: JournalEntry) -> datetime:
    return entry.created_at if entry.created_at.tzinfo else entry.created_at.replace(tzinfo=UTC)


def batch_new(
    pool: ClientPool, profile: Profile, entry: JournalEntry, cancel: threading.Event | None
) -> Finding:
    # No documented read finds a batch by order_id; the batch was sent empty, so it pays nobody
    # and the submission has moved on to a new order id. Left to the user, with the orphan note.
    from .reconcile import Unproven

    return Unproven(orphan_note(entry.reference))


def batch_add(
    pool: ClientPool, profile: Profile, entry: JournalEntry, cancel: threading.Event | None
) -> Finding:
    from .reconcile import Unproven

    if "before" not in entry.request:
        return None  # journalled by an older version, without the snapshot: cannot prove
    batch = pool.clickpay(profile).payout_query(str(entry.request["batch_id"]), cancel=cancel)
    # No window here: "nothing changed" is answered as an absence, which services.reconcile
    # holds as "not yet known, checked again at HH:MM" until its own SETTLE_WINDOW has passed
    # (the same two minutes), exactly as for the invoice readers.
    found = settle_add(batch, entry.request, sent_at=_sent_at(entry), window=timedelta(0))
    if found.verdict is Verdict.UNKNOWN:
        return Unproven(found.message, found.result)
    return found.verdict is Verdict.DONE, found.result


def batch_close(
    pool: ClientPool, profile: Profile, entry: JournalEntry, cancel: threading.Event | None
) -> Finding:
    batch = pool.clickpay(profile).payout_query(str(entry.request["batch_id"]), cancel=cancel)
    found = settle_close(batch)
    return found.verdict is Verdict.DONE, found.result
