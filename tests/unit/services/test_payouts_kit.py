"""Builders for payout tests (no tests here): valid beneficiaries, saved draft batches, and a
gateway whose answers lack ``merchant_reference``."""

from __future__ import annotations

import json
from typing import Any

import httpx
from schwifty import IBAN

from clickpay_desk.core.profile import Profile
from clickpay_desk.services import payouts
from clickpay_desk.store.database import Store
from clickpay_desk.store.records import BatchRecord


def iban(n: int) -> str:
    """A valid Saudi IBAN, different for every n (Al Rajhi bank code 80)."""
    return str(IBAN.generate("SA", bank_code="80", account_code=f"{n:018d}"))


def entry(n: int, amount: str = "100.00", **extra: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "amount": amount,
        "beneficiary_name": f"Employee {n}",
        "beneficiary_country": "SA",
        "beneficiary_account_number": iban(n),
        "beneficiary_bank": "RJHISARI",
        "beneficiary_bank_branch": "",
        "beneficiary_email": f"employee{n}@example.com",
        "beneficiary_mobile_number": "+966501234567",
        "beneficiary_address1": "Riyadh",
        "beneficiary_address2": "",
        "transfer_code": "100",
    }
    values.update(extra)
    return values


def draft(
    store: Store,
    profile: Profile,
    n: int,
    *,
    chunk_size: int = 10,
    order_id: str | None = None,
    amount: str = "100.00",
) -> BatchRecord:
    assert profile.id is not None
    return payouts.save_draft_batch(
        store,
        profile,
        order_id=order_id or payouts.suggest_order_id(store, profile.id),
        account_id=profile.payout_account_id,
        currency="SAR",
        rows=[(i + 2, entry(i + 1, amount)) for i in range(n)],
        chunk_size=chunk_size,
    )


class NoMerchantReference(httpx.HTTPTransport):
    """The gateway as reference 004 documents it: no merchant_reference in its answers."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        body = response.read()
        try:
            data = json.loads(body)
        except ValueError:
            return response
        text = json.dumps(_strip(data)).encode()
        return httpx.Response(
            response.status_code, headers={"content-type": "application/json"}, content=text
        )


def _strip(value: object) -> object:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k != "merchant_reference"}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value
