"""Tolerant readers for fields of gateway JSON, strict where a field is mandatory.

Real traffic is loose (reference samples send ids as numbers or strings, amounts as "9.50" or
9.5, statuses in any case), so the readers accept every reasonable spelling and ignore fields
they do not know. A mandatory field that is missing or unusable raises ``BrokenResponse`` naming
the field. Nothing here raises anything else, whatever the input: the parsers are fuzzed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from ..core.money import parse_decimal
from ..core.rules import ValidationError
from .errors import BrokenResponse


def missing(field: str) -> BrokenResponse:
    return BrokenResponse(f"{field} is missing")


def invalid(field: str) -> BrokenResponse:
    return BrokenResponse(f"{field} has an unusable value")


class Fields:
    """Read fields of one JSON object; ``where`` prefixes field names in messages."""

    def __init__(self, data: Any, where: str = "") -> None:
        if not isinstance(data, Mapping):
            raise BrokenResponse(
                (f"{where} is" if where else "the answer is") + " not a JSON object"
            )
        self.data: Mapping[Any, Any] = data
        self.where = where

    def name(self, field: str) -> str:
        return f"{self.where}.{field}" if self.where else field

    def raw(self, *names: str) -> Any:
        """The first present, non-null value among ``names`` (aliases), or None."""
        for name in names:
            value = self.data.get(name)
            if value is not None:
                return value
        return None

    # ids ------------------------------------------------------------------------------

    def id(self, *names: str) -> str:
        """A mandatory id, normalised to text (10000010001 and "10000010001" are the same)."""
        value = self.raw(*names)
        if value is None:
            raise missing(self.name(names[0]))
        result = id_text(value)
        if result is None:
            raise invalid(self.name(names[0]))
        return result

    def opt_id(self, *names: str) -> str | None:
        value = self.raw(*names)
        return None if value is None else id_text(value)

    # text -----------------------------------------------------------------------------

    def text(self, *names: str) -> str:
        value = self.opt_text(*names)
        if value is None:
            raise missing(self.name(names[0]))
        return value

    def opt_text(self, *names: str) -> str | None:
        return scalar_text(self.raw(*names))

    # numbers ------------------------------------------------------------------------------

    def amount(self, *names: str) -> Decimal:
        value = self.opt_amount(*names)
        if value is None:
            raise missing(self.name(names[0]))
        return value

    def opt_amount(self, *names: str) -> Decimal | None:
        """An amount as Decimal ("9.50", 9.5 and Decimal all work); garbage is refused."""
        value = self.raw(*names)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        result = decimal_of(value)
        if result is None:
            raise invalid(self.name(names[0]))
        return result

    def opt_int(self, *names: str) -> int | None:
        """A whole number (count, month); tolerant: anything unusable reads as None."""
        value = self.raw(*names)
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value
        number = decimal_of(value) if isinstance(value, str | Decimal) else None
        if number is None or number != number.to_integral_value() or abs(number) > 10**15:
            return None
        return int(number)

    def opt_bool(self, *names: str) -> bool | None:
        value = self.raw(*names)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        return None

    # nesting ------------------------------------------------------------------------------

    def opt_object(self, name: str) -> Fields | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise invalid(self.name(name))
        return Fields(value, self.name(name))

    def objects(self, name: str) -> Iterator[Fields]:
        """The objects of list field ``name`` (absent/null reads as empty)."""
        value = self.data.get(name)
        if value is None:
            return
        if not isinstance(value, list):
            raise invalid(self.name(name))
        for index, item in enumerate(value):
            yield Fields(item, f"{self.name(name)}[{index}]")


def id_text(value: Any) -> str | None:
    """An id as text: strings stripped, integers (and integral decimals) in plain digits."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int):
        return str(value) if abs(value) < 10**40 else None
    if isinstance(value, Decimal):
        if not value.is_finite() or value != value.to_integral_value() or value.adjusted() > 40:
            return None
        return str(int(value))
    return None


def scalar_text(value: Any) -> str | None:
    """A scalar as text (numbers in plain digits); None for absent, empty or structured."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int):
        return str(value) if abs(value) < 10**40 else None
    if isinstance(value, Decimal):
        if not value.is_finite() or abs(value.adjusted()) > 40:
            return None
        return format(value, "f")
    return None


def decimal_of(value: Any) -> Decimal | None:
    """An amount as Decimal without going through float, or None when it is not a number."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str) and len(value) > 64:
        return None
    result: Decimal | None
    try:
        result = parse_decimal(value, "amount")
    except (ValidationError, ValueError, ArithmeticError):
        result = None
    if result is None or abs(result.adjusted()) > 40:
        return None
    return result


def canonical(value: str | None, known: Mapping[str, str]) -> str | None:
    """Normalise a status word's case/spelling to the known canonical one; unknowns pass as is."""
    if value is None:
        return None
    key = "".join(value.split()).replace("_", "").lower()
    return known.get(key, value)
