"""With ``--sandbox``: the built-in simulator's demo invoices, shown in the desk on first start.

PT2 has no "list my invoices" call, so the ClickPay demo invoices the simulator was seeded with
would never appear in the desk's list. The simulator's own state (its ``/_sandbox/state``
control, which only the sandbox has) names them with the request each was created from; they
are copied into the local store once per profile. Geidea's demo invoices come in through the
documented search instead (``geidea_invoices.search_all``).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from clickpay_desk.core.profile import GatewayKind, Profile
from clickpay_desk.store.database import Store
from clickpay_desk.store.records import InvoiceRecord

from .refunds import PAYMENT_KEY

_DONE_KEY = "sandbox_demo_invoices:{profile_id}"


def import_demo_invoices(
    store: Store, profile: Profile, sandbox_url: str | None, *, timeout: float = 5.0
) -> int:
    """Copy the simulator's ClickPay invoices into the store, once; returns how many."""
    if (
        sandbox_url is None
        or profile.id is None
        or profile.gateway is not GatewayKind.CLICKPAY
        or profile.base_url.rstrip("/") != sandbox_url.rstrip("/")
    ):
        return 0
    key = _DONE_KEY.format(profile_id=profile.id)
    if store.get_setting(key):
        return 0
    with httpx.Client(base_url=sandbox_url, timeout=timeout) as client:
        answer = client.get("/_sandbox/state")
        answer.raise_for_status()
        state: dict[str, Any] = answer.json()
    count = 0
    for item in state.get("invoices") or ():
        record = _record(profile.id, item)
        if record is not None and store.find_invoice(profile.id, record.remote_id or "") is None:
            store.upsert_invoice(record)
            count += 1
    store.set_setting(key, True)
    return count


def _record(profile_id: int, item: Any) -> InvoiceRecord | None:
    if not isinstance(item, dict) or not isinstance(item.get("request"), dict):
        return None
    try:
        amount = Decimal(str(item["cart_amount"]))
    except (KeyError, InvalidOperation):
        return None
    payload = dict(item["request"])
    if item.get("tran_ref"):
        payload[PAYMENT_KEY] = {"tran_ref": item["tran_ref"]}
    return InvoiceRecord(
        id=None,
        profile_id=profile_id,
        gateway=GatewayKind.CLICKPAY,
        cart_id=str(item.get("cart_id") or item["invoice_id"]),
        remote_id=str(item["invoice_id"]),
        link=item.get("invoice_link"),
        currency=str(item.get("cart_currency") or "SAR"),
        amount=amount,
        status=str(item.get("status") or "pending"),
        payload=payload,
    )
