"""Repeat billing (reference 002): the ``agreement`` object of a PT2 payment request and its rules.

This module is the single source of the rules of ``POST /payment/request`` (with or without an
agreement): the desk's forms, the gateway client and the sandbox all call
:func:`validate_payment_request`, and violations name the exact wire field
(``cart_amount``, ``agreement.repeat_every``).

Choices where reference 002 is silent or loose:

* ``final_amount`` is optional. Absent, ``null`` or ``0`` all mean "no final payment"; that is
  allowed for every agreement, including open-ended ones (``repeat_terms`` = 0). A final amount
  above 0 on an open-ended agreement is refused ("not applicable to unlimited term agreements").
  A negative one is always refused. An :class:`Agreement` holds ``None`` for "no final payment".
* ``first_installment_due_date`` must be strictly after ``today`` ("cannot be on or before today").
  It travels as ``dd/mm/yyyy`` (the reference's format); ISO ``yyyy-mm-dd`` is refused.
* An agreement is set up by the customer's first payment on the payment page, so a request that
  carries one must be ``tran_type`` sale or auth with ``tran_class`` ecom.
* ``initial_amount``, ``repeat_amount`` and a non-zero ``final_amount`` obey the range and
  decimals of ``cart_amount`` (0.01 to 9,999,999,999.99, the currency's minor units).
* Text fields count characters after stripping surrounding white space; blank is empty.
  ``agreement_description`` is required but has no documented length limit, so none is set.
* ``profile_id`` and the agreement's integers may be JSON numbers or digit text ("2").

Amounts in the mappings returned by :func:`agreement_to_wire` are ``Decimal`` quantized to the
currency's minor units (``Decimal("1.01")``, ``Decimal("100")`` for JPY); the JSON writer must emit
them as numbers with exactly those digits, never through float.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import IntEnum

from .money import (
    EXACT,
    MAX_AMOUNT,
    MIN_AMOUNT,
    format_amount,
    quantize,
)
from .rules import RuleViolation, ValidationError, raise_if
from .statuses import PAYMENT_PAGE_TRAN_CLASSES, PAYMENT_PAGE_TRAN_TYPES, TranClass, TranType
from .wire import CART_DESCRIPTION_MAX, CART_ID_MAX, WireReader, blank, parse_int

#: Every ``tran_type`` PT2 knows (PayTabs "tran_type" article); compared case-insensitively.
TRAN_TYPES: frozenset[str] = frozenset(TranType)
#: Every ``tran_class`` PT2 knows; compared case-insensitively.
TRAN_CLASSES: frozenset[str] = frozenset(TranClass)
#: What a request that creates an agreement may be: a charge taken on the payment page.
AGREEMENT_TRAN_TYPES: frozenset[str] = frozenset(PAYMENT_PAGE_TRAN_TYPES)
AGREEMENT_TRAN_CLASSES: frozenset[str] = frozenset(PAYMENT_PAGE_TRAN_CLASSES)

#: Wire format of ``first_installment_due_date``.
WIRE_DATE_FORMAT = "%d/%m/%Y"
_WIRE_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


class RepeatPeriod(IntEnum):
    """``repeat_period``: the unit of the interval between installments."""

    DAY = 1
    WEEK = 2
    MONTH = 3

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Agreement:
    """A repeat-billing agreement, valid by construction (except the "after today" rule).

    Amounts are ``Decimal`` at the currency's minor units; ``final_amount`` is ``None`` when
    there is no final payment (always so when ``repeat_terms`` is 0, the open-ended case).
    Construction checks every rule that does not depend on the calendar and raises
    :class:`ValidationError` with wire names; :meth:`problems` adds the due-date rule.
    """

    description: str
    currency: str
    initial_amount: Decimal
    repeat_amount: Decimal
    repeat_terms: int
    repeat_period: RepeatPeriod
    repeat_every: int
    first_installment_due_date: date
    final_amount: Decimal | None = None

    def __post_init__(self) -> None:
        found, values = _check_agreement(_as_wire_like(self), "agreement.", today=None, strict=True)
        raise_if(found)
        for name, value in values.items():
            object.__setattr__(self, name, value)

    @property
    def is_open_ended(self) -> bool:
        """True when the agreement repeats until cancelled (``repeat_terms`` = 0)."""
        return self.repeat_terms == 0

    @property
    def installment_count(self) -> int | None:
        """How many payments in all (initial, repeats, final), or ``None`` when open-ended."""
        if self.is_open_ended:
            return None
        return 1 + self.repeat_terms + (self.final_amount is not None)

    @property
    def total(self) -> Decimal | None:
        """initial + repeat_terms × repeat + final, or ``None`` for an open-ended agreement."""
        if self.is_open_ended:
            return None
        final = self.final_amount or Decimal(0)
        repeats = EXACT.multiply(self.repeat_amount, self.repeat_terms)  # exact for any term count
        return quantize(EXACT.add(EXACT.add(self.initial_amount, repeats), final), self.currency)

    def problems(self, today: date) -> list[RuleViolation]:
        """Rules that depend on the calendar: the first installment must fall after ``today``."""
        return _due_date_rule(self.first_installment_due_date, today, "agreement.")


def agreement_to_wire(agreement: Agreement) -> dict[str, object]:
    """The ``agreement`` object as PT2 takes it: amounts quantized ``Decimal``, date dd/mm/yyyy."""
    wire: dict[str, object] = {
        "agreement_description": agreement.description,
        "agreement_currency": agreement.currency,
        "initial_amount": _wire_amount(agreement.initial_amount, agreement.currency),
        "repeat_amount": _wire_amount(agreement.repeat_amount, agreement.currency),
    }
    if agreement.final_amount is not None:
        wire["final_amount"] = _wire_amount(agreement.final_amount, agreement.currency)
    wire.update(
        {
            "repeat_terms": agreement.repeat_terms,
            "repeat_period": int(agreement.repeat_period),
            "repeat_every": agreement.repeat_every,
            "first_installment_due_date": format_wire_date(agreement.first_installment_due_date),
        }
    )
    return wire


def agreement_from_wire(mapping: Mapping[str, object], *, today: date | None = None) -> Agreement:
    """Read an ``agreement`` object, tolerant of the forms real traffic uses.

    Amounts may be text ("1.01"), ``Decimal`` or JSON numbers; integers may be text ("2");
    the date is dd/mm/yyyy (or a ``date``). Raises :class:`ValidationError` listing every broken
    rule, each named like ``agreement.repeat_every``. With ``today`` the due date must also be
    after it.
    """
    if not isinstance(mapping, Mapping):
        raise ValidationError.single("agreement", "must be an object", mapping)
    found, values = _check_agreement(mapping, "agreement.", today=today, strict=False)
    raise_if(found)
    return Agreement(**values)  # type: ignore[arg-type]


def validate_payment_request(payload: Mapping[str, object], today: date) -> list[RuleViolation]:
    """Every rule of a PT2 ``POST /payment/request`` body, the agreement included when present.

    Checks profile_id, tran_type, tran_class, cart_id (1–64), cart_description (1–128),
    cart_currency (gateway list, any case), cart_amount (0.01–9,999,999,999.99 with the
    currency's decimals) and, when ``agreement`` is present and not null, every agreement rule
    plus agreement_currency = cart_currency and initial_amount = cart_amount. Other fields
    (customer_details, callback, ...) are not checked here. Returns [] when the body is valid.
    """
    if not isinstance(payload, Mapping):
        return [RuleViolation("body", "must be a JSON object", type(payload).__name__)]
    found: list[RuleViolation] = []
    r = WireReader(strict=True, found=found)
    r.identifier(payload, "profile_id", "profile_id")
    tran_type = r.choice(payload, "tran_type", "tran_type", sorted(TRAN_TYPES))
    tran_class = r.choice(payload, "tran_class", "tran_class", sorted(TRAN_CLASSES))
    r.text(payload, "cart_id", "cart_id", required=True, max_len=CART_ID_MAX)
    r.text(
        payload, "cart_description", "cart_description", required=True, max_len=CART_DESCRIPTION_MAX
    )
    currency = r.currency(payload, "cart_currency", "cart_currency")
    cart_amount = _amount(
        r, payload, "cart_amount", "", currency, minimum=MIN_AMOUNT, required=True
    )

    raw_agreement = payload.get("agreement")
    if raw_agreement is None:
        return found
    if not isinstance(raw_agreement, Mapping):
        found.append(RuleViolation("agreement", "must be an object", raw_agreement))
        return found
    if tran_type is not None and tran_type not in AGREEMENT_TRAN_TYPES:
        found.append(
            RuleViolation(
                "tran_type",
                "must be sale or auth for a repeat-billing agreement",
                payload.get("tran_type"),
            )
        )
    if tran_class is not None and tran_class not in AGREEMENT_TRAN_CLASSES:
        found.append(
            RuleViolation(
                "tran_class",
                "must be ecom for a repeat-billing agreement",
                payload.get("tran_class"),
            )
        )
    agreement_found, values = _check_agreement(
        raw_agreement, "agreement.", today=today, fallback_currency=currency, strict=True
    )
    found.extend(agreement_found)
    agreement_currency = values.get("currency")
    if currency is not None and agreement_currency is not None and agreement_currency != currency:
        found.append(
            RuleViolation(
                "agreement.agreement_currency",
                f"must be the same as cart_currency ({currency})",
                raw_agreement.get("agreement_currency"),
            )
        )
    initial = values.get("initial_amount")
    if cart_amount is not None and isinstance(initial, Decimal) and initial != cart_amount:
        found.append(
            RuleViolation(
                "agreement.initial_amount",
                f"must be the same as cart_amount ({cart_amount})",
                raw_agreement.get("initial_amount"),
            )
        )
    return found


def parse_wire_date(value: object, field: str = "first_installment_due_date") -> date:
    """Read a dd/mm/yyyy date (a ``date`` passes through); ValidationError names ``field``.

    A ``datetime`` is refused: the gateway takes a calendar day, and which day a date-time
    falls on depends on a time zone the value may not carry (and comparing it with ``today``
    would raise). Pass ``value.date()`` in the zone you mean.
    """
    if isinstance(value, datetime):
        raise ValidationError.single(
            field, "must be a calendar date (dd/mm/yyyy), not a date and time", value.isoformat()
        )
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        match = _WIRE_DATE.match(value.strip())
        if match:
            day, month, year = (int(part) for part in match.groups())
            try:
                return date(year, month, day)
            except ValueError as exc:
                raise ValidationError.single(field, "is not a real calendar date", value) from exc
    raise ValidationError.single(field, "must be a date written dd/mm/yyyy", value)


def format_wire_date(value: date) -> str:
    """dd/mm/yyyy, as PT2 takes ``first_installment_due_date``."""
    return value.strftime(WIRE_DATE_FORMAT)


# --- the rules -------------------------------------------------------------------------------

_FIELDS = {
    "description": "agreement_description",
    "currency": "agreement_currency",
    "initial_amount": "initial_amount",
    "repeat_amount": "repeat_amount",
    "final_amount": "final_amount",
    "repeat_terms": "repeat_terms",
    "repeat_period": "repeat_period",
    "repeat_every": "repeat_every",
    "first_installment_due_date": "first_installment_due_date",
}


def _as_wire_like(agreement: Agreement) -> dict[str, object]:
    return {wire: getattr(agreement, attr) for attr, wire in _FIELDS.items()}


def _check_agreement(
    raw: Mapping[str, object],
    prefix: str,
    *,
    today: date | None,
    strict: bool,
    fallback_currency: str | None = None,
) -> tuple[list[RuleViolation], dict[str, object]]:
    """Check one agreement mapping; return the violations and the values that parsed."""
    found: list[RuleViolation] = []
    values: dict[str, object] = {}
    r = WireReader(strict, found)

    def name(key: str) -> str:
        return prefix + key

    description = r.text(raw, "agreement_description", name("agreement_description"), required=True)
    if description:
        values["description"] = description
    currency = r.currency(raw, "agreement_currency", name("agreement_currency"))
    if currency is not None:
        values["currency"] = currency
    # Decimals follow the agreement's currency; when that is broken, the cart's still tells.
    money_currency = currency or fallback_currency

    for key in ("initial_amount", "repeat_amount"):
        amount = _amount(r, raw, key, prefix, money_currency, minimum=MIN_AMOUNT, required=True)
        if amount is not None:
            values[key] = amount

    terms = r.integer(
        raw, "repeat_terms", name("repeat_terms"), minimum=0, rule="must be 0 (open-ended) or more"
    )
    if terms is not None:
        values["repeat_terms"] = terms
    period = r.integer(raw, "repeat_period", name("repeat_period"))
    if period is not None:
        if period in RepeatPeriod._value2member_map_:
            values["repeat_period"] = RepeatPeriod(period)
        else:
            r.add(
                name("repeat_period"),
                "must be 1 (day), 2 (week) or 3 (month)",
                raw.get("repeat_period"),
            )
    every = r.integer(
        raw, "repeat_every", name("repeat_every"), minimum=1, rule="must be 1 or more"
    )
    if every is not None:
        values["repeat_every"] = every

    final = _amount(r, raw, "final_amount", prefix, money_currency, minimum=None, required=False)
    if final is not None:
        if final < 0:
            found.append(
                RuleViolation(
                    prefix + "final_amount", "must not be negative", raw.get("final_amount")
                )
            )
        elif final == 0:
            values["final_amount"] = None
        elif terms == 0:
            found.append(
                RuleViolation(
                    prefix + "final_amount",
                    "is not allowed when repeat_terms is 0 (open-ended agreement); "
                    "leave it out or send 0",
                    raw.get("final_amount"),
                )
            )
        elif final < MIN_AMOUNT:
            found.append(
                RuleViolation(
                    prefix + "final_amount", "must be 0 or at least 0.01", raw.get("final_amount")
                )
            )
        else:
            values["final_amount"] = final
    else:
        values["final_amount"] = None

    _total_rule(values, prefix, found)

    due_field = prefix + "first_installment_due_date"
    if blank(raw.get("first_installment_due_date")):
        found.append(RuleViolation(due_field, "is required"))
    else:
        try:
            due = parse_wire_date(raw["first_installment_due_date"], due_field)
        except ValidationError as exc:
            found.extend(exc.violations)
        else:
            values["first_installment_due_date"] = due
            if today is not None:
                found.extend(_due_date_rule(due, today, prefix))
    return found, values


def _total_rule(values: Mapping[str, object], prefix: str, found: list[RuleViolation]) -> None:
    """initial + repeat_terms × repeat_amount + final must stay within the gateway maximum.

    Each amount is within range on its own; without this ``repeat_terms`` = 10**30 would promise
    a total no gateway can hold (and no customer will pay).
    """
    terms = values.get("repeat_terms")
    initial = values.get("initial_amount")
    repeat = values.get("repeat_amount")
    final = values.get("final_amount")
    if not isinstance(terms, int) or terms <= 0:
        return
    if not isinstance(initial, Decimal) or not isinstance(repeat, Decimal):
        return
    total = EXACT.add(EXACT.multiply(repeat, terms), initial)
    if isinstance(final, Decimal):
        total = EXACT.add(total, final)
    if total > MAX_AMOUNT:
        found.append(
            RuleViolation(
                prefix + "repeat_terms",
                f"is too large: initial_amount + repeat_terms × repeat_amount + final_amount "
                f"must not exceed {MAX_AMOUNT}",
                terms,
            )
        )


def _due_date_rule(due: date, today: date, prefix: str) -> list[RuleViolation]:
    if due <= today:
        return [
            RuleViolation(
                prefix + "first_installment_due_date",
                f"must be after today ({format_wire_date(today)})",
                format_wire_date(due),
            )
        ]
    return []


# --- amounts ------------------------------------------------------------------------------


def _amount(
    r: WireReader,
    raw: Mapping[str, object],
    key: str,
    prefix: str,
    currency: str | None,
    *,
    minimum: Decimal | None,
    required: bool,
) -> Decimal | None:
    """An amount with the currency's decimals (when the currency is known) and the gateway range."""
    value = raw.get(key)
    if blank(value):
        if required:
            r.add(prefix + key, "is required")
        return None
    return r.amount(value, currency, prefix + key, minimum=minimum, maximum=MAX_AMOUNT)


def _wire_amount(amount: Decimal, currency: str) -> Decimal:
    return Decimal(format_amount(amount, currency))


__all__ = [
    "AGREEMENT_TRAN_CLASSES",
    "AGREEMENT_TRAN_TYPES",
    "CART_DESCRIPTION_MAX",
    "CART_ID_MAX",
    "TRAN_CLASSES",
    "TRAN_TYPES",
    "WIRE_DATE_FORMAT",
    "Agreement",
    "RepeatPeriod",
    "agreement_from_wire",
    "agreement_to_wire",
    "format_wire_date",
    "parse_int",
    "parse_wire_date",
    "validate_payment_request",
]
