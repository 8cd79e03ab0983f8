"""Invoice use cases: create at the gateway (journalled), cancel, refresh statuses.

The invoice's ``cart_id`` is its merchant reference: one cart_id is one invoice *of one
merchant* (two merchants may both have "INV-0001"). The journal subject is the profile and the
cart_id, so a create whose outcome is unknown blocks a second create of the same invoice of the
same merchant until reconciliation has found out whether the first one arrived.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from clickpay_desk.core.invoice import Invoice
from clickpay_desk.core.profile import Profile
from clickpay_desk.core.rules import raise_if
from clickpay_desk.gateway.batch_reads import BatchReadReport, run_reads
from clickpay_desk.gateway.clickpay import positive_id
from clickpay_desk.gateway.models import InvoiceCreated, InvoiceStatus
from clickpay_desk.store.database import Store
from clickpay_desk.store.records import InvoiceRecord, JournalStatus

from .clients import ClientPool
from .journal import UnresolvedAttempt, run_journalled
from .operations import Operation
from .preconditions import created_remote_id, saved_profile_id

CREATE = Operation.INVOICE_CREATE
CANCEL = Operation.INVOICE_CANCEL


class AlreadyCreated(Exception):
    """The invoice with this cart_id was already created at the gateway."""

    def __init__(self, cart_id: str, invoice_id: str | None) -> None:
        self.cart_id = cart_id
        self.invoice_id = invoice_id
        super().__init__(
            f"The invoice “{cart_id}” was already created"
            + (f" (invoice {invoice_id})." if invoice_id else ".")
            + " Give a new invoice its own cart id."
        )


def subject_of(cart_id: str, profile_id: int | None = None) -> str:
    """The journal subject of the invoice ``cart_id`` of the merchant ``profile_id``.

    Without ``profile_id`` the subject names the cart id alone (what journals written before
    subjects were scoped hold); every invoice action of this module passes the profile.
    """
    return f"invoice:{cart_id}" if profile_id is None else f"invoice:{profile_id}:{cart_id}"


def _not_blocked_by_older_journal(
    store: Store, profile_id: int, cart_id: str, operation: Operation
) -> None:
    """An unresolved attempt journalled before subjects named the profile still blocks."""
    blocking = store.journal_blocking(subject_of(cart_id), operation, profile_id=profile_id)
    if blocking is not None:
        raise UnresolvedAttempt(blocking)


def refuse_if_created(
    store: Store,
    profile_id: int,
    operation: Operation,
    subjects: Iterable[str],
    reference: str,
    id_key: str,
) -> None:
    """A reference is created once: refused when its last create under any of ``subjects`` is
    done (``id_key`` names, in that entry's result, what the gateway created)."""
    for subject in subjects:
        last = store.journal_last(subject, operation, profile_id=profile_id)
        if last is not None and last.status is JournalStatus.DONE:
            raise AlreadyCreated(reference, (last.result or {}).get(id_key))


def create_invoice(
    store: Store,
    pool: ClientPool,
    profile: Profile,
    invoice: Invoice,
    *,
    now: datetime | None = None,
    cancel: threading.Event | None = None,
) -> InvoiceRecord:
    """Validate, journal, send once, and keep the created invoice locally."""
    profile_id = saved_profile_id(profile)
    raise_if(invoice.problems(now or datetime.now(UTC)))
    subject = subject_of(invoice.cart_id, profile_id)

    def not_created_yet() -> None:
        # Also under the subject older journals named it by.
        named = (subject, subject_of(invoice.cart_id))
        refuse_if_created(store, profile_id, CREATE, named, invoice.cart_id, "invoice_id")
        _not_blocked_by_older_journal(store, profile_id, invoice.cart_id, CREATE)

    payload = invoice.to_wire(profile_id=int(profile.merchant_id))
    client = pool.clickpay(profile)
    created: InvoiceCreated = run_journalled(
        store,
        profile_id=profile_id,
        operation=CREATE,
        subject=subject,
        reference=invoice.cart_id,
        request=payload,
        call=lambda: client.create_invoice(payload, cancel=cancel),
        summarize=lambda c: {"invoice_id": c.invoice_id, "invoice_link": c.invoice_link},
        check=not_created_yet,  # atomically with journalling: a worker may have just created it
    )
    return store.upsert_invoice(
        InvoiceRecord(
            id=None,
            profile_id=profile_id,
            gateway=profile.gateway,
            cart_id=invoice.cart_id,
            remote_id=created.invoice_id,
            link=created.invoice_link,
            currency=invoice.currency,
            amount=invoice.cart_amount,
            status="pending",
            payload=payload,
        )
    )


def cancel_invoice(
    store: Store,
    pool: ClientPool,
    profile: Profile,
    record: InvoiceRecord,
    *,
    cancel: threading.Event | None = None,
) -> InvoiceRecord:
    """Cancel a created invoice (journalled; the gateway refuses a paid one)."""
    remote_id = positive_id(created_remote_id(record), "invoice_id")  # refused before journalling
    profile_id = saved_profile_id(profile)
    client = pool.clickpay(profile)
    run_journalled(
        store,
        profile_id=profile_id,
        operation=CANCEL,
        check=lambda: _not_blocked_by_older_journal(store, profile_id, record.cart_id, CANCEL),
        subject=subject_of(record.cart_id, profile_id),
        reference=remote_id,
        request={"invoice_id": remote_id},
        call=lambda: client.cancel_invoice(remote_id, cancel=cancel),
        summarize=lambda message: {"message": message},
    )
    return store.upsert_invoice(replace(record, status="cancelled"))


def refresh_statuses(
    store: Store,
    pool: ClientPool,
    profile: Profile,
    records: Sequence[InvoiceRecord],
    *,
    progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
    concurrency: int = 8,
) -> BatchReadReport[InvoiceRecord, InvoiceStatus]:
    """Ask the gateway for each invoice's status, a few at a time; store what changed."""
    client = pool.clickpay(profile)
    report = run_reads(
        [r for r in records if r.remote_id is not None],
        lambda record: client.invoice_status(created_remote_id(record), cancel=cancel),
        concurrency=concurrency,
        progress=progress,
        cancel=cancel,
    )
    for item in report.results:
        if item.value is not None and item.value.status != item.item.status:
            store.upsert_invoice(replace(item.item, status=item.value.status))
    return report
