"""What one sandbox instance accepts and how it behaves: credentials, ids, files, callbacks."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from . import demo

#: Delivers one callback: (url, raw JSON body, headers). Raises on failure; the return is ignored.
CallbackSender = Callable[[str, bytes, Mapping[str, str]], object]

#: PT2 ``merchantId`` the demo profile answers with (reference 002 samples carry one).
DEMO_MERCHANT_ID = 2348
#: Geidea ``merchantId`` of the demo merchant (a uuid, as in reference 003).
DEMO_GEIDEA_MERCHANT_ID = "e80ece7e-fb2a-4c0b-de94-08d8a29a107b"


@dataclass(frozen=True)
class SandboxConfig:
    """Settings of one sandbox. The defaults are the demo merchant (``sandbox/demo.py``).

    ``public_base_url`` is the origin written into invoice and payment-page links; when ``None``
    the links use the address the request came in on. ``state_file`` keeps the sandbox's data in
    a JSON file (rewritten atomically at most every 0.2 s while calls change it, and when the
    server stops) so a restarted server keeps it.
    ``callback_sender`` replaces the real HTTP delivery of callbacks (tests capture them);
    ``deliver_callbacks=False`` records callbacks in the state without sending them.
    """

    server_key: str = demo.SERVER_KEY
    profile_id: int = demo.PROFILE_ID
    account_id: int = demo.ACCOUNT_ID
    account_currency: str = "SAR"
    merchant_id: int = DEMO_MERCHANT_ID
    geidea_public_key: str = demo.GEIDEA_PUBLIC_KEY
    geidea_api_password: str = demo.GEIDEA_API_PASSWORD
    geidea_merchant_id: str = DEMO_GEIDEA_MERCHANT_ID
    public_base_url: str | None = None
    state_file: Path | None = None
    callback_timeout: float = 2.0
    deliver_callbacks: bool = True
    callback_sender: CallbackSender | None = None
