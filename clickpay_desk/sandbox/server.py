"""The sandbox as a real HTTP server (``clickpay-desk-sandbox``), on waitress.

    clickpay-desk-sandbox --host 127.0.0.1 --port 0 [--state-file FILE] [credentials...]

prints ``Sandbox listening on http://HOST:PORT`` as its first line, then serves until SIGINT or
SIGTERM. :func:`start_in_thread` runs the same server on a background thread (the desk's
``--sandbox`` mode, tests) and returns it with its base URL; ``server.stop()`` ends it.

Why waitress rather than the standard library's ``wsgiref``: a server every test and every new
user relies on must survive what clients do. ``wsgiref`` listens with a backlog of 5 (50 clients
at once saw connection resets), waits forever for the headers of a request line sent alone, and
gives every connection, idle or not, a thread of its own. Fixing that by hand means re-writing
the accept loop, header deadlines and an idle reaper: waitress (pure Python, no C, maintained by
the Pylons project) already does each: backlog 1024, connections held by one select loop rather
than by threads, a fixed pool of worker threads only for requests that have fully arrived,
malformed request lines answered 400, and connections quiet for ``idle_timeout`` seconds (a
half-sent request included) closed.

A ``drop-before-commit``/``drop-after-commit`` fault makes the app raise
:class:`~.web.ConnectionDropped`; the wrapper here turns it into waitress's
``ClientDisconnected``, on which waitress closes the socket without writing a byte, so the
client sees the connection end with no response.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from waitress.channel import ClientDisconnected
from waitress.server import create_server

from . import demo
from .app import SandboxApp, create_app
from .config import SandboxConfig
from .seed import seed_demo_data
from .web import ConnectionDropped

__all__ = [
    "DEFAULT_IDLE_TIMEOUT",
    "DEFAULT_THREADS",
    "SandboxServer",
    "main",
    "seed_demo_data",
    "start_in_thread",
]

#: Seconds a connection may stay quiet (between requests, or half-way through sending one)
#: before the server closes it. Above httpx's 5 s keep-alive expiry, so a pooled client
#: connection is always given up by the client first, never closed under a request.
DEFAULT_IDLE_TIMEOUT = 10
#: Worker threads: requests being answered at once. A ``delay`` fault holds one for its length.
DEFAULT_THREADS = 16
#: Connections held open at once (idle ones cost no thread); more wait in the listen backlog.
CONNECTION_LIMIT = 500
#: Bytes of one connection's answers held in memory before waitress spools them to a file.
OUTBUF_IN_MEMORY = 32 * 1024 * 1024

#: Environment variables read when the matching flag is not given (see :func:`main`).
ENVIRONMENT = {
    "server_key": "CLICKPAY_SANDBOX_SERVER_KEY",
    "profile_id": "CLICKPAY_SANDBOX_PROFILE_ID",
    "account_id": "CLICKPAY_SANDBOX_ACCOUNT_ID",
    "geidea_public_key": "CLICKPAY_SANDBOX_GEIDEA_PUBLIC_KEY",
    "geidea_api_password": "CLICKPAY_SANDBOX_GEIDEA_API_PASSWORD",
}

StartResponse = Callable[..., Any]


class _Wsgi:
    """The app as waitress calls it: drops become closed sockets; optional request log."""

    def __init__(self, app: SandboxApp, verbose: bool) -> None:
        self.app = app
        self.verbose = verbose

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        status: list[str] = []

        def recording(line: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            status.append(line)
            return start_response(line, headers, *rest)

        try:
            return self.app(environ, recording)
        except ConnectionDropped as exc:
            status.append("dropped")
            raise ClientDisconnected(str(exc)) from exc
        finally:
            if self.verbose:
                print(
                    f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')} "
                    f"{status[0] if status else '-'}",
                    file=sys.stderr,
                    flush=True,
                )


class SandboxServer:
    """A :class:`SandboxApp` behind a waitress server on one host and port."""

    def __init__(
        self,
        app: SandboxApp,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        idle_timeout: int = DEFAULT_IDLE_TIMEOUT,
        threads: int = DEFAULT_THREADS,
        verbose: bool = False,
    ) -> None:
        if idle_timeout < 1:
            raise ValueError("idle_timeout: must be at least 1 second")
        self.app = app
        # "Task queue depth is N" is waitress's note that requests waited for a worker thread:
        # expected under a crowd of test clients, not worth a warning on every run
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)
        self._server: Any = create_server(
            _Wsgi(app, verbose),
            listen=f"{_bracketed(host)}:{port}",
            threads=threads,
            channel_timeout=idle_timeout,
            # how often idle connections are looked for: a few times per idle_timeout
            cleanup_interval=max(1, idle_timeout // 4),
            connection_limit=CONNECTION_LIMIT,
            # Answers are held in memory up to this size, not spooled to a temporary file (the
            # default above 1 MB): a payout batch listing 10,000 entries is about 2 MB and is
            # answered after every batch/add.
            outbuf_overflow=OUTBUF_IN_MEMORY,
            ident="clickpay-desk-sandbox",
        )
        self.server_name = host
        self.server_port = int(self._server.effective_port)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False

    @property
    def base_url(self) -> str:
        return f"http://{_bracketed(self.server_name)}:{self.server_port}"

    def serve_forever(self) -> None:
        """Serve on this thread until :meth:`stop` (from another thread) or SIGINT."""
        self._server.run()

    def serve_in_thread(self) -> None:
        """Serve on a daemon thread of its own until :meth:`stop`."""
        thread = threading.Thread(target=self.serve_forever, name="sandbox-server", daemon=True)
        self._thread = thread
        thread.start()

    def stop(self) -> None:
        """Stop serving, close every socket and write pending state (idempotent)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        thread = self._thread
        if thread is not None and thread.is_alive():
            # close the sockets on the loop's own thread; the loop ends once none is left
            self._server.trigger.pull_trigger(self._close_sockets)
            thread.join(timeout=5)
        else:
            self._close_sockets()
        self._thread = None
        self._server.task_dispatcher.shutdown(timeout=5)
        self.app.close()

    def _close_sockets(self) -> None:
        for dispatcher in list(self._server._map.values()):
            with contextlib.suppress(OSError):  # already gone: nothing to release
                dispatcher.close()


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def start_in_thread(
    config: SandboxConfig | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    app: SandboxApp | None = None,
    idle_timeout: int = DEFAULT_IDLE_TIMEOUT,
) -> tuple[SandboxServer, str]:
    """Serve a sandbox on a daemon thread: the server (``.stop()``, ``.app``) and its URL."""
    server = SandboxServer(app or create_app(config), host, port, idle_timeout=idle_timeout)
    server.serve_in_thread()
    return server, server.base_url


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clickpay-desk-sandbox",
        description="ClickPay (PT2) and Geidea gateway simulator, with test controls under "
        "/_sandbox/. Keys given as flags are visible to every user of the machine (ps): "
        "prefer the environment variables "
        + ", ".join(ENVIRONMENT.values())
        + " or the --*-file options.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--server-key", default=None, help=f"or ${ENVIRONMENT['server_key']}")
    parser.add_argument(
        "--server-key-file", type=Path, default=None, help="read the server key from this file"
    )
    parser.add_argument("--profile-id", type=int, default=None)
    parser.add_argument("--account-id", type=int, default=None)
    parser.add_argument("--geidea-public-key", default=None)
    parser.add_argument(
        "--geidea-api-password",
        default=None,
        help=f"or ${ENVIRONMENT['geidea_api_password']}",
    )
    parser.add_argument(
        "--geidea-api-password-file",
        type=Path,
        default=None,
        help="read the Geidea API password from this file",
    )
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
    parser.add_argument(
        "--idle-timeout",
        type=int,
        default=DEFAULT_IDLE_TIMEOUT,
        help="seconds before a quiet connection is closed",
    )
    parser.add_argument("--seed", action="store_true", help="add the demo data on start")
    parser.add_argument(
        "--or-any-port",
        action="store_true",
        help="when --port is taken, listen on a free one instead of failing",
    )
    parser.add_argument(
        "--until-stdin-closes",
        action="store_true",
        help="stop when standard input ends (how clickpay-desk --sandbox runs it: the sandbox "
        "ends with the desk, even a desk that was killed)",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    return parser


def _read_secret(path: Path, what: str) -> str:
    """The first line of ``path``, stripped; a clear error naming the option otherwise."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SystemExit(f"{what}: cannot read {path}: {exc.strerror or exc}") from None
    value = text.strip().splitlines()[0].strip() if text.strip() else ""
    if not value:
        raise SystemExit(f"{what}: {path} is empty")
    return value


def _credential(
    flag: object,
    file: Path | None,
    name: str,
    option: str,
    default: object,
    environ: Mapping[str, str],
) -> str:
    """A flag, else its file, else its environment variable, else the demo value."""
    if flag is not None and file is not None:
        raise SystemExit(f"{option}: give the value or {option}-file, not both")
    if flag is not None:
        return str(flag)
    if file is not None:
        return _read_secret(file, option + "-file")
    value = environ.get(ENVIRONMENT[name], "").strip()
    return value or str(default)


def config_from_args(
    args: argparse.Namespace, environ: Mapping[str, str] | None = None
) -> SandboxConfig:
    """The sandbox's settings: flags first, then ``--*-file``, then the environment, then demo."""
    env = os.environ if environ is None else environ

    def number(flag: int | None, name: str, option: str, default: int) -> int:
        raw = _credential(flag, None, name, option, default, env)
        try:
            return int(raw)
        except ValueError:
            raise SystemExit(f"{ENVIRONMENT[name]}: must be a whole number") from None

    return SandboxConfig(
        server_key=_credential(
            args.server_key,
            args.server_key_file,
            "server_key",
            "--server-key",
            demo.SERVER_KEY,
            env,
        ),
        profile_id=number(args.profile_id, "profile_id", "--profile-id", demo.PROFILE_ID),
        account_id=number(args.account_id, "account_id", "--account-id", demo.ACCOUNT_ID),
        geidea_public_key=_credential(
            args.geidea_public_key,
            None,
            "geidea_public_key",
            "--geidea-public-key",
            demo.GEIDEA_PUBLIC_KEY,
            env,
        ),
        geidea_api_password=_credential(
            args.geidea_api_password,
            args.geidea_api_password_file,
            "geidea_api_password",
            "--geidea-api-password",
            demo.GEIDEA_API_PASSWORD,
            env,
        ),
        state_file=args.state_file,
        public_base_url=args.public_url,
        callback_timeout=args.callback_timeout,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.idle_timeout < 1:
        raise SystemExit("--idle-timeout: must be at least 1 second")
    config = config_from_args(args)
    app = create_app(config)
    try:
        server = SandboxServer(
            app, args.host, args.port, idle_timeout=args.idle_timeout, verbose=args.verbose
        )
    except OSError:
        if not args.or_any_port:
            raise
        server = SandboxServer(
            app, args.host, 0, idle_timeout=args.idle_timeout, verbose=args.verbose
        )
    if args.seed:
        seed_demo_data(server)  # once bound: the demo records' links point where it listens
    print(f"Sandbox listening on http://{args.host}:{server.server_port}", flush=True)

    def _stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    try:
        if args.until_stdin_closes:
            server.serve_in_thread()
            sys.stdin.read()  # the desk holds the other end: it closes when the desk ends
        else:
            server.serve_forever()  # waitress ends its loop on KeyboardInterrupt (SIGINT, SIGTERM)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
