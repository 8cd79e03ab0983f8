"""The one reader of request bodies on the wire, and its rules.

PT2 invoices (``core.invoice``), payment requests with agreements (``core.agreement``), Geidea
eInvoices (``core.geidea_invoice``) and payout batches (``core.payout``) all read their fields
through :class:`WireReader`, so a field means the same everywhere:

* **Text** (``cart_id``, ``cart_description``, ``order_id``, names...): surrounding white space is
  trimmed, and the length limit is counted *after* trimming (``" INV-1 "`` is 5 characters and is
  read as ``"INV-1"``). Missing is "is required"; present but blank, when required, is "is
  required: it must not be empty". A strict reader (a gateway checking a request) takes only
  JSON strings; a tolerant one (reading what a gateway or a file holds) also takes a number
  as its text (``1001`` → ``"1001"``).
* **Whole numbers** (``repeat_terms``, ``count``...): an int, digit text ("2") or an integral
  number (2.0); never a bool. **Ids** (``profile_id``, ``batch_id``, ``account_id``) are
  positive whole numbers.
* **Choices** (``tran_type``...) compare case-insensitively and are read lower-case.
* **Amounts** go through ``core.money`` (the currency's decimals, the gateway range); a strict
  reader takes only a JSON number or plain decimal text ("9.50"), not "9,50" or "١١٩".

Violations are collected, not raised, so one pass reports every broken rule by wire name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from .money import (
    GATEWAY_CURRENCIES,
    MAX_AMOUNT,
    normalize_currency,
    parse_amount,
    parse_decimal,
    significant_decimals,
)
from .rules import RuleViolation, ValidationError

#: Longest ``cart_id`` PT2 takes (payment requests and invoices alike), after trimming.
CART_ID_MAX = 64
#: Longest ``cart_description``, after trimming.
CART_DESCRIPTION_MAX = 128
#: Percentages carry at most this many decimals.
RATE_DECIMALS = 4
MAX_RATE = Decimal(100)

_ZERO = Decimal(0)
_STRICT_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")  # not \d: that also matches "١١٩"
_INT_TEXT = re.compile(r"^[+-]?\d+$")
_ASCII_INT_TEXT = re.compile(r"^[+-]?[0-9]+$")
_URL = re.compile(r"^https?://[^\s/]+\S*$", re.IGNORECASE)

#: The rule of a required text field that is present but blank.
BLANK_RULE = "is required: it must not be empty"


def too_long_rule(maximum: int, length: int) -> str:
    return f"must be at most {maximum} characters (has {length})"


def parse_int(value: object, field: str) -> int:
    """An integer from an int, digit text ("2") or an integral number (2.0); never a bool."""
    if isinstance(value, bool):
        raise ValidationError.single(field, "must be a whole number", value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INT_TEXT.match(value.strip()):
        return int(value.strip())
    if isinstance(value, Decimal | float):
        number = parse_decimal(value, field)
        if number == number.to_integral_value():
            return int(number)
    raise ValidationError.single(field, "must be a whole number", value)


def blank(value: object) -> bool:
    """Absent for the rules: ``None``, or text of nothing but white space."""
    return value is None or (isinstance(value, str) and not value.strip())


class WireReader:
    """Reads a request mapping, collecting violations instead of stopping at the first.

    ``strict`` is a gateway checking what it was sent; not strict is the desk reading what it
    holds or was answered. ``found`` may be a list the caller already collects into.
    """

    def __init__(self, strict: bool, found: list[RuleViolation] | None = None) -> None:
        self.strict = strict
        self.found: list[RuleViolation] = [] if found is None else found

    def add(self, field_name: str, rule: str, value: object = None) -> None:
        self.found.append(RuleViolation(field_name, rule, value))

    def take(self, exc: ValidationError) -> None:
        self.found.extend(exc.violations)

    def extend(self, violations: Iterable[RuleViolation]) -> None:
        self.found.extend(violations)

    # --- numbers ---------------------------------------------------------------------------

    def number(self, value: object, name: str) -> Decimal | None:
        """A number from the wire. Strict: a JSON number or plain decimal text only."""
        if self.strict and isinstance(value, str) and not _STRICT_NUMBER.match(value.strip()):
            self.add(name, "must be a number (a plain number such as 9.50)", value)
            return None
        try:
            return parse_decimal(value, name)
        except ValidationError as exc:
            self.take(exc)
            return None

    def amount(
        self,
        value: object,
        currency: str | None,
        name: str,
        *,
        minimum: Decimal | None,
        maximum: Decimal | None = MAX_AMOUNT,
    ) -> Decimal | None:
        """An amount with the currency's decimals, within ``minimum``..``maximum``.

        With the currency unknown (already reported), the range still applies.
        """
        number = self.number(value, name)
        if number is None:
            return None
        if currency is None:
            if minimum is not None and number < minimum:
                self.add(name, f"must be at least {minimum}", value)
                return None
            if maximum is not None and number > maximum:
                self.add(name, f"must be at most {maximum}", value)
                return None
            return number
        try:
            return parse_amount(number, currency, name, minimum=minimum, maximum=maximum)
        except ValidationError as exc:
            self.found.extend(RuleViolation(v.field, v.rule, value) for v in exc.violations)
            return None

    def rate(self, value: object, name: str) -> Decimal | None:
        """A percentage: 0 to 100 with at most ``RATE_DECIMALS`` decimals."""
        number = self.number(value, name)
        if number is None:
            return None
        if not _ZERO <= number <= MAX_RATE:
            self.add(name, "must be a percentage from 0 to 100", value)
            return None
        if significant_decimals(number) > RATE_DECIMALS:
            self.add(name, f"must have at most {RATE_DECIMALS} decimal places", value)
            return None
        return number

    def integer(
        self,
        data: Mapping[str, Any],
        key: str,
        name: str,
        *,
        minimum: int | None = None,
        rule: str = "",
        required: bool = True,
    ) -> int | None:
        """A whole number (see :func:`parse_int`), at least ``minimum`` (``rule`` says why)."""
        value = data.get(key)
        if blank(value):
            if required:
                self.add(name, "is required")
            return None
        try:
            number = parse_int(value, name)
        except ValidationError as exc:
            self.take(exc)
            return None
        if minimum is not None and number < minimum:
            self.add(name, rule or f"must be at least {minimum}", value)
            return None
        return number

    def identifier(
        self, data: Mapping[str, Any], key: str, name: str, *, required: bool = True, hint: str = ""
    ) -> int | None:
        """An id the gateway numbers (``profile_id``, ``batch_id``): a positive whole number.

        ``hint`` follows the rule ("(your profile id)"). Strict readers take ASCII digits only.
        """
        value = data.get(key)
        if blank(value):
            if required:
                self.add(name, "is required")
            return None
        rule = "must be a positive whole number" + (f" {hint}" if hint else "")
        if self.strict and isinstance(value, str) and not _ASCII_INT_TEXT.match(value.strip()):
            self.add(name, rule, value)
            return None
        try:
            number = parse_int(value, name)
        except ValidationError:
            self.add(name, rule, value)
            return None
        if number < 1:
            self.add(name, rule, value)
            return None
        return number

    # --- text ------------------------------------------------------------------------------

    def text(
        self,
        data: Mapping[str, Any],
        key: str,
        name: str,
        *,
        required: bool = False,
        max_len: int | None = None,
    ) -> str:
        """Text, trimmed; its length counted after trimming. ``""`` when absent or refused."""
        value = data.get(key)
        if value is None:
            if required:
                self.add(name, "is required")
            return ""
        if isinstance(value, int | Decimal) and not isinstance(value, bool) and not self.strict:
            value = str(value)
        if not isinstance(value, str):
            self.add(name, "must be text", value)
            return ""
        text = value.strip()
        if required and not text:
            self.add(name, BLANK_RULE, value)
        elif max_len is not None and len(text) > max_len:
            self.add(name, too_long_rule(max_len, len(text)), value)
        return text

    def choice(
        self,
        data: Mapping[str, Any],
        key: str,
        name: str,
        allowed: Iterable[str],
        *,
        required: bool = True,
    ) -> str | None:
        """One of ``allowed`` (lower-case), compared without regard to case or surrounding space."""
        options = tuple(allowed)
        value = data.get(key)
        if value is None:
            if required:
                self.add(name, "is required")
            return None
        if not isinstance(value, str) or value.strip().lower() not in options:
            self.add(name, "must be one of: " + ", ".join(options), value)
            return None
        return value.strip().lower()

    def currency(
        self, data: Mapping[str, Any], key: str, name: str, *, required: bool = True
    ) -> str | None:
        """A currency the gateway accepts, any case, read upper-case."""
        value = data.get(key)
        if value is None:
            if required:
                self.add(name, "is required: one of " + ", ".join(sorted(GATEWAY_CURRENCIES)))
            return None
        try:
            return normalize_currency(value, name)
        except ValidationError as exc:
            self.take(exc)
            return None

    def flag(self, data: Mapping[str, Any], key: str, name: str) -> bool:
        value = data.get(key)
        if value is None:
            return False
        if isinstance(value, bool):
            return value
        if not self.strict:
            if type(value) is int and value in (0, 1):
                return bool(value)
            if isinstance(value, str) and value.strip().lower() in ("true", "false", "0", "1"):
                return value.strip().lower() in ("true", "1")
        self.add(name, "must be true or false", value)
        return False

    def url(self, data: Mapping[str, Any], key: str, name: str) -> str:
        value = self.text(data, key, name)
        if value and not _URL.match(value):
            self.add(name, "must be an http:// or https:// address", value)
        return value


__all__ = [
    "BLANK_RULE",
    "CART_DESCRIPTION_MAX",
    "CART_ID_MAX",
    "MAX_RATE",
    "RATE_DECIMALS",
    "WireReader",
    "blank",
    "parse_int",
    "too_long_rule",
]
