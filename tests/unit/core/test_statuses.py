"""Every gateway status reads as words a shop owner understands; unknown values show raw."""

from __future__ import annotations

import pytest

from clickpay_desk.core.statuses import (
    INVOICE_CANCELLABLE,
    INVOICE_SETTLED,
    GeideaStatus,
    InvoiceStatus,
    TranStatus,
    geidea_status_text,
    invoice_status_text,
    parse_invoice_status,
    transaction_status_text,
)


@pytest.mark.parametrize(
    "raw", ["pending", "paid", "cancelled", "expired", "overdue", "refunded", "failed"]
)
def test_every_pt2_invoice_status_has_words(raw: str) -> None:
    text = invoice_status_text(raw)
    assert text and text != raw
    assert invoice_status_text(raw.upper()) == text


@pytest.mark.parametrize("code", ["A", "H", "P", "V", "E", "D", "X", "C"])
def test_every_response_status_has_words(code: str) -> None:
    text = transaction_status_text(code)
    assert len(text) > 1
    assert transaction_status_text(code.lower()) == text


@pytest.mark.parametrize(
    "raw",
    ["Created", "SentToCustomer", "Paid", "Incomplete", "Expired", "Preauthorized", "Pending"],
)
def test_every_geidea_status_has_words(raw: str) -> None:
    text = geidea_status_text(raw)
    assert text
    assert geidea_status_text(raw.lower()) == text


def test_words_are_plain() -> None:
    assert invoice_status_text("pending") == "Waiting for payment"
    assert transaction_status_text("H") == "On hold for fraud review"
    assert geidea_status_text("SentToCustomer") == "Sent to the customer"
    assert invoice_status_text("canceled") == "Cancelled"


@pytest.mark.parametrize("fn", [invoice_status_text, transaction_status_text, geidea_status_text])
def test_unknown_is_shown_raw_never_a_crash(fn) -> None:  # type: ignore[no-untyped-def]
    assert fn("Frozen-By-Bank") == "Frozen-By-Bank"
    assert fn("") == "Unknown"
    assert fn(None) == "Unknown"


def test_sets_cover_the_vocabulary() -> None:
    assert set(InvoiceStatus) >= INVOICE_SETTLED | INVOICE_CANCELLABLE
    assert not INVOICE_SETTLED & INVOICE_CANCELLABLE
    assert InvoiceStatus.OVERDUE in INVOICE_CANCELLABLE
    assert parse_invoice_status("PAID") is InvoiceStatus.PAID
    assert len(TranStatus) == 8
    assert GeideaStatus("Preauthorized") is GeideaStatus.PREAUTHORIZED


def test_tran_types_are_defined_once() -> None:
    from clickpay_desk.core.agreement import AGREEMENT_TRAN_TYPES, TRAN_TYPES
    from clickpay_desk.core.invoice import TRAN_CLASSES
    from clickpay_desk.core.invoice import TRAN_TYPES as INVOICE_TRAN_TYPES
    from clickpay_desk.core.statuses import TranClass, TranType

    assert set(TranType) == TRAN_TYPES and {"sale", "auth"} == AGREEMENT_TRAN_TYPES
    assert INVOICE_TRAN_TYPES == ("sale", "auth") and TRAN_CLASSES == (TranClass.ECOM,)


@pytest.mark.parametrize(
    ("wire", "final"),
    [("overdue", False), ("failed", False), ("Refunded", True), ("PAID", True)],
)
def test_pt2_answers_read_the_whole_invoice_vocabulary(wire: str, final: bool) -> None:
    from clickpay_desk.gateway.models import InvoiceStatus as Answer

    answer = Answer.from_wire({"invoice_status": wire, "tran_status": "x"})
    assert answer.status == wire.lower() and answer.is_final is final
    assert answer.tran_status == TranStatus.EXPIRED
    assert invoice_status_text(answer.status) != answer.status


def test_geidea_answers_read_the_whole_vocabulary() -> None:
    from clickpay_desk.gateway.geidea_models import PaymentIntent

    intent = PaymentIntent.from_wire(
        {"paymentIntent": {"paymentIntentId": "p", "status": "incomplete"}}
    )
    assert intent.status == GeideaStatus.INCOMPLETE == "Incomplete"
    odd = PaymentIntent.from_wire({"paymentIntent": {"paymentIntentId": "p", "status": "OnHold"}})
    assert odd.status == "OnHold" and geidea_status_text(odd.status) == "OnHold"
