"""Gateway clients (ClickPay / PayTabs PT2 and Geidea), their typed answers and one error
hierarchy. httpx only: no Qt, no database.

``clickpay.ClickPayClient`` and ``geidea.GeideaClient`` are the entry points; ``errors`` says
what can go wrong in words a user can read; ``callbacks`` signs, verifies and parses IPNs;
``batch_reads.run_reads`` refreshes many statuses with bounded concurrency.
"""

from .batch_reads import BatchReadReport, ItemResult, run_reads
from .callbacks import CallbackKind, CallbackPayload, parse_callback, sign, verify_signature
from .clickpay import ClickPayClient
from .errors import (
    AuthenticationRefused,
    BrokenResponse,
    Cancelled,
    Declined,
    FieldRefused,
    GatewayError,
    GatewayUnavailable,
    NotFound,
    OutcomeUnknown,
    RateLimited,
    RequestRefused,
    UnreadableOutcome,
)
from .geidea import GeideaClient
from .http import RetryPolicy, Timeouts

__all__ = [
    "AuthenticationRefused",
    "BatchReadReport",
    "BrokenResponse",
    "CallbackKind",
    "CallbackPayload",
    "Cancelled",
    "ClickPayClient",
    "Declined",
    "FieldRefused",
    "GatewayError",
    "GatewayUnavailable",
    "GeideaClient",
    "ItemResult",
    "NotFound",
    "OutcomeUnknown",
    "RateLimited",
    "RequestRefused",
    "RetryPolicy",
    "Timeouts",
    "UnreadableOutcome",
    "parse_callback",
    "run_reads",
    "sign",
    "verify_signature",
]
