"""Schedule gaps: currencies with 0 and 3 decimals keep their minor units in every installment,
and their amounts refuse digits the currency does not have."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from clickpay_desk.core.agreement import Agreement, RepeatPeriod, agreement_from_wire
from clickpay_desk.core.rules import ValidationError
from clickpay_desk.core.schedule import InstallmentKind, project_schedule, schedule_total


def _plan(currency: str, initial: str, repeat: str, final: str | None) -> Agreement:
    return Agreement(
        description="Plan",
        currency=currency,
        initial_amount=Decimal(initial),
        repeat_amount=Decimal(repeat),
        final_amount=None if final is None else Decimal(final),
        repeat_terms=2,
        repeat_period=RepeatPeriod.WEEK,
        repeat_every=2,
        first_installment_due_date=date(2024, 2, 27),
    )


@pytest.mark.parametrize(
    ("currency", "initial", "repeat", "final", "total", "exponent"),
    [
        ("JPY", "1000", "500", "250", "2250", 0),
        ("SAR", "10.50", "5.25", "1.00", "22.00", -2),
        ("BHD", "1.250", "0.375", "0.015", "2.015", -3),
    ],
)
def test_installments_keep_the_currency_minor_units(
    currency: str, initial: str, repeat: str, final: str, total: str, exponent: int
) -> None:
    schedule = project_schedule(_plan(currency, initial, repeat, final), date(2024, 2, 20))
    assert [i.kind for i in schedule] == [
        InstallmentKind.INITIAL,
        InstallmentKind.REPEAT,
        InstallmentKind.REPEAT,
        InstallmentKind.FINAL,
    ]
    # Every two weeks from 27 February 2024 crosses 29 February of a leap year.
    assert [i.due_date for i in schedule] == [
        date(2024, 2, 20),
        date(2024, 2, 27),
        date(2024, 3, 12),
        date(2024, 3, 26),
    ]
    assert all(i.amount.as_tuple().exponent == exponent for i in schedule)
    assert str(schedule_total(schedule)) == total


@pytest.mark.parametrize(
    ("currency", "amount"), [("JPY", "100.5"), ("SAR", "1.005"), ("KWD", "0.0005")]
)
def test_amounts_with_more_decimals_than_the_currency_are_refused(
    currency: str, amount: str
) -> None:
    wire = {
        "agreement_description": "Plan",
        "agreement_currency": currency,
        "initial_amount": "5",
        "repeat_amount": amount,
        "repeat_terms": 1,
        "repeat_period": 1,
        "repeat_every": 1,
        "first_installment_due_date": "01/03/2024",
    }
    with pytest.raises(ValidationError) as caught:
        agreement_from_wire(wire)
    assert [v.field for v in caught.value.violations] == ["agreement.repeat_amount"]
