"""JSON as the gateways speak it, with amounts as ``Decimal`` both ways.

``json.dumps`` cannot write a ``Decimal`` as a number without going through ``float`` (which
turns 0.1 + 0.2 style values into 0.30000000000000004 and drops trailing zeros), so requests are
written by a small serializer of our own: ``Decimal('9.50')`` goes on the wire as ``9.50``,
exactly. Bodies are read with ``parse_float=Decimal`` so "9.50" and 9.50 both arrive exact.

The one JSON codec of the project: the gateway clients, the sandbox and the Geidea request
builder all use it. A ``float`` is refused: money never travels as a float.

:func:`loads_tail` reads an answer of which only the end of one long array matters (a payout
batch that lists every entry after each ``batch/add``): msgspec checks the whole document and
splits it without building the array's earlier elements, and the standard reader above decodes
the rest, so the values read are exactly what :func:`loads` would give.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import msgspec

_encode_str = json.JSONEncoder(ensure_ascii=False).encode
_encode_flat = msgspec.json.Encoder(decimal_format="number").encode
_FLAT_TYPES = (str, int, bool, type(None))


def _plain(amount: Decimal) -> bool:
    """True when ``str(amount)`` (msgspec's way) is ``format(amount, "f")`` (ours): finite, no
    positive exponent ("1E+2"), not small enough for "1E-7"."""
    exponent = amount.as_tuple().exponent
    return isinstance(exponent, int) and exponent <= 0 and amount.adjusted() >= -6


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
    elif type(value) is dict and all(
        type(k) is str and (type(v) in _FLAT_TYPES or (type(v) is Decimal and _plain(v)))
        for k, v in value.items()
    ):
        # Flat objects (a payout listing's entries, a transfer request) by msgspec: the same
        # bytes (a test compares them), five times faster, for thousands of them per call.
        out.append(_encode_flat(value).decode("utf-8"))
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


class ListTail(list[Any]):
    """The last elements of a JSON array; ``offset`` is the index of the first one in the array
    as sent (the earlier elements were checked as JSON but not decoded)."""

    def __init__(self, items: list[Any], offset: int) -> None:
        super().__init__(items)
        self.offset = offset


_SPLIT_OBJECT = msgspec.json.Decoder(dict[str, msgspec.Raw])
_SPLIT_ARRAY = msgspec.json.Decoder(list[msgspec.Raw])


def loads_tail(raw: bytes | str, key: str, keep: int) -> Any:
    """:func:`loads`, except that of the top-level object's array ``key`` only the last ``keep``
    elements are decoded, as a :class:`ListTail`.

    Every byte is still checked to be JSON. A document of another shape (not an object, ``key``
    not an array), or one msgspec refuses, is read whole by :func:`loads`: the same answer, or
    the same ``JsonUnreadable``, as before.
    """
    try:
        fields = _SPLIT_OBJECT.decode(raw)
        listed = fields.get(key)
        items = None if listed is None else _SPLIT_ARRAY.decode(listed)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return loads(raw)
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if name == key and items is not None:
            start = max(0, len(items) - max(0, keep))
            # One decode for the kept elements (each alone costs a decoder per element).
            kept = b",".join(bytes(item) for item in items[start:])
            out[name] = ListTail(loads(b"[" + kept + b"]"), start)
        else:
            out[name] = loads(bytes(value))
    return out
