"""How Python values become SQLite TEXT and back: amounts, datetimes and JSON documents."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any


def money_text(value: Decimal | int) -> str:
    """An amount as exact TEXT. Floats are refused: they have already lost digits."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"amounts must be Decimal, not {type(value).__name__}")
    amount = Decimal(value)
    if not amount.is_finite():
        raise ValueError(f"amount must be a finite number, got {amount}")
    return str(amount)


def money_value(text: str) -> Decimal:
    return Decimal(text)


def optional_money_text(value: Decimal | int | None) -> str | None:
    return None if value is None else money_text(value)


def optional_money_value(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def time_text(value: datetime) -> str:
    """ISO-8601 UTC with microseconds, so text order is time order."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("datetimes in the store must be timezone-aware")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def time_value(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def optional_time_value(text: str | None) -> datetime | None:
    return None if text is None else time_value(text)


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return time_text(value) if value.tzinfo is not None else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"cannot store a {type(value).__name__} in a JSON document")


def json_text(value: Any) -> str:
    """JSON with every Decimal written as a string (exact), dates as ISO text; NaN refused."""
    return json.dumps(
        value, default=_json_default, ensure_ascii=False, allow_nan=False, separators=(",", ":")
    )


def json_value(text: str) -> Any:
    """Parse JSON with fractional numbers as Decimal, never float."""
    return json.loads(text, parse_float=Decimal)


def optional_json_value(text: str | None) -> Any:
    return None if text is None else json_value(text)
