"""The local database (drafts, invoices, agreements, batches, the submission journal, settings
that are not secrets). No Qt."""

from .database import JournalStateError, NotFound, Store, StoreClosed, StoreError
from .records import (
    AgreementRecord,
    BatchEntryRecord,
    BatchRecord,
    Draft,
    InvoiceRecord,
    JournalEntry,
    JournalStatus,
)
from .writer import StoreWriter

__all__ = [
    "AgreementRecord",
    "BatchEntryRecord",
    "BatchRecord",
    "Draft",
    "InvoiceRecord",
    "JournalEntry",
    "JournalStateError",
    "JournalStatus",
    "NotFound",
    "Store",
    "StoreClosed",
    "StoreError",
    "StoreWriter",
]
