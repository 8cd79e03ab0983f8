"""Merchant profiles: which gateway, where it lives, and the merchant's non-secret ids.

The secret (ClickPay server key, Geidea API password) is never part of a profile: it lives in
the OS keyring (``clickpay_desk.secrets``), looked up by ``Profile.secret_name``.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urlsplit

from .money import normalize_currency
from .rules import RuleViolation, ValidationError


class GatewayKind(StrEnum):
    CLICKPAY = "clickpay"  # ClickPay and every PayTabs PT2 region
    GEIDEA = "geidea"


#: PT2 base URLs by region. ClickPay is the default; the PayTabs regions run the same API.
PT2_REGIONS: dict[str, str] = {
    "ClickPay (Saudi Arabia)": "https://secure.clickpay.com.sa",
    "PayTabs Saudi Arabia": "https://secure.paytabs.sa",
    "PayTabs UAE": "https://secure.paytabs.com",
    "PayTabs Egypt": "https://secure-egypt.paytabs.com",
    "PayTabs Oman": "https://secure-oman.paytabs.com",
    "PayTabs Jordan": "https://secure-jordan.paytabs.com",
    "PayTabs Kuwait": "https://secure-kuwait.paytabs.com",
    "PayTabs Qatar": "https://secure-doha.paytabs.com",
    "PayTabs Iraq": "https://secure-iraq.paytabs.com",
    "PayTabs Morocco": "https://secure-morocco.paytabs.com",
    "PayTabs Global": "https://secure-global.paytabs.com",
}

#: Geidea merchant API hosts by country. Sources disagree on the UAE host: Geidea's own SDKs use
#: ``api.merchant.geidea.ae`` (offered here); other documents say ``api.geidea.ae``. A merchant
#: whose account lives elsewhere enters it as a custom base URL, which a profile always allows.
GEIDEA_REGIONS: dict[str, str] = {
    "Geidea Saudi Arabia": "https://api.ksamerchant.geidea.net",
    "Geidea Egypt": "https://api.merchant.geidea.net",
    "Geidea UAE": "https://api.merchant.geidea.ae",
}


@dataclass(frozen=True)
class Profile:
    """One merchant account at one gateway. ``id`` is the local database id (None until saved)."""

    name: str
    gateway: GatewayKind
    base_url: str
    merchant_id: str  # PT2 profile_id, or Geidea merchant public key
    payout_account_id: str = ""  # PT2 payouts only
    currency: str = "SAR"
    language: str = "en"
    id: int | None = field(default=None, compare=False)

    @property
    def secret_name(self) -> str:
        """Keyring user name under service ``clickpay-desk`` for this profile's secret."""
        return f"{self.gateway.value}:{self.base_url}:{self.merchant_id}"

    def problems(self) -> list[RuleViolation]:
        """What is wrong with this profile, field by field."""
        found: list[RuleViolation] = []
        if not self.name.strip():
            found.append(RuleViolation("name", "is required"))
        if not _safe_url(self.base_url):
            found.append(RuleViolation("base_url", "must be an https:// address", self.base_url))
        if not self.merchant_id.strip():
            what = "profile id" if self.gateway is GatewayKind.CLICKPAY else "merchant public key"
            found.append(RuleViolation("merchant_id", f"{what} is required"))
        elif self.gateway is GatewayKind.CLICKPAY and not _ascii_digits(self.merchant_id):
            found.append(
                RuleViolation("merchant_id", "profile id must be a number", self.merchant_id)
            )
        if self.payout_account_id and not _ascii_digits(self.payout_account_id):
            found.append(
                RuleViolation("payout_account_id", "must be a number", self.payout_account_id)
            )
        try:
            # ClickPay accepts a fixed list; Geidea whatever ISO currency the account is set up for.
            normalize_currency(
                self.currency, "currency", gateway_only=self.gateway is GatewayKind.CLICKPAY
            )
        except ValidationError as exc:
            found.extend(exc.violations)
        if self.language not in ("en", "ar"):
            found.append(RuleViolation("language", "must be en or ar", self.language))
        return found


def _safe_url(url: str) -> bool:
    """https:// with a host; plain http:// only to this computer (the sandbox on loopback).

    The secret travels in every request's headers: a prefix test would let
    "http://localhost.example.com" or "http://127.example.com" take it in clear text.
    """
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
    except ValueError:  # "http://[::1" and the like
        return False
    if parts.scheme == "https":
        return bool(host)
    if parts.scheme != "http":
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _ascii_digits(text: str) -> bool:
    # str.isdigit() also accepts Arabic-Indic digits and "²", which the gateway would refuse.
    stripped = text.strip()
    return stripped.isascii() and stripped.isdigit()
