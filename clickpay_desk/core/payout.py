"""Payouts (reference 004): transfer requests, their rules, and the batch new/add/close bodies.

This module is the single source of the payout rules: the spreadsheet import, the batch editor,
the gateway client and the sandbox all validate through it, and every violation names the wire
field (``beneficiary_account_number``; ``requests[0].amount`` inside a batch body).

Choices where reference 004 is loose:

* Every field the table marks Mandatory must be present as a key. The reference's own samples
  send ``""`` for ``beneficiary_bank_branch`` and ``beneficiary_address2`` (and the gateway takes
  them), so those two may be empty (``""`` or ``null``) but not missing; every other mandatory
  field must be non-blank. ``merchant_reference`` is optional (blank = absent).
* ``beneficiary_account_number`` is an IBAN: spaces are dropped and letters upper-cased, then
  schwifty checks the country code, the country's length (iban.com/structure), the structure and
  the mod-97 checksum. The IBAN's country need not be ``beneficiary_country`` (people bank abroad).
* ``beneficiary_country`` is an ISO 3166-1 alpha-2 code (pycountry), any case.
* ``beneficiary_mobile_number`` must start with "+" and be a valid number (phonenumbers); spaces
  and dashes are tolerated and the value is normalised to E.164 (``+966501234567``).
* ``beneficiary_email`` is checked for syntax only (email-validator, no DNS).
* ``transfer_code`` is 100–103, as a number or as text ("100").
* ``amount`` is above 0, at most 9,999,999,999.99, with no more decimals than the batch currency
  (the account's currency, SAR in the samples), which callers pass in.
* Index paths in batch bodies are 0-based like JSON (``requests[0]`` is the first request).
* ``batch/add`` needs ``batch_id``, ``profile_id``, ``account_id`` and at least one request;
  its ``order_id`` is optional (the sample sends one; when sent it must be non-blank text).
* ``batch/close`` needs ``batch_id``, ``profile_id``, ``account_id``, ``count`` and ``total``
  (``sub_total`` is read when ``total`` is absent, per the sample's note) matching the batch,
  and a batch with no requests cannot be closed.

``PayoutRequest.to_wire()`` gives ``amount`` as a ``Decimal`` quantized to the currency's minor
units; the JSON writer must emit it as a number with exactly those digits, never via float.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from decimal import Decimal
from enum import IntEnum
from functools import lru_cache
from types import MappingProxyType
from typing import Protocol

from schwifty import IBAN
from schwifty import exceptions as iban_errors
from schwifty.registry import get_iban_spec

from .contact import (
    PHONE_JUNK,
    check_country,
    check_e164,
    check_email,
    country_named,
    e164_suggestion,
)
from .money import format_amount, normalize_currency, parse_amount, parse_decimal, quantize
from .rules import RuleViolation, ValidationError, raise_if
from .text import INVISIBLE, visible
from .wire import WireReader, parse_int


class TransferCode(IntEnum):
    """``transfer_code``: why the money moves."""

    SALARY = 100
    PENSION = 101
    GENERAL_CASH_MANAGEMENT = 102
    DONATION = 103

    @property
    def label(self) -> str:
        return TRANSFER_CODES[int(self)]


#: transfer_code → its name in reference 004.
TRANSFER_CODES: Mapping[int, str] = MappingProxyType(
    {100: "Salary", 101: "Pension", 102: "General Cash Management", 103: "Donation"}
)

#: Mandatory fields of one transfer request, in the order of the reference's field table.
MANDATORY_FIELDS: tuple[str, ...] = (
    "amount",
    "beneficiary_name",
    "beneficiary_country",
    "beneficiary_account_number",
    "beneficiary_bank",
    "beneficiary_bank_branch",
    "beneficiary_email",
    "beneficiary_mobile_number",
    "beneficiary_address1",
    "beneficiary_address2",
    "transfer_code",
)
#: Mandatory keys that may hold "" (the reference's own samples send them empty).
MAY_BE_EMPTY: frozenset[str] = frozenset({"beneficiary_bank_branch", "beneficiary_address2"})
OPTIONAL_FIELDS: tuple[str, ...] = ("merchant_reference",)

#: Wire order of a request, as in the reference samples.
WIRE_ORDER: tuple[str, ...] = ("amount", "merchant_reference", *MANDATORY_FIELDS[1:])

_TEXT_FIELDS = (
    "beneficiary_name",
    "beneficiary_bank",
    "beneficiary_bank_branch",
    "beneficiary_address1",
    "beneficiary_address2",
)
# Spaces and dashes people group an IBAN with, and the invisible marks of Arabic text (core.text).
_IBAN_JUNK = re.compile(rf"[\s\-{INVISIBLE}]+")


@dataclass(frozen=True)
class PayoutRequest:
    """One transfer request, valid by construction and normalised.

    ``currency`` is the batch (account) currency: it is not sent per request but fixes the
    amount's decimals. Construction runs the same rules as :func:`validate_payout_request`.
    """

    amount: Decimal
    currency: str
    beneficiary_name: str
    beneficiary_country: str
    beneficiary_account_number: str
    beneficiary_bank: str
    beneficiary_email: str
    beneficiary_mobile_number: str
    beneficiary_address1: str
    transfer_code: TransferCode
    beneficiary_bank_branch: str = ""
    beneficiary_address2: str = ""
    merchant_reference: str | None = None

    def __post_init__(self) -> None:
        raw = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "currency"}
        found, values = _check_request(raw, self.currency, prefix="", row=None)
        raise_if(found)
        values["currency"] = normalize_currency(self.currency, gateway_only=False)
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def to_wire(self) -> dict[str, object]:
        """The request as reference 004 sends it (``merchant_reference`` only when set)."""
        wire: dict[str, object] = {}
        for name in WIRE_ORDER:
            value = getattr(self, name)
            if name == "merchant_reference" and value is None:
                continue
            if name == "amount":
                value = Decimal(format_amount(self.amount, self.currency))
            elif name == "transfer_code":
                value = int(value)
            wire[name] = value
        return wire


def validate_payout_request(
    mapping: Mapping[str, object], currency: str, *, row: int | None = None
) -> list[RuleViolation]:
    """Every broken rule of one transfer request (field = wire name, ``row`` as given)."""
    found, _ = _check_request(mapping, currency, prefix="", row=row)
    return found


def payout_request_from_wire(
    mapping: Mapping[str, object], currency: str, *, row: int | None = None
) -> PayoutRequest:
    """Read one transfer request; raise :class:`ValidationError` with all its violations."""
    found, values = _check_request(mapping, currency, prefix="", row=row)
    raise_if(found)
    # The values were just checked and normalised: build without running the rules twice.
    request = object.__new__(PayoutRequest)
    values["currency"] = normalize_currency(currency, gateway_only=False)
    for name, value in values.items():
        object.__setattr__(request, name, value)
    return request


def batch_summary(requests: Iterable[PayoutRequest], currency: str) -> tuple[int, Decimal]:
    """(count, total) of a batch as ``batch/close`` must state them, total at currency units."""
    code = normalize_currency(currency, gateway_only=False)
    count = 0
    total = Decimal(0)
    for request in requests:
        if request.currency != code:
            raise ValueError(f"a {request.currency} request cannot be part of a {code} batch")
        count += 1
        total += request.amount
    return count, quantize(total, code)


def validate_batch_new(payload: Mapping[str, object], currency: str) -> list[RuleViolation]:
    """Rules of a ``payout/batch/new`` body: profile_id, account_id, order_id; requests if any."""
    if not isinstance(payload, Mapping):
        return [RuleViolation("body", "must be a JSON object", type(payload).__name__)]
    found: list[RuleViolation] = []
    _id(payload, "profile_id", found)
    _id(payload, "account_id", found)
    _order_id(payload, found, required=True)
    _requests(payload, currency, found, required=False)
    return found


def validate_batch_add(payload: Mapping[str, object], currency: str) -> list[RuleViolation]:
    """Rules of a ``payout/batch/add`` body: batch_id, profile_id, account_id, ≥ 1 request."""
    if not isinstance(payload, Mapping):
        return [RuleViolation("body", "must be a JSON object", type(payload).__name__)]
    found: list[RuleViolation] = []
    _id(payload, "batch_id", found)
    _id(payload, "profile_id", found)
    _id(payload, "account_id", found)
    _order_id(payload, found, required=False)
    _requests(payload, currency, found, required=True)
    return found


def validate_batch_close(
    payload: Mapping[str, object], count: int, total: Decimal
) -> list[RuleViolation]:
    """Rules of a ``payout/batch/close`` body against the batch's real ``count`` and ``total``."""
    if not isinstance(payload, Mapping):
        return [RuleViolation("body", "must be a JSON object", type(payload).__name__)]
    found: list[RuleViolation] = []
    _id(payload, "batch_id", found)
    _id(payload, "profile_id", found)
    _id(payload, "account_id", found)
    if count == 0:
        found.append(RuleViolation("count", "the batch has no requests to close", 0))
    raw_count = payload.get("count")
    if raw_count is None:
        found.append(RuleViolation("count", "is required"))
    else:
        try:
            stated = parse_int(raw_count, "count")
        except ValidationError as exc:
            found.extend(exc.violations)
        else:
            if stated != count:
                found.append(
                    RuleViolation(
                        "count",
                        f"must equal the number of requests in the batch ({count})",
                        raw_count,
                    )
                )
    total_field = "total" if "total" in payload or "sub_total" not in payload else "sub_total"
    raw_total = payload.get(total_field)
    if raw_total is None:
        found.append(RuleViolation("total", "is required"))
    else:
        try:
            stated_total = parse_decimal(raw_total, total_field)
        except ValidationError as exc:
            found.extend(exc.violations)
        else:
            if stated_total != total:
                found.append(
                    RuleViolation(
                        total_field,
                        f"must equal the sum of the batch's amounts ({total})",
                        raw_total,
                    )
                )
    return found


# --- the rules of one request ----------------------------------------------------------------


def _check_request(
    raw: object, currency: str, *, prefix: str, row: int | None
) -> tuple[list[RuleViolation], dict[str, object]]:
    code = normalize_currency(currency, gateway_only=False)
    found: list[RuleViolation] = []
    values: dict[str, object] = {}

    def bad(name: str, rule: str, value: object = None) -> None:
        found.append(RuleViolation(prefix + name, rule, value, row))

    if not isinstance(raw, Mapping):
        found.append(
            RuleViolation(
                prefix.rstrip(".") or "request", "must be an object", type(raw).__name__, row
            )
        )
        return found, values

    present: dict[str, object] = {}
    for name in MANDATORY_FIELDS:
        if name not in raw:
            bad(name, "is required (it may be empty)" if name in MAY_BE_EMPTY else "is required")
            continue
        value = raw[name]
        blank = value is None or (isinstance(value, str) and not value.strip())
        if blank and name not in MAY_BE_EMPTY:
            bad(name, "must not be empty", value)
            continue
        present[name] = value

    if "amount" in present:
        amount = _amount(present["amount"], code, bad)
        if amount is not None:
            values["amount"] = amount

    for name in _TEXT_FIELDS:
        if name not in present:
            continue
        value = present[name]
        if value is None:
            values[name] = ""
        elif isinstance(value, str):
            values[name] = value.strip()
        else:
            bad(name, "must be text", value)

    if "beneficiary_country" in present:
        country = _country(present["beneficiary_country"], bad)
        if country is not None:
            values["beneficiary_country"] = country

    if "beneficiary_account_number" in present:
        iban = _iban(present["beneficiary_account_number"], bad)
        if iban is not None:
            values["beneficiary_account_number"] = iban

    if "beneficiary_email" in present:
        email = _email(present["beneficiary_email"], bad)
        if email is not None:
            values["beneficiary_email"] = email

    if "beneficiary_mobile_number" in present:
        # The country (checked above, or named in words) to suggest the number's E.164 form.
        home = values.get("beneficiary_country") or present.get("beneficiary_country")
        if isinstance(home, str) and len(home) != 2:
            home = country_named(home)
        mobile = _mobile(
            present["beneficiary_mobile_number"], bad, home if isinstance(home, str) else None
        )
        if mobile is not None:
            values["beneficiary_mobile_number"] = mobile

    if "transfer_code" in present:
        transfer = _transfer_code(present["transfer_code"], bad)
        if transfer is not None:
            values["transfer_code"] = transfer

    reference = raw.get("merchant_reference")
    if reference is None or (isinstance(reference, str) and not reference.strip()):
        values["merchant_reference"] = None
    elif isinstance(reference, str):
        values["merchant_reference"] = reference.strip()
    elif isinstance(reference, int) and not isinstance(reference, bool):
        values["merchant_reference"] = str(reference)
    else:
        bad("merchant_reference", "must be text", reference)
    return found, values


class _Bad(Protocol):  # the ``bad`` callback of _check_request, for the readers below
    def __call__(self, name: str, rule: str, value: object = None) -> None: ...


def _amount(value: object, currency: str, bad: _Bad) -> Decimal | None:
    try:
        amount = parse_amount(value, currency, "amount", minimum=None)
    except ValidationError as exc:
        for violation in exc.violations:
            bad("amount", violation.rule, value)
        return None
    if amount <= 0:
        bad("amount", "must be greater than 0", value)
        return None
    return amount


def _country(value: object, bad: _Bad) -> str | None:
    if not isinstance(value, str):
        bad("beneficiary_country", "must be a 2-letter ISO 3166-1 country code such as SA", value)
        return None
    code, rule = check_country(value)
    if rule:
        bad("beneficiary_country", rule, value)
    return code


def _iban(value: object, bad: _Bad) -> str | None:
    if not isinstance(value, str):
        bad("beneficiary_account_number", "must be an IBAN written as text", value)
        return None
    normalised, rule = _check_iban(value)
    if rule:
        bad("beneficiary_account_number", rule, value)
    return normalised


# The IBAN check is pure and a batch repeats its beneficiaries, so each answer (normalised
# value, or the broken rule) is cached by the text checked.
@lru_cache(maxsize=4096)
def _check_iban(value: str) -> tuple[str | None, str]:
    compact = _IBAN_JUNK.sub("", value).upper()
    try:
        return str(IBAN(compact).compact), ""
    except iban_errors.InvalidLength:
        expected = get_iban_spec(compact[:2]).iban_length
        return None, f"must be {expected} characters for a {compact[:2]} IBAN (has {len(compact)})"
    except iban_errors.InvalidCountryCode:
        return None, "must start with a known IBAN country code"
    except iban_errors.InvalidChecksumDigits:
        return None, "has wrong check digits: not a valid IBAN (mistyped?)"
    except iban_errors.SchwiftyException:
        return None, "is not a valid IBAN"


def _email(value: object, bad: _Bad) -> str | None:
    if not isinstance(value, str):
        bad("beneficiary_email", "must be an e-mail address", value)
        return None
    normalised, rule = check_email(value)
    if rule:
        bad("beneficiary_email", rule, value)
    return normalised


def _mobile(value: object, bad: _Bad, country: str | None = None) -> str | None:
    if not isinstance(value, str) or not visible(value).strip().startswith("+"):
        suggested = e164_suggestion(value, country) if isinstance(value, str) else None
        bad(
            "beneficiary_mobile_number",
            f"must be in E.164 format: {suggested} for this number"
            if suggested
            else "must be in E.164 format: + then country code and number, e.g. +966501234567",
            value,
        )
        return None
    normalised, rule = check_e164(PHONE_JUNK.sub("", value))
    if rule:
        bad("beneficiary_mobile_number", rule, value)
    return normalised


def _transfer_code(value: object, bad: _Bad) -> TransferCode | None:
    try:
        number = parse_int(value, "transfer_code")
    except ValidationError:
        number = None
    if number is None or number not in TRANSFER_CODES:
        choices = ", ".join(f"{code} ({name})" for code, name in TRANSFER_CODES.items())
        bad("transfer_code", f"must be one of {choices}", value)
        return None
    return TransferCode(number)


# --- batch bodies ----------------------------------------------------------------------------


def _id(payload: Mapping[str, object], name: str, found: list[RuleViolation]) -> None:
    WireReader(strict=False, found=found).identifier(payload, name, name)


def _order_id(payload: Mapping[str, object], found: list[RuleViolation], *, required: bool) -> None:
    # No documented length limit: none is invented. Trimmed and blank-checked like cart_id.
    WireReader(strict=True, found=found).text(payload, "order_id", "order_id", required=required)
    value = payload.get("order_id")
    if not required and isinstance(value, str) and not value.strip():
        found.append(RuleViolation("order_id", "must not be empty when given", value))


def _requests(
    payload: Mapping[str, object], currency: str, found: list[RuleViolation], *, required: bool
) -> None:
    value = payload.get("requests")
    if value is None:
        if required:
            found.append(RuleViolation("requests", "needs at least one transfer request"))
        return
    if not isinstance(value, list | tuple):
        found.append(RuleViolation("requests", "must be a JSON array", type(value).__name__))
        return
    if required and not value:
        found.append(RuleViolation("requests", "needs at least one transfer request"))
    for index, request in enumerate(value):
        request_found, _ = _check_request(request, currency, prefix=f"requests[{index}].", row=None)
        found.extend(request_found)


__all__ = [
    "MANDATORY_FIELDS",
    "MAY_BE_EMPTY",
    "OPTIONAL_FIELDS",
    "TRANSFER_CODES",
    "WIRE_ORDER",
    "PayoutRequest",
    "TransferCode",
    "batch_summary",
    "payout_request_from_wire",
    "validate_batch_add",
    "validate_batch_close",
    "validate_batch_new",
    "validate_payout_request",
]
