"""Fixtures for the sandbox tests: an in-process sandbox, clients, captured callbacks, samples.

Tests run with ``--import-mode=importlib``, so the helpers below reach the tests through the
``kit`` fixture (this module) rather than an import.
"""

from __future__ import annotations

import base64
import copy
import json
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from clickpay_desk.core import jsonwire
from clickpay_desk.sandbox import SandboxApp, SandboxConfig, create_app, demo

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "reference"
PROFILE_ID = demo.PROFILE_ID
ACCOUNT_ID = demo.ACCOUNT_ID
SERVER_KEY = demo.SERVER_KEY


def load_reference(name: str) -> Any:
    """A reference sample (tests/fixtures/reference/), numbers with fractions as Decimal."""
    return json.loads((REFERENCE_DIR / name).read_text(encoding="utf-8"), parse_float=Decimal)


def dumps(value: Any) -> str:
    """JSON with Decimals written as numbers with their exact digits."""
    return jsonwire.dumps_text(value)


@dataclass
class Captured:
    """Callbacks the sandbox delivered (url, raw body, headers), in order."""

    calls: list[tuple[str, bytes, dict[str, str]]] = field(default_factory=list)

    def __call__(self, url: str, body: bytes, headers: Mapping[str, str]) -> None:
        self.calls.append((url, body, dict(headers)))

    @property
    def payloads(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body, _ in self.calls]


@pytest.fixture
def kit() -> Any:
    """This module: ``kit.invoice_request()``, ``kit.post(client, path, body)``, ..."""
    return sys.modules[__name__]


@pytest.fixture
def captured() -> Captured:
    return Captured()


@pytest.fixture
def app(captured: Captured) -> SandboxApp:
    return create_app(SandboxConfig(callback_sender=captured))


def _client(app: SandboxApp, headers: dict[str, str]) -> httpx.Client:
    return httpx.Client(
        transport=httpx.WSGITransport(app=app), base_url="http://sandbox.test", headers=headers
    )


@pytest.fixture
def pt2(app: SandboxApp) -> Iterator[httpx.Client]:
    """A PT2 client (``authorization: <server key>``)."""
    with _client(app, {"authorization": demo.SERVER_KEY}) as client:
        yield client


def geidea_auth(
    public_key: str = demo.GEIDEA_PUBLIC_KEY, password: str = demo.GEIDEA_API_PASSWORD
) -> str:
    return "Basic " + base64.b64encode(f"{public_key}:{password}".encode()).decode()


@pytest.fixture
def geidea(app: SandboxApp) -> Iterator[httpx.Client]:
    """A Geidea client (HTTP Basic: public key and API password)."""
    with _client(app, {"authorization": geidea_auth()}) as client:
        yield client


@pytest.fixture
def control(app: SandboxApp) -> Iterator[httpx.Client]:
    """A client without credentials, for ``/_sandbox/`` controls."""
    with _client(app, {}) as client:
        yield client


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def in_days(days: float) -> str:
    """A PT2 date-time ``days`` from now, with the +04:00 offset the samples use."""
    moment = now_utc() + timedelta(days=days)
    return moment.astimezone(timezone(timedelta(hours=4))).isoformat()


def due_date(days: int) -> str:
    """``first_installment_due_date`` ``days`` after today (dd/mm/yyyy)."""
    return (date.today() + timedelta(days=days)).strftime("%d/%m/%Y")


def invoice_request(**changes: Any) -> dict[str, Any]:
    """Reference 000's create-invoice sample with its dates moved into the future."""
    body = load_reference("000_create_invoice_request.json")
    body["invoice"].update(
        activation_date=in_days(1), expiry_date=in_days(22), due_date=in_days(21)
    )
    body.update(changes)
    return body


def payment_request(**agreement_changes: Any) -> dict[str, Any]:
    """Reference 002's payment request (with agreement), due date moved into the future."""
    body = load_reference("002_payment_request.json")
    body["agreement"]["first_installment_due_date"] = due_date(2)
    body["agreement"].update(agreement_changes)
    return body


VALID_PAYEE: dict[str, Any] = {
    "amount": Decimal("201.01"),
    "merchant_reference": "REF-1",
    "beneficiary_name": "Riyas Razak",
    "beneficiary_country": "SA",
    "beneficiary_account_number": "SA3305000068200027493000",
    "beneficiary_bank": "ALINMA",
    "beneficiary_bank_branch": "",
    "beneficiary_email": "clickpay@alinma.com",
    "beneficiary_mobile_number": "+966501234567",
    "beneficiary_address1": "Riyadh",
    "beneficiary_address2": "",
    "transfer_code": 100,
}


def payee(**changes: Any) -> dict[str, Any]:
    entry = copy.deepcopy(VALID_PAYEE)
    entry.update(changes)
    return entry


def einvoice_request() -> dict[str, Any]:
    """Reference 003's create sample with a real e-mail address and future dates."""
    body = load_reference("003_create_einvoice_request.json")
    body["customer"]["email"] = "john@example.com"
    body["activationDate"] = date.today().isoformat()
    body["expiryDate"] = (date.today() + timedelta(days=30)).isoformat()
    return body


def post(client: httpx.Client, path: str, body: Any = None) -> httpx.Response:
    """POST ``body`` as JSON (Decimals with their exact digits); no body means ``{}``."""
    return client.post(
        path,
        content=dumps(body if body is not None else {}),
        headers={"content-type": "application/json"},
    )


def put(client: httpx.Client, path: str, body: Any = None) -> httpx.Response:
    return client.put(
        path,
        content=dumps(body if body is not None else {}),
        headers={"content-type": "application/json"},
    )
