"""The built-in sandbox listens on the same port from one --sandbox start to the next, so the
links (and QR codes) of what was created on an earlier run still open; a busy port is no
obstacle. It runs in a process of its own, which ends with the desk."""

from __future__ import annotations

import logging
import re
import socket
from pathlib import Path

import httpx
import pytest

from clickpay_desk.app import SANDBOX_PORT_KEY, _Running, launch_sandbox, start_sandbox
from clickpay_desk.paths import DataPaths
from clickpay_desk.secrets import SecretStore
from clickpay_desk.store.database import Store


def _start(paths: DataPaths, store: Store) -> tuple[str, _Running]:
    running = _Running()
    launch = launch_sandbox(paths)
    running.on_exit("the sandbox server", launch.stop)
    server = start_sandbox(launch, store, SecretStore())
    return server.base_url, running


def test_second_start_reuses_the_port_and_the_demo_links_open(tmp_path: Path) -> None:
    paths = DataPaths.for_dir(tmp_path / "data").ensure()
    store = Store.open(paths.database)
    try:
        first, running = _start(paths, store)
        links = httpx.get(f"{first}/_sandbox/state").text
        running.stop_all()
        second, running = _start(paths, store)
        try:
            assert second == first
            # A demo invoice's link, seeded on the first start, opens on the second.
            link = re.findall(rf"{re.escape(first)}/payment/[^\"]+", links)[0]
            assert httpx.get(link).status_code == 200
        finally:
            running.stop_all()
    finally:
        store.close()


def test_a_busy_port_falls_back_to_a_free_one(tmp_path: Path) -> None:
    paths = DataPaths.for_dir(tmp_path / "data").ensure()
    store = Store.open(paths.database)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        store.set_setting(SANDBOX_PORT_KEY, busy.getsockname()[1])
        try:
            url, running = _start(paths, store)
            try:
                assert httpx.get(f"{url}/_sandbox/state").status_code == 200
                assert store.get_setting(SANDBOX_PORT_KEY) != busy.getsockname()[1]
            finally:
                running.stop_all()
        finally:
            store.close()


def test_the_sandbox_process_ends_when_the_desk_lets_go_of_it(tmp_path: Path) -> None:
    """Its standard input is the desk's: closed by a clean stop, and by the system when the desk
    is killed. The sandbox then writes its state and exits; nothing is left listening."""
    paths = DataPaths.for_dir(tmp_path / "data").ensure()
    launch = launch_sandbox(paths)
    url = launch.wait_ready()
    assert httpx.get(f"{url}/_sandbox/state").status_code == 200
    assert launch.running
    launch.stop(timeout=10)
    assert not launch.running
    assert (paths.root / "sandbox-state.json").is_file()  # seeded on this first start, kept
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", launch.server_port)) != 0


def test_a_sandbox_that_cannot_start_is_said_plainly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """The child cannot be started (say the program cannot run itself): the app says why and
    exits with status 1, after stopping what it had started."""
    from clickpay_desk import app

    def cannot(_paths: DataPaths) -> None:
        raise PermissionError("permission denied: clickpay-desk")

    monkeypatch.setattr(app, "launch_sandbox", cannot)
    # start_gui sets up logging to this test's captured stderr: keep that out of later tests.
    root = logging.getLogger()
    before = list(root.handlers)
    monkeypatch.setattr(root, "handlers", list(before))
    args = app.build_parser().parse_args(["--sandbox", "--data-dir", str(tmp_path / "data")])
    try:
        assert app.start_gui(args) == 1
    finally:
        for handler in root.handlers:
            if handler not in before:
                handler.close()
    said = capfd.readouterr().err
    assert "The built-in sandbox could not start: permission denied: clickpay-desk" in said
