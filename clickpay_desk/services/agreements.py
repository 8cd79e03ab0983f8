"""Repeat-billing agreements (reference 002): request one, cancel it, keep its picture true.

The gateway offers no call that lists agreements or their installments. What the desk knows is
what it asked for (the payment request with its ``agreement`` object, journalled), what the
callbacks (IPNs) reported, each confirmed by a transaction query, and what it cancelled. From
that and the projected schedule (``core.schedule``) :func:`agreement_view` says, installment by
installment, what happened and what is still to come.

Rules kept here:

* every agreement request has its own ``cart_id`` (:func:`new_cart_id`); it is the journal
  subject ``agreement:<cart_id>`` and reference, so an unknown outcome blocks a second send of
  the same request until reconciliation read it back by ``cart_id``;
* a callback whose ``signature`` does not verify with the profile's server key is refused,
  unread; an unsigned one is accepted and said to be unsigned;
* a callback is attached by ``agreement_id``, ``previous_tran_ref``, ``parentRequest.tran_ref``
  or ``cart_id``, and recorded once per ``tran_ref``: the same payload twice changes nothing;
* the gateway does not retry a declined installment: it stays failed until the merchant acts.
"""

from __future__ import annotations

import secrets as _random
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from clickpay_desk.core.agreement import (
    Agreement,
    agreement_from_wire,
    agreement_to_wire,
    validate_payment_request,
)
from clickpay_desk.core.contact import check_country, check_email
from clickpay_desk.core.money import format_amount, quantize
from clickpay_desk.core.profile import Profile
from clickpay_desk.core.rules import RuleViolation, ValidationError, raise_if
from clickpay_desk.core.schedule import Installment, InstallmentKind, project_schedule
from clickpay_desk.gateway.callbacks import CallbackKind, parse_callback, verify_signature
from clickpay_desk.gateway.errors import BrokenResponse, GatewayError, NotFound
from clickpay_desk.gateway.models import PaymentRequestCreated, PaymentResult, Transaction
from clickpay_desk.store.agreements import AgreementPayment
from clickpay_desk.store.database import Store
from clickpay_desk.store.records import AgreementRecord, JournalStatus

from .clients import ClientPool
from .journal import run_journalled
from .operations import Operation
from .preconditions import saved_profile_id

#: Payment page languages PT2 offers.
LANGUAGES: dict[str, str] = {"en": "English", "ar": "Arabic"}
#: How far ahead an open-ended agreement's schedule is shown.
ROLLING_HORIZON_DAYS = 365
CUSTOMER_FIELDS = ("name", "email", "phone", "street1", "city", "state", "country", "zip")


class AlreadyRequested(Exception):
    """This cart_id was already sent: give a new agreement its own cart_id."""

    def __init__(self, cart_id: str) -> None:
        super().__init__(
            f"The agreement request “{cart_id}” was already sent. A new agreement gets its own "
            "cart id: open New agreement again."
        )


def subject_of(cart_id: str) -> str:
    return f"agreement:{cart_id}"


def new_cart_id(today: date | None = None) -> str:
    """A fresh merchant reference for one agreement request ("agr-20260530-3f9a1c")."""
    day = today or datetime.now(UTC).date()
    return f"agr-{day:%Y%m%d}-{_random.token_hex(3)}"


# --- the request ----------------------------------------------------------------------


@dataclass(frozen=True)
class AgreementRequest:
    """What the new-agreement form collects; :meth:`problems` names every broken rule."""

    cart_id: str
    cart_description: str
    agreement: Mapping[str, object]  # the wire ``agreement`` object, as typed (text allowed)
    customer: Mapping[str, str]
    shipping: Mapping[str, str] | None = None
    language: str = "en"
    callback: str | None = None

    def to_wire(self, profile_id: int | str) -> dict[str, Any]:
        """The ``POST /payment/request`` body: cart currency and amount are the agreement's."""
        agreement = dict(self.agreement)
        payload: dict[str, Any] = {
            "profile_id": profile_id,
            "tran_type": "sale",
            "tran_class": "ecom",
            "cart_id": self.cart_id,
            "cart_description": self.cart_description,
            "cart_currency": agreement.get("agreement_currency"),
            "cart_amount": agreement.get("initial_amount"),
            "paypage_lang": self.language,
            "customer_details": _details(self.customer),
        }
        if self.shipping:
            payload["shipping_details"] = _details(self.shipping)
        if self.callback:
            payload["callback"] = self.callback
        try:
            parsed = agreement_from_wire(agreement)
        except ValidationError:
            payload["agreement"] = agreement
        else:
            payload["agreement"] = agreement_to_wire(parsed)
            payload["cart_currency"] = parsed.currency
            payload["cart_amount"] = parsed.initial_amount
        return payload

    def problems(self, today: date, profile_id: int | str = 1) -> list[RuleViolation]:
        """Every rule of the reference plus the customer's details, each naming its field."""
        found = validate_payment_request(self.to_wire(profile_id), today)
        found.extend(_customer_problems("customer_details", self.customer))
        if self.shipping:
            found.extend(_customer_problems("shipping_details", self.shipping))
        if self.language not in LANGUAGES:
            found.append(RuleViolation("paypage_lang", "must be en or ar", self.language))
        if self.callback and not _web_url(self.callback):
            found.append(
                RuleViolation(
                    "callback",
                    "must be a web address starting with https:// (or http://)",
                    self.callback,
                )
            )
        return found


def _web_url(text: str) -> bool:
    parts = urlsplit(text.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in text.strip()


def _details(values: Mapping[str, str]) -> dict[str, str]:
    return {k: v.strip() for k, v in values.items() if isinstance(v, str) and v.strip()}


def _customer_problems(prefix: str, values: Mapping[str, str]) -> list[RuleViolation]:
    found: list[RuleViolation] = []
    for name in ("name", "email", "street1", "city", "country"):
        if not str(values.get(name) or "").strip():
            found.append(RuleViolation(f"{prefix}.{name}", "is required"))
    email = str(values.get("email") or "").strip()
    if email:
        _, rule = check_email(email)
        if rule:
            found.append(RuleViolation(f"{prefix}.email", rule, email))
    country = str(values.get("country") or "").strip()
    if country:
        _, rule = check_country(country)
        if rule:
            found.append(RuleViolation(f"{prefix}.country", rule, country))
    return found


def request_agreement(
    store: Store,
    pool: ClientPool,
    profile: Profile,
    request: AgreementRequest,
    *,
    today: date,
    cancel: threading.Event | None = None,
) -> AgreementRecord:
    """Validate, journal, send once; keep the agreement locally with its ``redirect_url``."""
    profile_id = saved_profile_id(profile)
    raise_if(request.problems(today, profile.merchant_id))
    subject = subject_of(request.cart_id)
    payload = request.to_wire(_wire_int(profile.merchant_id))

    def not_sent_yet() -> None:
        # Cart ids are unique per merchant only: another merchant's request with the same
        # cart id says nothing about this one.
        last = store.journal_last(subject, Operation.AGREEMENT_REQUEST, profile_id=profile_id)
        if last is not None and last.status is JournalStatus.DONE:
            raise AlreadyRequested(request.cart_id)

    client = pool.clickpay(profile)
    created: PaymentRequestCreated = run_journalled(
        store,
        profile_id=profile_id,
        operation=Operation.AGREEMENT_REQUEST,
        subject=subject,
        reference=request.cart_id,
        request=payload,
        call=lambda: client.payment_request(payload, cancel=cancel),
        summarize=lambda c: {"tran_ref": c.tran_ref, "redirect_url": c.redirect_url},
        check=not_sent_yet,
    )
    agreement = agreement_from_wire(payload["agreement"])
    return store.upsert_agreement(
        AgreementRecord(
            id=None,
            profile_id=profile_id,
            cart_id=request.cart_id,
            tran_ref=created.tran_ref,
            agreement_id=None,
            currency=agreement.currency,
            initial_amount=agreement.initial_amount,
            status=AgreementStatus.AWAITING,
            payload={
                "request": payload,
                "redirect_url": created.redirect_url,
                "start_date": today.isoformat(),
                "trace": created.trace,
            },
        )
    )


def cancel_agreement(
    store: Store,
    pool: ClientPool,
    profile: Profile,
    record: AgreementRecord,
    *,
    cancel: threading.Event | None = None,
) -> AgreementRecord:
    """Cancel at the gateway (journalled); the answer's message and trace are kept."""
    if record.agreement_id is None:
        raise ValueError(
            "This agreement has no agreement id yet: the customer has not made the first "
            "payment, so there is nothing to cancel at the gateway."
        )
    agreement_id = record.agreement_id
    client = pool.clickpay(profile)
    ack = run_journalled(
        store,
        profile_id=saved_profile_id(profile),
        operation=Operation.AGREEMENT_CANCEL,
        subject=subject_of(record.cart_id),
        reference=agreement_id,
        request={"agreement_id": agreement_id},
        call=lambda: client.cancel_agreement_ack(agreement_id, cancel=cancel),
        summarize=lambda a: {"message": a.message, "trace": a.trace},
    )
    payload = dict(record.payload)
    payload["cancel"] = {
        "message": ack.message,
        "trace": ack.trace,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    return store.upsert_agreement(
        replace(record, status=AgreementStatus.CANCELLED, payload=payload)
    )


def mark_invoiced(store: Store, record: AgreementRecord, number: int) -> AgreementRecord:
    """Remember that the missed installment ``number`` was handed to the Invoices tab."""
    payload = dict(record.payload)
    invoiced = sorted({*payload.get("invoiced", []), number})
    payload["invoiced"] = invoiced
    updated = replace(record, payload=payload)
    return store.upsert_agreement(replace(updated, status=summarise(store, updated)))


def _wire_int(value: str) -> int | str:
    return int(value) if value.isdigit() else value


# --- callbacks (IPN) ------------------------------------------------------------------


class ImportOutcome(StrEnum):
    ATTACHED = "attached"
    DUPLICATE = "duplicate"
    UNMATCHED = "unmatched"
    REFUSED = "refused"


@dataclass(frozen=True)
class ImportResult:
    outcome: ImportOutcome
    message: str
    tran_ref: str | None = None
    agreement_row: int | None = None
    #: The body is not a usable callback at all (not JSON, or no tran_ref).
    malformed: bool = False

    @property
    def changed(self) -> bool:
        return self.outcome is ImportOutcome.ATTACHED


#: Reads a transaction by tran_ref (``ClickPayClient.query_transaction``), for confirmation.
Confirm = Callable[[str], Transaction]


def import_callback(
    store: Store,
    profile: Profile,
    raw: bytes,
    signature: str | None,
    *,
    server_key: str | None,
    confirm: Confirm | None = None,
    source: str = "the callback",
    update_status: bool = True,
) -> ImportResult:
    """Verify, parse, attach and record one callback body. Never raises for bad input.

    ``update_status=False`` leaves the agreement's stored status for the caller to refresh
    once (:func:`refresh_status`) after a whole folder: recomputing it per file is quadratic.
    """
    profile_id = saved_profile_id(profile)
    signed = bool(signature and signature.strip())
    if signed:
        if not server_key:
            return _refused(
                f"{source} is signed, but no server key is stored for “{profile.name}” to check "
                "it with. Enter the key in File ▸ Profiles, then import it again."
            )
        if not verify_signature(raw, signature, server_key):
            return _refused(
                f"{source} was refused: its signature does not match the body signed with the "
                f"server key of “{profile.name}”. The payload was changed after signing, or it "
                "was meant for another profile. Nothing was imported."
            )
    try:
        callback = parse_callback(raw)
    except BrokenResponse as exc:
        return ImportResult(
            ImportOutcome.REFUSED,
            f"{source} was refused: {exc.user_message} Nothing was imported.",
            malformed=True,
        )
    tx = callback.transaction
    if tx.profile_id is not None and str(tx.profile_id) != str(profile.merchant_id):
        return _refused(
            f"{source} ({tx.tran_ref}) belongs to ClickPay profile {tx.profile_id}, not to "
            f"“{profile.name}” ({profile.merchant_id}). Switch profile and import it there."
        )
    record = _attach(store, profile_id, callback.kind, tx)
    if record is None or record.id is None:
        return ImportResult(
            ImportOutcome.UNMATCHED,
            f"{source} ({tx.tran_ref}, cart {tx.cart_id or '—'}) matches no agreement of "
            f"“{profile.name}”: it was not imported.",
            tx.tran_ref,
        )
    if store.agreement_payment_exists(record.id, tx.tran_ref):
        return ImportResult(
            ImportOutcome.DUPLICATE,
            f"{tx.tran_ref} was already recorded for agreement {_name(record)}; nothing changed.",
            tx.tran_ref,
            record.id,
        )
    confirmation = "unconfirmed"
    if confirm is not None:
        try:
            read = confirm(tx.tran_ref)
        except NotFound:
            return _refused(
                f"{source} was refused: ClickPay has no transaction {tx.tran_ref}, so the "
                "callback did not come from the gateway. Nothing was imported."
            )
        except GatewayError:
            read = None  # unreachable now: keep it, marked unconfirmed, confirm later
        if read is not None:
            if read.status is not None and read.payment_result is not None:
                tx = replace(tx, payment_result=read.payment_result)
            confirmation = "confirmed"
    initial = callback.kind is not CallbackKind.FOLLOW_UP
    result = tx.payment_result
    payment = AgreementPayment(
        id=None,
        agreement_row=record.id,
        tran_ref=tx.tran_ref,
        kind="initial" if initial else "installment",
        response_status=tx.status or "?",
        message=_message(result),
        currency=tx.tran_currency or tx.cart_currency,
        amount=tx.tran_total if tx.tran_total is not None else tx.cart_amount,
        transaction_time=result.transaction_time if result else None,
        signature="verified" if signed else "unsigned",
        confirmation=confirmation,
        payload={"body": raw.decode("utf-8", "replace")},
    )
    if not store.add_agreement_payment(payment):
        return ImportResult(
            ImportOutcome.DUPLICATE,
            f"{tx.tran_ref} was already recorded; nothing changed.",
            tx.tran_ref,
            record.id,
        )
    started = initial and tx.authorised and tx.agreement_id and record.agreement_id is None
    if started:
        record = replace(record, agreement_id=tx.agreement_id, tran_ref=tx.tran_ref)
    if update_status:
        record = store.upsert_agreement(replace(record, status=summarise(store, record)))
    elif started:
        record = store.upsert_agreement(record)
    words = "paid" if tx.authorised else f"declined ({payment.message or tx.status})"
    unsigned = "" if signed else " The callback was not signed."
    unconfirmed = (
        " ClickPay could not be asked to confirm it yet." if confirmation != "confirmed" else ""
    )
    return ImportResult(
        ImportOutcome.ATTACHED,
        f"{tx.tran_ref} ({payment.kind}, {words}) recorded for agreement "
        f"{_name(record)}.{unsigned}{unconfirmed}",
        tx.tran_ref,
        record.id,
    )


def _message(result: PaymentResult | None) -> str | None:
    """The gateway's words, the acquirer's reason too when it adds one ("Declined — 51:…")."""
    if result is None:
        return None
    words = [w for w in (result.response_message, result.acquirer_message) if w]
    if len(words) == 2 and words[0].casefold() in words[1].casefold():
        words = words[1:]
    return " — ".join(words) or None


def _refused(message: str) -> ImportResult:
    return ImportResult(ImportOutcome.REFUSED, message)


def _name(record: AgreementRecord) -> str:
    return f"{record.agreement_id} ({record.cart_id})" if record.agreement_id else record.cart_id


def _attach(
    store: Store, profile_id: int, kind: CallbackKind, tx: Transaction
) -> AgreementRecord | None:
    """The local agreement a callback is about, by the strongest link it carries."""
    if tx.agreement_id:
        found = store.find_agreement(profile_id, tx.agreement_id)
        if found is not None:
            return found
    for ref in (tx.previous_tran_ref, tx.parent_tran_ref):
        if ref:
            found = store.find_agreement_by_tran_ref(profile_id, ref)
            if found is not None:
                return found
    found = store.find_agreement_by_tran_ref(profile_id, tx.tran_ref)
    if found is not None:
        return found
    if tx.cart_id:
        return store.find_agreement_by_cart(profile_id, tx.cart_id)
    return None


def read_callback_file(path: Any) -> tuple[bytes, str | None]:
    """A callback file's raw body and the signature kept beside it (``<name>.sig``), if any."""
    from pathlib import Path

    file = Path(path)
    raw = file.read_bytes()
    signature: str | None = None
    for sidecar in (file.with_name(file.name + ".sig"), file.with_suffix(".sig")):
        if sidecar.is_file():
            signature = sidecar.read_text(encoding="utf-8", errors="replace").strip() or None
            break
    return raw, signature


# --- schedule beside what happened -------------------------------------------------------


class AgreementStatus(StrEnum):
    AWAITING = "awaiting first payment"
    ACTIVE = "active"
    COMPLETED = "completed"
    FAILED = "failed installment"
    CANCELLED = "cancelled"


class InstallmentState(StrEnum):
    PAID = "paid"
    DECLINED = "declined"
    INVOICED = "declined, invoiced"
    NOT_DUE = "not yet due"
    OVERDUE = "overdue"
    AWAITING = "awaiting payment"
    CANCELLED = "not charged (cancelled)"


@dataclass(frozen=True)
class ScheduleRow:
    number: int
    due_date: date
    amount: Decimal
    currency: str
    kind: InstallmentKind
    state: InstallmentState
    tran_ref: str | None = None
    time: str | None = None
    message: str | None = None
    paid_amount: Decimal | None = None


@dataclass(frozen=True)
class AgreementView:
    """One agreement with its schedule beside what happened, for the tab and the export."""

    record: AgreementRecord
    agreement: Agreement | None
    description: str
    customer: dict[str, str]
    status: AgreementStatus
    rows: tuple[ScheduleRow, ...]
    collected: Decimal
    to_collect: Decimal
    failed: Decimal
    open_ended: bool
    horizon: date | None
    payments: tuple[AgreementPayment, ...] = field(default=())

    @property
    def currency(self) -> str:
        return self.record.currency

    @property
    def next_rows(self) -> list[ScheduleRow]:
        """Installments that will still be charged (not yet due), in order."""
        return [r for r in self.rows if r.state is InstallmentState.NOT_DUE]

    @property
    def first_failed(self) -> ScheduleRow | None:
        return next((r for r in self.rows if r.state is InstallmentState.DECLINED), None)

    @property
    def next_due(self) -> date | None:
        upcoming = self.next_rows
        return upcoming[0].due_date if upcoming else None

    @property
    def redirect_url(self) -> str | None:
        value = self.record.payload.get("redirect_url")
        return value if isinstance(value, str) else None

    @property
    def cancel_info(self) -> dict[str, Any] | None:
        value = self.record.payload.get("cancel")
        return value if isinstance(value, dict) else None


def _request_of(record: AgreementRecord) -> dict[str, Any]:
    request = record.payload.get("request")
    return request if isinstance(request, dict) else {}


def agreement_view(
    record: AgreementRecord,
    payments: Sequence[AgreementPayment],
    today: date,
    *,
    horizon_days: int = ROLLING_HORIZON_DAYS,
) -> AgreementView:
    """Project the schedule and set each installment beside the payment that answered it.

    Installment callbacks carry no installment number: the gateway charges them in schedule
    order, so the k-th follow-up (by transaction time) is installment k.
    """
    request = _request_of(record)
    currency = record.currency
    try:
        agreement: Agreement | None = agreement_from_wire(request.get("agreement") or {})
    except ValidationError:
        agreement = None
    start = _start_date(record)
    initial = [p for p in payments if p.kind == "initial"]
    follow = [p for p in payments if p.kind != "initial"]
    invoiced = {int(n) for n in record.payload.get("invoiced", []) if str(n).isdigit()}
    cancelled = isinstance(record.payload.get("cancel"), dict)

    installments: list[Installment] = []
    horizon: date | None = None
    if agreement is not None and start < agreement.first_installment_due_date:
        if agreement.is_open_ended:
            horizon = today + timedelta(days=horizon_days)
            installments = project_schedule(agreement, start, horizon=horizon)
            if len(installments) < len(follow) + 2:
                installments = project_schedule(agreement, start, max_count=len(follow) + 2)
        else:
            installments = project_schedule(agreement, start)

    rows: list[ScheduleRow] = []
    paid_initial = next((p for p in initial if p.authorised), None)
    last_initial = paid_initial or (initial[-1] if initial else None)
    for inst in installments:
        payment = last_initial if inst.number == 0 else _nth(follow, inst.number - 1)
        rows.append(_row(inst, payment, today, cancelled, invoiced, paid_initial is not None))
    # Callbacks beyond the projection (should not happen; shown rather than hidden).
    for extra in follow[max(0, len(installments) - 1) :] if installments else follow:
        rows.append(
            ScheduleRow(
                len(rows),
                _payment_date(extra) or today,
                extra.amount or Decimal(0),
                extra.currency or currency,
                InstallmentKind.REPEAT,
                InstallmentState.PAID if extra.authorised else InstallmentState.DECLINED,
                extra.tran_ref,
                extra.transaction_time,
                extra.message,
                extra.amount,
            )
        )

    collected = sum(
        (r.paid_amount or Decimal(0) for r in rows if r.state is InstallmentState.PAID), Decimal(0)
    )
    failed_rows = [r for r in rows if r.state is InstallmentState.DECLINED]
    failed = sum((r.amount for r in failed_rows), Decimal(0))
    to_collect = sum(
        (
            r.amount
            for r in rows
            if r.state
            in (InstallmentState.NOT_DUE, InstallmentState.OVERDUE, InstallmentState.AWAITING)
        ),
        Decimal(0),
    )
    if cancelled:
        status = AgreementStatus.CANCELLED
    elif paid_initial is None:
        status = AgreementStatus.AWAITING
    elif failed_rows:
        status = AgreementStatus.FAILED
    elif (
        agreement is not None
        and not agreement.is_open_ended
        and rows
        and all(r.state in (InstallmentState.PAID, InstallmentState.INVOICED) for r in rows)
    ):
        status = AgreementStatus.COMPLETED
    else:
        status = AgreementStatus.ACTIVE
    customer = request.get("customer_details")
    return AgreementView(
        record=record,
        agreement=agreement,
        description=str(
            (request.get("agreement") or {}).get("agreement_description")
            or request.get("cart_description")
            or record.cart_id
        ),
        customer={k: str(v) for k, v in customer.items()} if isinstance(customer, dict) else {},
        status=status,
        rows=tuple(rows),
        collected=quantize(collected, currency),
        to_collect=quantize(to_collect, currency),
        failed=quantize(failed, currency),
        open_ended=agreement is not None and agreement.is_open_ended,
        horizon=horizon,
        payments=tuple(payments),
    )


def _start_date(record: AgreementRecord) -> date:
    raw = record.payload.get("start_date")
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass
    return record.created_at.date()


def _nth(items: Sequence[AgreementPayment], index: int) -> AgreementPayment | None:
    return items[index] if 0 <= index < len(items) else None


def _payment_date(payment: AgreementPayment) -> date | None:
    if payment.transaction_time:
        try:
            return datetime.fromisoformat(payment.transaction_time.replace("Z", "+00:00")).date()
        except ValueError:
            return None
    return None


def _row(
    inst: Installment,
    payment: AgreementPayment | None,
    today: date,
    cancelled: bool,
    invoiced: set[int],
    started: bool,
) -> ScheduleRow:
    if payment is not None:
        if payment.authorised:
            state = InstallmentState.PAID
        elif inst.number in invoiced:
            state = InstallmentState.INVOICED
        else:
            state = InstallmentState.DECLINED
        return ScheduleRow(
            inst.number,
            inst.due_date,
            inst.amount,
            inst.currency,
            inst.kind,
            state,
            payment.tran_ref,
            payment.transaction_time,
            payment.message,
            payment.amount,
        )
    if cancelled:
        state = InstallmentState.CANCELLED
    elif inst.number == 0 or not started:
        state = InstallmentState.AWAITING
    elif inst.due_date > today:
        state = InstallmentState.NOT_DUE
    else:
        state = InstallmentState.OVERDUE
    return ScheduleRow(inst.number, inst.due_date, inst.amount, inst.currency, inst.kind, state)


def summarise(store: Store, record: AgreementRecord, today: date | None = None) -> str:
    """The status to keep in the store's ``status`` column (used to filter)."""
    if record.id is None:
        return record.status
    view = agreement_view(
        record, store.list_agreement_payments(record.id), today or datetime.now(UTC).date()
    )
    return str(view.status)


def refresh_status(store: Store, agreement_row: int) -> None:
    """Recompute and store one agreement's status (after a batch of imports)."""
    record = store.get_agreement(agreement_row)
    if record is not None:
        status = summarise(store, record)
        if status != record.status:
            store.upsert_agreement(replace(record, status=status))


def adopt_reconciled(store: Store, profile: Profile) -> list[AgreementRecord]:
    """Keep the agreements whose request got no answer but which reconciliation found did
    arrive (journal DONE by a read): without this the tab would never show them."""
    if profile.id is None:
        return []
    adopted: list[AgreementRecord] = []
    entries = store.journal_list(
        status=JournalStatus.DONE, operation=Operation.AGREEMENT_REQUEST, profile_id=profile.id
    )
    for entry in entries:
        if entry.reconciled_at is None or store.find_agreement_by_cart(profile.id, entry.reference):
            continue
        try:
            agreement = agreement_from_wire(entry.request.get("agreement") or {})
        except ValidationError:
            continue
        tran_ref = (entry.result or {}).get("tran_ref")
        adopted.append(
            store.upsert_agreement(
                AgreementRecord(
                    id=None,
                    profile_id=profile.id,
                    cart_id=entry.reference,
                    tran_ref=str(tran_ref) if tran_ref else None,
                    agreement_id=None,
                    currency=agreement.currency,
                    initial_amount=agreement.initial_amount,
                    status=AgreementStatus.AWAITING,
                    payload={
                        "request": entry.request,
                        "redirect_url": None,
                        "start_date": entry.created_at.date().isoformat(),
                        "reconciled": True,
                    },
                )
            )
        )
    return adopted


def load_views(store: Store, profile: Profile, today: date) -> list[AgreementView]:
    """Every agreement of ``profile`` with its schedule, newest first (a worker calls this)."""
    if profile.id is None:
        return []
    records = store.list_agreements(profile.id)
    by_row: dict[int, list[AgreementPayment]] = {}
    for payment in store.list_agreement_payments():
        by_row.setdefault(payment.agreement_row, []).append(payment)
    return [agreement_view(r, by_row.get(r.id or -1, []), today) for r in records]


def missed_installment_invoice(view: AgreementView, row: ScheduleRow) -> dict[str, Any]:
    """What the Invoices tab needs for a draft that bills a missed installment."""
    customer = view.customer
    return {
        "description": f"{view.description}: installment {row.number} due {row.due_date:%Y-%m-%d}"
        " (declined)",
        "currency": row.currency,
        "amount": format_amount(row.amount, row.currency),
        "customer": {
            "name": customer.get("name", ""),
            "email": customer.get("email", ""),
            "phone": customer.get("phone", ""),
            "street": customer.get("street1", ""),
            "city": customer.get("city", ""),
            "state": customer.get("state", ""),
            "country": customer.get("country", ""),
            "zip": customer.get("zip", ""),
        },
    }


__all__ = [
    "CUSTOMER_FIELDS",
    "LANGUAGES",
    "AgreementRequest",
    "AgreementStatus",
    "AgreementView",
    "AlreadyRequested",
    "ImportOutcome",
    "ImportResult",
    "InstallmentState",
    "ScheduleRow",
    "adopt_reconciled",
    "agreement_view",
    "cancel_agreement",
    "import_callback",
    "load_views",
    "mark_invoiced",
    "missed_installment_invoice",
    "new_cart_id",
    "read_callback_file",
    "refresh_status",
    "request_agreement",
    "subject_of",
]
