"""The values the local store keeps. Frozen dataclasses; no I/O here.

Conventions: amounts are ``Decimal`` (TEXT in SQLite, never REAL); datetimes are tz-aware UTC;
``dict`` fields are JSON in SQLite, written with every ``Decimal`` as a string and read back with
any JSON number that has a fraction as ``Decimal`` (never ``float``). Remote ids are text (PT2
returns numbers, Geidea UUIDs). ``id`` is the local row id, ``None`` until the store saves the
record. On upsert the store sets ``updated_at`` and keeps the first ``created_at``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from clickpay_desk.core.profile import GatewayKind


def utc_now() -> datetime:
    return datetime.now(UTC)


class JournalStatus(StrEnum):
    """Where a money-moving request stands.

    PENDING: journalled, about to be (or being) sent. DONE / REFUSED: the gateway answered.
    UNKNOWN: it may have reached the gateway but no answer came (timeout, reset, 5xx).
    NOT_DONE: reconciled by a query and found not to have happened.
    """

    PENDING = "pending"
    DONE = "done"
    REFUSED = "refused"
    UNKNOWN = "unknown"
    NOT_DONE = "not_done"

    @property
    def unresolved(self) -> bool:
        """True while nobody knows whether the money moved (PENDING or UNKNOWN)."""
        return self in (JournalStatus.PENDING, JournalStatus.UNKNOWN)


@dataclass(frozen=True)
class JournalEntry:
    """One mutating request to a gateway, recorded before it is sent and after it returns."""

    id: int
    profile_id: int | None
    operation: str  # e.g. "invoice.create", "payout.batch.close"
    subject: str  # what it acts on, e.g. "invoice:cart-1001" or "batch:7"
    reference: str  # the merchant's reference (cart_id, order_id) shown to the user
    request: dict[str, Any]
    status: JournalStatus
    result: dict[str, Any] | None
    error: str | None
    created_at: datetime
    finished_at: datetime | None
    reconciled_at: datetime | None

    @property
    def unresolved(self) -> bool:
        return self.status.unresolved


@dataclass(frozen=True)
class Draft:
    """Unsaved work the UI keeps within a second of each edit (``kind`` e.g. "invoice")."""

    kind: str
    key: str
    data: dict[str, Any]
    updated_at: datetime


@dataclass(frozen=True)
class InvoiceRecord:
    id: int | None
    profile_id: int
    gateway: GatewayKind
    cart_id: str
    remote_id: str | None  # PT2 invoice id / Geidea eInvoiceId once created
    link: str | None
    currency: str
    amount: Decimal
    status: str
    payload: dict[str, Any]
    created_at: datetime = field(default_factory=utc_now)
    updated_at: datetime = field(default_factory=utc_now)


@dataclass(frozen=True)
class AgreementRecord:
    id: int | None
    profile_id: int
    cart_id: str
    tran_ref: str | None
    agreement_id: str | None
    currency: str
    initial_amount: Decimal
    status: str
    payload: dict[str, Any]
    created_at: datetime = field(default_factory=utc_now)
    updated_at: datetime = field(default_factory=utc_now)


@dataclass(frozen=True)
class BatchRecord:
    id: int | None
    profile_id: int
    order_id: str  # the merchant's batch reference
    remote_batch_id: str | None
    currency: str
    status: str
    count: int
    total: Decimal
    created_at: datetime = field(default_factory=utc_now)
    updated_at: datetime = field(default_factory=utc_now)


@dataclass(frozen=True)
class BatchEntryRecord:
    """One payout request of a batch; ``row`` is its 1-based row in the source spreadsheet and is
    unique within the batch."""

    id: int | None
    batch_id: int | None  # upsert_entries(batch_id, ...) sets it
    row: int
    payload: dict[str, Any]
    remote_entry_id: str | None
    amount: Decimal
    fee: Decimal | None
    total: Decimal | None
    status: str
    protocol_message: str | None
    updated_at: datetime = field(default_factory=utc_now)
