"""Find out what happened to journalled calls whose outcome is unknown, by reading.

Each mutating operation has a read that tells whether it took effect: a create is looked up by
the merchant reference it carried (cart_id, order_id, merchantReferenceId), a cancel or close by
the state of its target. What the read finds is written back to the journal (DONE or NOT_DONE)
and to the local record, and only then may the action be tried again.

A read that cannot answer (gateway unreachable, or an operation the gateway offers no read for)
leaves the entry unknown and says why; the user can then check the merchant dashboard and
resolve it by hand with ``resolve_manually``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from clickpay_desk.core.profile import Profile
from clickpay_desk.gateway.errors import GatewayError, NotFound
from clickpay_desk.store.database import Store
from clickpay_desk.store.records import InvoiceRecord, JournalEntry, JournalStatus

from . import payout_reconcile
from .clients import ClientPool, MissingSecret
from .journal import describe, in_flight

log = logging.getLogger(__name__)

STILL_IN_FLIGHT = (
    "is still waiting for the gateway's answer; its outcome is recorded when the answer comes."
)

#: A finding: (happened?, result summary). ``None`` for "cannot tell".
Finding = tuple[bool, dict[str, Any]] | None
Reader = Callable[[ClientPool, Profile, JournalEntry, threading.Event | None], Finding]


@dataclass(frozen=True)
class Reconciled:
    """What reconciliation found for one journal entry; ``message`` is for the user."""

    entry: JournalEntry
    resolved: bool
    message: str


def _invoice_create(
    pool: ClientPool, profile: Profile, entry: JournalEntry, cancel: threading.Event | None
) -> Finding:
    found = pool.clickpay(profile).find_invoice_by_cart_id(entry.reference, cancel=cancel)
    if found is None:
        return False, {}
    return True, {"invoice_id": found.invoice_id, "invoice_status": found.status}


def _invoice_cancel(
    pool: ClientPool, profile: Profile, entry: JournalEntry, cancel: threading.Event | None
) -> Finding:
    status = pool.clickpay(profile).invoice_status(entry.reference, cancel=cancel)
    return status.status == "cancelled", {"invoice_status": status.status}


def _agreement_request(
    pool: ClientPool, profile: Profile, entry: JournalEntry, cancel: threading.Event | None
) -> Finding:
    try:
        tran = pool.clickpay(profile).query_transaction(cart_id=entry.reference, cancel=cancel)
    except NotFound:
        return False, {}
    return True, {"tran_ref": tran.tran_ref}


def _geidea_create(
    pool: ClientPool, profile: Profile, entry: JournalEntry, cancel: threading.Event | None
) -> Finding:
    page = pool.geidea(profile).search(merchant_reference_id=entry.reference, cancel=cancel)
    if not page.intents:
        return False, {}
    return True, {"paymentIntentId": page.intents[0].payment_intent_id}


def _geidea_delete(
    pool: ClientPool, profile: Profile, entry: JournalEntry, cancel: threading.Event | None
) -> Finding:
    try:
        pool.geidea(profile).fetch(entry.reference, cancel=cancel)
    except NotFound:
        return True, {}
    return False, {}


READERS: dict[str, Reader] = {
    "invoice.create": _invoice_create,
    "invoice.cancel": _invoice_cancel,
    "agreement.request": _agreement_request,
    "payout.batch.new": payout_reconcile.batch_new,
    "payout.batch.add": payout_reconcile.batch_add,
    "payout.batch.close": payout_reconcile.batch_close,
    "geidea.invoice.create": _geidea_create,
    "geidea.invoice.delete": _geidea_delete,
}


def reconcile_entry(
    store: Store, pool: ClientPool, entry: JournalEntry, *, cancel: threading.Event | None = None
) -> Reconciled:
    """Resolve one unknown entry by a read, if the gateway can tell."""
    what = f"{describe(entry.operation)} “{entry.reference}”"
    if in_flight(entry.id):
        return Reconciled(entry, False, f"The request to {what} {STILL_IN_FLIGHT}")
    reader = READERS.get(entry.operation)
    profile = store.get_profile(entry.profile_id) if entry.profile_id is not None else None
    if reader is None or profile is None:
        return Reconciled(
            entry,
            False,
            f"Could not check whether the request to {what} arrived: the gateway offers no way "
            "to read it back. Check the merchant dashboard, then mark it done or not done.",
        )
    try:
        finding = reader(pool, profile, entry, cancel)
    except (GatewayError, MissingSecret) as exc:
        return Reconciled(entry, False, f"Still unknown whether {what} arrived: {exc}")
    except (KeyError, TypeError, ValueError) as exc:
        # A journalled request without what its read needs (no batch_id, an empty reference,
        # a profile of the other gateway): one odd entry must not stop the others' reconciling.
        log.warning("cannot read back %s entry %s: %r", entry.operation, entry.id, exc)
        finding = None
    if finding is None:
        return Reconciled(
            entry, False, f"Could not tell whether {what} arrived; check the dashboard."
        )
    happened, result = finding
    status = JournalStatus.DONE if happened else JournalStatus.NOT_DONE
    updated = store.journal_reconciled(entry.id, status, result)
    _apply_to_records(store, profile, updated, result)
    if happened:
        return Reconciled(updated, True, f"The request to {what} did arrive: it is done.")
    return Reconciled(
        updated, True, f"The request to {what} never took effect; it is safe to send it again."
    )


def _apply_to_records(
    store: Store, profile: Profile, entry: JournalEntry, result: dict[str, Any]
) -> None:
    """Bring the local invoice in line with what reconciliation found: keep the one whose create
    never answered, mark the one whose cancel never answered as cancelled."""
    if entry.status is not JournalStatus.DONE or profile.id is None:
        return
    if entry.operation == "invoice.cancel":
        cancelled = store.find_invoice(profile.id, entry.reference)
        if cancelled is not None:
            store.upsert_invoice(replace(cancelled, status="cancelled"))
        return
    if entry.operation != "invoice.create" or not result.get("invoice_id"):
        return
    remote_id = str(result["invoice_id"])
    if store.find_invoice(profile.id, remote_id) is not None:
        return
    payload = entry.request
    store.upsert_invoice(
        InvoiceRecord(
            id=None,
            profile_id=profile.id,
            gateway=profile.gateway,
            cart_id=entry.reference,
            remote_id=remote_id,
            link=None,
            currency=str(payload.get("cart_currency", "")),
            amount=Decimal(str(payload.get("cart_amount", "0"))),
            status=str(result.get("invoice_status") or "pending"),
            payload=payload,
        )
    )


def reconcile_all(
    store: Store,
    pool: ClientPool,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
) -> list[Reconciled]:
    """Reconcile every unresolved entry (oldest first), except requests still in flight."""
    entries = [e for e in store.journal_unresolved() if not in_flight(e.id)]
    done: list[Reconciled] = []
    for index, entry in enumerate(entries):
        if cancel is not None and cancel.is_set():
            break
        done.append(reconcile_entry(store, pool, entry, cancel=cancel))
        if progress is not None:
            progress(index + 1, len(entries))
    return done


def summary(results: list[Reconciled]) -> str:
    """One sentence for the status bar."""
    if not results:
        return "Nothing to reconcile: every request has a known outcome."
    resolved = sum(1 for r in results if r.resolved)
    left = len(results) - resolved
    text = f"Reconciled {resolved} of {len(results)} request(s) with an unknown outcome."
    if left:
        text += f" {left} still unknown — see Activity."
    return text


def resolve_manually(store: Store, entry_id: int, happened: bool) -> JournalEntry:
    """The user checked the dashboard and says whether the request took effect."""
    status = JournalStatus.DONE if happened else JournalStatus.NOT_DONE
    return store.journal_reconciled(entry_id, status, {"resolved_by": "user"})
