"""The sandbox as a real server process (``clickpay-desk-sandbox --port 0``), over loopback.

Raw HTTP here (the wire contract); ``test_clients_e2e.py`` drives the same server with the real
clients. The ``start`` fixture (conftest.py) launches and stops the processes."""

from __future__ import annotations

import json
import signal
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.e2e_kit import SandboxProcess as Server

pytestmark = pytest.mark.e2e

KEY = "SANDBOX-SERVER-KEY"
PROFILE_ID = 44537


def invoice_body(cart_id: str = "e2e-cart-1") -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "profile_id": PROFILE_ID,
        "tran_type": "sale",
        "tran_class": "ecom",
        "cart_currency": "SAR",
        "cart_amount": "9.50",
        "cart_id": cart_id,
        "cart_description": "E2E invoice",
        "invoice": {
            "activation_date": (now + timedelta(hours=1)).isoformat(timespec="seconds"),
            "expiry_date": (now + timedelta(days=10)).isoformat(timespec="seconds"),
            "line_items": [{"description": "coffee", "unit_cost": "9.50", "quantity": 1}],
        },
    }


def test_first_line_then_a_whole_invoice_flow(start: Callable[..., Server]) -> None:
    server = start()
    with server.client() as client:
        created = client.post("/payment/new/invoice", json=invoice_body())
        assert created.status_code == 200, created.text
        invoice_id = created.json()["invoice_id"]
        assert created.json()["invoice_link"].startswith(f"{server.base_url}/payment/request/")
        paid = client.post(f"/_sandbox/invoices/{invoice_id}/pay", json={})
        assert paid.json()["payment_result"]["response_status"] == "A"
        status = client.get(f"/payment/invoice/{invoice_id}/status").json()
        assert status == {
            "invoice_status": "paid",
            "tran_ref": paid.json()["tran_ref"],
            "tran_status": "A",
            "tran_status_msg": "Authorised",
        }
    assert server.stop(signal.SIGINT) == 0


def test_drop_after_commit_really_drops_the_connection(start: Callable[..., Server]) -> None:
    server = start()
    with server.client() as client:
        armed = client.post(
            "/_sandbox/faults", json={"path": "/payment/new/invoice", "mode": "drop-after-commit"}
        )
        assert armed.status_code == 200
        with pytest.raises(httpx.RemoteProtocolError):
            client.post("/payment/new/invoice", json=invoice_body("dropped-cart"))
        state = client.get("/_sandbox/state").json()
        assert [i["cart_id"] for i in state["invoices"]] == ["dropped-cart"]
        # reconciling finds it, and nothing is created twice
        answer = client.post(
            "/payment/invoice/status", json={"profile_id": PROFILE_ID, "cart_id": "dropped-cart"}
        )
        assert answer.json()["invoice_id"] == state["invoices"][0]["invoice_id"]


def test_drop_before_commit_and_html_500_leave_no_record(start: Callable[..., Server]) -> None:
    server = start()
    with server.client() as client:
        client.post(
            "/_sandbox/faults", json={"path": "/payout/batch/new", "mode": "drop-before-commit"}
        )
        body = {"profile_id": PROFILE_ID, "account_id": 654, "order_id": "E2E-1"}
        with pytest.raises(httpx.RemoteProtocolError):
            client.post("/payout/batch/new", json=body)
        client.post("/_sandbox/faults", json={"path": "/payout/*", "mode": "html-500"})
        html = client.post("/payout/batch/new", json=body)
        assert html.status_code == 500 and "<html>" in html.text
        assert client.get("/_sandbox/state").json()["batches"] == []
        assert client.post("/payout/batch/new", json=body).status_code == 200


def test_restart_with_state_file_keeps_the_data(
    start: Callable[..., Server], tmp_path: Path
) -> None:
    state_file = tmp_path / "sandbox-state.json"
    first = start("--state-file", str(state_file))
    with first.client() as client:
        invoice_id = client.post("/payment/new/invoice", json=invoice_body()).json()["invoice_id"]
        batch = client.post(
            "/payout/batch/new",
            json={"profile_id": PROFILE_ID, "account_id": 654, "order_id": "KEEP-1"},
        ).json()
        client.post("/_sandbox/clock/advance", json={"days": 2})
    assert first.stop() == 0
    assert json.loads(state_file.read_text())["version"] == 1

    second = start("--state-file", str(state_file))
    assert second.base_url != "" and second.proc.pid != first.proc.pid
    with second.client() as client:
        status = client.get(f"/payment/invoice/{invoice_id}/status").json()
        assert status == {"invoice_status": "pending"}
        queried = client.post(
            "/payout/batch/query",
            json={"profile_id": PROFILE_ID, "account_id": 654, "order_id": "KEEP-1"},
        ).json()
        assert queried["batch_id"] == batch["batch_id"]
        assert client.get("/_sandbox/clock").json()["offset_days"] == 2


def test_credentials_from_the_command_line(start: Callable[..., Server]) -> None:
    server = start("--server-key", "OTHER-KEY", "--profile-id", "777", "--account-id", "9")
    with server.client() as client:
        refused = client.get("/payment/invoice/1/status")
        assert refused.status_code == 401
        assert refused.json()["message"] == "Authentication failed. Check authentication header."
    with server.client("OTHER-KEY") as client:
        assert client.get("/payment/invoice/1/status").status_code == 404
        body = {"profile_id": 777, "account_id": 9, "order_id": "CLI-1"}
        assert client.post("/payout/batch/new", json=body).status_code == 200
        body = {**invoice_body(), "profile_id": PROFILE_ID}
        assert client.post("/payment/new/invoice", json=body).status_code == 401


def test_keys_from_the_environment_or_a_file_stay_out_of_ps(
    start: Callable[..., Server], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLICKPAY_SANDBOX_SERVER_KEY", "ENV-SECRET-KEY")
    from_env = start()
    key_file = tmp_path / "key"
    key_file.write_text("FILE-SECRET-KEY\n", encoding="utf-8")
    from_file = start("--server-key-file", str(key_file))
    for server, key in ((from_env, "ENV-SECRET-KEY"), (from_file, "FILE-SECRET-KEY")):
        cmdline = Path(f"/proc/{server.proc.pid}/cmdline").read_bytes()
        assert key.encode() not in cmdline  # what ps shows every user
        with server.client(key) as client:
            assert client.get("/payment/invoice/1/status").status_code == 404  # key accepted
        with server.client() as client:
            assert client.get("/payment/invoice/1/status").status_code == 401


def test_a_payment_page_opens_over_the_wire(start: Callable[..., Server]) -> None:
    server = start()
    with server.client() as client:
        created = client.post("/payment/new/invoice", json=invoice_body("page-cart")).json()
        page = client.get(created["invoice_link"])
        assert page.status_code == 200
        assert "9.50 SAR" in page.text
        paid = client.post(created["invoice_link"], data={"result": "approved"})
        assert paid.status_code == 200
        status = client.get(f"/payment/invoice/{created['invoice_id']}/status").json()
        assert status["invoice_status"] == "paid"


def test_absurd_fault_count_is_a_clear_400_over_the_wire(start: Callable[..., Server]) -> None:
    server = start()
    with server.client() as client:
        answer = client.post(
            "/_sandbox/faults",
            content=b'{"path": "/payment/query", "mode": "delay", "times": 1e400}',
            headers={"content-type": "application/json"},
        )
        assert answer.status_code == 400
        assert answer.json()["error"].startswith("times: ")
    assert "Traceback" not in server.stderr_text()


def test_geidea_over_the_wire(start: Callable[..., Server]) -> None:
    server = start("--geidea-public-key", "pk-1", "--geidea-api-password", "pw-1", "--seed")
    base = "/payment-intent/api/v1/direct/eInvoice"
    with httpx.Client(base_url=server.base_url, auth=("pk-1", "pw-1"), timeout=10) as client:
        expiry = (datetime.now(UTC) + timedelta(days=5)).date().isoformat()
        body = {
            "amount": 20, "currency": "SAR",
            "customer": {"name": "John", "email": "john@example.com"},
            "eInvoiceDetails": {"subtotal": 20, "grandTotal": 20, "eInvoiceItems": [
                {"price": 10, "quantity": 2, "total": 20}]},
            "expiryDate": expiry,
        }  # fmt: skip
        created = client.post(base, json=body)
        assert created.status_code == 200, created.text
        intent_id = created.json()["paymentIntent"]["paymentIntentId"]
        assert client.post(f"{base}/{intent_id}/sendByEmail").status_code == 200
        fetched = client.get(f"{base}/{intent_id}").json()["paymentIntent"]
        assert fetched["status"] == "SentToCustomer"
        # --seed added the demo invoices (created, sent, paid) before this one
        assert client.get(base).json()["totalCount"] == 4
    with httpx.Client(base_url=server.base_url, auth=("pk-1", "wrong"), timeout=10) as client:
        assert client.get(base).status_code == 401
