"""Geidea eInvoice: the reference samples' figures, the derived-field model, rules, signature."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clickpay_desk.core.geidea_invoice import (
    AmountType,
    EInvoice,
    EInvoiceItem,
    GeideaCustomer,
    compute_einvoice,
    einvoice_from_wire,
    einvoice_json,
    einvoice_to_wire,
    quick_invoice_amount,
    quick_invoice_signature,
    validate_einvoice_request,
)
from clickpay_desk.core.rules import ValidationError

D = Decimal
Sample = Callable[..., Any]
CREATED = datetime(2024, 3, 18, 12, 36, 20, tzinfo=UTC)  # the sample's createdDate
ITEM_DERIVED = ("priceWithDiscount", "priceTax", "priceTotal", "totalWithoutTax", "totalTax",
                "total")  # fmt: skip
DETAIL_DERIVED = ("subtotalWithoutTax", "subtotalTax", "subtotal", "grandTotal")


def with_real_email(payload: dict[str, Any]) -> dict[str, Any]:
    # The reference's e-mails went through an e-mail obfuscator: "[email protected]".
    payload = copy.deepcopy(payload)
    payload["customer"]["email"] = "john@example.com"
    return payload


# --- the reference samples -----------------------------------------------------------------


@pytest.mark.parametrize("decimals", [False, True], ids=["floats", "decimals"])
def test_create_sample_ten_times_two_is_twenty(sample: Sample, decimals: bool) -> None:
    payload = sample("003_create_einvoice_request.json", decimals=decimals)
    found = validate_einvoice_request(payload, CREATED)
    assert [(v.field, v.value) for v in found] == [("customer.email", "[email\xa0protected]")]
    payload = with_real_email(payload)
    assert validate_einvoice_request(payload, CREATED) == []
    invoice = einvoice_from_wire(payload)
    assert invoice.amount == D(20)
    wire = einvoice_to_wire(invoice)
    printed = payload["eInvoiceDetails"]
    for key in ITEM_DERIVED:
        assert wire["eInvoiceDetails"]["eInvoiceItems"][0][key] == D(
            str(printed["eInvoiceItems"][0][key])
        ), key
    for key in DETAIL_DERIVED:
        assert wire["eInvoiceDetails"][key] == D(str(printed[key])), key
    assert wire["amount"] == D(str(payload["amount"])) == D("20.00")


@pytest.mark.parametrize(
    "name",
    [
        "003_create_einvoice_response.json",
        "003_update_einvoice_response.json",
        "003_send_einvoice_email_response.json",
        "003_send_einvoice_sms_response.json",
    ],
)
def test_response_samples_derived_fields_come_out_as_printed(sample: Sample, name: str) -> None:
    intent = sample(name, decimals=True)["paymentIntent"]
    intent["customer"]["email"] = "sidra@example.com"
    invoice = einvoice_from_wire(intent)
    wire = einvoice_to_wire(invoice)
    details = intent["eInvoiceDetails"]
    for printed, computed in zip(
        details["eInvoiceItems"], wire["eInvoiceDetails"]["eInvoiceItems"], strict=True
    ):
        for key in ITEM_DERIVED:
            assert computed[key] == printed[key], key
    for key in DETAIL_DERIVED:
        assert wire["eInvoiceDetails"][key] == details[key], key
    assert wire["amount"] == intent["amount"]


def test_hundred_times_ten_is_a_thousand(sample: Sample) -> None:
    details = sample("003_send_einvoice_email_response.json", decimals=True)["paymentIntent"][
        "eInvoiceDetails"
    ]
    (item,) = details["eInvoiceItems"]
    assert (item["price"], item["quantity"], item["total"]) == (D("100.00"), 10, D("1000.00"))
    totals = compute_einvoice([EInvoiceItem(price=D("100.00"), quantity=10)], "EGP")
    assert totals.items[0].total == D("1000.00")
    assert str(totals.grand_total) == "1000.00"
    assert totals.subtotal == details["subtotal"] == details["grandTotal"]


def test_update_sample_passes_the_update_rules(sample: Sample) -> None:
    payload = with_real_email(sample("003_update_einvoice_request.json"))
    assert validate_einvoice_request(payload, CREATED, update=True) == []
    invoice = einvoice_from_wire(payload, update=True)
    assert invoice.payment_intent_id == "8f67f208-7a6d-4e5c-741e-08dc400e92f5"
    assert invoice.status == "SentToCustomer"
    assert invoice.pre_authorize_amount is True
    wire = einvoice_to_wire(invoice)
    assert wire["paymentIntentId"] == payload["paymentIntentId"]
    assert validate_einvoice_request(wire, CREATED, update=True) == []
    # the same body without its paymentIntentId is not an update
    del payload["paymentIntentId"]
    found = validate_einvoice_request(payload, CREATED, update=True)
    assert [v.field for v in found] == ["paymentIntentId"]


def test_create_round_trips(sample: Sample) -> None:
    invoice = einvoice_from_wire(with_real_email(sample("003_create_einvoice_request.json")))
    wire = einvoice_to_wire(invoice)
    assert einvoice_from_wire(wire) == invoice
    text = einvoice_json(wire)
    assert '"amount":20.00' in text and '"price":10.00' in text
    assert einvoice_from_wire(json.loads(text, parse_float=D)) == invoice
    assert validate_einvoice_request(json.loads(text), CREATED) == []
    assert invoice.expiry_date == date(2024, 5, 10)
    assert wire["expiryDate"] == "2024-05-10"
    assert invoice.callback_url == "https://webhook.site/eb350004-1c84-48ef-8436-55c5a734cce4"


# --- the model -------------------------------------------------------------------------------


def test_discount_and_tax_per_unit_then_times_quantity() -> None:
    item = EInvoiceItem(price=D(100), quantity=3, item_discount=D(10),
                        item_discount_type=AmountType.PERCENTAGE, tax=D(15),
                        tax_type=AmountType.PERCENTAGE)  # fmt: skip
    t = compute_einvoice([item], "SAR").items[0]
    assert (t.price_with_discount, t.price_tax, t.price_total) == (D(90), D("13.50"), D("103.50"))
    assert (t.total_without_tax, t.total_tax, t.total) == (D(270), D("40.50"), D("310.50"))
    amounts = EInvoiceItem(price=D("10.00"), quantity=2, item_discount=D("1.50"), tax=D("0.85"))
    t = compute_einvoice([amounts], "SAR").items[0]
    assert (t.price_with_discount, t.price_tax, t.total) == (D("8.50"), D("0.85"), D("18.70"))


def test_unit_figures_round_half_up_before_multiplying() -> None:
    # 9.99 x 15% = 1.4985 -> 1.50 per unit, then x 7: the per-unit figure is what gets multiplied
    item = EInvoiceItem(price=D("9.99"), quantity=7, tax=D(15), tax_type=AmountType.PERCENTAGE)
    t = compute_einvoice([item], "SAR").items[0]
    assert t.price_tax == D("1.50")
    assert t.total_tax == D("10.50")  # 7 x 1.50, whereas 7 x 1.4985 = 10.4895 -> 10.49
    assert t.total == t.total_without_tax + t.total_tax


def test_invoice_discount_and_extra_charges() -> None:
    items = [EInvoiceItem(price=D(50), quantity=2, tax=D(15), tax_type=AmountType.PERCENTAGE)]
    totals = compute_einvoice(
        items,
        "SAR",
        invoice_discount=D(10),
        invoice_discount_type=AmountType.PERCENTAGE,
        extra_charges=D(5),
    )
    assert totals.subtotal_without_tax == D(100)
    assert totals.subtotal_tax == D(15)
    assert totals.subtotal == D(115)
    assert totals.invoice_discount == D("11.50")
    assert totals.extra_charges == D(5)
    assert totals.grand_total == D("108.50")
    charged = compute_einvoice(items, "SAR", extra_charges=D("2.5"),
                               extra_charges_type=AmountType.PERCENTAGE)  # fmt: skip
    assert charged.extra_charges == D("2.88")  # 115 x 2.5% = 2.875, half-up
    assert charged.grand_total == D("117.88")


def test_einvoice_value_refuses_floats_and_naive_datetimes() -> None:
    with pytest.raises(TypeError):
        EInvoiceItem(price=10.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        EInvoiceItem(price=D(10), quantity=D(2))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        EInvoiceItem(price=D(10), tax_type="percent")  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as err:
        EInvoice(currency="SAR", expiry_date=datetime(2024, 5, 10, 9, 0))
    assert err.value.violations[0].field == "expiryDate"
    with pytest.raises(TypeError):
        einvoice_json({"amount": 20.0})


def test_einvoice_value_problems() -> None:
    invoice = EInvoice(
        currency="SAR",
        items=(EInvoiceItem(price=D("10.5"), quantity=2, description="Tea"),),
        customer=GeideaCustomer(name="John", phone_country_code="+966", phone_number="501234567"),
        expiry_date=date(2024, 5, 10),
    )
    assert invoice.amount == D("21.00")
    assert invoice.problems(CREATED) == []
    late = invoice.problems(datetime(2024, 6, 1, tzinfo=UTC))
    assert [v.field for v in late] == ["expiryDate"]
    wire = einvoice_to_wire(invoice)
    assert wire["customer"] == {"name": "John", "phoneCountryCode": "+966",
                                "phoneNumber": "501234567"}  # fmt: skip


# --- the rules, one by one -------------------------------------------------------------------

VALID: dict[str, Any] = {
    "amount": "31.05",
    "currency": "SAR",
    "customer": {"name": "John", "email": "john@example.com"},
    "eInvoiceDetails": {
        "subtotal": 34.5, "grandTotal": "31.05", "invoiceDiscount": 10,
        "invoiceDiscountType": "Percentage",
        "eInvoiceItems": [
            {"price": 10, "quantity": 3, "tax": 15, "taxType": "Percentage", "total": "34.50",
             "priceTax": 1.5},
        ],
    },
    "activationDate": "2024-03-18",
    "expiryDate": "2024-05-10",
}  # fmt: skip


def body(**changes: Any) -> dict[str, Any]:
    payload = copy.deepcopy(VALID)
    for path, value in changes.items():
        where: Any = payload
        *parents, name = path.split("__")
        try:
            for part in parents:
                where = (
                    where["eInvoiceItems"][int(part[4:])]
                    if part.startswith("item")
                    else where[part]
                )
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change replaced the parent object
        if not isinstance(where, dict):
            continue
        if value is _DROP:
            where.pop(name, None)
        else:
            where[name] = value
    return payload


_DROP = object()


def test_the_valid_body_is_valid() -> None:
    assert validate_einvoice_request(VALID, CREATED) == []
    assert einvoice_from_wire(VALID).amount == D("31.05")


@pytest.mark.parametrize(
    ("changes", "field", "rule_part"),
    [
        ({"amount": _DROP}, "amount", "is required"),
        ({"amount": "0.01"}, "amount", "greater than 0.01"),
        ({"amount": "-5"}, "amount", "greater than 0.01"),
        ({"amount": "31.050"}, "amount", None),  # trailing zero: fine
        ({"amount": "31.051"}, "amount", "more than 2 digits"),
        ({"amount": "31.00"}, "amount", "must equal grandTotal 31.05"),
        ({"amount": "thirty"}, "amount", "plain number"),
        ({"currency": _DROP}, "currency", "is required"),
        ({"currency": "SA"}, "currency", "3-letter"),
        ({"currency": "XYZ"}, "currency", "ISO 4217"),
        ({"customer": _DROP}, "customer", "is required"),
        ({"customer": "John"}, "customer", "must be an object"),
        ({"customer__name": _DROP}, "customer.name", "is required"),
        ({"customer__name": " "}, "customer.name", "is required"),
        ({"customer__email": _DROP}, "customer.email", "either email or phoneNumber"),
        ({"customer__email": "john@"}, "customer.email", "e-mail address"),
        ({"customer__phoneNumber": "501234567"}, "customer.phoneCountryCode",
         "required when phoneNumber"),
        ({"customer__phoneCountryCode": "+966"}, "customer.phoneNumber",
         "required when phoneCountryCode"),
        ({"customer__phoneCountryCode": "966", "customer__phoneNumber": "501234567"},
         "customer.phoneCountryCode", '"+"'),
        ({"customer__phoneCountryCode": "+966", "customer__phoneNumber": "05-0123"},
         "customer.phoneNumber", "digits"),
        ({"eInvoiceDetails": _DROP}, "eInvoiceDetails", "is required"),
        ({"eInvoiceDetails__eInvoiceItems": _DROP}, "eInvoiceDetails.eInvoiceItems",
         "is required"),
        ({"eInvoiceDetails__eInvoiceItems": []}, "eInvoiceDetails.eInvoiceItems",
         "at least one"),
        ({"eInvoiceDetails__item0__price": _DROP}, "eInvoiceDetails.eInvoiceItems[0].price",
         "is required"),
        ({"eInvoiceDetails__item0__price": 0}, "eInvoiceDetails.eInvoiceItems[0].price",
         "greater than 0"),
        ({"eInvoiceDetails__item0__price": "10.005"},
         "eInvoiceDetails.eInvoiceItems[0].price", "more than 2 digits"),
        ({"eInvoiceDetails__item0__quantity": _DROP},
         "eInvoiceDetails.eInvoiceItems[0].quantity", "is required"),
        ({"eInvoiceDetails__item0__quantity": 2.5},
         "eInvoiceDetails.eInvoiceItems[0].quantity", "whole number"),
        ({"eInvoiceDetails__item0__quantity": D("1E+999999999")},
         "eInvoiceDetails.eInvoiceItems[0].quantity", "must not exceed"),
        ({"eInvoiceDetails__item0__price": D("1E+999999999")},
         "eInvoiceDetails.eInvoiceItems[0].price", "at most 9999999999.99"),
        ({"amount": D("1E+999999999")}, "amount", "at most"),
        ({"eInvoiceDetails__item0__total": _DROP}, "eInvoiceDetails.eInvoiceItems[0].total",
         "is required"),
        ({"eInvoiceDetails__item0__total": 30}, "eInvoiceDetails.eInvoiceItems[0].total",
         "must equal 34.50"),
        ({"eInvoiceDetails__item0__priceTax": 0}, "eInvoiceDetails.eInvoiceItems[0].priceTax",
         "must equal 1.50"),
        ({"eInvoiceDetails__item0__taxType": "percent"},
         "eInvoiceDetails.eInvoiceItems[0].taxType", '"Amount" or "Percentage"'),
        ({"eInvoiceDetails__item0__tax": 150}, "eInvoiceDetails.eInvoiceItems[0].tax",
         "0 to 100"),
        ({"eInvoiceDetails__item0__itemDiscount": 11},
         "eInvoiceDetails.eInvoiceItems[0].itemDiscount", "more than the price"),
        ({"eInvoiceDetails__item0__sku": 1245}, "eInvoiceDetails.eInvoiceItems[0].sku",
         "must be text"),
        ({"eInvoiceDetails__subtotal": _DROP}, "eInvoiceDetails.subtotal", "is required"),
        ({"eInvoiceDetails__subtotal": 30}, "eInvoiceDetails.subtotal", "must equal 34.50"),
        ({"eInvoiceDetails__grandTotal": _DROP}, "eInvoiceDetails.grandTotal", "is required"),
        ({"eInvoiceDetails__grandTotal": 34.5}, "eInvoiceDetails.grandTotal",
         "must equal 31.05"),
        ({"eInvoiceDetails__subtotalTax": 0}, "eInvoiceDetails.subtotalTax", "must equal 4.50"),
        ({"eInvoiceDetails__subtotalWithoutTax": 34.5}, "eInvoiceDetails.subtotalWithoutTax",
         "must equal 30.00"),
        ({"eInvoiceDetails__invoiceDiscountType": "Percent"},
         "eInvoiceDetails.invoiceDiscountType", '"Amount" or "Percentage"'),
        ({"eInvoiceDetails__extraCharges": "-1"}, "eInvoiceDetails.extraCharges", "at least 0"),
        ({"eInvoiceDetails__language": "FR"}, "eInvoiceDetails.language", "EN or AR"),
        ({"eInvoiceDetails__preAuthorizeAmount": "no"}, "eInvoiceDetails.preAuthorizeAmount",
         "true or false"),
        ({"eInvoiceDetails__callbackUrl": "webhook.site"}, "eInvoiceDetails.callbackUrl",
         "http://"),
        ({"callbackUrl": "ftp://x"}, "callbackUrl", "http://"),
        ({"expiryDate": "2024-03-18"}, "expiryDate", "later than activationDate"),
        ({"activationDate": _DROP, "expiryDate": "2024-03-17"}, "expiryDate",
         "in the future"),
        ({"expiryDate": "10/05/2024"}, "expiryDate", "date such as"),
        ({"expiryDate": "2024-05-10T10:00:00"}, "expiryDate", "UTC offset"),
    ],
)  # fmt: skip
def test_each_rule_names_its_field(
    changes: dict[str, Any], field: str, rule_part: str | None
) -> None:
    found = validate_einvoice_request(body(**changes), CREATED)
    if rule_part is None:
        assert found == []
        return
    matching = [v for v in found if v.field == field]
    assert matching, f"expected a violation on {field}, got {found}"
    assert any(rule_part in v.rule for v in matching), matching


def test_subtotal_must_be_more_than_a_hundredth_whatever_the_charges() -> None:
    payload = body(amount="5.01", eInvoiceDetails__eInvoiceItems=[
        {"price": "0.01", "quantity": 1, "total": "0.01"}
    ], eInvoiceDetails__subtotal="0.01", eInvoiceDetails__grandTotal="5.01",
        eInvoiceDetails__invoiceDiscount=_DROP, eInvoiceDetails__extraCharges=5)  # fmt: skip
    found = validate_einvoice_request(payload, CREATED)
    assert [(v.field, v.rule) for v in found] == [
        ("eInvoiceDetails.subtotal", "must be greater than 0.01")
    ]


def test_phone_instead_of_email() -> None:
    payload = body(customer__email=_DROP, customer__phoneCountryCode="+966",
                   customer__phoneNumber="501234567")  # fmt: skip
    assert validate_einvoice_request(payload, CREATED) == []


def test_update_rules() -> None:
    update = body(paymentIntentId="8f67f208", status="SentToCustomer", customer=_DROP)
    assert validate_einvoice_request(update, CREATED, update=True) == []
    found = validate_einvoice_request(
        body(paymentIntentId="p", status="Paid"), CREATED, update=True
    )
    assert [(v.field, v.value) for v in found] == [("status", "Paid")]
    found = validate_einvoice_request(body(customer={"email": "a@b.co"}), CREATED, update=True)
    assert {v.field for v in found} == {"paymentIntentId", "customer.name"}


def test_every_violation_at_once_and_no_float_leaks() -> None:
    payload = body(amount="0", currency="sr", customer__name=_DROP,
                   eInvoiceDetails__item0__quantity=0)  # fmt: skip
    fields = [v.field for v in validate_einvoice_request(payload, CREATED)]
    assert fields == ["currency", "amount", "customer.name",
                      "eInvoiceDetails.eInvoiceItems[0].quantity"]  # fmt: skip
    invoice = einvoice_from_wire(VALID)
    assert all(type(v) is Decimal for v in (invoice.amount, invoice.totals.subtotal))


def test_from_wire_is_tolerant_but_names_fields() -> None:
    loose = body(currency="sar", eInvoiceDetails__language="ar",
                 eInvoiceDetails__item0__taxType="percentage", unknown={"x": 1})  # fmt: skip
    loose["eInvoiceDetails"]["item0"] = "ignored"
    invoice = einvoice_from_wire(loose)
    assert invoice.currency == "SAR" and invoice.language == "AR"
    assert invoice.items[0].tax_type is AmountType.PERCENTAGE
    with pytest.raises(ValidationError) as err:
        einvoice_from_wire(body(eInvoiceDetails__item0__price="ten"))
    assert [v.field for v in err.value.violations] == ["eInvoiceDetails.eInvoiceItems[0].price"]


# --- quick invoice signature -----------------------------------------------------------------


def test_quick_invoice_signature_matches_the_recipe() -> None:
    key, password = "a087f4ca-9890-407b-9c2f-7630836cc020", "SANDBOX-GEIDEA-PASSWORD"
    message = f"{key}20.00SARref1232024-03-18T12:36:20Z".encode()
    expected = base64.b64encode(hmac.new(password.encode(), message, hashlib.sha256).digest())
    for amount in (D(20), 20, "20", "20.0", D("20.000")):
        assert quick_invoice_signature(key, amount, "SAR", "ref123", "2024-03-18T12:36:20Z",
                                       password) == expected.decode()  # fmt: skip


def test_quick_invoice_signature_known_value() -> None:
    # Computed independently:
    #   printf %s 'pk10.50EGPR12024' | openssl dgst -sha256 -hmac pw -binary | base64
    assert (
        quick_invoice_signature("pk", D("10.5"), "EGP", "R1", "2024", "pw")
        == "mxLeFPminfILhz5yx4Milm/qb77xL58SLlTq9lXlyMs="
    )
    assert quick_invoice_signature("pk", D("10.5"), "EGP", None, "2024", "pw") != (
        quick_invoice_signature("pk", D("10.5"), "EGP", "R1", "2024", "pw")
    )


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.decimals(allow_nan=False, allow_infinity=True)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
PATHS = [
    "amount", "currency", "customer", "customer__name", "customer__email",
    "customer__phoneNumber", "eInvoiceDetails", "eInvoiceDetails__subtotal",
    "eInvoiceDetails__grandTotal", "eInvoiceDetails__invoiceDiscount",
    "eInvoiceDetails__invoiceDiscountType", "eInvoiceDetails__extraCharges",
    "eInvoiceDetails__eInvoiceItems", "eInvoiceDetails__item0__price",
    "eInvoiceDetails__item0__quantity", "eInvoiceDetails__item0__tax",
    "eInvoiceDetails__item0__taxType", "eInvoiceDetails__item0__total", "expiryDate",
    "activationDate", "paymentIntentId", "status", "callbackUrl",
]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(PATHS), json_values, min_size=1, max_size=4), st.booleans())
def test_hostile_input_never_crashes_the_validator(changes: dict[str, Any], update: bool) -> None:
    found = validate_einvoice_request(body(**changes), CREATED, update=update)
    assert all(v.field for v in found)
    try:
        invoice = einvoice_from_wire(body(**changes), update=update)
    except ValidationError as exc:
        assert exc.violations
    else:
        assert type(invoice.amount) is Decimal
        einvoice_json(einvoice_to_wire(invoice))


def test_einvoice_refuses_amounts_it_would_round_naming_the_field() -> None:
    # 1.234 KWD × 1000 used to go on the wire as 1.23 / 1230.00 with no problem reported.
    with pytest.raises(ValidationError) as err:
        EInvoice(currency="KWD", items=(EInvoiceItem(price=D("1.234"), quantity=1000),))
    (violation,) = err.value.violations
    assert violation.field == "eInvoiceDetails.eInvoiceItems[0].price"
    assert "2 digits after the decimal point" in violation.rule
    with pytest.raises(ValidationError) as err:
        EInvoice(
            currency="SAR",
            items=(
                EInvoiceItem(price=D("10"), item_discount=D("0.005")),
                EInvoiceItem(price=D("10"), tax=D("1.001")),
            ),
            extra_charges=D("0.125"),
            invoice_discount=D("1.999"),
        )
    assert [v.field for v in err.value.violations] == [
        "eInvoiceDetails.eInvoiceItems[0].itemDiscount",
        "eInvoiceDetails.eInvoiceItems[1].tax",
        "eInvoiceDetails.extraCharges",
        "eInvoiceDetails.invoiceDiscount",
    ]
    with pytest.raises(ValidationError) as err:
        EInvoice(currency="JPY", items=(EInvoiceItem(price=D("100.5")),))
    assert err.value.violations[0].field == "eInvoiceDetails.eInvoiceItems[0].price"
    # Percentages are rates, not amounts; trailing zeros are not extra decimals.
    ok = EInvoice(
        currency="SAR",
        items=(EInvoiceItem(price=D("1.2300"), tax=D("15.125"), tax_type="Percentage"),),
    )
    assert ok.amount == D("1.42")


@pytest.mark.parametrize("amount", [D("20.005"), "20.005", "1,000.00", "1e3", 20.0, -1, D("Inf")])
def test_quick_invoice_signature_refuses_what_it_would_have_to_guess(amount: object) -> None:
    # The desk's client and the sandbox once disagreed here (one rounded 20.005 to 20.01 and
    # read "1,000.00" as 1000, the other refused both): there is now one signer, which refuses.
    with pytest.raises(ValidationError) as err:
        quick_invoice_signature("pk", amount, "SAR", "R1", "2024", "pw")
    assert err.value.violations[0].field == "amount"


def test_quick_invoice_signature_takes_a_keyed_hmac_without_consuming_it() -> None:
    keyed = hmac.new(b"pw", digestmod=hashlib.sha256)
    first = quick_invoice_signature("pk", D("10.5"), "EGP", "R1", "2024", keyed)
    assert first == quick_invoice_signature("pk", D("10.5"), "EGP", "R1", "2024", keyed)
    assert first == "mxLeFPminfILhz5yx4Milm/qb77xL58SLlTq9lXlyMs="


def test_quick_invoice_amount_rules() -> None:
    assert quick_invoice_amount(D("123.2"), "SAR") == D("123.20")
    assert str(quick_invoice_amount(7, "SAR")) == "7.00"
    for bad, currency in ((0, "SAR"), (D("0.01"), "SAR"), (D("-5"), "SAR"), (D("1.5"), "JPY")):
        with pytest.raises(ValidationError) as err:
            quick_invoice_amount(bad, currency)
        assert err.value.violations[0].field == "amount"
    with pytest.raises(ValidationError):
        quick_invoice_amount(D("10000000000"), "SAR")
