"""Repeat-billing agreement and payment-request rules (reference 002).

Fixture ``tests/fixtures/reference/002_payment_request.json`` is the reference's "Sample Request
Payload" with its ``/* ... */`` comments removed (nothing else changed). The other 002 fixtures:
``002_ipn_followup.json`` had its masked ``"profileId": #####`` / ``"merchantId": ####`` replaced
by 44537 / 2348; ``002_agreement_cancel_request.json`` had ``{{profile_id}}`` replaced by 44537;
``002_agreement_cancel_response.json`` got the opening ``{`` the reference lost; non-breaking
spaces the web page left in the 002 samples became plain spaces.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from clickpay_desk.core.agreement import (
    Agreement,
    RepeatPeriod,
    agreement_from_wire,
    agreement_to_wire,
    format_wire_date,
    parse_int,
    parse_wire_date,
    validate_payment_request,
)
from clickpay_desk.core.rules import RuleViolation, ValidationError

FIXTURES = Path(__file__).parents[2] / "fixtures" / "reference"
BEFORE_SAMPLE_DUE = date(2024, 5, 1)  # the sample's first installment is 22/05/2024


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"), parse_float=Decimal)


def sample_request() -> dict[str, Any]:
    return load("002_payment_request.json")


def fields_of(violations: list[RuleViolation]) -> list[str]:
    return [v.field for v in violations]


def only(violations: list[RuleViolation]) -> RuleViolation:
    assert len(violations) == 1, violations
    return violations[0]


# --- the reference sample --------------------------------------------------------------------


def test_reference_sample_is_accepted_before_its_first_due_date() -> None:
    assert validate_payment_request(sample_request(), BEFORE_SAMPLE_DUE) == []


def test_reference_sample_parsed_with_plain_floats_is_accepted_too() -> None:
    payload = json.loads((FIXTURES / "002_payment_request.json").read_text(encoding="utf-8"))
    assert isinstance(payload["cart_amount"], float)
    assert validate_payment_request(payload, BEFORE_SAMPLE_DUE) == []


@pytest.mark.parametrize("today", [date(2024, 5, 22), date(2024, 7, 4)])
def test_reference_sample_is_refused_on_or_after_its_first_due_date(today: date) -> None:
    v = only(validate_payment_request(sample_request(), today))
    assert v.field == "agreement.first_installment_due_date"
    assert "after today" in v.rule


def test_reference_sample_agreement_reads_into_exact_values() -> None:
    agreement = agreement_from_wire(sample_request()["agreement"])
    assert agreement == Agreement(
        description="Test agreement",
        currency="SAR",
        initial_amount=Decimal("1.01"),
        repeat_amount=Decimal("1.01"),
        final_amount=Decimal("1.01"),
        repeat_terms=2,
        repeat_period=RepeatPeriod.DAY,
        repeat_every=2,
        first_installment_due_date=date(2024, 5, 22),
    )
    assert agreement.total == Decimal("4.04")


def test_reference_sample_agreement_round_trips_through_the_wire_form() -> None:
    raw = sample_request()["agreement"]
    wire = agreement_to_wire(agreement_from_wire(raw))
    assert wire == raw
    assert list(wire) == list(raw)  # same key order as the reference
    assert str(wire["initial_amount"]) == "1.01"


def test_other_002_samples_are_valid_json_with_the_ids_the_flow_needs() -> None:
    initial = load("002_ipn_initial.json")
    follow_up = load("002_ipn_followup.json")
    cancel = load("002_agreement_cancel_request.json")
    assert initial["agreement_id"] == 3153
    assert follow_up["previous_tran_ref"] == follow_up["parentRequest"]["tran_ref"]
    assert cancel == {"profile_id": 44537, "agreement_id": 1378}
    assert load("002_agreement_cancel_response.json")["status"] == "success"


# --- tolerant reading ------------------------------------------------------------------------


def wire_agreement(**changes: object) -> dict[str, object]:
    raw: dict[str, object] = {
        "agreement_description": "Gym membership",
        "agreement_currency": "SAR",
        "initial_amount": "100.00",
        "repeat_amount": "50.00",
        "repeat_terms": 12,
        "repeat_period": 3,
        "repeat_every": 1,
        "first_installment_due_date": "01/02/2025",
    }
    for name, value in changes.items():
        if value is _DROP:
            raw.pop(name, None)
        else:
            raw[name] = value
    return raw


_DROP = object()


@pytest.mark.parametrize(
    "amount", ["1.01", 1.01, Decimal("1.01"), "1.010", " 1.01 ", Decimal("1.0100")]
)
def test_amounts_are_read_as_text_numbers_or_decimals(amount: object) -> None:
    agreement = agreement_from_wire(wire_agreement(initial_amount=amount, repeat_amount=amount))
    assert agreement.initial_amount == Decimal("1.01")
    assert str(agreement.repeat_amount) == "1.01"


def test_integers_may_come_as_text_and_dates_as_dd_mm_yyyy() -> None:
    agreement = agreement_from_wire(
        wire_agreement(
            repeat_terms="3",
            repeat_period="2",
            repeat_every=" 4 ",
            first_installment_due_date="5/3/2025",
        )
    )
    assert (agreement.repeat_terms, agreement.repeat_period, agreement.repeat_every) == (
        3,
        RepeatPeriod.WEEK,
        4,
    )
    assert agreement.first_installment_due_date == date(2025, 3, 5)


def test_currency_is_read_in_any_case_and_stored_upper() -> None:
    assert agreement_from_wire(wire_agreement(agreement_currency=" sar ")).currency == "SAR"


def test_wire_date_is_zero_padded_day_first() -> None:
    assert format_wire_date(date(2025, 1, 5)) == "05/01/2025"
    agreement = agreement_from_wire(wire_agreement(first_installment_due_date="05/01/2025"))
    assert agreement_to_wire(agreement)["first_installment_due_date"] == "05/01/2025"


def test_amounts_go_out_with_exactly_the_currency_decimals() -> None:
    kwd = agreement_from_wire(
        wire_agreement(agreement_currency="KWD", initial_amount="1.5", repeat_amount=2)
    )
    wire = agreement_to_wire(kwd)
    assert str(wire["initial_amount"]) == "1.500"
    assert str(wire["repeat_amount"]) == "2.000"
    jpy = agreement_from_wire(
        wire_agreement(agreement_currency="JPY", initial_amount="1500", repeat_amount="500.0")
    )
    assert str(agreement_to_wire(jpy)["repeat_amount"]) == "500"


def test_from_wire_reports_every_broken_rule_at_once() -> None:
    with pytest.raises(ValidationError) as caught:
        agreement_from_wire(
            wire_agreement(repeat_every=0, repeat_period=7, agreement_description="  ")
        )
    assert sorted(fields_of(list(caught.value.violations))) == [
        "agreement.agreement_description",
        "agreement.repeat_every",
        "agreement.repeat_period",
    ]


def test_from_wire_checks_the_due_date_only_when_told_today() -> None:
    raw = wire_agreement(first_installment_due_date="01/01/2020")
    assert agreement_from_wire(raw).first_installment_due_date == date(2020, 1, 1)
    with pytest.raises(ValidationError) as caught:
        agreement_from_wire(raw, today=date(2024, 1, 1))
    assert fields_of(list(caught.value.violations)) == ["agreement.first_installment_due_date"]


def test_from_wire_refuses_something_that_is_not_an_object() -> None:
    with pytest.raises(ValidationError) as caught:
        agreement_from_wire(["not", "an", "object"])  # type: ignore[arg-type]
    assert caught.value.violations[0].field == "agreement"


# --- final_amount ----------------------------------------------------------------------------


@pytest.mark.parametrize("final", [_DROP, None, 0, "0", "0.00", Decimal(0)])
def test_open_ended_agreement_takes_no_final_amount_or_a_zero_one(final: object) -> None:
    agreement = agreement_from_wire(wire_agreement(repeat_terms=0, final_amount=final))
    assert agreement.final_amount is None
    assert agreement.is_open_ended
    assert agreement.total is None
    assert "final_amount" not in agreement_to_wire(agreement)


@pytest.mark.parametrize("final", ["0.01", 1.01, "25"])
def test_open_ended_agreement_refuses_a_positive_final_amount(final: object) -> None:
    with pytest.raises(ValidationError) as caught:
        agreement_from_wire(wire_agreement(repeat_terms=0, final_amount=final))
    v = only(list(caught.value.violations))
    assert v.field == "agreement.final_amount"
    assert "repeat_terms is 0" in v.rule


def test_finite_agreement_with_zero_final_amount_has_no_final_payment() -> None:
    agreement = agreement_from_wire(wire_agreement(final_amount="0"))
    assert agreement.final_amount is None
    assert agreement.total == Decimal("700.00")  # 100 + 12 × 50


def test_final_amount_is_added_to_the_total() -> None:
    agreement = agreement_from_wire(wire_agreement(final_amount="10.50"))
    assert agreement.total == Decimal("710.50")


def test_a_final_amount_below_the_gateway_minimum_is_refused() -> None:
    # KWD writes 0.005 exactly, but no amount below 0.01 goes to the gateway.
    with pytest.raises(ValidationError) as caught:
        agreement_from_wire(
            wire_agreement(agreement_currency="KWD", initial_amount="1", final_amount="0.005")
        )
    v = only(list(caught.value.violations))
    assert (v.field, v.rule) == ("agreement.final_amount", "must be 0 or at least 0.01")


def test_total_stays_exact_up_to_the_gateway_maximum() -> None:
    agreement = agreement_from_wire(
        wire_agreement(
            initial_amount="0.01", repeat_amount="0.01", repeat_terms=999_999_999_997,
            final_amount="0.01",
        )
    )  # fmt: skip
    assert agreement.total == Decimal("9999999999.99")


@pytest.mark.parametrize("terms", [999_999_999_998, 10**20, 10**30])
def test_repeat_terms_beyond_the_gateway_maximum_are_refused(terms: int) -> None:
    # Each amount is in range, but the agreement would promise more than any gateway total.
    with pytest.raises(ValidationError) as caught:
        agreement_from_wire(
            wire_agreement(
                initial_amount="0.01", repeat_amount="0.01", repeat_terms=terms,
                final_amount="0.01",
            )
        )  # fmt: skip
    v = only(list(caught.value.violations))
    assert v.field == "agreement.repeat_terms" and "must not exceed 9999999999.99" in v.rule


def test_a_due_date_with_a_time_is_refused_at_construction() -> None:
    from datetime import datetime

    with pytest.raises(ValidationError) as caught:
        Agreement(
            description="Plan", currency="SAR", initial_amount=Decimal(1),
            repeat_amount=Decimal(1), repeat_terms=2, repeat_period=RepeatPeriod.MONTH,
            repeat_every=1, first_installment_due_date=datetime(2025, 2, 1, 9, 30),
        )  # fmt: skip
    v = only(list(caught.value.violations))
    assert v.field == "agreement.first_installment_due_date"
    assert "not a date and time" in v.rule
    with pytest.raises(ValidationError):
        agreement_from_wire(wire_agreement(first_installment_due_date=datetime(2025, 2, 1)))


# --- every rule with bad input ---------------------------------------------------------------

TODAY = date(2025, 1, 15)


def good_request(**agreement_changes: object) -> dict[str, object]:
    return {
        "profile_id": 44537,
        "tran_type": "sale",
        "tran_class": "ecom",
        "cart_id": "cart_11111",
        "cart_currency": "SAR",
        "cart_amount": "100.00",
        "cart_description": "Gym membership",
        "agreement": wire_agreement(**agreement_changes),
    }


def test_good_request_is_valid() -> None:
    assert validate_payment_request(good_request(), TODAY) == []


def test_request_without_agreement_checks_only_the_cart() -> None:
    payload = good_request()
    del payload["agreement"]
    assert validate_payment_request(payload, TODAY) == []
    payload["agreement"] = None
    assert validate_payment_request(payload, TODAY) == []
    payload["tran_type"] = "refund"  # fine without an agreement
    assert validate_payment_request(payload, TODAY) == []


@pytest.mark.parametrize(
    ("name", "value", "rule"),
    [
        ("profile_id", _DROP, "is required"),
        ("profile_id", "abc", "whole number"),
        ("profile_id", 0, "positive"),
        ("profile_id", -5, "positive"),
        ("profile_id", True, "whole number"),
        ("tran_type", _DROP, "is required"),
        ("tran_type", "purchase", "must be one of"),
        ("tran_type", 1, "must be one of"),
        ("tran_class", "web", "must be one of"),
        ("tran_class", _DROP, "is required"),
        ("cart_id", _DROP, "is required"),
        ("cart_id", "", "must not be empty"),
        ("cart_id", "   ", "must not be empty"),
        ("cart_id", "x" * 65, "at most 64 characters (has 65)"),
        ("cart_id", 11111, "must be text"),
        ("cart_description", "", "must not be empty"),
        ("cart_description", "d" * 129, "at most 128 characters"),
        ("cart_currency", _DROP, "is required"),
        ("cart_currency", "XYZ", "ISO 4217"),
        (
            "cart_currency",
            "CHF",
            "not a currency the gateway accepts",
        ),  # ISO, but not a gateway currency
        ("cart_amount", _DROP, "is required"),
        ("cart_amount", "abc", "must be a number"),
        ("cart_amount", 0, "at least 0.01"),
        ("cart_amount", "-1", "at least 0.01"),
        ("cart_amount", "100.001", "at most 2 decimal places"),
        ("cart_amount", "10000000000.00", "at most 9999999999.99"),
        ("cart_amount", float("nan"), "finite"),
    ],
)
def test_each_cart_rule_names_its_field(name: str, value: object, rule: str) -> None:
    payload = good_request()
    del payload["agreement"]
    if value is _DROP:
        del payload[name]
    else:
        payload[name] = value
    v = only(validate_payment_request(payload, TODAY))
    assert v.field == name
    assert rule in v.rule


def test_cart_limits_are_inclusive() -> None:
    payload = good_request()
    del payload["agreement"]
    payload.update(cart_id="x" * 64, cart_description="d" * 128, cart_amount="9999999999.99")
    assert validate_payment_request(payload, TODAY) == []
    payload.update(cart_amount="0.01", cart_currency="sar", tran_type="SALE", tran_class="ECom")
    assert validate_payment_request(payload, TODAY) == []


@pytest.mark.parametrize(
    ("currency", "amount", "ok"),
    [
        ("KWD", "1.125", True),
        ("KWD", "1.1255", False),
        ("JPY", "1500", True),
        ("JPY", "1500.5", False),
        ("BHD", "0.500", True),
        ("SAR", "9.50", True),
        ("SAR", "9.505", False),
    ],
)
def test_cart_amount_decimals_follow_the_currency(currency: str, amount: str, ok: bool) -> None:
    payload = good_request()
    del payload["agreement"]
    payload.update(cart_currency=currency, cart_amount=amount)
    found = validate_payment_request(payload, TODAY)
    assert (found == []) is ok
    if not ok:
        assert only(found).field == "cart_amount"
        assert "decimal places" in found[0].rule


@pytest.mark.parametrize(
    ("name", "value", "rule"),
    [
        ("agreement_description", _DROP, "is required"),
        ("agreement_description", "", "must not be empty"),
        ("agreement_description", 42, "must be text"),
        ("agreement_currency", _DROP, "is required"),
        ("agreement_currency", "XXX", "not a currency the gateway accepts"),
        ("agreement_currency", "USD", "same as cart_currency"),
        ("initial_amount", _DROP, "is required"),
        ("initial_amount", "99.99", "same as cart_amount"),
        ("initial_amount", "100.001", "decimal places"),
        ("repeat_amount", _DROP, "is required"),
        ("repeat_amount", "0", "at least 0.01"),
        ("repeat_amount", "-5", "at least 0.01"),
        ("repeat_amount", "5.555", "decimal places"),
        ("repeat_amount", "ten", "must be a number"),
        ("repeat_amount", "10000000000", "at most"),
        ("final_amount", "-1", "must not be negative"),
        ("final_amount", "1.999", "decimal places"),
        ("final_amount", "x", "must be a number"),
        ("final_amount", Decimal("-1E+99999999999"), "too large"),  # refused, not computed
        ("repeat_terms", _DROP, "is required"),
        ("repeat_terms", -1, "0 (open-ended) or more"),
        ("repeat_terms", "two", "whole number"),
        ("repeat_terms", 1.5, "whole number"),
        ("repeat_terms", True, "whole number"),
        ("repeat_period", _DROP, "is required"),
        ("repeat_period", 0, "1 (day), 2 (week) or 3 (month)"),
        ("repeat_period", 4, "1 (day), 2 (week) or 3 (month)"),
        ("repeat_period", "month", "whole number"),
        ("repeat_every", _DROP, "is required"),
        ("repeat_every", 0, "1 or more"),
        ("repeat_every", -2, "1 or more"),
        ("first_installment_due_date", _DROP, "is required"),
        ("first_installment_due_date", "15/01/2025", "after today"),  # today itself
        ("first_installment_due_date", "14/01/2025", "after today"),
        ("first_installment_due_date", "2025-02-01", "dd/mm/yyyy"),
        ("first_installment_due_date", "31/02/2025", "real calendar date"),
        ("first_installment_due_date", 20250201, "dd/mm/yyyy"),
    ],
)
def test_each_agreement_rule_names_its_wire_field(name: str, value: object, rule: str) -> None:
    v = only(validate_payment_request(good_request(**{name: value}), TODAY))
    assert v.field == f"agreement.{name}"
    assert rule in v.rule
    assert rule in v.message()


def test_due_date_tomorrow_is_accepted() -> None:
    payload = good_request(first_installment_due_date="16/01/2025")
    assert validate_payment_request(payload, TODAY) == []


def test_agreement_currency_matches_cart_currency_in_any_case() -> None:
    payload = good_request(agreement_currency="sar")
    payload["cart_currency"] = "Sar"
    assert validate_payment_request(payload, TODAY) == []


def test_initial_amount_compares_by_value_not_by_spelling() -> None:
    payload = good_request(initial_amount=Decimal("100"))
    payload["cart_amount"] = 100.0
    assert validate_payment_request(payload, TODAY) == []


@pytest.mark.parametrize(
    ("name", "value"),
    [("tran_type", "refund"), ("tran_type", "register"), ("tran_class", "recurring")],
)
def test_agreement_needs_a_sale_or_auth_on_the_payment_page(name: str, value: str) -> None:
    payload = good_request()
    payload[name] = value
    v = only(validate_payment_request(payload, TODAY))
    assert v.field == name
    assert "repeat-billing agreement" in v.rule


def test_auth_may_carry_an_agreement() -> None:
    payload = good_request()
    payload["tran_type"] = "auth"
    assert validate_payment_request(payload, TODAY) == []


def test_agreement_that_is_not_an_object_is_refused() -> None:
    payload = good_request()
    payload["agreement"] = "monthly"
    assert fields_of(validate_payment_request(payload, TODAY)) == ["agreement"]


def test_body_that_is_not_an_object_is_refused() -> None:
    assert fields_of(validate_payment_request([], TODAY)) == ["body"]  # type: ignore[arg-type]


def test_every_violation_of_a_bad_request_is_reported() -> None:
    payload = copy.deepcopy(good_request(repeat_every=0, final_amount="-1"))
    payload["cart_id"] = ""
    payload["profile_id"] = "x"
    assert sorted(fields_of(validate_payment_request(payload, TODAY))) == [
        "agreement.final_amount",
        "agreement.repeat_every",
        "cart_id",
        "profile_id",
    ]


def test_broken_agreement_currency_still_checks_decimals_by_cart_currency() -> None:
    found = validate_payment_request(
        good_request(agreement_currency="???", repeat_amount="1.234"), TODAY
    )
    assert sorted(fields_of(found)) == ["agreement.agreement_currency", "agreement.repeat_amount"]


# --- the Agreement value ---------------------------------------------------------------------


def make(**changes: object) -> Agreement:
    values: dict[str, object] = {
        "description": "Plan",
        "currency": "sar",
        "initial_amount": Decimal("10"),
        "repeat_amount": Decimal("5"),
        "repeat_terms": 3,
        "repeat_period": RepeatPeriod.MONTH,
        "repeat_every": 1,
        "first_installment_due_date": date(2025, 2, 1),
    }
    values.update(changes)
    return Agreement(**values)  # type: ignore[arg-type]


def test_agreement_value_normalises_currency_and_amounts() -> None:
    agreement = make(final_amount=Decimal(0), repeat_period=2)
    assert agreement.currency == "SAR"
    assert str(agreement.initial_amount) == "10.00"
    assert agreement.final_amount is None
    assert agreement.repeat_period is RepeatPeriod.WEEK


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"repeat_every": 0}, "agreement.repeat_every"),
        ({"repeat_terms": -1}, "agreement.repeat_terms"),
        ({"repeat_terms": 0, "final_amount": Decimal(1)}, "agreement.final_amount"),
        ({"currency": "CHF"}, "agreement.agreement_currency"),
        ({"repeat_amount": Decimal("0.001")}, "agreement.repeat_amount"),
        ({"description": ""}, "agreement.agreement_description"),
    ],
)
def test_agreement_value_cannot_be_built_broken(changes: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        make(**changes)
    assert [v.field for v in caught.value.violations] == [field]


def test_agreement_problems_reports_a_due_date_not_after_today() -> None:
    agreement = make()
    assert agreement.problems(date(2025, 1, 31)) == []
    assert fields_of(agreement.problems(date(2025, 2, 1))) == [
        "agreement.first_installment_due_date"
    ]


def test_repeat_period_is_an_int_enum_with_the_wire_values() -> None:
    assert [int(p) for p in RepeatPeriod] == [1, 2, 3]
    assert RepeatPeriod(3).label == "month"


@pytest.mark.parametrize(
    ("value", "expected"), [(2, 2), ("2", 2), (" -3 ", -3), (Decimal("4.0"), 4), (5.0, 5)]
)
def test_parse_int_accepts_whole_numbers_in_any_form(value: object, expected: int) -> None:
    assert parse_int(value, "n") == expected


@pytest.mark.parametrize("value", [True, "2.5", 2.5, None, "", [], "1e3"])
def test_parse_int_refuses_anything_else(value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_int(value, "n")
    assert caught.value.violations[0].field == "n"


def test_parse_wire_date_passes_dates_through() -> None:
    assert parse_wire_date(date(2025, 1, 1)) == date(2025, 1, 1)
