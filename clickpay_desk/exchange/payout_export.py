"""A payout batch out: its entries with status, fee, total and the gateway's message, as XLSX
(with a summary sheet and the batch's own line) or CSV (the entries only).

Written by ``exchange.sheet``: typed numbers with the currency's decimals, real dates, frozen
header, filters, widths, and text beginning with ``= + - @`` kept as text (a beneficiary named
"=HYPERLINK(...)" stays a name). The request payload is read field by field: only the listed
columns are exported.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import Any

from clickpay_desk.core.money import EXACT
from clickpay_desk.core.payout import TRANSFER_CODES
from clickpay_desk.store.records import BatchEntryRecord, BatchRecord

from .sheet import Column, Kind, SheetSpec, write_csv, write_xlsx

__all__ = [
    "BATCH_TITLE",
    "ENTRIES_TITLE",
    "SUMMARY_TITLE",
    "batch_columns",
    "entry_columns",
    "entry_row",
    "export_batch",
    "summary_rows",
]

ENTRIES_TITLE = "Entries"
SUMMARY_TITLE = "Summary"
BATCH_TITLE = "Batch"

#: Payload fields in the order of reference 004's field table, with their column headings.
_PAYLOAD_COLUMNS: tuple[tuple[str, str], ...] = (
    ("merchant_reference", "Merchant reference"),
    ("beneficiary_name", "Beneficiary name"),
    ("beneficiary_country", "Country"),
    ("beneficiary_account_number", "IBAN"),
    ("beneficiary_bank", "Bank"),
    ("beneficiary_bank_branch", "Bank branch"),
    ("beneficiary_email", "E-mail"),
    ("beneficiary_mobile_number", "Mobile"),
    ("beneficiary_address1", "Address 1"),
    ("beneficiary_address2", "Address 2"),
)
# Statuses of the reference's query, shown first and in this order in the summary.
_STATUS_ORDER = ("Paid", "Processed", "Pending", "Failed", "Rejected")


def entry_columns(currency: str) -> tuple[Column, ...]:
    """The columns of the entries sheet; amounts carry ``currency``'s decimals."""
    return (
        Column("Row", Kind.INTEGER),
        Column("Entry id"),
        *(Column(heading) for _, heading in _PAYLOAD_COLUMNS),
        Column("Transfer code", Kind.INTEGER),
        Column("Transfer purpose"),
        Column("Currency"),
        Column("Amount", Kind.MONEY, currency_of=currency),
        Column("Fee", Kind.MONEY, currency_of=currency),
        Column("Total", Kind.MONEY, currency_of=currency),
        Column("Status"),
        Column("Gateway message"),
        Column("Updated", Kind.DATETIME),
    )


def batch_columns(currency: str) -> tuple[Column, ...]:
    return (
        Column("Order id"),
        Column("Gateway batch id"),
        Column("Status"),
        Column("Currency"),
        Column("Entries", Kind.INTEGER),
        Column("Total", Kind.MONEY, currency_of=currency),
        Column("Created", Kind.DATETIME),
        Column("Updated", Kind.DATETIME),
    )


def summary_columns(currency: str) -> tuple[Column, ...]:
    return (
        Column("Status"),
        Column("Entries", Kind.INTEGER),
        Column("Amount", Kind.MONEY, currency_of=currency),
        Column("Fee", Kind.MONEY, currency_of=currency),
        Column("Total", Kind.MONEY, currency_of=currency),
    )


def entry_row(entry: BatchEntryRecord, currency: str) -> tuple[object, ...]:
    """One entry as a row of :func:`entry_columns`."""
    payload = entry.payload
    code = _transfer_code(payload.get("transfer_code"))
    return (
        entry.row,
        _text(entry.remote_entry_id),
        *(_text(payload.get(name)) for name, _ in _PAYLOAD_COLUMNS),
        code,
        TRANSFER_CODES.get(code, "") if code is not None else _text(payload.get("transfer_code")),
        currency,
        entry.amount,
        entry.fee,
        entry.total,
        entry.status,
        _text(entry.protocol_message),
        entry.updated_at,
    )


def summary_rows(entries: Iterable[BatchEntryRecord]) -> list[tuple[object, ...]]:
    """Per status: entries, amount, fee, total; then all entries. Known statuses first."""
    sums: dict[str, list[Any]] = {}
    overall: list[Any] = [0, Decimal(0), Decimal(0), Decimal(0)]
    for entry in entries:
        line = sums.setdefault(entry.status, [0, Decimal(0), Decimal(0), Decimal(0)])
        for target in (line, overall):
            target[0] += 1
            target[1] = EXACT.add(target[1], entry.amount)
            target[2] = EXACT.add(target[2], entry.fee or 0)
            target[3] = EXACT.add(target[3], entry.total if entry.total is not None else 0)
    order = [s for s in _STATUS_ORDER if s in sums] + sorted(set(sums) - set(_STATUS_ORDER))
    rows: list[tuple[object, ...]] = [(status, *sums[status]) for status in order]
    rows.append(("All entries", *overall))
    return rows


def export_batch(
    path: Path | str,
    batch: BatchRecord,
    entries: Sequence[BatchEntryRecord],
    *,
    tz: tzinfo | None = None,
) -> Path:
    """Write the batch to ``path``: XLSX (entries, summary, batch sheets) or CSV (entries),
    chosen by the suffix; times in ``tz`` (None: the local zone). Atomic: a failure leaves no
    half file and the previous file intact."""
    target = Path(path)
    currency = batch.currency
    columns = entry_columns(currency)
    rows = (entry_row(entry, currency) for entry in entries)
    suffix = target.suffix.lower()
    if suffix == ".csv":
        return write_csv(target, columns, rows, tz=tz)
    if suffix != ".xlsx":
        raise ValueError(f"cannot export to “{target.name}”: choose a .xlsx or .csv file")
    batch_line = (
        batch.order_id,
        _text(batch.remote_batch_id),
        batch.status,
        currency,
        batch.count,
        batch.total,
        batch.created_at,
        batch.updated_at,
    )
    return write_xlsx(
        target,
        [
            SheetSpec(ENTRIES_TITLE, columns, rows),
            SheetSpec(SUMMARY_TITLE, summary_columns(currency), summary_rows(entries)),
            SheetSpec(BATCH_TITLE, batch_columns(currency), [batch_line]),
        ],
        tz=tz,
    )


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    text = str(value)
    return text if text else None


def _transfer_code(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    return None
