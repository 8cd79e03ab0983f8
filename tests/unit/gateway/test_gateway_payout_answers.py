"""How the ClickPay client reads batch/new and batch/add answers (fake gateway).

Those answers list the whole batch; the client reads the batch fields and only the entries the
call appended (the listing's tail), so a chunked submission does not cost the square of the
batch's size. ``payout_query`` still reads every entry."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from clickpay_desk.gateway.errors import UnreadableOutcome
from tests.unit.gateway.gateway_fakes import clickpay, fixture_json, reply, script

IBAN = "SA0380000000608010167519"


def listed(n: int, amount: str = "101.00") -> dict[str, Any]:
    return {
        "entry_id": 10020 + n,
        "amount": amount,
        "fee": "0.63",
        "total": str(Decimal(amount) + Decimal("0.63")),
        "beneficiary_account_number": IBAN,
        "merchant_reference": f"P-{n}",
        "status": "Pending",
        "protocol_message": "PENDING",
    }


def batch_answer(entries: list[dict[str, Any]], **changes: Any) -> dict[str, Any]:
    return {
        "batch_id": 30143,
        "profile_id": 44537,
        "account_id": 654,
        "currency": "sar",
        "total": f"{101 * len(entries)}.00",
        "count": len(entries),
        "order_id": "Payout-API-1",
        "status": "New",
        "requests": entries,
        "trace": "PMNT0101.TEST.0001",
        **changes,
    }


def request() -> dict[str, Any]:
    entry: dict[str, Any] = fixture_json("004_batch_add_request.json")["requests"][0]
    return entry


def test_add_reads_the_batch_fields_and_only_the_appended_entries() -> None:
    entries = [listed(n) for n in range(1, 6)]
    entries[4]["amount"] = "0.10"  # exact, never through float
    gateway = script(reply(200, batch_answer(entries, total="404.10")))
    with clickpay(gateway) as client:
        added = client.payout_add("30143", "Payout-API-1", [request(), request()])
    assert (added.batch_id, added.status, added.count) == ("30143", "New", 5)
    assert added.currency == "SAR" and added.order_id == "Payout-API-1"
    assert added.total == Decimal("404.10")
    assert [e.entry_id for e in added.requests] == ["10024", "10025"]
    assert added.requests[1].amount == Decimal("0.10")
    assert added.requests[0].beneficiary_account_number == IBAN


def test_entries_before_the_appended_ones_are_not_read() -> None:
    # An entry from an earlier add that this reader cannot use does not fail this add:
    # it was read (and its id learnt) from the earlier answer.
    entries = [{"entry_id": None, "status": "?"}, listed(2)]
    gateway = script(reply(200, batch_answer(entries, total="202.00")))
    with clickpay(gateway) as client:
        added = client.payout_add("30143", "Payout-API-1", [request()])
    assert [e.entry_id for e in added.requests] == ["10022"]


def test_new_reads_the_entries_it_created() -> None:
    empty = fixture_json("004_batch_new_response.json")
    gateway = script(reply(200, empty), reply(200, batch_answer([listed(1)])))
    with clickpay(gateway) as client:
        new = client.payout_new("Payout-API-20240825", [])
        with_one = client.payout_new("Payout-API-20240826", [request()])
    assert new.batch_id == "12" and new.count == 0 and new.requests == ()
    assert new.total == Decimal(0)
    assert [e.entry_id for e in with_one.requests] == ["10021"]


@pytest.mark.parametrize(
    ("answer", "named"),
    [
        (batch_answer([listed(1)], batch_id=None), "batch_id"),
        (batch_answer([listed(1)], status=None), "status"),
        (batch_answer([listed(1)], total="12,3x"), "total"),
        (batch_answer([listed(1)], requests={"entry_id": 1}), "requests"),
        (batch_answer([listed(1), {**listed(2), "entry_id": None}]), "requests[1].entry_id"),
        (batch_answer([listed(1), "not an object"]), "requests[1]"),
        (batch_answer([listed(1), {**listed(2), "amount": "lots"}]), "requests[1].amount"),
    ],
)
def test_a_broken_add_answer_is_an_unknown_outcome_naming_the_field(
    answer: dict[str, Any], named: str
) -> None:
    gateway = script(reply(200, answer))
    with clickpay(gateway) as client, pytest.raises(UnreadableOutcome) as caught:
        client.payout_add("30143", "Payout-API-1", [request()])
    assert named in str(caught.value)
    assert "Check its status before trying again" in str(caught.value)


def test_not_json_at_all_is_an_unknown_outcome_too() -> None:
    gateway = script(reply(200, raw=b"<html>busy</html>", content_type="text/html"))
    with clickpay(gateway) as client, pytest.raises(UnreadableOutcome):
        client.payout_add("30143", "Payout-API-1", [request()])


def test_query_still_reads_every_entry() -> None:
    entries = [listed(1), {**listed(2), "amount": "lots"}]
    gateway = script(reply(200, batch_answer(entries)), reply(200, batch_answer([listed(1)])))
    with clickpay(gateway) as client:
        with pytest.raises(Exception, match=r"requests\[1\]\.amount"):
            client.payout_query("30143")
        whole = client.payout_query("30143")
    assert [e.entry_id for e in whole.requests] == ["10021"]


def test_a_batch_of_thirty_thousand_entries_is_read_whole() -> None:
    # ~8 MB of listing: more than a default answer bound, well within what a batch may hold.
    entries = [listed(n) for n in range(1, 30_001)]
    gateway = script(reply(200, batch_answer(entries, total=f"{101 * 30_000}.00")))
    with clickpay(gateway) as client:
        whole = client.payout_query("30143")
    assert whole.count == 30_000 and len(whole.requests) == 30_000
    assert whole.total == Decimal("3030000.00")
