"""Contact details, checked with well-kept libraries: e-mail (email-validator, no DNS), country
(pycountry, ISO 3166-1 alpha-2), phone numbers (phonenumbers, E.164).

Each check returns ``(normalised value, "")`` or ``(None, the broken rule)``. Answers are cached
by the text checked: a payout batch repeats its beneficiaries.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
import pycountry
from email_validator import EmailNotValidError, validate_email


@lru_cache(maxsize=4096)
def check_email(value: str) -> tuple[str | None, str]:
    text = value.strip()
    # Fast path for the usual address: a payroll's addresses are all different but share a few
    # domains, and the library's domain check (IDNA, UTS-46) is most of its cost. A plain ASCII
    # dot-atom local part (RFC 5322, at most 64 characters) is accepted here exactly as the
    # library accepts it (kept as typed); the domain is checked and normalised by the library,
    # once per domain. Anything else, and every refusal, goes to the library whole.
    local, at, domain = text.rpartition("@")
    if at and len(text) <= _FAST_MAX_LENGTH and _PLAIN_LOCAL.fullmatch(local):
        normalised_domain = _email_domain(domain)
        if normalised_domain is not None:
            return f"{local}@{normalised_domain}", ""
    try:
        return str(validate_email(text, check_deliverability=False).normalized), ""
    except EmailNotValidError as exc:
        return None, f"is not a valid e-mail address: {exc}"


_FAST_MAX_LENGTH = 254
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_LOCAL = re.compile(rf"(?=.{{1,64}}$){_ATEXT}(?:\.{_ATEXT})*")


@lru_cache(maxsize=1024)
def _email_domain(domain: str) -> str | None:
    """The library's normalised form of ``domain`` (checked with a plain local part), or None."""
    try:
        return str(validate_email(f"a@{domain}", check_deliverability=False).domain)
    except EmailNotValidError:
        return None


@lru_cache(maxsize=512)
def check_country(value: str) -> tuple[str | None, str]:
    code = value.strip().upper()
    if not (len(code) == 2 and code.isascii() and code.isalpha()):
        return None, "must be a 2-letter ISO 3166-1 country code such as SA"
    if pycountry.countries.get(alpha_2=code) is None:
        return None, "is not an ISO 3166-1 country code"
    return code, ""


@lru_cache(maxsize=4096)
def check_e164(text: str) -> tuple[str | None, str]:
    """A full international number ("+966501234567"), returned in E.164."""
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None, "is not a phone number in E.164 format"
    if not phonenumbers.is_valid_number(number):
        return None, "is not a valid phone number for its country code"
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)), ""
