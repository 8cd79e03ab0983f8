"""The sandbox behind a real socket on a background thread (the desk's --sandbox mode)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from clickpay_desk.sandbox import SandboxConfig, SandboxServer, start_in_thread
from clickpay_desk.sandbox.server import seed_demo_data


@pytest.fixture
def served() -> Iterator[tuple[SandboxServer, str]]:
    server, base_url = start_in_thread(SandboxConfig(deliver_callbacks=False))
    try:
        yield server, base_url
    finally:
        server.stop()


def test_serves_both_gateways_and_the_controls(kit: Any, served: tuple[SandboxServer, str]) -> None:
    server, base_url = served
    assert base_url.startswith("http://127.0.0.1:")
    with httpx.Client(base_url=base_url, headers=server.app.pt2_headers(), timeout=5) as client:
        created = kit.post(client, "/payment/new/invoice", kit.invoice_request())
        assert created.status_code == 200
        link = created.json()["invoice_link"]
        assert link.startswith(f"{base_url}/payment/request/invoice/")
        invoice_id = created.json()["invoice_id"]
        assert kit.post(client, f"/_sandbox/invoices/{invoice_id}/pay").status_code == 200
        status = client.get(f"/payment/invoice/{invoice_id}/status").json()
        assert status["invoice_status"] == "paid"


def test_drops_close_the_socket_for_real(kit: Any, served: tuple[SandboxServer, str]) -> None:
    server, base_url = served
    with httpx.Client(base_url=base_url, headers=server.app.pt2_headers(), timeout=5) as client:
        for mode in ("drop-before-commit", "drop-after-commit"):
            kit.post(client, "/_sandbox/faults", {"path": "/payment/new/invoice", "mode": mode})
            with pytest.raises(httpx.RemoteProtocolError):
                kit.post(client, "/payment/new/invoice", kit.invoice_request())
        assert len(client.get("/_sandbox/state").json()["invoices"]) == 1
        # the server is still fine afterwards
        assert client.get("/_sandbox/clock").status_code == 200


def test_oversized_and_truncated_bodies_over_the_wire(
    kit: Any, served: tuple[SandboxServer, str]
) -> None:
    server, base_url = served
    with httpx.Client(base_url=base_url, headers=server.app.pt2_headers(), timeout=10) as client:
        kit.post(
            client,
            "/_sandbox/faults",
            {"path": "/payment/invoice/*", "mode": "oversized-body", "size": 3_000_000},
        )
        big = client.get("/payment/invoice/1/status")
        assert len(big.content) > 3_000_000
        kit.post(
            client, "/_sandbox/faults", {"path": "/payment/invoice/*", "mode": "truncated-json"}
        )
        cut = client.get("/payment/invoice/1/status")
        assert cut.status_code == 200
        assert int(cut.headers["content-length"]) == len(cut.content)


def test_stop_is_idempotent() -> None:
    server, base_url = start_in_thread()
    server.stop()
    server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(base_url + "/_sandbox/clock", timeout=1)


def test_seeding_a_running_server_as_the_desk_demo_mode_does(
    served: tuple[SandboxServer, str],
) -> None:
    server, base_url = served
    created = seed_demo_data(server)
    with httpx.Client(base_url=base_url, headers=server.app.pt2_headers(), timeout=5) as client:
        paid = created["invoices"]["paid"]
        assert client.get(f"/payment/invoice/{paid}/status").json()["invoice_status"] == "paid"
