"""The Agreements tab's export: one sheet of agreements, one of installments, as XLSX.

Same rules as every export (``exchange.sheet``): amounts at their currency's decimals, real
dates, text never read as a formula, written atomically. Only the listed columns are written:
no request body, callback body or signature leaves the desk this way.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from .sheet import Column, Kind, SheetSpec, write_xlsx

if TYPE_CHECKING:
    from clickpay_desk.services.agreements import AgreementView

AGREEMENTS_TITLE = "Agreements"
INSTALLMENTS_TITLE = "Installments"

AGREEMENT_COLUMNS: tuple[Column, ...] = (
    Column("Cart id"),
    Column("Agreement id"),
    Column("Description"),
    Column("Customer"),
    Column("Email"),
    Column("Status"),
    Column("Currency"),
    Column("Initial", Kind.MONEY, currency_of=6),
    Column("Repeat", Kind.MONEY, currency_of=6),
    Column("Final", Kind.MONEY, currency_of=6),
    Column("Repeats"),
    Column("Every"),
    Column("First installment", Kind.DATE),
    Column("Collected", Kind.MONEY, currency_of=6),
    Column("Still to collect", Kind.MONEY, currency_of=6),
    Column("Failed", Kind.MONEY, currency_of=6),
    Column("Next due", Kind.DATE),
    Column("Created", Kind.DATETIME),
    Column("Cancel answer"),
)

INSTALLMENT_COLUMNS: tuple[Column, ...] = (
    Column("Cart id"),
    Column("Agreement id"),
    Column("Number", Kind.INTEGER),
    Column("Kind"),
    Column("Due", Kind.DATE),
    Column("Currency"),
    Column("Amount", Kind.MONEY, currency_of=5),
    Column("State"),
    Column("Tran ref"),
    Column("Time", Kind.DATETIME),
    Column("Gateway message"),
)


def agreement_row(view: AgreementView) -> tuple[object, ...]:
    agreement = view.agreement
    cancel = view.cancel_info or {}
    cancel_text = " ".join(
        str(part) for part in (cancel.get("message"), cancel.get("trace")) if part
    )
    if agreement is None:
        terms = every = ""
        initial = view.record.initial_amount
        repeat = final = None
        first: date | None = None
    else:
        terms = "until cancelled" if agreement.is_open_ended else str(agreement.repeat_terms)
        every = f"{agreement.repeat_every} {agreement.repeat_period.label}"
        initial, repeat, final = (
            agreement.initial_amount,
            agreement.repeat_amount,
            agreement.final_amount,
        )
        first = agreement.first_installment_due_date
    return (
        view.record.cart_id,
        view.record.agreement_id or "",
        view.description,
        view.customer.get("name", ""),
        view.customer.get("email", ""),
        str(view.status),
        view.currency,
        initial,
        repeat,
        final,
        terms,
        every,
        first,
        view.collected,
        view.to_collect,
        view.failed,
        view.next_due,
        view.record.created_at,
        cancel_text,
    )


def installment_rows(view: AgreementView) -> list[tuple[object, ...]]:
    return [
        (
            view.record.cart_id,
            view.record.agreement_id or "",
            row.number,
            str(row.kind),
            row.due_date,
            row.currency,
            row.amount,
            str(row.state),
            row.tran_ref or "",
            _time(row.time),
            row.message or "",
        )
        for row in view.rows
    ]


def _time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment


def export_agreements(
    views: Sequence[AgreementView], path: Path, *, tz: tzinfo | None = None
) -> Path:
    """Write the agreements and every installment of each to ``path`` (.xlsx)."""
    installments = [row for view in views for row in installment_rows(view)]
    return write_xlsx(
        path,
        [
            SheetSpec(AGREEMENTS_TITLE, AGREEMENT_COLUMNS, [agreement_row(v) for v in views]),
            SheetSpec(INSTALLMENTS_TITLE, INSTALLMENT_COLUMNS, installments),
        ],
        tz=tz,
    )
