"""Payment requests, repeat-billing agreements, installments and queries in the sandbox."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from clickpay_desk.sandbox import demo

PROFILE_ID = demo.PROFILE_ID
PAYMENT_KEYS = [
    "tran_ref", "tran_type", "cart_id", "cart_description", "cart_currency", "cart_amount",
    "return", "redirect_url", "serviceId", "profileId", "merchantId", "trace",
]  # fmt: skip


def request_payment(kit: Any, pt2: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    response = kit.post(pt2, "/payment/request", body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def start_agreement(
    kit: Any, pt2: httpx.Client, control: httpx.Client, **changes: Any
) -> dict[str, Any]:
    body = kit.payment_request(**changes)
    body["callback"] = "https://merchant.example.com/ipn"
    started = request_payment(kit, pt2, body)
    paid = kit.post(control, f"/_sandbox/payments/{started['tran_ref']}/pay")
    assert paid.status_code == 200, paid.text
    payload: dict[str, Any] = paid.json()
    return payload


def test_payment_request_answers_like_reference_001(kit: Any, pt2: httpx.Client) -> None:
    answer = request_payment(kit, pt2, kit.payment_request())
    assert list(answer) == PAYMENT_KEYS
    assert answer["tran_type"] == "Sale"
    assert answer["cart_amount"] == "1.01"
    assert answer["return"] == "none"
    assert answer["redirect_url"].startswith("http://sandbox.test/payment/page/")
    assert answer["profileId"] == PROFILE_ID
    assert answer["tran_ref"].startswith("TST")


def test_amount_is_written_with_the_currency_decimals(kit: Any, pt2: httpx.Client) -> None:
    body = kit.payment_request()
    del body["agreement"]
    body.update(cart_currency="KWD", cart_amount=5)
    assert request_payment(kit, pt2, body)["cart_amount"] == "5.000"


def test_query_before_payment_is_pending(kit: Any, pt2: httpx.Client) -> None:
    started = request_payment(kit, pt2, kit.payment_request())
    answer = kit.post(
        pt2, "/payment/query", {"profile_id": PROFILE_ID, "tran_ref": started["tran_ref"]}
    )
    assert answer.status_code == 200
    assert answer.json()["payment_result"]["response_status"] == "P"
    assert "agreement_id" not in answer.json()


def test_paying_starts_the_agreement_with_an_id_in_the_002_initial_shape(
    kit: Any, pt2: httpx.Client, control: httpx.Client, captured: Any
) -> None:
    payload = start_agreement(kit, pt2, control)
    sample = kit.load_reference("002_ipn_initial.json")
    # the sample's keys in the sample's order, plus the token the follow-ups are charged with
    assert list(payload) == [k for k in sample if k != "ipn_trace"] + ["token", "ipn_trace"]
    assert set(sample["payment_result"]) <= set(payload["payment_result"])
    assert isinstance(payload["agreement_id"], int)
    assert payload["payment_result"]["response_status"] == "A"
    assert captured.payloads == [payload]
    queried = kit.post(
        pt2, "/payment/query", {"profile_id": PROFILE_ID, "tran_ref": payload["tran_ref"]}
    ).json()
    assert queried["agreement_id"] == payload["agreement_id"]
    assert queried["payment_result"]["response_status"] == "A"
    state = control.get("/_sandbox/state").json()
    [agreement] = state["agreements"]
    assert agreement["agreement_id"] == payload["agreement_id"]
    assert agreement["status"] == "active"


def test_query_by_cart_id_answers_every_transaction_of_the_cart_oldest_first(
    kit: Any, pt2: httpx.Client, control: httpx.Client
) -> None:
    payload = start_agreement(kit, pt2, control)
    later = request_payment(kit, pt2, kit.payment_request())
    answer = kit.post(pt2, "/payment/query", {"profile_id": PROFILE_ID, "cart_id": "cart_11111"})
    found = answer.json()
    assert isinstance(found, list)
    assert [t["tran_ref"] for t in found] == [payload["tran_ref"], later["tran_ref"]]
    assert [t["payment_result"]["response_status"] for t in found] == ["A", "P"]
    by_ref = kit.post(
        pt2, "/payment/query", {"profile_id": PROFILE_ID, "tran_ref": later["tran_ref"]}
    )
    assert by_ref.json()["tran_ref"] == later["tran_ref"]  # by tran_ref: one object
    missing = kit.post(pt2, "/payment/query", {"profile_id": PROFILE_ID, "tran_ref": "TST0"})
    assert missing.status_code == 404
    assert missing.json()["message"].startswith("tran_ref: ")
    neither = kit.post(pt2, "/payment/query", {"profile_id": PROFILE_ID})
    assert neither.status_code == 400
    assert neither.json()["message"].startswith("tran_ref: ")


def test_declined_payment_page_creates_no_agreement(
    kit: Any, pt2: httpx.Client, control: httpx.Client
) -> None:
    started = request_payment(kit, pt2, kit.payment_request())
    declined = kit.post(
        control, f"/_sandbox/payments/{started['tran_ref']}/pay", {"result": "declined"}
    ).json()
    assert declined["payment_result"]["response_status"] == "D"
    assert "agreement_id" not in declined
    assert control.get("/_sandbox/state").json()["agreements"] == []
    again = kit.post(control, f"/_sandbox/payments/{started['tran_ref']}/pay")
    assert again.status_code == 409
    assert kit.post(control, "/_sandbox/payments/TST404/pay").status_code == 404


def test_clock_charges_each_due_installment_with_its_own_followup_callback(
    kit: Any, pt2: httpx.Client, control: httpx.Client, captured: Any
) -> None:
    # sample: 2 repeats of 1.01 every 2 days from the due date, then a final 1.01
    initial = start_agreement(kit, pt2, control)
    summary = kit.post(control, "/_sandbox/clock/advance", {"days": 1}).json()
    assert summary["installments"] == []
    summary = kit.post(control, "/_sandbox/clock/advance", {"days": 1}).json()
    [first] = summary["installments"]
    assert first["number"] == 1 and first["amount"] == "1.01"
    summary = kit.post(control, "/_sandbox/clock/advance", {"days": 10}).json()
    assert [i["number"] for i in summary["installments"]] == [2, 3]
    followups = captured.payloads[1:]
    assert len(followups) == 3
    sample = kit.load_reference("002_ipn_followup.json")
    for payload in followups:
        assert set(sample) <= set(payload)
        assert payload["agreement_id"] == initial["agreement_id"]
        assert payload["previous_tran_ref"] == initial["tran_ref"]
        assert payload["parentRequest"]["tran_ref"] == initial["tran_ref"]
        assert payload["token"] == initial["token"]
        assert payload["payment_result"]["response_status"] == "A"
    state = control.get("/_sandbox/state").json()
    [agreement] = state["agreements"]
    assert agreement["status"] == "completed"
    assert [i["kind"] for i in agreement["installments"]] == [
        "initial",
        "repeat",
        "repeat",
        "final",
    ]
    # every follow-up can be queried
    answer = kit.post(
        pt2, "/payment/query", {"profile_id": PROFILE_ID, "tran_ref": followups[0]["tran_ref"]}
    )
    assert answer.json()["previous_tran_ref"] == initial["tran_ref"]


def test_description_with_decline_declines_every_followup(
    kit: Any, pt2: httpx.Client, control: httpx.Client, captured: Any
) -> None:
    start_agreement(kit, pt2, control, agreement_description="Gym DECLINE test")
    summary = kit.post(control, "/_sandbox/clock/advance", {"days": 2}).json()
    assert [i["response_status"] for i in summary["installments"]] == ["D"]
    assert captured.payloads[-1]["payment_result"]["response_status"] == "D"


def test_cancelled_agreement_stops_charging(
    kit: Any, pt2: httpx.Client, control: httpx.Client, captured: Any
) -> None:
    initial = start_agreement(kit, pt2, control)
    body = {"profile_id": PROFILE_ID, "agreement_id": initial["agreement_id"]}
    cancelled = kit.post(pt2, "/payment/agreement/cancel", body)
    assert cancelled.status_code == 200
    answer = cancelled.json()
    assert {k: answer[k] for k in ("message", "status")} == {
        "message": "Agreement has been cancelled",
        "status": "success",
    }
    assert set(answer) == set(kit.load_reference("002_agreement_cancel_response.json"))
    summary = kit.post(control, "/_sandbox/clock/advance", {"days": 30}).json()
    assert summary["installments"] == []
    assert len(captured.payloads) == 1
    again = kit.post(pt2, "/payment/agreement/cancel", body)
    assert again.status_code == 400
    assert again.json()["message"] == "Failed to cancel agreement"
    unknown = kit.post(pt2, "/payment/agreement/cancel", {**body, "agreement_id": 1})
    assert unknown.status_code == 404
    assert unknown.json()["message"].startswith("agreement_id: ")


def test_open_ended_agreement_keeps_charging_until_cancelled(
    kit: Any, pt2: httpx.Client, control: httpx.Client
) -> None:
    start_agreement(kit, pt2, control, repeat_terms=0, final_amount=0, repeat_every=1)
    summary = kit.post(control, "/_sandbox/clock/advance", {"days": 5}).json()
    assert [i["number"] for i in summary["installments"]] == [1, 2, 3, 4]
    agreement = control.get("/_sandbox/state").json()["agreements"][0]
    assert agreement["status"] == "active"
    assert agreement["next_due_date"] is not None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"first_installment_due_date": "01/01/2020"}, "agreement.first_installment_due_date"),
        ({"first_installment_due_date": "2030-01-01"}, "agreement.first_installment_due_date"),
        ({"repeat_period": 4}, "agreement.repeat_period"),
        ({"repeat_every": 0}, "agreement.repeat_every"),
        ({"repeat_terms": -1}, "agreement.repeat_terms"),
        ({"initial_amount": 2}, "agreement.initial_amount"),
        ({"agreement_currency": "AED"}, "agreement.agreement_currency"),
        ({"repeat_terms": 0, "final_amount": 1}, "agreement.final_amount"),
        ({"agreement_description": ""}, "agreement.agreement_description"),
    ],
)
def test_agreement_rules_refused_naming_the_field(
    kit: Any, pt2: httpx.Client, change: dict[str, Any], field: str
) -> None:
    response = kit.post(pt2, "/payment/request", kit.payment_request(**change))
    assert response.status_code == 400, response.text
    assert response.json()["code"] == 206
    assert response.json()["message"].startswith(field + ": "), response.json()["message"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"cart_amount": 0}, "cart_amount"),
        ({"cart_amount": "10000000000"}, "cart_amount"),
        ({"cart_currency": "SEK"}, "cart_currency"),
        ({"tran_class": "moto"}, "tran_class"),
        ({"cart_id": None}, "cart_id"),
    ],
)
def test_payment_rules_refused_naming_the_field(
    kit: Any, pt2: httpx.Client, change: dict[str, Any], field: str
) -> None:
    body = kit.payment_request()
    body.update(change)
    response = kit.post(pt2, "/payment/request", body)
    assert response.status_code == 400, response.text
    assert response.json()["message"].startswith(field + ": "), response.json()["message"]


def test_payment_request_with_invoice_object_applies_the_invoice_rules(
    kit: Any, pt2: httpx.Client
) -> None:
    body = kit.load_reference("001_invoice_request.json")
    body["profile_id"] = PROFILE_ID
    assert kit.post(pt2, "/payment/request", body).status_code == 200
    body["invoice"]["line_items"][0]["quantity"] = 4
    refused = kit.post(pt2, "/payment/request", body)
    assert refused.status_code == 400
    assert refused.json()["message"].startswith("cart_amount: ")
