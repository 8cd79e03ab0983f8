"""The journal's operation names: every request that creates or moves money, named once.

Each value is what the journal stores (``journal.operation``); ``text`` is how a sentence names
it ("the last attempt to create the invoice …"). Services, reconciliation, the Activity view and
its export all use these, never bare strings.
"""

from __future__ import annotations

from enum import StrEnum


class Operation(StrEnum):
    INVOICE_CREATE = "invoice.create"
    INVOICE_CANCEL = "invoice.cancel"
    INVOICE_REFUND = "invoice.refund"
    GEIDEA_INVOICE_CREATE = "geidea.invoice.create"
    GEIDEA_INVOICE_QUICK_CREATE = "geidea.invoice.quick_create"
    GEIDEA_INVOICE_UPDATE = "geidea.invoice.update"
    GEIDEA_INVOICE_DELETE = "geidea.invoice.delete"
    AGREEMENT_REQUEST = "agreement.request"
    AGREEMENT_CANCEL = "agreement.cancel"
    PAYOUT_BATCH_NEW = "payout.batch.new"
    PAYOUT_BATCH_ADD = "payout.batch.add"
    PAYOUT_BATCH_CLOSE = "payout.batch.close"

    @property
    def text(self) -> str:
        return _TEXT[self]


_TEXT: dict[Operation, str] = {
    Operation.INVOICE_CREATE: "create the invoice",
    Operation.INVOICE_CANCEL: "cancel the invoice",
    Operation.INVOICE_REFUND: "refund the invoice's payment",
    Operation.GEIDEA_INVOICE_CREATE: "create the Geidea invoice",
    Operation.GEIDEA_INVOICE_QUICK_CREATE: "create the Geidea quick invoice",
    Operation.GEIDEA_INVOICE_UPDATE: "update the Geidea invoice",
    Operation.GEIDEA_INVOICE_DELETE: "delete the Geidea invoice",
    Operation.AGREEMENT_REQUEST: "request the agreement's first payment",
    Operation.AGREEMENT_CANCEL: "cancel the agreement",
    Operation.PAYOUT_BATCH_NEW: "create the payout batch",
    Operation.PAYOUT_BATCH_ADD: "add entries to the payout batch",
    Operation.PAYOUT_BATCH_CLOSE: "submit the payout batch",
}


def describe(operation: str) -> str:
    """The words for a stored operation name; an unknown name is shown as it is."""
    try:
        return Operation(operation).text
    except ValueError:
        return operation
