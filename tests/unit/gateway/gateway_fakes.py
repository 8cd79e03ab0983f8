"""Fakes for the gateway client unit tests.

These tests talk to small fake gateways of their own (``httpx.MockTransport`` handlers and, for
faults only a real socket shows, tiny raw TCP servers on loopback), not to
``clickpay_desk.sandbox``: the sandbox is built in parallel to the same wire contract, and the
end-to-end runs against it belong to the e2e suite. Unit tests of a client need to script exact
bytes, status codes and faults per request, which is what these fakes do.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from clickpay_desk.gateway.clickpay import ClickPayClient
from clickpay_desk.gateway.geidea import GeideaClient
from clickpay_desk.gateway.http import RetryPolicy, Timeouts

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "reference"

#: Distinctive credentials: the secret-leak test searches every exception and log line for them.
SERVER_KEY = "SKEY-CANARY-7f3a9c2e41-DO-NOT-LEAK"
GEIDEA_PUBLIC_KEY = "a087f4ca-9890-407b-9c2f-7630836cc020"
GEIDEA_PASSWORD = "GPW-CANARY-51d0b7e3aa-DO-NOT-LEAK"
PROFILE_ID = "44537"
ACCOUNT_ID = "654"
BASE = "https://pt2.test"
GEIDEA_BASE = "https://geidea.test"

#: Near-zero backoff so retry tests run in milliseconds.
FAST_RETRY = RetryPolicy(attempts=4, base_delay=0.001, max_delay=0.002, max_retry_after=5.0)


def fixture_bytes(name: str) -> bytes:
    return (REFERENCE_DIR / name).read_bytes()


def fixture_json(name: str) -> Any:
    return json.loads(fixture_bytes(name), parse_float=Decimal)


Responder = Callable[[httpx.Request], httpx.Response]


@dataclass
class FakeGateway:
    """A scripted gateway: answers with ``responders`` in turn (the last one repeats) and
    remembers every request it saw."""

    responders: list[Responder]
    seen: list[httpx.Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.seen.append(request)
            index = min(len(self.seen), len(self.responders)) - 1
            responder = self.responders[index]
        request.read()
        return responder(request)

    @property
    def count(self) -> int:
        return len(self.seen)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def bodies(self) -> list[Any]:
        return [json.loads(r.content) if r.content else None for r in self.seen]


def script(*responders: Responder) -> FakeGateway:
    return FakeGateway(list(responders))


def reply(
    status: int = 200,
    body: Any = None,
    *,
    raw: bytes | None = None,
    headers: dict[str, str] | None = None,
    content_type: str = "application/json",
) -> Responder:
    """A responder answering ``status`` with JSON ``body`` (or ``raw`` bytes)."""
    content = raw if raw is not None else json.dumps(body).encode()

    def respond(request: httpx.Request) -> httpx.Response:
        all_headers = {"content-type": content_type}
        all_headers.update(headers or {})
        return httpx.Response(status, content=content, headers=all_headers)

    return respond


def fixture_reply(name: str, status: int = 200) -> Responder:
    return reply(status, raw=fixture_bytes(name))


def fail(exc_type: type[Exception], message: str = "boom") -> Responder:
    """A responder that raises a transport exception, as httpx would."""

    def respond(request: httpx.Request) -> httpx.Response:
        if issubclass(exc_type, httpx.RequestError):
            raise exc_type(message, request=request)
        raise exc_type(message)

    return respond


def pt2_error(status: int, code: int, message: str, trace: str = "PMNT0101.TEST.0001") -> Responder:
    return reply(status, {"code": code, "message": message, "trace": trace})


def geidea_error(status: int, message: str, detailed: str | None = None) -> Responder:
    return reply(
        status,
        {
            "responseCode": "100",
            "responseMessage": message,
            "detailedResponseCode": "100",
            "detailedResponseMessage": detailed or message,
        },
    )


def clickpay(
    gateway: FakeGateway | httpx.BaseTransport | None = None,
    *,
    base_url: str = BASE,
    retry: RetryPolicy = FAST_RETRY,
    timeout: Timeouts | float | None = None,
    max_body_bytes: int | None = None,
) -> ClickPayClient:
    transport = gateway.transport() if isinstance(gateway, FakeGateway) else gateway
    extra: dict[str, Any] = {} if max_body_bytes is None else {"max_body_bytes": max_body_bytes}
    return ClickPayClient(
        base_url,
        PROFILE_ID,
        SERVER_KEY,
        account_id=ACCOUNT_ID,
        transport=transport,
        retry=retry,
        timeout=timeout,
        **extra,
    )


def geidea(
    gateway: FakeGateway | httpx.BaseTransport | None = None,
    *,
    base_url: str = GEIDEA_BASE,
    retry: RetryPolicy = FAST_RETRY,
    timeout: Timeouts | float | None = None,
) -> GeideaClient:
    transport = gateway.transport() if isinstance(gateway, FakeGateway) else gateway
    return GeideaClient(
        base_url,
        GEIDEA_PUBLIC_KEY,
        GEIDEA_PASSWORD,
        transport=transport,
        retry=retry,
        timeout=timeout,
    )


# --------------------------------------------------------------------------- real sockets


def closed_port() -> int:
    """A loopback port nothing listens on (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RawServer:
    """A loopback TCP server that runs ``behaviour(conn)`` for each connection.

    For faults MockTransport cannot show: a peer that stalls, one that hangs up mid-answer.
    """

    def __init__(self, behaviour: Callable[[socket.socket], None]) -> None:
        self.behaviour = behaviour
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = int(self.sock.getsockname()[1])
        self.connections = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        self.sock.settimeout(0.1)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        try:
            self.behaviour(conn)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.sock.close()
        self.thread.join(timeout=2)

    def __enter__(self) -> RawServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_request(conn: socket.socket) -> bytes:
    """Read one HTTP request (headers and a Content-Length body) from ``conn``."""
    conn.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def stall(seconds: float) -> Callable[[socket.socket], None]:
    """Read the request, then say nothing for ``seconds``."""

    def behaviour(conn: socket.socket) -> None:
        read_request(conn)
        threading.Event().wait(seconds)

    return behaviour


def hang_up(conn: socket.socket) -> None:
    """Read the request, then close without answering."""
    read_request(conn)


def canned(raw_response: bytes) -> Callable[[socket.socket], None]:
    """Read the request, then send ``raw_response`` bytes and close."""

    def behaviour(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(raw_response)

    return behaviour


def http_response(status: int, body: bytes, content_type: str = "application/json") -> bytes:
    reason = {200: "OK", 400: "Bad Request", 500: "Internal Server Error"}.get(status, "X")
    return (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body


def cut_short(body: bytes, declared: int) -> Callable[[socket.socket], None]:
    """Promise ``declared`` bytes, send ``body`` (fewer), hang up."""

    def behaviour(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {declared}\r\n\r\n".encode()
            + body
        )

    return behaviour


def all_texts(values: Iterable[object]) -> str:
    return "\n".join(str(v) for v in values)
