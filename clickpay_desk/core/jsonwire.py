"""JSON as the gateways speak it, with amounts as ``Decimal`` both ways.

``json.dumps`` cannot write a ``Decimal`` as a number without going through ``float`` (which
turns 0.1 + 0.2 style values into 0.30000000000000004 and drops trailing zeros), so requests are
written by a small serializer of our own: ``Decimal('9.50')`` goes on the wire as ``9.50``,
exactly. Bodies are read with ``parse_float=Decimal`` so "9.50" and 9.50 both arrive exact.

The one JSON codec of the project: the gateway clients, the sandbox and the Geidea request
builder all use it. A ``float`` is refused: money never travels as a float.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

_encode_str = json.JSONEncoder(ensure_ascii=False).encode


def dumps(value: Any, *, floats: bool = True) -> bytes:
    """Serialise ``value`` (dicts, lists, str, int, bool, None, Decimal) to UTF-8 JSON bytes.

    Dates and datetimes are written in ISO 8601. Floats are written by their shortest repr, or
    refused with ``TypeError`` when ``floats`` is False: gateway requests carry money, and money
    never travels as a float. Non-finite numbers are refused with ``ValueError``, other types
    with ``TypeError``: both are programming errors that must never reach the wire.
    """
    parts: list[str] = []
    _write(value, parts, 0, floats)
    return "".join(parts).encode("utf-8")


def dumps_text(value: Any, *, floats: bool = True) -> str:
    """:func:`dumps` as text."""
    return dumps(value, floats=floats).decode("utf-8")


def _write(value: Any, out: list[str], depth: int, floats: bool) -> None:
    if depth > 100:
        raise ValueError("payload nested too deeply")
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_encode_str(value))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot send non-finite amount {value}")
        out.append(format(value, "f"))
    elif isinstance(value, int):
        out.append(str(int(value)))
    elif isinstance(value, float):
        if not floats:
            raise TypeError("floats are not allowed in payloads; use Decimal")
        if not math.isfinite(value):
            raise ValueError(f"cannot send non-finite number {value}")
        out.append(format(Decimal(repr(value)), "f"))
    elif isinstance(value, date | datetime):
        out.append(_encode_str(value.isoformat()))
    elif isinstance(value, Mapping):
        out.append("{")
        first = True
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"JSON object keys must be str, not {type(key).__name__}")
            if not first:
                out.append(",")
            first = False
            out.append(_encode_str(key))
            out.append(":")
            _write(item, out, depth + 1, floats)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _write(item, out, depth + 1, floats)
        out.append("]")
    else:
        raise TypeError(f"cannot send {type(value).__name__} as JSON")


class JsonUnreadable(ValueError):
    """The bytes are not one JSON document we accept."""


def _refuse_constant(name: str) -> Any:
    raise JsonUnreadable(f"non-standard JSON constant {name}")


def loads(raw: bytes | str) -> Any:
    """Parse a gateway body: numbers with a fraction become ``Decimal``; NaN/Infinity refused.

    Raises ``JsonUnreadable`` for anything that is not a JSON document (bad encoding, truncated,
    nested absurdly deep, integers with thousands of digits).
    """
    reason = ""
    try:
        return json.loads(raw, parse_float=Decimal, parse_constant=_refuse_constant)
    except JsonUnreadable as exc:
        reason = str(exc)
    except (ValueError, RecursionError, TypeError, ArithmeticError) as exc:
        # ValueError covers JSONDecodeError, UnicodeDecodeError and int digit limits.
        reason = type(exc).__name__
    # Raised outside the handler so nothing chains to the decoder's error (which holds the body).
    raise JsonUnreadable(reason)
