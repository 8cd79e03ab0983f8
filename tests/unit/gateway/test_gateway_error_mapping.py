"""Every status/body shape and transport fault becomes the right error, with the right number
of requests on the wire (fake gateways from gateway_fakes; not the sandbox)."""

from __future__ import annotations

import pickle

import pytest

from clickpay_desk.gateway import errors
from clickpay_desk.gateway.http import field_problems, split_field_message
from tests.unit.gateway.gateway_fakes import clickpay, pt2_error, script
from tests.unit.gateway.gateway_scenarios import SCENARIOS, Scenario


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_scenario_maps_to_the_right_error(scenario: Scenario) -> None:
    error, gateway = scenario.run()
    assert isinstance(error, scenario.expected), (type(error), str(error))
    for wrong in scenario.not_expected:
        assert not isinstance(error, wrong), type(error)
    assert gateway.count == scenario.requests, "requests seen by the gateway"
    if scenario.check is not None:
        scenario.check(error)
    text = str(error)
    # Plain language: a sentence, no Python or HTTP library vocabulary.
    assert (text and text[0].isupper()) or isinstance(error, errors.FieldRefused)
    for jargon in ("Traceback", "httpx", "Exception", "<Request", "None"):
        assert jargon not in text
    assert error.operation, "every error names the operation it interrupted"
    assert error.__cause__ is None and error.__context__ is None


def test_every_error_class_has_a_plain_str_and_survives_pickling() -> None:
    samples = [
        errors.AuthenticationRefused("The key was refused.", http_status=401, trace="T1"),
        errors.FieldRefused("cart_amount", "must be at most 100.00", http_status=400),
        errors.RequestRefused("Refused.", operation="create the invoice"),
        errors.Declined("Declined.", tran_ref="TST1", response_code="G1"),
        errors.NotFound("No such invoice."),
        errors.RateLimited("Slow down.", retry_after=3.0),
        errors.GatewayUnavailable("Could not reach ClickPay."),
        errors.OutcomeUnknown("No clear answer."),
        errors.BrokenResponse("Unreadable."),
        errors.UnreadableOutcome("Accepted but unreadable."),
        errors.Cancelled("Cancelled."),
    ]
    for error in samples:
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error) and str(copy) == str(error)
        assert vars(copy) == vars(error)
    assert str(samples[0]) == "The key was refused. (gateway reference T1)"
    assert str(samples[1]) == "cart_amount: must be at most 100.00"
    assert samples[1].field == "cart_amount" and samples[1].message == "must be at most 100.00"
    assert samples[5].retry_after == 3.0  # type: ignore[attr-defined]


def test_unreadable_outcome_is_both_unknown_and_broken() -> None:
    error = errors.UnreadableOutcome("x")
    assert isinstance(error, errors.OutcomeUnknown) and isinstance(error, errors.BrokenResponse)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("cart_amount: must be at most 100.00", ("cart_amount", "must be at most 100.00")),
        (
            "requests[1].beneficiary_account_number: bad",
            ("requests[1].beneficiary_account_number", "bad"),
        ),
        ("customer.email: invalid", ("customer.email", "invalid")),
        (
            "eInvoiceDetails.eInvoiceItems[0].price: > 0",
            ("eInvoiceDetails.eInvoiceItems[0].price", "> 0"),
        ),
        ("Error: something broke", None),  # capitalised: a word, not a wire field
        ("Failed to cancel invoice", None),
        ("Invalid request: x", None),
        ("https://example.com is down", None),
        ("cart_amount:", None),
        ("", None),
        (None, None),
    ],
)
def test_field_named_messages(message: str | None, expected: tuple[str, str] | None) -> None:
    assert split_field_message(message) == expected


def test_several_named_fields_are_all_kept() -> None:
    message = (
        "requests[0].beneficiary_account_number: must be 24 characters for a SA IBAN; "
        "requests[0].beneficiary_mobile_number: is not a valid phone number"
    )
    assert field_problems(message) == (
        ("requests[0].beneficiary_account_number", "must be 24 characters for a SA IBAN"),
        ("requests[0].beneficiary_mobile_number", "is not a valid phone number"),
    )
    # One field whose explanation happens to contain "; " stays one problem.
    assert field_problems("cart_id: too long; shorten it") == (("cart_id", "too long; shorten it"),)
    assert field_problems("Duplicate request; try later") == ()
    gateway = script(pt2_error(400, 5, message))
    with clickpay(gateway) as client, pytest.raises(errors.FieldRefused) as caught:
        client.payout_new("P-1", [])
    error = caught.value
    assert error.field == "requests[0].beneficiary_account_number"
    assert [name for name, _ in error.problems] == [
        "requests[0].beneficiary_account_number",
        "requests[0].beneficiary_mobile_number",
    ]
    assert str(error).startswith(message)
