"""Merchant profiles: each rule of ``Profile.problems`` names its field."""

from __future__ import annotations

from dataclasses import replace

import pytest

from clickpay_desk.core.profile import PT2_REGIONS, GatewayKind, Profile

GOOD = Profile("Main shop", GatewayKind.CLICKPAY, PT2_REGIONS["ClickPay (Saudi Arabia)"], "44537")


def fields(profile: Profile) -> list[str]:
    return [v.field for v in profile.problems()]


def test_a_complete_profile_has_no_problems() -> None:
    assert GOOD.problems() == []
    geidea = Profile("Cairo", GatewayKind.GEIDEA, "https://api.merchant.geidea.net", "a087f4ca")
    assert geidea.problems() == []


@pytest.mark.parametrize(
    "url",
    [
        "https://secure.clickpay.com.sa",
        "http://127.0.0.1:8750",
        "http://127.5.5.5",
        "http://localhost:8750",
        "http://[::1]:8750",
    ],
)
def test_https_or_plain_http_to_this_computer(url: str) -> None:
    assert replace(GOOD, base_url=url).problems() == []


@pytest.mark.parametrize(
    "url",
    [
        "http://secure.clickpay.com.sa",  # the server key would travel in clear text
        "http://localhost.example.com",
        "http://127.example.com",
        "http://10.0.0.5",
        "ftp://secure.clickpay.com.sa",
        "https://",
        "secure.clickpay.com.sa",
        "http://[::1",
        "",
    ],
)
def test_any_other_address_is_refused(url: str) -> None:
    found = replace(GOOD, base_url=url).problems()
    assert [(v.field, v.rule) for v in found] == [("base_url", "must be an https:// address")]


def test_name_and_merchant_id_are_required() -> None:
    assert fields(replace(GOOD, name="  ", merchant_id="")) == ["name", "merchant_id"]
    rule = replace(GOOD, gateway=GatewayKind.GEIDEA, merchant_id=" ").problems()[0].rule
    assert rule == "merchant public key is required"


@pytest.mark.parametrize("profile_id", ["44537x", "٤٤٥٣٧", "4²"])
def test_a_clickpay_profile_id_is_ascii_digits(profile_id: str) -> None:
    (problem,) = replace(GOOD, merchant_id=profile_id).problems()
    assert (problem.field, problem.rule) == ("merchant_id", "profile id must be a number")


def test_a_geidea_public_key_is_any_text() -> None:
    geidea = replace(GOOD, gateway=GatewayKind.GEIDEA, merchant_id="a087f4ca-9890")
    assert geidea.problems() == []


def test_payout_account_and_language() -> None:
    assert replace(GOOD, payout_account_id="654").problems() == []
    assert fields(replace(GOOD, payout_account_id="٦٥٤")) == ["payout_account_id"]
    assert fields(replace(GOOD, language="fr")) == ["language"]


def test_secret_name_tells_profiles_apart() -> None:
    other = replace(GOOD, merchant_id="44538")
    assert GOOD.secret_name == "clickpay:https://secure.clickpay.com.sa:44537"
    assert GOOD.secret_name != other.secret_name


def test_default_currency_must_be_one_the_gateway_takes() -> None:
    from clickpay_desk.core.profile import GatewayKind as _Kind
    from clickpay_desk.core.profile import Profile as _Profile

    def problems(gateway: _Kind, currency: str) -> list[str]:
        profile = _Profile("Shop", gateway, "https://example.com", "123", currency=currency)
        return [v.field for v in profile.problems()]

    assert problems(_Kind.CLICKPAY, "kwd") == []
    assert problems(_Kind.CLICKPAY, "CHF") == ["currency"]  # ISO, but not on the PT2 list
    assert problems(_Kind.GEIDEA, "CHF") == []
    assert problems(_Kind.GEIDEA, "ZZZ") == ["currency"]
    assert problems(_Kind.CLICKPAY, "") == ["currency"]


def test_regions_include_morocco_and_geideas_own_uae_host() -> None:
    from clickpay_desk.core.profile import GEIDEA_REGIONS

    assert PT2_REGIONS["PayTabs Morocco"] == "https://secure-morocco.paytabs.com"
    assert GEIDEA_REGIONS["Geidea UAE"] == "https://api.merchant.geidea.ae"
    # The other UAE host stays usable as a custom base URL.
    other = Profile("UAE", GatewayKind.GEIDEA, "https://api.geidea.ae", "pk", currency="AED")
    assert other.problems() == []
