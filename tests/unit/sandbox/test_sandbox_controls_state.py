"""The clock, the state view, seeding, the state file and callback delivery."""

from __future__ import annotations

import json
import os
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from clickpay_desk.sandbox import SandboxConfig, create_app, seed_demo_data
from clickpay_desk.sandbox.callbacks import Outbound, deliver


def test_clock_starts_today_and_advances(kit: Any, control: httpx.Client) -> None:
    clock = control.get("/_sandbox/clock").json()
    assert clock["offset_days"] == 0
    assert abs((date.fromisoformat(clock["today"]) - date.today()).days) <= 1
    summary = kit.post(control, "/_sandbox/clock/advance", {"days": 3}).json()
    assert summary["offset_days"] == 3
    assert date.fromisoformat(summary["today"]) == date.fromisoformat(clock["today"]) + timedelta(3)


@pytest.mark.parametrize("days", [-1, 1.5, "2", True, 100000])
def test_advance_refuses_odd_day_counts(kit: Any, control: httpx.Client, days: object) -> None:
    response = kit.post(control, "/_sandbox/clock/advance", {"days": days})
    assert response.status_code == 400
    assert response.json()["error"].startswith("days: ")


def test_rules_use_the_sandbox_today(kit: Any, pt2: httpx.Client, control: httpx.Client) -> None:
    body = kit.payment_request()  # first installment due in 2 days
    kit.post(control, "/_sandbox/clock/advance", {"days": 2})
    refused = kit.post(pt2, "/payment/request", body)
    assert refused.status_code == 400
    assert refused.json()["message"].startswith("agreement.first_installment_due_date: ")


def test_state_lists_every_record(kit: Any, app: Any, control: httpx.Client) -> None:
    created = seed_demo_data(app)
    state = control.get("/_sandbox/state").json()
    assert set(state) >= {
        "clock",
        "invoices",
        "transactions",
        "agreements",
        "batches",
        "entries",
        "geidea_invoices",
        "callbacks",
        "faults",
        "latency",
    }
    statuses = {i["invoice_id"]: i["status"] for i in state["invoices"]}
    assert statuses == {
        created["invoices"]["pending"]: "pending",
        created["invoices"]["paid"]: "paid",
        created["invoices"]["cancelled"]: "cancelled",
    }
    [agreement] = state["agreements"]
    assert agreement["status"] == "active"
    batches = {b["batch_id"]: b for b in state["batches"]}
    completed = batches[created["batches"]["completed"]]
    assert completed["status"] == "Completed"
    assert [e["status"] for e in completed["requests"]] == ["Paid", "Failed", "Rejected"]
    assert batches[created["batches"]["new"]]["status"] == "New"
    assert len(state["entries"]) == 5
    assert all("batch_id" in e for e in state["entries"])
    geidea = {g["paymentIntentId"]: g["status"] for g in state["geidea_invoices"]}
    assert geidea == {
        created["geidea"]["created"]: "Created",
        created["geidea"]["sent"]: "SentToCustomer",
        created["geidea"]["paid"]: "Paid",
    }


def test_seed_control_and_seeding_twice(kit: Any, control: httpx.Client) -> None:
    first = kit.post(control, "/_sandbox/seed").json()
    second = kit.post(control, "/_sandbox/seed").json()
    assert first["batches"] != second["batches"]
    assert len(control.get("/_sandbox/state").json()["invoices"]) == 6


def test_callbacks_are_logged_with_their_outcome(
    kit: Any, pt2: httpx.Client, control: httpx.Client
) -> None:
    invoice_id = kit.post(pt2, "/payment/new/invoice", kit.invoice_request()).json()["invoice_id"]
    kit.post(control, f"/_sandbox/invoices/{invoice_id}/pay")
    [record] = control.get("/_sandbox/state").json()["callbacks"]
    assert record["delivered"] is True
    assert record["url"] == "https://merchant.example.com/clickpay/callback"
    assert record["payload"]["cart_id"] == "cart_12345"


def test_a_failing_callback_never_fails_the_control() -> None:
    def broken(url: str, body: bytes, headers: Any) -> None:
        raise ConnectionError("receiver is down")

    app = create_app(callback_sender=broken)
    client = httpx.Client(transport=app.transport(), base_url="http://s", headers=app.pt2_headers())
    from clickpay_desk.core import jsonwire

    body = json.loads(jsonwire.dumps(_invoice_body()))
    invoice_id = client.post("/payment/new/invoice", json=body).json()["invoice_id"]
    paid = client.post(f"/_sandbox/invoices/{invoice_id}/pay", json={})
    assert paid.status_code == 200
    [record] = app.snapshot()["callbacks"]
    assert record["delivered"] is False and "receiver is down" in record["error"]


def _invoice_body() -> dict[str, Any]:
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    return {
        "profile_id": 44537, "tran_type": "sale", "tran_class": "ecom", "cart_currency": "SAR",
        "cart_amount": "10.00", "cart_id": "c-1", "cart_description": "d",
        "callback": "https://merchant.example.com/cb",
        "invoice": {"expiry_date": (now + timedelta(days=2)).isoformat(),
                    "line_items": [{"unit_cost": "10.00", "quantity": 1}]},
    }  # fmt: skip


def test_real_http_delivery_to_a_receiver_and_non_http_urls() -> None:
    received: list[bytes] = []

    def receiver(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        received.append(environ["wsgi.input"].read(length))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    from wsgiref.simple_server import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    import threading

    httpd = make_server("127.0.0.1", 0, receiver, handler_class=Quiet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        config = SandboxConfig()
        url = f"http://127.0.0.1:{httpd.server_port}/ipn"
        record = deliver(Outbound(url, {"a": 1}, "key", "clickpay"), config, "now")
        assert record["delivered"] is True and record["status_code"] == 200
        assert received == [b'{"a":1}']
        skipped = deliver(Outbound("{{callback_url}}", {}, "key", "clickpay"), config, "now")
        assert skipped["delivered"] is False
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_state_file_keeps_everything_across_restarts(tmp_path: Path, kit: Any) -> None:
    path = tmp_path / "state.json"
    first = create_app(SandboxConfig(state_file=path, deliver_callbacks=False))
    created = seed_demo_data(first)
    with httpx.Client(transport=first.transport(), base_url="http://s") as client:
        kit.post(client, "/_sandbox/clock/advance", {"days": 1})
    before = first.snapshot()
    first.close()  # what a stopping server does: write what is pending
    assert path.exists()
    assert not list(tmp_path.glob("*.tmp"))  # the atomic write leaves no temporary file behind
    second = create_app(SandboxConfig(state_file=path, deliver_callbacks=False))
    after = second.snapshot()
    for key in ("invoices", "agreements", "batches", "entries", "geidea_invoices", "transactions"):
        assert after[key] == before[key], key
    assert after["clock"]["offset_days"] == 1
    with httpx.Client(
        transport=second.transport(), base_url="http://s", headers=second.pt2_headers()
    ) as client:
        status = client.get(f"/payment/invoice/{created['invoices']['paid']}/status").json()
        assert status["invoice_status"] == "paid"
        # ids keep counting up after a restart
        body = kit.invoice_request()
        body["invoice"]["activation_date"] = kit.in_days(3)  # the sandbox is a day ahead
        new_id = kit.post(client, "/payment/new/invoice", body).json()["invoice_id"]
        assert new_id > max(created["invoices"].values())


def test_state_file_is_written_soon_after_changes_without_a_stop(
    tmp_path: Path, kit: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "state.json"
    writes: list[str] = []
    real_replace = os.replace

    def counting_replace(src: Any, dst: Any) -> None:
        writes.append(str(dst))
        real_replace(src, dst)

    monkeypatch.setattr("clickpay_desk.sandbox.store.os.replace", counting_replace)
    app = create_app(SandboxConfig(state_file=path, deliver_callbacks=False))
    with httpx.Client(
        transport=app.transport(), base_url="http://s", headers=app.pt2_headers()
    ) as client:
        for number in range(40):
            body = kit.invoice_request(cart_id=f"burst-{number}")
            assert kit.post(client, "/payment/new/invoice", body).status_code == 200
    # A burst of changes shares writes instead of rewriting the whole file after each one...
    assert len(writes) < 10, len(writes)
    # ...and the last change reaches the file shortly, with no stop needed.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if path.exists() and len(json.loads(path.read_text())["invoices"]) == 40:
            break
        time.sleep(0.02)
    assert len(json.loads(path.read_text())["invoices"]) == 40
    assert not list(tmp_path.glob("*.tmp"))


def test_a_broken_state_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text('{"something": "else"}')
    with pytest.raises(ValueError, match="not a sandbox state file"):
        create_app(SandboxConfig(state_file=path))


def test_decimals_survive_the_state_file_exactly(tmp_path: Path, kit: Any) -> None:
    path = tmp_path / "state.json"
    app = create_app(SandboxConfig(state_file=path))
    with httpx.Client(
        transport=app.transport(), base_url="http://s", headers={"authorization": kit.geidea_auth()}
    ) as client:
        kit.post(client, "/payment-intent/api/v1/direct/eInvoice", kit.einvoice_request())
    app.close()
    assert '"amount":20.00' in path.read_text()
    again = create_app(SandboxConfig(state_file=path))
    with httpx.Client(
        transport=again.transport(),
        base_url="http://s",
        headers={"authorization": kit.geidea_auth()},
    ) as client:
        listing = client.get("/payment-intent/api/v1/direct/eInvoice")
        assert '"amount":20.00' in listing.text
