"""Outbound callbacks (IPNs): signed, best-effort, never failing the call that caused them.

The body is the payload's JSON bytes; header ``signature`` is the hex HMAC-SHA256 of exactly
those bytes, keyed with the ClickPay server key (PT2) or the Geidea API password (Geidea), so a
receiver verifies it over the raw body it got (with ``gateway.callbacks``, as the desk does).
Delivery is one POST with a short timeout; its outcome is recorded in the state
(``GET /_sandbox/state`` → ``callbacks``) and never raised.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from clickpay_desk.core import jsonwire

from ..gateway.callbacks import SIGNATURE_HEADER, sign
from .config import SandboxConfig


@dataclass(frozen=True)
class Outbound:
    """A callback to deliver once the handler that produced it has released the lock."""

    url: str
    payload: dict[str, Any]
    key: str  # the HMAC key
    gateway: str  # "clickpay" | "geidea"


def deliver(outbound: Outbound, config: SandboxConfig, at: str) -> dict[str, Any]:
    """POST the callback; return the log record (``delivered``, ``status_code`` or ``error``)."""
    body = jsonwire.dumps(outbound.payload)
    signature = sign(body, outbound.key)
    record: dict[str, Any] = {
        "at": at,
        "gateway": outbound.gateway,
        "url": outbound.url,
        "signature": signature,
        "payload": outbound.payload,
        "delivered": False,
    }
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: signature}
    if not outbound.url.lower().startswith(("http://", "https://")):
        record["error"] = "not an http(s) URL: not sent"
        return record
    if not config.deliver_callbacks:
        record["error"] = "callback delivery is off"
        return record
    try:
        if config.callback_sender is not None:
            config.callback_sender(outbound.url, body, headers)
            record["delivered"] = True
        else:
            reply = httpx.post(
                outbound.url, content=body, headers=headers, timeout=config.callback_timeout
            )
            record["status_code"] = reply.status_code
            record["delivered"] = reply.is_success
    except Exception as exc:  # best effort: any failure is recorded, never raised
        record["error"] = f"{type(exc).__name__}: {exc}"
    return record
