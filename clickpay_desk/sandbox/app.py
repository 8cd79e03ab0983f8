"""The sandbox as a WSGI application: both gateways, the controls, faults, callbacks.

In-process use (tests, the desk's ``--sandbox`` mode)::

    app = create_app()
    client = httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://sandbox")

A dropped connection (faults ``drop-before-commit``/``drop-after-commit``) has no socket to close
in-process: the app raises :class:`~.web.ConnectionDropped`, an ``httpx.RemoteProtocolError``,
which ``httpx.WSGITransport`` lets through ``Client.send`` unchanged, so the caller sees the same
transport error as from the real server (:mod:`.server` closes the socket instead).
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any

import httpx

from clickpay_desk.core import jsonwire

from ..core.rules import ValidationError
from .callbacks import Outbound, deliver
from .config import SandboxConfig
from .controls import Controls
from .faults import Fault, FaultBook
from .geidea import Geidea
from .pages import Pages
from .payouts import Payouts
from .pt2 import ClickPay, iso_z
from .replies import (
    Context,
    geidea_error,
    geidea_refusal,
    pt2_error,
    pt2_refusal,
)
from .store import SandboxStore
from .web import ConnectionDropped, Reply, Request, Response, Route, match

log = logging.getLogger(__name__)

HTML_500 = (
    b"<!DOCTYPE html>\n<html><head><title>500 Internal Server Error</title></head>"
    b"<body><h1>Internal Server Error</h1><p>The server encountered an internal error and was "
    b"unable to complete your request.</p><hr><address>nginx</address></body></html>\n"
)
#: How many callback deliveries ``/_sandbox/state`` keeps.
CALLBACK_LOG_LIMIT = 1000

StartResponse = Callable[..., Any]


def _gateway_of(path: str) -> str:
    return "geidea" if path.lower().startswith("/payment-intent/") else "clickpay"


class SandboxApp:
    """Both gateway simulators behind one WSGI callable."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.store = SandboxStore(self.config.state_file)
        self.faults = FaultBook()
        self.ctx = Context(self.config, self.store, self.faults)
        self.clickpay = ClickPay(self.ctx)
        self.payouts = Payouts(self.ctx, self.clickpay)
        self.geidea = Geidea(self.ctx)
        self.pages = Pages(self.ctx, self.clickpay, self.geidea)
        self.controls = Controls(self.ctx, self.clickpay, self.payouts, self.geidea, self._seed)
        self._gateway_routes: list[Route] = [
            *self.clickpay.routes(),
            *self.payouts.routes(),
            *self.geidea.routes(),
            *self.pages.routes(),
        ]
        self._control_routes = self.controls.routes()
        self._callback_lock = threading.Lock()

    # --- WSGI ----------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        response = self.handle(Request.from_environ(environ))
        headers = [*response.headers, ("Content-Length", str(len(response.body)))]
        start_response(response.status_line, headers)
        return [response.body]

    def transport(self) -> httpx.WSGITransport:
        """An httpx transport that runs this app in-process."""
        return httpx.WSGITransport(app=self)

    def handle(self, request: Request) -> Response:
        """Answer one request: controls directly, gateway calls through latency and faults."""
        if request.path == "/_sandbox" or request.path.startswith("/_sandbox/"):
            return self._run(self._control_routes, request, "control")
        latency = self.faults.latency
        if latency > 0:
            time.sleep(latency)
        fault = self.faults.take(request.method, request.path)
        gateway = _gateway_of(request.path)
        if fault is not None:
            early = self._before(fault, gateway)
            if early is not None:
                return early
        response = self._run(self._gateway_routes, request, gateway)
        if fault is not None:
            response = self._after(fault, response)
        return response

    def call(
        self,
        method: str,
        path: str,
        body: object = None,
        *,
        headers: Mapping[str, str] | None = None,
        base_url: str | None = None,
    ) -> Response:
        """Run one gateway or control call in-process, without latency or faults (seeding).
        ``base_url`` is the origin the links in the answer point at (the serving address)."""
        request = Request(
            method=method.upper(),
            path=path,
            query={},
            headers={k.lower(): v for k, v in (headers or {}).items()},
            body=b"" if body is None else jsonwire.dumps(body),
            base_url=base_url or self.ctx.base_url(None),
        )
        if path.startswith("/_sandbox/"):
            return self._run(self._control_routes, request, "control")
        return self._run(self._gateway_routes, request, _gateway_of(path))

    def pt2_headers(self) -> dict[str, str]:
        return {"authorization": self.config.server_key}

    def geidea_headers(self) -> dict[str, str]:
        pair = f"{self.config.geidea_public_key}:{self.config.geidea_api_password}"
        return {"authorization": "Basic " + base64.b64encode(pair.encode()).decode()}

    # --- faults --------------------------------------------------------------------------------

    def _before(self, fault: Fault, gateway: str) -> Response | None:
        """Faults that act before the call runs; None lets it run."""
        if fault.mode == "delay":
            time.sleep(fault.seconds)
            return None
        if fault.mode == "drop-before-commit":
            raise ConnectionDropped()
        if fault.mode == "html-500":
            return Response(500, HTML_500, [("Content-Type", "text/html; charset=utf-8")])
        if fault.mode == "rate-limit":
            retry = [("Retry-After", str(fault.retry_after))]
            text = f"retry after {fault.retry_after} seconds"
            if gateway == "geidea":
                return geidea_error(429, "429", "Too Many Requests", f"rate limit: {text}", retry)
            return pt2_error(self.ctx, 429, 429, f"Too many requests: {text}", retry)
        return None

    @staticmethod
    def _after(fault: Fault, response: Response) -> Response:
        """Faults that act once the call has had its effect."""
        if fault.mode == "drop-after-commit":
            raise ConnectionDropped()
        if fault.mode == "truncated-json":
            cut = max(1, len(response.body) // 2)
            return Response(200, response.body[:cut], list(response.headers))
        if fault.mode == "oversized-body":
            return Response(200, response.body + b" " * fault.size, list(response.headers))
        return response

    # --- dispatch ------------------------------------------------------------------------------

    def _run(self, routes: list[Route], request: Request, kind: str) -> Response:
        found, path_known = match(routes, request)
        if found is None:
            return self._no_route(request, kind, path_known)
        try:
            with self.store.lock:
                try:
                    response = found.handler(request)
                finally:
                    self.store.flush_soon()
        except Reply as reply:
            response = reply.response
        except ValidationError as exc:  # a rule the handler did not expect to fail
            refusal = (
                geidea_refusal(exc.violations)
                if kind == "geidea"
                else pt2_refusal(self.ctx, exc.violations)
            )
            response = refusal.response
        except ConnectionDropped:
            raise
        except Exception as exc:
            log.exception("sandbox handler failed: %s %s", request.method, request.path)
            message = f"sandbox error: {type(exc).__name__}: {exc}"
            if kind == "geidea":
                response = geidea_error(500, "500", "Internal error", message)
            elif kind == "control":
                response = Response.json(500, {"error": message})
            else:
                response = pt2_error(self.ctx, 500, 500, message)
        if request.outbox:
            self._deliver(request.outbox)
        return response

    def _no_route(self, request: Request, kind: str, path_known: bool) -> Response:
        status = 405 if path_known else 404
        what = (
            f"method: {request.method} is not allowed on {request.path}"
            if path_known
            else f"path: no endpoint {request.path}"
        )
        if kind == "geidea":
            return geidea_error(status, str(status), "Not found", what)
        if kind == "control":
            return Response.json(status, {"error": what})
        return pt2_error(self.ctx, status, status, what)

    def _deliver(self, outbox: list[Any]) -> None:
        """Send callbacks outside the state lock (a receiver may call the sandbox back)."""
        for outbound in outbox:
            if not isinstance(outbound, Outbound):
                continue
            record = deliver(outbound, self.config, iso_z(self.store.now()))
            with self.store.lock:
                log_list: list[Any] = self.store.data["callbacks"]
                log_list.append(record)
                del log_list[:-CALLBACK_LOG_LIMIT]
                self.store.touch()
                self.store.flush_soon()

    def _seed(self) -> dict[str, Any]:
        from .seed import seed_demo_data

        return seed_demo_data(self)

    def close(self) -> None:
        """Write pending state to the state file now (what a stopping server does)."""
        self.store.flush()

    def snapshot(self) -> dict[str, Any]:
        """What ``GET /_sandbox/state`` answers."""
        with self.store.lock:
            return self.controls.snapshot()


def create_app(config: SandboxConfig | None = None, **overrides: Any) -> SandboxApp:
    """A sandbox WSGI app; ``overrides`` replace fields of ``config`` (or of the demo config)."""
    base = config or SandboxConfig()
    if overrides:
        base = replace(base, **overrides)
    return SandboxApp(base)


__all__ = ["SandboxApp", "create_app"]
