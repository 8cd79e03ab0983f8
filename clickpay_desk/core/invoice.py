"""ClickPay / PayTabs PT2 invoices (references 000 and 001): line items, totals, the request.

Arithmetic (reference 001, DESIGN.md), per line, at the currency's minor unit, half-up:

* net = unit_cost × quantity
* discount = discount_amount when it is given and non-zero, else net × discount_rate %
* tax = tax_total when it is given and non-zero, else (net − discount) × tax_rate %
* total = net − discount + tax

discount and tax are each rounded to the minor unit, so a line's printed figures always add up;
the invoice total is the sum of the rounded line totals + shipping_charges + extra_charges −
extra_discount, and ``cart_amount`` (and ``invoice.total``, unless 0/null = auto) must equal it.

Choices where the references are silent:

* **Quantity is a whole number ≥ 1.** Every sample sends integers, Geidea types it as integer,
  and a fractional quantity would give line nets with more decimals than the currency has. Text
  or numbers with an integral value ("2", 2.0) are accepted; 1.5 is refused.
* **Amounts go on the wire as strings with exactly the currency's decimals** ("9.50", "1.250",
  "100"). The PT2 sample itself sends ``cart_amount`` as a string and the gateway echoes amounts
  as strings ("9.50"); a string survives any JSON encoder exactly, whereas a JSON number written
  from Decimal needs a custom encoder and loses "9.50" → 9.5 through float. Rates are strings
  too ("15", "2.5"), quantities are JSON integers.
* Rates are percentages from 0 to 100 with at most 4 decimals; a discount may not exceed the
  line's net; unit_cost must be more than 0; a line's net may not exceed the gateway maximum.
* A line's ``net_total`` and ``total`` on the wire are derived; like ``invoice.total``, 0 or
  null means "work it out", any other value must match.
* ``tran_type`` is ``sale`` or ``auth`` and ``tran_class`` is ``ecom`` (case-insensitive, as
  PT2 echoes "Sale"/"ECom"); ``tokenise`` is one of PT2's token formats 2–6.
* Line items in violation names are 0-based, as on the wire: ``invoice.line_items[2]`` is
  the third line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cached_property
from typing import Any

from .contact import check_country, check_email
from .dates import (
    aware_violation,
    parse_wire_datetime,
    pt2_invoice_date_violations,
    require_aware_now,
)
from .money import (
    EXACT,
    MAX_AMOUNT,
    MIN_AMOUNT,
    as_decimal,
    format_amount,
    minor_units,
    normalize_currency,
    parse_decimal,
    percent_of,
    quantum,
    significant_decimals,
)
from .rules import RuleViolation, ValidationError
from .statuses import PAYMENT_PAGE_TRAN_CLASSES, PAYMENT_PAGE_TRAN_TYPES, TranClass, TranType
from .wire import CART_DESCRIPTION_MAX, CART_ID_MAX, WireReader

TRAN_TYPES: tuple[str, ...] = tuple(PAYMENT_PAGE_TRAN_TYPES)
TRAN_CLASSES: tuple[str, ...] = tuple(PAYMENT_PAGE_TRAN_CLASSES)
LANGUAGES = ("en", "ar")
TOKEN_FORMATS = (2, 3, 4, 5, 6)
#: No line can hold more: unit_cost is at least 0.01 and a line's net at most MAX_AMOUNT.
MAX_QUANTITY = 10**12

_ZERO = Decimal(0)
_DIGITS = re.compile(r"^\s*[0-9]+\s*$")  # str.isdigit() also takes "²", which int() refuses
_LINE_FIELD = re.compile(r"^invoice\.line_items\[(\d+)\](?:\.(\w+))?$")


@dataclass(frozen=True, kw_only=True, slots=True)
class LineItem:
    """One invoice line as the merchant entered it (explicit amounts win over rates)."""

    sku: str = ""
    description: str = ""
    url: str = ""
    unit_cost: Decimal = _ZERO
    quantity: Decimal = Decimal(1)
    discount_rate: Decimal = _ZERO
    discount_amount: Decimal = _ZERO
    tax_rate: Decimal = _ZERO
    tax_total: Decimal = _ZERO

    def __post_init__(self) -> None:
        for name in (
            "unit_cost",
            "quantity",
            "discount_rate",
            "discount_amount",
            "tax_rate",
            "tax_total",
        ):
            object.__setattr__(self, name, as_decimal(getattr(self, name), name))


@dataclass(frozen=True, slots=True)
class LineTotals:
    """A line's computed figures at the currency's minor unit."""

    net: Decimal
    discount: Decimal
    tax: Decimal
    total: Decimal


@dataclass(frozen=True, slots=True)
class InvoiceTotals:
    """Everything the invoice editor shows under the table."""

    currency: str
    net: Decimal
    discount: Decimal
    tax: Decimal
    lines_total: Decimal
    shipping_charges: Decimal
    extra_charges: Decimal
    extra_discount: Decimal
    grand_total: Decimal


def line_totals_at(item: LineItem, q: Decimal) -> LineTotals:
    """Line figures rounded at quantum ``q`` (Decimal('0.01') for SAR)."""
    net = EXACT.quantize(EXACT.multiply(item.unit_cost, item.quantity), q)
    if item.discount_amount:
        discount = EXACT.quantize(item.discount_amount, q)
    else:
        discount = percent_of(net, item.discount_rate, q)
    taxable = EXACT.subtract(net, discount)
    if item.tax_total:
        tax = EXACT.quantize(item.tax_total, q)
    else:
        tax = percent_of(taxable, item.tax_rate, q)
    return LineTotals(net, discount, tax, EXACT.add(taxable, tax))


def compute_line(item: LineItem, currency: str) -> LineTotals:
    """Net, discount, tax and total of one line, rounded half-up at the currency's minor unit."""
    return line_totals_at(item, quantum(currency))


def compute_totals(
    lines: Iterable[LineItem],
    currency: str,
    *,
    shipping_charges: Decimal = _ZERO,
    extra_charges: Decimal = _ZERO,
    extra_discount: Decimal = _ZERO,
) -> InvoiceTotals:
    """Totals of a whole invoice, computed from scratch (what the engine is tested against)."""
    q = quantum(currency)
    net = discount = tax = lines_total = EXACT.quantize(_ZERO, q)
    for item in lines:
        t = line_totals_at(item, q)
        net = EXACT.add(net, t.net)
        discount = EXACT.add(discount, t.discount)
        tax = EXACT.add(tax, t.tax)
        lines_total = EXACT.add(lines_total, t.total)
    return finish_totals(
        currency, net, discount, tax, lines_total, shipping_charges, extra_charges, extra_discount
    )


def finish_totals(
    currency: str,
    net: Decimal,
    discount: Decimal,
    tax: Decimal,
    lines_total: Decimal,
    shipping_charges: Decimal,
    extra_charges: Decimal,
    extra_discount: Decimal,
) -> InvoiceTotals:
    """Add the invoice-level charges to summed line figures."""
    q = quantum(currency)
    shipping = EXACT.quantize(as_decimal(shipping_charges, "shipping_charges"), q)
    extra = EXACT.quantize(as_decimal(extra_charges, "extra_charges"), q)
    off = EXACT.quantize(as_decimal(extra_discount, "extra_discount"), q)
    grand = EXACT.subtract(EXACT.add(EXACT.add(lines_total, shipping), extra), off)
    return InvoiceTotals(
        currency.upper(), net, discount, tax, lines_total, shipping, extra, off, grand
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class CustomerDetails:
    """PT2 ``customer_details``; empty strings are left off the wire."""

    name: str = ""
    email: str = ""
    phone: str = ""
    street1: str = ""
    city: str = ""
    state: str = ""
    country: str = ""
    zip: str = ""
    ip: str = ""

    def to_wire(self) -> dict[str, str]:
        return {k: v for k in _CUSTOMER_KEYS if (v := getattr(self, k))}


_CUSTOMER_KEYS = ("name", "email", "phone", "street1", "city", "state", "country", "zip", "ip")


@dataclass(frozen=True, kw_only=True)
class Invoice:
    """A PT2 invoice as the merchant builds it; ``to_wire()`` gives the create-invoice request.

    Construction refuses floats, naive datetimes and amounts with more decimals than the
    currency has (so the wire form is always exact); every other rule is reported by
    ``problems(now)`` so a draft can be held while it is still being typed.
    """

    currency: str
    cart_id: str
    cart_description: str
    lines: tuple[LineItem, ...] = ()
    customer: CustomerDetails | None = None
    shipping_charges: Decimal = _ZERO
    extra_charges: Decimal = _ZERO
    extra_discount: Decimal = _ZERO
    activation_date: datetime | None = None
    expiry_date: datetime | None = None
    due_date: datetime | None = None
    lang: str = "en"
    disable_edit: bool = False
    hide_shipping: bool = False
    customer_ref: str = ""
    tokenise: int | None = None
    callback_url: str = ""
    return_url: str = ""
    profile_id: int | None = None
    tran_type: str = TranType.SALE.value
    tran_class: str = TranClass.ECOM.value

    def __post_init__(self) -> None:
        code = normalize_currency(self.currency, "cart_currency")
        object.__setattr__(self, "currency", code)
        # Text ids go on the wire trimmed, as every wire reader counts them (core.wire).
        for name in ("cart_id", "cart_description", "customer_ref"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, value.strip())
        object.__setattr__(self, "lines", tuple(self.lines))
        units = minor_units(code)
        found: list[RuleViolation] = []

        def exact(value: Decimal, name: str) -> None:
            if significant_decimals(value) > units:
                found.append(
                    RuleViolation(name, f"{code} allows at most {units} decimal places", value)
                )

        for name in ("shipping_charges", "extra_charges", "extra_discount"):
            value = as_decimal(getattr(self, name), name)
            object.__setattr__(self, name, value)
            exact(value, "invoice." + name)
        for i, item in enumerate(self.lines):
            if not isinstance(item, LineItem):
                raise TypeError(f"lines[{i}] must be a LineItem")
            for name in ("unit_cost", "discount_amount", "tax_total"):
                exact(getattr(item, name), f"invoice.line_items[{i}].{name}")
        for name in ("activation_date", "expiry_date", "due_date"):
            value = getattr(self, name)
            if value is not None:
                if not isinstance(value, datetime):
                    raise TypeError(f"{name} must be a datetime")
                naive = aware_violation(value, "invoice." + name)
                if naive is not None:
                    found.append(naive)
        if found:
            raise ValidationError(found)

    @property
    def line_totals(self) -> tuple[LineTotals, ...]:
        q = quantum(self.currency)
        return tuple(line_totals_at(item, q) for item in self.lines)

    @cached_property
    def totals(self) -> InvoiceTotals:
        return compute_totals(
            self.lines,
            self.currency,
            shipping_charges=self.shipping_charges,
            extra_charges=self.extra_charges,
            extra_discount=self.extra_discount,
        )

    @property
    def cart_amount(self) -> Decimal:
        """What ``cart_amount`` must be: the invoice total."""
        return self.totals.grand_total

    def to_wire(self, profile_id: int | str | None = None) -> dict[str, Any]:
        """The PT2 create-invoice request (``POST /payment/new/invoice``) as a JSON-ready dict.

        ``profile_id`` overrides the invoice's own; with neither, the key is left out for the
        gateway client to fill from the merchant profile.
        """
        cur = self.currency
        q = quantum(cur)
        lines = []
        for item in self.lines:
            t = line_totals_at(item, q)
            line: dict[str, Any] = {}
            for key in ("sku", "description", "url"):
                if getattr(item, key):
                    line[key] = getattr(item, key)
            line.update(
                {
                    "unit_cost": format_amount(item.unit_cost, cur),
                    "quantity": _wire_quantity(item.quantity),
                    "net_total": format_amount(t.net, cur),
                    "discount_rate": _wire_rate(item.discount_rate),
                    "discount_amount": format_amount(item.discount_amount, cur),
                    "tax_rate": _wire_rate(item.tax_rate),
                    "tax_total": format_amount(item.tax_total, cur),
                    "total": format_amount(t.total, cur),
                }
            )
            lines.append(line)
        invoice: dict[str, Any] = {
            "lang": self.lang,
            "disable_edit": self.disable_edit,
            "shipping_charges": format_amount(self.shipping_charges, cur),
            "extra_charges": format_amount(self.extra_charges, cur),
            "extra_discount": format_amount(self.extra_discount, cur),
            "total": format_amount(self.cart_amount, cur),
        }
        for name in ("activation_date", "expiry_date", "due_date"):
            value = getattr(self, name)
            if value is not None:
                invoice[name] = value.isoformat(timespec="seconds")
        invoice["line_items"] = lines
        wire: dict[str, Any] = {}
        pid = profile_id if profile_id is not None else self.profile_id
        if pid is not None:
            wire["profile_id"] = int(pid) if isinstance(pid, str) and _DIGITS.match(pid) else pid
        wire.update(
            {
                "tran_type": self.tran_type,
                "tran_class": self.tran_class,
                "cart_id": self.cart_id,
                "cart_description": self.cart_description,
                "cart_currency": cur,
                "cart_amount": format_amount(self.cart_amount, cur),
            }
        )
        if self.tokenise is not None:
            wire["tokenise"] = self.tokenise
        if self.hide_shipping:
            wire["hide_shipping"] = True
        if self.customer_ref:
            wire["customer_ref"] = self.customer_ref
        if self.customer is not None and self.customer.to_wire():
            wire["customer_details"] = self.customer.to_wire()
        wire["invoice"] = invoice
        if self.callback_url:
            wire["callback"] = self.callback_url
        if self.return_url:
            wire["return"] = self.return_url
        return wire

    def problems(self, now: datetime) -> list[RuleViolation]:
        """Every rule this invoice breaks, by wire field name (a missing profile_id is not one)."""
        found = validate_invoice_request(self.to_wire(), now)
        if self.profile_id is None:
            found = [v for v in found if v.field != "profile_id"]
        return found


def _wire_quantity(quantity: Decimal) -> int | str:
    if quantity == quantity.to_integral_value():
        return int(quantity)
    return f"{quantity.normalize():f}"  # not a valid quantity; written as is so validation says so


def _wire_rate(rate: Decimal) -> str:
    return f"{rate.normalize():f}" if rate else "0"


def parse_line_field(field_name: str) -> tuple[int, str] | None:
    """("invoice.line_items[2].unit_cost") -> (2, "unit_cost"); None for non-line fields."""
    m = _LINE_FIELD.match(field_name)
    if not m:
        return None
    return int(m.group(1)), m.group(2) or ""


# --- reading and validating the wire request -------------------------------------------------


def _optional_zero(value: object) -> bool:
    """0, "0", "0.00" and null mean "not given" for the auto-calculated fields."""
    if value is None:
        return True
    try:
        return parse_decimal(value) == 0
    except ValidationError:
        return False


@dataclass
class _Read:
    found: list[RuleViolation]
    invoice: Invoice | None


def _read_request(payload: object, now: datetime | None, strict: bool) -> _Read:
    r = WireReader(strict)
    if not isinstance(payload, Mapping):
        r.add("request", "must be a JSON object", type(payload).__name__)
        return _Read(r.found, None)

    # profile_id: INT (reference 002's table); text of digits is accepted, as PT2 does.
    profile_id = r.identifier(
        payload, "profile_id", "profile_id", required=strict, hint="(your profile id)"
    )
    tran_type = (
        r.choice(payload, "tran_type", "tran_type", TRAN_TYPES, required=strict)
        or TranType.SALE.value
    )
    tran_class = (
        r.choice(payload, "tran_class", "tran_class", TRAN_CLASSES, required=strict)
        or TranClass.ECOM.value
    )
    cart_id = r.text(payload, "cart_id", "cart_id", required=True, max_len=CART_ID_MAX)
    cart_description = r.text(
        payload, "cart_description", "cart_description", required=True, max_len=CART_DESCRIPTION_MAX
    )

    currency = r.currency(payload, "cart_currency", "cart_currency")

    cart_amount: Decimal | None = None
    if payload.get("cart_amount") is None:
        if strict:
            r.add("cart_amount", f"is required ({MIN_AMOUNT} to {MAX_AMOUNT})")
    else:
        cart_amount = r.amount(payload["cart_amount"], currency, "cart_amount", minimum=MIN_AMOUNT)

    customer_ref = r.text(payload, "customer_ref", "customer_ref")
    hide_shipping = r.flag(payload, "hide_shipping", "hide_shipping")
    tokenise: int | None = None
    raw_token = payload.get("tokenise")
    if raw_token is not None:
        if not strict and isinstance(raw_token, str) and _DIGITS.match(raw_token):
            raw_token = int(raw_token)
        if (
            isinstance(raw_token, int)
            and not isinstance(raw_token, bool)
            and raw_token in TOKEN_FORMATS
        ):
            tokenise = raw_token
        else:
            r.add("tokenise", "must be a token format from 2 to 6", raw_token)
    callback_url = r.url(payload, "callback", "callback")
    return_url = r.url(payload, "return", "return")
    customer = _read_customer(r, payload.get("customer_details"))

    inv = payload.get("invoice")
    lines: list[LineItem] = []
    charges = {"shipping_charges": _ZERO, "extra_charges": _ZERO, "extra_discount": _ZERO}
    dates: dict[str, datetime | None] = {
        "activation_date": None,
        "expiry_date": None,
        "due_date": None,
    }
    lang, disable_edit = "en", False
    lines_ok = charges_ok = False
    if not isinstance(inv, Mapping):
        r.add(
            "invoice",
            "is required: an object with line_items"
            if inv is None
            else "must be an object with line_items",
            None if inv is None else inv,
        )
    else:
        raw_lang = inv.get("lang")
        if raw_lang is not None:
            ok = isinstance(raw_lang, str) and (
                raw_lang in LANGUAGES if strict else raw_lang.strip().lower() in LANGUAGES
            )
            if ok:
                assert isinstance(raw_lang, str)
                lang = raw_lang.strip().lower()
            else:
                r.add("invoice.lang", "must be en or ar", raw_lang)
        disable_edit = r.flag(inv, "disable_edit", "invoice.disable_edit")
        charges_ok = True
        for key in charges:
            if inv.get(key) is not None:
                value = r.amount(inv[key], currency, "invoice." + key, minimum=_ZERO)
                if value is None:
                    charges_ok = False  # reported; the total cannot be checked without it
                else:
                    charges[key] = value
        dates_ok = True
        for key in dates:
            if inv.get(key) is not None:
                try:
                    dates[key] = parse_wire_datetime(inv[key], "invoice." + key)
                except ValidationError as exc:
                    r.take(exc)
                    dates_ok = False
        if dates_ok:
            r.found.extend(
                pt2_invoice_date_violations(
                    now, dates["activation_date"], dates["expiry_date"], dates["due_date"]
                )
            )
        lines_ok = _read_lines(r, inv.get("line_items"), currency, lines)

    if currency is not None and lines_ok and charges_ok and isinstance(inv, Mapping):
        totals = compute_totals(lines, currency, **charges)
        grand = totals.grand_total
        how = (
            f"the invoice total {format_amount(grand, currency)} (line items + "
            "shipping_charges + extra_charges − extra_discount)"
        )
        if cart_amount is not None and cart_amount != grand:
            r.add("cart_amount", "must equal " + how, payload.get("cart_amount"))
        raw_total = inv.get("total")
        if not _optional_zero(raw_total):
            total = r.amount(raw_total, currency, "invoice.total", minimum=_ZERO)
            if total is not None and total != grand:
                r.add(
                    "invoice.total", "must be 0/null (auto-calculated) or equal " + how, raw_total
                )

    invoice: Invoice | None = None
    if not r.found and currency is not None:
        invoice = Invoice(
            currency=currency,
            cart_id=cart_id,
            cart_description=cart_description,
            lines=tuple(lines),
            customer=customer,
            lang=lang,
            disable_edit=disable_edit,
            hide_shipping=hide_shipping,
            customer_ref=customer_ref,
            tokenise=tokenise,
            callback_url=callback_url,
            return_url=return_url,
            profile_id=profile_id,
            tran_type=tran_type,
            tran_class=tran_class,
            shipping_charges=charges["shipping_charges"],
            extra_charges=charges["extra_charges"],
            extra_discount=charges["extra_discount"],
            activation_date=dates["activation_date"],
            expiry_date=dates["expiry_date"],
            due_date=dates["due_date"],
        )
    return _Read(r.found, invoice)


def _read_customer(r: WireReader, raw: object) -> CustomerDetails | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        r.add("customer_details", "must be an object", raw)
        return None
    values = {k: r.text(raw, k, "customer_details." + k).strip() for k in _CUSTOMER_KEYS}
    for key, check in (("email", check_email), ("country", check_country)):
        rule = check(values[key])[1] if values[key] else ""
        if rule:
            r.add("customer_details." + key, rule, values[key])
    return CustomerDetails(**values)


def _read_lines(r: WireReader, raw: object, currency: str | None, out: list[LineItem]) -> bool:
    """Append the parsed line items to ``out``; True when every line was read cleanly."""
    if raw is None:
        r.add("invoice.line_items", "is required: at least one line item")
        return False
    if not isinstance(raw, Sequence) or isinstance(raw, str | bytes):
        r.add("invoice.line_items", "must be a list of line items", raw)
        return False
    if not raw:
        r.add("invoice.line_items", "must have at least one line item")
        return False
    q = quantum(currency) if currency is not None else None
    clean = True
    for i, entry in enumerate(raw):
        before = len(r.found)
        item = _read_line(r, entry, currency, f"invoice.line_items[{i}]")
        if item is None or len(r.found) != before:
            clean = False
            continue
        out.append(item)
        if q is None:
            continue
        t = line_totals_at(item, q)
        prefix = f"invoice.line_items[{i}]"
        assert currency is not None and isinstance(entry, Mapping)
        if t.discount > t.net:
            key = "discount_amount" if item.discount_amount else "discount_rate"
            r.add(
                f"{prefix}.{key}",
                f"the discount must not exceed the line's net {format_amount(t.net, currency)}",
                entry.get(key),
            )
        for key, want in (("net_total", t.net), ("total", t.total)):
            got = entry.get(key)
            if _optional_zero(got):
                continue
            value = r.amount(got, currency, f"{prefix}.{key}", minimum=None)
            if value is not None and value != want:
                r.add(
                    f"{prefix}.{key}",
                    f"must be 0/null (auto) or equal {format_amount(want, currency)}",
                    got,
                )
        if len(r.found) != before:
            clean = False
    return clean


def _read_line(r: WireReader, entry: object, currency: str | None, prefix: str) -> LineItem | None:
    if not isinstance(entry, Mapping):
        r.add(prefix, "must be an object with unit_cost and quantity", entry)
        return None
    before = len(r.found)
    unit_cost = _ZERO
    if entry.get("unit_cost") is None:
        r.add(prefix + ".unit_cost", "is required")
    else:
        value = r.amount(entry["unit_cost"], currency, prefix + ".unit_cost", minimum=None)
        if value is not None and value <= 0:
            r.add(prefix + ".unit_cost", "must be more than 0", entry["unit_cost"])
        elif value is not None:
            unit_cost = value
    quantity = Decimal(1)
    if entry.get("quantity") is None:
        r.add(prefix + ".quantity", "is required")
    else:
        value = r.number(entry["quantity"], prefix + ".quantity")
        if value is not None:
            if value != value.to_integral_value() or value < 1:
                r.add(prefix + ".quantity", "must be a whole number, at least 1", entry["quantity"])
            elif value > MAX_QUANTITY:  # implied by the net's cap; checked first, cheaply
                r.add(prefix + ".quantity", f"must be at most {MAX_QUANTITY}", entry["quantity"])
            else:
                quantity = value.to_integral_value()
                if EXACT.multiply(unit_cost, quantity) > MAX_AMOUNT:
                    r.add(
                        prefix + ".quantity",
                        f"unit_cost × quantity must not exceed {MAX_AMOUNT}",
                        entry["quantity"],
                    )
    amounts: dict[str, Decimal] = {}
    for key in ("discount_amount", "tax_total"):
        amounts[key] = _ZERO
        if entry.get(key) is not None:
            value = r.amount(entry[key], currency, f"{prefix}.{key}", minimum=_ZERO)
            if value is not None:
                amounts[key] = value
    for key in ("discount_rate", "tax_rate"):
        amounts[key] = _ZERO
        if entry.get(key) is not None:
            value = r.rate(entry[key], f"{prefix}.{key}")
            if value is not None:
                amounts[key] = value
    sku = r.text(entry, "sku", prefix + ".sku")
    description = r.text(entry, "description", prefix + ".description")
    url = r.url(entry, "url", prefix + ".url")
    if len(r.found) != before:
        return None
    return LineItem(
        sku=sku, description=description, url=url, unit_cost=unit_cost, quantity=quantity, **amounts
    )


def validate_invoice_request(payload: Mapping[str, Any], now: datetime) -> list[RuleViolation]:
    """Every rule a strict gateway applies to a create-invoice request, by exact wire field name.

    The single source of these rules: the app checks with it before sending and the sandbox
    gateway refuses with it. ``now`` (timezone-aware) is the gateway's clock for the date rules.
    """
    require_aware_now(now)
    return _read_request(payload, now, strict=True).found


def invoice_from_wire(payload: Mapping[str, Any]) -> Invoice:
    """Build an Invoice from a request dict: tolerant of "9.50"/9.5/Decimal, ids as text or
    numbers, missing tran_type/profile_id/cart_amount and unknown keys.

    Raises ValidationError naming wire fields ("invoice.line_items[2].unit_cost") for what cannot
    be read, and when cart_amount or a given total disagrees with the lines. Date rules that
    depend on the clock are not applied; their order is.
    """
    read = _read_request(payload, None, strict=False)
    if read.found:
        raise ValidationError(read.found)
    assert read.invoice is not None
    return read.invoice
