"""What payout spreadsheets call their columns, in English and Arabic, and how to match them.

Real payroll sheets name their columns loosely ("IBAN No.", "Account number", "Beneficiary",
"Mobile No.", "E-mail", "Amount (KWD)") or in Arabic ("اسم المستفيد", "رقم الآيبان", "المبلغ").
A heading is normalised (case, punctuation, Arabic letter variants and diacritics, a bracketed
currency code) and looked up in :data:`SYNONYMS`; failing that, a few key words decide
(:data:`KEYWORDS`). Each column maps to at most one field and each field to at most one column;
the user corrects the rest in the mapping dialog.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence

from clickpay_desk.core.payout import WIRE_ORDER

#: The fields a column can map to: a payout request's wire names, then the row's currency.
FIELDS: tuple[str, ...] = (*WIRE_ORDER, "currency")
#: The merchant reference of the template's example row: a row carrying it is refused, so the
#: example beneficiary is never paid because someone added rows below it and kept it.
EXAMPLE_REFERENCE = "EXAMPLE-DELETE-THIS-ROW"

#: The headings of the downloadable template (and of a sheet the app writes), one per field.
TEMPLATE_HEADINGS: Mapping[str, str] = {
    "amount": "Amount",
    "merchant_reference": "Merchant reference",
    "beneficiary_name": "Beneficiary name",
    "beneficiary_country": "Country",
    "beneficiary_account_number": "IBAN",
    "beneficiary_bank": "Bank",
    "beneficiary_bank_branch": "Bank branch",
    "beneficiary_email": "E-mail",
    "beneficiary_mobile_number": "Mobile",
    "beneficiary_address1": "Address 1",
    "beneficiary_address2": "Address 2",
    "transfer_code": "Transfer code",
    "currency": "Currency",
}

#: Whole headings (after :func:`normalize_heading`) and the field each one means.
SYNONYMS: Mapping[str, tuple[str, ...]] = {
    "amount": (
        "amount",
        "amt",
        "transfer amount",
        "payment amount",
        "payout amount",
        "net amount",
        "net salary",
        "net pay",
        "salary",
        "net",
        "value",
        "sum",
        "المبلغ",
        "مبلغ",
        "المبلغ المحول",
        "مبلغ التحويل",
        "صافي الراتب",
        "الراتب",
        "القيمه",
    ),
    "merchant_reference": (
        "merchant reference",
        "reference",
        "ref",
        "ref no",
        "reference no",
        "reference number",
        "payment reference",
        "transaction reference",
        "employee id",
        "employee no",
        "employee number",
        "emp id",
        "emp no",
        "staff id",
        "staff no",
        "المرجع",
        "رقم المرجع",
        "الرقم المرجعي",
        "الرقم الوظيفي",
        "رقم الموظف",
    ),
    "beneficiary_name": (
        "beneficiary name",
        "beneficiary",
        "name",
        "full name",
        "employee name",
        "employee",
        "payee",
        "payee name",
        "account name",
        "account holder",
        "account holder name",
        "اسم المستفيد",
        "المستفيد",
        "الاسم",
        "اسم الموظف",
        "الموظف",
        "اسم صاحب الحساب",
    ),
    "beneficiary_country": (
        "beneficiary country",
        "country",
        "country code",
        "nationality country",
        "الدوله",
        "البلد",
        "رمز الدوله",
        "دوله المستفيد",
    ),
    "beneficiary_account_number": (
        "beneficiary account number",
        "beneficiary account",
        "beneficiary iban",
        "iban",
        "iban no",
        "iban number",
        "account number",
        "account no",
        "account",
        "bank account",
        "bank account number",
        "رقم الايبان",
        "الايبان",
        "ايبان",
        "رقم الحساب",
        "رقم الحساب البنكي",
        "رقم الحساب المصرفي",
        "الحساب",
    ),
    "beneficiary_bank": (
        "beneficiary bank",
        "bank",
        "bank name",
        "bank code",
        "swift",
        "swift code",
        "bic",
        "bic code",
        "البنك",
        "اسم البنك",
        "المصرف",
        "اسم المصرف",
        "بنك المستفيد",
    ),
    "beneficiary_bank_branch": (
        "beneficiary bank branch",
        "bank branch",
        "branch",
        "branch name",
        "الفرع",
        "فرع البنك",
        "اسم الفرع",
    ),
    "beneficiary_email": (
        "beneficiary email",
        "email",
        "e mail",
        "email address",
        "e mail address",
        "mail",
        "البريد الالكتروني",
        "البريد",
        "الايميل",
        "بريد الكتروني",
    ),
    "beneficiary_mobile_number": (
        "beneficiary mobile number",
        "beneficiary mobile",
        "mobile",
        "mobile no",
        "mobile number",
        "mobile phone",
        "phone",
        "phone no",
        "phone number",
        "telephone",
        "tel",
        "cell",
        "contact number",
        "الجوال",
        "رقم الجوال",
        "الهاتف",
        "رقم الهاتف",
        "الموبايل",
        "رقم الموبايل",
        "جوال",
    ),
    "beneficiary_address1": (
        "beneficiary address1",
        "beneficiary address 1",
        "beneficiary address",
        "address",
        "address1",
        "address 1",
        "address line 1",
        "address line1",
        "city",
        "العنوان",
        "العنوان 1",
        "المدينه",
    ),
    "beneficiary_address2": (
        "beneficiary address2",
        "beneficiary address 2",
        "address2",
        "address 2",
        "address line 2",
        "address line2",
        "العنوان 2",
    ),
    "transfer_code": (
        "transfer code",
        "code",
        "purpose",
        "purpose code",
        "transfer purpose",
        "transfer type",
        "payment type",
        "payment purpose",
        "رمز التحويل",
        "نوع التحويل",
        "الغرض",
        "غرض التحويل",
    ),
    "currency": ("currency", "ccy", "cur", "currency code", "العمله", "رمز العمله"),
}

#: Key words tried when no whole heading matched, in this order: the first hit wins.
KEYWORDS: tuple[tuple[str, str], ...] = (
    ("iban", "beneficiary_account_number"),
    ("ايبان", "beneficiary_account_number"),
    ("mail", "beneficiary_email"),
    ("بريد", "beneficiary_email"),
    ("mobile", "beneficiary_mobile_number"),
    ("phone", "beneficiary_mobile_number"),
    ("جوال", "beneficiary_mobile_number"),
    ("هاتف", "beneficiary_mobile_number"),
    ("branch", "beneficiary_bank_branch"),
    ("فرع", "beneficiary_bank_branch"),
    ("currency", "currency"),
    ("عمله", "currency"),
    ("amount", "amount"),
    ("مبلغ", "amount"),
    ("salary", "amount"),
    ("راتب", "amount"),
    ("transfer", "transfer_code"),
    ("purpose", "transfer_code"),
    ("تحويل", "transfer_code"),
    ("country", "beneficiary_country"),
    ("دوله", "beneficiary_country"),
    ("bank", "beneficiary_bank"),
    ("بنك", "beneficiary_bank"),
    ("مصرف", "beneficiary_bank"),
    ("account", "beneficiary_account_number"),
    ("حساب", "beneficiary_account_number"),
    ("reference", "merchant_reference"),
    ("مرجع", "merchant_reference"),
    ("name", "beneficiary_name"),
    ("اسم", "beneficiary_name"),
    ("مستفيد", "beneficiary_name"),
)

_LOOKUP: dict[str, str] = {}  # normalised heading -> field, filled below

_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")  # harakat, dagger alef, tatweel
_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_BRACKETED = re.compile(r"[(\[{]([^)\]}]*)[)\]}]")
_CURRENCY_CODE = re.compile(r"^[a-z]{3}$")
_PUNCTUATION = re.compile(r"[^\w\s]|_")
_SPACES = re.compile(r"\s+")
_LEADING_NUMBER = re.compile(r"^\d+\s+")
_DIGIT_SPLIT = re.compile(r"(?<=[^\W\d_])(?=\d)")  # "address1" -> "address 1"


def normalize_heading(heading: object) -> str:
    """The comparable form of a heading: case, punctuation, Arabic variants and marks dropped.

    A bracketed part ("Amount (KWD)", "IBAN [24 chars]") is dropped too; see
    :func:`heading_currency` for the currency it may name.
    """
    if heading is None:
        return ""
    text = unicodedata.normalize("NFKC", str(heading)).casefold()
    text = _ARABIC_MARKS.sub("", text).translate(_ARABIC_LETTERS).translate(_ARABIC_DIGITS)
    text = _BRACKETED.sub(" ", text)
    text = _PUNCTUATION.sub(" ", text)
    text = _DIGIT_SPLIT.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    return _LEADING_NUMBER.sub("", text)  # "1. Name" numbered headings


def heading_currency(heading: object) -> str | None:
    """The currency code a heading names in brackets: "Amount (KWD)" -> "KWD", else None."""
    if heading is None:
        return None
    for inside in _BRACKETED.findall(str(heading)):
        code = inside.strip().casefold()
        if _CURRENCY_CODE.match(code):
            return code.upper()
    return None


def field_of(heading: object) -> str | None:
    """The field a heading means, or None when nothing matches."""
    text = normalize_heading(heading)
    if not text:
        return None
    exact = _LOOKUP.get(text)
    if exact:
        return exact
    for prefix in ("beneficiary ", "المستفيد ", "payee ", "employee "):
        if text.startswith(prefix) and text[len(prefix) :] in _LOOKUP:
            return _LOOKUP[text[len(prefix) :]]
    if "address" in text or "عنوان" in text:
        return "beneficiary_address2" if text.endswith("2") else "beneficiary_address1"
    for word, field in KEYWORDS:
        if word in text:
            return field
    return None


def guess_mapping(headers: Sequence[object]) -> dict[str, int]:
    """Wire field -> column index for the headings that name one.

    Whole-heading matches are placed first, so a loose "Name" never takes the field from a
    column called exactly "Beneficiary name"; then key-word matches fill the fields left.
    """
    mapping: dict[str, int] = {}
    loose: list[tuple[int, str]] = []
    for index, heading in enumerate(headers):
        text = normalize_heading(heading)
        field = _LOOKUP.get(text) if text else None
        if field is not None:
            mapping.setdefault(field, index)
        elif text:
            guess = field_of(heading)
            if guess is not None:
                loose.append((index, guess))
    taken = set(mapping.values())
    for index, field in loose:
        if field not in mapping and index not in taken:
            mapping[field] = index
            taken.add(index)
    return {field: mapping[field] for field in FIELDS if field in mapping}


def same_field_columns(headers: Sequence[object]) -> dict[str, list[int]]:
    """Fields that two or more whole headings name, with those columns in order: the first is
    the one :func:`guess_mapping` uses ("Amount" twice, "IBAN" and "IBAN No.")."""
    columns: dict[str, list[int]] = {}
    for index, heading in enumerate(headers):
        text = normalize_heading(heading)
        field = _LOOKUP.get(text) if text else None
        if field is not None:
            columns.setdefault(field, []).append(index)
    return {field: found for field, found in columns.items() if len(found) > 1}


def _build_lookup() -> None:
    for field, names in SYNONYMS.items():
        for name in names:
            key = normalize_heading(name)
            if key in _LOOKUP and _LOOKUP[key] != field:  # pragma: no cover - a vocabulary bug
                raise RuntimeError(f"heading {name!r} means both {_LOOKUP[key]} and {field}")
            _LOOKUP[key] = field
    for field, heading in TEMPLATE_HEADINGS.items():
        _LOOKUP.setdefault(normalize_heading(heading), field)
        _LOOKUP.setdefault(normalize_heading(field.replace("_", " ")), field)


_build_lookup()

__all__ = [
    "EXAMPLE_REFERENCE",
    "FIELDS",
    "KEYWORDS",
    "SYNONYMS",
    "TEMPLATE_HEADINGS",
    "field_of",
    "guess_mapping",
    "heading_currency",
    "normalize_heading",
    "same_field_columns",
]
