"""Callbacks / IPNs the PT2 gateway POSTs to the merchant: signing, verifying, parsing.

The gateway signs the raw body with the server key: header ``signature`` = hex HMAC-SHA256 of
the body bytes exactly as received. Verify *before* parsing, on the raw bytes (re-serialising
the JSON would change them), and compare in constant time.

Four payload shapes exist (references 000 and 002): a plain initial payment, a tokenised one
(has ``token``), a repeat-billing agreement payment (has ``agreement_id``) and a recurring
follow-up (has ``previous_tran_ref`` / ``parentRequest``). ``CallbackPayload.kind`` says which.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from enum import StrEnum

from clickpay_desk.core import jsonwire

from .errors import BrokenResponse
from .models import Transaction

#: Name of the HTTP header carrying the signature.
SIGNATURE_HEADER = "signature"

#: Callbacks larger than this are refused unread.
MAX_CALLBACK_BYTES = 1024 * 1024


class CallbackKind(StrEnum):
    INITIAL = "initial"
    TOKENISED = "tokenised"
    AGREEMENT = "agreement"
    FOLLOW_UP = "follow_up"


@dataclass(frozen=True)
class CallbackPayload:
    """A parsed callback: which kind it is and the transaction it reports."""

    kind: CallbackKind
    transaction: Transaction

    @property
    def tran_ref(self) -> str:
        return self.transaction.tran_ref

    @property
    def cart_id(self) -> str | None:
        return self.transaction.cart_id

    @property
    def authorised(self) -> bool:
        return self.transaction.authorised


def sign(raw_body: bytes, server_key: str) -> str:
    """The ``signature`` header value for ``raw_body``: lower-case hex HMAC-SHA256."""
    return hmac.new(server_key.encode("utf-8"), raw_body, hashlib.sha256).hexdigest()


def verify_signature(raw_body: bytes, signature_header: str | None, server_key: str) -> bool:
    """True when ``signature_header`` is the body's HMAC under ``server_key`` (constant time)."""
    if not signature_header or not server_key:
        return False
    expected = sign(raw_body, server_key).encode("ascii")
    given = signature_header.strip().lower().encode("utf-8", "replace")
    return hmac.compare_digest(expected, given)


def callback_kind(transaction: Transaction) -> CallbackKind:
    """Classify a callback transaction. A follow-up may also carry a token (reference 002)."""
    if transaction.previous_tran_ref or transaction.parent_tran_ref:
        return CallbackKind.FOLLOW_UP
    if transaction.agreement_id:
        return CallbackKind.AGREEMENT
    if transaction.token:
        return CallbackKind.TOKENISED
    return CallbackKind.INITIAL


def parse_callback(raw: bytes | str) -> CallbackPayload:
    """Parse a callback body. Raises ``BrokenResponse`` (naming the field) when it is unusable.

    This does not check the signature: call ``verify_signature`` on the same bytes first.
    """
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    if len(raw) > MAX_CALLBACK_BYTES:
        raise BrokenResponse("The callback body is too large to be a payment notification.")
    problem: str | None = None
    try:
        payload = jsonwire.loads(raw)
    except jsonwire.JsonUnreadable as exc:
        problem = str(exc)
    if problem is not None:
        raise BrokenResponse("The callback body is not valid JSON.", detail=problem)
    broken: BrokenResponse | None = None
    try:
        transaction = Transaction.from_wire(payload)
    except BrokenResponse as exc:
        broken = exc
    if broken is not None:
        raise BrokenResponse(
            f"The callback cannot be used: {broken.user_message.replace('the answer', 'the body')}."
        )
    return CallbackPayload(callback_kind(transaction), transaction)
