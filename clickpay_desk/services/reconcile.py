"""Find out what happened to journalled calls whose outcome is unknown — from proof only.

The rule (money is at stake, so nothing here guesses):

* **Presence** is proven by a record that carries **the same reference** as the journal entry:
  the cart_id (PT2 invoice, payment request), the merchantReferenceId (Geidea), or the target
  itself read by its id. A lookup that returns some record without that reference, or with
  another one, proves nothing (a gateway that ignores a filter answers with someone else's).
* **Absence** is proven only by a read the references document: invoice status by
  ``invoice_id``, transaction query by ``tran_ref``, Geidea fetch by ``paymentIntentId``, payout
  batch query by ``batch_id``. "Not found" from a lookup they do not document (invoice status by
  ``cart_id``, transaction query by ``cart_id``, Geidea search by ``merchantReferenceId``), or a
  field the answer does not carry, leaves the entry **unknown** with a sentence saying exactly
  what to look for in the merchant dashboard; the user then marks it done or not done
  (``resolve_manually``).
* Geidea's fetch is documented, but what it answers for a deleted invoice is not: a delete is
  settled "not done" when the fetch still shows the invoice, and never "done" from a "not
  found". An update is done when the fetched invoice carries every value the update sent and
  the update changed something a fetch shows (compared with the invoice as the desk knew it,
  journalled with the update); otherwise it stays unknown. Create and quick create are found
  the same way, by search, with the same merchantReferenceId (and, when shown, amount).
* A refund whose own read says declined is "not done" (no money moved).
* A refund (a PT2 follow-up ``payment/request``) is told from an earlier refund of the same
  amount by the cart's transactions journalled just before it was sent (``services.refunds``):
  a refund listed now but not then, of the same cart, paying ``tran_ref``, amount and currency,
  read back by its own ``tran_ref`` (documented), settles it. Its absence proves nothing.
* Even a documented absence is proof only once the gateway has had time to finish what it was
  sent: within ``SETTLE_WINDOW`` of the send the answer is "not yet known, checked again at
  HH:MM" (``Reconciled.retry_at``). Two minutes: the client gives up on a call after at most
  30 s (``gateway.http.Timeouts``), and the front ends of web gateways cut a request off after
  about 60 s; a request still running after twice that would have outlived its own front end.
* A gateway answer that says "duplicate request" is an unknown outcome too (it may already
  exist), reconciled like any other.
* A reader that cannot ask (the keyring is locked, the gateway is unreachable, an entry lacks
  what its read needs) leaves that entry unknown with the reason and goes on with the others.

A reader (``READERS``, keyed by the journal's operation name) answers ``(True, result)`` for a
proven presence, ``(False, result)`` for an absence proven by a documented read,
``Unproven(look_for)`` when what it found proves nothing, or ``None`` when it cannot tell.
What a proof finds is written back to the journal (DONE or NOT_DONE) and to the local record,
and only then may the action be tried again. Payout batches: ``services.payout_reconcile``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from clickpay_desk.core.profile import GatewayKind, Profile
from clickpay_desk.core.statuses import GeideaStatus, TranStatus
from clickpay_desk.gateway.errors import GatewayError, NotFound
from clickpay_desk.gateway.geidea_models import PaymentIntent
from clickpay_desk.gateway.models import InvoiceState
from clickpay_desk.secrets import SecretStorageUnavailable
from clickpay_desk.store.database import Store
from clickpay_desk.store.records import InvoiceRecord, JournalEntry, JournalStatus

from . import geidea_invoices, payout_reconcile, refunds
from .clients import ClientPool, MissingSecret
from .journal import describe, in_flight
from .operations import Operation

log = logging.getLogger(__name__)

STILL_IN_FLIGHT = (
    "is still waiting for the gateway's answer; its outcome is recorded when the answer comes."
)

#: How long after a request was sent an absence may still be the gateway not having finished.
SETTLE_WINDOW = timedelta(minutes=2)

THEN_MARK = "then mark it done or not done here."


@dataclass(frozen=True)
class Unproven:
    """The read found nothing that proves either way. ``look_for`` is a sentence for the user:
    what to look for in the merchant dashboard."""

    look_for: str
    result: dict[str, Any] = field(default_factory=dict)


#: A finding: (happened?, result summary), Unproven, or ``None`` for "cannot tell".
Finding = tuple[bool, dict[str, Any]] | Unproven | None
Reader = Callable[[ClientPool, Profile, JournalEntry, threading.Event | None], Finding]


@dataclass(frozen=True)
class Reconciled:
    """What reconciliation found for one journal entry; ``message`` is for the user.
    ``retry_at``: when an entry left unknown only because it is too early is checked again."""

    entry: JournalEntry
    resolved: bool
    message: str
    retry_at: datetime | None = None


def _local_time(when: datetime) -> str:
    return _aware(when).astimezone().strftime("%H:%M")


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _around(entry: JournalEntry) -> str:
    sent = _aware(entry.created_at).astimezone()
    return f"on {sent:%Y-%m-%d} around {sent:%H:%M}"


def look_for(profile: Profile | None, entry: JournalEntry) -> str:
    """What to look for in the merchant dashboard to settle ``entry`` by hand."""
    ref = f"“{entry.reference}”"
    when = _around(entry)
    operation = entry.operation
    if operation == Operation.PAYOUT_BATCH_ADD and entry.request.get("before"):
        return payout_reconcile.dashboard_check(entry.request)
    clickpay = profile is None or profile.gateway is GatewayKind.CLICKPAY
    if operation == Operation.INVOICE_CREATE:
        where = f"open Invoices and search for cart id {ref} created {when}"
    elif operation == Operation.INVOICE_CANCEL:
        where = f"open Invoices, find invoice {ref} and see whether it is cancelled"
    elif operation == Operation.AGREEMENT_REQUEST:
        where = f"open Transactions and search for cart id {ref} {when}"
    elif operation in (Operation.GEIDEA_INVOICE_CREATE, Operation.GEIDEA_INVOICE_QUICK_CREATE):
        where = f"open the payment invoices and search for merchant reference {ref} created {when}"
    elif operation == Operation.INVOICE_REFUND:
        request = entry.request
        where = (
            f"open Transactions and search for cart id {ref}: see whether it lists a refund of "
            f"{request.get('cart_amount')} {request.get('cart_currency')} of transaction "
            f"{request.get('tran_ref')} made {when}"
        )
    elif operation == Operation.GEIDEA_INVOICE_UPDATE:
        where = (
            f"open the payment invoices, open invoice {ref}{_merchant_reference(entry)} and see "
            f"whether it shows the change sent {when} ({_update_summary(entry.request)})"
        )
    elif operation == Operation.GEIDEA_INVOICE_DELETE:
        where = (
            f"open the payment invoices and see whether invoice {ref}"
            f"{_merchant_reference(entry)} is still there"
        )
    else:
        where = (
            f"find {ref} (sent {when}) and see whether the request to {describe(operation)} "
            "took effect"
        )
    gateway = "ClickPay" if clickpay else "Geidea"
    return f"In the {gateway} merchant dashboard, {where}; {THEN_MARK}"


def _merchant_reference(entry: JournalEntry) -> str:
    """ " (merchant reference “X”)" from a Geidea subject ``geidea:<profile>:<reference>``."""
    parts = entry.subject.split(":", 2)
    if len(parts) == 3 and parts[0] == "geidea" and parts[2]:
        return f" (merchant reference “{parts[2]}”)"
    return ""


def _update_summary(request: dict[str, Any]) -> str:
    """The values an update sent that a person can spot on the invoice."""
    shown = [f"amount {request.get('amount')} {request.get('currency')}"]
    customer = request.get("customer")
    if isinstance(customer, dict) and customer.get("name"):
        shown.append(f"customer {customer['name']}")
    if request.get("expiryDate"):
        shown.append(f"expiry {request['expiryDate']}")
    return ", ".join(shown)


# ---------------------------------------------------------------------------- readers


def _invoice_create(
    pool: ClientPool, profile: Profile, entry: JournalEntry, cancel: threading.Event | None
) -> Finding:
    # POST /payment/invoice/status by cart_id is in no reference: a hint, never proof of
    # absence, and a hit counts only when it carries this very cart_id.
    found = pool.clickpay(profile).find_invoice_by_cart_id(entry.reference, cancel=cancel)
    hint = look_for(profile, entry)
    if found is None:
        return Unproven(f"ClickPay found no invoice by that cart id, which proves nothing. {hint}")
    if found.cart_id != entry.reference:
        return Unproven(
            f"ClickPay named invoice {found.invoice_id}, but its answer does not show this cart "
            f"id, so it may be another invoice. {hint}",
            {"invoice_id": found.invoice_id},
        )
    return True, {"invoice_id": found.invoice_id, "invoice_status": found.status}


def _invoice_cancel(
    pool: ClientPool, profile: Profile, entry: JournalEntry, cancel: threading.Event | None
) -> Finding:
    # Documented: invoice status by invoice_id.
    status = pool.clickpay(profile).invoice_status(entry.reference, cancel=cancel)
    return status.status == InvoiceState.CANCELLED, {"invoice_status": status.status}


def _agreement_request(
    pool: ClientPool, profile: Profile, entry: JournalEntry, cancel: threading.Event | None
) -> Finding:
    client = pool.clickpay(profile)
    tran_ref = (entry.result or {}).get("tran_ref")
    if tran_ref:
        # Documented: the query by tran_ref, proof either way.
        try:
            tran = client.query_transaction(tran_ref=str(tran_ref), cancel=cancel)
        except NotFound:
            return False, {}
        return True, {"tran_ref": tran.tran_ref}
    hint = look_for(profile, entry)
    try:
        tran = client.query_transaction(cart_id=entry.reference, cancel=cancel)
    except NotFound:
        return Unproven(
            f"ClickPay found no transaction by that cart id, which proves nothing. {hint}"
        )
    if tran.cart_id != entry.reference:
        return Unproven(
            f"ClickPay named transaction {tran.tran_ref}, but its answer does not show this "
            f"cart id, so it may be another one. {hint}",
            {"tran_ref": tran.tran_ref},
        )
    return True, {"tran_ref": tran.tran_ref}


#: How many search pages a create's reconciliation reads: a gateway that ignores the filter
#: still shows a recent invoice on its first pages (newest first).
CREATE_SEARCH_PAGES = 5


def _geidea_create(
    pool: ClientPool, profile: Profile, entry: JournalEntry, cancel: threading.Event | None
) -> Finding:
    # One reader for the create and the quick create: both send a merchantReferenceId.
    # The search filter merchantReferenceId is in no reference: only an invoice that carries
    # this very reference proves anything; an empty page proves nothing.
    client = pool.geidea(profile)
    size = geidea_invoices.SEARCH_PAGE_SIZE
    same: list[PaymentIntent] = []
    for number in range(1, CREATE_SEARCH_PAGES + 1):
        page = client.search(
            merchant_reference_id=entry.reference,
            page_number=number,
            page_size=size,
            cancel=cancel,
        )
        same.extend(i for i in page.intents if i.merchant_reference_id == entry.reference)
        if same or not page.intents or number * size >= page.total_count:
            break
    hint = look_for(profile, entry)
    if not same:
        return Unproven(
            "Geidea's search showed no invoice with that reference, which proves nothing. " + hint
        )
    amount = refunds.as_decimal(entry.request.get("amount"))
    matching = [i for i in same if i.amount is None or amount is None or i.amount == amount]
    if not matching:
        other = same[0]
        return Unproven(
            f"Geidea shows invoice {other.payment_intent_id} with this reference, but for "
            f"{other.amount} {other.currency or ''} where the request was for {amount} "
            f"{entry.request.get('currency') or ''}: it may be another invoice. {hint}"
        )
    found = matching[0]
    return True, {
        **geidea_invoices.intent_summary(found),
        "amount": None if found.amount is None else str(found.amount),
        "currency": found.currency,
    }


def _geidea_update(
    pool: ClientPool, profile: Profile, entry: JournalEntry, cancel: threading.Event | None
) -> Finding:
    # Documented: fetch by paymentIntentId. Done only when the invoice carries every value the
    # update sent; anything else may be the update not arriving or a later change: unknown.
    intent = pool.geidea(profile).fetch(entry.reference, cancel=cancel)
    differ = geidea_invoices.update_differences(intent, entry.request)
    before = entry.request.get("before")
    unseen = isinstance(before, dict) and not geidea_invoices.visible_change(before, entry.request)
    if not differ and unseen:
        return Unproven(
            "The update changes nothing Geidea's fetch shows (amounts, customer, lines, "
            "dates), so the invoice cannot show whether it arrived. " + look_for(profile, entry)
        )
    if not differ:
        return True, {
            **geidea_invoices.intent_summary(intent),
            "amount": None if intent.amount is None else str(intent.amount),
        }
    shown = ", ".join(differ[:5]) + (f" and {len(differ) - 5} more" if len(differ) > 5 else "")
    return Unproven(
        f"Geidea's invoice does not show all the update sent ({shown} differ or are not "
        "shown): the update may not have arrived, or the invoice was changed since. "
        + look_for(profile, entry)
    )


#: What a fetched invoice that was not deleted may read. Anything else (say "Cancelled") may be
#: how a deleted invoice reads, which the reference does not say: it proves nothing.
_NOT_DELETED = frozenset(s.value for s in GeideaStatus if s is not GeideaStatus.CANCELLED)


def _geidea_delete(
    pool: ClientPool, profile: Profile, entry: JournalEntry, cancel: threading.Event | None
) -> Finding:
    # Documented: fetch by paymentIntentId. Reference 003 documents no "not found" answer, so a
    # fetch that finds nothing does not prove the delete; one that shows the invoice in an
    # ordinary status proves it still exists (after the settle window: not done).
    hint = look_for(profile, entry)
    try:
        intent = pool.geidea(profile).fetch(entry.reference, cancel=cancel)
    except NotFound:
        return Unproven(
            f"Geidea's fetch found no invoice {entry.reference}, but its reference does not say "
            f"what a fetch answers for a deleted invoice, so this proves nothing. {hint}"
        )
    if intent.status in _NOT_DELETED:
        return False, {"status": intent.status}
    return Unproven(
        f"Geidea shows invoice {entry.reference} as {intent.status}, which does not say whether "
        f"it was deleted. {hint}"
    )


def _invoice_refund(
    pool: ClientPool, profile: Profile, entry: JournalEntry, cancel: threading.Event | None
) -> Finding:
    # The refund's own tran_ref was in the lost answer. The cart's transactions (lookup by
    # cart_id: not documented, so presence only) show refunds; the one not listed before the
    # send, of the same paying transaction, amount and currency, is this one. It is then read
    # back by its own tran_ref (documented) for its outcome.
    client = pool.clickpay(profile)
    request = entry.request
    hint = look_for(profile, entry)
    listed = refunds.cart_transactions(client, entry.reference, cancel=cancel)
    fresh = refunds.new_refunds(listed, request)
    if fresh is None:
        before = request.get("before")
        why = before.get("unreadable") if isinstance(before, dict) else None
        held = (
            f"ClickPay did not list the cart's transactions before this refund was sent ({why})"
            if why
            else "The journal holds no list of the cart's transactions from before this refund"
        )
        return Unproven(
            f"{held}, so a refund found now cannot be told from an earlier one of the same "
            f"amount. {hint}"
        )
    if not fresh:
        return Unproven(
            "ClickPay lists no refund of that amount made since it was sent; its lookup by cart "
            f"id is not a documented read, so this proves nothing. {hint}"
        )
    if len(fresh) > 1:
        refs = ", ".join(t.tran_ref for t in fresh)
        return Unproven(
            f"ClickPay lists {len(fresh)} refunds of that amount made since it was sent ({refs}),"
            f" so which one is this request cannot be told. {hint}"
        )
    tran = client.query_transaction(tran_ref=fresh[0].tran_ref, cancel=cancel)
    if tran.tran_ref != fresh[0].tran_ref or not refunds.is_refund_of(tran, request):
        return Unproven(
            f"ClickPay's read of transaction {fresh[0].tran_ref} does not show it as this "
            f"refund. {hint}"
        )
    result = tran.payment_result
    found = {
        "tran_ref": tran.tran_ref,
        "amount": str(request.get("cart_amount")),
        "response_status": tran.status,
        "response_message": result.response_message if result else None,
    }
    if tran.status == TranStatus.AUTHORISED:
        return True, found
    if tran.status in (TranStatus.DECLINED, TranStatus.ERROR):
        return False, found  # the gateway declined it: no money moved
    return Unproven(
        f"Refund {tran.tran_ref} reads “{tran.status or 'no status'}”: neither approved nor "
        f"declined yet. {hint}"
    )


#: The read that settles each operation. A plain dict keyed by the journal's operation name:
#: other modules register (or replace) the readers of their operations here.
READERS: dict[str, Reader] = {
    Operation.INVOICE_CREATE: _invoice_create,
    Operation.INVOICE_CANCEL: _invoice_cancel,
    Operation.AGREEMENT_REQUEST: _agreement_request,
    Operation.PAYOUT_BATCH_NEW: payout_reconcile.batch_new,
    Operation.PAYOUT_BATCH_ADD: payout_reconcile.batch_add,
    Operation.PAYOUT_BATCH_CLOSE: payout_reconcile.batch_close,
    Operation.INVOICE_REFUND: _invoice_refund,
    Operation.GEIDEA_INVOICE_CREATE: _geidea_create,
    Operation.GEIDEA_INVOICE_QUICK_CREATE: _geidea_create,
    Operation.GEIDEA_INVOICE_UPDATE: _geidea_update,
    Operation.GEIDEA_INVOICE_DELETE: _geidea_delete,
}


def settles_at(entry: JournalEntry) -> datetime:
    """When an absence read for ``entry`` becomes proof (``SETTLE_WINDOW`` after the send)."""
    return _aware(entry.created_at) + SETTLE_WINDOW


def reconcile_entry(
    store: Store,
    pool: ClientPool,
    entry: JournalEntry,
    *,
    cancel: threading.Event | None = None,
    now: datetime | None = None,
) -> Reconciled:
    """Settle one unknown entry if a read proves what happened; otherwise say why not."""
    what = f"{describe(entry.operation)} “{entry.reference}”"
    if in_flight(entry.id):
        return Reconciled(entry, False, f"The request to {what} {STILL_IN_FLIGHT}")
    reader = READERS.get(entry.operation)
    profile = store.get_profile(entry.profile_id) if entry.profile_id is not None else None
    hint = look_for(profile, entry)
    if reader is None or profile is None:
        return Reconciled(
            entry,
            False,
            f"Could not check whether the request to {what} arrived: the gateway offers no way "
            f"to read it back. {hint}",
        )
    try:
        finding = reader(pool, profile, entry, cancel)
    except SecretStorageUnavailable as exc:
        # A locked keyring stops this entry, not the run.
        return Reconciled(
            entry,
            False,
            f"Still unknown whether the request to {what} arrived: the key could not be read "
            f"from the system keyring ({exc}). Unlock the keyring and reconcile again.",
        )
    except (GatewayError, MissingSecret) as exc:
        return Reconciled(
            entry, False, f"Still unknown whether the request to {what} arrived: {exc} {hint}"
        )
    except (KeyError, TypeError, ValueError) as exc:
        # A journalled request without what its read needs (no batch_id, an empty reference,
        # a profile of the other gateway): one odd entry must not stop the others' reconciling.
        log.warning("cannot read back %s entry %s: %r", entry.operation, entry.id, exc)
        finding = None
    if finding is None:
        return Reconciled(
            entry, False, f"Could not tell whether the request to {what} arrived. {hint}"
        )
    if isinstance(finding, Unproven):
        text = f"Still unknown whether the request to {what} arrived. {finding.look_for}"
        return Reconciled(entry, False, text)
    happened, result = finding
    if not happened:
        ready = settles_at(entry)
        if (now or datetime.now(UTC)) < ready:
            return Reconciled(
                entry,
                False,
                f"Not yet known whether the request to {what} took effect: the gateway may still "
                f"be finishing it. Checked again at {_local_time(ready)}.",
                retry_at=ready,
            )
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
    never answered, mark the one whose cancel never answered as cancelled, show the update whose
    answer was lost."""
    if entry.status is not JournalStatus.DONE or profile.id is None:
        return
    if entry.operation in (
        Operation.GEIDEA_INVOICE_CREATE,
        Operation.GEIDEA_INVOICE_QUICK_CREATE,
    ):
        geidea_invoices.record_found(store, profile.id, entry.request, result)
        return
    if entry.operation == Operation.GEIDEA_INVOICE_UPDATE:
        geidea_invoices.update_found(store, profile.id, entry.request, result)
        return
    if entry.operation == Operation.INVOICE_CANCEL:
        cancelled = store.find_invoice(profile.id, entry.reference)
        if cancelled is not None:
            store.upsert_invoice(replace(cancelled, status="cancelled"))
        return
    if entry.operation != Operation.INVOICE_CREATE or not result.get("invoice_id"):
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
    now: datetime | None = None,
) -> list[Reconciled]:
    """Reconcile every unresolved entry (oldest first), except requests still in flight.
    Each entry's reader is asked on its own: one that cannot be asked does not stop the rest."""
    entries = [e for e in store.journal_unresolved() if not in_flight(e.id)]
    done: list[Reconciled] = []
    for index, entry in enumerate(entries):
        if cancel is not None and cancel.is_set():
            break
        done.append(reconcile_entry(store, pool, entry, cancel=cancel, now=now))
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
