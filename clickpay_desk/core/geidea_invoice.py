"""Geidea Pay-by-Invoice (eInvoice, reference 003): items, derived totals, the request, signature.

The reference says ``total``, ``subtotal`` and ``grandTotal`` "must be equal to price *
quantity", which cannot hold once an item has a discount or tax, while it also calls ``total``
"total price including tax levied" and ``priceWithDiscount`` "price after discount". The model
used here keeps every field's own description and reduces to "price × quantity" when there is
no discount and no tax (every sample in the reference):

Per item, all per unit first, each rounded half-up to 0.01 (Geidea amounts carry at most 2
decimals; a currency with fewer minor units, e.g. JPY, rounds to its own unit):

* unit discount = ``itemDiscount`` when ``itemDiscountType`` is "Amount" (a per-unit amount), or
  price × itemDiscount % when "Percentage"
* ``priceWithDiscount`` = price − unit discount
* ``priceTax`` = ``tax`` when ``taxType`` is "Amount" (per unit), or priceWithDiscount × tax %
* ``priceTotal`` = priceWithDiscount + priceTax
* ``totalWithoutTax`` = priceWithDiscount × quantity
* ``totalTax`` = priceTax × quantity
* ``total`` = priceTotal × quantity (= totalWithoutTax + totalTax)

Per invoice:

* ``subtotalWithoutTax`` = Σ totalWithoutTax, ``subtotalTax`` = Σ totalTax,
  ``subtotal`` = Σ total ("subtotal inclusive of tax", as the update table says)
* invoice discount = ``invoiceDiscount`` ("Amount") or subtotal × invoiceDiscount %
  ("Percentage"); extra charges likewise from ``extraCharges`` / ``extraChargesType``. Both
  percentages apply to the subtotal, each rounded to 0.01, so neither depends on the other.
* ``grandTotal`` = subtotal − invoice discount + extra charges, and ``amount`` must equal it.

Samples: 10 × 2 → total 20, subtotal 20, grandTotal 20 = amount; 100.00 × 10 → 1000.00.

Other choices:

* ``amount`` must be *greater than* 0.01 as the field table says (0.01 itself is refused).
* quantity is a whole number ≥ 1 (typed integer in the update table).
* amounts and price × quantity are capped at 9,999,999,999.99 like PT2's: the reference gives
  no maximum, and a cap keeps hostile numbers such as 1E+999999999 from costing a billion
  digits of arithmetic.
* a derived field sent in a request must equal the computed value; left out, it is filled in
  (as Geidea does).
* ``expiryDate``/``activationDate`` rules are in ``core.dates``.

Amounts go on the wire as JSON numbers (the reference types them ``double``), held here as
``Decimal`` with exactly 2 decimals: serialise with ``einvoice_json`` (the standard ``json``
module cannot write Decimal, and float would drop the "20.00" decimals).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from typing import Any

from . import jsonwire
from .contact import check_email
from .dates import geidea_date_violations, is_aware, parse_geidea_date, require_aware_now
from .invoice import MAX_QUANTITY
from .money import (
    EXACT,
    MAX_AMOUNT,
    as_decimal,
    decimals_of,
    minor_units,
    percent_of,
    significant_decimals,
)
from .rules import RuleViolation, ValidationError, raise_if
from .statuses import GeideaStatus
from .wire import WireReader

GEIDEA_DECIMALS = 2
#: ``amount`` and ``subtotal`` "must be greater than 0.01".
AMOUNT_FLOOR = Decimal("0.01")
LANGUAGES = ("EN", "AR")
#: What a merchant may set ``status`` to in an update (reference 003).
UPDATE_STATUSES: tuple[str, ...] = (GeideaStatus.SENT_TO_CUSTOMER.value,)

_ZERO = Decimal(0)
_COUNTRY_CODE = re.compile(r"^\+[0-9]{1,4}$")  # [0-9], not \d: \d also takes other scripts' digits
_PHONE = re.compile(r"^[0-9]{4,15}$")
_CURRENCY = re.compile(r"^[A-Za-z]{3}$")


class AmountType(StrEnum):
    """How a discount, tax or charge is given."""

    AMOUNT = "Amount"
    PERCENTAGE = "Percentage"


def geidea_quantum(currency: str) -> Decimal:
    """Geidea's rounding unit: 0.01, or the currency's own unit when it has fewer decimals."""
    return Decimal(1).scaleb(-min(GEIDEA_DECIMALS, minor_units(currency)))


def _optional_decimal(value: object, name: str) -> Decimal | None:
    return None if value is None else as_decimal(value, name)


@dataclass(frozen=True, kw_only=True, slots=True)
class EInvoiceItem:
    """One eInvoice item as entered; discount and tax are per unit (or a percentage)."""

    price: Decimal
    quantity: int = 1
    description: str | None = None
    sku: str | None = None
    item_id: str | None = None
    item_discount: Decimal | None = None
    item_discount_type: AmountType = AmountType.AMOUNT
    tax: Decimal | None = None
    tax_type: AmountType = AmountType.AMOUNT

    def __post_init__(self) -> None:
        object.__setattr__(self, "price", as_decimal(self.price, "price"))
        for name in ("item_discount", "tax"):
            object.__setattr__(self, name, _optional_decimal(getattr(self, name), name))
        if isinstance(self.quantity, bool) or not isinstance(self.quantity, int):
            raise TypeError("quantity must be int")
        object.__setattr__(self, "item_discount_type", AmountType(self.item_discount_type))
        object.__setattr__(self, "tax_type", AmountType(self.tax_type))


@dataclass(frozen=True, slots=True)
class EInvoiceItemTotals:
    """The derived fields of one item."""

    price_with_discount: Decimal
    price_tax: Decimal
    price_total: Decimal
    total_without_tax: Decimal
    total_tax: Decimal
    total: Decimal


@dataclass(frozen=True, slots=True)
class EInvoiceTotals:
    """The derived fields of a whole eInvoice."""

    items: tuple[EInvoiceItemTotals, ...]
    subtotal_without_tax: Decimal
    subtotal_tax: Decimal
    subtotal: Decimal
    invoice_discount: Decimal
    extra_charges: Decimal
    grand_total: Decimal


def _part(base: Decimal, value: Decimal | None, kind: AmountType, q: Decimal) -> Decimal:
    """An amount given either directly or as a percentage of ``base``."""
    if not value:
        return EXACT.quantize(_ZERO, q)
    if kind is AmountType.PERCENTAGE:
        return percent_of(base, value, q)
    return EXACT.quantize(value, q)


def compute_item_at(item: EInvoiceItem, q: Decimal) -> EInvoiceItemTotals:
    """Derived fields of one item at rounding unit ``q``."""
    price = EXACT.quantize(item.price, q)
    discounted = EXACT.subtract(price, _part(price, item.item_discount, item.item_discount_type, q))
    unit_tax = _part(discounted, item.tax, item.tax_type, q)
    unit_total = EXACT.add(discounted, unit_tax)
    qty = Decimal(item.quantity)
    return EInvoiceItemTotals(
        price_with_discount=discounted,
        price_tax=unit_tax,
        price_total=unit_total,
        total_without_tax=EXACT.multiply(discounted, qty),
        total_tax=EXACT.multiply(unit_tax, qty),
        total=EXACT.multiply(unit_total, qty),
    )


def finish_einvoice(
    q: Decimal,
    items: tuple[EInvoiceItemTotals, ...],
    subtotal_without_tax: Decimal,
    subtotal_tax: Decimal,
    subtotal: Decimal,
    *,
    extra_charges: Decimal | None,
    extra_charges_type: AmountType,
    invoice_discount: Decimal | None,
    invoice_discount_type: AmountType,
) -> EInvoiceTotals:
    """Apply the invoice-level discount and charges to summed item figures."""
    off = _part(subtotal, invoice_discount, AmountType(invoice_discount_type), q)
    extra = _part(subtotal, extra_charges, AmountType(extra_charges_type), q)
    grand = EXACT.add(EXACT.subtract(subtotal, off), extra)
    return EInvoiceTotals(items, subtotal_without_tax, subtotal_tax, subtotal, off, extra, grand)


def compute_einvoice(
    items: Iterable[EInvoiceItem],
    currency: str,
    *,
    extra_charges: Decimal | None = None,
    extra_charges_type: AmountType = AmountType.AMOUNT,
    invoice_discount: Decimal | None = None,
    invoice_discount_type: AmountType = AmountType.AMOUNT,
) -> EInvoiceTotals:
    """Every derived field of an eInvoice: per item and subtotal, subtotalTax, grandTotal..."""
    q = geidea_quantum(currency)
    computed = tuple(compute_item_at(item, q) for item in items)
    zero = EXACT.quantize(_ZERO, q)
    without_tax = tax = total = zero
    for t in computed:
        without_tax = EXACT.add(without_tax, t.total_without_tax)
        tax = EXACT.add(tax, t.total_tax)
        total = EXACT.add(total, t.total)
    return finish_einvoice(
        q,
        computed,
        without_tax,
        tax,
        total,
        extra_charges=extra_charges,
        extra_charges_type=extra_charges_type,
        invoice_discount=invoice_discount,
        invoice_discount_type=invoice_discount_type,
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class GeideaCustomer:
    """``customer``: a name, and an e-mail or a phone number (country code and number together)."""

    name: str
    email: str = ""
    phone_country_code: str = ""
    phone_number: str = ""

    def to_wire(self) -> dict[str, str]:
        wire = {"name": self.name}
        if self.email:
            wire["email"] = self.email
        if self.phone_country_code:
            wire["phoneCountryCode"] = self.phone_country_code
        if self.phone_number:
            wire["phoneNumber"] = self.phone_number
        return wire


@dataclass(frozen=True, kw_only=True)
class EInvoice:
    """A Geidea payment invoice; ``payment_intent_id`` and ``status`` are for updates only."""

    currency: str
    items: tuple[EInvoiceItem, ...] = ()
    customer: GeideaCustomer | None = None
    extra_charges: Decimal | None = None
    extra_charges_type: AmountType = AmountType.AMOUNT
    invoice_discount: Decimal | None = None
    invoice_discount_type: AmountType = AmountType.AMOUNT
    charge_description: str | None = None
    merchant_reference_id: str | None = None
    language: str = "EN"
    einvoice_type: str = "Detailed"
    collect_customers_billing_shipping_address: bool = False
    pre_authorize_amount: bool = False
    activation_date: date | datetime | None = None
    expiry_date: date | datetime | None = None
    callback_url: str | None = None
    payment_intent_id: str | None = None
    status: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "currency", self.currency.strip().upper())
        object.__setattr__(self, "items", tuple(self.items))
        for name in ("extra_charges", "invoice_discount"):
            object.__setattr__(self, name, _optional_decimal(getattr(self, name), name))
        object.__setattr__(self, "extra_charges_type", AmountType(self.extra_charges_type))
        object.__setattr__(self, "invoice_discount_type", AmountType(self.invoice_discount_type))
        found: list[RuleViolation] = []
        for wire_name, value in (
            ("activationDate", self.activation_date),
            ("expiryDate", self.expiry_date),
        ):
            if isinstance(value, datetime) and not is_aware(value):
                found.append(
                    RuleViolation(
                        wire_name,
                        "must include a UTC offset, or be a plain date",
                        value.isoformat(),
                    )
                )
        found.extend(self._inexact_amounts())
        raise_if(found)

    def _inexact_amounts(self) -> list[RuleViolation]:
        """Amounts with more decimals than Geidea takes in this currency.

        Refused rather than rounded, as the PT2 ``Invoice`` does: 1.234 KWD × 1000 would
        otherwise go on the wire as 1.23 / 1230.00 with nothing said.
        """
        places = decimals_of(geidea_quantum(self.currency))
        rule = f"must not have more than {places} digits after the decimal point ({self.currency})"
        found: list[RuleViolation] = []

        def exact(value: Decimal | None, name: str) -> None:
            if value is not None and significant_decimals(value) > places:
                found.append(RuleViolation(name, rule, value))

        details = "eInvoiceDetails."
        for i, item in enumerate(self.items):
            if not isinstance(item, EInvoiceItem):
                raise TypeError(f"items[{i}] must be an EInvoiceItem")
            prefix = f"{details}eInvoiceItems[{i}]."
            exact(item.price, prefix + "price")
            if item.item_discount_type is AmountType.AMOUNT:
                exact(item.item_discount, prefix + "itemDiscount")
            if item.tax_type is AmountType.AMOUNT:
                exact(item.tax, prefix + "tax")
        if self.extra_charges_type is AmountType.AMOUNT:
            exact(self.extra_charges, details + "extraCharges")
        if self.invoice_discount_type is AmountType.AMOUNT:
            exact(self.invoice_discount, details + "invoiceDiscount")
        return found

    @cached_property
    def totals(self) -> EInvoiceTotals:
        return compute_einvoice(
            self.items,
            self.currency,
            extra_charges=self.extra_charges,
            extra_charges_type=self.extra_charges_type,
            invoice_discount=self.invoice_discount,
            invoice_discount_type=self.invoice_discount_type,
        )

    @property
    def amount(self) -> Decimal:
        """What ``amount`` must be: the grand total."""
        return self.totals.grand_total

    def problems(self, now: datetime) -> list[RuleViolation]:
        """Every rule this invoice breaks, by wire field name."""
        return validate_einvoice_request(
            einvoice_to_wire(self), now, update=self.payment_intent_id is not None
        )


def _wire_date(value: date | datetime) -> str:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return value.isoformat()


def _wire_rate(value: Decimal, kind: AmountType, q: Decimal) -> Decimal:
    return EXACT.quantize(value, q) if kind is AmountType.AMOUNT else value


def einvoice_to_wire(invoice: EInvoice) -> dict[str, Any]:
    """The create (or, with ``payment_intent_id``, update) request with every derived field.

    Amounts are Decimal with exactly 2 decimals: write it with ``einvoice_json``.
    """
    q = geidea_quantum(invoice.currency)
    totals = invoice.totals
    items = []
    for item, t in zip(invoice.items, totals.items, strict=True):
        wire_item: dict[str, Any] = {}
        if item.item_id:
            wire_item["eInvoiceItemId"] = item.item_id
        if item.description is not None:
            wire_item["description"] = item.description
        wire_item["price"] = EXACT.quantize(item.price, q)
        wire_item["quantity"] = item.quantity
        if item.sku is not None:
            wire_item["sku"] = item.sku
        if item.item_discount is not None:
            wire_item["itemDiscount"] = _wire_rate(item.item_discount, item.item_discount_type, q)
        wire_item["itemDiscountType"] = item.item_discount_type.value
        if item.tax is not None:
            wire_item["tax"] = _wire_rate(item.tax, item.tax_type, q)
        wire_item["taxType"] = item.tax_type.value
        wire_item.update(
            {
                "priceWithDiscount": t.price_with_discount,
                "priceTax": t.price_tax,
                "priceTotal": t.price_total,
                "totalWithoutTax": t.total_without_tax,
                "totalTax": t.total_tax,
                "total": t.total,
            }
        )
        items.append(wire_item)
    collect = invoice.collect_customers_billing_shipping_address
    details: dict[str, Any] = {
        "type": invoice.einvoice_type,
        "collectCustomersBillingShippingAddress": collect,
        "preAuthorizeAmount": invoice.pre_authorize_amount,
        "subtotalWithoutTax": totals.subtotal_without_tax,
        "subtotalTax": totals.subtotal_tax,
        "subtotal": totals.subtotal,
        "grandTotal": totals.grand_total,
        "extraChargesType": invoice.extra_charges_type.value,
        "invoiceDiscountType": invoice.invoice_discount_type.value,
        "language": invoice.language,
        "eInvoiceItems": items,
    }
    if invoice.extra_charges is not None:
        details["extraCharges"] = _wire_rate(invoice.extra_charges, invoice.extra_charges_type, q)
    if invoice.invoice_discount is not None:
        details["invoiceDiscount"] = _wire_rate(
            invoice.invoice_discount, invoice.invoice_discount_type, q
        )
    if invoice.charge_description is not None:
        details["chargeDescription"] = invoice.charge_description
    if invoice.merchant_reference_id is not None:
        details["merchantReferenceId"] = invoice.merchant_reference_id
    wire: dict[str, Any] = {}
    if invoice.payment_intent_id is not None:
        wire["paymentIntentId"] = invoice.payment_intent_id
    wire["amount"] = totals.grand_total
    wire["currency"] = invoice.currency
    if invoice.customer is not None:
        wire["customer"] = invoice.customer.to_wire()
    wire["eInvoiceDetails"] = details
    if invoice.callback_url:
        wire["callbackUrl"] = invoice.callback_url
    if invoice.expiry_date is not None:
        wire["expiryDate"] = _wire_date(invoice.expiry_date)
    if invoice.activation_date is not None:
        wire["activationDate"] = _wire_date(invoice.activation_date)
    if invoice.status is not None:
        wire["status"] = invoice.status
    return wire


def einvoice_json(payload: object) -> str:
    """JSON text for a Geidea request: Decimal written as a number with its exact digits."""
    return jsonwire.dumps_text(payload, floats=False)


# --- reading and validating ---------------------------------------------------------------


def _kind(r: WireReader, data: Mapping[str, Any], key: str, name: str) -> AmountType:
    value = data.get(key)
    if value is None:
        return AmountType.AMOUNT
    if isinstance(value, str):
        for kind in AmountType:
            if value == kind.value or (
                not r.strict and value.strip().lower() == kind.value.lower()
            ):
                return kind
    r.add(name, 'must be "Amount" or "Percentage"', value)
    return AmountType.AMOUNT


class _GeideaReader(WireReader):
    def __init__(self, strict: bool, q: Decimal | None) -> None:
        super().__init__(strict)
        self.q = q

    def money(
        self,
        value: object,
        name: str,
        *,
        floor: Decimal | None = _ZERO,
        floor_exclusive: bool = False,
    ) -> Decimal | None:
        """An amount: at most 2 decimals (fewer if the currency has fewer), not below ``floor``."""
        number = self.number(value, name)
        if number is None:
            return None
        if self.q is not None:
            places = decimals_of(self.q)
            if significant_decimals(number) > places:
                self.add(
                    name, f"must not have more than {places} digits after the decimal point", value
                )
                return None
        if floor is not None and (number <= floor if floor_exclusive else number < floor):
            self.add(
                name, f"must be {'greater than' if floor_exclusive else 'at least'} {floor}", value
            )
            return None
        if number > MAX_AMOUNT:
            self.add(name, f"must be at most {MAX_AMOUNT}", value)
            return None
        return number

    def rate_or_amount(self, value: object, kind: AmountType, name: str) -> Decimal | None:
        return self.money(value, name) if kind is AmountType.AMOUNT else self.rate(value, name)


_ITEM_DERIVED = (
    ("priceWithDiscount", "price_with_discount"),
    ("priceTax", "price_tax"),
    ("priceTotal", "price_total"),
    ("totalWithoutTax", "total_without_tax"),
    ("totalTax", "total_tax"),
    ("total", "total"),
)


@dataclass
class _Read:
    found: list[RuleViolation]
    invoice: EInvoice | None


def _read_einvoice(payload: object, now: datetime | None, strict: bool, update: bool) -> _Read:
    if not isinstance(payload, Mapping):
        return _Read(
            [RuleViolation("request", "must be a JSON object", type(payload).__name__)], None
        )

    currency: str | None = None
    raw_currency = payload.get("currency")
    found: list[RuleViolation] = []
    if raw_currency is None:
        found.append(RuleViolation("currency", "is required: a 3-letter ISO 4217 code"))
    elif not isinstance(raw_currency, str) or not _CURRENCY.match(raw_currency.strip()):
        found.append(RuleViolation("currency", "must be a 3-letter ISO 4217 code", raw_currency))
    else:
        try:
            minor_units(raw_currency)
            currency = raw_currency.strip().upper()
        except ValidationError:
            found.append(
                RuleViolation("currency", "must be an ISO 4217 currency code", raw_currency)
            )
    r = _GeideaReader(strict, geidea_quantum(currency) if currency else None)
    r.found.extend(found)

    payment_intent_id: str | None = None
    status: str | None = None
    if update:
        payment_intent_id = r.text(payload, "paymentIntentId", "paymentIntentId", required=True)
        raw_status = payload.get("status")
        if raw_status is not None:
            if raw_status in UPDATE_STATUSES:
                status = str(raw_status)
            else:
                r.add("status", "may only be set to " + ", ".join(UPDATE_STATUSES), raw_status)

    amount: Decimal | None = None
    if payload.get("amount") is None:
        if strict:
            r.add("amount", "is required: more than 0.01, at most 2 decimals")
    else:
        amount = r.money(payload["amount"], "amount", floor=AMOUNT_FLOOR, floor_exclusive=True)

    customer = _read_customer(r, payload.get("customer"), required=not update)
    callback_url: str | None = r.url(payload, "callbackUrl", "callbackUrl") or None

    dates: dict[str, date | datetime | None] = {"activationDate": None, "expiryDate": None}
    dates_ok = True
    for key in dates:
        if payload.get(key) is not None:
            try:
                dates[key] = parse_geidea_date(payload[key], key)
            except ValidationError as exc:
                r.take(exc)
                dates_ok = False
    if dates_ok:
        r.found.extend(geidea_date_violations(now, dates["activationDate"], dates["expiryDate"]))

    details = payload.get("eInvoiceDetails")
    if not isinstance(details, Mapping):
        r.add(
            "eInvoiceDetails",
            "is required: an object with eInvoiceItems"
            if details is None
            else "must be an object with eInvoiceItems",
            details,
        )
        return _Read(r.found, None)

    def text_or_none(key: str) -> str | None:
        if details.get(key) is None:
            return None
        return r.text(details, key, "eInvoiceDetails." + key)

    extra_type = _kind(r, details, "extraChargesType", "eInvoiceDetails.extraChargesType")
    off_type = _kind(r, details, "invoiceDiscountType", "eInvoiceDetails.invoiceDiscountType")
    extra = off = None
    if details.get("extraCharges") is not None:
        extra = r.rate_or_amount(
            details["extraCharges"], extra_type, "eInvoiceDetails.extraCharges"
        )
    if details.get("invoiceDiscount") is not None:
        off = r.rate_or_amount(
            details["invoiceDiscount"], off_type, "eInvoiceDetails.invoiceDiscount"
        )
    language = "EN"
    raw_language = details.get("language")
    if raw_language is not None:
        if isinstance(raw_language, str) and (
            raw_language in LANGUAGES if strict else raw_language.strip().upper() in LANGUAGES
        ):
            language = raw_language.strip().upper()
        else:
            r.add("eInvoiceDetails.language", "must be EN or AR", raw_language)
    einvoice_type = text_or_none("type") or "Detailed"
    collect = r.flag(
        details,
        "collectCustomersBillingShippingAddress",
        "eInvoiceDetails.collectCustomersBillingShippingAddress",
    )
    preauth = r.flag(details, "preAuthorizeAmount", "eInvoiceDetails.preAuthorizeAmount")
    for key in ("callbackUrl", "callbackurl"):  # the reference's sample spells it both ways
        url = r.url(details, key, "eInvoiceDetails." + key)
        if url and callback_url is None:
            callback_url = url

    charge_description = text_or_none("chargeDescription")
    merchant_reference_id = text_or_none("merchantReferenceId")
    items, raw_items = _read_items(r, details.get("eInvoiceItems"))
    if currency is not None and items is not None:
        totals = compute_einvoice(
            items,
            currency,
            extra_charges=extra,
            extra_charges_type=extra_type,
            invoice_discount=off,
            invoice_discount_type=off_type,
        )
        _check_derived(r, raw_items, details, totals, amount, payload.get("amount"))
    invoice: EInvoice | None = None
    if currency is not None and items is not None and not r.found:
        invoice = EInvoice(
            currency=currency,
            items=tuple(items),
            customer=customer,
            extra_charges=extra,
            extra_charges_type=extra_type,
            invoice_discount=off,
            invoice_discount_type=off_type,
            charge_description=charge_description,
            merchant_reference_id=merchant_reference_id,
            language=language,
            einvoice_type=einvoice_type,
            collect_customers_billing_shipping_address=collect,
            pre_authorize_amount=preauth,
            activation_date=dates["activationDate"],
            expiry_date=dates["expiryDate"],
            callback_url=callback_url,
            payment_intent_id=payment_intent_id,
            status=status,
        )
    return _Read(r.found, invoice)


def _read_customer(r: _GeideaReader, raw: object, *, required: bool) -> GeideaCustomer | None:
    if raw is None:
        if required:
            r.add("customer", "is required: a name and an e-mail or phone number")
        return None
    if not isinstance(raw, Mapping):
        r.add("customer", "must be an object", raw)
        return None
    name = r.text(raw, "name", "customer.name", required=True).strip()
    email = r.text(raw, "email", "customer.email").strip()
    code = r.text(raw, "phoneCountryCode", "customer.phoneCountryCode").strip()
    number = r.text(raw, "phoneNumber", "customer.phoneNumber").strip()
    email_rule = check_email(email)[1] if email else ""
    if email_rule:
        r.add("customer.email", email_rule, email)
    if code and not _COUNTRY_CODE.match(code):
        r.add("customer.phoneCountryCode", 'must be "+" and 1 to 4 digits, e.g. "+966"', code)
    if number and not _PHONE.match(number):
        r.add("customer.phoneNumber", "must be 4 to 15 digits, without the country code", number)
    if number and not code:
        r.add("customer.phoneCountryCode", "is required when phoneNumber is given")
    if code and not number:
        r.add("customer.phoneNumber", "is required when phoneCountryCode is given")
    if not email and not number:
        r.add("customer.email", "either email or phoneNumber is required")
    return GeideaCustomer(name=name, email=email, phone_country_code=code, phone_number=number)


def _read_items(r: _GeideaReader, raw: object) -> tuple[list[EInvoiceItem] | None, Sequence[Any]]:
    name = "eInvoiceDetails.eInvoiceItems"
    if raw is None:
        r.add(name, "is required: at least one item")
        return None, ()
    if not isinstance(raw, Sequence) or isinstance(raw, str | bytes):
        r.add(name, "must be a list of items", raw)
        return None, ()
    if not raw:
        r.add(name, "must have at least one item")
        return None, ()
    items: list[EInvoiceItem] = []
    clean = True
    for i, entry in enumerate(raw):
        prefix = f"{name}[{i}]"
        if not isinstance(entry, Mapping):
            r.add(prefix, "must be an object with price, quantity and total", entry)
            clean = False
            continue
        before = len(r.found)
        price = _ZERO
        if entry.get("price") is None:
            r.add(prefix + ".price", "is required")
        else:
            value = r.money(entry["price"], prefix + ".price", floor=_ZERO, floor_exclusive=True)
            price = value if value is not None else _ZERO
        quantity = 1
        if entry.get("quantity") is None:
            r.add(prefix + ".quantity", "is required")
        else:
            q = r.number(entry["quantity"], prefix + ".quantity")
            if q is not None and (q != q.to_integral_value() or q < 1):
                r.add(prefix + ".quantity", "must be a whole number, at least 1", entry["quantity"])
            elif q is not None and (q > MAX_QUANTITY or price * q > MAX_AMOUNT):
                r.add(
                    prefix + ".quantity",
                    f"price × quantity must not exceed {MAX_AMOUNT}",
                    entry["quantity"],
                )
            elif q is not None:
                quantity = int(q)
        if entry.get("total") is None and r.strict:
            r.add(prefix + ".total", "is required")
        discount_type = _kind(r, entry, "itemDiscountType", prefix + ".itemDiscountType")
        tax_type = _kind(r, entry, "taxType", prefix + ".taxType")
        discount = tax = None
        if entry.get("itemDiscount") is not None:
            discount = r.rate_or_amount(
                entry["itemDiscount"], discount_type, prefix + ".itemDiscount"
            )
            if discount is not None and discount_type is AmountType.AMOUNT and discount > price:
                r.add(
                    prefix + ".itemDiscount",
                    "must not be more than the price",
                    entry["itemDiscount"],
                )
        if entry.get("tax") is not None:
            tax = r.rate_or_amount(entry["tax"], tax_type, prefix + ".tax")
        texts = {}
        for key in ("description", "sku", "eInvoiceItemId"):
            texts[key] = None if entry.get(key) is None else r.text(entry, key, f"{prefix}.{key}")
        if len(r.found) != before:
            clean = False
            continue
        items.append(
            EInvoiceItem(
                price=price,
                quantity=quantity,
                description=texts["description"],
                sku=texts["sku"],
                item_id=texts["eInvoiceItemId"],
                item_discount=discount,
                item_discount_type=discount_type,
                tax=tax,
                tax_type=tax_type,
            )
        )
    return (items if clean else None), raw


def _check_derived(
    r: _GeideaReader,
    raw_items: Sequence[Any],
    details: Mapping[str, Any],
    totals: EInvoiceTotals,
    amount: Decimal | None,
    raw_amount: object,
) -> None:
    """Derived fields sent in the request must equal the computed ones."""

    def same(
        data: Mapping[str, Any], key: str, name: str, want: Decimal, *, required: bool
    ) -> None:
        raw = data.get(key)
        if raw is None:
            if required and r.strict:
                r.add(name, f"is required (should be {want})")
            return
        got = r.money(raw, name, floor=None)
        if got is not None and got != want:
            r.add(name, f"must equal {want} (computed from the items)", raw)

    for i, (entry, t) in enumerate(zip(raw_items, totals.items, strict=True)):
        prefix = f"eInvoiceDetails.eInvoiceItems[{i}]"
        for key, attr in _ITEM_DERIVED:
            same(entry, key, f"{prefix}.{key}", getattr(t, attr), required=False)
    same(details, "subtotal", "eInvoiceDetails.subtotal", totals.subtotal, required=True)
    same(
        details,
        "subtotalWithoutTax",
        "eInvoiceDetails.subtotalWithoutTax",
        totals.subtotal_without_tax,
        required=False,
    )
    same(details, "subtotalTax", "eInvoiceDetails.subtotalTax", totals.subtotal_tax, required=False)
    same(details, "grandTotal", "eInvoiceDetails.grandTotal", totals.grand_total, required=True)
    if totals.subtotal <= AMOUNT_FLOOR:
        r.add("eInvoiceDetails.subtotal", f"must be greater than {AMOUNT_FLOOR}", totals.subtotal)
    if amount is not None and amount != totals.grand_total:
        r.add("amount", f"must equal grandTotal {totals.grand_total}", raw_amount)


def validate_einvoice_request(
    payload: Mapping[str, Any], now: datetime, *, update: bool = False
) -> list[RuleViolation]:
    """Every rule of the Geidea create (or, with ``update``, update) eInvoice request.

    The single source of these rules for the app and the sandbox gateway; fields are named as on
    the wire ("eInvoiceDetails.eInvoiceItems[0].price", "customer.phoneNumber").
    """
    require_aware_now(now)
    return _read_einvoice(payload, now, strict=True, update=update).found


def einvoice_from_wire(payload: Mapping[str, Any], *, update: bool = False) -> EInvoice:
    """Read a request (or a response's ``paymentIntent``) into an EInvoice, tolerantly.

    Amounts as numbers or text, unknown keys ignored, derived fields optional (when given they
    must match). Raises ValidationError naming the wire fields.
    """
    read = _read_einvoice(payload, None, strict=False, update=update)
    if read.found:
        raise ValidationError(read.found)
    assert read.invoice is not None
    return read.invoice


#: Digits after the point in the signed amount ("20.00"), whatever the currency.
QUICK_SIGNATURE_DECIMALS = 2
_SIGNED_NUMBER = re.compile(r"^[0-9]+(\.[0-9]+)?$")  # plain digits only: no "1,000.00", no "1e3"


def signed_amount_text(amount: object, field: str = "amount") -> str:
    """The amount as a quick-invoice signature spells it: exactly 2 decimals ("20.00").

    One rule for the desk, its client and the sandbox. Takes a ``Decimal``, an ``int`` or plain
    decimal text ("20", "20.5"), because the signature must cover exactly the number sent:

    * more than 2 significant decimals (20.005) is refused, not rounded: rounding would sign
      an amount other than the one in the body;
    * grouped text ("1,000.00") is refused: it is display text, never a wire number, and a
      signer must not guess which grouping convention was meant;
    * floats are refused (money never travels as a float), as are booleans, negatives and
      anything not finite.

    Raises ``ValidationError`` naming ``field``.
    """
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int | str):
        kind = type(amount).__name__
        raise ValidationError.single(
            field, f"must be an exact number (Decimal, int or text), not {kind}", amount
        )
    if isinstance(amount, str):
        if not _SIGNED_NUMBER.match(amount.strip()):
            raise ValidationError.single(
                field, "must be plain digits with an optional decimal point, e.g. 1000.00", amount
            )
        value = Decimal(amount.strip())
    else:
        value = Decimal(amount)
    if not value.is_finite() or value.adjusted() >= 100:
        raise ValidationError.single(field, "must be a finite amount", amount)
    if value < 0:
        raise ValidationError.single(field, "must not be negative", amount)
    if significant_decimals(value) > QUICK_SIGNATURE_DECIMALS:
        raise ValidationError.single(
            field,
            f"must not have more than {QUICK_SIGNATURE_DECIMALS} digits after the decimal point",
            amount,
        )
    return f"{EXACT.quantize(value, Decimal(1).scaleb(-QUICK_SIGNATURE_DECIMALS)):f}"


def quick_invoice_amount(amount: object, currency: str) -> Decimal:
    """A quick invoice's ``amount``, checked before it is signed and sent.

    The create-invoice rules of reference 003: greater than 0.01, no more decimals than Geidea
    takes in ``currency`` (2, fewer for e.g. JPY), at most ``MAX_AMOUNT``. Zero, negatives and
    floats are refused with a ``ValidationError`` naming ``amount``.
    """
    text = signed_amount_text(amount)
    value = Decimal(text)
    places = decimals_of(geidea_quantum(currency))
    if significant_decimals(value) > places:
        raise ValidationError.single(
            "amount",
            f"must not have more than {places} digits after the decimal point ({currency})",
            amount,
        )
    if value <= AMOUNT_FLOOR:
        raise ValidationError.single("amount", f"must be greater than {AMOUNT_FLOOR}", amount)
    if value > MAX_AMOUNT:
        raise ValidationError.single("amount", f"must be at most {MAX_AMOUNT}", amount)
    return value


def quick_invoice_message(
    public_key: str,
    amount: object,
    currency: str,
    merchant_reference_id: str | None,
    timestamp: str,
) -> str:
    """What a quick invoice signs: public key + amount (2 decimals) + currency + reference +
    timestamp, as reference 003's recipe concatenates them."""
    amount_text = signed_amount_text(amount)
    return f"{public_key}{amount_text}{currency}{merchant_reference_id or ''}{timestamp}"


def quick_invoice_signature(
    public_key: str,
    amount: object,
    currency: str,
    merchant_reference_id: str | None,
    timestamp: str,
    api_password: str | hmac.HMAC,
) -> str:
    """Signature of a quick payment invoice (reference 003): the one implementation.

    base64(HMAC-SHA256 keyed by the merchant API password, of :func:`quick_invoice_message`).
    ``api_password`` may be an HMAC already keyed with it (and not yet fed), so a client need
    keep no copy of the password; it is copied, never consumed.
    """
    message = quick_invoice_message(public_key, amount, currency, merchant_reference_id, timestamp)
    if isinstance(api_password, hmac.HMAC):
        signer = api_password.copy()
    else:
        signer = hmac.new(api_password.encode("utf-8"), digestmod=hashlib.sha256)
    signer.update(message.encode("utf-8"))
    return base64.b64encode(signer.digest()).decode("ascii")
