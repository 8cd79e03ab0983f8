""" "Test connection" against the sandbox simulator: what each failure says to the user.

No Qt here: the probe is plain Python, run by the task runner in the app.
"""

from __future__ import annotations

import socket
import threading

import pytest

from clickpay_desk.core.profile import GatewayKind, Profile
from clickpay_desk.sandbox import create_app, demo
from clickpay_desk.services.connection import check_connection

BASE = "http://127.0.0.1:9"  # only the transport is used, except in the closed-port test


@pytest.fixture(scope="module")
def transport():
    return create_app().transport()


def clickpay(**changes) -> Profile:
    values = {"merchant_id": str(demo.PROFILE_ID), **changes}
    return Profile("Sandbox", GatewayKind.CLICKPAY, BASE, **values)


def geidea() -> Profile:
    return Profile("Sandbox G", GatewayKind.GEIDEA, BASE, demo.GEIDEA_PUBLIC_KEY)


def test_clickpay_right_key_is_accepted(transport):
    verdict = check_connection(clickpay(), demo.SERVER_KEY, transport=transport)
    assert verdict.ok, verdict
    assert verdict.message == "The gateway answered and accepted the key."


def test_clickpay_wrong_key_is_named(transport):
    verdict = check_connection(clickpay(), "WRONG-KEY-1234", transport=transport)
    assert verdict.answering and verdict.key_accepted is False
    assert "did not accept the server key" in verdict.message
    assert "WRONG-KEY-1234" not in verdict.message


def test_a_key_no_gateway_could_accept_is_refused_without_asking(transport):
    verdict = check_connection(clickpay(), "KEY-\u0660-1234", transport=transport)
    assert not verdict.answering and verdict.key_accepted is False
    assert "characters a server key cannot have" in verdict.message
    assert "KEY-" not in verdict.message


def test_geidea_right_and_wrong_password(transport):
    assert check_connection(geidea(), demo.GEIDEA_API_PASSWORD, transport=transport).ok
    wrong = check_connection(geidea(), "nope-nope", transport=transport)
    assert wrong.key_accepted is False
    assert "API password" in wrong.message


def test_no_key_and_bad_fields_are_said_before_any_request(transport):
    assert "No server key is saved" in check_connection(clickpay(), None).message
    verdict = check_connection(clickpay(merchant_id="abc"), "k" * 10)
    assert not verdict.answering and "profile id must be a number" in verdict.message


def test_nothing_listening_says_check_region_and_network():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nothing listens there
    profile = Profile("Gone", GatewayKind.CLICKPAY, f"http://127.0.0.1:{port}", "44537")
    verdict = check_connection(profile, demo.SERVER_KEY)
    assert not verdict.answering
    assert "Is the region right" in verdict.message


def test_a_cancelled_check_is_not_a_success(transport):
    stop = threading.Event()
    stop.set()
    for profile, secret in ((clickpay(), demo.SERVER_KEY), (geidea(), demo.GEIDEA_API_PASSWORD)):
        verdict = check_connection(profile, secret, transport=transport, cancel=stop)
        assert not verdict.ok and verdict.key_accepted is None
        assert "Cancelled" in verdict.message and "accepted" not in verdict.message
