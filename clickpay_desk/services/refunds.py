"""Refund a paid ClickPay invoice, in full or in part (journalled; never sent twice).

The refund is PT2's follow-up ``payment/request``: ``tran_type`` "refund" with the paid
transaction's ``tran_ref``, the invoice's ``cart_id`` and currency, and the amount to give back.
What was refunded is read from the journal (each DONE refund's request), so the invoice shows
it without a second bookkeeping of its own. A refund whose answer was lost stays UNKNOWN and
blocks another refund of the same invoice until reconciliation.

Telling *this* refund from an earlier one of the same amount: just before sending, the cart's
transactions are listed (``POST /payment/query`` by ``cart_id``) and their ``tran_ref``s are
journalled with the request (``before``). After a lost answer, a refund counts as this one only
if it was not listed then, carries the same ``cart_id``, names the paying ``tran_ref`` as its
previous/parent transaction and has the same amount and currency (:func:`new_refunds`); the
documented read by its own ``tran_ref`` then says whether it was approved.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from clickpay_desk.core.money import format_display, minor_units, quantize
from clickpay_desk.core.profile import GatewayKind, Profile
from clickpay_desk.core.rules import RuleViolation, ValidationError
from clickpay_desk.gateway.batch_reads import BatchReadReport
from clickpay_desk.gateway.clickpay import ClickPayClient
from clickpay_desk.gateway.errors import Cancelled, GatewayError
from clickpay_desk.gateway.models import (
    InvoiceState,
    InvoiceStatus,
    PaymentRequestCreated,
    Transaction,
)
from clickpay_desk.store.database import Store
from clickpay_desk.store.records import InvoiceRecord

from .clients import ClientPool
from .invoices import subject_of
from .journal import run_journalled
from .operations import Operation
from .preconditions import created_remote_id, saved_profile_id

#: Where the desk keeps what it learnt about an invoice's payment inside the record's payload
#: (the rest of the payload is the create request as sent). Keys starting with "_" are ours.
PAYMENT_KEY = "_payment"


@dataclass(frozen=True)
class Refund:
    """A refund the gateway accepted."""

    invoice: InvoiceRecord
    amount: Decimal
    tran_ref: str  # the refund transaction's own reference
    refunded_total: Decimal  # everything refunded on this invoice so far, this one included
    message: str


def paid_tran_ref(record: InvoiceRecord) -> str | None:
    """The paying transaction's reference, once a status read has seen the invoice paid."""
    payment = record.payload.get(PAYMENT_KEY)
    if isinstance(payment, dict):
        ref = payment.get("tran_ref")
        return str(ref) if ref else None
    return None


def with_payment(record: InvoiceRecord, tran_ref: str | None, **details: Any) -> InvoiceRecord:
    """The record carrying what a status read said about its payment."""
    payment = dict(record.payload.get(PAYMENT_KEY) or {})
    if tran_ref:
        payment["tran_ref"] = tran_ref
    payment.update({k: v for k, v in details.items() if v is not None})
    return replace(record, payload={**record.payload, PAYMENT_KEY: payment})


def refunded_amount(store: Store, record: InvoiceRecord) -> Decimal:
    """The sum of this invoice's refunds the gateway accepted."""
    if record.id is None:
        return Decimal(0)
    return store.invoice_refunds(record.profile_id).get(record.cart_id, Decimal(0))


def refund_problems(
    record: InvoiceRecord, amount: Decimal, already: Decimal
) -> list[RuleViolation]:
    """Why this refund may not be sent (empty: it may)."""
    found: list[RuleViolation] = []
    if record.gateway is not GatewayKind.CLICKPAY:
        found.append(RuleViolation("invoice", "only ClickPay invoices can be refunded here"))
    if record.status != InvoiceState.PAID:
        found.append(RuleViolation("invoice", "only a paid invoice can be refunded"))
    left = record.amount - already
    if amount <= 0:
        found.append(RuleViolation("amount", "must be more than zero", amount))
    elif -amount.as_tuple().exponent > minor_units(record.currency):  # type: ignore[operator]
        found.append(
            RuleViolation(
                "amount",
                f"must have at most {minor_units(record.currency)} decimals for {record.currency}",
                amount,
            )
        )
    elif amount > left:
        found.append(
            RuleViolation(
                "amount",
                f"must be at most {format_display(left, record.currency)} (paid "
                f"{format_display(record.amount, record.currency)}, already refunded "
                f"{format_display(already, record.currency)})",
                amount,
            )
        )
    return found


def refund_invoice(
    store: Store,
    pool: ClientPool,
    profile: Profile,
    record: InvoiceRecord,
    amount: Decimal,
    *,
    reason: str = "",
    cancel: threading.Event | None = None,
) -> Refund:
    """Refund ``amount`` of a paid invoice. Reads the invoice's status first (a documented
    read) for the paying ``tran_ref``, then sends the refund once, journalled."""
    profile_id = saved_profile_id(profile)
    remote_id = created_remote_id(record)
    client = pool.clickpay(profile)
    status = client.invoice_status(remote_id, cancel=cancel)
    if status.status != record.status or status.tran_ref:
        record = store.upsert_invoice(
            with_payment(
                replace(record, status=status.status),
                status.tran_ref,
                tran_status=status.tran_status,
                tran_status_msg=status.tran_status_msg,
            )
        )
    already = refunded_amount(store, record)
    problems = refund_problems(record, amount, already)
    tran_ref = paid_tran_ref(record)
    if not problems and tran_ref is None:
        problems.append(RuleViolation("invoice", "the gateway named no paying transaction"))
    if problems:
        raise ValidationError(problems)
    assert tran_ref is not None
    amount = quantize(amount, record.currency)
    # What the cart held before this refund: the only way to tell it, after a lost answer,
    # from an earlier refund of the same amount (services.reconcile).
    before = snapshot(client, record.cart_id, cancel=cancel)
    payload: dict[str, Any] = {
        "tran_type": "refund",
        "tran_class": "ecom",
        "cart_id": record.cart_id,
        "cart_currency": record.currency,
        "cart_amount": amount,
        "cart_description": (reason.strip() or f"Refund of invoice {record.remote_id}")[:128],
        "tran_ref": tran_ref,
    }

    def summarize(created: PaymentRequestCreated) -> dict[str, Any]:
        result = created.payment_result
        return {
            "tran_ref": created.tran_ref,
            "amount": f"{amount:f}",
            "response_status": result.response_status if result else None,
            "response_message": result.response_message if result else None,
        }

    created: PaymentRequestCreated = run_journalled(
        store,
        profile_id=profile_id,
        operation=Operation.INVOICE_REFUND,
        subject=subject_of(record.cart_id, profile_id),
        reference=record.cart_id,
        request={**payload, "before": before},
        call=lambda: client.payment_request(payload, cancel=cancel),
        summarize=summarize,
    )
    result = created.payment_result
    message = (result.response_message if result else None) or "Refund accepted"
    return Refund(record, amount, created.tran_ref, already + amount, message)


def cart_transactions(
    client: ClickPayClient, cart_id: str, *, cancel: threading.Event | None = None
) -> list[Transaction]:
    """Every transaction the gateway lists for ``cart_id`` (a hint, never proof of absence):
    ``query_transaction`` keeps only the newest, and telling one refund from another needs
    them all."""
    return client.cart_transactions(cart_id, cancel=cancel)


def snapshot(
    client: ClickPayClient, cart_id: str, *, cancel: threading.Event | None = None
) -> dict[str, Any]:
    """What the cart held just before a refund, for its journal entry: ``tran_refs`` listed, or
    ``unreadable`` with the reason (then a lost answer can only be settled by hand)."""
    try:
        listed = cart_transactions(client, cart_id, cancel=cancel)
    except Cancelled:
        raise
    except GatewayError as exc:
        # The lookup is not documented: a gateway that does not offer it must not stop refunds.
        return {"tran_refs": None, "unreadable": str(exc)}
    return {"tran_refs": sorted({t.tran_ref for t in listed})}


def as_decimal(value: object) -> Decimal | None:
    try:
        found = Decimal(str(value))
    except InvalidOperation:
        return None
    return found if found.is_finite() else None


def is_refund_of(tran: Transaction, request: dict[str, Any]) -> bool:
    """``tran`` is a refund of the journalled ``request``'s paying transaction, for its cart,
    amount and currency (every one of them carried by the answer)."""
    amount = as_decimal(request.get("cart_amount"))
    tran_amount = tran.cart_amount if tran.cart_amount is not None else tran.tran_total
    currency = str(request.get("cart_currency") or "").upper()
    tran_currency = tran.cart_currency or tran.tran_currency
    return (
        (tran.tran_type or "").strip().lower() == "refund"
        and tran.cart_id == request.get("cart_id")
        and str(request.get("tran_ref")) in (tran.previous_tran_ref, tran.parent_tran_ref)
        and amount is not None
        and tran_amount == amount
        and (tran_currency or "").upper() == currency
    )


def new_refunds(listed: list[Transaction], request: dict[str, Any]) -> list[Transaction] | None:
    """The refunds matching ``request`` that were not listed before it was sent; None when the
    journal holds no list from before (then none can be told apart)."""
    before = request.get("before")
    known = before.get("tran_refs") if isinstance(before, dict) else None
    if not isinstance(known, list):
        return None
    return [t for t in listed if t.tran_ref not in set(known) and is_refund_of(t, request)]


def remember_payments(
    store: Store, report: BatchReadReport[InvoiceRecord, InvoiceStatus]
) -> list[InvoiceRecord]:
    """Keep what status reads said about each paid invoice's transaction (its ``tran_ref`` and
    result), so the list can show it and a refund can name it; returns the records changed."""
    changed: list[InvoiceRecord] = []
    for item in report.results:
        status = item.value
        if status is None or not (status.tran_ref or status.tran_status):
            continue
        current = store.get_invoice(item.item.id) if item.item.id is not None else None
        if current is None:
            continue
        fresh = with_payment(
            replace(current, status=status.status),
            status.tran_ref,
            tran_status=status.tran_status,
            tran_status_msg=status.tran_status_msg,
        )
        if fresh != current:
            changed.append(store.upsert_invoice(fresh))
    return changed
