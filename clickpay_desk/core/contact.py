"""Contact details, checked with well-kept libraries: e-mail (email-validator, no DNS), country
(pycountry, ISO 3166-1 alpha-2), phone numbers (phonenumbers, E.164).

Each check returns ``(normalised value, "")`` or ``(None, the broken rule)``. Answers are cached
by the text checked: a payout batch repeats its beneficiaries.
"""

from __future__ import annotations

from functools import lru_cache

import phonenumbers
import pycountry
from email_validator import EmailNotValidError, validate_email


@lru_cache(maxsize=4096)
def check_email(value: str) -> tuple[str | None, str]:
    try:
        return str(validate_email(value.strip(), check_deliverability=False).normalized), ""
    except EmailNotValidError as exc:
        return None, f"is not a valid e-mail address: {exc}"


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
