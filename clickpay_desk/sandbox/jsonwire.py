"""JSON as the gateways speak it: numbers come in as ``Decimal`` and go out with their digits.

``json`` cannot write a ``Decimal`` as a number on its own; going through ``float`` would lose
digits (and write ``20.0`` for ``Decimal("20.00")``). :func:`dumps` writes every ``Decimal``
verbatim (``20.00`` stays ``20.00``), :func:`loads` reads every non-integer number as ``Decimal``,
so the state file round-trips exactly.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

# A Decimal is first written as a marked string, then the marks are swapped for the bare digits.
# json always escapes U+0000, so the marked form cannot come from ordinary text.
_MARK = "\x00decimal\x00"
_MARKED = re.compile(r'"\\u0000decimal\\u0000(-?[0-9]+(?:\.[0-9]+)?)"')


def _default(value: object) -> object:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise TypeError(f"cannot write {value} as a JSON number")
        return f"{_MARK}{value:f}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(value: object, *, indent: int | None = None) -> str:
    """JSON text with every ``Decimal`` written as a number with exactly its digits."""
    text = json.dumps(value, default=_default, ensure_ascii=False, indent=indent)
    return _MARKED.sub(r"\1", text)


def dumps_bytes(value: object) -> bytes:
    """:func:`dumps`, UTF-8 encoded."""
    return dumps(value).encode("utf-8")


def loads(raw: bytes | str) -> Any:
    """Parse JSON, reading fractional numbers as ``Decimal`` (never ``float``)."""
    return json.loads(raw, parse_float=Decimal)
