"""Contact checks shared by invoices, Geidea customers and payout beneficiaries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from clickpay_desk.core.contact import check_country, check_e164, check_email
from clickpay_desk.core.invoice import validate_invoice_request


@pytest.mark.parametrize(
    ("value", "expected"),
    [("sa", "SA"), (" AE ", "AE"), ("XX", None), ("SAU", None), ("٥٥", None), ("", None)],
)
def test_country_is_iso_alpha_2(value: str, expected: str | None) -> None:
    assert check_country(value)[0] == expected


def test_email_is_checked_by_syntax_without_dns() -> None:
    assert check_email("Name@Example.COM")[0] == "Name@example.com"
    normalised, rule = check_email("name@@example.com")
    assert normalised is None and "not a valid e-mail" in rule


def test_mobile_must_be_full_international_number() -> None:
    assert check_e164("+966501234567")[0] == "+966501234567"
    assert check_e164("0501234567")[0] is None  # no country code: not E.164
    assert check_e164("+96651111111")[0] is None  # the reference sample: too short for KSA


def test_invoice_customer_with_unknown_country_is_refused() -> None:
    payload = {
        "profile_id": 44537, "tran_type": "sale", "tran_class": "ecom",
        "cart_id": "c1", "cart_description": "d", "cart_currency": "SAR", "cart_amount": "9.50",
        "customer_details": {"name": "A", "email": "a@example.com", "country": "XX"},
        "invoice": {"line_items": [{"unit_cost": "9.50", "quantity": 1}]},
    }  # fmt: skip
    found = validate_invoice_request(payload, datetime(2026, 1, 1, tzinfo=UTC))
    assert [v.field for v in found] == ["customer_details.country"]
