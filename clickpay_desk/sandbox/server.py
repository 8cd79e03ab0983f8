"""The sandbox as a real HTTP server (``clickpay-desk-sandbox``), threaded, on the stdlib.

    clickpay-desk-sandbox --host 127.0.0.1 --port 0 [--state-file FILE] [credentials...]

prints ``Sandbox listening on http://HOST:PORT`` as its first line, then serves until SIGINT or
SIGTERM. :func:`start_in_thread` runs the same server on a background thread (the desk's
``--sandbox`` mode, tests) and returns it with its base URL; ``server.stop()`` ends it.

A ``drop-before-commit``/``drop-after-commit`` fault makes the app raise
:class:`~.web.ConnectionDropped`; the handler here then closes the socket without writing a
byte, so the client sees the connection end with no response.
"""

from __future__ import annotations

import argparse
import functools
import signal
import socketserver
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

from . import demo
from .app import SandboxApp, create_app
from .config import SandboxConfig
from .seed import seed_demo_data
from .web import ConnectionDropped

__all__ = ["SandboxServer", "main", "seed_demo_data", "start_in_thread"]


class _Handler(ServerHandler):
    def handle_error(self) -> None:
        if isinstance(sys.exc_info()[1], ConnectionDropped):
            self.request_handler.close_connection = True  # type: ignore[attr-defined]
            return  # nothing written: the socket closes with no answer at all
        super().handle_error()


class _RequestHandler(WSGIRequestHandler):
    quiet = True

    def handle(self) -> None:
        """One request per connection (HTTP/1.0 style), as wsgiref does, with our handler."""
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.requestline = ""
            self.request_version = ""
            self.command = ""
            self.send_error(414)
            return
        if not self.parse_request():
            return
        handler = _Handler(
            self.rfile,
            self.wfile,  # type: ignore[arg-type]
            self.get_stderr(),
            self.get_environ(),
            multithread=True,
        )
        handler.request_handler = self  # type: ignore[attr-defined]
        handler.run(self.server.get_app())  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:
        if not self.quiet:
            super().log_message(format, *args)


class SandboxServer(socketserver.ThreadingMixIn, WSGIServer):
    """A threaded WSGI server around a :class:`SandboxApp`."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, app: SandboxApp, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__((host, port), _RequestHandler)
        self.set_app(app)
        self.app = app
        self._thread: threading.Thread | None = None

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host name up (getfqdn), which can stall without DNS.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = host.decode() if isinstance(host, bytes) else str(host)
        self.server_port = int(port)
        self.setup_environ()

    @property
    def base_url(self) -> str:
        return f"http://{self.server_name}:{self.server_port}"

    def stop(self) -> None:
        """Stop serving, close the socket and write pending state (idempotent)."""
        if self._thread is not None:
            self.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self.server_close()
        self.app.close()


def start_in_thread(
    config: SandboxConfig | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    app: SandboxApp | None = None,
) -> tuple[SandboxServer, str]:
    """Serve a sandbox on a daemon thread: the server (``.stop()``, ``.app``) and its URL."""
    server = SandboxServer(app or create_app(config), host, port)
    thread = threading.Thread(
        target=functools.partial(server.serve_forever, poll_interval=0.05),
        name="sandbox-server",
        daemon=True,
    )
    server._thread = thread
    thread.start()
    return server, server.base_url


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clickpay-desk-sandbox",
        description="ClickPay (PT2) and Geidea gateway simulator, with test controls under "
        "/_sandbox/.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--server-key", default=demo.SERVER_KEY)
    parser.add_argument("--profile-id", type=int, default=demo.PROFILE_ID)
    parser.add_argument("--account-id", type=int, default=demo.ACCOUNT_ID)
    parser.add_argument("--geidea-public-key", default=demo.GEIDEA_PUBLIC_KEY)
    parser.add_argument("--geidea-api-password", default=demo.GEIDEA_API_PASSWORD)
    parser.add_argument(
        "--state-file",
        type=Path,
        default=None,
        help="keep the sandbox's data in this JSON file across restarts",
    )
    parser.add_argument(
        "--public-url",
        default=None,
        help="origin written into invoice links (default: the request's)",
    )
    parser.add_argument("--callback-timeout", type=float, default=2.0)
    parser.add_argument("--seed", action="store_true", help="add the demo data on start")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    config = SandboxConfig(
        server_key=args.server_key,
        profile_id=args.profile_id,
        account_id=args.account_id,
        geidea_public_key=args.geidea_public_key,
        geidea_api_password=args.geidea_api_password,
        state_file=args.state_file,
        public_base_url=args.public_url,
        callback_timeout=args.callback_timeout,
    )
    app = create_app(config)
    if args.seed:
        seed_demo_data(app)
    _RequestHandler.quiet = not args.verbose
    server = SandboxServer(app, args.host, args.port)
    print(f"Sandbox listening on http://{args.host}:{server.server_port}", flush=True)

    def _stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        app.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
