"""What the Geidea gateway tolerates in a request, as its .NET model binding does.

* JSON keys are matched without regard to case (``subTotal`` is ``subtotal``,
  ``PaymentIntentId`` is ``paymentIntentId``): :func:`canonical_keys` spells every known key
  the way reference 003 does before the rules read the body. Of two keys that differ only in
  case, the later one wins (as in System.Text.Json with case-insensitive properties).
* A create may carry only ``amount``, ``currency`` and ``customer`` (Geidea's SDKs do):
  :func:`amount_only` gives it a one-line ``eInvoiceDetails`` for that amount.
* An update may carry only ``paymentIntentId`` and the fields that change: :func:`merged_update`
  lays them over what the invoice holds; when the items, charges or discount change, the
  derived totals and ``amount`` are computed again unless the request gives them.
"""

from __future__ import annotations

from typing import Any

from ..core.geidea_invoice import einvoice_from_wire, einvoice_to_wire
from ..core.rules import ValidationError

_KEYS = (
    # request and paymentIntent
    "amount", "currency", "customer", "callbackUrl", "expiryDate", "activationDate",
    "eInvoiceDetails", "paymentIntentId", "status", "merchantReferenceId", "timestamp",
    "signature", "language",
    # customer
    "name", "email", "phoneNumber", "phoneCountryCode",
    # eInvoiceDetails
    "type", "collectCustomersBillingShippingAddress", "preAuthorizeAmount",
    "subtotalWithoutTax", "subtotalTax", "subtotal", "grandTotal", "extraCharges",
    "extraChargesType", "invoiceDiscount", "invoiceDiscountType", "eInvoiceItems",
    "chargeDescription",
    # eInvoiceItems[]
    "eInvoiceItemId", "description", "price", "priceWithDiscount", "priceTax", "priceTotal",
    "quantity", "sku", "itemDiscount", "itemDiscountType", "tax", "taxType",
    "totalWithoutTax", "totalTax", "total",
)  # fmt: skip
_CANONICAL = {key.lower(): key for key in _KEYS}
#: eInvoiceDetails fields the totals are computed from
_COST_INPUTS = frozenset(
    {"eInvoiceItems", "extraCharges", "extraChargesType", "invoiceDiscount", "invoiceDiscountType"}
)
_DERIVED = ("subtotalWithoutTax", "subtotalTax", "subtotal", "grandTotal")


def canonical_keys(value: Any) -> Any:
    """``value`` with every known key spelled as reference 003 does, at every depth."""
    if isinstance(value, dict):
        return {_CANONICAL.get(str(k).lower(), k): canonical_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [canonical_keys(v) for v in value]
    return value


def amount_only(payload: dict[str, Any]) -> dict[str, Any]:
    """A create without ``eInvoiceDetails``: one line for the whole ``amount``."""
    if payload.get("eInvoiceDetails") is not None or payload.get("amount") is None:
        return payload
    amount = payload["amount"]
    shaped = dict(payload)
    shaped["eInvoiceDetails"] = {
        "subtotal": amount,
        "grandTotal": amount,
        "eInvoiceItems": [{"price": amount, "quantity": 1, "total": amount}],
    }
    if payload.get("merchantReferenceId") is not None:
        shaped["eInvoiceDetails"]["merchantReferenceId"] = payload["merchantReferenceId"]
    return shaped


def merged_update(intent: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """The update request ``given`` completed with what ``intent`` holds."""
    stored = intent.get("eInvoiceDetails") or {}
    customer = intent.get("customer") or {}
    base: dict[str, Any] = {
        "amount": intent.get("amount"),
        "currency": intent.get("currency"),
        "customer": {
            k: customer.get(k)
            for k in ("name", "email", "phoneNumber", "phoneCountryCode")
            if customer.get(k) is not None
        },
        "eInvoiceDetails": {k: v for k, v in stored.items() if v is not None},
    }
    merged = {
        **base,
        **{k: v for k, v in given.items() if k not in ("customer", "eInvoiceDetails")},
    }
    if isinstance(given.get("customer"), dict):
        merged["customer"] = {**base["customer"], **given["customer"]}
    elif "customer" in given:
        merged["customer"] = given["customer"]
    details = given.get("eInvoiceDetails")
    if isinstance(details, dict):
        new_details = {**base["eInvoiceDetails"], **details}
        if _COST_INPUTS & set(details):
            for key in _DERIVED:
                if key not in details:
                    new_details.pop(key, None)
            if "amount" not in given:
                merged.pop("amount", None)
        merged["eInvoiceDetails"] = new_details
        _fill_totals(merged)
    elif "eInvoiceDetails" in given:
        merged["eInvoiceDetails"] = details
    return merged


def _fill_totals(merged: dict[str, Any]) -> None:
    """Put back the totals left out, computed from the items (the rules then check the rest)."""
    try:
        wire = einvoice_to_wire(einvoice_from_wire(merged, update=True))
    except (ValidationError, TypeError, ValueError, KeyError):
        return  # the rules will say what is wrong
    details = merged["eInvoiceDetails"]
    for key in _DERIVED:
        details.setdefault(key, wire["eInvoiceDetails"][key])
    merged.setdefault("amount", wire["amount"])
