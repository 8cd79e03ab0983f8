"""Projected repeat-billing schedules: dates, amounts, month ends, open-ended horizons, totals."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clickpay_desk.core.agreement import Agreement, RepeatPeriod
from clickpay_desk.core.rules import ValidationError
from clickpay_desk.core.schedule import (
    Installment,
    InstallmentKind,
    add_months,
    iter_schedule,
    next_installment,
    project_schedule,
    repeat_due_date,
    schedule_total,
)


def agreement(
    *,
    period: RepeatPeriod = RepeatPeriod.MONTH,
    every: int = 1,
    terms: int = 3,
    due: date = date(2025, 2, 1),
    initial: str = "100.00",
    repeat: str = "50.00",
    final: str | None = None,
    currency: str = "SAR",
) -> Agreement:
    return Agreement(
        description="Plan",
        currency=currency,
        initial_amount=Decimal(initial),
        repeat_amount=Decimal(repeat),
        final_amount=None if final is None else Decimal(final),
        repeat_terms=terms,
        repeat_period=period,
        repeat_every=every,
        first_installment_due_date=due,
    )


def dates(installments: list[Installment]) -> list[date]:
    return [i.due_date for i in installments]


def test_reference_sample_schedule_every_two_days_with_a_final_payment() -> None:
    # 002 sample: 1.01 now, 2 repeats of 1.01 every 2 days from 22/05/2024, final 1.01.
    sample = agreement(
        period=RepeatPeriod.DAY,
        every=2,
        terms=2,
        due=date(2024, 5, 22),
        initial="1.01",
        repeat="1.01",
        final="1.01",
    )
    schedule = project_schedule(sample, date(2024, 5, 20))
    assert [(i.number, i.due_date, i.amount, i.kind) for i in schedule] == [
        (0, date(2024, 5, 20), Decimal("1.01"), InstallmentKind.INITIAL),
        (1, date(2024, 5, 22), Decimal("1.01"), InstallmentKind.REPEAT),
        (2, date(2024, 5, 24), Decimal("1.01"), InstallmentKind.REPEAT),
        (3, date(2024, 5, 26), Decimal("1.01"), InstallmentKind.FINAL),
    ]
    assert schedule_total(schedule) == Decimal("4.04") == sample.total


def test_daily_schedule() -> None:
    daily = agreement(period=RepeatPeriod.DAY, terms=3, due=date(2024, 12, 30))
    assert dates(project_schedule(daily, date(2024, 12, 29))) == [
        date(2024, 12, 29),
        date(2024, 12, 30),
        date(2024, 12, 31),
        date(2025, 1, 1),
    ]


def test_weekly_schedule_every_two_weeks() -> None:
    weekly = agreement(period=RepeatPeriod.WEEK, every=2, terms=3, due=date(2025, 1, 6))
    assert dates(project_schedule(weekly, date(2025, 1, 1)))[1:] == [
        date(2025, 1, 6),
        date(2025, 1, 20),
        date(2025, 2, 3),
    ]


def test_monthly_schedule_every_three_months_crosses_the_year() -> None:
    quarterly = agreement(every=3, terms=4, due=date(2025, 11, 15))
    assert dates(project_schedule(quarterly, date(2025, 11, 1)))[1:] == [
        date(2025, 11, 15),
        date(2026, 2, 15),
        date(2026, 5, 15),
        date(2026, 8, 15),
    ]


def test_month_end_clamps_and_never_drifts_in_a_common_year() -> None:
    month_end = agreement(terms=6, due=date(2023, 1, 31))
    assert dates(project_schedule(month_end, date(2023, 1, 1)))[1:] == [
        date(2023, 1, 31),
        date(2023, 2, 28),
        date(2023, 3, 31),
        date(2023, 4, 30),
        date(2023, 5, 31),
        date(2023, 6, 30),
    ]


def test_month_end_in_a_leap_year_lands_on_29_february() -> None:
    month_end = agreement(terms=3, due=date(2024, 1, 31))
    assert dates(project_schedule(month_end, date(2024, 1, 10)))[1:] == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
    ]


def test_day_30_keeps_day_30_after_february() -> None:
    thirtieth = agreement(terms=3, due=date(2025, 1, 30))
    assert dates(project_schedule(thirtieth, date(2025, 1, 1)))[1:] == [
        date(2025, 1, 30),
        date(2025, 2, 28),
        date(2025, 3, 30),
    ]


def test_29_february_every_twelve_months_only_returns_to_29_in_leap_years() -> None:
    yearly = agreement(every=12, terms=5, due=date(2024, 2, 29))
    assert dates(project_schedule(yearly, date(2024, 2, 1)))[1:] == [
        date(2024, 2, 29),
        date(2025, 2, 28),
        date(2026, 2, 28),
        date(2027, 2, 28),
        date(2028, 2, 29),
    ]


def test_daily_schedule_counts_29_february() -> None:
    daily = agreement(period=RepeatPeriod.DAY, terms=2, due=date(2024, 2, 28))
    assert dates(project_schedule(daily, date(2024, 2, 1)))[1:] == [
        date(2024, 2, 28),
        date(2024, 2, 29),
    ]


@pytest.mark.parametrize(
    ("anchor", "months", "expected"),
    [
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2024, 1, 31), 13, date(2025, 2, 28)),
        (date(2025, 12, 15), 1, date(2026, 1, 15)),
        (date(2025, 5, 31), 0, date(2025, 5, 31)),
    ],
)
def test_add_months(anchor: date, months: int, expected: date) -> None:
    assert add_months(anchor, months) == expected


def test_final_payment_is_its_own_installment_one_interval_after_the_last_repeat() -> None:
    plan = agreement(terms=2, due=date(2025, 1, 31), final="25.00")
    schedule = project_schedule(plan, date(2025, 1, 1))
    final = schedule[-1]
    assert final.kind is InstallmentKind.FINAL
    assert final.number == 3
    assert final.due_date == date(2025, 3, 31)
    assert final.amount == Decimal("25.00")
    assert schedule[-2].amount == Decimal("50.00")  # the last repeat keeps its own amount
    assert repeat_due_date(plan, 3) == final.due_date


def test_no_final_payment_means_no_final_installment() -> None:
    schedule = project_schedule(agreement(terms=2), date(2025, 1, 1))
    assert [i.kind for i in schedule] == [
        InstallmentKind.INITIAL,
        InstallmentKind.REPEAT,
        InstallmentKind.REPEAT,
    ]


def test_open_ended_agreement_is_projected_up_to_the_horizon_inclusive() -> None:
    forever = agreement(terms=0, due=date(2025, 1, 31))
    schedule = project_schedule(forever, date(2025, 1, 1), horizon=date(2025, 5, 31))
    assert dates(schedule) == [
        date(2025, 1, 1),
        date(2025, 1, 31),
        date(2025, 2, 28),
        date(2025, 3, 31),
        date(2025, 4, 30),
        date(2025, 5, 31),
    ]
    assert all(i.kind is not InstallmentKind.FINAL for i in schedule)


def test_open_ended_agreement_is_projected_up_to_a_count() -> None:
    forever = agreement(period=RepeatPeriod.WEEK, terms=0, due=date(2025, 1, 8))
    schedule = project_schedule(forever, date(2025, 1, 1), max_count=5)
    assert [i.number for i in schedule] == [0, 1, 2, 3, 4]
    assert schedule[-1].due_date == date(2025, 1, 29)


def test_open_ended_agreement_needs_a_horizon_or_a_count() -> None:
    with pytest.raises(ValueError, match="horizon or max_count"):
        project_schedule(agreement(terms=0), date(2025, 1, 1))


def test_horizon_and_count_also_cut_a_finite_schedule() -> None:
    plan = agreement(terms=12, final="1.00")
    assert len(project_schedule(plan, date(2025, 1, 1), horizon=date(2025, 3, 1))) == 3
    assert len(project_schedule(plan, date(2025, 1, 1), max_count=2)) == 2
    assert project_schedule(plan, date(2025, 1, 1), max_count=0) == []
    assert project_schedule(plan, date(2025, 1, 1), horizon=date(2024, 12, 31)) == []


def test_negative_max_count_is_refused() -> None:
    with pytest.raises(ValueError):
        project_schedule(agreement(), date(2025, 1, 1), max_count=-1)


@pytest.mark.parametrize("start", [date(2025, 2, 1), date(2025, 3, 1)])
def test_start_must_come_before_the_first_installment(start: date) -> None:
    with pytest.raises(ValidationError) as caught:
        project_schedule(agreement(due=date(2025, 2, 1)), start)
    assert caught.value.violations[0].field == "start"


def test_repeat_numbers_start_at_one() -> None:
    with pytest.raises(ValueError):
        repeat_due_date(agreement(), 0)


def test_next_installment() -> None:
    plan = agreement(terms=2, due=date(2025, 2, 1), final="5.00")
    start = date(2025, 1, 1)
    assert next_installment(plan, start, date(2024, 12, 31)).number == 0  # type: ignore[union-attr]
    assert next_installment(plan, start, date(2025, 2, 1)).number == 2  # type: ignore[union-attr]
    assert next_installment(plan, start, date(2025, 3, 1)).kind is InstallmentKind.FINAL  # type: ignore[union-attr]
    assert next_installment(plan, start, date(2025, 4, 1)) is None


def test_totals_are_decimal_at_the_currency_decimals() -> None:
    kwd = agreement(currency="KWD", initial="1.250", repeat="0.125", terms=8, final="0.015")
    schedule = project_schedule(kwd, date(2025, 1, 1))
    total = schedule_total(schedule)
    assert isinstance(total, Decimal)
    assert str(total) == "2.265"  # 1.250 + 8 × 0.125 + 0.015
    assert kwd.total == total
    assert agreement(terms=0).total is None
    assert schedule_total([]) == Decimal(0)


def test_schedule_total_refuses_mixed_currencies() -> None:
    sar = project_schedule(agreement(), date(2025, 1, 1))
    usd = project_schedule(agreement(currency="USD"), date(2025, 1, 1))
    with pytest.raises(ValueError):
        schedule_total(sar + usd)


@pytest.mark.parametrize(
    "plan",
    [
        agreement(period=RepeatPeriod.MONTH, every=10**7, terms=2, final="1.00"),
        agreement(period=RepeatPeriod.WEEK, every=10**9, terms=0),
        agreement(period=RepeatPeriod.DAY, every=10**18, terms=5),
    ],
    ids=["months", "weeks-open-ended", "days"],
)
def test_a_schedule_ends_with_the_calendar_instead_of_crashing(plan: Agreement) -> None:
    # Reference 002 sets no limit on repeat_every: the second repeat already falls after 9999.
    schedule = project_schedule(plan, date(2025, 1, 1), max_count=10)
    assert [(i.number, i.due_date) for i in schedule] == [
        (0, date(2025, 1, 1)),
        (1, plan.first_installment_due_date),
    ]
    assert next_installment(plan, date(2025, 1, 1), date(2025, 6, 1)) is None


def test_long_open_ended_projection_is_fast_and_lazy() -> None:
    forever = agreement(period=RepeatPeriod.DAY, terms=0, due=date(2025, 1, 2))
    schedule = project_schedule(forever, date(2025, 1, 1), horizon=date(2054, 12, 31))
    assert len(schedule) == 1 + (date(2054, 12, 31) - date(2025, 1, 2)).days + 1
    endless = iter_schedule(forever, date(2025, 1, 1))
    assert next(endless).kind is InstallmentKind.INITIAL


# --- properties ------------------------------------------------------------------------------

agreements = st.builds(
    agreement,
    period=st.sampled_from(list(RepeatPeriod)),
    every=st.integers(1, 24),
    terms=st.integers(1, 60),
    due=st.dates(min_value=date(2000, 1, 2), max_value=date(2090, 12, 31)),
    initial=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999"), places=2).map(str),
    repeat=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999"), places=2).map(str),
    final=st.none()
    | st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999"), places=2).map(str),
)


@settings(max_examples=150, deadline=None)
@given(plan=agreements, lead=st.integers(1, 400))
def test_finite_schedule_properties(plan: Agreement, lead: int) -> None:
    start = plan.first_installment_due_date - timedelta(days=lead)
    schedule = project_schedule(plan, start)
    expected = 1 + plan.repeat_terms + (plan.final_amount is not None)
    assert len(schedule) == expected
    assert [i.number for i in schedule] == list(range(expected))
    assert all(a.due_date < b.due_date for a, b in pairwise(schedule))
    total = schedule_total(schedule)
    assert isinstance(total, Decimal)
    assert total == plan.total
    assert all(isinstance(i.amount, Decimal) for i in schedule)


@settings(max_examples=100, deadline=None)
@given(
    due=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
    every=st.integers(1, 12),
    terms=st.integers(1, 48),
)
def test_monthly_dates_keep_the_anchor_day_or_the_month_end(
    due: date, every: int, terms: int
) -> None:
    plan = agreement(terms=terms, every=every, due=due)
    repeats = project_schedule(plan, due - timedelta(days=1))[1:]
    for k, installment in enumerate(repeats):
        d = installment.due_date
        last = calendar.monthrange(d.year, d.month)[1]
        assert d.day == min(due.day, last)
        assert (d.year - due.year) * 12 + d.month - due.month == k * every


@settings(max_examples=60, deadline=None)
@given(
    period=st.sampled_from(list(RepeatPeriod)),
    every=st.integers(1, 6),
    horizon_days=st.integers(0, 800),
)
def test_open_ended_schedule_stops_exactly_at_the_horizon(
    period: RepeatPeriod, every: int, horizon_days: int
) -> None:
    plan = agreement(period=period, every=every, terms=0, due=date(2024, 1, 31))
    start = date(2024, 1, 1)
    horizon = start + timedelta(days=horizon_days)
    schedule = project_schedule(plan, start, horizon=horizon)
    assert all(i.due_date <= horizon for i in schedule)
    following = repeat_due_date(plan, len(schedule))  # the next repeat after the last listed
    assert following > horizon


def test_installment_count_matches_the_projected_schedule() -> None:
    from datetime import date as _date

    from clickpay_desk.core.agreement import Agreement, RepeatPeriod
    from clickpay_desk.core.schedule import project_schedule as _project

    for final in (None, Decimal("5.00")):
        agreement = Agreement(
            description="Gym",
            currency="SAR",
            initial_amount=Decimal("10.00"),
            repeat_amount=Decimal("10.00"),
            repeat_terms=3,
            repeat_period=RepeatPeriod.MONTH,
            repeat_every=1,
            first_installment_due_date=_date(2030, 1, 31),
            final_amount=final,
        )
        assert agreement.installment_count == len(_project(agreement, _date(2030, 1, 1)))
