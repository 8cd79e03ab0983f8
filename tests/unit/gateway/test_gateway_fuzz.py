"""Fuzzing: whatever a gateway sends, the parsers and clients raise nothing but GatewayError.

Three levels: the model parsers on arbitrary JSON values (and on reference samples with one
field replaced by junk), the callback parser on arbitrary bytes, and whole client calls whose
fake gateway (MockTransport, not the sandbox) answers arbitrary status codes and bytes.
"""

from __future__ import annotations

import contextlib
import copy
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clickpay_desk.core import jsonwire
from clickpay_desk.gateway.callbacks import parse_callback
from clickpay_desk.gateway.errors import BrokenResponse, GatewayError
from clickpay_desk.gateway.geidea_models import GeideaAck, PaymentIntent, SearchPage
from clickpay_desk.gateway.http import RetryPolicy
from clickpay_desk.gateway.models import (
    Acknowledgement,
    InvoiceCreated,
    InvoiceStatus,
    PaymentRequestCreated,
    PayoutBatch,
    PayoutEntry,
    Transaction,
)
from tests.unit.gateway.gateway_fakes import clickpay, fixture_bytes, geidea

PARSERS: list[Callable[[Any], Any]] = [
    InvoiceCreated.from_wire,
    InvoiceStatus.from_wire,
    PaymentRequestCreated.from_wire,
    Transaction.from_wire,
    PayoutBatch.from_wire,
    PayoutEntry.from_wire,
    Acknowledgement.from_wire,
    PaymentIntent.from_wire,
    SearchPage.from_wire,
    GeideaAck.from_wire,
]

KEYS = [
    "invoice_id", "invoice_link", "invoice_status", "tran_ref", "tran_status", "cart_id",
    "cart_amount", "tran_total", "cart_currency", "payment_result", "response_status",
    "payment_info", "expiryMonth", "customer_details", "shipping_details", "parentRequest",
    "previous_tran_ref", "agreement_id", "token", "profileId", "batch_id", "status", "requests",
    "entry_id", "amount", "fee", "total", "count", "paymentIntent", "paymentIntentId",
    "eInvoiceDetails", "eInvoiceItems", "customer", "eInvoiceSentLinks", "paymentIntents",
    "totalCount", "responseCode", "message", "code", "isPending", "quantity",
]  # fmt: skip

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["A", "d", "paid", "New", "9.50", "", " ", "1,250.00", "Created", "1e5"])
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), children, max_size=6)
    ),
    max_leaves=30,
)

SAMPLE_FILES = [
    "000_invoice_create_response.json",
    "000_invoice_status_paid_response.json",
    "000_invoice_paid_callback.json",
    "001_payment_own_form_non3ds_response.json",
    "002_ipn_followup.json",
    "002_ipn_initial.json",
    "003_create_einvoice_response.json",
    "003_send_einvoice_sms_response.json",
    "004_batch_query_status_response.json",
    "004_batch_query_entry_response.json",
]
SAMPLES = [jsonwire.loads(fixture_bytes(name)) for name in SAMPLE_FILES]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


@st.composite
def mutated_samples(draw: st.DrawFn) -> Any:
    """A reference sample with one field (at any depth) replaced by junk, or removed."""
    sample = copy.deepcopy(draw(st.sampled_from(SAMPLES)))
    path = draw(st.sampled_from(_paths(sample)))
    parent = sample
    for step in path[:-1]:
        parent = parent[step]
    if isinstance(parent, dict) and draw(st.booleans()):
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(json_values)
    return sample


def _only_broken(parser: Callable[[Any], Any], value: Any) -> None:
    with contextlib.suppress(BrokenResponse):
        parser(value)


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(value=json_values)
def test_parsers_on_arbitrary_json(value: Any) -> None:
    for parser in PARSERS:
        _only_broken(parser, value)


@FUZZ
@given(value=mutated_samples())
def test_parsers_on_samples_with_one_field_broken(value: Any) -> None:
    for parser in PARSERS:
        _only_broken(parser, value)


@FUZZ
@given(raw=st.binary(max_size=400) | json_values.map(lambda v: jsonwire.dumps(v)))
def test_callback_parser_on_arbitrary_bytes(raw: bytes) -> None:
    _only_broken(parse_callback, raw)


@FUZZ
@given(value=mutated_samples())
def test_callback_parser_on_broken_samples(value: Any) -> None:
    _only_broken(parse_callback, jsonwire.dumps(value))


STATUSES = [200, 201, 204, 301, 400, 401, 403, 404, 408, 409, 422, 429, 500, 502, 503]
bodies = (
    st.binary(max_size=300)
    | json_values.map(lambda v: jsonwire.dumps(v))
    | mutated_samples().map(lambda v: jsonwire.dumps(v))
)
answers = st.tuples(
    st.sampled_from(STATUSES), bodies, st.sampled_from(["application/json", "text/html", ""])
)

CALLS: list[tuple[str, Callable[[Any], Any]]] = [
    ("pt2", lambda c: c.create_invoice({"cart_amount": Decimal("9.50")})),
    ("pt2", lambda c: c.invoice_status("1")),
    ("pt2", lambda c: c.find_invoice_by_cart_id("cart")),
    ("pt2", lambda c: c.cancel_invoice("1")),
    ("pt2", lambda c: c.payment_request({})),
    ("pt2", lambda c: c.query_transaction(cart_id="cart")),
    ("pt2", lambda c: c.cancel_agreement("1")),
    ("pt2", lambda c: c.payout_new("o", [])),
    ("pt2", lambda c: c.payout_query_entry("1", "2")),
    ("pt2", lambda c: c.payout_find_by_order("o")),
    ("geidea", lambda c: c.create({})),
    ("geidea", lambda c: c.delete("p")),
    ("geidea", lambda c: c.search(page_number=1)),
    ("geidea", lambda c: c.fetch("p")),
]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer=answers, call=st.sampled_from(CALLS))
def test_clients_raise_only_gateway_errors(
    answer: tuple[int, bytes, str], call: tuple[str, Callable[[Any], Any]]
) -> None:
    status, body, content_type = answer
    headers = {"content-type": content_type} if content_type else {}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers=headers)

    transport = httpx.MockTransport(handler)
    once = RetryPolicy(attempts=2, base_delay=0.0, max_delay=0.0)
    client = clickpay(transport, retry=once) if call[0] == "pt2" else geidea(transport, retry=once)
    errors = _ErrorRecords()
    logger = logging.getLogger("clickpay_desk.gateway")
    logger.addHandler(errors)
    try:
        with client:
            try:
                call[1](client)
            except GatewayError as exc:
                assert str(exc)
                assert exc.__context__ is None and exc.__cause__ is None
    finally:
        logger.removeHandler(errors)
    # The session turns a crashing parser into BrokenResponse and logs it: that must not happen.
    assert errors.records == []


class _ErrorRecords(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
