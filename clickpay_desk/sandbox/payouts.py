"""The ClickPay PayOuts simulator (reference 004): batches of transfer requests.

``POST /payout/batch/new`` and ``/payout/batch/add`` answer the batch object (``batch_id``,
``profile_id``, ``account_id``, ``currency`` = the account's, ``total`` as text, ``count``,
``order_id``, ``status``, ``requests`` with one entry per transfer, ``trace``);
``/payout/batch/close`` checks the stated ``count`` and ``total`` against the batch;
``/payout/batch/query`` answers the batch, or one entry (``entry_id``), or the batch with a given
``order_id`` (extension for reconciling); ``/payout/batch/query/{status}`` keeps only the entries
in that status. ``profile_id`` must be the sandbox's (else 401) and ``account_id`` its deposit
account (else 400 naming ``account_id``). An ``order_id`` already used by another batch is refused,
so an ambiguous ``batch/new`` can be reconciled by querying the ``order_id`` instead of re-sent.

Life cycle, moved on by ``POST /_sandbox/clock/advance``: batch New → (close) Pending → Processing
(one day after closing) → Completed (two days or more); entry Pending → Processed → Paid, Failed
or Rejected. The final status is deterministic: an entry whose ``beneficiary_name`` or
``merchant_reference`` contains "FAIL" (any case) fails with protocol_message "Unrecoverable
integration error"; one containing "REJECT" is rejected ("Rejected by beneficiary bank"); every
other one is paid. The fee is 0.63 for an amount up to 500 and 1.45 above it (as in the reference
samples); an entry's ``total`` is amount + fee. The batch ``total`` is the sum of the amounts
(what ``batch/close`` must state).

Speed: every ``batch/new``/``batch/add`` answer lists the whole batch, so a 10,000-entry batch
sent in chunks would rebuild and re-encode a growing list on every call. While a batch is New its
entries never change, so each entry's JSON is encoded once, and the listing's bytes and the sum of
its amounts grow with each add (:class:`_Listing`); the answer is byte for byte what
``jsonwire.dumps(batch_view(batch))`` writes. A closed batch (statuses move) is encoded afresh.
Each transfer request is checked once: the rules run as the request is read, and only a body with
a broken request is checked again through ``validate_batch_*`` to word every violation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from ..core import jsonwire
from ..core.agreement import parse_int
from ..core.money import format_amount, parse_decimal
from ..core.payout import (
    PayoutRequest,
    payout_request_from_wire,
    validate_batch_add,
    validate_batch_close,
    validate_batch_new,
)
from ..core.rules import RuleViolation, ValidationError
from .pt2 import ClickPay, iso_z
from .replies import Context, pt2_not_found, pt2_refusal
from .web import Request, Response, Route, route

FEE_THRESHOLD = Decimal(500)
FEE_LOW = Decimal("0.63")
FEE_HIGH = Decimal("1.45")
FAIL_TRIGGER = "FAIL"
REJECT_TRIGGER = "REJECT"
MESSAGE_PENDING = "PENDING"
MESSAGE_INITIATED = "INITIATED"
MESSAGE_FAILED = "Unrecoverable integration error"
MESSAGE_REJECTED = "Rejected by beneficiary bank"
#: ``/payout/batch/query/{status}`` → the entry status it selects.
STATUS_FILTERS = {
    "pending": "Pending",
    "processed": "Processed",
    "paid": "Paid",
    "failed": "Failed",
    "rejected": "Rejected",
}
ENTRY_KEYS = (
    "entry_id",
    "amount",
    "fee",
    "total",
    "beneficiary_account_number",
    "status",
    "protocol_message",
)
LISTED_KEYS = (*ENTRY_KEYS[:5], "merchant_reference", *ENTRY_KEYS[5:])
JSON_TYPE = [("Content-Type", "application/json; charset=utf-8")]


@dataclass
class _Listing:
    """The encoded entries of one New batch and the sum of their amounts, grown by each add.

    Valid only for the very ``batch`` dict and ``requests`` list it was built from (a reset or a
    reloaded state file makes new ones) and only while the batch is New (entries never change
    before it is closed).
    """

    batch: dict[str, Any]
    requests: list[dict[str, Any]]
    #: The listed entries' JSON, comma-separated, appended to (not joined again) on each add.
    encoded: bytearray = field(default_factory=bytearray)
    count: int = 0
    total: Decimal = Decimal(0)


def fee_for(amount: Decimal) -> Decimal:
    """The sandbox's transfer fee: 0.63 up to 500, 1.45 above."""
    return FEE_LOW if amount <= FEE_THRESHOLD else FEE_HIGH


def final_status(entry: dict[str, Any]) -> tuple[str, str]:
    """(status, protocol_message) an entry ends in; see the module docstring for the trigger."""
    marks = f"{entry.get('beneficiary_name') or ''} {entry.get('merchant_reference') or ''}"
    marks = marks.upper()
    if FAIL_TRIGGER in marks:
        return "Failed", MESSAGE_FAILED
    if REJECT_TRIGGER in marks:
        return "Rejected", MESSAGE_REJECTED
    return "Paid", MESSAGE_INITIATED


def _sum_of_amounts(batch: dict[str, Any]) -> Decimal:
    """The batch ``total``: the sum of its entries' amounts (fees not included)."""
    return sum((parse_decimal(e["amount"]) for e in batch["requests"]), Decimal(0))


class Payouts:
    def __init__(self, ctx: Context, clickpay: ClickPay) -> None:
        self.ctx = ctx
        self.pt2 = clickpay  # for the shared PT2 authentication and body checks
        self._listings: dict[str, _Listing] = {}  # batch_id → its listing, while New

    @property
    def batches(self) -> dict[str, Any]:
        batches: dict[str, Any] = self.ctx.store.data["batches"]
        return batches

    def routes(self) -> list[Route]:
        return [
            route("POST", "/payout/batch/new", self.new),
            route("POST", "/payout/batch/add", self.add),
            route("POST", "/payout/batch/close", self.close),
            route("POST", "/payout/batch/query", self.query),
            route("POST", "/payout/batch/query/{status}", self.query_status),
        ]

    # --- checks --------------------------------------------------------------------------------

    def _start(self, request: Request) -> dict[str, Any]:
        self.pt2._auth(request)
        body = self.pt2._body(request)
        self.pt2._profile(body, checked_later=True)
        raw = body.get("account_id")
        if raw is not None:
            try:
                account_id = parse_int(raw, "account_id")
            except ValidationError:
                return body  # the batch validators name it
            if account_id != self.ctx.config.account_id:
                raise pt2_refusal(
                    self.ctx,
                    [RuleViolation("account_id", "is not a deposit account of this profile", raw)],
                )
        return body

    def _batch(self, raw_id: object) -> dict[str, Any]:
        batch = self.batches.get(str(raw_id))
        if batch is None:
            raise pt2_not_found(self.ctx, "batch_id", f"no batch {raw_id}")
        return batch

    def _batch_id(self, body: dict[str, Any]) -> int:
        return self.pt2._int_field(body, "batch_id")

    def _refuse(self, violations: list[RuleViolation]) -> list[PayoutRequest]:
        """No requests, after refusing the body when ``violations`` is not empty."""
        if violations:
            raise pt2_refusal(self.ctx, violations)
        return []

    # --- views ---------------------------------------------------------------------------------

    def entry_view(self, entry: dict[str, Any], *, listed: bool = True) -> dict[str, Any]:
        """One entry; the single-entry query answers exactly the keys of reference 004's sample,
        the batch listing adds ``merchant_reference`` (null when none was sent)."""
        keys = LISTED_KEYS if listed else ENTRY_KEYS
        return {key: entry.get(key) for key in keys}

    def batch_view(self, batch: dict[str, Any], only: str | None = None) -> dict[str, Any]:
        entries = [e for e in batch["requests"] if only is None or e["status"] == only]
        return {
            "batch_id": batch["batch_id"],
            "profile_id": batch["profile_id"],
            "account_id": batch["account_id"],
            "currency": batch["currency"],
            "total": self._total(batch),
            "count": len(batch["requests"]),
            "order_id": batch["order_id"],
            "status": batch["status"],
            "requests": [self.entry_view(e) for e in entries],
            "trace": self.ctx.store.trace(),
        }

    def _total(self, batch: dict[str, Any]) -> str:
        return format_amount(self._sum(batch), batch["currency"])

    def _sum(self, batch: dict[str, Any]) -> Decimal:
        listing = self._listing(batch)
        return listing.total if listing is not None else _sum_of_amounts(batch)

    def _listing(self, batch: dict[str, Any]) -> _Listing | None:
        """The batch's encoded listing brought up to date, or None when the batch is not New."""
        key = str(batch["batch_id"])
        if batch["status"] != "New":
            self._listings.pop(key, None)
            return None
        listing = self._listings.get(key)
        requests = batch["requests"]
        if listing is None or listing.batch is not batch or listing.requests is not requests:
            listing = self._listings[key] = _Listing(batch, requests)
        if listing.count > len(requests):  # shortened behind our back: start again
            listing = self._listings[key] = _Listing(batch, requests)
        for entry in requests[listing.count :]:
            if listing.count:
                listing.encoded += b","
            listing.encoded += jsonwire.dumps(self.entry_view(entry))
            listing.count += 1
            listing.total += parse_decimal(entry["amount"])
        return listing

    def batch_response(self, batch: dict[str, Any]) -> Response:
        """``Response.json(200, self.batch_view(batch))``, the same bytes, built from the
        listing kept for a New batch instead of encoding every entry again."""
        listing = self._listing(batch)
        if listing is None:
            return Response.json(200, self.batch_view(batch))
        head = {  # batch_view's keys and order, up to the listing
            "batch_id": batch["batch_id"],
            "profile_id": batch["profile_id"],
            "account_id": batch["account_id"],
            "currency": batch["currency"],
            "total": format_amount(listing.total, batch["currency"]),
            "count": listing.count,
            "order_id": batch["order_id"],
            "status": batch["status"],
        }
        body = b"".join(
            (
                jsonwire.dumps(head)[:-1],
                b',"requests":[',
                listing.encoded,
                b'],"trace":',
                jsonwire.dumps(self.ctx.store.trace()),
                b"}",
            )
        )
        return Response(200, body, list(JSON_TYPE))

    def _entries(self, requests: list[PayoutRequest], currency: str) -> list[dict[str, Any]]:
        entries = []
        for request in requests:
            fee = fee_for(request.amount)
            entries.append(
                {
                    "entry_id": self.ctx.store.next_number("entry"),
                    "amount": format_amount(request.amount, currency),
                    "fee": format_amount(fee, currency),
                    "total": format_amount(request.amount + fee, currency),
                    "beneficiary_account_number": request.beneficiary_account_number,
                    "merchant_reference": request.merchant_reference,
                    "beneficiary_name": request.beneficiary_name,
                    "status": "Pending",
                    "protocol_message": MESSAGE_PENDING,
                    "request": request.to_wire(),
                }
            )
        return entries

    def _checked(
        self,
        body: dict[str, Any],
        currency: str,
        validate: Callable[[Mapping[str, object], str], list[RuleViolation]],
    ) -> list[PayoutRequest]:
        """The body's requests read (and so checked) once each; a refusal naming every broken
        rule, worded by ``validate`` over the whole body, when anything is wrong."""
        raw = body.get("requests")
        if isinstance(raw, list):
            try:
                requests = [payout_request_from_wire(r, currency) for r in raw]
            except ValidationError:
                pass  # worded below, every violation with its requests[i] path
            else:
                # The other fields go through the same validator, shown at most one request
                # (already read) so that it does not run every request's rules a second time.
                self._refuse(validate({**body, "requests": raw[:1]}, currency))
                return requests
        violations = validate(body, currency)
        self._refuse(violations)
        # Not reached (the validator runs the same rules); never accept what was not read.
        raise pt2_refusal(self.ctx, [RuleViolation("requests", "could not be read")])

    # --- endpoints -----------------------------------------------------------------------------

    def new(self, request: Request) -> Response:
        body = self._start(request)
        currency = self.ctx.config.account_currency
        requests = (
            self._checked(body, currency, validate_batch_new)
            if body.get("requests") is not None
            else self._refuse(validate_batch_new(body, currency))
        )
        order_id = str(body["order_id"]).strip()
        for other in self.batches.values():
            if other["order_id"] == order_id:
                raise pt2_refusal(
                    self.ctx,
                    [
                        RuleViolation(
                            "order_id", f"is already used by batch {other['batch_id']}", order_id
                        )
                    ],
                )
        store = self.ctx.store
        batch_id = store.next_number("batch")
        batch = {
            "batch_id": batch_id,
            "profile_id": self.ctx.config.profile_id,
            "account_id": self.ctx.config.account_id,
            "currency": currency,
            "order_id": order_id,
            "status": "New",
            "created": iso_z(store.now()),
            "closed_on": None,
            "requests": self._entries(requests, currency),
        }
        self.batches[str(batch_id)] = batch
        store.touch()
        return self.batch_response(batch)

    def add(self, request: Request) -> Response:
        body = self._start(request)
        currency = self.ctx.config.account_currency
        requests = self._checked(body, currency, validate_batch_add)
        batch = self._batch(self._batch_id(body))
        order_id = body.get("order_id")
        if order_id is not None and str(order_id).strip() != batch["order_id"]:
            raise pt2_refusal(
                self.ctx,
                [RuleViolation("order_id", f"does not match batch {batch['batch_id']}", order_id)],
            )
        if batch["status"] != "New":
            raise pt2_refusal(
                self.ctx,
                [
                    RuleViolation(
                        "batch_id",
                        f"batch {batch['batch_id']} is closed ({batch['status']}): "
                        "requests can only be added to a New batch",
                    )
                ],
            )
        batch["requests"].extend(self._entries(requests, currency))
        self.ctx.store.touch()
        return self.batch_response(batch)

    def close(self, request: Request) -> Response:
        body = self._start(request)
        batch = self._batch(self._batch_id(body))
        if batch["status"] != "New":
            raise pt2_refusal(
                self.ctx,
                [
                    RuleViolation(
                        "batch_id",
                        f"batch {batch['batch_id']} is already closed ({batch['status']})",
                    )
                ],
            )
        violations = validate_batch_close(body, len(batch["requests"]), self._sum(batch))
        if violations:
            raise pt2_refusal(self.ctx, violations)
        store = self.ctx.store
        batch["status"] = "Pending"
        batch["closed_on"] = store.today().isoformat()
        batch["closed_at"] = iso_z(store.now())
        store.touch()
        return Response.json(200, self.batch_view(batch))

    def _queried_batch(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("batch_id") is not None:
            return self._batch(self._batch_id(body))
        if body.get("order_id") is not None:
            order_id = str(body["order_id"]).strip()
            for batch in self.batches.values():
                if batch["order_id"] == order_id:
                    return batch
            raise pt2_not_found(self.ctx, "order_id", f"no batch with order_id {order_id!r}")
        raise pt2_refusal(
            self.ctx, [RuleViolation("batch_id", "is required (or order_id to look one up)")]
        )

    def query(self, request: Request) -> Response:
        body = self._start(request)
        batch = self._queried_batch(body)
        if body.get("entry_id") is not None:
            entry_id = self.pt2._int_field(body, "entry_id")
            for entry in batch["requests"]:
                if entry["entry_id"] == entry_id:
                    return Response.json(200, self.entry_view(entry, listed=False))
            raise pt2_not_found(
                self.ctx, "entry_id", f"no entry {entry_id} in batch {batch['batch_id']}"
            )
        return self.batch_response(batch)

    def query_status(self, request: Request) -> Response:
        wanted = STATUS_FILTERS.get(request.params["status"].lower())
        body = self._start(request)
        if wanted is None:
            raise pt2_not_found(self.ctx, "status", "must be one of " + ", ".join(STATUS_FILTERS))
        batch = self._queried_batch(body)
        return Response.json(200, self.batch_view(batch, only=wanted))

    # --- the clock -----------------------------------------------------------------------------

    def progress(self, today: date) -> list[dict[str, Any]]:
        """Move closed batches on: Processing a day after closing, Completed from the second."""
        events: list[dict[str, Any]] = []
        for batch in self.batches.values():
            if batch["status"] not in ("Pending", "Processing") or not batch.get("closed_on"):
                continue
            days = (today - date.fromisoformat(batch["closed_on"])).days
            before = batch["status"]
            if batch["status"] == "Pending" and days >= 1:
                batch["status"] = "Processing"
                for entry in batch["requests"]:
                    entry["status"] = "Processed"
                    entry["protocol_message"] = MESSAGE_INITIATED
            if batch["status"] == "Processing" and days >= 2:
                batch["status"] = "Completed"
                for entry in batch["requests"]:
                    entry["status"], entry["protocol_message"] = final_status(entry)
            if batch["status"] != before:
                self.ctx.store.touch()
                event: dict[str, Any] = {
                    "batch_id": batch["batch_id"],
                    "from": before,
                    "to": batch["status"],
                }
                if batch["status"] == "Completed":
                    event["entries"] = {str(e["entry_id"]): e["status"] for e in batch["requests"]}
                events.append(event)
        return events
