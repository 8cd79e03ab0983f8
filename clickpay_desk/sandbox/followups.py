"""PT2 follow-up transactions: refund, void and capture of an earlier transaction.

``POST /payment/request`` with ``tran_ref`` and ``tran_type`` ``refund``, ``void`` or ``capture``
acts on the transaction ``tran_ref`` (as the PayTabs SDKs' follow-up requests do) instead of
opening a payment page. The body carries ``profile_id``, ``tran_type``, ``tran_class``,
``cart_id``, ``cart_description``, ``cart_currency``, ``cart_amount`` and ``tran_ref``
(``cart_id`` and ``cart_description`` default to the original's when left out).

Rules (a breach is refused 400/206 naming the field, nothing changes):

* the original must exist (404 naming ``tran_ref``) and be approved (``A``);
* ``cart_currency`` must be the original's;
* refund: the original is a sale or a capture (or an auth that was captured); the amount is at
  most what was paid (captured) less what was refunded before: partial refunds add up, and a
  refund of a capture counts against its auth too (no refunding the same money twice);
* capture and void: the original is an auth; the amount is at most what is still authorised
  (authorised less captured less voided).

The answer is the completed transaction, shaped like reference 002's follow-up IPN: its own
``tran_ref``, ``previous_tran_ref`` (the original), ``tran_type`` ("Refund", "Void", "Capture"),
the cart, ``payment_result`` (``response_status`` "A"), ``payment_info``, ``serviceId``,
``profileId``, ``merchantId``, ``trace``. It is recorded as a transaction (queryable by its
``tran_ref`` and by ``cart_id``); no callback is sent. An invoice whose payment is refunded in
full reads ``refunded``.
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..core.agreement import validate_payment_request
from ..core.money import format_amount, parse_decimal
from ..core.rules import RuleViolation
from .replies import pt2_not_found, pt2_refusal
from .web import Request, Response

if TYPE_CHECKING:
    from .pt2 import ClickPay

FOLLOW_UP_TYPES = ("refund", "void", "capture")
#: tran_type of an original that money was taken by (what a refund may give back).
_PAID_TYPES = ("sale", "capture")


def is_follow_up(body: dict[str, Any]) -> bool:
    """A payment request that acts on an earlier transaction rather than opening a page."""
    tran_type = str(body.get("tran_type") or "").strip().lower()
    return tran_type in FOLLOW_UP_TYPES and body.get("tran_ref") not in (None, "")


def _amount(tx: dict[str, Any], key: str) -> Decimal:
    return Decimal(str(tx.get(key) or "0"))


def _original_type(tx: dict[str, Any]) -> str:
    # installments (repeat billing) are sales; they carry no tran_type of their own
    return str(tx.get("tran_type") or "sale").lower()


def follow_up(clickpay: ClickPay, request: Request, body: dict[str, Any]) -> Response:
    """Run one refund / void / capture on the transaction ``body["tran_ref"]``."""
    ctx = clickpay.ctx
    store = ctx.store
    tran_ref = str(body["tran_ref"]).strip()
    original = clickpay.data["transactions"].get(tran_ref)
    if original is None:
        raise pt2_not_found(ctx, "tran_ref", f"no transaction {tran_ref}")
    kind = str(body["tran_type"]).strip().lower()
    # the SDKs send the cart; a client that leaves cart_id/description out means the original's
    shaped = {
        "cart_id": original.get("cart_id"),
        "cart_description": original.get("cart_description") or f"{kind} of {tran_ref}",
        "tran_class": original.get("tran_class") or "ecom",
        **{k: v for k, v in body.items() if v is not None and k != "agreement"},
    }
    violations = validate_payment_request(shaped, store.today())
    if violations:
        raise pt2_refusal(ctx, violations)
    if original.get("status") != "A":
        raise pt2_refusal(
            ctx,
            [
                RuleViolation(
                    "tran_ref",
                    f"transaction {tran_ref} is not approved (status {original.get('status')}):"
                    f" there is nothing to {kind}",
                )
            ],
        )
    currency = str(original.get("cart_currency") or "").upper()
    asked_currency = str(shaped["cart_currency"]).strip().upper()
    if asked_currency != currency:
        raise pt2_refusal(
            ctx,
            [
                RuleViolation(
                    "cart_currency",
                    f"must be {currency}, the currency of transaction {tran_ref}",
                    shaped["cart_currency"],
                )
            ],
        )
    amount = parse_decimal(shaped["cart_amount"], "cart_amount")
    limit = _limit(original, kind, tran_ref)
    if isinstance(limit, RuleViolation):
        raise pt2_refusal(ctx, [limit])
    # a capture's refunds also count against its auth, which may be refunded directly as well
    auth = _auth_of(clickpay, original) if kind == "refund" else None
    if auth is not None:
        limit = min(limit, _amount(auth, "captured") - _amount(auth, "refunded"))
    if amount > limit:
        raise pt2_refusal(
            ctx,
            [
                RuleViolation(
                    "cart_amount",
                    f"must be at most {format_amount(limit, currency)} {currency}, what is left"
                    f" to {kind} of transaction {tran_ref}",
                    shaped["cart_amount"],
                )
            ],
        )
    text = format_amount(amount, currency)
    key = {"refund": "refunded", "void": "voided", "capture": "captured"}[kind]
    original[key] = format_amount(_amount(original, key) + amount, currency)
    if auth is not None:
        auth["refunded"] = format_amount(_amount(auth, "refunded") + amount, currency)
    new_ref = clickpay._new_tran_ref()
    answer = _answer(clickpay, original, new_ref, kind, shaped, text, currency)
    clickpay.data["transactions"][new_ref] = {
        "tran_ref": new_ref,
        "kind": "followup",
        "status": "A",
        "created": answer["payment_result"]["transaction_time"],
        "tran_type": kind,
        "tran_class": str(shaped["tran_class"]).strip().lower(),
        "previous_tran_ref": tran_ref,
        "cart_id": answer["cart_id"],
        "cart_description": answer["cart_description"],
        "cart_currency": currency,
        "cart_amount": text,
        "customer_details": original.get("customer_details"),
        "payload": {k: v for k, v in answer.items() if k != "trace"},
    }
    if kind == "refund":
        _mark_refunded_invoice(clickpay, original, currency)
    store.touch()
    return Response.json(200, answer)


def _auth_of(clickpay: ClickPay, original: dict[str, Any]) -> dict[str, Any] | None:
    """The auth a capture took its money from (None for anything else)."""
    if original.get("kind") != "followup" or _original_type(original) != "capture":
        return None
    found: dict[str, Any] | None = clickpay.data["transactions"].get(
        str(original.get("previous_tran_ref"))
    )
    return found


def _limit(original: dict[str, Any], kind: str, tran_ref: str) -> Decimal | RuleViolation:
    """What is left to refund / void / capture of ``original``, or why nothing can be."""
    tran_type = _original_type(original)
    amount = _amount(original, "cart_amount")
    captured = _amount(original, "captured")
    if kind == "refund":
        if tran_type in _PAID_TYPES:
            paid = amount
        elif tran_type == "auth" and captured > 0:
            paid = captured
        else:
            return RuleViolation(
                "tran_ref",
                f"transaction {tran_ref} is a {tran_type} that took no money: nothing to refund",
            )
        return paid - _amount(original, "refunded")
    if tran_type != "auth":
        return RuleViolation(
            "tran_ref",
            f"{kind} applies to an auth transaction; {tran_ref} is a {tran_type}"
            + (" (refund it instead)" if tran_type in _PAID_TYPES else ""),
        )
    return amount - captured - _amount(original, "voided")


def _answer(
    clickpay: ClickPay,
    original: dict[str, Any],
    new_ref: str,
    kind: str,
    shaped: dict[str, Any],
    text: str,
    currency: str,
) -> dict[str, Any]:
    """The completed follow-up, in the shape of reference 002's follow-up transaction."""
    ctx = clickpay.ctx
    config = ctx.config
    from .pt2 import TRAN_TYPE_LABELS, iso_z

    return {
        "tran_ref": new_ref,
        "previous_tran_ref": original["tran_ref"],
        "tran_type": TRAN_TYPE_LABELS[kind],
        "cart_id": str(shaped["cart_id"]).strip(),
        "cart_description": str(shaped["cart_description"]).strip(),
        "cart_currency": currency,
        "cart_amount": text,
        "tran_currency": currency,
        "tran_total": text,
        "customer_details": dict(original.get("customer_details") or {}),
        "payment_result": {
            "response_status": "A",
            "response_code": f"G{secrets.randbelow(100000):05d}",
            "response_message": "Authorised",
            "acquirer_message": "00:Approved",
            "acquirer_rrn": f"{secrets.randbelow(10**12):012d}",
            "transaction_time": iso_z(ctx.store.now()),
        },
        "payment_info": clickpay._payment_info(),
        "serviceId": 1,
        "profileId": config.profile_id,
        "merchantId": config.merchant_id,
        "trace": ctx.store.trace(),
    }


def _mark_refunded_invoice(clickpay: ClickPay, original: dict[str, Any], currency: str) -> None:
    """An invoice whose payment is refunded in full reads ``refunded``."""
    invoice_id = original.get("invoice_id")
    if invoice_id is None:
        return
    invoice = clickpay.data["invoices"].get(str(invoice_id))
    if invoice is None or invoice.get("tran_ref") != original["tran_ref"]:
        return
    if _amount(original, "refunded") >= _amount(original, "cart_amount"):
        invoice["status"] = "refunded"
        from .pt2 import iso_z

        invoice["refunded_at"] = iso_z(clickpay.ctx.store.now())
