"""The real server survives what clients do: crowds, silence, half requests, absurd controls."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from clickpay_desk.sandbox import SandboxConfig, SandboxServer, demo, start_in_thread
from clickpay_desk.sandbox.server import _parser, config_from_args


@pytest.fixture
def served() -> Iterator[tuple[SandboxServer, str]]:
    server, base_url = start_in_thread(SandboxConfig(deliver_callbacks=False), idle_timeout=1)
    try:
        yield server, base_url
    finally:
        server.stop()


def _connect(server: SandboxServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.server_port), timeout=10)


def _read_until_closed(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


@pytest.mark.parametrize("value", ["1e400", "-1e400", "1E+999999", "10" + "0" * 400, "2.5"])
def test_absurd_fault_counts_are_a_clear_400(control: httpx.Client, value: str) -> None:
    body = '{"path": "/payment/query", "mode": "delay", "times": ' + value + "}"
    response = control.post(
        "/_sandbox/faults", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"].startswith("times: must be a ")
    assert "Traceback" not in response.text
    assert control.get("/_sandbox/faults").json() == {"faults": []}


def test_fifty_clients_of_twenty_requests_are_all_answered() -> None:
    server, base_url = start_in_thread(SandboxConfig(deliver_callbacks=False))
    start = threading.Barrier(50)
    failures: list[BaseException] = []
    statuses: list[int] = []

    def client() -> None:
        try:
            start.wait(timeout=30)
            # 50 connections arrive at once (beyond a listen backlog of 5), 20 requests each
            with httpx.Client(base_url=base_url, timeout=30) as http:
                for _ in range(20):
                    statuses.append(http.get("/_sandbox/clock").status_code)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=client) for _ in range(50)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        server.stop()
    assert failures == []
    assert statuses == [200] * 1000


def test_the_listen_backlog_holds_a_crowd(served: tuple[SandboxServer, str]) -> None:
    server, _ = served
    ss = shutil.which("ss")
    if ss is None:
        pytest.skip("needs ss (iproute2) to read the listen backlog")
    listing = subprocess.run(
        [ss, "-Hltn", f"sport = :{server.server_port}"], capture_output=True, text=True, check=True
    ).stdout.split()
    assert listing[0] == "LISTEN"
    assert int(listing[2]) >= 50  # Send-Q of a listening socket is its backlog (wsgiref: 5)


def test_a_request_line_without_headers_is_closed_not_held(
    served: tuple[SandboxServer, str],
) -> None:
    server, _ = served
    with _connect(server) as sock:
        sock.sendall(b"GET /_sandbox/clock HTTP/1.1\r\n")
        began = time.monotonic()
        assert _read_until_closed(sock) == b""  # closed by the server, idle_timeout 1 s
        assert time.monotonic() - began < 8


def test_a_malformed_request_line_is_answered_400(served: tuple[SandboxServer, str]) -> None:
    server, base_url = served
    with _connect(server) as sock:
        sock.sendall(b"NONSENSE\r\n\r\n")
        assert _read_until_closed(sock).startswith(b"HTTP/1.0 400 Bad Request")
    assert httpx.get(base_url + "/_sandbox/clock", timeout=5).status_code == 200


def test_idle_connections_hold_no_thread_and_are_closed(
    served: tuple[SandboxServer, str],
) -> None:
    server, base_url = served
    idle = [_connect(server) for _ in range(40)]  # more than the worker threads
    try:
        began = time.monotonic()
        assert httpx.get(base_url + "/_sandbox/clock", timeout=5).status_code == 200
        assert time.monotonic() - began < 2
        for sock in idle:
            assert _read_until_closed(sock) == b""  # closed after idle_timeout
    finally:
        for sock in idle:
            sock.close()


def test_keep_alive_connections_are_reused(kit: Any, served: tuple[SandboxServer, str]) -> None:
    server, base_url = served
    with httpx.Client(base_url=base_url, headers=server.app.pt2_headers(), timeout=5) as client:
        for _ in range(5):
            assert client.get("/_sandbox/clock").status_code == 200
        # a drop closes only its own connection; the client carries on
        kit.post(
            client, "/_sandbox/faults", {"path": "/payment/query", "mode": "drop-after-commit"}
        )
        with pytest.raises(httpx.RemoteProtocolError):
            kit.post(client, "/payment/query", {"profile_id": demo.PROFILE_ID, "tran_ref": "X"})
        assert client.get("/_sandbox/clock").status_code == 200


# --- keys out of the process list --------------------------------------------------------------


def test_keys_come_from_flags_files_or_the_environment(tmp_path: Path) -> None:
    key_file = tmp_path / "server-key"
    key_file.write_text("FILE-KEY\n", encoding="utf-8")
    password_file = tmp_path / "geidea"
    password_file.write_text("FILE-PASSWORD", encoding="utf-8")
    env = {
        "CLICKPAY_SANDBOX_SERVER_KEY": "ENV-KEY",
        "CLICKPAY_SANDBOX_GEIDEA_API_PASSWORD": "ENV-PASSWORD",
        "CLICKPAY_SANDBOX_PROFILE_ID": "777",
    }
    parse = _parser().parse_args
    from_env = config_from_args(parse([]), env)
    assert (from_env.server_key, from_env.geidea_api_password) == ("ENV-KEY", "ENV-PASSWORD")
    assert from_env.profile_id == 777
    from_files = config_from_args(
        parse(
            ["--server-key-file", str(key_file), "--geidea-api-password-file", str(password_file)]
        ),
        env,
    )
    assert (from_files.server_key, from_files.geidea_api_password) == (
        "FILE-KEY",
        "FILE-PASSWORD",
    )
    assert config_from_args(parse(["--server-key", "FLAG-KEY"]), env).server_key == "FLAG-KEY"
    defaults = config_from_args(parse([]), {})
    assert defaults.server_key == demo.SERVER_KEY
    assert defaults.profile_id == demo.PROFILE_ID


def test_unreadable_key_files_and_both_sources_are_refused(tmp_path: Path) -> None:
    parse = _parser().parse_args
    with pytest.raises(SystemExit, match="--server-key-file: cannot read"):
        config_from_args(parse(["--server-key-file", str(tmp_path / "missing")]), {})
    empty = tmp_path / "empty"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="is empty"):
        config_from_args(parse(["--server-key-file", str(empty)]), {})
    with pytest.raises(SystemExit, match="not both"):
        config_from_args(parse(["--server-key", "K", "--server-key-file", str(empty)]), {})
    with pytest.raises(SystemExit, match="CLICKPAY_SANDBOX_PROFILE_ID: must be a whole number"):
        config_from_args(parse([]), {"CLICKPAY_SANDBOX_PROFILE_ID": "abc"})
