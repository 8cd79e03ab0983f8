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

from .text import INVISIBLE, visible

#: What people write between a phone number's digits (spaces, dashes, brackets, dots), and the
#: invisible marks Arabic text carries (core.text).
PHONE_JUNK = re.compile(rf"[\s\-().{INVISIBLE}]+")


@lru_cache(maxsize=4096)
def check_email(value: str) -> tuple[str | None, str]:
    text = visible(value).strip()
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
    code = visible(value).strip().upper()
    if not (len(code) == 2 and code.isascii() and code.isalpha()):
        named = country_named(value)
        if named is not None:
            return None, f"must be a 2-letter ISO 3166-1 country code: {named} for {value.strip()}"
        return None, "must be a 2-letter ISO 3166-1 country code such as SA"
    if pycountry.countries.get(alpha_2=code) is None:
        return None, "is not an ISO 3166-1 country code"
    return code, ""


def country_named(text: str) -> str | None:
    """The ISO 3166-1 alpha-2 code of a country written out ("Saudi Arabia", "SAU", Arabic
    "السعودية" or "المملكة العربية السعودية"), or None. Only to suggest the code in a message:
    what is sent is always the code the user wrote."""
    key = _name_key(text)
    if not key:
        return None
    return _country_names().get(key)


def _name_key(text: str) -> str:
    text = re.sub(r"[\u064b-\u065f\u0640]", "", visible(text))  # harakat, tatweel, marks
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    from babel import Locale

    names: dict[str, str] = {}
    for country in pycountry.countries:
        code = country.alpha_2
        for name in (
            country.name,
            getattr(country, "official_name", None),
            getattr(country, "common_name", None),
            country.alpha_3,
        ):
            if name:
                names.setdefault(_name_key(name), code)
    for locale in ("ar", "en"):
        for code, name in Locale.parse(locale).territories.items():
            if len(code) == 2 and code.isalpha() and pycountry.countries.get(alpha_2=code):
                names.setdefault(_name_key(name), code)
    # How Gulf payroll sheets often write them.
    for name, code in (("KSA", "SA"), ("UAE", "AE"), ("السعودية", "SA"), ("الإمارات", "AE")):
        names.setdefault(_name_key(name), code)
    return names


def e164_suggestion(text: str, country: str | None) -> str | None:
    """The E.164 form of a mobile number written without its "+" ("966501234567", "00966..."),
    or in the national format of ``country`` ("0501234567" in SA), when that reading is valid;
    else None. Only to suggest in a message: nothing is rewritten behind the user's back."""
    digits = PHONE_JUNK.sub("", text)
    if not digits.isdigit() or len(digits) > 17:
        return None
    # The row's own country first: "551234567" is a Saudi mobile there, not a Brazilian one.
    readings: list[tuple[str, str | None]] = [(digits, country)] if country else []
    if digits.startswith("00"):  # the international prefix the Gulf dials: 00966...
        readings.append(("+" + digits[2:], None))
    readings.append(("+" + digits, None))
    for candidate, region in readings:
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number) and (
            region is None or phonenumbers.region_code_for_number(number) == region
        ):
            return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    return None


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
