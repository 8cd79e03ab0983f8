"""One wire reader: a field is read by the same rules for invoices, agreements, Geidea, payouts."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from clickpay_desk.core.agreement import validate_payment_request
from clickpay_desk.core.geidea_invoice import validate_einvoice_request
from clickpay_desk.core.invoice import invoice_from_wire, validate_invoice_request
from clickpay_desk.core.payout import validate_batch_add, validate_batch_new
from clickpay_desk.core.wire import CART_ID_MAX, WireReader, parse_int

NOW = datetime(2030, 1, 1, tzinfo=UTC)
TODAY = date(2030, 1, 1)

INVOICE: dict[str, Any] = {
    "profile_id": 44537,
    "tran_type": "sale",
    "tran_class": "ecom",
    "cart_id": "INV-1001",
    "cart_description": "Coffee",
    "cart_currency": "SAR",
    "cart_amount": "10.00",
    "invoice": {"line_items": [{"unit_cost": "10.00", "quantity": 1}]},
}
PAYMENT: dict[str, Any] = {
    "profile_id": 44537,
    "tran_type": "sale",
    "tran_class": "ecom",
    "cart_id": "INV-1001",
    "cart_description": "Coffee",
    "cart_currency": "SAR",
    "cart_amount": "10.00",
}


def invoice_rules(**changes: Any) -> list[tuple[str, str]]:
    payload = copy.deepcopy(INVOICE) | changes
    return [(v.field, v.rule) for v in validate_invoice_request(payload, NOW)]


def payment_rules(**changes: Any) -> list[tuple[str, str]]:
    payload = copy.deepcopy(PAYMENT) | changes
    return [(v.field, v.rule) for v in validate_payment_request(payload, TODAY)]


@pytest.mark.parametrize(
    "cart_id",
    [
        "  " + "x" * CART_ID_MAX,  # 66 characters as sent, 64 once trimmed: used to differ
        "x" * CART_ID_MAX + "\t",
        " INV-1 ",
    ],
)
def test_cart_id_length_is_counted_after_trimming_everywhere(cart_id: str) -> None:
    assert invoice_rules(cart_id=cart_id) == []
    assert payment_rules(cart_id=cart_id) == []
    assert invoice_from_wire(copy.deepcopy(INVOICE) | {"cart_id": cart_id}).cart_id == (
        cart_id.strip()
    )


@pytest.mark.parametrize(
    ("cart_id", "rule"),
    [
        ("x" * 65, "must be at most 64 characters (has 65)"),
        ("   ", "is required: it must not be empty"),
        (1001, "must be text"),
    ],
)
def test_cart_id_is_refused_in_the_same_words_everywhere(cart_id: object, rule: str) -> None:
    assert invoice_rules(cart_id=cart_id) == [("cart_id", rule)]
    assert payment_rules(cart_id=cart_id) == [("cart_id", rule)]


@pytest.mark.parametrize("profile_id", ["abc", 0, -5, True, "44537.5", 44537.5])
def test_ids_follow_one_rule(profile_id: object) -> None:
    (invoice,) = invoice_rules(profile_id=profile_id)
    (payment,) = payment_rules(profile_id=profile_id)
    assert invoice[0] == payment[0] == "profile_id"
    assert "positive whole number" in invoice[1] and "positive whole number" in payment[1]
    batch = {"profile_id": profile_id, "account_id": 7, "order_id": "PAY-1"}
    assert [v.field for v in validate_batch_new(batch, "SAR")] == ["profile_id"]


def test_ids_as_digit_text_are_read_everywhere() -> None:
    assert invoice_rules(profile_id="44537") == payment_rules(profile_id="44537") == []
    batch = {"profile_id": "1", "account_id": "7", "order_id": "PAY-1"}
    assert validate_batch_new(batch, "SAR") == []


def test_order_id_is_text_trimmed_like_cart_id() -> None:
    found = validate_batch_new({"profile_id": 1, "account_id": 7, "order_id": "   "}, "SAR")
    assert [(v.field, v.rule) for v in found] == [("order_id", "is required: it must not be empty")]
    found = validate_batch_add(
        {"batch_id": 3, "profile_id": 1, "account_id": 7, "order_id": 12, "requests": []}, "SAR"
    )
    assert ("order_id", "must be text") in [(v.field, v.rule) for v in found]


def test_geidea_reference_text_is_trimmed_and_limited_as_text() -> None:
    payload: dict[str, Any] = {
        "amount": Decimal("10.00"),
        "currency": "SAR",
        "customer": {"name": "  ", "email": "a@example.com"},
        "eInvoiceDetails": {
            "subtotal": Decimal("10.00"),
            "grandTotal": Decimal("10.00"),
            "eInvoiceItems": [{"price": Decimal("10.00"), "quantity": 1, "total": Decimal("10")}],
        },
    }
    found = validate_einvoice_request(payload, NOW)
    assert [(v.field, v.rule) for v in found] == [
        ("customer.name", "is required: it must not be empty")
    ]


def test_the_reader_collects_into_a_given_list() -> None:
    found: list[Any] = []
    reader = WireReader(strict=True, found=found)
    assert reader.text({"a": " x "}, "a", "a", max_len=1) == "x"
    assert reader.identifier({"id": "١٢"}, "id", "id") is None  # strict: ASCII digits only
    assert WireReader(strict=False).identifier({"id": "12"}, "id", "id") == 12
    assert reader.choice({"t": " SALE "}, "t", "t", ("sale", "auth")) == "sale"
    assert reader.integer({"n": "2"}, "n", "n") == 2 and parse_int(2.0, "n") == 2
    assert [v.field for v in found] == ["id"]


def test_an_invoice_sends_its_text_ids_trimmed() -> None:
    from clickpay_desk.core.invoice import Invoice, LineItem

    invoice = Invoice(
        currency="SAR",
        cart_id="  INV-7 ",
        cart_description=" Coffee\n",
        lines=(LineItem(unit_cost=Decimal(5)),),
        customer_ref=" c-1 ",
    )
    wire = invoice.to_wire(profile_id=44537)
    assert (wire["cart_id"], wire["cart_description"], wire["customer_ref"]) == (
        "INV-7",
        "Coffee",
        "c-1",
    )
