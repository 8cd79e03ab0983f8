"""Every reference sample request is accepted by the sandbox (after filling its placeholders),
except the first payout sample, which breaks the reference's own rules and is refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from clickpay_desk.sandbox import demo

GEIDEA = "/payment-intent/api/v1/direct/eInvoice"
ACCOUNT = {"profile_id": demo.PROFILE_ID, "account_id": demo.ACCOUNT_ID}


class Sandbox:
    """The clients a sample needs, plus the records it refers to."""

    def __init__(self, kit: Any, pt2: httpx.Client, geidea: httpx.Client, control: httpx.Client):
        self.kit, self.pt2, self.geidea, self.control = kit, pt2, geidea, control

    def sample(self, name: str) -> dict[str, Any]:
        body: dict[str, Any] = self.kit.load_reference(name)
        if "profile_id" in body:
            body["profile_id"] = demo.PROFILE_ID  # "987###", 45154, {{profile_id}} in the docs
        return body

    def ok(self, response: httpx.Response) -> dict[str, Any]:
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    def batch(self, order_id: str, *amounts: int) -> dict[str, Any]:
        requests = [self.kit.payee(amount=a) for a in amounts]
        return self.ok(
            self.kit.post(
                self.pt2,
                "/payout/batch/new",
                {**ACCOUNT, "order_id": order_id, "requests": requests},
            )
        )


def _pt2_invoice(s: Sandbox, name: str) -> None:
    body = s.sample(name)
    invoice = body["invoice"]
    # the sample's dates are from 2021; keep their order, move them after today
    invoice.update(
        activation_date=s.kit.in_days(1), expiry_date=s.kit.in_days(22), due_date=s.kit.in_days(21)
    )
    answer = s.ok(s.kit.post(s.pt2, "/payment/new/invoice", body))
    assert set(answer) == {"invoice_id", "invoice_link"}


def _001_both_endpoints(s: Sandbox, name: str) -> None:
    body = s.sample(name)
    invoice = s.ok(s.kit.post(s.pt2, "/payment/new/invoice", body))
    assert set(invoice) == {"invoice_id", "invoice_link"}
    page = s.ok(s.kit.post(s.pt2, "/payment/request", body))
    assert page["cart_amount"] == "500.00" and page["tran_type"] == "Sale"


def _002_payment(s: Sandbox, name: str) -> None:
    body = s.sample(name)
    body["agreement"]["first_installment_due_date"] = s.kit.due_date(2)
    answer = s.ok(s.kit.post(s.pt2, "/payment/request", body))
    assert answer["cart_amount"] == "1.01"


def _002_cancel(s: Sandbox, name: str) -> None:
    payment = s.kit.payment_request()
    tran_ref = s.ok(s.kit.post(s.pt2, "/payment/request", payment))["tran_ref"]
    agreement_id = s.ok(s.kit.post(s.control, f"/_sandbox/payments/{tran_ref}/pay"))["agreement_id"]
    body = s.sample(name)
    body["agreement_id"] = agreement_id
    answer = s.ok(s.kit.post(s.pt2, "/payment/agreement/cancel", body))
    expected = s.kit.load_reference("002_agreement_cancel_response.json")
    assert set(answer) == set(expected)
    assert (answer["message"], answer["status"]) == (expected["message"], expected["status"])


def _003_create(s: Sandbox, name: str) -> None:
    body = s.sample(name)
    body["customer"]["email"] = "john@example.com"  # "[email protected]" in the published page
    body["activationDate"] = date.today().isoformat()
    body["expiryDate"] = (date.today() + timedelta(days=30)).isoformat()
    s.ok(s.kit.post(s.geidea, GEIDEA, body))


def _003_update(s: Sandbox, name: str) -> None:
    created = s.ok(s.kit.post(s.geidea, GEIDEA, s.kit.einvoice_request()))
    body = s.sample(name)
    body["paymentIntentId"] = created["paymentIntent"]["paymentIntentId"]
    body["customer"]["email"] = "john@example.com"
    answer = s.ok(s.kit.put(s.geidea, GEIDEA, body))
    assert answer["paymentIntent"]["status"] == "SentToCustomer"


def _004_new(s: Sandbox, name: str) -> None:
    body = s.sample(name)
    refused = s.kit.post(s.pt2, "/payout/batch/new", body)
    # The sample breaks the reference's own rules: SA30050000001 is 13 characters where a Saudi
    # IBAN has 24, and +96651111111 is too short to be an E.164 Saudi mobile number.
    assert refused.status_code == 400
    message = refused.json()["message"]
    assert message.startswith("requests[0].beneficiary_account_number: ")
    assert "requests[0].beneficiary_mobile_number: " in message
    assert "24 characters" in message
    # with a real IBAN and mobile number the same sample is accepted
    body["requests"][0].update(
        beneficiary_account_number="SA0380000000608010167519",
        beneficiary_mobile_number="+966511111111",
    )
    answer = s.ok(s.kit.post(s.pt2, "/payout/batch/new", body))
    assert set(s.kit.load_reference("004_batch_new_response.json")) <= set(answer)
    assert (answer["count"], answer["total"], answer["currency"]) == (1, "2.00", "SAR")


def _004_add(s: Sandbox, name: str) -> None:
    body = s.sample(name)
    body["batch_id"] = s.batch(body["order_id"])["batch_id"]
    answer = s.ok(s.kit.post(s.pt2, "/payout/batch/add", body))
    assert answer["count"] == 2 and answer["total"] == "256.00"


def _004_close(s: Sandbox, name: str) -> None:
    body = s.sample(name)
    body["batch_id"] = s.batch("close-sample", 1)["batch_id"]
    assert s.ok(s.kit.post(s.pt2, "/payout/batch/close", body))["status"] == "Pending"


def _004_query(s: Sandbox, name: str) -> None:
    batch = s.batch("query-sample", 120, 800)
    body = s.sample(name)
    body["batch_id"] = batch["batch_id"]
    answer = s.ok(s.kit.post(s.pt2, "/payout/batch/query", body))
    sample = s.kit.load_reference("004_batch_query_status_response.json")
    assert set(sample) <= set(answer)
    assert set(sample["requests"][0]) <= set(answer["requests"][0])


def _004_query_entry(s: Sandbox, name: str) -> None:
    batch = s.batch("entry-sample", 201)
    body = s.sample(name)
    body.update(batch_id=batch["batch_id"], entry_id=batch["requests"][0]["entry_id"])
    answer = s.ok(s.kit.post(s.pt2, "/payout/batch/query", body))
    assert list(answer) == list(s.kit.load_reference("004_batch_query_entry_response.json"))


def _004_query_status(s: Sandbox, name: str) -> None:
    batch = s.batch("status-sample", 120, 800)
    body = s.sample(name)
    body["batch_id"] = batch["batch_id"]
    for status in ("pending", "paid", "processed", "failed", "rejected"):
        answer = s.ok(s.kit.post(s.pt2, f"/payout/batch/query/{status}", body))
        assert len(answer["requests"]) == (2 if status == "pending" else 0)


SAMPLES: dict[str, Callable[[Sandbox, str], None]] = {
    "000_create_invoice_request.json": _pt2_invoice,
    "000_create_invoice_tokenise_request.json": _pt2_invoice,
    "001_invoice_request.json": _001_both_endpoints,
    "002_payment_request.json": _002_payment,
    "002_agreement_cancel_request.json": _002_cancel,
    "003_create_einvoice_request.json": _003_create,
    "003_update_einvoice_request.json": _003_update,
    "004_batch_new_request.json": _004_new,
    "004_batch_add_request.json": _004_add,
    "004_batch_close_request.json": _004_close,
    "004_batch_query_request.json": _004_query,
    "004_batch_query_entry_request.json": _004_query_entry,
    "004_batch_query_status_request.json": _004_query_status,
}


def test_every_request_sample_in_the_fixtures_is_covered(kit: Any) -> None:
    on_disk = {p.name for p in kit.REFERENCE_DIR.glob("*_request*.json")}
    assert on_disk - set(SAMPLES) == set(), "a new request sample needs a sandbox check"


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_reference_sample_request(
    kit: Any, pt2: httpx.Client, geidea: httpx.Client, control: httpx.Client, name: str
) -> None:
    assert (kit.REFERENCE_DIR / name).exists(), f"{name} is not in tests/fixtures/reference"
    SAMPLES[name](Sandbox(kit, pt2, geidea, control), name)


def test_the_first_payout_samples_numbers_really_are_invalid() -> None:
    from schwifty import IBAN
    from schwifty.exceptions import InvalidLength

    with pytest.raises(InvalidLength):
        IBAN("SA30050000001")
    import phonenumbers

    assert not phonenumbers.is_valid_number(phonenumbers.parse("+96651111111", None))
