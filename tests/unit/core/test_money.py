"""Money: minor units, parsing what people type, wire and display formats, never a float."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clickpay_desk.core.money import (
    GATEWAY_CURRENCIES,
    MAX_AMOUNT,
    MIN_AMOUNT,
    Money,
    decimals_of,
    format_amount,
    format_display,
    minor_units,
    normalize_currency,
    parse_amount,
    parse_decimal,
    quantize,
    quantum,
    significant_decimals,
)
from clickpay_desk.core.rules import ValidationError

ISO_MINOR_UNITS = {
    "AED": 2, "BHD": 3, "EGP": 2, "EUR": 2, "GBP": 2, "HKD": 2, "IDR": 2, "INR": 2, "IQD": 3,
    "JOD": 3, "JPY": 0, "KWD": 3, "MAD": 2, "OMR": 3, "PKR": 2, "QAR": 2, "SAR": 2, "USD": 2,
}  # fmt: skip


def only(exc: ValidationError) -> tuple[str, str]:
    assert len(exc.violations) == 1
    v = exc.violations[0]
    return v.field, v.rule


# --- currencies -----------------------------------------------------------------------------


def test_every_gateway_currency_has_a_known_minor_unit() -> None:
    assert set(ISO_MINOR_UNITS) == GATEWAY_CURRENCIES


@pytest.mark.parametrize(("code", "units"), sorted(ISO_MINOR_UNITS.items()))
def test_minor_units_follow_iso_4217(code: str, units: int) -> None:
    assert minor_units(code) == units
    assert minor_units(code.lower()) == units
    assert quantum(code) == Decimal(1).scaleb(-units)
    assert decimals_of(quantum(code)) == units


def test_iqd_has_three_decimals_as_iso_says_not_cldrs_zero() -> None:
    assert minor_units("IQD") == 3
    assert format_amount(Decimal("1"), "IQD") == "1.000"


def test_unknown_currency_names_the_field() -> None:
    with pytest.raises(ValidationError) as err:
        minor_units("XYZ")
    assert only(err.value) == ("currency", "must be an ISO 4217 currency code")


def test_normalize_currency() -> None:
    assert normalize_currency(" sar ") == "SAR"
    assert normalize_currency("chf", gateway_only=False) == "CHF"
    with pytest.raises(ValidationError) as err:
        normalize_currency("CHF", "cart_currency")
    field, rule = only(err.value)
    assert field == "cart_currency" and "not a currency the gateway accepts" in rule
    for bad in (None, "", "   ", 682):
        with pytest.raises(ValidationError) as err:
            normalize_currency(bad, "cart_currency")
        assert only(err.value)[0] == "cart_currency"
    with pytest.raises(ValidationError):
        normalize_currency("SARR")


# --- rounding ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("2.345", "SAR", "2.35"),  # half-up, not banker's (2.34)
        ("2.335", "SAR", "2.34"),
        ("2.344", "SAR", "2.34"),
        ("-2.345", "SAR", "-2.35"),
        ("1.2345", "KWD", "1.235"),
        ("0.0005", "BHD", "0.001"),
        ("2.5", "JPY", "3"),
        ("3.5", "JPY", "4"),
        ("0.4", "JPY", "0"),
        ("9.5", "SAR", "9.50"),
    ],
)
def test_quantize_rounds_half_up(amount: str, currency: str, expected: str) -> None:
    result = quantize(Decimal(amount), currency)
    assert str(result) == expected


def test_quantize_never_fails_on_huge_amounts() -> None:
    assert quantize(Decimal(10) ** 40, "KWD") == Decimal(10) ** 40


# --- parsing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("9.5", "9.5"),
        (9.5, "9.5"),
        (0.1, "0.1"),  # the shortest repr, never 0.1000000000000000055511151231257827
        (Decimal("9.50"), "9.50"),
        (7, "7"),
        ("  12  ", "12"),
        ("+3.25", "3.25"),
        ("-3.25", "-3.25"),
        (".5", "0.5"),
        ("1,250.00", "1250.00"),
        ("12,345,678.9", "12345678.9"),
        ("1 250.00", "1250.00"),
        ("1\u00a0250,00".replace(",", "."), "1250.00"),
        ("1\u202f250.5", "1250.5"),
        ("٩٫٥", "9.5"),
        ("١٬٢٥٠٫٠٠", "1250.00"),
        ("٠٫٠١", "0.01"),
        ("۱۲۵۰٫۵", "1250.5"),  # Persian digits
    ],
)
def test_parse_decimal_accepts_what_people_type(value: object, expected: str) -> None:
    result = parse_decimal(value, "unit_cost")
    assert isinstance(result, Decimal)
    assert result == Decimal(expected)
    assert str(result) == expected


@pytest.mark.parametrize(
    "value",
    [
        None, True, False, "", "   ", "abc", "9.5.0", "1,25", "1,2500.00", "12,34,567", "1e5",
        "1E+3", "nan", "NaN", "inf", "Infinity", "9,5", "$9.50", "9.50 SAR", "--1", ".",
        float("nan"), float("inf"), -float("inf"), Decimal("NaN"), Decimal("Infinity"),
        [9.5], {"amount": 1}, b"9.5",
    ],
)  # fmt: skip
def test_parse_decimal_refuses_bad_input_naming_the_field(value: object) -> None:
    with pytest.raises(ValidationError) as err:
        parse_decimal(value, "invoice.line_items[2].unit_cost")
    field, rule = only(err.value)
    assert field == "invoice.line_items[2].unit_cost"
    assert "number" in rule
    assert "invoice.line_items[2].unit_cost" in str(err.value)


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        ("9.5", "SAR", "9.50"),
        (9.5, "SAR", "9.50"),
        ("9.500", "SAR", "9.50"),  # trailing zeros are not extra precision
        ("1.234", "KWD", "1.234"),
        ("1.234", "IQD", "1.234"),
        ("1.2", "OMR", "1.200"),
        ("100", "JPY", "100"),
        ("100.00", "JPY", "100"),
        ("١٬٢٥٠٫٥", "BHD", "1250.500"),
        ("9999999999.99", "SAR", "9999999999.99"),
        ("0.01", "SAR", "0.01"),
    ],
)
def test_parse_amount_keeps_exactly_the_currency_decimals(
    value: object, currency: str, expected: str
) -> None:
    assert str(parse_amount(value, currency, "cart_amount")) == expected


@pytest.mark.parametrize(
    ("value", "currency", "rule"),
    [
        ("9.555", "SAR", "SAR allows at most 2 decimal places"),
        (9.555, "SAR", "SAR allows at most 2 decimal places"),
        ("1.2345", "KWD", "KWD allows at most 3 decimal places"),
        ("1.0001", "IQD", "IQD allows at most 3 decimal places"),
        ("100.5", "JPY", "JPY allows at most 0 decimal places"),
        ("0", "SAR", "must be at least 0.01"),
        ("-5", "SAR", "must be at least 0.01"),
        ("0.001", "KWD", "must be at least 0.010"),
        ("0", "JPY", "must be at least 1"),  # the smallest yen amount, not "0" (0.01 rounded)
        ("10000000000", "JPY", "must be at most 9999999999"),
        ("10000000000.00", "SAR", "must be at most 9999999999.99"),
    ],
)
def test_parse_amount_refuses_with_field_and_rule(value: object, currency: str, rule: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_amount(value, currency, "cart_amount")
    assert only(err.value) == ("cart_amount", rule)


def test_parse_amount_range_can_be_opened() -> None:
    assert parse_amount("0", "SAR", minimum=None) == 0
    assert parse_amount("-1.5", "SAR", minimum=None) == Decimal("-1.50")
    assert parse_amount(10**30, "SAR", maximum=None) == Decimal(10) ** 30
    assert (Decimal("0.01"), Decimal("9999999999.99")) == (MIN_AMOUNT, MAX_AMOUNT)


def test_absurd_exponents_are_refused_not_computed() -> None:
    # A finite Decimal that would need a billion digits to round to cents.
    for value in (Decimal("1E+999999999"), Decimal("-1E+999999999")):
        with pytest.raises(ValidationError) as err:
            parse_amount(value, "SAR", "cart_amount", minimum=None, maximum=None)
        assert only(err.value) == ("cart_amount", "is too large")


def test_significant_decimals() -> None:
    assert significant_decimals(Decimal("9.50")) == 1
    assert significant_decimals(Decimal("10")) == 0
    assert significant_decimals(Decimal("1E+2")) == 0
    assert significant_decimals(Decimal("0.000")) == 0
    assert decimals_of(Decimal("9.50")) == 2


# --- formatting -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "wire"),
    [
        ("9.5", "SAR", "9.50"),
        ("1.25", "KWD", "1.250"),
        ("100", "JPY", "100"),
        ("99.6", "JPY", "100"),
        ("0", "IQD", "0.000"),
        ("-0.004", "SAR", "0.00"),  # never "-0.00" on the wire
        ("9999999999.99", "SAR", "9999999999.99"),
        ("1E+3", "SAR", "1000.00"),  # never exponent notation
    ],
)
def test_format_amount_has_exactly_the_currency_decimals(
    amount: str, currency: str, wire: str
) -> None:
    assert format_amount(Decimal(amount), currency) == wire


def test_format_display_english() -> None:
    assert format_display(Decimal("1250.5"), "SAR") == "1,250.50 SAR"
    assert format_display(Decimal("1250.5"), "KWD", "en") == "1,250.500 KWD"
    assert format_display(Decimal("1250.5"), "JPY", "en") == "1,251 JPY"
    assert format_display(Decimal("-0.001"), "SAR", "en") == "0.00 SAR"


def test_format_display_arabic_uses_arabic_digits_and_separators() -> None:
    shown = format_display(Decimal("1250.5"), "KWD", "ar_KW")
    assert "١٬٢٥٠٫٥٠٠" in shown
    assert not re.search(r"[0-9]", shown)
    assert "١٬٢٥٠٫٥٠" in format_display(Decimal("1250.5"), "SAR", "ar_SA")


@pytest.mark.parametrize("locale", ["en", "ar_KW", "ar_SA", "ar_EG", "ar_AE", "fa"])
def test_display_number_reads_back(locale: str) -> None:
    shown = format_display(Decimal("1234567.891"), "KWD", locale)
    number = re.search(r"[\d٠-٩۰-۹][\d٠-٩۰-۹,٬.٫]*", shown)
    assert number is not None
    assert parse_decimal(number.group(), "amount") == Decimal("1234567.891")


currencies = st.sampled_from(sorted(GATEWAY_CURRENCIES))


@given(currencies, st.integers(min_value=1, max_value=999_999_999_999))
def test_wire_format_round_trips(currency: str, minor: int) -> None:
    amount = Decimal(minor).scaleb(-minor_units(currency))
    if amount > MAX_AMOUNT:
        return
    wire = format_amount(amount, currency)
    assert parse_amount(wire, currency, "amount", minimum=None) == amount
    assert decimals_of(Decimal(wire)) == minor_units(currency)


@given(currencies, st.integers(min_value=0, max_value=10**15), st.sampled_from(["en", "ar_KW"]))
def test_display_format_round_trips(currency: str, minor: int, locale: str) -> None:
    amount = Decimal(minor).scaleb(-minor_units(currency))
    shown = format_display(amount, currency, locale)
    number = re.search(r"[\d٠-٩][\d٠-٩,٬.٫]*", shown)
    assert number is not None
    assert parse_decimal(number.group()) == amount


@given(st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=-(10**12),
                   max_value=10**12), currencies)  # fmt: skip
def test_quantize_is_within_half_a_unit(amount: Decimal, currency: str) -> None:
    rounded = quantize(amount, currency)
    assert abs(rounded - amount) <= quantum(currency) / 2
    assert decimals_of(rounded) == minor_units(currency)


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
def test_floats_are_read_by_their_shortest_repr(value: float) -> None:
    assert parse_decimal(value) == Decimal(repr(value))


# --- Money ------------------------------------------------------------------------------------


def test_money_refuses_float() -> None:
    with pytest.raises(TypeError):
        Money(9.5, "SAR")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(True, "SAR")


def test_money_arithmetic_and_wire() -> None:
    a = Money(Decimal("9.5"), "sar")
    b = Money.parse("١٬٠٠٠٫٢٥", "SAR")
    assert a.currency == "SAR"
    assert (a + b).amount == Decimal("1009.75")
    assert (b - a).wire() == "990.75"
    assert (-a).amount == Decimal("-9.50")
    assert a < b
    assert str(Money(Decimal("1.5"), "KWD")) == "1.500 KWD"
    assert Money.zero("JPY").wire() == "0"
    assert Money(Decimal("1.005"), "SAR").amount == Decimal("1.01")
    assert isinstance((a + b).amount, Decimal)
    assert Money(Decimal(1250), "SAR").display() == "1,250.00 SAR"


def test_money_refuses_mixing_currencies() -> None:
    with pytest.raises(ValueError):
        _ = Money(Decimal(1), "SAR") + Money(Decimal(1), "USD")
    with pytest.raises(ValueError):
        _ = Money(Decimal(1), "SAR") < Money(Decimal(1), "USD")


def test_money_parse_names_the_field() -> None:
    with pytest.raises(ValidationError) as err:
        Money.parse("12.345", "SAR", "shipping_charges")
    assert only(err.value) == ("shipping_charges", "SAR allows at most 2 decimal places")
    assert Money.parse(10**30, "SAR").amount == Decimal(10) ** 30


def test_money_arithmetic_never_rounds_away_digits() -> None:
    # 31 significant digits: Decimal's default context (28) would drop the cents.
    big = Money(Decimal(10) ** 28, "SAR")
    cent = Money(Decimal("0.01"), "SAR")
    assert (big + cent).wire() == "10000000000000000000000000000.01"
    assert (big - cent).wire() == "9999999999999999999999999999.99"
    assert (-(big + cent)).amount == Decimal("-10000000000000000000000000000.01")


def test_money_orders_both_ways_and_inclusively() -> None:
    low, high = Money(Decimal("9.50"), "SAR"), Money(Decimal("10"), "SAR")
    same = Money(Decimal("9.5"), "sar")
    assert low <= same and low >= same and low <= high and high >= low
    assert high > low and not low > high and not high <= low
    assert sorted([high, low]) == [low, high] and max(low, high) == high
    for compare in (
        lambda: low <= Money(Decimal(1), "USD"),
        lambda: low >= Money(Decimal(1), "USD"),
        lambda: low > Money(Decimal(1), "USD"),
    ):
        with pytest.raises(ValueError):
            compare()
    with pytest.raises(TypeError):
        _ = low <= Decimal(1)  # type: ignore[operator]
