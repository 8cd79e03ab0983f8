"""The invoice editor's fields outside the lines table, read through ``core`` (no Qt here).

``header_problems`` checks the invoice-level rules on every keystroke without the lines: it
builds the core invoice with no lines, puts the live total from the totals engine in its
request, and keeps what core's validator says about everything but the lines (the lines are
checked one by one in the table). ``build`` makes the real core invoice for Create, which is
then checked whole, once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import phonenumbers

from clickpay_desk.core.contact import check_e164
from clickpay_desk.core.geidea_invoice import (
    AmountType,
    EInvoice,
    EInvoiceItem,
    GeideaCustomer,
    einvoice_to_wire,
    validate_einvoice_request,
)
from clickpay_desk.core.invoice import (
    CustomerDetails,
    Invoice,
    LineItem,
    validate_invoice_request,
)
from clickpay_desk.core.money import format_amount
from clickpay_desk.core.profile import GatewayKind
from clickpay_desk.core.rules import RuleViolation, ValidationError

from .line_rules import AMOUNT, read_number

CUSTOMER_KEYS = ("name", "email", "phone", "street", "city", "state", "country", "zip")
CHARGE_KEYS = ("shipping", "extra_charges", "extra_discount")

#: What each form field is called on screen (problem list, tooltips).
FIELD_LABELS: dict[str, str] = {
    "name": "Customer name",
    "email": "E-mail",
    "phone": "Phone",
    "street": "Street",
    "city": "City",
    "state": "State",
    "country": "Country",
    "zip": "Postal code",
    "customer_ref": "Customer reference",
    "cart_id": "Invoice number (cart id)",
    "description": "Description",
    "currency": "Currency",
    "language": "Language",
    "activation": "Activation date",
    "expiry": "Expiry date",
    "due": "Due date",
    "callback_url": "Callback URL",
    "return_url": "Return URL",
    "tokenise": "Save card",
    "shipping": "Shipping",
    "extra_charges": "Extra charges",
    "extra_discount": "Extra discount",
    "total": "Total",
    "lines": "Lines",
    "profile": "Profile",
}

_PT2_FIELDS = {
    "cart_id": "cart_id",
    "cart_description": "description",
    "cart_amount": "total",
    "cart_currency": "currency",
    "customer_ref": "customer_ref",
    "customer_details.name": "name",
    "customer_details.email": "email",
    "customer_details.phone": "phone",
    "customer_details.street1": "street",
    "customer_details.city": "city",
    "customer_details.state": "state",
    "customer_details.country": "country",
    "customer_details.zip": "zip",
    "invoice.shipping_charges": "shipping",
    "invoice.extra_charges": "extra_charges",
    "invoice.extra_discount": "extra_discount",
    "invoice.total": "total",
    "invoice.activation_date": "activation",
    "invoice.expiry_date": "expiry",
    "invoice.due_date": "due",
    "invoice.lang": "language",
    "callback": "callback_url",
    "return": "return_url",
    "tokenise": "tokenise",
    "profile_id": "profile",
}
_GEIDEA_FIELDS = {
    "customer": "name",
    "customer.name": "name",
    "customer.email": "email",
    "customer.phoneCountryCode": "phone",
    "customer.phoneNumber": "phone",
    "amount": "total",
    "eInvoiceDetails.subtotal": "total",
    "eInvoiceDetails.grandTotal": "total",
    "currency": "currency",
    "eInvoiceDetails.extraCharges": "extra_charges",
    "eInvoiceDetails.invoiceDiscount": "extra_discount",
    "eInvoiceDetails.merchantReferenceId": "cart_id",
    "eInvoiceDetails.chargeDescription": "description",
    "eInvoiceDetails.language": "language",
    "activationDate": "activation",
    "expiryDate": "expiry",
    "callbackUrl": "callback_url",
    "eInvoiceDetails.callbackUrl": "callback_url",
}

#: Core's rules that speak the request's names, as a shop owner reads them beside the field's
#: label ("E-mail is missing: give …"); core keeps its words for logs and other callers.
_IN_WORDS: dict[tuple[str, str], str] = {
    (
        "customer.email",
        "either email or phoneNumber is required",
    ): "is missing: give an e-mail or a phone number",
    (
        "customer.phoneCountryCode",
        "is required when phoneNumber is given",
    ): "needs its country code, e.g. +966501234567",
    (
        "customer.phoneNumber",
        "is required when phoneCountryCode is given",
    ): "needs the number after the country code, e.g. +966501234567",
}


def rule_in_words(wire_field: str, rule: str) -> str:
    """``rule`` as it reads after the field's label on screen."""
    return _IN_WORDS.get((wire_field, rule), rule)


@dataclass
class InvoiceForm:
    """What the editor's fields hold (text as typed; dates aware or None)."""

    customer: dict[str, str] = field(default_factory=dict)
    customer_ref: str = ""
    cart_id: str = ""
    description: str = ""
    language: str = "en"
    activation: datetime | None = None
    expiry: datetime | None = None
    due: datetime | None = None
    callback_url: str = ""
    return_url: str = ""
    hide_shipping: bool = False
    disable_edit: bool = False
    tokenise: bool = False
    charges: dict[str, str] = field(default_factory=dict)
    #: "%" or "Amount" for extra_charges and extra_discount (Geidea)
    charge_types: dict[str, str] = field(default_factory=dict)

    def c(self, key: str) -> str:
        return self.customer.get(key, "").strip()

    def to_data(self) -> dict[str, Any]:
        """JSON-ready (drafts)."""
        return {
            "customer": dict(self.customer),
            "customer_ref": self.customer_ref,
            "cart_id": self.cart_id,
            "description": self.description,
            "language": self.language,
            "activation": _iso(self.activation),
            "expiry": _iso(self.expiry),
            "due": _iso(self.due),
            "callback_url": self.callback_url,
            "return_url": self.return_url,
            "hide_shipping": self.hide_shipping,
            "disable_edit": self.disable_edit,
            "tokenise": self.tokenise,
            "charges": dict(self.charges),
            "charge_types": dict(self.charge_types),
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> InvoiceForm:
        def text(key: str) -> str:
            value = data.get(key)
            return value if isinstance(value, str) else ""

        def mapping(key: str) -> dict[str, str]:
            value = data.get(key)
            if not isinstance(value, Mapping):
                return {}
            return {str(k): str(v) for k, v in value.items() if isinstance(v, str)}

        return cls(
            customer=mapping("customer"),
            customer_ref=text("customer_ref"),
            cart_id=text("cart_id"),
            description=text("description"),
            language=text("language") or "en",
            activation=_when(data.get("activation")),
            expiry=_when(data.get("expiry")),
            due=_when(data.get("due")),
            callback_url=text("callback_url"),
            return_url=text("return_url"),
            hide_shipping=bool(data.get("hide_shipping")),
            disable_edit=bool(data.get("disable_edit")),
            tokenise=bool(data.get("tokenise")),
            charges=mapping("charges"),
            charge_types=mapping("charge_types"),
        )


def _iso(value: datetime | None) -> str:
    return "" if value is None else value.isoformat(timespec="seconds")


def _when(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


@dataclass
class Charges:
    """The invoice-level amounts as read (None: empty), and what could not be read."""

    values: dict[str, Decimal | None]
    types: dict[str, AmountType]
    problems: dict[str, str]


def read_charges(form: InvoiceForm, decimal_point: str = ".", group: str = ",") -> Charges:
    values: dict[str, Decimal | None] = {}
    problems: dict[str, str] = {}
    for key in CHARGE_KEYS:
        text = form.charges.get(key, "").strip()
        values[key] = None
        if text:
            try:
                values[key] = read_number(text, decimal_point, group)
            except ValidationError:
                problems[key] = "must be a number such as 1250.00"
    types = {
        key: AmountType.AMOUNT
        if form.charge_types.get(key + "_type", AMOUNT) == AMOUNT
        else AmountType.PERCENTAGE
        for key in ("extra_charges", "extra_discount")
    }
    return Charges(values, types, problems)


def split_phone(text: str) -> tuple[str, str, str]:
    """ "+966501234567" → ("+966", "501234567", ""); the rule broken as third item otherwise."""
    text = text.strip()
    if not text:
        return "", "", ""
    normal, rule = check_e164(text)
    if normal is None:
        return "", "", rule + ", e.g. +966501234567"
    number = phonenumbers.parse(normal, None)
    return f"+{number.country_code}", str(number.national_number), ""


def _pt2(
    form: InvoiceForm,
    currency: str,
    lines: Sequence[LineItem],
    charges: Charges,
    profile_id: int | None,
) -> Invoice:
    zero = Decimal(0)
    return Invoice(
        currency=currency,
        cart_id=form.cart_id.strip(),
        cart_description=form.description.strip(),
        lines=tuple(lines),
        customer=CustomerDetails(
            name=form.c("name"),
            email=form.c("email"),
            phone=form.c("phone"),
            street1=form.c("street"),
            city=form.c("city"),
            state=form.c("state"),
            country=form.c("country").upper(),
            zip=form.c("zip"),
        ),
        shipping_charges=charges.values["shipping"] or zero,
        extra_charges=charges.values["extra_charges"] or zero,
        extra_discount=charges.values["extra_discount"] or zero,
        activation_date=form.activation,
        expiry_date=form.expiry,
        due_date=form.due,
        lang=form.language if form.language in ("en", "ar") else "en",
        disable_edit=form.disable_edit,
        hide_shipping=form.hide_shipping,
        customer_ref=form.customer_ref.strip(),
        tokenise=2 if form.tokenise else None,
        callback_url=form.callback_url.strip(),
        return_url=form.return_url.strip(),
        profile_id=profile_id,
    )


def _geidea(
    form: InvoiceForm, currency: str, items: Sequence[EInvoiceItem], charges: Charges
) -> tuple[EInvoice, str]:
    code, number, phone_rule = split_phone(form.c("phone"))
    invoice = EInvoice(
        currency=currency,
        items=tuple(items),
        customer=GeideaCustomer(
            name=form.c("name"),
            email=form.c("email"),
            phone_country_code=code,
            phone_number=number,
        ),
        extra_charges=charges.values["extra_charges"],
        extra_charges_type=charges.types["extra_charges"],
        invoice_discount=charges.values["extra_discount"],
        invoice_discount_type=charges.types["extra_discount"],
        charge_description=form.description.strip() or None,
        merchant_reference_id=form.cart_id.strip() or None,
        language="AR" if form.language == "ar" else "EN",
        activation_date=form.activation,
        expiry_date=form.expiry,
        callback_url=form.callback_url.strip() or None,
    )
    return invoice, phone_rule


def field_of(kind: GatewayKind, wire_field: str) -> str:
    """The form field a wire field's violation belongs to ("" when none)."""
    table = _GEIDEA_FIELDS if kind is GatewayKind.GEIDEA else _PT2_FIELDS
    return table.get(wire_field, "")


def header_problems(
    kind: GatewayKind,
    form: InvoiceForm,
    currency: str,
    grand_total: Decimal,
    filled_lines: int,
    now: datetime,
    *,
    profile_id: int | None = None,
    decimal_point: str = ".",
    group: str = ",",
) -> dict[str, str]:
    """Invoice-level rules broken, by form field (first rule per field); the lines not read."""
    charges = read_charges(form, decimal_point, group)
    found: dict[str, str] = dict(charges.problems)
    violations: list[RuleViolation] = []
    if kind is GatewayKind.GEIDEA:
        try:
            einvoice, phone_rule = _geidea(form, currency, (), charges)
        except ValidationError as exc:
            violations.extend(exc.violations)
        else:
            if phone_rule:
                found.setdefault("phone", phone_rule)
            wire = einvoice_to_wire(einvoice)
            wire["amount"] = grand_total
            violations.extend(validate_einvoice_request(wire, now))
        skip = "eInvoiceDetails.eInvoiceItems"
    else:
        try:
            invoice = _pt2(form, currency, (), charges, profile_id)
        except ValidationError as exc:
            violations.extend(exc.violations)
        else:
            wire = invoice.to_wire()
            wire["cart_amount"] = format_amount(grand_total, currency)
            wire["invoice"]["total"] = wire["cart_amount"]
            violations.extend(validate_invoice_request(wire, now))
        skip = "invoice.line_items"
    for v in violations:
        if v.field.startswith(skip):
            continue
        if v.field == "profile_id" and profile_id is None:
            continue
        key = field_of(kind, v.field) or v.field
        found.setdefault(key, rule_in_words(v.field, v.rule))
    if filled_lines == 0:
        found.setdefault("lines", "are missing: add at least one line with a price")
    return found


def build(
    kind: GatewayKind,
    form: InvoiceForm,
    currency: str,
    items: Sequence[Any],
    *,
    profile_id: int | None = None,
    decimal_point: str = ".",
    group: str = ",",
) -> Invoice | EInvoice:
    """The core invoice to create. Raises ValidationError for what cannot even be built."""
    charges = read_charges(form, decimal_point, group)
    if charges.problems:
        raise ValidationError(
            RuleViolation(FIELD_LABELS[k], rule) for k, rule in charges.problems.items()
        )
    if kind is GatewayKind.GEIDEA:
        einvoice, phone_rule = _geidea(form, currency, items, charges)
        if phone_rule:
            raise ValidationError.single("customer.phoneNumber", phone_rule)
        return einvoice
    return _pt2(form, currency, items, charges, profile_id)


def problems_of(invoice: Invoice | EInvoice, now: datetime) -> list[RuleViolation]:
    """The whole invoice through its request, once (before Create)."""
    return invoice.problems(now)
