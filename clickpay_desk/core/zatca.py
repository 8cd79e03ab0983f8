"""The Saudi e-invoicing (ZATCA phase 1, "simplified tax invoice") QR payload.

Five TLV fields, each one byte tag, one byte length (of the UTF-8 bytes), then the value;
the concatenation is base64-encoded and that text is what the QR code holds:

1 seller name, 2 VAT registration number, 3 time stamp (ISO 8601), 4 invoice total with VAT,
5 VAT total. Pure Python: no I/O.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from .money import quantize
from .rules import RuleViolation, ValidationError

#: One byte holds the length, so no value may exceed this many UTF-8 bytes.
MAX_VALUE_BYTES = 255


def _digits_only(text: str) -> bool:
    return text.isascii() and text.isdigit()


def vat_number_problem(text: str) -> str:
    """The broken rule of a Saudi VAT registration number, or "" when it is well formed."""
    vat = text.strip()
    if not (len(vat) == 15 and _digits_only(vat) and vat[0] == "3" and vat[-1] == "3"):
        return "must be 15 digits starting and ending with 3"
    return ""


@dataclass(frozen=True)
class ZatcaInvoice:
    seller_name: str
    vat_number: str
    timestamp: datetime
    total: Decimal  # with VAT
    vat_total: Decimal
    currency: str = "SAR"

    def problems(self) -> list[RuleViolation]:
        found: list[RuleViolation] = []
        if not self.seller_name.strip():
            found.append(RuleViolation("seller_name", "is required"))
        # ZATCA VAT registration numbers are 15 digits, starting and ending with 3.
        problem = vat_number_problem(self.vat_number)
        if problem:
            found.append(RuleViolation("vat_number", problem, self.vat_number))
        if self.timestamp.tzinfo is None:
            found.append(RuleViolation("timestamp", "must carry a time zone"))
        if self.total < 0 or self.vat_total < 0:
            found.append(RuleViolation("total", "must not be negative"))
        for name, value in self._values():
            if len(value.encode("utf-8")) > MAX_VALUE_BYTES:
                found.append(RuleViolation(name, f"must be at most {MAX_VALUE_BYTES} bytes"))
        return found

    def _values(self) -> list[tuple[str, str]]:
        stamp = self.timestamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return [
            ("seller_name", self.seller_name.strip()),
            ("vat_number", self.vat_number.strip()),
            ("timestamp", stamp),
            ("total", f"{quantize(self.total, self.currency):f}"),
            ("vat_total", f"{quantize(self.vat_total, self.currency):f}"),
        ]

    def tlv(self) -> bytes:
        """The five fields as TLV bytes. Raises ValidationError naming the field."""
        problems = self.problems()
        if problems:
            raise ValidationError(problems)
        out = bytearray()
        for tag, (_name, value) in enumerate(self._values(), start=1):
            data = value.encode("utf-8")
            out += bytes((tag, len(data))) + data
        return bytes(out)

    def qr_text(self) -> str:
        """What the QR code holds: the TLV bytes in base64."""
        return base64.b64encode(self.tlv()).decode("ascii")


def read_tlv(text: str) -> dict[int, str]:
    """Decode a base64 TLV payload back into {tag: value} (for checking a printed QR)."""
    raw = base64.b64decode(text, validate=True)
    fields: dict[int, str] = {}
    i = 0
    while i < len(raw):
        if i + 2 > len(raw):
            raise ValueError("truncated TLV header")
        tag, length = raw[i], raw[i + 1]
        value = raw[i + 2 : i + 2 + length]
        if len(value) != length:
            raise ValueError(f"truncated TLV value for tag {tag}")
        fields[tag] = value.decode("utf-8")
        i += 2 + length
    return fields
