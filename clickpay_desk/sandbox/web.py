"""A very small HTTP layer for the WSGI app: requests, responses, routes, a dropped connection."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

import httpx

from clickpay_desk.core import jsonwire


class ConnectionDropped(httpx.RemoteProtocolError):
    """The sandbox hangs up without answering (faults ``drop-before-commit``/``drop-after-commit``).

    On the real HTTP server the request handler catches it and closes the socket without writing
    a byte, so a client sees "server disconnected without sending a response". In-process there
    is no socket: the WSGI app raises this exception, ``httpx.WSGITransport`` lets it propagate
    out of ``Client.send``, and because it *is* an ``httpx.RemoteProtocolError`` (hence an
    ``httpx.TransportError``) a client handles it exactly like the real drop.
    """

    def __init__(self, message: str = "Server disconnected without sending a response.") -> None:
        super().__init__(message)


class BadBody(Exception):
    """The request body is not the JSON the endpoint needs."""


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    base_url: str  # scheme://host[:port] the request came in on
    params: dict[str, str] = field(default_factory=dict)
    #: callbacks the handler wants sent once the state lock is released
    outbox: list[Any] = field(default_factory=list)
    _parsed: Any = None

    @classmethod
    def from_environ(cls, environ: dict[str, Any]) -> Request:
        headers = {
            key[5:].replace("_", "-").lower(): str(value)
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = str(environ["CONTENT_TYPE"])
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        stream = environ.get("wsgi.input")
        body = stream.read(length) if stream is not None and length > 0 else b""
        host = headers.get("host") or (
            f"{environ.get('SERVER_NAME', 'localhost')}:{environ.get('SERVER_PORT', '80')}"
        )
        path = environ.get("PATH_INFO", "") or "/"
        if isinstance(path, str):  # PEP 3333: latin-1 decoded bytes
            path = path.encode("latin-1").decode("utf-8", "replace")
        return cls(
            method=str(environ.get("REQUEST_METHOD", "GET")).upper(),
            path=path,
            query=dict(parse_qsl(str(environ.get("QUERY_STRING", "")), keep_blank_values=True)),
            headers=headers,
            body=body,
            base_url=f"{environ.get('wsgi.url_scheme', 'http')}://{host}",
        )

    def json(self) -> Any:
        """The body parsed as JSON (fractions as ``Decimal``); an empty body is ``{}``."""
        if self._parsed is None:
            if not self.body.strip():
                self._parsed = {}
            else:
                try:
                    self._parsed = jsonwire.loads(self.body)
                except (ValueError, UnicodeDecodeError) as exc:
                    raise BadBody(f"is not valid JSON ({exc})") from exc
        return self._parsed

    def json_object(self) -> dict[str, Any]:
        body = self.json()
        if not isinstance(body, dict):
            raise BadBody("must be a JSON object")
        return body


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def json(cls, status: int, value: object, headers: Iterable[tuple[str, str]] = ()) -> Response:
        return cls(
            status,
            jsonwire.dumps(value),
            [("Content-Type", "application/json; charset=utf-8"), *headers],
        )

    @property
    def status_line(self) -> str:
        try:
            phrase = HTTPStatus(self.status).phrase
        except ValueError:
            phrase = "Unknown"
        return f"{self.status} {phrase}"


class Reply(Exception):
    """Raised by a handler to answer right away (errors deep in a handler)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_line)
        self.response = response


Handler = Callable[[Request], Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler


def route(method: str, template: str, handler: Handler, *, ignore_case: bool = False) -> Route:
    """A route for ``template`` such as ``/payment/invoice/{invoice_id}/status``."""
    regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    flags = re.IGNORECASE if ignore_case else 0
    return Route(method.upper(), re.compile(f"^{regex}/?$", flags), handler)


def match(routes: Iterable[Route], request: Request) -> tuple[Route | None, bool]:
    """The route for ``request`` (path params filled in), and whether the path exists at all."""
    path_known = False
    for candidate in routes:
        found = candidate.pattern.match(request.path)
        if not found:
            continue
        path_known = True
        if candidate.method == request.method:
            request.params = found.groupdict()
            return candidate, True
    return None, path_known
