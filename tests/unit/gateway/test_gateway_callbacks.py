"""Callbacks/IPNs: signature over the raw body, constant-time verification, the four kinds."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clickpay_desk.gateway.callbacks import (
    CallbackKind,
    callback_kind,
    parse_callback,
    sign,
    verify_signature,
)
from clickpay_desk.gateway.errors import BrokenResponse
from clickpay_desk.gateway.models import Transaction
from tests.unit.gateway.gateway_fakes import SERVER_KEY, fixture_bytes


def test_signature_known_vector() -> None:
    # openssl: printf '%s' '{"tran_ref":"TST1"}' | openssl dgst -sha256 -hmac SANDBOX-SERVER-KEY
    body = b'{"tran_ref":"TST1"}'
    expected = "752475a72f82351e7019a490ae7b715afff8ccfe6e04fc120b2fc21fe4a5a6cd"
    assert sign(body, "SANDBOX-SERVER-KEY") == expected
    assert verify_signature(body, expected, "SANDBOX-SERVER-KEY")
    assert verify_signature(body, expected.upper() + "\n", "SANDBOX-SERVER-KEY")


@pytest.mark.parametrize(
    "name",
    [
        "000_invoice_paid_callback.json",
        "000_invoice_tokenised_callback.json",
        "002_ipn_initial.json",
        "002_ipn_followup.json",
    ],
)
def test_samples_verify_only_with_the_right_key_and_exact_bytes(name: str) -> None:
    raw = fixture_bytes(name)
    signature = sign(raw, SERVER_KEY)
    assert verify_signature(raw, signature, SERVER_KEY)
    assert not verify_signature(raw, signature, SERVER_KEY + "x")
    # Re-serialising the same JSON changes the bytes, and so the signature.
    assert not verify_signature(json.dumps(json.loads(raw)).encode(), signature, SERVER_KEY)
    assert not verify_signature(raw + b" ", signature, SERVER_KEY)


@pytest.mark.parametrize("header", [None, "", "zz", "not hex at all", "é" * 64, "0" * 64])
def test_bad_signature_headers_are_false_not_errors(header: str | None) -> None:
    assert verify_signature(b"{}", header, SERVER_KEY) is False


def test_empty_key_never_verifies() -> None:
    assert verify_signature(b"{}", sign(b"{}", ""), "") is False


@given(body=st.binary(max_size=300), key=st.text(min_size=1, max_size=40))
def test_sign_verify_round_trip(body: bytes, key: str) -> None:
    signature = sign(body, key)
    assert len(signature) == 64 and verify_signature(body, signature, key)
    assert not verify_signature(body + b"!", signature, key)


def test_kind_detection_priorities() -> None:
    assert callback_kind(Transaction("T")) is CallbackKind.INITIAL
    assert callback_kind(Transaction("T", token="tok")) is CallbackKind.TOKENISED
    assert callback_kind(Transaction("T", token="tok", agreement_id="9")) is CallbackKind.AGREEMENT
    # A follow-up carries the token too (reference 002): it is still a follow-up.
    follow = Transaction("T", token="tok", agreement_id="9", previous_tran_ref="P")
    assert callback_kind(follow) is CallbackKind.FOLLOW_UP
    assert callback_kind(Transaction("T", parent_tran_ref="P")) is CallbackKind.FOLLOW_UP


def test_callback_parsing_tolerates_loose_values() -> None:
    body = {
        "tran_ref": 12345,
        "cart_amount": 9.5,
        "tran_total": "1,250.00",
        "cart_currency": "sar",
        "payment_result": {"response_status": "a"},
        "agreement_id": "3153",
        "unknown": {"nested": [1, 2]},
    }
    callback = parse_callback(json.dumps(body))
    t = callback.transaction
    assert callback.kind is CallbackKind.AGREEMENT and t.tran_ref == "12345"
    assert str(t.cart_amount) == "9.5" and str(t.tran_total) == "1250.00"
    assert t.cart_currency == "SAR" and callback.authorised


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"", "not valid JSON"),
        (b"<html></html>", "not valid JSON"),
        (b"[]", "not a JSON object"),
        (b'{"cart_id": "c"}', "tran_ref"),
        (b'{"tran_ref": "T", "cart_amount": "lots"}', "cart_amount"),
        (b'{"tran_ref": "T", "payment_result": "A"}', "payment_result"),
        (b'{"tran_ref": "T", "payment_result": {}}', "payment_result.response_status"),
        (b"\xff\xfe\x00", "not valid JSON"),
        (b"{" * 100_000, "not valid JSON"),
    ],
)
def test_broken_callbacks_name_the_problem(raw: bytes, words: str) -> None:
    with pytest.raises(BrokenResponse) as caught:
        parse_callback(raw)
    assert words in str(caught.value)


def test_oversized_callback_is_refused_unread() -> None:
    with pytest.raises(BrokenResponse):
        parse_callback(b'{"tran_ref": "T", "pad": "' + b"x" * 2_000_000 + b'"}')
