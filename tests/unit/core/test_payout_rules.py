"""Payout transfer requests and batch bodies (reference 004).

The 004 fixtures are the reference's samples as printed, except: ``{{profile_id}}`` and
``{{account_id}}`` were replaced by 45154 and 654 (the values of the reference's own batch/new
sample), and the ``/// Multiple Batch use sub_total`` comment was removed from the close body.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clickpay_desk.core.payout import (
    MANDATORY_FIELDS,
    MAY_BE_EMPTY,
    TRANSFER_CODES,
    PayoutRequest,
    TransferCode,
    batch_summary,
    payout_request_from_wire,
    validate_batch_add,
    validate_batch_close,
    validate_batch_new,
    validate_payout_request,
)
from clickpay_desk.core.rules import RuleViolation, ValidationError

FIXTURES = Path(__file__).parents[2] / "fixtures" / "reference"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"), parse_float=Decimal)


def fields_of(violations: list[RuleViolation]) -> list[str]:
    return [v.field for v in violations]


def only(violations: list[RuleViolation]) -> RuleViolation:
    assert len(violations) == 1, violations
    return violations[0]


def good(**changes: object) -> dict[str, object]:
    """The second request of the reference's batch/add sample, which the gateway takes."""
    request: dict[str, object] = {
        "amount": 155,
        "beneficiary_name": "Rami Hegazi",
        "beneficiary_country": "SE",
        "beneficiary_account_number": "SE3550000000054910000003",
        "beneficiary_bank": "ESSESESS",
        "beneficiary_bank_branch": "",
        "beneficiary_email": "clickpay@alinma.com",
        "beneficiary_mobile_number": "+971585436859",
        "beneficiary_address1": "Riyadh",
        "beneficiary_address2": "",
        "transfer_code": 101,
    }
    for name, value in changes.items():
        if value is DROP:
            request.pop(name, None)
        else:
            request[name] = value
    return request


DROP = object()


# --- the reference samples -------------------------------------------------------------------


def test_reference_batch_new_sample_is_refused_for_its_short_iban_and_mobile() -> None:
    """Reference 004's batch/new sample must NOT pass: "SA30050000001" is 13 characters where a
    Saudi IBAN has 24, and "+96651111111" is too short to be a valid Saudi number in E.164."""
    found = validate_batch_new(load("004_batch_new_request.json"), "SAR")
    assert fields_of(found) == [
        "requests[0].beneficiary_account_number",
        "requests[0].beneficiary_mobile_number",
    ]
    iban, mobile = found
    assert "must be 24 characters for a SA IBAN (has 13)" in iban.rule
    assert iban.value == "SA30050000001"
    assert "not a valid phone number" in mobile.rule
    assert mobile.value == "+96651111111"


def test_reference_batch_new_sample_request_alone_names_row_and_field() -> None:
    request = load("004_batch_new_request.json")["requests"][0]
    with pytest.raises(ValidationError) as caught:
        payout_request_from_wire(request, "SAR", row=7)
    assert [(v.row, v.field) for v in caught.value.violations] == [
        (7, "beneficiary_account_number"),
        (7, "beneficiary_mobile_number"),
    ]
    assert str(caught.value).startswith("row 7, beneficiary_account_number:")


def test_reference_batch_new_sample_passes_once_iban_and_mobile_are_real() -> None:
    body = load("004_batch_new_request.json")
    body["requests"][0].update(
        beneficiary_account_number="SA0380000000608010167519",
        beneficiary_mobile_number="+966501234567",
    )
    assert validate_batch_new(body, "SAR") == []


def test_reference_batch_add_sample_passes() -> None:
    body = load("004_batch_add_request.json")
    assert validate_batch_add(body, "SAR") == []
    requests = [
        payout_request_from_wire(r, "SAR", row=i + 1) for i, r in enumerate(body["requests"])
    ]
    assert batch_summary(requests, "SAR") == (2, Decimal("256.00"))
    for raw, request in zip(body["requests"], requests, strict=True):
        wire = request.to_wire()
        assert list(wire) == list(raw)  # the sample's key order
        assert wire == raw  # 101 == Decimal("101.00"): same value, currency decimals
        assert str(wire["amount"]).endswith(".00")


def test_reference_batch_close_sample_matches_a_one_request_batch_of_1_sar() -> None:
    assert validate_batch_close(load("004_batch_close_request.json"), 1, Decimal("1.00")) == []


def test_reference_response_and_query_samples_load() -> None:
    assert load("004_batch_new_response.json")["currency"] == "SAR"
    entry = load("004_batch_query_entry_response.json")
    assert Decimal(entry["amount"]) + Decimal(entry["fee"]) == Decimal(entry["total"])
    status = load("004_batch_query_status_response.json")
    assert [r["entry_id"] for r in status["requests"]] == [52, 54]
    for name in (
        "004_batch_query_request.json",
        "004_batch_query_entry_request.json",
        "004_batch_query_status_request.json",
    ):
        assert load(name)["profile_id"] == 45154


# --- one request: each rule with bad input ---------------------------------------------------


def test_good_request_is_valid() -> None:
    assert validate_payout_request(good(), "SAR") == []


@pytest.mark.parametrize("name", MANDATORY_FIELDS)
def test_every_mandatory_key_must_be_present(name: str) -> None:
    v = only(validate_payout_request(good(**{name: DROP}), "SAR", row=3))
    assert (v.field, v.row) == (name, 3)
    assert v.rule.startswith("is required")


@pytest.mark.parametrize("name", sorted(set(MANDATORY_FIELDS) - MAY_BE_EMPTY))
@pytest.mark.parametrize("blank", ["", "   ", None])
def test_mandatory_fields_other_than_branch_and_address2_must_not_be_empty(
    name: str, blank: object
) -> None:
    v = only(validate_payout_request(good(**{name: blank}), "SAR"))
    assert v.field == name
    assert v.rule == "must not be empty"


@pytest.mark.parametrize("name", sorted(MAY_BE_EMPTY))
@pytest.mark.parametrize("blank", ["", None])
def test_branch_and_address2_may_be_empty_but_present(name: str, blank: object) -> None:
    request = payout_request_from_wire(good(**{name: blank}), "SAR")
    assert getattr(request, name) == ""
    assert request.to_wire()[name] == ""


@pytest.mark.parametrize(
    ("name", "value", "rule"),
    [
        ("amount", 0, "greater than 0"),
        ("amount", "-10", "greater than 0"),
        ("amount", "10.005", "SAR allows at most 2 decimal places"),
        ("amount", "ten", "must be a number"),
        ("amount", True, "must be a number"),
        ("amount", "10000000000", "at most"),
        ("beneficiary_name", 42, "must be text"),
        ("beneficiary_bank", ["ALINMA"], "must be text"),
        ("beneficiary_bank_branch", 7, "must be text"),
        ("beneficiary_country", "XX", "not an ISO 3166-1 country code"),
        ("beneficiary_country", "SAU", "2-letter ISO 3166-1"),
        ("beneficiary_country", "Saudi Arabia", "2-letter ISO 3166-1"),
        ("beneficiary_country", 682, "2-letter ISO 3166-1"),
        ("beneficiary_account_number", "SE3550000000054910000004", "check digits"),
        (
            "beneficiary_account_number",
            "SE35500000000549100000",
            "must be 24 characters for a SE IBAN",
        ),
        ("beneficiary_account_number", "XX3550000000054910000003", "known IBAN country code"),
        ("beneficiary_account_number", "SE35 5000 0000 0549 1000 00!3", "not a valid IBAN"),
        ("beneficiary_account_number", 3550000000054910000003, "IBAN written as text"),
        ("beneficiary_email", "clickpay@", "not a valid e-mail address"),
        ("beneficiary_email", "clickpay.alinma.com", "not a valid e-mail address"),
        ("beneficiary_email", 5, "must be an e-mail address"),
        ("beneficiary_mobile_number", "0501234567", "E.164"),
        ("beneficiary_mobile_number", "971585436859", "E.164"),
        ("beneficiary_mobile_number", 971585436859, "E.164"),
        ("beneficiary_mobile_number", "+96651111111", "not a valid phone number"),
        ("beneficiary_mobile_number", "+abc", "not a phone number"),
        ("transfer_code", 104, "must be one of 100 (Salary), 101 (Pension)"),
        ("transfer_code", 99, "103 (Donation)"),
        ("transfer_code", "salary", "must be one of"),
        ("transfer_code", True, "must be one of"),
        ("merchant_reference", ["x"], "must be text"),
    ],
)
def test_each_rule_names_its_field(name: str, value: object, rule: str) -> None:
    v = only(validate_payout_request(good(**{name: value}), "SAR", row=12))
    assert (v.field, v.row) == (name, 12)
    assert rule in v.rule
    assert v.message().startswith(f"row 12, {name}: ")


@pytest.mark.parametrize(
    ("currency", "amount", "ok"),
    [
        ("KWD", "10.125", True),
        ("KWD", "10.1255", False),
        ("JPY", "1500", True),
        ("JPY", "1500.5", False),
        ("SAR", "0.01", True),
        ("SAR", "10.50", True),
    ],
)
def test_amount_decimals_follow_the_payout_currency(currency: str, amount: str, ok: bool) -> None:
    found = validate_payout_request(good(amount=amount), currency)
    assert (found == []) is ok
    if not ok:
        assert only(found).field == "amount"
        assert "decimal places" in found[0].rule


def test_iban_is_normalised_from_spaces_and_lower_case() -> None:
    request = payout_request_from_wire(
        good(beneficiary_account_number=" se35 5000 0000 0549 1000 0003 "), "SAR"
    )
    assert request.beneficiary_account_number == "SE3550000000054910000003"


def test_mobile_is_normalised_to_e164() -> None:
    request = payout_request_from_wire(good(beneficiary_mobile_number="+966 50-123 4567"), "SAR")
    assert request.beneficiary_mobile_number == "+966501234567"


def test_country_and_transfer_code_are_read_tolerantly() -> None:
    request = payout_request_from_wire(good(beneficiary_country="sa", transfer_code="100"), "SAR")
    assert request.beneficiary_country == "SA"
    assert request.transfer_code is TransferCode.SALARY
    assert request.to_wire()["transfer_code"] == 100


def test_merchant_reference_is_optional_and_sent_only_when_set() -> None:
    assert "merchant_reference" not in payout_request_from_wire(good(), "SAR").to_wire()
    assert payout_request_from_wire(good(merchant_reference="  "), "SAR").merchant_reference is None
    wire = payout_request_from_wire(good(merchant_reference=" EMP-0042 "), "SAR").to_wire()
    assert wire["merchant_reference"] == "EMP-0042"
    assert list(wire)[:2] == ["amount", "merchant_reference"]
    assert payout_request_from_wire(good(merchant_reference=42), "SAR").merchant_reference == "42"


def test_all_violations_of_one_request_come_together_with_the_row() -> None:
    request = good(amount="0", beneficiary_email="nope", transfer_code=7, beneficiary_address1=DROP)
    with pytest.raises(ValidationError) as caught:
        payout_request_from_wire(request, "SAR", row=4)
    assert sorted(fields_of(list(caught.value.violations))) == [
        "amount",
        "beneficiary_address1",
        "beneficiary_email",
        "transfer_code",
    ]
    assert {v.row for v in caught.value.violations} == {4}


def test_a_request_that_is_not_an_object_is_refused() -> None:
    v = only(validate_payout_request("not a request", "SAR", row=2))  # type: ignore[arg-type]
    assert (v.field, v.row) == ("request", 2)


def test_an_unknown_payout_currency_is_the_callers_error() -> None:
    with pytest.raises(ValidationError):
        validate_payout_request(good(), "XYZ")


# --- the PayoutRequest value -----------------------------------------------------------------


def test_constructed_value_equals_the_one_read_from_the_wire() -> None:
    built = PayoutRequest(
        amount=Decimal("155"),
        currency="sar",
        beneficiary_name="Rami Hegazi",
        beneficiary_country="se",
        beneficiary_account_number="SE35 5000 0000 0549 1000 0003",
        beneficiary_bank="ESSESESS",
        beneficiary_email="clickpay@alinma.com",
        beneficiary_mobile_number="+971 58 543 6859",
        beneficiary_address1="Riyadh",
        transfer_code=TransferCode.PENSION,
    )
    assert built == payout_request_from_wire(good(), "SAR")
    assert built.currency == "SAR"
    assert str(built.amount) == "155.00"


def test_value_cannot_be_built_broken() -> None:
    with pytest.raises(ValidationError) as caught:
        PayoutRequest(
            amount=Decimal("-1"),
            currency="SAR",
            beneficiary_name="A",
            beneficiary_country="SA",
            beneficiary_account_number="SA30050000001",
            beneficiary_bank="B",
            beneficiary_email="a@example.com",
            beneficiary_mobile_number="+966501234567",
            beneficiary_address1="C",
            transfer_code=TransferCode.SALARY,
        )
    assert fields_of(list(caught.value.violations)) == ["amount", "beneficiary_account_number"]


def test_transfer_codes() -> None:
    assert dict(TRANSFER_CODES) == {
        100: "Salary",
        101: "Pension",
        102: "General Cash Management",
        103: "Donation",
    }
    assert [int(c) for c in TransferCode] == [100, 101, 102, 103]
    assert TransferCode.GENERAL_CASH_MANAGEMENT.label == "General Cash Management"


# --- batch bodies ----------------------------------------------------------------------------


def new_body(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "profile_id": 45154,
        "account_id": 654,
        "order_id": "Payout-1",
        "requests": [good(), good(amount="10.50")],
    }
    for name, value in changes.items():
        if value is DROP:
            body.pop(name, None)
        else:
            body[name] = value
    return body


def test_batch_new_with_and_without_requests() -> None:
    assert validate_batch_new(new_body(), "SAR") == []
    assert validate_batch_new(new_body(requests=DROP), "SAR") == []
    assert validate_batch_new(new_body(requests=[]), "SAR") == []


@pytest.mark.parametrize(
    ("name", "value", "rule"),
    [
        ("profile_id", DROP, "is required"),
        ("profile_id", "abc", "positive whole number"),
        ("account_id", DROP, "is required"),
        ("account_id", 0, "positive whole number"),
        ("order_id", DROP, "is required"),
        ("order_id", "  ", "must not be empty"),
        ("order_id", 20240825, "must be text"),
        ("requests", {"amount": 1}, "JSON array"),
    ],
)
def test_batch_new_rules_name_their_field(name: str, value: object, rule: str) -> None:
    v = only(validate_batch_new(new_body(**{name: value}), "SAR"))
    assert v.field == name
    assert rule in v.rule


def test_batch_requests_are_named_by_their_zero_based_index() -> None:
    body = new_body(requests=[good(), good(beneficiary_email="x@"), "junk"])
    found = validate_batch_new(body, "SAR")
    assert fields_of(found) == ["requests[1].beneficiary_email", "requests[2]"]
    assert all(v.row is None for v in found)


def add_body(**changes: object) -> dict[str, object]:
    body = new_body(**changes)
    body.setdefault("batch_id", 30143)
    return body


def test_batch_add_needs_a_batch_id_and_at_least_one_request() -> None:
    assert validate_batch_add(add_body(), "SAR") == []
    assert validate_batch_add(add_body(order_id=DROP), "SAR") == []  # optional on add
    assert fields_of(validate_batch_add(add_body(batch_id=None), "SAR")) == ["batch_id"]
    assert fields_of(validate_batch_add(add_body(requests=[]), "SAR")) == ["requests"]
    assert fields_of(validate_batch_add(add_body(requests=DROP), "SAR")) == ["requests"]
    assert fields_of(validate_batch_add(add_body(order_id=""), "SAR")) == ["order_id"]
    assert fields_of(validate_batch_add(add_body(profile_id=DROP), "SAR")) == ["profile_id"]


def test_batch_add_reports_every_bad_request() -> None:
    body = add_body(requests=[good(amount=0), good(), good(transfer_code=200)])
    assert fields_of(validate_batch_add(body, "SAR")) == [
        "requests[0].amount",
        "requests[2].transfer_code",
    ]


def close_body(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "batch_id": 6,
        "profile_id": 45154,
        "account_id": 654,
        "count": 2,
        "total": "165.50",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not DROP}


def test_batch_close_must_state_the_batch_count_and_total() -> None:
    count, total = batch_summary(
        [
            payout_request_from_wire(good(), "SAR"),
            payout_request_from_wire(good(amount="10.5"), "SAR"),
        ],
        "SAR",
    )
    assert (count, total) == (2, Decimal("165.50"))
    assert validate_batch_close(close_body(), count, total) == []
    assert validate_batch_close(close_body(count="2", total=Decimal("165.5")), count, total) == []
    wrong = validate_batch_close(close_body(count=3, total="165.49"), count, total)
    assert fields_of(wrong) == ["count", "total"]
    assert "(2)" in wrong[0].rule and "(165.50)" in wrong[1].rule


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"batch_id": DROP}, "batch_id", "is required"),
        ({"account_id": "x"}, "account_id", "positive whole number"),
        ({"count": DROP}, "count", "is required"),
        ({"count": "two"}, "count", "whole number"),
        ({"total": DROP}, "total", "is required"),
        ({"total": "lots"}, "total", "must be a number"),
    ],
)
def test_batch_close_rules_name_their_field(
    changes: dict[str, object], field: str, rule: str
) -> None:
    v = only(validate_batch_close(close_body(**changes), 2, Decimal("165.50")))
    assert v.field == field
    assert rule in v.rule


def test_batch_close_reads_sub_total_when_total_is_absent() -> None:
    body = close_body(total=DROP, sub_total="165.50")
    assert validate_batch_close(body, 2, Decimal("165.50")) == []
    assert fields_of(validate_batch_close(body, 2, Decimal("1"))) == ["sub_total"]


def test_an_empty_batch_cannot_be_closed() -> None:
    found = validate_batch_close(close_body(count=0, total=0), 0, Decimal(0))
    assert fields_of(found) == ["count"]
    assert "no requests" in found[0].rule


def test_batch_bodies_that_are_not_objects_are_refused() -> None:
    for check in (
        lambda b: validate_batch_new(b, "SAR"),
        lambda b: validate_batch_add(b, "SAR"),
        lambda b: validate_batch_close(b, 1, Decimal(1)),
    ):
        assert fields_of(check([])) == ["body"]


def test_batch_summary_refuses_a_request_in_another_currency() -> None:
    with pytest.raises(ValueError, match="KWD"):
        batch_summary([payout_request_from_wire(good(), "KWD")], "SAR")
    assert batch_summary([], "SAR") == (0, Decimal("0.00"))


def test_a_large_batch_validates_quickly() -> None:
    body = add_body(requests=[good(amount=f"{i}.25") for i in range(1, 2001)])
    assert validate_batch_add(body, "SAR") == []


# --- properties ------------------------------------------------------------------------------

sar_amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999999.99"), places=2)


@settings(max_examples=100, deadline=None)
@given(
    amounts=st.lists(sar_amounts, min_size=1, max_size=20), code=st.sampled_from(list(TransferCode))
)
def test_wire_round_trip_and_batch_total(amounts: list[Decimal], code: TransferCode) -> None:
    requests = [
        payout_request_from_wire(good(amount=a, transfer_code=code), "SAR") for a in amounts
    ]
    for request in requests:
        assert payout_request_from_wire(request.to_wire(), "SAR") == request
    count, total = batch_summary(requests, "SAR")
    assert count == len(amounts)
    assert isinstance(total, Decimal)
    assert total == sum(amounts, Decimal(0))
    body = {"batch_id": 1, "profile_id": 1, "account_id": 1, "count": count, "total": total}
    assert validate_batch_close(body, count, total) == []


@settings(max_examples=100, deadline=None)
@given(amount=st.decimals(min_value=Decimal("0.001"), max_value=Decimal("999"), places=3))
def test_sar_amounts_with_a_third_decimal_are_refused(amount: Decimal) -> None:
    found = validate_payout_request(good(amount=amount), "SAR")
    has_third = amount != amount.quantize(Decimal("0.01"))
    assert (fields_of(found) == ["amount"]) is has_third


# --- what spreadsheets and Arabic text carry --------------------------------------------------

RLM, LRM, LRE, PDF = "\u200f", "\u200e", "\u202a", "\u202c"


def test_invisible_marks_around_codes_and_numbers_are_read_away() -> None:
    """Arabic Excel wraps cells in bidirectional marks the user cannot see: the IBAN, country,
    mobile, e-mail and amount still read as what the cell shows."""
    request = payout_request_from_wire(
        good(
            amount=f"{RLM}1,250.50{RLM}",
            beneficiary_country=f"{RLM}SE",
            beneficiary_account_number=f"{LRE}SE35 5000 0000 0549 1000 0003{PDF}",
            beneficiary_mobile_number=f"{LRM}+971 58 543 6859",
            beneficiary_email=f"{LRM}clickpay@alinma.com{LRM}",
        ),
        "SAR",
    )
    assert request.amount == Decimal("1250.50")
    assert request.beneficiary_country == "SE"
    assert request.beneficiary_account_number == "SE3550000000054910000003"
    assert request.beneficiary_mobile_number == "+971585436859"
    assert request.beneficiary_email == "clickpay@alinma.com"


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        (
            {"beneficiary_mobile_number": "0585436859", "beneficiary_country": "AE"},
            "must be in E.164 format: +971585436859 for this number",
        ),
        (
            {"beneficiary_mobile_number": "00971585436859"},
            "must be in E.164 format: +971585436859 for this number",
        ),
        (
            {"beneficiary_country": "Sweden"},
            "must be a 2-letter ISO 3166-1 country code: SE for Sweden",
        ),
        (
            {"beneficiary_country": "السويد"},
            "must be a 2-letter ISO 3166-1 country code: SE for السويد",
        ),
    ],
)
def test_a_value_written_another_way_is_refused_with_the_form_to_type(
    changes: dict[str, object], rule: str
) -> None:
    found = validate_payout_request(good(**changes), "SAR")
    assert rule in [v.rule for v in found]
