"""validate_invoice_request: every rule a strict gateway applies, each named by its wire field."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clickpay_desk.core.invoice import invoice_from_wire, validate_invoice_request
from clickpay_desk.core.rules import RuleViolation, ValidationError

NOW = datetime(2030, 1, 1, tzinfo=UTC)

VALID: dict[str, Any] = {
    "profile_id": 44537,
    "tran_type": "sale",
    "tran_class": "ecom",
    "cart_id": "INV-1001",
    "cart_description": "Coffee",
    "cart_currency": "SAR",
    "cart_amount": "119.00",
    "customer_details": {"name": "First Last", "email": "wj@email.com", "country": "SA"},
    "invoice": {
        "lang": "en",
        "shipping_charges": "10.00",
        "extra_charges": 0,
        "extra_discount": "1.00",
        "total": 0,
        "activation_date": "2030-01-02T09:00:00+03:00",
        "expiry_date": "2030-01-30T09:00:00+03:00",
        "due_date": "2030-01-20T09:00:00+03:00",
        "line_items": [
            {"sku": "A", "description": "Beans", "unit_cost": "50.00", "quantity": 2,
             "discount_rate": 10, "tax_rate": 15, "net_total": "100.00", "total": "103.50"},
            {"description": "Filter", "unit_cost": 6.5, "quantity": "1", "total": 6.5},
        ],
    },
    "callback": "https://merchant.example.com/cb",
    "return": "https://merchant.example.com/back",
}  # fmt: skip
# 100.00 - 10.00 + 13.50 = 103.50; + 6.50 + 10.00 shipping - 1.00 = 119.00


def request(**changes: Any) -> dict[str, Any]:
    """VALID with changes; "invoice.x" and "line0.x" keys reach into the nested objects."""
    payload = copy.deepcopy(VALID)
    for key, value in changes.items():
        target, _, name = key.rpartition("__")
        where = payload
        try:
            if target == "invoice":
                where = payload["invoice"]
            elif target.startswith("line"):
                where = payload["invoice"]["line_items"][int(target[4:])]
            elif target == "customer":
                where = payload["customer_details"]
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change replaced the parent object
        if not isinstance(where, dict):
            continue  # an earlier change replaced the parent object
        if value is _DROP:
            where.pop(name, None)
        else:
            where[name] = value
    return payload


_DROP = object()


def rules_of(payload: Any) -> list[tuple[str, str]]:
    return [(v.field, v.rule) for v in validate_invoice_request(payload, NOW)]


def test_the_valid_request_is_valid() -> None:
    assert validate_invoice_request(VALID, NOW) == []
    assert validate_invoice_request(request(cart_currency="sar", tran_type="Sale"), NOW) == []


@pytest.mark.parametrize(
    ("changes", "field", "rule_part"),
    [
        ({"profile_id": _DROP}, "profile_id", "is required"),
        ({"profile_id": "987###"}, "profile_id", "positive whole number"),
        ({"profile_id": 0}, "profile_id", "positive whole number"),
        ({"profile_id": True}, "profile_id", "positive whole number"),
        ({"profile_id": 44537.5}, "profile_id", "positive whole number"),
        ({"tran_type": _DROP}, "tran_type", "is required"),
        ({"tran_type": "refund"}, "tran_type", "must be one of: sale, auth"),
        ({"tran_class": _DROP}, "tran_class", "is required"),
        ({"tran_class": "moto"}, "tran_class", "must be one of: ecom"),
        ({"cart_id": _DROP}, "cart_id", "is required"),
        ({"cart_id": ""}, "cart_id", "is required"),
        ({"cart_id": "   "}, "cart_id", "is required"),
        ({"cart_id": "x" * 65}, "cart_id", "at most 64 characters"),
        ({"cart_id": 1001}, "cart_id", "must be text"),
        ({"cart_description": _DROP}, "cart_description", "is required"),
        ({"cart_description": "d" * 129}, "cart_description", "at most 128 characters"),
        ({"cart_currency": _DROP}, "cart_currency", "is required"),
        ({"cart_currency": "CHF"}, "cart_currency", "not a currency the gateway accepts"),
        ({"cart_currency": "riyal"}, "cart_currency", "ISO 4217"),
        ({"cart_amount": _DROP}, "cart_amount", "is required"),
        ({"cart_amount": "0"}, "cart_amount", "at least 0.01"),
        ({"cart_amount": "-119.00"}, "cart_amount", "at least 0.01"),
        ({"cart_amount": "119.001"}, "cart_amount", "at most 2 decimal places"),
        ({"cart_amount": "10000000000.00"}, "cart_amount", "at most 9999999999.99"),
        ({"cart_amount": "119,00"}, "cart_amount", "plain number"),
        ({"cart_amount": "١١٩"}, "cart_amount", "plain number"),
        ({"cart_amount": True}, "cart_amount", "must be a number"),
        ({"cart_amount": "119.50"}, "cart_amount", "must equal the invoice total 119.00"),
        ({"tokenise": 1}, "tokenise", "token format from 2 to 6"),
        ({"tokenise": "2"}, "tokenise", "token format from 2 to 6"),
        ({"hide_shipping": "yes"}, "hide_shipping", "true or false"),
        ({"callback": "ftp://merchant.example.com"}, "callback", "http:// or https://"),
        ({"return": "merchant.example.com"}, "return", "http:// or https://"),
        ({"customer_details": "First Last"}, "customer_details", "must be an object"),
        ({"customer__email": "[email protected]"}, "customer_details.email", "e-mail"),
        ({"customer__country": "SAU"}, "customer_details.country", "2-letter"),
        ({"customer__name": 5}, "customer_details.name", "must be text"),
        ({"invoice": _DROP}, "invoice", "is required"),
        ({"invoice": []}, "invoice", "must be an object"),
        ({"invoice__lang": "fr"}, "invoice.lang", "en or ar"),
        ({"invoice__lang": "EN"}, "invoice.lang", "en or ar"),
        ({"invoice__disable_edit": 1}, "invoice.disable_edit", "true or false"),
        ({"invoice__shipping_charges": "-1"}, "invoice.shipping_charges", "at least 0.00"),
        ({"invoice__extra_charges": "0.001"}, "invoice.extra_charges", "decimal places"),
        ({"invoice__extra_discount": "x"}, "invoice.extra_discount", "plain number"),
        ({"invoice__total": "120.00"}, "invoice.total", "0/null (auto-calculated) or equal"),
        ({"invoice__activation_date": "2029-12-31T09:00:00+03:00"}, "invoice.activation_date",
         "later than now"),
        ({"invoice__activation_date": "2030-01-02T09:00:00"}, "invoice.activation_date",
         "UTC offset"),
        ({"invoice__activation_date": "2 Jan 2030"}, "invoice.activation_date", "date-time"),
        ({"invoice__expiry_date": "2030-01-02T09:00:00+03:00"}, "invoice.expiry_date",
         "later than activation_date"),
        ({"invoice__due_date": "2030-01-01T09:00:00+03:00"}, "invoice.due_date",
         "later than activation_date"),
        ({"invoice__line_items": _DROP}, "invoice.line_items", "is required"),
        ({"invoice__line_items": []}, "invoice.line_items", "at least one line item"),
        ({"invoice__line_items": {"unit_cost": 1}}, "invoice.line_items", "must be a list"),
        ({"invoice__line_items": ["beans"]}, "invoice.line_items[0]", "must be an object"),
        ({"line0__unit_cost": _DROP}, "invoice.line_items[0].unit_cost", "is required"),
        ({"line0__unit_cost": 0}, "invoice.line_items[0].unit_cost", "more than 0"),
        ({"line0__unit_cost": "-50"}, "invoice.line_items[0].unit_cost", "more than 0"),
        ({"line0__unit_cost": "50.001"}, "invoice.line_items[0].unit_cost", "decimal places"),
        ({"line0__unit_cost": "fifty"}, "invoice.line_items[0].unit_cost", "plain number"),
        ({"line0__unit_cost": "1e12"}, "invoice.line_items[0].unit_cost", "plain number"),
        ({"line0__quantity": _DROP}, "invoice.line_items[0].quantity", "is required"),
        ({"line0__quantity": 0}, "invoice.line_items[0].quantity", "whole number, at least 1"),
        ({"line0__quantity": 1.5}, "invoice.line_items[0].quantity", "whole number"),
        ({"line0__quantity": "two"}, "invoice.line_items[0].quantity", "plain number"),
        ({"line0__quantity": 10**9}, "invoice.line_items[0].quantity", "must not exceed"),
        ({"line0__quantity": 10**13}, "invoice.line_items[0].quantity", "at most"),
        ({"line0__quantity": Decimal("1E+999999999")}, "invoice.line_items[0].quantity",
         "at most"),
        ({"line0__total": Decimal("1E+999999999")}, "invoice.line_items[0].total", "too large"),
        ({"cart_amount": Decimal("1E+999999999")}, "cart_amount", "too large"),
        ({"invoice__shipping_charges": Decimal("-1E+999999999")}, "invoice.shipping_charges",
         "too large"),
        ({"line0__discount_rate": 101}, "invoice.line_items[0].discount_rate", "0 to 100"),
        ({"line0__discount_rate": -5}, "invoice.line_items[0].discount_rate", "0 to 100"),
        ({"line0__tax_rate": "15.12345"}, "invoice.line_items[0].tax_rate", "4 decimal places"),
        ({"line0__discount_amount": "-1"}, "invoice.line_items[0].discount_amount",
         "at least 0.00"),
        ({"line0__discount_amount": "100.01"}, "invoice.line_items[0].discount_amount",
         "must not exceed the line's net 100.00"),
        ({"line0__tax_total": "1.234"}, "invoice.line_items[0].tax_total", "decimal places"),
        ({"line0__net_total": "99.00"}, "invoice.line_items[0].net_total", "equal 100.00"),
        ({"line0__total": "100.00"}, "invoice.line_items[0].total", "equal 103.50"),
        ({"line0__url": "javascript:alert(1)"}, "invoice.line_items[0].url", "http://"),
        ({"line0__sku": 12}, "invoice.line_items[0].sku", "must be text"),
    ],
)  # fmt: skip
def test_each_rule_names_its_field(changes: dict[str, Any], field: str, rule_part: str) -> None:
    found = validate_invoice_request(request(**changes), NOW)
    matching = [v for v in found if v.field == field]
    assert matching, f"expected a violation on {field}, got {found}"
    assert any(rule_part in v.rule for v in matching), matching
    assert all(isinstance(v, RuleViolation) for v in found)


def test_a_broken_line_does_not_also_blame_the_totals() -> None:
    # The total cannot be checked while a line is unreadable: only the line is reported.
    assert rules_of(request(line1__unit_cost="abc")) == [
        ("invoice.line_items[1].unit_cost", "must be a number (a plain number such as 9.50)")
    ]


@pytest.mark.parametrize(
    ("key", "value"),
    [("shipping_charges", "10.001"), ("extra_charges", "lots"), ("extra_discount", "-1")],
)
def test_a_broken_charge_does_not_also_blame_the_totals(key: str, value: str) -> None:
    # Without the charge the total is unknown: cart_amount and invoice.total are not judged.
    found = rules_of(request(**{f"invoice__{key}": value, "invoice__total": "119.00"}))
    assert [field for field, _ in found] == [f"invoice.{key}"]


def test_every_violation_is_reported_at_once() -> None:
    payload = request(
        profile_id=_DROP, cart_id="", cart_amount="1.001", invoice__lang="de",
        line0__quantity=0, line1__unit_cost=_DROP,
    )  # fmt: skip
    fields = [f for f, _ in rules_of(payload)]
    assert fields == [
        "profile_id",
        "cart_id",
        "cart_amount",
        "invoice.lang",
        "invoice.line_items[0].quantity",
        "invoice.line_items[1].unit_cost",
    ]


def test_explicit_totals_of_zero_mean_auto() -> None:
    payload = request(invoice__total=0, line0__net_total=None, line0__total="0.00", line1__total=0)
    assert validate_invoice_request(payload, NOW) == []
    assert validate_invoice_request(request(invoice__total=None), NOW) == []
    assert validate_invoice_request(request(invoice__total="119.00"), NOW) == []


def test_amounts_may_be_strings_numbers_or_decimals() -> None:
    for amount in ("119", "119.0", "119.00", 119, 119.0, Decimal("119.00")):
        assert validate_invoice_request(request(cart_amount=amount), NOW) == [], amount


def test_currency_decimals_apply_to_every_amount() -> None:
    kwd = request(cart_currency="KWD", cart_amount="119.000", line0__unit_cost="50.000")
    assert validate_invoice_request(kwd, NOW) == []
    jpy = request(cart_currency="JPY", cart_amount="119", invoice__shipping_charges=10,
                  invoice__extra_discount=1, line1__unit_cost=6.5, line0__total=None,
                  line0__net_total=100, line1__total=None)  # fmt: skip
    fields = [f for f, _ in rules_of(jpy)]
    assert fields == ["invoice.line_items[1].unit_cost"]
    assert "JPY allows at most 0 decimal places" in rules_of(jpy)[0][1]


def test_lowercase_currency_is_accepted() -> None:
    assert validate_invoice_request(request(cart_currency="sar"), NOW) == []


def test_no_dates_is_fine_and_activation_is_optional() -> None:
    payload = request(invoice__activation_date=_DROP, invoice__expiry_date=_DROP,
                      invoice__due_date=_DROP)  # fmt: skip
    assert validate_invoice_request(payload, NOW) == []
    expired = request(invoice__activation_date=_DROP, invoice__expiry_date="2029-12-01T00:00:00Z")
    assert [f for f, _ in rules_of(expired)] == ["invoice.expiry_date"]


def test_not_an_object() -> None:
    assert rules_of([VALID]) == [("request", "must be a JSON object")]


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        validate_invoice_request(VALID, datetime(2030, 1, 1))


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.decimals(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
FIELD_PATHS = [
    "profile_id", "tran_type", "tran_class", "cart_id", "cart_description", "cart_currency",
    "cart_amount", "tokenise", "hide_shipping", "callback", "customer_details", "customer__email",
    "invoice", "invoice__lang", "invoice__total", "invoice__shipping_charges",
    "invoice__activation_date", "invoice__expiry_date", "invoice__line_items", "line0__unit_cost",
    "line0__quantity", "line0__discount_rate", "line0__tax_total", "line0__total", "line1__url",
]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(FIELD_PATHS), json_values, min_size=1, max_size=4))
def test_hostile_input_never_crashes_the_validator(changes: dict[str, Any]) -> None:
    """The sandbox calls this on whatever arrives: it must answer with violations, not raise."""
    found = validate_invoice_request(request(**changes), NOW)
    assert all(isinstance(v, RuleViolation) and v.field for v in found)
    try:
        invoice = invoice_from_wire(request(**changes))
    except ValidationError as exc:
        assert exc.violations
    else:
        # what the tolerant reader accepts, it writes back as a request the strict rules accept
        # (bar the clock and the fields it fills in itself)
        assert invoice.currency
        rewritten = validate_invoice_request(invoice.to_wire(profile_id=1), NOW)
        assert {v.field for v in rewritten} <= {
            "invoice.activation_date",
            "invoice.expiry_date",
            "invoice.due_date",
            "cart_amount",
        }
