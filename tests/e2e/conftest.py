"""Fixtures for the end-to-end tests: the REAL sandbox server as a subprocess over loopback.

* ``sandbox_server`` (session): one ``clickpay-desk-sandbox --host 127.0.0.1 --port 0`` process
  with the demo credentials, shared by every e2e test and stopped (SIGTERM, exit 0) at the end.
* ``gateways`` (per test): resets that server (state, clock, faults, latency) and hands out its
  controls and real ``ClickPayClient``/``GeideaClient`` instances, so tests are independent.
* ``start`` (per test): start more sandbox processes with other arguments; all stopped after.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.e2e_kit import (
    SHORT,
    Controls,
    Gateways,
    SandboxProcess,
    clickpay_client,
    geidea_client,
    launch,
)


@pytest.fixture(scope="session")
def sandbox_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """The shared sandbox process (demo credentials)."""
    stderr = tmp_path_factory.mktemp("sandbox") / "stderr.txt"
    server = launch(stderr_path=stderr)
    try:
        yield server
    finally:
        code = server.stop()
        if code != 0:
            server.kill()
        assert code == 0, f"sandbox exited with {code}: {server.stderr_text()[-2000:]}"


@pytest.fixture(scope="session")
def _session_gateways(sandbox_server: SandboxProcess) -> Iterator[Gateways]:
    # One set of clients for the session: building an httpx client (its TLS context) costs
    # ~50 ms, which over 150 tests would be most of the run. They hold no state between calls.
    url = sandbox_server.base_url
    kit = Gateways(
        sandbox=Controls(url),
        clickpay=clickpay_client(url),
        geidea=geidea_client(url),
        short_clickpay=clickpay_client(url, timeout=SHORT),
        short_geidea=geidea_client(url, timeout=SHORT),
    )
    try:
        yield kit
    finally:
        for client in (kit.clickpay, kit.geidea, kit.short_clickpay, kit.short_geidea):
            client.close()
        kit.sandbox.close()


@pytest.fixture
def sandbox(sandbox_server: SandboxProcess, _session_gateways: Gateways) -> Iterator[Controls]:
    """The shared sandbox's controls, reset before the test (state, clock, faults, latency)."""
    assert sandbox_server.proc.poll() is None, "the sandbox process has died"
    controls = _session_gateways.sandbox
    controls.reset()
    try:
        yield controls
    finally:
        controls.disarm()


@pytest.fixture
def gateways(sandbox: Controls, _session_gateways: Gateways) -> Gateways:
    """Controls plus real clients of both gateways against the freshly reset sandbox."""
    return dataclasses.replace(_session_gateways, today=sandbox.today())


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[..., SandboxProcess]]:
    """``start("--state-file", path)``: another sandbox process; every one is stopped after."""
    started: list[SandboxProcess] = []

    def _start(*args: str) -> SandboxProcess:
        server = launch(*args, stderr_path=tmp_path / f"stderr-{len(started)}.txt")
        started.append(server)
        return server

    yield _start
    for server in started:
        server.kill()
