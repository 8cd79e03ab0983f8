"""Line items as typed: the text of each input cell, read through ``core`` into a line and the
rules it breaks, one gateway kind at a time (no Qt here, so it is tested and timed on its own).

The rules are core's: a batch of typed lines is put into a request that carries only those lines
and handed to ``core.invoice.validate_invoice_request`` (or the Geidea one); the violations named
``invoice.line_items[i].<field>`` come back to the cell they concern. One edit validates one line,
a paste validates the pasted lines in one call; the rest of the invoice is never re-read.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import IntEnum
from typing import Any, ClassVar

from clickpay_desk.core.geidea_invoice import (
    AmountType,
    EInvoiceItem,
    geidea_quantum,
    validate_einvoice_request,
)
from clickpay_desk.core.invoice import LineItem, validate_invoice_request
from clickpay_desk.core.money import EXACT, parse_decimal, quantum
from clickpay_desk.core.profile import GatewayKind
from clickpay_desk.core.rules import ValidationError
from clickpay_desk.core.totals import EInvoiceTotalsEngine, InvoiceTotalsEngine

# A fixed clock for line rules: no line rule depends on the date.
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_ZERO = Decimal(0)


class LineColumn(IntEnum):
    """The columns of the lines table: inputs first, then the computed figures."""

    SKU = 0
    DESCRIPTION = 1
    URL = 2
    UNIT_COST = 3
    QUANTITY = 4
    DISCOUNT = 5
    DISCOUNT_TYPE = 6
    TAX = 7
    TAX_TYPE = 8
    NET = 9
    DISCOUNT_SUM = 10
    TAX_SUM = 11
    TOTAL = 12


#: The columns a user types into (and a paste fills, in this order).
INPUT_COLUMNS: tuple[LineColumn, ...] = tuple(c for c in LineColumn if c < LineColumn.NET)
COMPUTED_COLUMNS: tuple[LineColumn, ...] = tuple(c for c in LineColumn if c >= LineColumn.NET)
#: Field keys (file headers, drafts) of the input columns.
FIELD_KEYS: dict[LineColumn, str] = {
    LineColumn.SKU: "sku",
    LineColumn.DESCRIPTION: "description",
    LineColumn.URL: "url",
    LineColumn.UNIT_COST: "unit_cost",
    LineColumn.QUANTITY: "quantity",
    LineColumn.DISCOUNT: "discount",
    LineColumn.DISCOUNT_TYPE: "discount_type",
    LineColumn.TAX: "tax",
    LineColumn.TAX_TYPE: "tax_type",
}
COLUMN_OF_KEY: dict[str, LineColumn] = {v: k for k, v in FIELD_KEYS.items()}

PERCENT = "%"
AMOUNT = "Amount"
TYPE_CHOICES = (PERCENT, AMOUNT)
_TYPE_WORDS = {
    "%": PERCENT,
    "percent": PERCENT,
    "percentage": PERCENT,
    "rate": PERCENT,
    "amount": AMOUNT,
    "fixed": AMOUNT,
    "value": AMOUNT,
}


def type_choice(text: str) -> str | None:
    """ "%", "Percentage", "rate" → "%"; "Amount", "fixed" → "Amount"; "" → "%" (the default)."""
    word = text.strip().casefold()
    if not word:
        return PERCENT
    return _TYPE_WORDS.get(word)


Values = list[str]  # the text of each input column, indexed by LineColumn


def blank_values() -> Values:
    values = [""] * len(INPUT_COLUMNS)
    values[LineColumn.QUANTITY] = "1"
    values[LineColumn.DISCOUNT_TYPE] = PERCENT
    values[LineColumn.TAX_TYPE] = PERCENT
    return values


def is_blank(values: Sequence[str]) -> bool:
    """A row nobody typed into: not validated, not counted, not sent."""
    # Spelled out rather than any(...): it runs for every row of a 5,000-row paste.
    return not (
        values[0].strip()
        or values[1].strip()
        or values[2].strip()
        or values[3].strip()
        or values[5].strip()
        or values[7].strip()
    )


def normalize_values(values: Sequence[str]) -> Values:
    """Fill missing cells; "10%" in a discount or tax cell means 10 with the type "%"."""
    out = list(values)[: len(INPUT_COLUMNS)]
    out += blank_values()[len(out) :]
    for value_col, type_col in (
        (LineColumn.DISCOUNT, LineColumn.DISCOUNT_TYPE),
        (LineColumn.TAX, LineColumn.TAX_TYPE),
    ):
        text = out[value_col].strip()
        if text.endswith(("%", "٪")):
            out[value_col] = text[:-1].strip()
            out[type_col] = PERCENT
        else:
            out[type_col] = type_choice(out[type_col]) or out[type_col]
    return out


def read_number(text: str, decimal_point: str = ".", group: str = ",") -> Decimal:
    """A number as the user typed it: their locale's separators, Arabic-Indic digits."""
    s = text.strip()
    if decimal_point != "." and decimal_point in s:
        s = s.replace(group, "").replace(decimal_point, ".")
    return parse_decimal(s)


@dataclass
class ReadLine:
    """One typed line read: the item the totals use and the problems by column."""

    item: Any
    problems: dict[int, str]
    checked: bool = True


class LineRules(ABC):
    """How one gateway reads and checks typed lines."""

    kind: ClassVar[GatewayKind]
    #: wire field of a line → the column its violations belong to
    _FIELD_COLUMNS: ClassVar[dict[str, LineColumn]]

    def __init__(self, currency: str, decimal_point: str = ".", group: str = ",") -> None:
        self.currency = currency
        self.decimal_point = decimal_point
        self.group = group
        self._numbers: dict[str, Decimal] = {}  # typed text → number: pastes repeat values

    @abstractmethod
    def new_engine(self, items: Sequence[Any] = ()) -> InvoiceTotalsEngine | EInvoiceTotalsEngine:
        """An empty totals engine for this currency."""

    @abstractmethod
    def empty_item(self) -> Any:
        """What a blank row adds to the totals: nothing."""

    @abstractmethod
    def _item(self, numbers: dict[LineColumn, Decimal], values: Values) -> Any:
        """The item the totals engine adds up."""

    @abstractmethod
    def _wire(self, numbers: dict[LineColumn, Decimal], values: Values) -> dict[str, Any]:
        """The line as the request carries it, for core's rules."""

    @abstractmethod
    def _validate(self, entries: list[dict[str, Any]]) -> list[tuple[int, str, str]]:
        """(line index, wire field, rule) of every violation in ``entries``."""

    @abstractmethod
    def figures(self, engine: Any, row: int) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        """Net, discount, tax and total of one row, from the engine's kept figures."""

    def read(self, rows: Sequence[Values], *, check: bool = True) -> list[ReadLine]:
        """Read typed rows into items; with ``check`` also apply core's line rules in one batch
        (one edit: one row). Without it only unreadable numbers are reported, and
        ``ReadLine.checked`` is False until ``check_rows`` has run."""
        out: list[ReadLine] = []
        for values in rows:
            if is_blank(values):
                out.append(ReadLine(self.empty_item(), {}, True))
                continue
            problems: dict[int, str] = {}
            numbers: dict[LineColumn, Decimal] = {}
            for col in _NUMBER_COLUMNS:
                text = values[col]
                if not text or text.isspace():
                    continue
                number = self._number(text)
                if number is None:
                    problems[col] = "must be a number such as 1250.00"
                else:
                    numbers[col] = number
            for col in (LineColumn.DISCOUNT_TYPE, LineColumn.TAX_TYPE):
                if values[col] not in TYPE_CHOICES:
                    problems[col] = "must be % or Amount"
            out.append(ReadLine(self._item(numbers, values), problems, False))
        if check:
            self.check_rows(
                [v for v, r in zip(rows, out, strict=True) if not r.checked],
                [r for r in out if not r.checked],
            )
        return out

    def check_rows(self, rows: Sequence[Values], read: Sequence[ReadLine]) -> None:
        """Apply core's line rules to rows already read; their problems are filled in place."""
        entries = [self._entry(values) for values in rows]
        if entries:
            for index, field_name, rule in self._validate(entries):
                col = self._FIELD_COLUMNS.get(field_name)
                if col is not None:
                    read[index].problems.setdefault(col, rule)
        for r in read:
            r.checked = True

    def _number(self, text: str) -> Decimal | None:
        number = self._numbers.get(text)
        if number is None:
            try:
                number = read_number(text, self.decimal_point, self.group)
            except ValidationError:
                return None
            if len(self._numbers) > 20000:  # a paste of distinct prices: keep the cache small
                self._numbers.clear()
            self._numbers[text] = number
        return number

    def numbers(self, values: Values) -> dict[LineColumn, Decimal]:
        """The readable numbers of a row, by column."""
        found = {}
        for col in _NUMBER_COLUMNS:
            text = values[col]
            if text and not text.isspace():
                number = self._number(text)
                if number is not None:
                    found[col] = number
        return found

    def _entry(self, values: Values) -> dict[str, Any]:
        return self._wire(self.numbers(values), values)


_NUMBER_COLUMNS = (LineColumn.UNIT_COST, LineColumn.QUANTITY, LineColumn.DISCOUNT, LineColumn.TAX)


def _text(value: Decimal) -> str:
    return f"{value:f}"


def _amount_type(text: str) -> AmountType:
    return AmountType.AMOUNT if text == AMOUNT else AmountType.PERCENTAGE


_MAX_QUANTITY = Decimal(10**15)


class ClickPayLineRules(LineRules):
    kind = GatewayKind.CLICKPAY
    _FIELD_COLUMNS: ClassVar[dict[str, LineColumn]] = {
        "sku": LineColumn.SKU,
        "description": LineColumn.DESCRIPTION,
        "url": LineColumn.URL,
        "unit_cost": LineColumn.UNIT_COST,
        "quantity": LineColumn.QUANTITY,
        "discount_rate": LineColumn.DISCOUNT,
        "discount_amount": LineColumn.DISCOUNT,
        "tax_rate": LineColumn.TAX,
        "tax_total": LineColumn.TAX,
    }
    _PREFIX = "invoice.line_items["

    def new_engine(self, items: Sequence[Any] = ()) -> InvoiceTotalsEngine:
        return InvoiceTotalsEngine(self.currency, items)

    def empty_item(self) -> LineItem:
        return LineItem(quantity=_ZERO)

    def _item(self, numbers: dict[LineColumn, Decimal], values: Values) -> LineItem:
        discount = numbers.get(LineColumn.DISCOUNT, _ZERO)
        tax = numbers.get(LineColumn.TAX, _ZERO)
        d_rate = values[LineColumn.DISCOUNT_TYPE] != AMOUNT
        t_rate = values[LineColumn.TAX_TYPE] != AMOUNT
        return LineItem(
            sku=values[LineColumn.SKU].strip(),
            description=values[LineColumn.DESCRIPTION].strip(),
            url=values[LineColumn.URL].strip(),
            unit_cost=numbers.get(LineColumn.UNIT_COST, _ZERO),
            quantity=numbers.get(LineColumn.QUANTITY, _ZERO),
            discount_rate=discount if d_rate else _ZERO,
            discount_amount=_ZERO if d_rate else discount,
            tax_rate=tax if t_rate else _ZERO,
            tax_total=_ZERO if t_rate else tax,
        )

    def _wire(self, numbers: dict[LineColumn, Decimal], values: Values) -> dict[str, Any]:
        d_rate = values[LineColumn.DISCOUNT_TYPE] != AMOUNT
        t_rate = values[LineColumn.TAX_TYPE] != AMOUNT
        unit_cost = numbers.get(LineColumn.UNIT_COST)
        quantity = numbers.get(LineColumn.QUANTITY)
        return {
            "sku": values[LineColumn.SKU].strip(),
            "description": values[LineColumn.DESCRIPTION].strip(),
            "url": values[LineColumn.URL].strip(),
            "unit_cost": None if unit_cost is None else _text(unit_cost),
            "quantity": None if quantity is None else _text(quantity),
            ("discount_rate" if d_rate else "discount_amount"): _text(
                numbers.get(LineColumn.DISCOUNT, _ZERO)
            ),
            ("tax_rate" if t_rate else "tax_total"): _text(numbers.get(LineColumn.TAX, _ZERO)),
        }

    def _validate(self, entries: list[dict[str, Any]]) -> list[tuple[int, str, str]]:
        payload = {
            "profile_id": 1,
            "tran_type": "sale",
            "tran_class": "ecom",
            "cart_id": "lines",
            "cart_description": "lines",
            "cart_currency": self.currency,
            "invoice": {"line_items": entries},
        }
        found = []
        for v in validate_invoice_request(payload, _EPOCH):
            if not v.field.startswith(self._PREFIX):
                continue
            index_text, _, rest = v.field[len(self._PREFIX) :].partition("]")
            found.append((int(index_text), rest.lstrip("."), v.rule))
        return found

    def figures(self, engine: Any, row: int) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        t = engine.line_totals(row)
        return t.net, t.discount, t.tax, t.total


class GeideaLineRules(LineRules):
    kind = GatewayKind.GEIDEA
    _FIELD_COLUMNS: ClassVar[dict[str, LineColumn]] = {
        "sku": LineColumn.SKU,
        "description": LineColumn.DESCRIPTION,
        "price": LineColumn.UNIT_COST,
        "quantity": LineColumn.QUANTITY,
        "itemDiscount": LineColumn.DISCOUNT,
        "itemDiscountType": LineColumn.DISCOUNT_TYPE,
        "tax": LineColumn.TAX,
        "taxType": LineColumn.TAX_TYPE,
    }
    _PREFIX = "eInvoiceDetails.eInvoiceItems["

    def __init__(self, currency: str, decimal_point: str = ".", group: str = ",") -> None:
        super().__init__(currency, decimal_point, group)
        self._q = geidea_quantum(currency)

    def new_engine(self, items: Sequence[Any] = ()) -> EInvoiceTotalsEngine:
        return EInvoiceTotalsEngine(self.currency, items)

    def empty_item(self) -> EInvoiceItem:
        return EInvoiceItem(price=_ZERO, quantity=0)

    def _item(self, numbers: dict[LineColumn, Decimal], values: Values) -> EInvoiceItem:
        quantity = numbers.get(LineColumn.QUANTITY, _ZERO)
        whole = quantity == quantity.to_integral_value() and 0 <= quantity <= _MAX_QUANTITY
        return EInvoiceItem(
            price=numbers.get(LineColumn.UNIT_COST, _ZERO),
            quantity=int(quantity) if whole else 0,
            description=values[LineColumn.DESCRIPTION].strip() or None,
            sku=values[LineColumn.SKU].strip() or None,
            item_discount=numbers.get(LineColumn.DISCOUNT),
            item_discount_type=_amount_type(values[LineColumn.DISCOUNT_TYPE]),
            tax=numbers.get(LineColumn.TAX),
            tax_type=_amount_type(values[LineColumn.TAX_TYPE]),
        )

    def _wire(self, numbers: dict[LineColumn, Decimal], values: Values) -> dict[str, Any]:
        price = numbers.get(LineColumn.UNIT_COST)
        quantity = numbers.get(LineColumn.QUANTITY)
        entry: dict[str, Any] = {
            "price": None if price is None else _text(price),
            "quantity": None if quantity is None else _text(quantity),
            "itemDiscountType": _amount_type(values[LineColumn.DISCOUNT_TYPE]).value,
            "taxType": _amount_type(values[LineColumn.TAX_TYPE]).value,
            "total": "0",  # derived fields are computed by core, never typed
        }
        for key, col in (("sku", LineColumn.SKU), ("description", LineColumn.DESCRIPTION)):
            if values[col].strip():
                entry[key] = values[col].strip()
        for key, col in (("itemDiscount", LineColumn.DISCOUNT), ("tax", LineColumn.TAX)):
            if col in numbers:
                entry[key] = _text(numbers[col])
        return entry

    def _validate(self, entries: list[dict[str, Any]]) -> list[tuple[int, str, str]]:
        payload = {
            "currency": self.currency,
            "customer": {"name": "lines", "email": "lines@example.com"},
            "eInvoiceDetails": {"eInvoiceItems": entries},
        }
        found = []
        for v in validate_einvoice_request(payload, _EPOCH):
            if not v.field.startswith(self._PREFIX):
                continue
            index_text, _, rest = v.field[len(self._PREFIX) :].partition("]")
            found.append((int(index_text), rest.lstrip("."), v.rule))
        return found

    def figures(self, engine: Any, row: int) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        item: EInvoiceItem = engine.line(row)
        t = engine.line_totals(row)
        # Geidea's own figures per item: gross price × quantity, what the discount took off
        # (gross − totalWithoutTax), totalTax and total.
        gross = EXACT.multiply(EXACT.quantize(item.price, self._q), Decimal(item.quantity))
        return gross, EXACT.subtract(gross, t.total_without_tax), t.total_tax, t.total


def rules_for(
    kind: GatewayKind, currency: str, decimal_point: str = ".", group: str = ","
) -> LineRules:
    cls = GeideaLineRules if kind is GatewayKind.GEIDEA else ClickPayLineRules
    return cls(currency, decimal_point, group)


def display_quantum(kind: GatewayKind, currency: str) -> Decimal:
    """The unit amounts are shown at: the currency's, or Geidea's 0.01 when that is coarser."""
    return geidea_quantum(currency) if kind is GatewayKind.GEIDEA else quantum(currency)
