"""Never pay twice: mutating calls go out once whatever happens; reads retry with bounded,
cancellable backoff. Fake gateways (MockTransport and loopback sockets), not the sandbox."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest

from clickpay_desk.gateway.errors import (
    Cancelled,
    GatewayError,
    GatewayUnavailable,
    OutcomeUnknown,
    RateLimited,
    UnreadableOutcome,
)
from clickpay_desk.gateway.http import RetryPolicy, Timeouts
from tests.unit.gateway.gateway_fakes import (
    RawServer,
    canned,
    clickpay,
    closed_port,
    cut_short,
    fail,
    fixture_reply,
    geidea,
    hang_up,
    http_response,
    read_request,
    reply,
    script,
    stall,
)

ENTRY = {"amount": Decimal("2.00"), "beneficiary_name": "A"}

# Every mutating method of both clients.
PT2_MUTATING: dict[str, Callable[[Any], Any]] = {
    "create_invoice": lambda c: c.create_invoice({"cart_amount": Decimal("9.50")}),
    "payment_request": lambda c: c.payment_request({"cart_amount": Decimal("1.01")}),
    "cancel_invoice": lambda c: c.cancel_invoice("2072841"),
    "cancel_agreement": lambda c: c.cancel_agreement("3153"),
    "payout_new": lambda c: c.payout_new("Payout-1", [ENTRY]),
    "payout_add": lambda c: c.payout_add("12", "Payout-1", [ENTRY]),
    "payout_close": lambda c: c.payout_close("12", 1, Decimal("2.00")),
}
GEIDEA_MUTATING: dict[str, Callable[[Any], Any]] = {
    "create": lambda c: c.create({"amount": Decimal("20")}),
    "quick_create": lambda c: c.quick_create(Decimal("20"), "SAR", {"name": "J"}, "ref1"),
    "update": lambda c: c.update({"paymentIntentId": "p1", "amount": Decimal("20")}),
    "delete": lambda c: c.delete("p1"),
    "send_by_email": lambda c: c.send_by_email("p1"),
    "send_by_sms": lambda c: c.send_by_sms("p1"),
}
PT2_READS: dict[str, Callable[[Any], Any]] = {
    "invoice_status": lambda c: c.invoice_status("1"),
    "invoice_status_post": lambda c: c.invoice_status_post("1"),
    "find_invoice_by_cart_id": lambda c: c.find_invoice_by_cart_id("cart_1"),
    "query_transaction": lambda c: c.query_transaction(tran_ref="TST1"),
    "payout_query": lambda c: c.payout_query("12"),
    "payout_query_entry": lambda c: c.payout_query_entry("12", "52"),
    "payout_query_status": lambda c: c.payout_query_status("12", "paid"),
    "payout_find_by_order": lambda c: c.payout_find_by_order("Payout-1"),
}
GEIDEA_READS: dict[str, Callable[[Any], Any]] = {
    "fetch": lambda c: c.fetch("p1"),
    "search": lambda c: c.search(status="Paid"),
}

FAULTS = {
    "500": reply(500, {"code": 500, "message": "Internal error"}),
    "503-html": reply(503, raw=b"<html>down</html>", content_type="text/html"),
    "429": reply(429, {"code": 429, "message": "slow down"}, headers={"retry-after": "0"}),
    "read-timeout": fail(httpx.ReadTimeout, "timed out"),
    "connection-lost": fail(httpx.RemoteProtocolError, "Server disconnected"),
    "connect-error": fail(httpx.ConnectError, "refused"),
}


def _mutating_cases() -> list[tuple[str, str, str]]:
    cases = [("pt2", m, f) for m in PT2_MUTATING for f in FAULTS]
    return cases + [("geidea", m, f) for m in GEIDEA_MUTATING for f in FAULTS]


@pytest.mark.parametrize(("gw_kind", "method", "fault"), _mutating_cases())
def test_mutating_call_is_sent_exactly_once(gw_kind: str, method: str, fault: str) -> None:
    gateway = script(FAULTS[fault])
    client = clickpay(gateway) if gw_kind == "pt2" else geidea(gateway)
    calls = PT2_MUTATING if gw_kind == "pt2" else GEIDEA_MUTATING
    with client, pytest.raises(GatewayError) as caught:
        calls[method](client)
    assert gateway.count == 1
    if fault == "connect-error":
        assert isinstance(caught.value, GatewayUnavailable)
    elif fault == "429":
        assert isinstance(caught.value, RateLimited)
    else:
        assert isinstance(caught.value, OutcomeUnknown)


def _read_cases() -> list[tuple[str, str, str]]:
    cases = [("pt2", m, f) for m in PT2_READS for f in FAULTS]
    return cases + [("geidea", m, f) for m in GEIDEA_READS for f in FAULTS]


@pytest.mark.parametrize(("gw_kind", "method", "fault"), _read_cases())
def test_read_retries_then_gives_up(gw_kind: str, method: str, fault: str) -> None:
    gateway = script(FAULTS[fault])
    client = clickpay(gateway) if gw_kind == "pt2" else geidea(gateway)
    calls = PT2_READS if gw_kind == "pt2" else GEIDEA_READS
    with client, pytest.raises(GatewayError) as caught:
        calls[method](client)
    assert gateway.count == 4
    expected = RateLimited if fault == "429" else GatewayUnavailable
    assert type(caught.value) is expected


def test_read_recovers_after_transient_failures() -> None:
    gateway = script(
        fail(httpx.ConnectError),
        reply(502, raw=b"<html>bad gateway</html>", content_type="text/html"),
        reply(429, {}),
        fixture_reply("000_invoice_status_paid_response.json"),
    )
    with clickpay(gateway) as client:
        status = client.invoice_status("2072841")
    assert status.is_paid and gateway.count == 4


def test_backoff_grows_and_is_bounded() -> None:
    policy = RetryPolicy(attempts=6, base_delay=0.5, max_delay=4.0)
    for attempt, full in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (5, 4.0), (9, 4.0)]:
        for _ in range(50):
            delay = policy.delay(attempt)
            assert full / 2 <= delay <= full
    assert policy.delay(1, retry_after=3.0) == 3.0
    assert policy.delay(1, retry_after=1000.0) == policy.max_retry_after


def test_retry_after_is_honoured_between_read_attempts() -> None:
    gateway = script(
        reply(429, {}, headers={"retry-after": "1"}), reply(200, {"invoice_status": "paid"})
    )
    started = time.monotonic()
    with clickpay(gateway) as client:
        assert client.invoice_status("1").is_paid
    assert 0.95 <= time.monotonic() - started < 3


def test_cancel_interrupts_the_backoff_sleep_at_once() -> None:
    gateway = script(fail(httpx.ConnectError))
    cancel = threading.Event()
    slow = RetryPolicy(attempts=4, base_delay=30.0, max_delay=30.0)
    threading.Timer(0.1, cancel.set).start()
    started = time.monotonic()
    with clickpay(gateway, retry=slow) as client, pytest.raises(Cancelled):
        client.invoice_status("1", cancel=cancel)
    assert time.monotonic() - started < 2
    assert gateway.count == 1


def test_cancel_before_a_mutating_call_sends_nothing() -> None:
    gateway = script(reply(200, {"invoice_id": 1, "invoice_link": "https://x"}))
    cancel = threading.Event()
    cancel.set()
    with clickpay(gateway) as client, pytest.raises(Cancelled) as caught:
        client.create_invoice({}, cancel=cancel)
    assert gateway.count == 0 and "nothing was sent" in str(caught.value)


def test_closed_client_reports_unavailable_and_sends_nothing() -> None:
    gateway = script(reply(200, {}))
    client = clickpay(gateway)
    client.close()
    with pytest.raises(GatewayUnavailable):
        client.create_invoice({})
    assert gateway.count == 0


# --------------------------------------------------------------------------- real sockets

QUICK = Timeouts(connect=1.0, read=0.3, write=1.0, pool=1.0, total=5.0)


def test_connection_refused_is_unavailable_not_unknown() -> None:
    with clickpay(base_url=f"http://127.0.0.1:{closed_port()}", timeout=QUICK) as client:
        with pytest.raises(GatewayUnavailable) as caught:
            client.create_invoice({"cart_amount": Decimal("1.00")})
        assert not isinstance(caught.value, OutcomeUnknown)
        with pytest.raises(GatewayUnavailable) as caught:
            client.invoice_status("1")
        assert "tried 4 times" in str(caught.value)


def test_timeout_after_sending_is_unknown_for_mutating_and_retried_for_reads() -> None:
    with RawServer(stall(2.0)) as server:
        with clickpay(base_url=server.url, timeout=QUICK) as client:
            with pytest.raises(OutcomeUnknown):
                client.create_invoice({"cart_amount": Decimal("1.00")})
            assert server.connections == 1
            with pytest.raises(GatewayUnavailable):
                client.invoice_status("1")
        time.sleep(0.05)
        assert server.connections == 1 + 4


def test_hang_up_after_sending_is_unknown() -> None:
    with RawServer(hang_up) as server, clickpay(base_url=server.url, timeout=QUICK) as client:
        with pytest.raises(OutcomeUnknown):
            client.payout_new("P-1", [ENTRY])
        assert server.connections == 1


def test_answer_cut_short_is_unreadable_outcome_for_mutating() -> None:
    body = b'{"invoice_id": 2072841, "invoice_li'
    with RawServer(cut_short(body, 400)) as server:
        with clickpay(base_url=server.url, timeout=QUICK) as client:
            with pytest.raises(UnreadableOutcome):
                client.create_invoice({})
            assert server.connections == 1
            with pytest.raises(GatewayUnavailable):
                client.invoice_status("1")
        time.sleep(0.05)
        assert server.connections == 5


def test_html_500_over_a_real_socket() -> None:
    page = http_response(500, b"<html><body>Oops</body></html>", "text/html")
    with RawServer(canned(page)) as server, clickpay(base_url=server.url, timeout=QUICK) as c:
        with pytest.raises(OutcomeUnknown) as caught:
            c.cancel_invoice("1")
        assert caught.value.http_status == 500


def test_trickling_body_hits_the_total_deadline() -> None:
    def trickle(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        for _ in range(40):
            conn.sendall(b"1\r\n \r\n")
            time.sleep(0.05)

    slow = Timeouts(connect=1.0, read=1.0, write=1.0, pool=1.0, total=0.4)
    with RawServer(trickle) as server, clickpay(base_url=server.url, timeout=slow) as client:
        started = time.monotonic()
        with pytest.raises(OutcomeUnknown):
            client.payout_close("12", 1, Decimal("2.00"))
        assert time.monotonic() - started < 1.5


def test_dripping_headers_are_cut_off_at_the_deadline() -> None:
    def drip(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        for n in range(200):  # a header line every 50 ms: each read waits far less than `read`
            conn.sendall(f"X-Slow-{n}: 1\r\n".encode())
            time.sleep(0.05)

    slow = Timeouts(connect=1.0, read=1.0, write=1.0, pool=1.0, total=0.5, call=1.2)
    with RawServer(drip) as server, clickpay(base_url=server.url, timeout=slow) as client:
        started = time.monotonic()
        with pytest.raises(OutcomeUnknown):
            client.create_invoice({"cart_amount": Decimal("1.00")})
        assert time.monotonic() - started < 1.0
        assert server.connections == 1
        started = time.monotonic()
        with pytest.raises(GatewayUnavailable):
            client.invoice_status("1")
        # All attempts of a read together stop by `call`, not attempts × total.
        assert time.monotonic() - started < 1.6


def test_default_deadlines_are_ones_a_person_waits_for() -> None:
    defaults = Timeouts()
    assert defaults.total <= 20 and defaults.call <= 30
