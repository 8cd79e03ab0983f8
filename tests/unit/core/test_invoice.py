"""PT2 invoices: the reference samples' figures, line arithmetic, the wire form and its reading."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from clickpay_desk.core.invoice import (
    CustomerDetails,
    Invoice,
    LineItem,
    compute_line,
    compute_totals,
    invoice_from_wire,
    parse_line_field,
    validate_invoice_request,
)
from clickpay_desk.core.rules import ValidationError

D = Decimal
DUBAI = timezone(timedelta(hours=4))
Sample = Callable[..., Any]


# --- the reference samples ----------------------------------------------------------------


@pytest.mark.parametrize("decimals", [False, True], ids=["floats", "decimals"])
def test_000_sample_line_and_total_come_out_as_printed(sample: Sample, decimals: bool) -> None:
    payload = sample("000_create_invoice_request.json", decimals=decimals)
    printed = payload["invoice"]["line_items"][0]
    invoice = invoice_from_wire(payload)
    (line,) = invoice.line_totals
    assert line.net == D(str(printed["net_total"])) == D("9.5")
    assert line.total == D(str(printed["total"])) == D("9.5")
    assert line.discount == 0 and line.tax == 0
    assert invoice.cart_amount == D(payload["cart_amount"]) == D("9.50")
    assert invoice.totals.grand_total == D("9.50")
    assert str(invoice.cart_amount) == "9.50"  # SAR: exactly 2 decimals
    assert invoice.currency == "SAR"
    assert invoice.profile_id == 44537
    assert invoice.customer == CustomerDetails(
        name="First Last", email="wj@email.com", street1="404, 11th st, void", city="Riyadh",
        country="SA",
    )  # fmt: skip
    assert invoice.hide_shipping is True and invoice.customer_ref == "CUST0101"
    assert invoice.activation_date == datetime(2021, 9, 5, 15, 58, 20, tzinfo=DUBAI)


@pytest.mark.parametrize(
    ("name", "now"),
    [
        ("000_create_invoice_request.json", datetime(2021, 9, 1, tzinfo=UTC)),
        ("000_create_invoice_tokenise_request.json", datetime(2021, 7, 20, tzinfo=UTC)),
    ],
)
def test_000_samples_pass_the_strict_rules(sample: Sample, name: str, now: datetime) -> None:
    assert validate_invoice_request(sample(name), now) == []
    assert validate_invoice_request(sample(name, decimals=True), now) == []


def test_000_samples_are_refused_once_their_activation_has_passed(sample: Sample) -> None:
    later = datetime(2021, 9, 10, tzinfo=UTC)
    found = validate_invoice_request(sample("000_create_invoice_request.json"), later)
    assert [v.field for v in found] == ["invoice.activation_date"]


def test_000_tokenised_sample(sample: Sample) -> None:
    invoice = invoice_from_wire(sample("000_create_invoice_tokenise_request.json"))
    assert invoice.tokenise == 2
    assert invoice.customer is None
    assert invoice.cart_amount == D("9.50")
    assert invoice.to_wire()["tokenise"] == 2


def test_001_sample_five_times_hundred_is_five_hundred(sample: Sample) -> None:
    payload = sample("001_invoice_request.json")
    # The sample's profile id is masked ("987###"); the strict rules say exactly that.
    found = validate_invoice_request(payload, datetime(2024, 1, 1, tzinfo=UTC))
    assert [(v.field, v.value) for v in found] == [("profile_id", "987###")]
    payload["profile_id"] = "44537"
    assert validate_invoice_request(payload, datetime(2024, 1, 1, tzinfo=UTC)) == []
    invoice = invoice_from_wire(payload)
    (line,) = invoice.line_totals
    assert (line.net, line.total) == (D("500.00"), D("500.00"))
    assert invoice.cart_amount == D(500)
    assert invoice.to_wire()["cart_amount"] == "500.00"
    assert invoice.profile_id == 44537


def test_sample_round_trips_through_the_wire(sample: Sample) -> None:
    invoice = invoice_from_wire(sample("000_create_invoice_request.json"))
    wire = invoice.to_wire()
    assert invoice_from_wire(wire) == invoice
    assert invoice_from_wire(json.loads(json.dumps(wire))) == invoice
    assert validate_invoice_request(wire, datetime(2021, 9, 1, tzinfo=UTC)) == []


# --- line arithmetic ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "currency", "net", "discount", "tax", "total"),
    [
        (LineItem(unit_cost=D("9.5")), "SAR", "9.50", "0.00", "0.00", "9.50"),
        (LineItem(unit_cost=D(100), quantity=D(5)), "SAR", "500.00", "0.00", "0.00", "500.00"),
        # discount by rate, tax on (net - discount)
        (LineItem(unit_cost=D("9.99"), quantity=D(3), discount_rate=D("12.5"), tax_rate=D(15)),
         "SAR", "29.97", "3.75", "3.93", "30.15"),
        # an explicit amount wins over the rate
        (LineItem(unit_cost=D(10), discount_rate=D(50), discount_amount=D("1.00")),
         "SAR", "10.00", "1.00", "0.00", "9.00"),
        (LineItem(unit_cost=D(10), tax_rate=D(15), tax_total=D("2.00")),
         "SAR", "10.00", "0.00", "2.00", "12.00"),
        # 0 given explicitly means "use the rate"
        (LineItem(unit_cost=D(10), tax_rate=D(15), tax_total=D(0)),
         "SAR", "10.00", "0.00", "1.50", "11.50"),
        # half-up at the minor unit: 0.10 x 5% = 0.005 -> 0.01
        (LineItem(unit_cost=D("0.10"), tax_rate=D(5)), "SAR", "0.10", "0.00", "0.01", "0.11"),
        (LineItem(unit_cost=D("1.005"), quantity=D(3), tax_rate=D(5)),
         "KWD", "3.015", "0.000", "0.151", "3.166"),
        (LineItem(unit_cost=D(333), tax_rate=D(15)), "JPY", "333", "0", "50", "383"),
        (LineItem(unit_cost=D("0.250"), quantity=D(2), discount_rate=D(10)),
         "IQD", "0.500", "0.050", "0.000", "0.450"),
        (LineItem(unit_cost=D(10), discount_rate=D(100), tax_rate=D(15)),
         "SAR", "10.00", "10.00", "0.00", "0.00"),
    ],
)  # fmt: skip
def test_line_figures(
    item: LineItem, currency: str, net: str, discount: str, tax: str, total: str
) -> None:
    t = compute_line(item, currency)
    assert (str(t.net), str(t.discount), str(t.tax), str(t.total)) == (net, discount, tax, total)
    assert t.net - t.discount + t.tax == t.total


def test_rounding_is_per_line_then_summed() -> None:
    # Each line's tax is 0.005 -> 0.01; rounding the sum instead would give 0.02, not 0.03.
    lines = [LineItem(unit_cost=D("0.10"), tax_rate=D(5))] * 3
    totals = compute_totals(lines, "SAR")
    assert totals.tax == D("0.03")
    assert totals.grand_total == D("0.33")


def test_invoice_total_adds_charges_and_takes_the_extra_discount() -> None:
    lines = [LineItem(unit_cost=D(100), quantity=D(5)), LineItem(unit_cost=D("9.5"))]
    totals = compute_totals(
        lines, "SAR", shipping_charges=D(25), extra_charges=D("4.5"), extra_discount=D(10)
    )
    assert totals.lines_total == D("509.50")
    assert totals.grand_total == D("529.00")
    assert all(isinstance(v, Decimal) for v in (totals.net, totals.tax, totals.grand_total))
    assert str(compute_totals([], "KWD").grand_total) == "0.000"


def test_line_item_refuses_floats() -> None:
    with pytest.raises(TypeError):
        LineItem(unit_cost=9.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        LineItem(unit_cost=D(1), quantity=1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        LineItem(unit_cost=D(1), tax_rate=True)  # type: ignore[arg-type]
    assert LineItem(unit_cost=5, quantity=2).unit_cost == D(5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        LineItem(D(1))  # type: ignore[misc]  # keyword-only: no positional mix-ups


# --- the Invoice value and its wire form -----------------------------------------------------


def make_invoice(**changes: Any) -> Invoice:
    base = Invoice(
        currency="SAR",
        cart_id="INV-1001",
        cart_description="Coffee beans",
        lines=(
            LineItem(sku="B-1", description="Beans 1 kg", unit_cost=D("45.5"), quantity=D(2),
                     tax_rate=D(15)),
            LineItem(description="Grinder", unit_cost=D(300), discount_amount=D(30)),
        ),
        shipping_charges=D(20),
        activation_date=datetime(2030, 1, 1, 9, 0, tzinfo=DUBAI),
        expiry_date=datetime(2030, 1, 31, 9, 0, tzinfo=DUBAI),
        due_date=datetime(2030, 1, 15, 9, 0, tzinfo=DUBAI),
        customer=CustomerDetails(name="First Last", email="wj@email.com", country="SA"),
        lang="ar",
        callback_url="https://merchant.example.com/cb",
        return_url="https://merchant.example.com/back",
        profile_id=44537,
    )  # fmt: skip
    return replace(base, **changes)


def test_to_wire_writes_amounts_as_exact_strings() -> None:
    wire = make_invoice().to_wire()
    assert wire["cart_amount"] == "394.65"  # 91.00 + 13.65 + 270.00 + 20.00
    assert wire["cart_currency"] == "SAR"
    assert wire["profile_id"] == 44537
    inv = wire["invoice"]
    assert inv["total"] == "394.65"
    assert inv["shipping_charges"] == "20.00"
    assert inv["lang"] == "ar"
    assert inv["activation_date"] == "2030-01-01T09:00:00+04:00"
    first, second = inv["line_items"]
    assert first == {
        "sku": "B-1", "description": "Beans 1 kg", "unit_cost": "45.50", "quantity": 2,
        "net_total": "91.00", "discount_rate": "0", "discount_amount": "0.00", "tax_rate": "15",
        "tax_total": "0.00", "total": "104.65",
    }  # fmt: skip
    assert second["discount_amount"] == "30.00" and second["total"] == "270.00"
    assert wire["callback"] == "https://merchant.example.com/cb"
    assert wire["return"] == "https://merchant.example.com/back"
    json.dumps(wire)  # plain JSON: no Decimal, no datetime


def test_to_wire_has_exactly_the_currency_decimals() -> None:
    kwd = Invoice(currency="kwd", cart_id="c", cart_description="d",
                  lines=(LineItem(unit_cost=D("1.5")),))  # fmt: skip
    assert kwd.to_wire()["cart_amount"] == "1.500"
    jpy = Invoice(currency="JPY", cart_id="c", cart_description="d",
                  lines=(LineItem(unit_cost=D(1500), tax_rate=D(10)),))  # fmt: skip
    assert jpy.to_wire()["cart_amount"] == "1650"
    assert jpy.to_wire()["invoice"]["line_items"][0]["unit_cost"] == "1500"


def test_profile_id_can_come_from_the_gateway_profile() -> None:
    invoice = make_invoice(profile_id=None)
    assert "profile_id" not in invoice.to_wire()
    assert invoice.to_wire(profile_id="44537")["profile_id"] == 44537
    assert invoice.problems(datetime(2029, 1, 1, tzinfo=UTC)) == []


def test_invoice_round_trips() -> None:
    invoice = make_invoice()
    assert invoice_from_wire(invoice.to_wire()) == invoice
    assert invoice.problems(datetime(2029, 12, 31, tzinfo=UTC)) == []


def test_invoice_problems_name_wire_fields() -> None:
    invoice = make_invoice(cart_id="", lang="fr")
    found = {v.field for v in invoice.problems(datetime(2029, 12, 31, tzinfo=UTC))}
    assert found == {"cart_id", "invoice.lang"}
    late = {v.field for v in make_invoice().problems(datetime(2030, 6, 1, tzinfo=UTC))}
    assert late == {"invoice.activation_date"}


def test_invoice_refuses_what_cannot_be_written_exactly() -> None:
    with pytest.raises(ValidationError) as err:
        make_invoice(lines=(LineItem(unit_cost=D("9.555")),))
    assert [v.field for v in err.value.violations] == ["invoice.line_items[0].unit_cost"]
    with pytest.raises(ValidationError) as err:
        make_invoice(shipping_charges=D("0.001"))
    assert [v.field for v in err.value.violations] == ["invoice.shipping_charges"]
    with pytest.raises(ValidationError) as err:
        make_invoice(activation_date=datetime(2030, 1, 1, 9, 0))
    assert [v.field for v in err.value.violations] == ["invoice.activation_date"]
    with pytest.raises(ValidationError) as err:
        make_invoice(currency="CHF")
    assert [v.field for v in err.value.violations] == ["cart_currency"]
    with pytest.raises(TypeError):
        make_invoice(shipping_charges=2.5)


def test_invoice_totals_are_decimal() -> None:
    totals = make_invoice().totals
    for value in (totals.net, totals.discount, totals.tax, totals.lines_total, totals.grand_total):
        assert type(value) is Decimal


def test_parse_line_field() -> None:
    assert parse_line_field("invoice.line_items[2].unit_cost") == (2, "unit_cost")
    assert parse_line_field("invoice.line_items[12]") == (12, "")
    assert parse_line_field("cart_amount") is None


# --- tolerant reading ------------------------------------------------------------------------


def minimal(**invoice: Any) -> dict[str, Any]:
    return {
        "cart_id": "c-1",
        "cart_description": "d",
        "cart_currency": "sar",
        "invoice": {"line_items": [{"unit_cost": "9.5", "quantity": 1}], **invoice},
    }


@pytest.mark.parametrize("unit_cost", ["9.50", "9.5", 9.5, D("9.5"), D("9.50"), "٩٫٥"])
def test_from_wire_accepts_amounts_in_any_form(unit_cost: object) -> None:
    payload = minimal()
    payload["invoice"]["line_items"][0]["unit_cost"] = unit_cost
    payload["cart_amount"] = 9.5
    invoice = invoice_from_wire(payload)
    assert invoice.lines[0].unit_cost == D("9.50")
    assert invoice.cart_amount == D("9.50")
    assert invoice.tran_type == "sale" and invoice.tran_class == "ecom"


def test_from_wire_accepts_ids_as_text_or_numbers_and_ignores_unknown_keys() -> None:
    payload = minimal(lang="AR", disable_edit="true", surprise={"x": 1})
    payload.update(profile_id="44537", cart_id=1001, customer_ref=77, tokenise="2",
                   paypage_lang="ar", future_field=[1, 2])  # fmt: skip
    invoice = invoice_from_wire(payload)
    assert invoice.profile_id == 44537
    assert invoice.cart_id == "1001"
    assert invoice.customer_ref == "77"
    assert invoice.tokenise == 2
    assert invoice.lang == "ar" and invoice.disable_edit is True
    payload["profile_id"] = 44537
    assert invoice_from_wire(payload).profile_id == 44537


def test_from_wire_names_the_wire_field() -> None:
    payload = minimal()
    payload["invoice"]["line_items"] = [
        {"unit_cost": 1, "quantity": 1},
        {"unit_cost": 2, "quantity": 1},
        {"unit_cost": "two", "quantity": 1.5},
    ]
    with pytest.raises(ValidationError) as err:
        invoice_from_wire(payload)
    assert [v.field for v in err.value.violations] == [
        "invoice.line_items[2].unit_cost",
        "invoice.line_items[2].quantity",
    ]
    assert "invoice.line_items[2].unit_cost" in str(err.value)


def test_from_wire_checks_totals_but_not_the_clock() -> None:
    payload = minimal(activation_date="2001-01-01T00:00:00Z", expiry_date="2001-02-01T00:00:00Z")
    payload["cart_amount"] = "9.50"
    assert invoice_from_wire(payload).cart_amount == D("9.50")
    payload["cart_amount"] = "10.00"
    with pytest.raises(ValidationError) as err:
        invoice_from_wire(payload)
    assert [v.field for v in err.value.violations] == ["cart_amount"]
    assert "9.50" in err.value.violations[0].rule
    payload["cart_amount"] = "9.50"
    payload["invoice"]["expiry_date"] = "2000-12-31T00:00:00Z"
    with pytest.raises(ValidationError) as err:
        invoice_from_wire(payload)
    assert [v.field for v in err.value.violations] == ["invoice.expiry_date"]


def test_from_wire_refuses_non_objects() -> None:
    for bad in (None, [], "{}", 5):
        with pytest.raises(ValidationError) as err:
            invoice_from_wire(bad)  # type: ignore[arg-type]
        assert err.value.violations[0].field == "request"
