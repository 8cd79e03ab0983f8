"""Money: Decimal amounts tied to an ISO 4217 currency and its minor units.

Minor units come from the ``iso4217`` package (ISO's own table): Babel/CLDR says IQD has 0
decimals, ISO says 3, and the gateways follow ISO.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import (
    MAX_EMAX,
    MAX_PREC,
    MIN_EMIN,
    ROUND_CEILING,
    ROUND_FLOOR,
    ROUND_HALF_UP,
    Context,
    Decimal,
    InvalidOperation,
)
from functools import lru_cache

import iso4217

from .rules import ValidationError
from .text import INVISIBLE

#: Currencies the PT2 platform accepts for ``cart_currency`` (reference 002).
GATEWAY_CURRENCIES: frozenset[str] = frozenset(
    {
        *("AED", "BHD", "EGP", "EUR", "GBP", "HKD", "IDR", "INR", "IQD"),
        *("JOD", "JPY", "KWD", "MAD", "OMR", "PKR", "QAR", "SAR", "USD"),
    }
)

#: Amount range of ``cart_amount`` (reference 002); merchant limits may narrow it further.
MIN_AMOUNT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")

# Arabic-Indic (U+0660..) and Eastern Arabic-Indic / Persian (U+06F0..) digits.
_DIGITS = {ord(c): str(i) for i, c in enumerate("٠١٢٣٤٥٦٧٨٩")}
_DIGITS.update({ord(c): str(i) for i, c in enumerate("۰۱۲۳۴۵۶۷۸۹")})
_ARABIC_DECIMAL = "\u066b"  # ٫
_ARABIC_THOUSANDS = "\u066c"  # ٬
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_PLAIN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_ASCII_PLAIN = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
# Spaces people paste between thousands (plain, no-break, narrow no-break, thin), and the
# invisible marks around Arabic text (core.text).
_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009" + INVISIBLE)
#: The context of every money operation in core: unbounded precision, so products are exact
#: whatever arrives and rounding happens only where the rules say (half-up, at a quantum). The
#: default context (28 digits) would round 10**30 × 1.5 silently and refuse to quantize 10**30
#: to cents. Percentages multiply by 0.01 rather than divide by 100, which keeps them exact.
EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN, rounding=ROUND_HALF_UP)
# Decimal('1'), Decimal('0.1'), ... by minor units (ISO 4217 has 0 to 4).
_QUANTA = tuple(Decimal(1).scaleb(-n) for n in range(10))
_PERCENT = Decimal("0.01")
# Larger than any amount anyone means, small enough to round without building huge numbers.
_MAX_INTEGER_DIGITS = 100
# Native digits of CLDR numbering systems Babel leaves in Latin digits.
_NATIVE_DIGITS = {
    "arab": str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"),
    "arabext": str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"),
}


def minor_units(currency: str) -> int:
    """ISO 4217 minor units of ``currency`` (SAR 2, KWD 3, JPY 0)."""
    if isinstance(currency, str):
        return _minor_units(currency)
    return _currency(currency).exponent or 0


# Cached by code: iso4217's enum lookup was a third of checking one payout entry, and a batch
# asks for the same currency's units several times per entry. Refusals raise, so are not cached.
@lru_cache(maxsize=256)
def _minor_units(currency: str) -> int:
    return _currency(currency).exponent or 0


def _currency(code: str) -> iso4217.Currency:
    try:
        return iso4217.Currency(code.strip().upper())
    except (ValueError, AttributeError) as exc:
        raise ValidationError.single("currency", "must be an ISO 4217 currency code", code) from exc


def normalize_currency(code: object, field: str = "currency", gateway_only: bool = True) -> str:
    """Upper-case ``code`` and check it is ISO 4217 (and, by default, one the gateway accepts)."""
    if not isinstance(code, str) or not code.strip():
        raise ValidationError.single(field, "is required: a 3-letter currency code", code)
    upper = code.strip().upper()
    try:
        _minor_units(upper)
    except ValidationError as exc:
        raise ValidationError.single(field, "must be an ISO 4217 currency code", code) from exc
    if gateway_only and upper not in GATEWAY_CURRENCIES:
        accepted = ", ".join(sorted(GATEWAY_CURRENCIES))
        raise ValidationError.single(
            field, f"is not a currency the gateway accepts ({accepted})", code
        )
    return upper


def quantum(currency: str) -> Decimal:
    """The smallest amount of ``currency``: Decimal('0.01') for SAR, Decimal('1') for JPY."""
    return _QUANTA[minor_units(currency)]


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round ``amount`` half-up to the currency's minor unit."""
    return EXACT.quantize(amount, quantum(currency))


def percent_of(base: Decimal, rate: Decimal, q: Decimal) -> Decimal:
    """``base`` × ``rate`` %, rounded half-up at quantum ``q`` (a 15 % tax on 9.99: 1.50)."""
    return EXACT.quantize(EXACT.multiply(EXACT.multiply(base, rate), _PERCENT), q)


def as_decimal(value: object, name: str) -> Decimal:
    """A Decimal from a constructor argument: Decimal or int, never float (nor bool).

    Raises ``TypeError``: passing a float to a money value is a programming error, not input.
    """
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    raise TypeError(f"{name} must be Decimal or int, not {type(value).__name__}")


def parse_decimal(value: object, field: str = "amount") -> Decimal:
    """Read a number from what users type or gateways send, without ever going through float.

    Accepts ``Decimal``, ``int``, ``float`` (by its shortest repr, so 9.5 is exactly 9.5),
    and text such as "9.5", "1,250.00", "1 250.00", "٩٫٥" or "١٬٢٥٠٫٠٠". Rejects booleans,
    NaN/infinity, exponents and anything ambiguous, naming ``field``.
    """
    if isinstance(value, bool) or value is None:
        raise ValidationError.single(field, "must be a number", value)
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        result = _parse_text(value, field)
    else:
        raise ValidationError.single(field, "must be a number", value)
    if not result.is_finite():
        raise ValidationError.single(field, "must be a finite number", value)
    return result


def _parse_text(text: str, field: str) -> Decimal:
    if _ASCII_PLAIN.fullmatch(text):  # "250.00", as gateways and most cells write amounts
        return Decimal(text)
    s = text.strip().translate(_DIGITS).translate(_SPACES)
    s = s.replace(_ARABIC_THOUSANDS, ",").replace(_ARABIC_DECIMAL, ".")
    if _GROUPED.match(s):
        s = s.replace(",", "")
    elif not _PLAIN.match(s):
        raise ValidationError.single(field, "must be a number such as 1250.00", text)
    try:
        return Decimal(s)
    except InvalidOperation as exc:  # pragma: no cover - the patterns above exclude it
        raise ValidationError.single(field, "must be a number", text) from exc


def decimals_of(amount: Decimal) -> int:
    """How many digits ``amount`` carries after the point (trailing zeros count: 9.50 -> 2)."""
    exponent = amount.as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


def significant_decimals(amount: Decimal) -> int:
    """Digits after the point once trailing zeros are dropped (9.50 -> 1, 10 -> 0)."""
    if amount == 0:
        return 0
    return decimals_of(amount.normalize()) if amount != amount.to_integral_value() else 0


def parse_amount(
    value: object,
    currency: str,
    field: str = "amount",
    *,
    minimum: Decimal | None = MIN_AMOUNT,
    maximum: Decimal | None = MAX_AMOUNT,
) -> Decimal:
    """Parse an amount and check it against the currency's decimals and the gateway range.

    Returns the amount quantized to the currency's minor unit. More decimals than the currency
    has is an error, not a silent rounding: "9.555 SAR" is refused.
    """
    amount = parse_decimal(value, field)
    units = minor_units(currency)
    if amount.adjusted() >= _MAX_INTEGER_DIGITS:
        # 1E+999999999 is a finite Decimal; rounding it to cents would need a billion digits.
        raise ValidationError.single(field, "is too large", value)
    if significant_decimals(amount) > units:
        raise ValidationError.single(
            field, f"{currency.upper()} allows at most {units} decimal places", value
        )
    # The limits are shown as the currency can write them: JPY's smallest amount is 1, not 0.01.
    if minimum is not None and amount < minimum:
        shown = format_amount(minimum.quantize(quantum(currency), ROUND_CEILING, EXACT), currency)
        raise ValidationError.single(field, f"must be at least {shown}", value)
    if maximum is not None and amount > maximum:
        shown = format_amount(maximum.quantize(quantum(currency), ROUND_FLOOR, EXACT), currency)
        raise ValidationError.single(field, f"must be at most {shown}", value)
    return quantize(amount, currency)


def format_amount(amount: Decimal, currency: str) -> str:
    """Wire format: plain digits with exactly the currency's decimals ("9.50", "1.250", "100")."""
    rounded = quantize(amount, currency)
    if rounded.is_zero():
        rounded = rounded.copy_abs()  # -0.004 rounds to -0.00; the wire wants 0.00
    return f"{rounded:f}"


def format_display(amount: Decimal, currency: str, locale: str = "en") -> str:
    """How the desk shows an amount to people: grouped digits with exactly the currency's ISO
    decimals, then the ISO code: "1,250.50 SAR", "1,250.500 KWD", "1,251 JPY" (the code, never a
    symbol such as "¥" or "$": the Gulf's currencies have none in English, and one form reads the
    same in every table, dialog, message and export of the desk).

    In another ``locale`` the locale's own separators and, where CLDR gives it a native
    numbering system, digits ("١٬٢٥٠٫٥٠٠ KWD" in ``ar_KW``).
    """
    code = currency.strip().upper()
    rounded = quantize(amount, code)
    if rounded.is_zero():
        rounded = rounded.copy_abs()  # -0.004 rounds to -0.00; show 0.00
    if locale == "en":
        return f"{rounded:,f} {code}"
    from babel import Locale
    from babel.numbers import format_currency

    units = minor_units(code)
    pattern = "#,##0" + ("." + "0" * units if units else "") + " ¤¤"
    # numbering_system="default" gives the locale's own separators (ar_KW: ٬ and ٫); Babel still
    # writes Latin digits, so switch them to the locale's native digits ourselves.
    text = format_currency(
        rounded,
        code,
        format=pattern,
        locale=locale,
        currency_digits=False,
        numbering_system="default",
    )
    digits = _NATIVE_DIGITS.get(Locale.parse(locale).default_numbering_system)
    return text.translate(digits) if digits else text


@dataclass(frozen=True, order=False)
class Money:
    """An amount in a currency, always held at the currency's minor unit."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        code = self.currency.strip().upper()
        object.__setattr__(self, "currency", code)
        object.__setattr__(self, "amount", quantize(as_decimal(self.amount, "Money.amount"), code))

    @classmethod
    def parse(cls, value: object, currency: str, field: str = "amount") -> Money:
        return cls(parse_amount(value, currency, field, minimum=None, maximum=None), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise ValueError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(EXACT.add(self.amount, other.amount), self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(EXACT.subtract(self.amount, other.amount), self.currency)

    def __neg__(self) -> Money:
        return Money(self.amount.copy_negate(), self.currency)

    # All four orderings, each refusing another currency (functools.total_ordering would build
    # <= from < and ==, and == across currencies is simply False rather than an error).
    def _ordered(self, other: object) -> Decimal | None:
        if not isinstance(other, Money):
            return None
        self._same(other)
        return other.amount

    def __lt__(self, other: object) -> bool:
        theirs = self._ordered(other)
        return NotImplemented if theirs is None else self.amount < theirs

    def __le__(self, other: object) -> bool:
        theirs = self._ordered(other)
        return NotImplemented if theirs is None else self.amount <= theirs

    def __gt__(self, other: object) -> bool:
        theirs = self._ordered(other)
        return NotImplemented if theirs is None else self.amount > theirs

    def __ge__(self, other: object) -> bool:
        theirs = self._ordered(other)
        return NotImplemented if theirs is None else self.amount >= theirs

    def wire(self) -> str:
        return format_amount(self.amount, self.currency)

    def display(self, locale: str = "en") -> str:
        return format_display(self.amount, self.currency, locale)

    def __str__(self) -> str:
        return f"{self.wire()} {self.currency}"
