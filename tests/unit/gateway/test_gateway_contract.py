"""Contract tests: every reference sample response and callback parses into the typed models.

The fixture files in tests/fixtures/reference/ are the samples as printed in the reference
documents, with only what stops them being JSON changed:

* masked numbers outside strings (``"profileId": 987###``, ``"merchantId": 1*****7``,
  ``"profileId": #####``) have each ``#``/``*`` replaced by ``9`` (987999, 1999997), or, in
  the 002 follow-up IPN written by another helper, by a plausible id (44537, 2348);
* trailing commas before ``}`` are dropped, and the agreement-cancel answer, printed without
  its opening brace, gets it back;
* masks inside strings ("TST22********159", "4000 00## #### 0002", "###############") are kept.

Duplicate keys ("serviceId": 8, "serviceId": 2) are kept: they are valid JSON, the last wins.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from clickpay_desk.core import jsonwire
from clickpay_desk.gateway.callbacks import CallbackKind, parse_callback
from clickpay_desk.gateway.geidea_models import GeideaAck, IntentStatus, PaymentIntent, SearchPage
from clickpay_desk.gateway.models import (
    Acknowledgement,
    BatchStatus,
    EntryStatus,
    InvoiceCreated,
    InvoiceState,
    InvoiceStatus,
    PaymentRequestCreated,
    PayoutBatch,
    PayoutEntry,
    TranStatus,
)
from tests.unit.gateway.gateway_fakes import (
    REFERENCE_DIR,
    clickpay,
    fixture_bytes,
    fixture_json,
    fixture_reply,
    geidea,
    script,
)


def load(name: str) -> object:
    return jsonwire.loads(fixture_bytes(name))


# Every response/callback sample and the model that must read it.
SAMPLES = {
    "000_invoice_create_response.json": InvoiceCreated.from_wire,
    "000_invoice_create_tokenised_response.json": InvoiceCreated.from_wire,
    "001_invoice_create_response.json": InvoiceCreated.from_wire,
    "000_invoice_status_pending_response.json": InvoiceStatus.from_wire,
    "000_invoice_status_paid_response.json": InvoiceStatus.from_wire,
    "000_invoice_status_cancelled_response.json": InvoiceStatus.from_wire,
    "000_invoice_status_post_paid_response.json": InvoiceStatus.from_wire,
    "000_invoice_cancel_response.json": Acknowledgement.from_wire,
    "001_payment_hpp_response.json": PaymentRequestCreated.from_wire,
    "001_invoice_via_payment_endpoint_response.json": PaymentRequestCreated.from_wire,
    "001_payment_managed_form_3ds_response.json": PaymentRequestCreated.from_wire,
    "001_payment_managed_form_non3ds_response.json": PaymentRequestCreated.from_wire,
    "001_payment_own_form_3ds_response.json": PaymentRequestCreated.from_wire,
    "001_payment_own_form_non3ds_response.json": PaymentRequestCreated.from_wire,
    "002_agreement_cancel_response.json": Acknowledgement.from_wire,
    "003_create_einvoice_response.json": PaymentIntent.from_wire,
    "003_update_einvoice_response.json": PaymentIntent.from_wire,
    "003_send_einvoice_email_response.json": PaymentIntent.from_wire,
    "003_send_einvoice_sms_response.json": PaymentIntent.from_wire,
    "003_delete_einvoice_response.json": GeideaAck.from_wire,
    "004_batch_new_response.json": PayoutBatch.from_wire,
    "004_batch_query_status_response.json": PayoutBatch.from_wire,
    "004_batch_query_entry_response.json": PayoutEntry.from_wire,
}
CALLBACKS = {
    "000_invoice_paid_callback.json": CallbackKind.INITIAL,
    "000_invoice_tokenised_callback.json": CallbackKind.TOKENISED,
    "002_ipn_initial.json": CallbackKind.AGREEMENT,
    "002_ipn_followup.json": CallbackKind.FOLLOW_UP,
}


def test_every_response_fixture_is_covered() -> None:
    """A new sample file in our name patterns must be added to SAMPLES or CALLBACKS."""
    on_disk = {
        p.name
        for p in REFERENCE_DIR.glob("00[0-4]_*.json")
        if "request" not in p.name and p.name != "000_invoice_cancel_failed_response.json"
    }
    assert on_disk == set(SAMPLES) | set(CALLBACKS)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample_parses(name: str) -> None:
    assert SAMPLES[name](load(name)) is not None


@pytest.mark.parametrize("name", sorted(CALLBACKS))
def test_callback_sample_parses_with_its_kind(name: str) -> None:
    assert parse_callback(fixture_bytes(name)).kind is CALLBACKS[name]


def test_invoice_created_ids_are_text_and_exact() -> None:
    created = InvoiceCreated.from_wire(load("000_invoice_create_tokenised_response.json"))
    assert created.invoice_id == "111111222223333"
    assert created.invoice_link.endswith("C959A415A47D4E3000111222333E9A01")


def test_invoice_status_samples() -> None:
    paid = InvoiceStatus.from_wire(load("000_invoice_status_paid_response.json"), "77")
    assert paid.status == InvoiceState.PAID and paid.is_paid and paid.is_final
    assert paid.tran_ref == "SFT200001111000076067"
    assert paid.tran_status == TranStatus.AUTHORISED
    assert paid.tran_status_msg == "Authorised"
    assert paid.invoice_id == "77"
    pending = InvoiceStatus.from_wire(load("000_invoice_status_pending_response.json"))
    assert pending.status == "pending" and not pending.is_final and pending.tran_ref is None
    cancelled = InvoiceStatus.from_wire(load("000_invoice_status_cancelled_response.json"))
    assert cancelled.status == InvoiceState.CANCELLED


def test_paid_invoice_callback_fields() -> None:
    callback = parse_callback(fixture_bytes("000_invoice_paid_callback.json"))
    t = callback.transaction
    assert callback.tran_ref == "SFT222221111100000" and callback.cart_id == "cart_12345"
    assert t.cart_amount == Decimal("9.50") and str(t.tran_total) == "9.50"
    assert t.profile_id == "61616161616" and t.merchant_id == "515151515"
    assert t.payment_result is not None and t.payment_result.response_code == "G22680"
    assert callback.authorised
    assert t.payment_info is not None and t.payment_info.expiry_year == 2022
    assert t.customer_details is not None and t.customer_details.country == "SA"
    assert t.ipn_trace == "IPNS0004.6100008.00004D4D"
    assert t.token is None


def test_tokenised_callback_carries_token() -> None:
    t = parse_callback(fixture_bytes("000_invoice_tokenised_callback.json")).transaction
    assert t.token == "2C4612345678436C123456796C867ABA"


def test_agreement_and_follow_up_callbacks() -> None:
    initial = parse_callback(fixture_bytes("002_ipn_initial.json")).transaction
    assert initial.agreement_id == "3153"
    assert initial.cart_amount == Decimal("1.01")
    assert initial.shipping_details is not None and initial.shipping_details.state == "04"
    assert initial.payment_result is not None
    assert initial.payment_result.acquirer_ref == "TRAN0302.6686534C.0000820A"
    follow = parse_callback(fixture_bytes("002_ipn_followup.json")).transaction
    assert follow.previous_tran_ref == "SFT2415409825504"
    assert follow.parent_tran_ref == "SFT2415409825504"
    assert follow.profile_id == "44537"  # from "profileId"
    assert follow.payment_result is not None
    assert follow.payment_result.acquirer_rrn == "415406098173"


def test_payment_endpoint_samples() -> None:
    hpp = PaymentRequestCreated.from_wire(load("001_payment_hpp_response.json"))
    assert hpp.tran_ref == "TST22********159"
    assert hpp.redirect_url is not None and hpp.redirect_url.startswith("https://secure.paytabs")
    assert hpp.cart_amount == Decimal("500.00") and hpp.profile_id == "987999"
    direct = PaymentRequestCreated.from_wire(load("001_payment_own_form_non3ds_response.json"))
    assert direct.redirect_url is None
    assert direct.payment_result is not None and direct.payment_result.authorised


def test_acknowledgements() -> None:
    assert (
        Acknowledgement.from_wire(load("000_invoice_cancel_response.json")).message
        == "Invoice has been cancelled"
    )
    ack = Acknowledgement.from_wire(load("002_agreement_cancel_response.json"))
    assert ack.status == "success" and ack.trace == "PMNT0101.66852C48.00005760"


def test_payout_samples() -> None:
    new = PayoutBatch.from_wire(load("004_batch_new_response.json"))
    assert (new.batch_id, new.status, new.total, new.count) == ("12", BatchStatus.NEW, 0, 0)
    assert new.order_id == "Payout-API-20220211" and new.requests == ()
    done = PayoutBatch.from_wire(load("004_batch_query_status_response.json"))
    assert done.status == BatchStatus.COMPLETED
    assert [e.entry_id for e in done.requests] == ["52", "54"]
    assert done.requests[1].total == Decimal("802.33")
    assert all(e.status == EntryStatus.PAID for e in done.requests)
    entry = PayoutEntry.from_wire(load("004_batch_query_entry_response.json"))
    assert entry.status == EntryStatus.FAILED and entry.fee == Decimal("0.63")
    assert entry.protocol_message == "Unrecoverable integration error"


def test_geidea_samples() -> None:
    created = PaymentIntent.from_wire(load("003_create_einvoice_response.json"))
    assert created.payment_intent_id == "8f67f208-7a6d-4e5c-741e-08dc400e92f5"
    assert created.status == IntentStatus.CREATED
    assert created.amount == 20 and created.currency == "SAR"
    assert created.invoice_id == "INV-202604-120825148618"
    assert created.merchant_reference_id == "ref123"
    assert created.items[0].quantity == 2 and created.items[0].sku == "1245"
    assert created.customer is not None and created.customer.phone_country_code == "+20"
    sms = PaymentIntent.from_wire(load("003_send_einvoice_sms_response.json"))
    assert sms.status == IntentStatus.SENT_TO_CUSTOMER
    assert [link.channel for link in sms.sent_links] == ["Sms", "Email"]
    assert sms.amount == Decimal("1000.00") and str(sms.amount) == "1000.00"


def test_geidea_search_page_parses_intents_from_samples() -> None:
    intent = fixture_json("003_update_einvoice_response.json")["paymentIntent"]
    body = {"paymentIntents": [intent, intent], "totalCount": 7, "responseCode": "000"}
    page = SearchPage.from_wire(jsonwire.loads(jsonwire.dumps(body)), 1, 2)
    assert page.total_count == 7 and len(page.intents) == 2 and page.page_size == 2


def test_clients_return_sample_answers_end_to_end() -> None:
    """The samples as HTTP bodies, through the real client code paths."""
    gw = script(fixture_reply("004_batch_query_status_response.json"))
    with clickpay(gw) as client:
        batch = client.payout_query_status("30", "PAID")
    assert batch.batch_id == "30" and gw.seen[0].url.path == "/payout/batch/query/paid"
    gw = script(fixture_reply("003_send_einvoice_email_response.json"))
    with geidea(gw) as client:
        intent = client.send_by_email("219e4abd-901f-4f79-a4de-08db661548fa")
    # The sample has the web page's e-mail mask, with a no-break space, as printed.
    assert intent.sent_links[0].channel == "Email"
    assert intent.sent_links[0].recipient == "[email\u00a0protected]"
