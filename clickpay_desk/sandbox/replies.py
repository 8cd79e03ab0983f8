"""Error answers in each gateway's own shape, and the shared context of the handlers.

PT2 (ClickPay): HTTP 4xx ``{"code": int, "message": str, "trace": str}``. A rule failure is
HTTP 400 with code 206 and a message that *starts with the wire field name and a colon*
(``invoice.line_items[0].unit_cost: must be more than 0``); several failures are joined with
"; ", the first leading. Wrong key or foreign profile: HTTP 401 code 1.

Geidea: HTTP 400/401/404 ``{"responseCode", "responseMessage", "detailedResponseCode",
"detailedResponseMessage": "<field>: <rule>", "language": "EN"}``.

Controls (``/_sandbox/``): ``{"error": str}`` with 400, 404 or 409.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from ..core.rules import RuleViolation
from .config import SandboxConfig
from .faults import FaultBook
from .store import SandboxStore
from .web import Reply, Request, Response

PT2_AUTH_FAILED = "Authentication failed. Check authentication header."
PT2_RULE_CODE = 206
GEIDEA_SUCCESS = {
    "responseMessage": "Success",
    "detailedResponseMessage": "The operation was successful",
    "language": "EN",
    "responseCode": "000",
    "detailedResponseCode": "000",
}


@dataclass
class Context:
    """What every handler needs: settings, state (with its lock and clock), armed faults."""

    config: SandboxConfig
    store: SandboxStore
    faults: FaultBook

    def base_url(self, request: Request | None) -> str:
        if self.config.public_base_url:
            return self.config.public_base_url.rstrip("/")
        return request.base_url if request is not None else "http://127.0.0.1"


def _shown(value: object) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def wire_message(violation: RuleViolation) -> str:
    """``<field>: <rule> (got <value>)`` — the field first, always."""
    shown = "" if violation.value is None else f" (got {_shown(violation.value)})"
    return f"{violation.field}: {violation.rule}{shown}"


def joined(violations: Iterable[RuleViolation]) -> str:
    return "; ".join(wire_message(v) for v in violations)


# --- PT2 ---------------------------------------------------------------------------------------


def pt2_error(
    ctx: Context, status: int, code: int, message: str, headers: Iterable[tuple[str, str]] = ()
) -> Response:
    return Response.json(
        status, {"code": code, "message": message, "trace": ctx.store.trace()}, headers
    )


def pt2_refusal(ctx: Context, violations: Iterable[RuleViolation]) -> Reply:
    """HTTP 400 code 206 naming the first broken field first."""
    return Reply(pt2_error(ctx, 400, PT2_RULE_CODE, joined(violations)))


def pt2_not_found(ctx: Context, field: str, what: str) -> Reply:
    return Reply(pt2_error(ctx, 404, 404, f"{field}: {what}"))


def pt2_unauthorised(ctx: Context) -> Reply:
    return Reply(pt2_error(ctx, 401, 1, PT2_AUTH_FAILED))


# --- Geidea ------------------------------------------------------------------------------------


def geidea_error(
    status: int,
    code: str,
    message: str,
    detail: str,
    headers: Iterable[tuple[str, str]] = (),
) -> Response:
    return Response.json(
        status,
        {
            "responseCode": code,
            "responseMessage": message,
            "detailedResponseCode": code,
            "detailedResponseMessage": detail,
            "language": "EN",
        },
        headers,
    )


def geidea_refusal(violations: Iterable[RuleViolation]) -> Reply:
    return Reply(geidea_error(400, "001", "Invalid request", joined(violations)))


def geidea_not_found(detail: str) -> Reply:
    return Reply(geidea_error(404, "404", "Not found", detail))


def geidea_unauthorised() -> Reply:
    return Reply(
        geidea_error(
            401,
            "401",
            "Unauthorized",
            "authorization: merchant public key or API password is wrong",
        )
    )


# --- controls ----------------------------------------------------------------------------------


def control_error(status: int, message: str) -> Reply:
    return Reply(Response.json(status, {"error": message}))
