"""A created invoice's request as the editor's form and lines (Duplicate, Geidea Update):
the customer, details, charges and each line as typed text. Dates are not copied."""

from __future__ import annotations

from typing import Any

from clickpay_desk.core.geidea_invoice import EInvoice
from clickpay_desk.core.invoice import Invoice

from .form_rules import InvoiceForm
from .line_rules import AMOUNT, PERCENT, LineColumn, Values, blank_values


def _line_values_pt2(item: Any) -> Values:
    values = blank_values()
    values[LineColumn.SKU] = item.sku
    values[LineColumn.DESCRIPTION] = item.description
    values[LineColumn.URL] = item.url
    values[LineColumn.UNIT_COST] = f"{item.unit_cost:f}"
    values[LineColumn.QUANTITY] = f"{item.quantity:f}"
    if item.discount_amount:
        values[LineColumn.DISCOUNT] = f"{item.discount_amount:f}"
        values[LineColumn.DISCOUNT_TYPE] = AMOUNT
    elif item.discount_rate:
        values[LineColumn.DISCOUNT] = f"{item.discount_rate.normalize():f}"
    if item.tax_total:
        values[LineColumn.TAX] = f"{item.tax_total:f}"
        values[LineColumn.TAX_TYPE] = AMOUNT
    elif item.tax_rate:
        values[LineColumn.TAX] = f"{item.tax_rate.normalize():f}"
    return values


def form_from_invoice(invoice: Invoice) -> tuple[InvoiceForm, list[Values]]:
    c = invoice.customer
    customer = (
        {}
        if c is None
        else {
            "name": c.name,
            "email": c.email,
            "phone": c.phone,
            "street": c.street1,
            "city": c.city,
            "state": c.state,
            "country": c.country,
            "zip": c.zip,
        }
    )
    form = InvoiceForm(
        customer=customer,
        customer_ref=invoice.customer_ref,
        description=invoice.cart_description,
        language=invoice.lang,
        callback_url=invoice.callback_url,
        return_url=invoice.return_url,
        hide_shipping=invoice.hide_shipping,
        disable_edit=invoice.disable_edit,
        tokenise=invoice.tokenise is not None,
        charges={
            "shipping": f"{invoice.shipping_charges:f}" if invoice.shipping_charges else "",
            "extra_charges": f"{invoice.extra_charges:f}" if invoice.extra_charges else "",
            "extra_discount": f"{invoice.extra_discount:f}" if invoice.extra_discount else "",
        },
    )
    return form, [_line_values_pt2(item) for item in invoice.lines]


def form_from_einvoice(invoice: EInvoice) -> tuple[InvoiceForm, list[Values]]:
    c = invoice.customer
    phone = "" if c is None else f"{c.phone_country_code}{c.phone_number}"
    form = InvoiceForm(
        customer={} if c is None else {"name": c.name, "email": c.email, "phone": phone},
        description=invoice.charge_description or "",
        language="ar" if invoice.language.upper() == "AR" else "en",
        callback_url=invoice.callback_url or "",
        charges={
            "extra_charges": "" if invoice.extra_charges is None else f"{invoice.extra_charges:f}",
            "extra_discount": ""
            if invoice.invoice_discount is None
            else f"{invoice.invoice_discount:f}",
        },
        charge_types={
            "extra_charges_type": AMOUNT
            if invoice.extra_charges_type.value == "Amount"
            else PERCENT,
            "extra_discount_type": AMOUNT
            if invoice.invoice_discount_type.value == "Amount"
            else PERCENT,
        },
    )
    rows = []
    for item in invoice.items:
        values = blank_values()
        values[LineColumn.SKU] = item.sku or ""
        values[LineColumn.DESCRIPTION] = item.description or ""
        values[LineColumn.UNIT_COST] = f"{item.price:f}"
        values[LineColumn.QUANTITY] = str(item.quantity)
        if item.item_discount is not None:
            values[LineColumn.DISCOUNT] = f"{item.item_discount:f}"
            values[LineColumn.DISCOUNT_TYPE] = (
                AMOUNT if item.item_discount_type.value == "Amount" else PERCENT
            )
        if item.tax is not None:
            values[LineColumn.TAX] = f"{item.tax:f}"
            values[LineColumn.TAX_TYPE] = AMOUNT if item.tax_type.value == "Amount" else PERCENT
        rows.append(values)
    return form, rows
