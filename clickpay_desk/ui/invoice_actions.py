"""Invoice actions the GUI offers: each money move one journalled service call run through
``Mutations``; reads and sends that move no money through the task runner."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from PySide6.QtCore import QObject

from clickpay_desk.core.geidea_invoice import EInvoice
from clickpay_desk.core.invoice import Invoice
from clickpay_desk.core.money import format_display
from clickpay_desk.core.profile import GatewayKind, Profile
from clickpay_desk.services import geidea_invoices, invoices, refunds
from clickpay_desk.services.clients import ClientPool
from clickpay_desk.services.operations import Operation
from clickpay_desk.services.sandbox_demo import import_demo_invoices
from clickpay_desk.store.database import Store
from clickpay_desk.store.records import InvoiceRecord

from .context import DeskContext
from .mutations import Mutation, Mutations
from .tasks import TaskContext, TaskHandle, TaskKind

T = TypeVar("T")
Done = Callable[[T], None] | None
Failed = Callable[[BaseException], None] | None
Stopped = Callable[[str], None] | None
#: One journalled service call: ``send(store, pool, cancel)``.
Send = Callable[[Store, ClientPool, threading.Event], T]


def create_title(cart_id: str) -> str:
    return f"Creating the invoice “{cart_id}”"


def _created(record: InvoiceRecord) -> str:
    return f"invoice {record.remote_id} was created" + (f" ({record.link})" if record.link else "")


def _named(record: InvoiceRecord) -> str:
    return f"“{record.cart_id}” ({format_display(record.amount, record.currency)})"


def _geidea_subject(reference: str, profile: Profile) -> str:
    assert profile.id is not None  # a Geidea invoice belongs to a saved profile
    return geidea_invoices.subject_of(reference, profile.id)


class InvoiceActions(QObject):
    def __init__(self, ctx: DeskContext, mutations: Mutations, parent: QObject | None = None):
        super().__init__(parent)
        self._ctx = ctx
        self._mutations = mutations

    def _move(
        self,
        mutation: Mutation,
        send: Send[T],
        describe: Callable[[T], str],
        on_done: Done[T],
        on_error: Failed,
        on_cancelled: Stopped,
    ) -> TaskHandle:
        """Run ``send`` on a worker as ``mutation``, so ``Mutations`` can tell, from the journal
        the service writes, what a cancel did and did not send."""
        store, pool = self._ctx.store, self._ctx.pool
        return self._mutations.submit(
            mutation,
            lambda ctx: send(store, pool, ctx.cancelled),
            describe=describe,
            on_done=on_done,
            on_error=on_error,
            on_cancelled=on_cancelled,
        )

    # -- ClickPay ------------------------------------------------------------------------------

    def create(
        self,
        profile: Profile,
        invoice: Invoice,
        *,
        on_done: Done[InvoiceRecord] = None,
        on_error: Failed = None,
        on_cancelled: Stopped = None,
    ) -> TaskHandle:
        """Create ``invoice`` at the gateway of ``profile`` (validated, journalled, sent once)."""
        return self._move(
            Mutation(
                create_title(invoice.cart_id),
                invoices.CREATE,
                invoices.subject_of(invoice.cart_id, profile.id),
            ),
            lambda store, pool, cancel: invoices.create_invoice(
                store, pool, profile, invoice, cancel=cancel
            ),
            _created,
            on_done,
            on_error,
            on_cancelled,
        )

    def cancel(
        self,
        profile: Profile,
        record: InvoiceRecord,
        *,
        on_done: Done[InvoiceRecord] = None,
        on_error: Failed = None,
        on_cancelled: Stopped = None,
    ) -> TaskHandle:
        return self._move(
            Mutation(
                f"Cancelling the invoice {_named(record)}",
                invoices.CANCEL,
                invoices.subject_of(record.cart_id, profile.id),
            ),
            lambda store, pool, cancel: invoices.cancel_invoice(
                store, pool, profile, record, cancel=cancel
            ),
            lambda r: f"invoice {r.remote_id} is cancelled",
            on_done,
            on_error,
            on_cancelled,
        )

    def refund(
        self,
        profile: Profile,
        record: InvoiceRecord,
        amount: Decimal,
        *,
        reason: str = "",
        on_done: Done[refunds.Refund] = None,
        on_error: Failed = None,
        on_cancelled: Stopped = None,
    ) -> TaskHandle:
        return self._move(
            Mutation(
                f"Refunding {format_display(amount, record.currency)} of the invoice "
                f"“{record.cart_id}”",
                Operation.INVOICE_REFUND,
                invoices.subject_of(record.cart_id, profile.id),
            ),
            lambda store, pool, cancel: refunds.refund_invoice(
                store, pool, profile, record, amount, reason=reason, cancel=cancel
            ),
            lambda r: f"refund {r.tran_ref}: {r.message}",
            on_done,
            on_error,
            on_cancelled,
        )

    # -- Geidea --------------------------------------------------------------------------------

    def create_geidea(
        self,
        profile: Profile,
        invoice: EInvoice,
        *,
        on_done: Done[InvoiceRecord] = None,
        on_error: Failed = None,
        on_cancelled: Stopped = None,
    ) -> TaskHandle:
        # The reference is fixed here, so the Mutation and the journal name the same subject.
        if not invoice.merchant_reference_id:
            invoice = replace(invoice, merchant_reference_id=geidea_invoices.new_reference())
        reference = invoice.merchant_reference_id or ""
        return self._move(
            Mutation(
                create_title(reference),
                Operation.GEIDEA_INVOICE_CREATE,
                _geidea_subject(reference, profile),
            ),
            lambda store, pool, cancel: geidea_invoices.create_einvoice(
                store, pool, profile, invoice, cancel=cancel
            ),
            _created,
            on_done,
            on_error,
            on_cancelled,
        )

    def quick_geidea(
        self,
        profile: Profile,
        *,
        amount: Decimal,
        currency: str,
        customer: Mapping[str, Any],
        reference: str,
        expiry: date | None,
        on_done: Done[InvoiceRecord] = None,
        on_error: Failed = None,
        on_cancelled: Stopped = None,
    ) -> TaskHandle:
        return self._move(
            Mutation(
                f"Creating the quick invoice “{reference}” ({format_display(amount, currency)})",
                Operation.GEIDEA_INVOICE_QUICK_CREATE,
                _geidea_subject(reference, profile),
            ),
            lambda store, pool, cancel: geidea_invoices.quick_create(
                store,
                pool,
                profile,
                amount=amount,
                currency=currency,
                customer=customer,
                reference=reference,
                expiry=expiry,
                cancel=cancel,
            ),
            _created,
            on_done,
            on_error,
            on_cancelled,
        )

    def update_geidea(
        self,
        profile: Profile,
        record: InvoiceRecord,
        invoice: EInvoice,
        *,
        on_done: Done[InvoiceRecord] = None,
        on_error: Failed = None,
        on_cancelled: Stopped = None,
    ) -> TaskHandle:
        return self._move(
            Mutation(
                f"Updating the invoice “{record.cart_id}”",
                Operation.GEIDEA_INVOICE_UPDATE,
                _geidea_subject(record.cart_id, profile),
            ),
            lambda store, pool, cancel: geidea_invoices.update_einvoice(
                store, pool, profile, record, invoice, cancel=cancel
            ),
            lambda r: f"invoice {r.remote_id} was updated",
            on_done,
            on_error,
            on_cancelled,
        )

    def delete_geidea(
        self,
        profile: Profile,
        record: InvoiceRecord,
        *,
        on_done: Done[InvoiceRecord] = None,
        on_error: Failed = None,
        on_cancelled: Stopped = None,
    ) -> TaskHandle:
        return self._move(
            Mutation(
                f"Deleting the invoice {_named(record)}",
                Operation.GEIDEA_INVOICE_DELETE,
                _geidea_subject(record.cart_id, profile),
            ),
            lambda store, pool, cancel: geidea_invoices.delete_einvoice(
                store, pool, profile, record, cancel=cancel
            ),
            lambda r: f"invoice {r.remote_id} was deleted",
            on_done,
            on_error,
            on_cancelled,
        )

    def send_geidea(
        self,
        profile: Profile,
        record: InvoiceRecord,
        channel: str,
        *,
        on_done: Done[InvoiceRecord] = None,
        on_error: Failed = None,
    ) -> TaskHandle:
        """Send the link by "email" or "sms" (moves no money: the runner, not Mutations)."""
        store, pool = self._ctx.store, self._ctx.pool
        word = "e-mail" if channel == "email" else "SMS"
        return self._ctx.runner.submit(
            lambda ctx: geidea_invoices.send(
                store, pool, profile, record, channel, cancel=ctx.cancelled
            ),
            title=f"Sending the invoice “{record.cart_id}” by {word}",
            on_done=on_done,
            on_error=on_error,
        )

    # -- reads ---------------------------------------------------------------------------------

    def refresh(
        self,
        profile: Profile,
        records: Sequence[InvoiceRecord],
        *,
        search: bool = False,
        on_done: Done[int] = None,
        on_error: Failed = None,
        on_progress: Callable[[int, int, str], None] | None = None,
        on_cancelled: Callable[[], None] | None = None,
    ) -> TaskHandle:
        """Ask the gateway for each invoice's status, a few at a time (and, for Geidea with
        ``search``, list what its search finds). ``on_done`` gets how many reads failed."""
        store, pool = self._ctx.store, self._ctx.pool
        sandbox_url = self._ctx.sandbox_url

        def work(ctx: TaskContext) -> int:
            def progress(done: int, total: int) -> None:
                ctx.progress(done, total, f"{done} of {total} invoices checked")

            if profile.gateway is GatewayKind.GEIDEA:
                if search:
                    geidea_invoices.search_all(store, pool, profile, cancel=ctx.cancelled)
                report = geidea_invoices.refresh_statuses(
                    store, pool, profile, records, progress=progress, cancel=ctx.cancelled
                )
                ctx.check_cancelled()  # stopped: what was read is kept, and the GUI says so
                return len(report.failed)
            if search:
                import_demo_invoices(store, profile, sandbox_url)
            cp_report = invoices.refresh_statuses(
                store, pool, profile, records, progress=progress, cancel=ctx.cancelled
            )
            refunds.remember_payments(store, cp_report)
            ctx.check_cancelled()
            return len(cp_report.failed)

        count = len(records)
        return self._ctx.runner.submit(
            work,
            title=f"Checking {count} invoice{'s' if count != 1 else ''}",
            kind=TaskKind.NETWORK,
            on_done=on_done,
            on_error=on_error,
            on_progress=on_progress,
            on_cancelled=on_cancelled,
        )
