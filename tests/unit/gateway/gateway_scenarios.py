"""Failure scenarios shared by the error-mapping tests and the secret-leak test.

Each scenario scripts a fake gateway (see gateway_fakes: MockTransport handlers, not the
sandbox), makes one client call, and says which error the user must get and how many requests
the gateway may have seen (1 for every mutating call: never pay twice).
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx

from clickpay_desk.gateway.clickpay import ClickPayClient
from clickpay_desk.gateway.errors import (
    AuthenticationRefused,
    BrokenResponse,
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
from clickpay_desk.gateway.geidea import GeideaClient
from tests.unit.gateway.gateway_fakes import (
    SERVER_KEY,
    FakeGateway,
    clickpay,
    fail,
    fixture_bytes,
    geidea,
    geidea_error,
    pt2_error,
    reply,
)

INVOICE = {"cart_id": "cart_1", "cart_currency": "SAR", "cart_amount": Decimal("9.50")}
ENTRY = {"amount": Decimal("2.00"), "beneficiary_name": "Riyas Razak"}
HTML_500 = b"<!DOCTYPE html><html><body><h1>500 Internal Server Error</h1></body></html>"
HTML_200 = b"<html><head><title>Captive portal</title></head><body>Log in</body></html>"
GZIP_BOMB = gzip.compress(b'{"pad": "' + b"0" * 20_000_000 + b'"}')
TRUNCATED = b'{"invoice_id": 2072841, "invoice_link": "https://secure.paytabs.sa/payment/re'


def create(c: Any) -> Any:
    return c.create_invoice(INVOICE)


def status(c: Any) -> Any:
    return c.invoice_status("2072841")


def cancel(c: Any) -> Any:
    return c.cancel_invoice("2072841")


def payout_add(c: Any) -> Any:
    return c.payout_add("30143", "Payout-API-1", [ENTRY, ENTRY])


def pay(c: Any) -> Any:
    return c.payment_request({"cart_id": "c1", "cart_amount": Decimal("1.01")})


def g_create(c: Any) -> Any:
    return c.create({"amount": Decimal("20"), "currency": "SAR"})


def g_fetch(c: Any) -> Any:
    return c.fetch("8f67f208-7a6d-4e5c-741e-08dc400e92f5")


@dataclass
class Scenario:
    id: str
    responders: list[Callable[[httpx.Request], httpx.Response]]
    call: Callable[[Any], Any]
    expected: type[GatewayError]
    requests: int
    geidea: bool = False
    #: Extra assertions on the error.
    check: Callable[[GatewayError], None] | None = None
    #: Excluded: the error must NOT be an instance of these.
    not_expected: tuple[type[GatewayError], ...] = ()
    client_options: dict[str, Any] = field(default_factory=dict)

    def client(self, gateway: FakeGateway) -> ClickPayClient | GeideaClient:
        if self.geidea:
            return geidea(gateway, **self.client_options)
        return clickpay(gateway, **self.client_options)

    def run(self) -> tuple[GatewayError, FakeGateway]:
        gateway = FakeGateway(list(self.responders))
        client = self.client(gateway)
        try:
            self.call(client)
        except GatewayError as exc:
            return exc, gateway
        finally:
            client.close()
        raise AssertionError(f"{self.id}: no error raised")


def _field(name: str) -> Callable[[GatewayError], None]:
    def check(error: GatewayError) -> None:
        assert isinstance(error, FieldRefused)
        assert error.field == name, error.field
        assert error.http_status == 400

    return check


def _mentions(*words: str) -> Callable[[GatewayError], None]:
    def check(error: GatewayError) -> None:
        for word in words:
            assert word in str(error), (word, str(error))

    return check


def _retry_after(seconds: float) -> Callable[[GatewayError], None]:
    def check(error: GatewayError) -> None:
        assert isinstance(error, RateLimited) and error.retry_after == seconds

    return check


SCENARIOS: list[Scenario] = [
    # --- authentication
    Scenario(
        "pt2-401",
        [pt2_error(401, 1, "Authentication failed")],
        create,
        AuthenticationRefused,
        1,
        check=_mentions("server key", "PMNT0101.TEST.0001"),
    ),
    Scenario(
        "pt2-401-read-not-retried",
        [pt2_error(401, 1, "Authentication failed")],
        status,
        AuthenticationRefused,
        1,
    ),
    Scenario(
        "pt2-code-1-in-400",
        [pt2_error(400, 1, "Authentication failed")],
        status,
        AuthenticationRefused,
        1,
    ),
    Scenario(
        "geidea-401",
        [geidea_error(401, "Unauthorized")],
        g_fetch,
        AuthenticationRefused,
        1,
        geidea=True,
        check=_mentions("API password"),
    ),
    # --- not found
    Scenario(
        "pt2-404-json",
        [pt2_error(404, 4, "Invoice not found")],
        status,
        NotFound,
        1,
        check=_mentions("Invoice not found"),
    ),
    Scenario(
        "pt2-404-html-is-wrong-address",
        [reply(404, raw=b"<html>Not Found</html>", content_type="text/html")],
        status,
        BrokenResponse,
        1,
        not_expected=(NotFound,),
        check=_mentions("gateway address"),
    ),
    Scenario(
        "pt2-404-foreign-json-is-wrong-address",
        [reply(404, {"error": "no route to /payment/invoice"})],
        status,
        BrokenResponse,
        1,
        not_expected=(NotFound,),
    ),
    Scenario(
        "geidea-404",
        [geidea_error(404, "Payment intent not found")],
        g_fetch,
        NotFound,
        1,
        geidea=True,
    ),
    # --- refusals
    Scenario(
        "pt2-400-field",
        [pt2_error(400, 5, "cart_amount: must be at most 100.00")],
        create,
        FieldRefused,
        1,
        check=_field("cart_amount"),
    ),
    Scenario(
        "pt2-400-nested-field",
        [pt2_error(400, 5, "requests[1].beneficiary_account_number: not a valid IBAN")],
        payout_add,
        FieldRefused,
        1,
        check=_field("requests[1].beneficiary_account_number"),
    ),
    Scenario(
        "pt2-cancel-refused-sample",
        [reply(400, raw=fixture_bytes("000_invoice_cancel_failed_response.json"))],
        cancel,
        RequestRefused,
        1,
        not_expected=(OutcomeUnknown,),
        check=_mentions("Failed to cancel invoice"),
    ),
    Scenario(
        "pt2-error-body-with-200",
        [reply(200, {"code": 500, "message": "Failed to cancel invoice"})],
        cancel,
        RequestRefused,
        1,
        not_expected=(OutcomeUnknown,),
    ),
    Scenario(
        "pt2-400-plain",
        [pt2_error(400, 9, "Duplicate cart_id")],
        create,
        RequestRefused,
        1,
        not_expected=(FieldRefused,),
    ),
    Scenario(
        "pt2-403", [pt2_error(403, 7, "Payouts are not enabled")], payout_add, RequestRefused, 1
    ),
    Scenario(
        "pt2-400-echoes-key",
        [pt2_error(400, 9, f"bad header {SERVER_KEY}")],
        create,
        RequestRefused,
        1,
        check=_mentions("[hidden]"),
    ),
    Scenario(
        "geidea-400-field",
        [geidea_error(400, "Validation failed", "amount: must be greater than 0.01")],
        g_create,
        FieldRefused,
        1,
        geidea=True,
        check=_field("amount"),
    ),
    Scenario(
        "geidea-refusal-in-200",
        [reply(200, {"responseCode": "023", "responseMessage": "Invoice already paid"})],
        g_create,
        RequestRefused,
        1,
        geidea=True,
        not_expected=(OutcomeUnknown,),
    ),
    Scenario(
        "pt2-declined",
        [
            reply(
                200,
                {
                    "tran_ref": "TST1",
                    "payment_result": {
                        "response_status": "D",
                        "response_code": "G1",
                        "response_message": "Declined",
                    },
                },
            )
        ],
        pay,
        Declined,
        1,
    ),
    # --- rate limiting
    Scenario(
        "pt2-429-mutating",
        [reply(429, {"code": 429, "message": "Too many requests"}, headers={"retry-after": "2"})],
        create,
        RateLimited,
        1,
        check=_retry_after(2.0),
    ),
    Scenario(
        "pt2-429-read-gives-up",
        [reply(429, {}, headers={"retry-after": "0"})],
        status,
        RateLimited,
        4,
    ),
    Scenario(
        "pt2-429-read-long-retry-after",
        [reply(429, {}, headers={"retry-after": "600"})],
        status,
        RateLimited,
        1,
    ),
    # --- server errors
    Scenario(
        "pt2-500-html-mutating",
        [reply(500, raw=HTML_500, content_type="text/html")],
        create,
        OutcomeUnknown,
        1,
        check=_mentions("check its status"),
    ),
    Scenario(
        "pt2-502-json-mutating", [pt2_error(502, 502, "Bad gateway")], payout_add, OutcomeUnknown, 1
    ),
    Scenario(
        "pt2-500-html-read-gives-up",
        [reply(500, raw=HTML_500, content_type="text/html")],
        status,
        GatewayUnavailable,
        4,
        check=_mentions("4 times"),
    ),
    Scenario(
        "geidea-500-mutating", [reply(500, raw=HTML_500)], g_create, OutcomeUnknown, 1, geidea=True
    ),
    # --- unreadable answers
    Scenario(
        "pt2-200-html-read",
        [reply(200, raw=HTML_200, content_type="text/html")],
        status,
        BrokenResponse,
        1,
        not_expected=(OutcomeUnknown,),
        check=_mentions("web page"),
    ),
    Scenario(
        "pt2-200-html-mutating",
        [reply(200, raw=HTML_200, content_type="text/html")],
        create,
        UnreadableOutcome,
        1,
    ),
    Scenario(
        "pt2-200-truncated-json-mutating",
        [reply(200, raw=TRUNCATED)],
        create,
        UnreadableOutcome,
        1,
        check=_mentions("not valid JSON"),
    ),
    Scenario(
        "pt2-200-truncated-json-read",
        [reply(200, raw=b'{"invoice_status": "pa')],
        status,
        BrokenResponse,
        1,
        not_expected=(OutcomeUnknown,),
    ),
    Scenario("pt2-200-empty", [reply(200, raw=b"")], status, BrokenResponse, 1),
    Scenario(
        "pt2-200-oversized",
        [reply(200, raw=b'{"pad": "' + b"x" * 5000 + b'"}')],
        status,
        BrokenResponse,
        1,
        client_options={"max_body_bytes": 1024},
        check=_mentions("larger than 1 KB"),
    ),
    Scenario(
        "pt2-200-oversized-mutating",
        [reply(200, raw=b"[" + b"1," * 4000 + b"1]")],
        create,
        UnreadableOutcome,
        1,
        client_options={"max_body_bytes": 1024},
    ),
    Scenario(
        "pt2-200-gzip-bomb",
        [reply(200, raw=GZIP_BOMB, headers={"content-encoding": "gzip"})],
        status,
        BrokenResponse,
        1,
        client_options={"max_body_bytes": 1024 * 1024},
        check=_mentions("larger than 1 MB"),
    ),
    Scenario(
        "pt2-200-missing-invoice-id",
        [reply(200, {"invoice_link": "https://x/y"})],
        create,
        UnreadableOutcome,
        1,
        check=_mentions("invoice_id"),
    ),
    Scenario(
        "pt2-200-missing-status",
        [reply(200, {"tran_ref": "x"})],
        status,
        BrokenResponse,
        1,
        check=_mentions("invoice_status"),
    ),
    Scenario("pt2-200-array", [reply(200, [1, 2, 3])], status, BrokenResponse, 1),
    Scenario(
        "pt2-200-nan", [reply(200, raw=b'{"invoice_status": NaN}')], status, BrokenResponse, 1
    ),
    Scenario(
        "pt2-302-redirect",
        [reply(302, raw=b"", headers={"location": "https://x/login"})],
        create,
        BrokenResponse,
        1,
        not_expected=(OutcomeUnknown,),
    ),
    Scenario(
        "geidea-200-no-intent",
        [reply(200, {"responseCode": "000"})],
        g_fetch,
        BrokenResponse,
        1,
        geidea=True,
        check=_mentions("paymentIntent"),
    ),
    # --- transport faults
    Scenario(
        "connect-error-mutating",
        [fail(httpx.ConnectError, "[Errno 111] refused")],
        create,
        GatewayUnavailable,
        1,
        not_expected=(OutcomeUnknown,),
        check=_mentions("nothing was sent"),
    ),
    Scenario(
        "connect-error-read-gives-up", [fail(httpx.ConnectError)], status, GatewayUnavailable, 4
    ),
    Scenario(
        "read-timeout-mutating", [fail(httpx.ReadTimeout, "timed out")], create, OutcomeUnknown, 1
    ),
    Scenario(
        "read-timeout-read-gives-up",
        [fail(httpx.ReadTimeout, "timed out")],
        status,
        GatewayUnavailable,
        4,
    ),
    Scenario("write-timeout-mutating", [fail(httpx.WriteTimeout)], payout_add, OutcomeUnknown, 1),
    Scenario(
        "connection-lost-mutating",
        [fail(httpx.RemoteProtocolError, "Server disconnected without sending a response.")],
        cancel,
        OutcomeUnknown,
        1,
    ),
    Scenario("read-error-mutating", [fail(httpx.ReadError)], pay, OutcomeUnknown, 1),
    Scenario(
        "transport-crash-mutating",
        [fail(RuntimeError, "in-process app crashed")],
        create,
        OutcomeUnknown,
        1,
    ),
    Scenario(
        "geidea-timeout-mutating",
        [fail(httpx.ReadTimeout)],
        g_create,
        OutcomeUnknown,
        1,
        geidea=True,
    ),
    Scenario(
        "geidea-timeout-read-gives-up",
        [fail(httpx.ReadTimeout)],
        g_fetch,
        GatewayUnavailable,
        4,
        geidea=True,
    ),
]
