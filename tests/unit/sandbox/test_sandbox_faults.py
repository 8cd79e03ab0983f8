"""Faults and latency, in-process (httpx.WSGITransport)."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from clickpay_desk.sandbox import ConnectionDropped

INVOICE_PATH = "/payment/new/invoice"


def arm(kit: Any, control: httpx.Client, **fault: Any) -> None:
    response = kit.post(control, "/_sandbox/faults", {"path": INVOICE_PATH, **fault})
    assert response.status_code == 200, response.text


def invoices(control: httpx.Client) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = control.get("/_sandbox/state").json()["invoices"]
    return result


def create(kit: Any, pt2: httpx.Client) -> httpx.Response:
    response: httpx.Response = kit.post(pt2, INVOICE_PATH, kit.invoice_request())
    return response


def test_drop_before_commit_is_a_transport_error_and_stores_nothing(
    kit: Any, pt2: httpx.Client, control: httpx.Client
) -> None:
    arm(kit, control, mode="drop-before-commit")
    with pytest.raises(httpx.TransportError) as caught:
        create(kit, pt2)
    assert isinstance(caught.value, httpx.RemoteProtocolError)
    assert isinstance(caught.value, ConnectionDropped)
    assert invoices(control) == []
    assert create(kit, pt2).status_code == 200  # used up after one call
    assert len(invoices(control)) == 1


def test_drop_after_commit_is_a_transport_error_but_the_invoice_exists(
    kit: Any, pt2: httpx.Client, control: httpx.Client
) -> None:
    arm(kit, control, mode="drop-after-commit")
    with pytest.raises(httpx.RemoteProtocolError):
        create(kit, pt2)
    [stored] = invoices(control)
    # the desk reconciles by cart_id, and finds exactly that one
    answer = kit.post(
        pt2, "/payment/invoice/status", {"profile_id": kit.PROFILE_ID, "cart_id": stored["cart_id"]}
    )
    assert answer.json()["invoice_id"] == stored["invoice_id"]


def test_html_500_has_no_effect(kit: Any, pt2: httpx.Client, control: httpx.Client) -> None:
    arm(kit, control, mode="html-500")
    response = create(kit, pt2)
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert response.text.lstrip().startswith("<!DOCTYPE html>")
    assert invoices(control) == []


def test_truncated_json_applies_the_effect(
    kit: Any, pt2: httpx.Client, control: httpx.Client
) -> None:
    arm(kit, control, mode="truncated-json")
    response = create(kit, pt2)
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        response.json()
    assert response.text.startswith('{"invoice_id":')
    assert len(invoices(control)) == 1


def test_oversized_body_applies_the_effect(
    kit: Any, pt2: httpx.Client, control: httpx.Client
) -> None:
    arm(kit, control, mode="oversized-body")
    response = create(kit, pt2)
    assert response.status_code == 200
    assert len(response.content) > 4 * 1024 * 1024
    assert len(invoices(control)) == 1


def test_rate_limit_is_429_with_retry_after_and_no_effect(
    kit: Any, pt2: httpx.Client, control: httpx.Client
) -> None:
    arm(kit, control, mode="rate-limit", retry_after=7)
    response = create(kit, pt2)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"
    assert set(response.json()) == {"code", "message", "trace"}
    assert invoices(control) == []


def test_rate_limit_on_geidea_answers_in_geidea_shape(
    kit: Any, geidea: httpx.Client, control: httpx.Client
) -> None:
    path = "/payment-intent/api/v1/direct/eInvoice"
    kit.post(control, "/_sandbox/faults", {"path": path, "mode": "rate-limit"})
    response = kit.post(geidea, path, kit.einvoice_request())
    assert response.status_code == 429
    assert response.json()["responseCode"] == "429"


def test_delay_sleeps_then_answers(kit: Any, pt2: httpx.Client, control: httpx.Client) -> None:
    arm(kit, control, mode="delay", seconds=0.3)
    started = time.monotonic()
    response = create(kit, pt2)
    assert time.monotonic() - started >= 0.3
    assert response.status_code == 200


def test_times_counts_calls_and_a_trailing_star_matches_a_prefix(
    kit: Any, pt2: httpx.Client, control: httpx.Client
) -> None:
    kit.post(control, "/_sandbox/faults", {"path": "/payment/*", "mode": "html-500", "times": 2})
    assert pt2.get("/payment/invoice/1/status").status_code == 500
    assert create(kit, pt2).status_code == 500
    assert create(kit, pt2).status_code == 200
    assert control.get("/_sandbox/faults").json()["faults"] == []


def test_a_fault_only_hits_its_own_path_and_method(
    kit: Any, pt2: httpx.Client, control: httpx.Client
) -> None:
    kit.post(
        control,
        "/_sandbox/faults",
        {"path": "/payment/invoice/status", "mode": "html-500", "method": "GET"},
    )
    assert create(kit, pt2).status_code == 200
    assert (
        kit.post(
            pt2, "/payment/invoice/status", {"profile_id": kit.PROFILE_ID, "invoice_id": 1}
        ).status_code
        != 500
    )
    assert len(control.get("/_sandbox/faults").json()["faults"]) == 1
    control.delete("/_sandbox/faults")
    assert control.get("/_sandbox/faults").json()["faults"] == []


def test_controls_are_never_faulted(kit: Any, control: httpx.Client) -> None:
    refused = kit.post(control, "/_sandbox/faults", {"path": "/_sandbox/state", "mode": "html-500"})
    assert refused.status_code == 400
    assert refused.json()["error"].startswith("path: ")


@pytest.mark.parametrize(
    ("fault", "field"),
    [
        ({"mode": "explode"}, "mode"),
        ({"mode": "delay", "times": 0}, "times"),
        ({"mode": "delay", "seconds": -1}, "seconds"),
        ({"mode": "delay", "path": "payment"}, "path"),
    ],
)
def test_bad_fault_bodies_are_refused(
    kit: Any, control: httpx.Client, fault: dict[str, Any], field: str
) -> None:
    refused = kit.post(control, "/_sandbox/faults", {"path": INVOICE_PATH, **fault})
    assert refused.status_code == 400
    assert refused.json()["error"].startswith(field + ": ")


def test_latency_delays_gateway_calls_but_not_controls(
    kit: Any, pt2: httpx.Client, control: httpx.Client
) -> None:
    assert kit.post(control, "/_sandbox/latency", {"seconds": 0.2}).json() == {"seconds": 0.2}
    started = time.monotonic()
    pt2.get("/payment/invoice/1/status")
    assert time.monotonic() - started >= 0.2
    started = time.monotonic()
    control.get("/_sandbox/state")
    assert time.monotonic() - started < 0.2
    assert kit.post(control, "/_sandbox/latency", {"seconds": -1}).status_code == 400
    # Disarming the faults is not a reset: the latency (a benchmark setting) stays.
    assert control.delete("/_sandbox/faults").json() == {"faults": []}
    assert control.get("/_sandbox/state").json()["latency"] == 0.2
    kit.post(control, "/_sandbox/latency", {"seconds": 0})


def test_reset_forgets_state_faults_latency_and_clock(
    kit: Any, pt2: httpx.Client, control: httpx.Client
) -> None:
    create(kit, pt2)
    arm(kit, control, mode="html-500")
    kit.post(control, "/_sandbox/latency", {"seconds": 0.01})
    kit.post(control, "/_sandbox/clock/advance", {"days": 3})
    assert kit.post(control, "/_sandbox/reset").status_code == 200
    state = control.get("/_sandbox/state").json()
    assert state["invoices"] == [] and state["faults"] == [] and state["latency"] == 0
    assert state["clock"]["offset_days"] == 0
    assert create(kit, pt2).status_code == 200
