"""The projected schedule of a repeat-billing agreement: which payment falls due when, for how much.

Shape of a schedule (numbers follow reference 002, where the "first installment" is the first
payment *after* the initial one):

* number 0, :attr:`InstallmentKind.INITIAL`: ``initial_amount`` on ``start``, the day the
  agreement is made (the payment-request day);
* numbers 1..``repeat_terms``, :attr:`InstallmentKind.REPEAT`: ``repeat_amount``; number 1 on
  ``first_installment_due_date`` (the *anchor*), number k on anchor + (k − 1) × ``repeat_every``
  periods;
* number ``repeat_terms`` + 1, :attr:`InstallmentKind.FINAL`: ``final_amount``, when there is
  one, as its own payment one interval after the last repeat ("a final amount after completing
  the whole agreement payments"); it neither replaces nor adds to the last repeat.

Open-ended agreements (``repeat_terms`` = 0) have no end and no final payment; they are projected
up to ``horizon`` (inclusive) and/or ``max_count`` entries, and one of the two is required.
Every schedule stops at the calendar's last day (31 December 9999): the reference sets no limit
on ``repeat_every`` or ``repeat_terms``, and a date past it cannot even be represented.

Month-end rule: monthly dates are always computed from the anchor, never from the previous
installment, and a day the month does not have is clamped to its last day. An anchor of
31 January gives 28 February (29 in a leap year), 31 March, 30 April, 31 May, ...: the day
never drifts down after a short month. Daily and weekly dates are plain day arithmetic.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from .agreement import Agreement, RepeatPeriod
from .money import quantize
from .rules import ValidationError


class InstallmentKind(StrEnum):
    INITIAL = "initial"
    REPEAT = "repeat"
    FINAL = "final"


@dataclass(frozen=True)
class Installment:
    """One projected payment: 0 is the initial payment, 1.. the repeats, then the final one."""

    number: int
    due_date: date
    amount: Decimal
    currency: str
    kind: InstallmentKind


def add_months(anchor: date, months: int) -> date:
    """``anchor`` moved by ``months`` calendar months, clamping the day to the month's last day."""
    years, month_index = divmod(anchor.month - 1 + months, 12)
    year = anchor.year + years
    month = month_index + 1
    return date(year, month, min(anchor.day, calendar.monthrange(year, month)[1]))


def repeat_due_date(agreement: Agreement, number: int) -> date:
    """Due date of repeat installment ``number`` (1 = ``first_installment_due_date``).

    ``number`` may run past ``repeat_terms``: ``repeat_terms`` + 1 is where the final payment
    falls.
    """
    if number < 1:
        raise ValueError("repeat installments are numbered from 1")
    steps = (number - 1) * agreement.repeat_every
    anchor = agreement.first_installment_due_date
    if agreement.repeat_period is RepeatPeriod.DAY:
        return anchor + timedelta(days=steps)
    if agreement.repeat_period is RepeatPeriod.WEEK:
        return anchor + timedelta(weeks=steps)
    return add_months(anchor, steps)


def iter_schedule(agreement: Agreement, start: date) -> Iterator[Installment]:
    """Every installment in date order; endless for an open-ended agreement (up to 9999)."""
    if start >= agreement.first_installment_due_date:
        raise ValidationError.single(
            "start",
            "the initial payment must come before first_installment_due_date "
            f"({agreement.first_installment_due_date.isoformat()})",
            start.isoformat(),
        )
    currency = agreement.currency
    yield Installment(0, start, agreement.initial_amount, currency, InstallmentKind.INITIAL)
    number = 1
    while agreement.is_open_ended or number <= agreement.repeat_terms:
        due = _due_date(agreement, number)
        if due is None:
            return
        yield Installment(number, due, agreement.repeat_amount, currency, InstallmentKind.REPEAT)
        number += 1
    if agreement.final_amount is None:
        return
    due = _due_date(agreement, number)
    if due is not None:
        yield Installment(number, due, agreement.final_amount, currency, InstallmentKind.FINAL)


def _due_date(agreement: Agreement, number: int) -> date | None:
    """:func:`repeat_due_date`, or None once it would fall after 31 December 9999."""
    try:
        return repeat_due_date(agreement, number)
    except (OverflowError, ValueError):  # timedelta/date out of range, or a year past 9999
        return None


def project_schedule(
    agreement: Agreement,
    start: date,
    *,
    horizon: date | None = None,
    max_count: int | None = None,
) -> list[Installment]:
    """The installments of ``agreement`` made on ``start``, up to ``horizon`` and ``max_count``.

    ``horizon`` is inclusive (installments due on it are listed); ``max_count`` caps the length
    of the list, the initial payment included. A finite agreement needs neither; an open-ended
    one needs at least one of them (``ValueError`` otherwise). ``start`` must be before
    ``first_installment_due_date`` (``ValidationError`` naming ``start`` otherwise).
    """
    if max_count is not None and max_count < 0:
        raise ValueError("max_count must not be negative")
    if agreement.is_open_ended and horizon is None and max_count is None:
        raise ValueError("an open-ended agreement (repeat_terms 0) needs a horizon or max_count")
    result: list[Installment] = []
    installments = iter_schedule(agreement, start)  # checks ``start`` on first next()
    for installment in installments:
        if max_count is not None and len(result) >= max_count:
            break
        if horizon is not None and installment.due_date > horizon:
            break
        result.append(installment)
    return result


def next_installment(agreement: Agreement, start: date, after: date) -> Installment | None:
    """The first installment due strictly after ``after``, or ``None`` when none is left."""
    for installment in iter_schedule(agreement, start):
        if installment.due_date > after:
            return installment
    return None


def schedule_total(installments: Iterable[Installment]) -> Decimal:
    """Sum of the amounts, at the installments' currency (``Decimal(0)`` for none)."""
    total = Decimal(0)
    currency: str | None = None
    for installment in installments:
        if currency is not None and installment.currency != currency:
            raise ValueError(f"cannot add {installment.currency} to {currency}")
        currency = installment.currency
        total += installment.amount
    return quantize(total, currency) if currency is not None else total


__all__ = [
    "Installment",
    "InstallmentKind",
    "add_months",
    "iter_schedule",
    "next_installment",
    "project_schedule",
    "repeat_due_date",
    "schedule_total",
]
