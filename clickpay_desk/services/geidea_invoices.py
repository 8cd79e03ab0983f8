"""Geidea Pay-by-Invoice use cases: create, quick create, update, delete (journalled), send by
e-mail or SMS, and fetch / search for the invoice list.

The invoice's ``merchantReferenceId`` is its merchant reference and its journal subject: a
create whose outcome is unknown blocks a second create of the same reference until
reconciliation has searched for it (Geidea's search takes ``merchantReferenceId``). A create
without one gets one, so that search can always settle it. Locally the invoice is an
``InvoiceRecord`` with ``gateway`` GEIDEA, ``remote_id`` the ``paymentIntentId`` and ``status``
Geidea's own word (Created, SentToCustomer, Paid, Expired, Cancelled).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from clickpay_desk.core.dates import geidea_instant, parse_geidea_date
from clickpay_desk.core.geidea_invoice import EInvoice, einvoice_to_wire
from clickpay_desk.core.profile import GatewayKind, Profile
from clickpay_desk.core.rules import RuleViolation, ValidationError, raise_if
from clickpay_desk.core.statuses import GEIDEA_OPEN
from clickpay_desk.gateway.batch_reads import BatchReadReport, run_reads
from clickpay_desk.gateway.geidea_models import IntentStatus, PaymentIntent
from clickpay_desk.store.database import Store
from clickpay_desk.store.records import InvoiceRecord

from .clients import ClientPool
from .invoices import refuse_if_created
from .journal import run_journalled
from .operations import Operation
from .preconditions import created_remote_id, saved_profile_id

#: Geidea statuses in which the invoice can still change.
OPEN_STATUSES = frozenset(s.value for s in GEIDEA_OPEN)
SEARCH_PAGE_SIZE = 50
#: Search stops after this many pages (a runaway "totalCount" cannot keep it going forever).
SEARCH_MAX_PAGES = 40


def subject_of(reference: str, profile_id: int) -> str:
    """The journal subject of the Geidea invoice ``reference`` of the merchant ``profile_id``
    (two merchants may both use "INV-1")."""
    return f"geidea:{profile_id}:{reference}"


def new_reference() -> str:
    """A merchant reference for an invoice created without one."""
    return f"desk-{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(4)}"


def _profile_id(profile: Profile) -> int:
    profile_id = saved_profile_id(profile)
    if profile.gateway is not GatewayKind.GEIDEA:
        raise ValueError("this is not a Geidea profile")
    return profile_id


def _record(
    profile_id: int,
    intent: PaymentIntent,
    *,
    reference: str | None = None,
    currency: str | None = None,
    amount: Decimal | None = None,
    payload: Mapping[str, Any] | None = None,
    existing: InvoiceRecord | None = None,
) -> InvoiceRecord:
    """The local record of ``intent``: what Geidea answered first, then what was sent, then
    what was kept before (an answer may leave out the reference, link or amount)."""
    base_payload = dict(existing.payload) if existing else {}
    if payload is not None:
        base_payload.update(payload)
    return InvoiceRecord(
        id=existing.id if existing else None,
        profile_id=profile_id,
        gateway=GatewayKind.GEIDEA,
        cart_id=reference
        or intent.merchant_reference_id
        or (existing.cart_id if existing else intent.payment_intent_id),
        remote_id=intent.payment_intent_id,
        link=intent.link or (existing.link if existing else None),
        currency=(intent.currency or currency or (existing.currency if existing else "SAR")),
        amount=intent.amount
        if intent.amount is not None
        else (amount if amount is not None else (existing.amount if existing else Decimal(0))),
        status=intent.status,
        payload=base_payload,
        created_at=existing.created_at if existing else datetime.now(UTC),
    )


def intent_summary(intent: PaymentIntent) -> dict[str, Any]:
    return {
        "paymentIntentId": intent.payment_intent_id,
        "invoiceId": intent.invoice_id,
        "link": intent.link,
        "status": intent.status,
    }


def _known(record: InvoiceRecord) -> dict[str, Any]:
    """The invoice as the desk knows it, in the request's shape (what it last sent or found),
    with the amount and currency it last read."""
    known = {k: v for k, v in record.payload.items() if not k.startswith("_") and k != "before"}
    return {**known, "amount": record.amount, "currency": record.currency}


def _payload_view(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The create request, kept with the record (Duplicate and Print read it)."""
    return {k: v for k, v in payload.items() if k not in ("signature", "before")}


def create_einvoice(
    store: Store,
    pool: ClientPool,
    profile: Profile,
    invoice: EInvoice,
    *,
    now: datetime | None = None,
    cancel: threading.Event | None = None,
) -> InvoiceRecord:
    """Validate, journal, send once, keep locally."""
    profile_id = _profile_id(profile)
    if not invoice.merchant_reference_id:
        invoice = replace(invoice, merchant_reference_id=new_reference())
    raise_if(invoice.problems(now or datetime.now(UTC)))
    reference = invoice.merchant_reference_id
    assert reference is not None
    operation, subject = Operation.GEIDEA_INVOICE_CREATE, subject_of(reference, profile_id)
    payload = einvoice_to_wire(invoice)
    client = pool.geidea(profile)
    intent: PaymentIntent = run_journalled(
        store,
        profile_id=profile_id,
        operation=operation,
        subject=subject,
        reference=reference,
        request=payload,
        call=lambda: client.create(payload, cancel=cancel),
        summarize=intent_summary,
        check=lambda: refuse_if_created(
            store, profile_id, operation, [subject], reference, "paymentIntentId"
        ),
    )
    return store.upsert_invoice(
        _record(
            profile_id,
            intent,
            reference=reference,
            currency=invoice.currency,
            amount=invoice.amount,
            payload=_payload_view(payload),
        )
    )


def quick_problems(
    amount: Decimal, customer: Mapping[str, Any], expiry: date | None, today: date
) -> list[RuleViolation]:
    found: list[RuleViolation] = []
    if amount <= 0:
        found.append(RuleViolation("amount", "must be more than zero", amount))
    elif -amount.as_tuple().exponent > 2:  # type: ignore[operator]
        found.append(RuleViolation("amount", "must have at most 2 decimals", amount))
    if not str(customer.get("name") or "").strip():
        found.append(RuleViolation("customer.name", "is required"))
    if not (customer.get("email") or customer.get("phoneNumber")):
        found.append(RuleViolation("customer", "give an e-mail or a phone number to send it to"))
    if expiry is not None and expiry <= today:
        found.append(RuleViolation("expiryDate", "must be after today", expiry))
    return found


def quick_create(
    store: Store,
    pool: ClientPool,
    profile: Profile,
    *,
    amount: Decimal,
    currency: str,
    customer: Mapping[str, Any],
    reference: str | None = None,
    expiry: date | None = None,
    callback_url: str | None = None,
    cancel: threading.Event | None = None,
) -> InvoiceRecord:
    """Geidea's signed quick invoice: an amount for a customer, no lines. Journalled."""
    profile_id = _profile_id(profile)
    raise_if(quick_problems(amount, customer, expiry, datetime.now(UTC).date()))
    reference = reference or new_reference()
    operation, subject = Operation.GEIDEA_INVOICE_QUICK_CREATE, subject_of(reference, profile_id)
    request = {
        "amount": amount,
        "currency": currency,
        "customer": dict(customer),
        "merchantReferenceId": reference,
        **({"expiryDate": expiry.isoformat()} if expiry else {}),
    }

    client = pool.geidea(profile)
    intent: PaymentIntent = run_journalled(
        store,
        profile_id=profile_id,
        operation=operation,
        subject=subject,
        reference=reference,
        request=request,
        call=lambda: client.quick_create(
            amount,
            currency,
            customer,
            reference,
            expiry_date=expiry.isoformat() if expiry else None,
            callback_url=callback_url,
            cancel=cancel,
        ),
        summarize=intent_summary,
        check=lambda: refuse_if_created(
            store, profile_id, operation, [subject], reference, "paymentIntentId"
        ),
    )
    return store.upsert_invoice(
        _record(
            profile_id,
            intent,
            reference=reference,
            currency=currency,
            amount=amount,
            payload=request,
        )
    )


def update_einvoice(
    store: Store,
    pool: ClientPool,
    profile: Profile,
    record: InvoiceRecord,
    invoice: EInvoice,
    *,
    now: datetime | None = None,
    cancel: threading.Event | None = None,
) -> InvoiceRecord:
    """Replace an unpaid invoice's content (journalled)."""
    profile_id = _profile_id(profile)
    remote_id = created_remote_id(record)
    if record.status not in OPEN_STATUSES:
        raise ValidationError(
            [
                RuleViolation(
                    "status", f"only an unpaid invoice can be updated (it is {record.status})"
                )
            ]
        )
    invoice = replace(
        invoice,
        payment_intent_id=remote_id,
        merchant_reference_id=record.cart_id,  # the reference (and journal subject) stays
    )
    raise_if(invoice.problems(now or datetime.now(UTC)))
    payload = einvoice_to_wire(invoice)
    client = pool.geidea(profile)
    intent: PaymentIntent = run_journalled(
        store,
        profile_id=profile_id,
        operation=Operation.GEIDEA_INVOICE_UPDATE,
        subject=subject_of(record.cart_id, profile_id),
        reference=remote_id,
        # With the invoice as the desk knew it, so a lost answer can be read back: an update
        # that changes nothing a fetch shows cannot be told arrived (services.reconcile).
        request={**payload, "before": _known(record)},
        call=lambda: client.update(payload, cancel=cancel),
        summarize=intent_summary,
    )
    return store.upsert_invoice(
        _record(
            profile_id,
            intent,
            reference=record.cart_id,
            currency=invoice.currency,
            amount=invoice.amount,
            payload=_payload_view(payload),
            existing=record,
        )
    )


def delete_einvoice(
    store: Store,
    pool: ClientPool,
    profile: Profile,
    record: InvoiceRecord,
    *,
    cancel: threading.Event | None = None,
) -> InvoiceRecord:
    """Delete an invoice still in Created (journalled); kept locally as Cancelled."""
    profile_id = _profile_id(profile)
    remote_id = created_remote_id(record)
    if record.status != IntentStatus.CREATED:
        raise ValidationError(
            [
                RuleViolation(
                    "status", f"only an invoice in Created can be deleted (it is {record.status})"
                )
            ]
        )
    client = pool.geidea(profile)
    message = run_journalled(
        store,
        profile_id=profile_id,
        operation=Operation.GEIDEA_INVOICE_DELETE,
        subject=subject_of(record.cart_id, profile_id),
        reference=remote_id,
        request={"paymentIntentId": remote_id},
        call=lambda: client.delete(remote_id, cancel=cancel),
        summarize=lambda text: {"message": text},
    )
    return store.upsert_invoice(
        replace(
            record,
            status=IntentStatus.CANCELLED.value,
            payload={**record.payload, "_deleted": message},
        )
    )


def send(
    store: Store,
    pool: ClientPool,
    profile: Profile,
    record: InvoiceRecord,
    channel: str,
    *,
    cancel: threading.Event | None = None,
) -> InvoiceRecord:
    """Send the invoice's link by "email" or "sms" (moves no money: not journalled)."""
    profile_id = _profile_id(profile)
    remote_id = created_remote_id(record)
    client = pool.geidea(profile)
    if channel == "email":
        intent = client.send_by_email(remote_id, cancel=cancel)
    elif channel == "sms":
        intent = client.send_by_sms(remote_id, cancel=cancel)
    else:
        raise ValueError(f"unknown channel {channel!r}")
    return store.upsert_invoice(
        _record(profile_id, intent, reference=record.cart_id, existing=record)
    )


def apply_intent(store: Store, profile_id: int, intent: PaymentIntent) -> InvoiceRecord:
    """Store what a fetch or search says about one invoice; returns the stored record."""
    existing = store.find_invoice(profile_id, intent.payment_intent_id)
    fresh = _record(
        profile_id, intent, payload=None if existing else found_payload(intent), existing=existing
    )
    if existing is not None and _same(existing, fresh):
        return existing
    return store.upsert_invoice(fresh)


def found_payload(intent: PaymentIntent) -> dict[str, Any]:
    """What the desk keeps of an invoice it did not create (found by search): its customer,
    lines and expiry in the create request's shape, so the list, Print and Duplicate read it
    like the others."""
    payload: dict[str, Any] = {"_found_by_search": True}
    c = intent.customer
    if c is not None:
        payload["customer"] = {
            k: v
            for k, v in (
                ("name", c.name),
                ("email", c.email),
                ("phoneCountryCode", c.phone_country_code),
                ("phoneNumber", c.phone_number),
            )
            if v
        }
    items = [
        {
            k: v
            for k, v in (
                ("description", i.description),
                ("sku", i.sku),
                ("price", i.price),
                ("quantity", i.quantity),
                ("total", i.total),
            )
            if v is not None
        }
        for i in intent.items
    ]
    details: dict[str, Any] = {"eInvoiceItems": items}
    if intent.merchant_reference_id:
        details["merchantReferenceId"] = intent.merchant_reference_id
    if intent.grand_total is not None:
        details["grandTotal"] = intent.grand_total
    payload["eInvoiceDetails"] = details
    if intent.expiry_date:
        payload["expiryDate"] = intent.expiry_date
    return payload


def _same(a: InvoiceRecord, b: InvoiceRecord) -> bool:
    return (a.status, a.link, a.amount, a.currency, a.cart_id) == (
        b.status,
        b.link,
        b.amount,
        b.currency,
        b.cart_id,
    )


def shown_values(request: Mapping[str, Any]) -> dict[str, object]:
    """The values of a create/update request that a fetched invoice shows (``PaymentIntent``
    carries them), by field name, normalised for comparison. Callback URL, charges, discounts
    and taxes are not carried one by one: they show through ``amount`` and ``grandTotal``."""
    values: dict[str, object] = {}

    def put(name: str, value: object) -> None:
        if value is not None:
            values[name] = _norm(value)

    put("amount", request.get("amount"))
    put("currency", request.get("currency"))
    customer = request.get("customer")
    if isinstance(customer, Mapping):
        for key in _CUSTOMER_KEYS:
            put(f"customer.{key}", customer.get(key))
    details = request.get("eInvoiceDetails")
    if isinstance(details, Mapping):
        put("grandTotal", details.get("grandTotal"))
        put("merchantReferenceId", details.get("merchantReferenceId"))
        items = details.get("eInvoiceItems")
        if isinstance(items, list):
            values["eInvoiceItems"] = len(items)
            for n, item in enumerate(items):
                if isinstance(item, Mapping):
                    for key in ("description", "price", "quantity"):
                        put(f"eInvoiceItems[{n}].{key}", item.get(key))
    for key in ("expiryDate", "activationDate"):
        if request.get(key) is not None:
            values[key] = _instant(request[key])
    return values


_CUSTOMER_KEYS = {
    "name": "name",
    "email": "email",
    "phoneCountryCode": "phone_country_code",
    "phoneNumber": "phone_number",
}


def intent_values(intent: PaymentIntent) -> dict[str, object]:
    """What the fetched ``intent`` shows, under the names of :func:`shown_values`."""
    values: dict[str, object] = {}

    def put(name: str, value: object) -> None:
        if value is not None:
            values[name] = _norm(value)

    put("amount", intent.amount)
    put("currency", intent.currency)
    if intent.customer is not None:
        for key, attr in _CUSTOMER_KEYS.items():
            put(f"customer.{key}", getattr(intent.customer, attr))
    put("grandTotal", intent.grand_total)
    put("merchantReferenceId", intent.merchant_reference_id)
    values["eInvoiceItems"] = len(intent.items)
    for n, item in enumerate(intent.items):
        for key in ("description", "price", "quantity"):
            put(f"eInvoiceItems[{n}].{key}", getattr(item, key))
    for key, text in (
        ("expiryDate", intent.expiry_date),
        ("activationDate", intent.activation_date),
    ):
        if text:
            values[key] = _instant(text)
    return values


def update_differences(intent: PaymentIntent, sent: Mapping[str, Any]) -> list[str]:
    """The fields of the update request ``sent`` that the fetched ``intent`` does not show
    with the value sent (a field the answer leaves out counts as not shown): empty when the
    invoice shows the whole update."""
    found = intent_values(intent)
    return [name for name, value in shown_values(sent).items() if found.get(name) != value]


def visible_change(before: Mapping[str, Any], sent: Mapping[str, Any]) -> bool:
    """The update ``sent`` changes something a fetch shows, compared with the invoice as the
    desk knew it ``before``: otherwise a fetch cannot tell whether it arrived."""
    return shown_values(before) != shown_values(sent)


def _norm(value: object) -> object:
    """Compare amounts as numbers and words without regard to case or surrounding blanks."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float, Decimal)):
        return Decimal(str(value))
    text = str(value).strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        return text.casefold()
    return number if number.is_finite() else text.casefold()


def _instant(value: object) -> datetime | None:
    try:
        return geidea_instant(parse_geidea_date(value, "date"))
    except ValidationError:
        return None


def record_found(
    store: Store, profile_id: int, request: Mapping[str, Any], result: Mapping[str, Any]
) -> InvoiceRecord | None:
    """Keep locally an invoice whose create lost its answer and that reconciliation found
    (``result`` holds the found invoice's ``paymentIntentId``, ``link``, ``status``, ``amount``,
    ``currency``); nothing when it is already kept."""
    remote_id = result.get("paymentIntentId")
    if not remote_id or store.find_invoice(profile_id, str(remote_id)) is not None:
        return None
    details = request.get("eInvoiceDetails")
    reference = request.get("merchantReferenceId") or (
        details.get("merchantReferenceId") if isinstance(details, Mapping) else None
    )
    amount = result.get("amount") or request.get("amount") or "0"
    return store.upsert_invoice(
        InvoiceRecord(
            id=None,
            profile_id=profile_id,
            gateway=GatewayKind.GEIDEA,
            cart_id=str(reference or remote_id),
            remote_id=str(remote_id),
            link=result.get("link") or None,
            currency=str(result.get("currency") or request.get("currency") or "SAR"),
            amount=Decimal(str(amount)),
            status=str(result.get("status") or IntentStatus.CREATED.value),
            payload=_payload_view(request),
        )
    )


def update_found(
    store: Store, profile_id: int, request: Mapping[str, Any], result: Mapping[str, Any]
) -> InvoiceRecord | None:
    """Show locally an update whose answer was lost and that reconciliation found applied."""
    remote_id = request.get("paymentIntentId") or result.get("paymentIntentId")
    record = store.find_invoice(profile_id, str(remote_id)) if remote_id else None
    if record is None:
        return None
    amount = result.get("amount") or request.get("amount")
    return store.upsert_invoice(
        replace(
            record,
            amount=record.amount if amount is None else Decimal(str(amount)),
            currency=str(request.get("currency") or record.currency),
            status=str(result.get("status") or record.status),
            link=result.get("link") or record.link,
            payload={**record.payload, **_payload_view(request)},
        )
    )


def fetch(
    store: Store,
    pool: ClientPool,
    profile: Profile,
    record: InvoiceRecord,
    *,
    cancel: threading.Event | None = None,
) -> InvoiceRecord:
    """Read one invoice from Geidea and store what changed."""
    profile_id = _profile_id(profile)
    intent = pool.geidea(profile).fetch(created_remote_id(record), cancel=cancel)
    return apply_intent(store, profile_id, intent)


def search_all(
    store: Store,
    pool: ClientPool,
    profile: Profile,
    *,
    status: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
) -> list[InvoiceRecord]:
    """Every invoice Geidea's search lists (page by page), stored locally."""
    profile_id = _profile_id(profile)
    client = pool.geidea(profile)
    found: list[InvoiceRecord] = []
    page_number = 1
    while page_number <= SEARCH_MAX_PAGES:
        if cancel is not None and cancel.is_set():
            break
        page = client.search(
            status=status, page_number=page_number, page_size=SEARCH_PAGE_SIZE, cancel=cancel
        )
        found.extend(apply_intent(store, profile_id, intent) for intent in page.intents)
        if progress is not None:
            progress(len(found), max(page.total_count, len(found)))
        if not page.intents or len(found) >= page.total_count:
            break
        page_number += 1
    return found


def refresh_statuses(
    store: Store,
    pool: ClientPool,
    profile: Profile,
    records: Sequence[InvoiceRecord],
    *,
    progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
    concurrency: int = 8,
) -> BatchReadReport[InvoiceRecord, PaymentIntent]:
    """Fetch each invoice, a few at a time; store what changed."""
    profile_id = _profile_id(profile)
    client = pool.geidea(profile)
    report = run_reads(
        [r for r in records if r.remote_id is not None],
        lambda record: client.fetch(created_remote_id(record), cancel=cancel),
        concurrency=concurrency,
        progress=progress,
        cancel=cancel,
    )
    for item in report.results:
        if item.value is not None:
            apply_intent(store, profile_id, item.value)
    return report
