"""Fixtures for the core tests: the reference documents' sample payloads."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "reference"


def load_reference(name: str, *, decimals: bool = False) -> Any:
    """A sample payload from tests/fixtures/reference/ (floats as Decimal when ``decimals``)."""
    text = (REFERENCE_DIR / name).read_text(encoding="utf-8")
    return json.loads(text, parse_float=Decimal) if decimals else json.loads(text)


@pytest.fixture
def sample() -> Callable[..., Any]:
    """``sample("000_create_invoice_request.json", decimals=True)``: a fresh copy."""
    return load_reference
