"""Payout batches in the sandbox (reference 004): new, add, close, query, life cycle, refusals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from clickpay_desk.core import jsonwire
from clickpay_desk.sandbox import demo

ACCOUNT = {"profile_id": demo.PROFILE_ID, "account_id": demo.ACCOUNT_ID}
BATCH_KEYS = [
    "batch_id", "profile_id", "account_id", "currency", "total", "count", "order_id", "status",
    "requests", "trace",
]  # fmt: skip
ENTRY_KEYS = [
    "entry_id", "amount", "fee", "total", "beneficiary_account_number", "merchant_reference",
    "status", "protocol_message",
]  # fmt: skip


def new_batch(
    kit: Any, pt2: httpx.Client, requests: list[dict[str, Any]] | None = None, order: str = "B-1"
) -> dict[str, Any]:
    body: dict[str, Any] = {**ACCOUNT, "order_id": order}
    if requests is not None:
        body["requests"] = requests
    response = kit.post(pt2, "/payout/batch/new", body)
    assert response.status_code == 200, response.text
    batch: dict[str, Any] = response.json()
    return batch


def close(kit: Any, pt2: httpx.Client, batch: dict[str, Any], **changes: Any) -> httpx.Response:
    body = {**ACCOUNT, "batch_id": batch["batch_id"], "count": batch["count"],
            "total": batch["total"], **changes}  # fmt: skip
    response: httpx.Response = kit.post(pt2, "/payout/batch/close", body)
    return response


def test_new_empty_batch_answers_like_the_reference(kit: Any, pt2: httpx.Client) -> None:
    batch = new_batch(kit, pt2)
    sample = kit.load_reference("004_batch_new_response.json")
    assert set(sample) <= set(batch)
    assert list(batch) == BATCH_KEYS
    assert batch["currency"] == "SAR" and batch["status"] == "New"
    assert batch["count"] == 0 and batch["total"] == "0.00" and batch["requests"] == []
    assert batch["profile_id"] == demo.PROFILE_ID and batch["account_id"] == demo.ACCOUNT_ID


def test_entries_get_ids_fees_and_totals(kit: Any, pt2: httpx.Client) -> None:
    batch = new_batch(
        kit,
        pt2,
        [
            kit.payee(amount=Decimal("201.01")),
            kit.payee(amount=Decimal("800.88"), merchant_reference=None),
        ],
    )
    assert batch["count"] == 2 and batch["total"] == "1001.89"
    low, high = batch["requests"]
    assert list(low) == ENTRY_KEYS
    assert (low["amount"], low["fee"], low["total"]) == ("201.01", "0.63", "201.64")
    assert (high["amount"], high["fee"], high["total"]) == ("800.88", "1.45", "802.33")
    assert low["status"] == "Pending" and low["merchant_reference"] == "REF-1"
    assert high["merchant_reference"] is None
    assert high["entry_id"] > low["entry_id"]


def test_fee_boundary_is_500_inclusive(kit: Any, pt2: httpx.Client) -> None:
    batch = new_batch(kit, pt2, [kit.payee(amount=500), kit.payee(amount=Decimal("500.01"))])
    assert [e["fee"] for e in batch["requests"]] == ["0.63", "1.45"]


def test_add_then_close_then_adding_is_refused(kit: Any, pt2: httpx.Client) -> None:
    batch = new_batch(kit, pt2, [kit.payee()])
    added = kit.post(
        pt2,
        "/payout/batch/add",
        {**ACCOUNT, "batch_id": batch["batch_id"], "requests": [kit.payee(amount=10)]},
    )
    assert added.status_code == 200
    assert added.json()["count"] == 2 and added.json()["total"] == "211.01"
    closed = close(kit, pt2, added.json())
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "Pending"
    late = kit.post(
        pt2,
        "/payout/batch/add",
        {**ACCOUNT, "batch_id": batch["batch_id"], "requests": [kit.payee()]},
    )
    assert late.status_code == 400
    assert late.json()["message"].startswith("batch_id: ")
    twice = close(kit, pt2, added.json())
    assert twice.status_code == 400
    assert twice.json()["message"].startswith("batch_id: ")


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"count": 2}, "count"), ({"total": "201.00"}, "total"), ({"count": "x"}, "count")],
)
def test_close_with_a_count_or_total_that_does_not_match_is_refused(
    kit: Any, pt2: httpx.Client, changes: dict[str, Any], field: str
) -> None:
    batch = new_batch(kit, pt2, [kit.payee()])
    refused = close(kit, pt2, batch, **changes)
    assert refused.status_code == 400
    assert refused.json()["code"] == 206
    assert refused.json()["message"].startswith(field + ": ")
    state_batch = kit.post(pt2, "/payout/batch/query", {**ACCOUNT, "batch_id": batch["batch_id"]})
    assert state_batch.json()["status"] == "New"


def test_an_empty_batch_cannot_be_closed(kit: Any, pt2: httpx.Client) -> None:
    batch = new_batch(kit, pt2)
    refused = close(kit, pt2, batch)
    assert refused.status_code == 400
    assert refused.json()["message"].startswith("count: ")


def test_add_with_another_batchs_order_id_is_refused(kit: Any, pt2: httpx.Client) -> None:
    batch = new_batch(kit, pt2)
    refused = kit.post(
        pt2,
        "/payout/batch/add",
        {**ACCOUNT, "batch_id": batch["batch_id"], "order_id": "OTHER", "requests": [kit.payee()]},
    )
    assert refused.status_code == 400
    assert refused.json()["message"].startswith("order_id: ")


def test_a_reused_order_id_is_refused_so_new_is_never_doubled(kit: Any, pt2: httpx.Client) -> None:
    new_batch(kit, pt2, order="SAME")
    refused = kit.post(pt2, "/payout/batch/new", {**ACCOUNT, "order_id": "SAME"})
    assert refused.status_code == 400
    assert refused.json()["message"].startswith("order_id: ")


def test_query_batch_entry_and_by_order_id(kit: Any, pt2: httpx.Client) -> None:
    batch = new_batch(kit, pt2, [kit.payee(), kit.payee(amount=7)], order="Q-1")
    queried = kit.post(pt2, "/payout/batch/query", {**ACCOUNT, "batch_id": batch["batch_id"]})
    assert queried.json()["requests"] == batch["requests"]
    by_order = kit.post(pt2, "/payout/batch/query", {**ACCOUNT, "order_id": "Q-1"})
    assert by_order.json()["batch_id"] == batch["batch_id"]
    entry_id = batch["requests"][0]["entry_id"]
    entry = kit.post(
        pt2, "/payout/batch/query", {**ACCOUNT, "batch_id": batch["batch_id"], "entry_id": entry_id}
    ).json()
    sample = kit.load_reference("004_batch_query_entry_response.json")
    assert list(entry) == list(sample)
    assert entry["entry_id"] == entry_id and entry["total"] == "201.64"
    missing = kit.post(
        pt2, "/payout/batch/query", {**ACCOUNT, "batch_id": batch["batch_id"], "entry_id": 1}
    )
    assert missing.status_code == 404
    assert missing.json()["message"].startswith("entry_id: ")


def test_unknown_batch_and_order_are_404(kit: Any, pt2: httpx.Client) -> None:
    for body in ({"batch_id": 99}, {"order_id": "nope"}):
        response = kit.post(pt2, "/payout/batch/query", {**ACCOUNT, **body})
        assert response.status_code == 404
        assert set(response.json()) == {"code", "message", "trace"}
    add = kit.post(pt2, "/payout/batch/add", {**ACCOUNT, "batch_id": 99, "requests": [kit.payee()]})
    assert add.status_code == 404


def test_wrong_profile_is_401_and_wrong_account_names_account_id(
    kit: Any, pt2: httpx.Client
) -> None:
    foreign = kit.post(pt2, "/payout/batch/new", {**ACCOUNT, "profile_id": 45154, "order_id": "X"})
    assert foreign.status_code == 401
    wrong = kit.post(pt2, "/payout/batch/new", {**ACCOUNT, "account_id": 5154, "order_id": "X"})
    assert wrong.status_code == 400
    assert wrong.json()["message"].startswith("account_id: ")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"beneficiary_account_number": "SA30050000001"}, "requests[0].beneficiary_account_number"),
        (
            {"beneficiary_account_number": "SA3305000068200027493001"},
            "requests[0].beneficiary_account_number",
        ),
        ({"beneficiary_mobile_number": "+96651111111"}, "requests[0].beneficiary_mobile_number"),
        ({"beneficiary_mobile_number": "0501234567"}, "requests[0].beneficiary_mobile_number"),
        ({"beneficiary_email": "not-an-email"}, "requests[0].beneficiary_email"),
        ({"beneficiary_country": "XX"}, "requests[0].beneficiary_country"),
        ({"transfer_code": 104}, "requests[0].transfer_code"),
        ({"amount": 0}, "requests[0].amount"),
        ({"amount": Decimal("1.005")}, "requests[0].amount"),
        ({"beneficiary_name": ""}, "requests[0].beneficiary_name"),
    ],
)
def test_each_request_rule_is_refused_naming_the_field(
    kit: Any, pt2: httpx.Client, change: dict[str, Any], field: str
) -> None:
    response = kit.post(
        pt2, "/payout/batch/new", {**ACCOUNT, "order_id": "R", "requests": [kit.payee(**change)]}
    )
    assert response.status_code == 400
    assert response.json()["code"] == 206
    assert response.json()["message"].startswith(field + ": "), response.json()["message"]


def test_second_request_is_named_by_its_index(kit: Any, pt2: httpx.Client) -> None:
    body = {
        **ACCOUNT,
        "order_id": "R",
        "requests": [kit.payee(), kit.payee(beneficiary_account_number="SA00")],
    }
    message = kit.post(pt2, "/payout/batch/new", body).json()["message"]
    assert message.startswith("requests[1].beneficiary_account_number: ")


def test_missing_order_id_is_refused(kit: Any, pt2: httpx.Client) -> None:
    response = kit.post(pt2, "/payout/batch/new", dict(ACCOUNT))
    assert response.json()["message"].startswith("order_id: ")


def test_life_cycle_with_deterministic_final_statuses(
    kit: Any, pt2: httpx.Client, control: httpx.Client
) -> None:
    batch = new_batch(kit, pt2, [
        kit.payee(beneficiary_name="Paid Person"),
        kit.payee(beneficiary_name="Will FAIL"),
        kit.payee(merchant_reference="reject-me"),
    ])  # fmt: skip
    assert close(kit, pt2, batch).status_code == 200
    query = {**ACCOUNT, "batch_id": batch["batch_id"]}
    assert kit.post(pt2, "/payout/batch/query", query).json()["status"] == "Pending"
    day1 = kit.post(control, "/_sandbox/clock/advance", {"days": 1}).json()
    assert day1["batches"] == [
        {"batch_id": batch["batch_id"], "from": "Pending", "to": "Processing"}
    ]
    processing = kit.post(pt2, "/payout/batch/query", query).json()
    assert processing["status"] == "Processing"
    assert {e["status"] for e in processing["requests"]} == {"Processed"}
    day2 = kit.post(control, "/_sandbox/clock/advance", {"days": 1}).json()
    assert day2["batches"][0]["to"] == "Completed"
    done = kit.post(pt2, "/payout/batch/query", query).json()
    assert done["status"] == "Completed"
    assert [(e["status"], e["protocol_message"]) for e in done["requests"]] == [
        ("Paid", "INITIATED"),
        ("Failed", "Unrecoverable integration error"),
        ("Rejected", "Rejected by beneficiary bank"),
    ]
    failed = kit.post(pt2, "/payout/batch/query/failed", query).json()
    assert [e["status"] for e in failed["requests"]] == ["Failed"]
    paid = kit.post(pt2, "/payout/batch/query/PAID", query).json()
    assert [e["status"] for e in paid["requests"]] == ["Paid"]
    assert kit.post(pt2, "/payout/batch/query/pending", query).json()["requests"] == []
    assert kit.post(pt2, "/payout/batch/query/bogus", query).status_code == 404


def test_a_long_jump_completes_a_closed_batch_at_once(
    kit: Any, pt2: httpx.Client, control: httpx.Client
) -> None:
    batch = new_batch(kit, pt2, [kit.payee()])
    close(kit, pt2, batch)
    summary = kit.post(control, "/_sandbox/clock/advance", {"days": 5}).json()
    assert summary["batches"][0]["from"] == "Pending"
    assert summary["batches"][0]["to"] == "Completed"


def test_an_open_batch_does_not_move_with_the_clock(
    kit: Any, pt2: httpx.Client, control: httpx.Client
) -> None:
    batch = new_batch(kit, pt2, [kit.payee()])
    kit.post(control, "/_sandbox/clock/advance", {"days": 5})
    queried = kit.post(pt2, "/payout/batch/query", {**ACCOUNT, "batch_id": batch["batch_id"]})
    assert queried.json()["status"] == "New"


def test_answers_built_from_the_kept_listing_are_the_plain_encoding(
    kit: Any, pt2: httpx.Client, app: Any, control: httpx.Client
) -> None:
    """new/add/query/close answer byte for byte what encoding the whole batch view writes,
    while the batch grows, after it is closed and after a reset."""

    def plain(answer: httpx.Response) -> bytes:
        raw = answer.json()
        batch = app.store.data["batches"][str(raw["batch_id"])]
        view = app.payouts.batch_view(batch)
        view["trace"] = raw["trace"]  # each answer has its own trace
        return jsonwire.dumps(view)

    body: dict[str, Any] = {**ACCOUNT, "order_id": 'Pay "é" 1', "requests": [kit.payee()]}
    answer = kit.post(pt2, "/payout/batch/new", body)
    assert answer.content == plain(answer)
    batch_id = answer.json()["batch_id"]
    for amounts in (["1.5", "700"], ["0.01"], ["250", "250", "999.99"]):
        added = kit.post(
            pt2,
            "/payout/batch/add",
            {
                **ACCOUNT,
                "batch_id": batch_id,
                "requests": [
                    kit.payee(amount=Decimal(a), merchant_reference=None) for a in amounts
                ],
            },
        )
        assert added.status_code == 200 and added.content == plain(added)
    listed = added.json()
    assert listed["count"] == 7 == len(listed["requests"])
    assert Decimal(listed["total"]) == sum(Decimal(e["amount"]) for e in listed["requests"])
    query = {**ACCOUNT, "batch_id": batch_id}
    queried = kit.post(pt2, "/payout/batch/query", query)
    assert queried.content == plain(queried)
    closed = close(kit, pt2, listed)
    assert closed.status_code == 200 and closed.content == plain(closed)
    kit.post(control, "/_sandbox/clock/advance", {"days": 3})
    done = kit.post(pt2, "/payout/batch/query", query)
    assert done.json()["status"] == "Completed" and done.content == plain(done)
    kit.post(control, "/_sandbox/reset")
    again = kit.post(pt2, "/payout/batch/new", {**ACCOUNT, "order_id": "After reset"})
    assert again.json()["count"] == 0 and again.content == plain(again)


def test_a_broken_request_among_good_ones_is_named_and_nothing_is_added(
    kit: Any, pt2: httpx.Client
) -> None:
    batch = new_batch(kit, pt2, [kit.payee()])
    requests = [kit.payee(), kit.payee(), kit.payee(beneficiary_country="XX"), kit.payee()]
    refused = kit.post(
        pt2, "/payout/batch/add", {**ACCOUNT, "batch_id": batch["batch_id"], "requests": requests}
    )
    assert refused.status_code == 400
    assert "requests[2].beneficiary_country" in refused.json()["message"]
    good = [kit.payee()]
    wrong_account = kit.post(
        pt2, "/payout/batch/add", {**ACCOUNT, "batch_id": "x", "requests": good}
    )
    assert wrong_account.status_code == 400 and "batch_id" in wrong_account.json()["message"]
    queried = kit.post(pt2, "/payout/batch/query", {**ACCOUNT, "batch_id": batch["batch_id"]})
    assert queried.json()["count"] == 1
