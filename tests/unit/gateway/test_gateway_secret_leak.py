"""No exception text, repr, args, chained cause/context, attribute or log line ever contains the
server key or the Geidea API password (nor its Basic-auth encoding).

Runs every failure scenario of the error-mapping suite (auth failures, refusals, unreadable
answers, retries that give up) plus real-socket faults (connection refused, timeouts, hang-ups,
answers cut short), with DEBUG logging on for every logger (httpx and httpcore included), and
searches everything it captured for the credentials.
"""

from __future__ import annotations

import base64
import logging
import pickle
import traceback
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest

from clickpay_desk.gateway.clickpay import ClickPayClient
from clickpay_desk.gateway.errors import GatewayError
from clickpay_desk.gateway.geidea import GeideaClient
from clickpay_desk.gateway.http import Timeouts
from tests.unit.gateway.gateway_fakes import (
    GEIDEA_PASSWORD,
    GEIDEA_PUBLIC_KEY,
    SERVER_KEY,
    RawServer,
    canned,
    clickpay,
    closed_port,
    cut_short,
    geidea,
    hang_up,
    http_response,
    pt2_error,
    reply,
    script,
    stall,
)
from tests.unit.gateway.gateway_scenarios import SCENARIOS

BASIC = base64.b64encode(f"{GEIDEA_PUBLIC_KEY}:{GEIDEA_PASSWORD}".encode()).decode()
NEEDLES = (SERVER_KEY, GEIDEA_PASSWORD, BASIC, f"{GEIDEA_PUBLIC_KEY}:{GEIDEA_PASSWORD}")
QUICK = Timeouts(connect=1.0, read=0.3, write=1.0, pool=1.0, total=3.0)


def leaks(text: str) -> list[str]:
    return [needle for needle in NEEDLES if needle in text]


def exception_texts(error: BaseException, seen: set[int] | None = None) -> Iterator[str]:
    """Every text an exception can show: str, repr, args, attributes, traceback, and the same
    for its cause and context chain."""
    seen = set() if seen is None else seen
    if id(error) in seen:
        return
    seen.add(id(error))
    yield str(error)
    yield repr(error)
    yield repr(error.args)
    for name, value in vars(error).items():
        yield f"{name}={value!r}"
        yield str(value)
    yield "".join(traceback.format_exception(error))
    yield (
        repr(pickle.loads(pickle.dumps(error)).__dict__) if isinstance(error, GatewayError) else ""
    )
    for linked in (error.__cause__, error.__context__):
        if linked is not None:
            yield from exception_texts(linked, seen)


def log_texts(records: list[logging.LogRecord]) -> Iterator[str]:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    for record in records:
        yield record.getMessage()
        yield repr(record.args)
        yield formatter.format(record)  # includes exc_info tracebacks
        yield repr(vars(record))


def test_the_search_would_find_a_leak() -> None:
    """Guard against a search that cannot fail."""
    error = RuntimeError(f"auth {SERVER_KEY}")
    wrapped = ValueError("outer")
    wrapped.__context__ = error
    assert leaks("\n".join(exception_texts(wrapped)))
    assert leaks(f"Authorization: Basic {BASIC}")


def _run(call: Callable[[], Any], errors: list[BaseException]) -> None:
    try:
        call()
    except GatewayError as exc:
        errors.append(exc)


def test_no_credential_in_any_error_or_log_line(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[BaseException] = []
    wire_saw_the_key = False

    # 1. Every scripted scenario of the error-mapping suite.
    for scenario in SCENARIOS:
        error, gateway = scenario.run()
        errors.append(error)
        for request in gateway.seen:
            header = request.headers.get("authorization", "")
            wire_saw_the_key |= header == SERVER_KEY or header == f"Basic {BASIC}"

    # 2. Hostile answers quoting the credentials back, in every place they can appear.
    hostile = [
        pt2_error(401, 1, f"Authentication failed for key {SERVER_KEY}", trace=SERVER_KEY),
        reply(400, {"code": 5, "message": f"authorization: {SERVER_KEY} is malformed"}),
        reply(500, raw=f"<html>{SERVER_KEY}</html>".encode(), content_type="text/html"),
        reply(200, raw=f'{{"invoice_id": "{SERVER_KEY}'.encode()),
        reply(429, {"message": SERVER_KEY}, headers={"retry-after": SERVER_KEY}),
    ]
    for responder in hostile:
        with clickpay(script(responder)) as client:
            _run(lambda c=client: c.create_invoice({"cart_amount": Decimal("1.00")}), errors)
            _run(lambda c=client: c.invoice_status("1"), errors)
    geidea_hostile = reply(
        400,
        {
            "responseCode": "401",
            "responseMessage": f"Bad credentials {BASIC}",
            "detailedResponseMessage": f"password {GEIDEA_PASSWORD} rejected",
        },
    )
    with geidea(script(geidea_hostile)) as client:
        _run(lambda: client.create({"amount": Decimal("1")}), errors)
        _run(lambda: client.fetch("p1"), errors)

    # 3. Real sockets: httpx/httpcore raise their own exceptions (which carry the request).
    behaviours = [
        stall(1.5),
        hang_up,
        cut_short(b'{"invoice_id": 1', 200),
        canned(http_response(500, b"<html>oops</html>", "text/html")),
    ]
    for behaviour in behaviours:
        with RawServer(behaviour) as server:
            with clickpay(base_url=server.url, timeout=QUICK) as pt2:
                _run(lambda c=pt2: c.create_invoice({"cart_amount": Decimal("1")}), errors)
                _run(lambda c=pt2: c.query_transaction(tran_ref="T1"), errors)
            with geidea(base_url=server.url, timeout=QUICK) as gd:
                _run(lambda c=gd: c.send_by_sms("p1"), errors)
                _run(lambda c=gd: c.search(status="Paid"), errors)
    refused = f"http://127.0.0.1:{closed_port()}"
    with (
        clickpay(base_url=refused, timeout=QUICK) as pt2,
        geidea(base_url=refused, timeout=QUICK) as gd,
    ):
        _run(lambda: pt2.payout_new("o", []), errors)
        _run(lambda: pt2.invoice_status("1"), errors)
        _run(lambda: gd.fetch("p1"), errors)
    # 4. Credentials refused locally.
    for bad in (f"{SERVER_KEY}\u0660", f"{SERVER_KEY}\n{SERVER_KEY}"):
        _run(lambda k=bad: ClickPayClient("https://pt2.test", "1", k), errors)
        _run(lambda k=bad: GeideaClient("https://g.test", GEIDEA_PUBLIC_KEY, k), errors)

    assert wire_saw_the_key, "the fakes must have received the credentials for this to mean much"
    assert len(errors) > len(SCENARIOS) + 30
    found = {
        text_leak
        for error in errors
        for text in exception_texts(error)
        for text_leak in leaks(text)
    }
    assert not found, f"credentials leaked into exceptions: {found}"

    records = caplog.records
    assert any(r.name.startswith("httpcore") for r in records), "DEBUG logging was not captured"
    assert any("retry" in r.getMessage() for r in records)
    logged = {leak for text in log_texts(records) for leak in leaks(text)}
    assert not logged, f"credentials leaked into log records: {logged}"
