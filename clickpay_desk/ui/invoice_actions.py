"""Invoice actions the GUI offers, each one journalled service call run through ``Mutations``."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject

from clickpay_desk.core.invoice import Invoice
from clickpay_desk.core.profile import Profile
from clickpay_desk.services import invoices
from clickpay_desk.store.records import InvoiceRecord

from .context import DeskContext
from .mutations import Mutation, Mutations
from .tasks import TaskContext, TaskHandle


def create_title(cart_id: str) -> str:
    return f"Creating the invoice “{cart_id}”"


def _created(record: InvoiceRecord) -> str:
    return f"invoice {record.remote_id} was created" + (f" ({record.link})" if record.link else "")


class InvoiceActions(QObject):
    def __init__(self, ctx: DeskContext, mutations: Mutations, parent: QObject | None = None):
        super().__init__(parent)
        self._ctx = ctx
        self._mutations = mutations

    def create(
        self,
        profile: Profile,
        invoice: Invoice,
        *,
        on_done: Callable[[InvoiceRecord], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_cancelled: Callable[[str], None] | None = None,
    ) -> TaskHandle:
        """Create ``invoice`` at the gateway of ``profile`` (validated, journalled, sent once)."""
        store, pool = self._ctx.store, self._ctx.pool

        def call(ctx: TaskContext) -> InvoiceRecord:
            return invoices.create_invoice(store, pool, profile, invoice, cancel=ctx.cancelled)

        mutation = Mutation(
            create_title(invoice.cart_id), invoices.CREATE, invoices.subject_of(invoice.cart_id)
        )
        return self._mutations.submit(
            mutation,
            call,
            describe=_created,
            on_done=on_done,
            on_error=on_error,
            on_cancelled=on_cancelled,
        )
