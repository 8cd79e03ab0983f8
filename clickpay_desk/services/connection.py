""" "Does the gateway answer, and does it accept this key?" — one harmless read, no Qt.

Asks for an invoice that cannot exist. A "not found" answer proves both that the gateway is
reachable and that it accepted the credentials; a refusal of the credentials or a network failure
is turned into a sentence that says what to fix.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from clickpay_desk.core.profile import GatewayKind, Profile
from clickpay_desk.gateway.clickpay import ClickPayClient
from clickpay_desk.gateway.errors import (
    AuthenticationRefused,
    BrokenResponse,
    Cancelled,
    GatewayError,
    GatewayUnavailable,
    NotFound,
    RateLimited,
)

from .clients import build_client

#: Ids no gateway will ever have issued: a lookup must answer "not found".
PT2_PROBE_INVOICE = "999999999"
GEIDEA_PROBE_INVOICE = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True)
class ConnectionVerdict:
    """What the probe found. ``answering``: the gateway replied at all; ``key_accepted``: it
    accepted the credentials (None when that could not be told)."""

    answering: bool
    key_accepted: bool | None
    message: str

    @property
    def ok(self) -> bool:
        return self.answering and self.key_accepted is True


def check_connection(
    profile: Profile,
    secret: str | None,
    *,
    transport: Any = None,
    cancel: threading.Event | None = None,
) -> ConnectionVerdict:
    """Run the harmless read for ``profile`` with ``secret``; never raises a GatewayError."""
    secret_word = "server key" if profile.gateway is GatewayKind.CLICKPAY else "API password"
    if not secret:
        return ConnectionVerdict(
            False, None, f"No {secret_word} is saved for “{profile.name}”. Add it in Profiles."
        )
    problems = profile.problems()
    if problems:
        return ConnectionVerdict(False, None, "; ".join(p.message() for p in problems))
    try:
        _probe(profile, secret, transport=transport, cancel=cancel)
    except Cancelled:
        # Cancelled is a GatewayError too, but it says nothing about the gateway or the key.
        return ConnectionVerdict(
            False, None, "Cancelled: the connection was not checked. Test it again when ready."
        )
    except NotFound:
        return ConnectionVerdict(True, True, "The gateway answered and accepted the key.")
    except AuthenticationRefused as exc:
        # Names the key and the id already. Without an HTTP status the key was refused here,
        # before asking (empty, or characters no key has): the gateway was not heard from.
        return ConnectionVerdict(exc.http_status is not None, False, str(exc))
    except GatewayUnavailable as exc:
        return ConnectionVerdict(
            False,
            None,
            f"{exc} Is the region right ({profile.base_url})? Is this computer online?",
        )
    except RateLimited as exc:
        return ConnectionVerdict(True, None, f"The gateway answered but asks us to wait: {exc}")
    except BrokenResponse as exc:
        return ConnectionVerdict(
            True,
            None,
            f"Something answered at {profile.base_url}, but not like the gateway: {exc} "
            "Is the region right?",
        )
    except GatewayError as exc:
        # Any other definite answer came from the gateway and got past authentication.
        return ConnectionVerdict(True, True, f"The gateway answered: {exc}")
    return ConnectionVerdict(True, True, "The gateway answered and accepted the key.")


def _probe(
    profile: Profile, secret: str, *, transport: Any, cancel: threading.Event | None
) -> None:
    with build_client(profile, secret, transport) as client:
        if isinstance(client, ClickPayClient):
            client.invoice_status(PT2_PROBE_INVOICE, cancel=cancel)
        else:
            client.fetch(GEIDEA_PROBE_INVOICE, cancel=cancel)
