"""ZATCA phase-1 QR payload: TLV of seller, VAT number, time, total, VAT total, in base64."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from clickpay_desk.core.rules import ValidationError
from clickpay_desk.core.zatca import ZatcaInvoice, read_tlv


def _invoice(**changes: object) -> ZatcaInvoice:
    values: dict[str, object] = {
        "seller_name": "Bobs Records",
        "vat_number": "310122393500003",
        "timestamp": datetime(2022, 4, 25, 15, 30, tzinfo=UTC),
        "total": Decimal("1000.00"),
        "vat_total": Decimal("150.00"),
    }
    values.update(changes)
    return ZatcaInvoice(**values)  # type: ignore[arg-type]


def test_matches_the_published_example() -> None:
    # The example in ZATCA's guideline for simplified tax invoices (phase 1).
    expected = (
        "AQxCb2JzIFJlY29yZHMCDzMxMDEyMjM5MzUwMDAwMwMUMjAyMi0wNC0yNVQxNTozMDowMFoEBzEwMDAuMDAF"
        "BjE1MC4wMA=="
    )
    assert _invoice().qr_text() == expected


def test_arabic_seller_name_length_counts_bytes() -> None:
    text = _invoice(seller_name="متجر القهوة").qr_text()
    raw = base64.b64decode(text)
    assert raw[0] == 1 and raw[1] == len("متجر القهوة".encode())
    assert read_tlv(text)[1] == "متجر القهوة"


def test_time_is_written_in_utc_and_amounts_with_the_currency_decimals() -> None:
    riyadh = timezone(timedelta(hours=3))
    fields = read_tlv(
        _invoice(
            timestamp=datetime(2024, 1, 1, 3, 0, tzinfo=riyadh), total=Decimal("11.5")
        ).qr_text()
    )
    assert fields == {
        1: "Bobs Records",
        2: "310122393500003",
        3: "2024-01-01T00:00:00Z",
        4: "11.50",
        5: "150.00",
    }


@pytest.mark.parametrize("vat", ["", "31012239350000", "210122393500003", "31012239350000x"])
def test_a_bad_vat_number_is_named(vat: str) -> None:
    with pytest.raises(ValidationError, match="vat_number"):
        _invoice(vat_number=vat).qr_text()


def test_a_value_longer_than_one_length_byte_is_refused() -> None:
    with pytest.raises(ValidationError, match="seller_name"):
        _invoice(seller_name="x" * 256).tlv()
