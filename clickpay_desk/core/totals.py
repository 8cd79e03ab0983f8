"""Incremental invoice totals: editing one line of a 5,000-line invoice costs one line's arithmetic.

The engine keeps every line's computed figures and four running sums (net, discount, tax,
total). An edit subtracts the line's old figures and adds its new ones, so no other line is
recomputed. The sums are held as integers of the currency's minor unit: integer addition and
subtraction are exact at any size, so a million edits leave no drift, and the engine always agrees
with ``invoice.compute_totals`` (and ``geidea_invoice.compute_einvoice``) run from scratch.

Readouts are ``Decimal`` at the currency's minor unit; floats are refused on the way in.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from decimal import Decimal
from typing import Generic, TypeVar

from .geidea_invoice import (
    AmountType,
    EInvoiceItem,
    EInvoiceItemTotals,
    EInvoiceTotals,
    compute_item_at,
    finish_einvoice,
    geidea_quantum,
)
from .invoice import Invoice, InvoiceTotals, LineItem, LineTotals, finish_totals, line_totals_at
from .money import EXACT, as_decimal, decimals_of, normalize_currency, quantum

T = TypeVar("T")
R = TypeVar("R")
Row = tuple[int, int, int, int]  # net, discount, tax, total in minor units


def _optional_amount(value: object, name: str) -> Decimal | None:
    return None if value is None else as_decimal(value, name)


class _IncrementalTotals(ABC, Generic[T, R]):
    """Lines, their computed figures, and the running sums over them."""

    def __init__(self, q: Decimal, items: Iterable[T]) -> None:
        self._q = q
        self._units = decimals_of(q)
        self._items: list[T] = []
        self._figures: list[R] = []
        self._rows: list[Row] = []
        self._sums = [0, 0, 0, 0]
        for item in items:
            self.append_line(item)

    @abstractmethod
    def _compute(self, item: T) -> tuple[R, Row]:
        """One line's figures, and the same as minor-unit integers."""

    def _minor(self, amount: Decimal) -> int:
        return int(amount.scaleb(self._units, EXACT))

    def _decimal(self, minor: int) -> Decimal:
        return Decimal(minor).scaleb(-self._units, EXACT)

    def _add(self, row: Row, sign: int) -> None:
        s = self._sums
        s[0] += sign * row[0]
        s[1] += sign * row[1]
        s[2] += sign * row[2]
        s[3] += sign * row[3]

    def _index(self, index: int) -> int:
        n = len(self._items)
        if not -n <= index < n:
            raise IndexError(f"line {index} does not exist (the invoice has {n} lines)")
        return index % n

    def __len__(self) -> int:
        return len(self._items)

    @property
    def lines(self) -> tuple[T, ...]:
        return tuple(self._items)

    def line(self, index: int) -> T:
        return self._items[self._index(index)]

    def line_totals(self, index: int) -> R:
        """The computed figures of one line (what the table shows in its total columns)."""
        return self._figures[self._index(index)]

    def set_line(self, index: int, item: T) -> None:
        """Replace one line; O(1)."""
        i = self._index(index)
        figures, row = self._compute(item)
        self._add(self._rows[i], -1)
        self._add(row, 1)
        self._items[i] = item
        self._figures[i] = figures
        self._rows[i] = row

    def insert_line(self, index: int, item: T) -> None:
        """Insert a line before ``index``, as ``list.insert`` does; the sums update in O(1).

        ``len(self)`` appends and a negative index counts from the end (``-1`` inserts before
        the last line). Unlike ``list.insert``, an index outside ``-len(self)..len(self)`` is
        refused with ``IndexError`` rather than clamped: an editor asking for line 12 of 3 has
        a bug, and a silent append would hide it.
        """
        n = len(self._items)
        if not -n <= index <= n:
            raise IndexError(f"cannot insert at {index} (the invoice has {n} lines)")
        i = index + n if index < 0 else index
        figures, row = self._compute(item)
        self._items.insert(i, item)
        self._figures.insert(i, figures)
        self._rows.insert(i, row)
        self._add(row, 1)

    def append_line(self, item: T) -> None:
        self.insert_line(len(self._items), item)

    def remove_line(self, index: int) -> T:
        """Remove a line and return it; the sums update in O(1)."""
        i = self._index(index)
        self._add(self._rows.pop(i), -1)
        self._figures.pop(i)
        return self._items.pop(i)

    def replace_all(self, items: Iterable[T]) -> None:
        """Start over with ``items`` (a paste or an import): the one O(n) operation."""
        self._items, self._figures, self._rows, self._sums = [], [], [], [0, 0, 0, 0]
        for item in items:
            self.append_line(item)

    @property
    def net(self) -> Decimal:
        """Σ unit price × quantity, before discounts."""
        return self._decimal(self._sums[0])

    @property
    def discount(self) -> Decimal:
        """Σ line discounts."""
        return self._decimal(self._sums[1])

    @property
    def tax(self) -> Decimal:
        """Σ line taxes."""
        return self._decimal(self._sums[2])

    @property
    def lines_total(self) -> Decimal:
        """Σ line totals (net − discount + tax)."""
        return self._decimal(self._sums[3])

    @property
    @abstractmethod
    def grand_total(self) -> Decimal:
        """What the customer pays: the request's amount."""


class InvoiceTotalsEngine(_IncrementalTotals[LineItem, LineTotals]):
    """Live totals of a ClickPay/PT2 invoice (rules in ``core.invoice``)."""

    def __init__(
        self,
        currency: str,
        lines: Iterable[LineItem] = (),
        *,
        shipping_charges: Decimal = Decimal(0),
        extra_charges: Decimal = Decimal(0),
        extra_discount: Decimal = Decimal(0),
    ) -> None:
        self.currency = normalize_currency(currency, "cart_currency")
        self._charges = (Decimal(0), Decimal(0), Decimal(0))
        super().__init__(quantum(self.currency), lines)
        self.set_charges(
            shipping_charges=shipping_charges,
            extra_charges=extra_charges,
            extra_discount=extra_discount,
        )

    @classmethod
    def from_invoice(cls, invoice: Invoice) -> InvoiceTotalsEngine:
        """An engine holding ``invoice``'s lines and charges (for the editor to take over)."""
        return cls(
            invoice.currency,
            invoice.lines,
            shipping_charges=invoice.shipping_charges,
            extra_charges=invoice.extra_charges,
            extra_discount=invoice.extra_discount,
        )

    def _compute(self, item: LineItem) -> tuple[LineTotals, Row]:
        if not isinstance(item, LineItem):
            raise TypeError("lines must be LineItem values")
        t = line_totals_at(item, self._q)
        m = self._minor
        return t, (m(t.net), m(t.discount), m(t.tax), m(t.total))

    def set_charges(
        self,
        *,
        shipping_charges: Decimal | None = None,
        extra_charges: Decimal | None = None,
        extra_discount: Decimal | None = None,
    ) -> None:
        """Change invoice-level charges (None keeps the current value)."""
        old = self._charges
        new = (
            old[0] if shipping_charges is None else shipping_charges,
            old[1] if extra_charges is None else extra_charges,
            old[2] if extra_discount is None else extra_discount,
        )
        probe = finish_totals(self.currency, *(Decimal(0),) * 4, *new)  # checks types, rounds
        self._charges = (probe.shipping_charges, probe.extra_charges, probe.extra_discount)

    def totals(self) -> InvoiceTotals:
        """Every figure under the table, in O(1)."""
        return finish_totals(
            self.currency, self.net, self.discount, self.tax, self.lines_total, *self._charges
        )

    @property
    def grand_total(self) -> Decimal:
        return self.totals().grand_total


class EInvoiceTotalsEngine(_IncrementalTotals[EInvoiceItem, EInvoiceItemTotals]):
    """Live totals of a Geidea eInvoice (rules in ``core.geidea_invoice``).

    ``net`` is Σ price × quantity, ``discount`` Σ item discounts, ``tax`` Σ totalTax and
    ``lines_total`` Σ total (= subtotal).
    """

    def __init__(
        self,
        currency: str,
        items: Iterable[EInvoiceItem] = (),
        *,
        extra_charges: Decimal | None = None,
        extra_charges_type: AmountType = AmountType.AMOUNT,
        invoice_discount: Decimal | None = None,
        invoice_discount_type: AmountType = AmountType.AMOUNT,
    ) -> None:
        self.currency = currency.strip().upper()
        self.extra_charges = _optional_amount(extra_charges, "extra_charges")
        self.extra_charges_type = AmountType(extra_charges_type)
        self.invoice_discount = _optional_amount(invoice_discount, "invoice_discount")
        self.invoice_discount_type = AmountType(invoice_discount_type)
        super().__init__(geidea_quantum(self.currency), items)

    def _compute(self, item: EInvoiceItem) -> tuple[EInvoiceItemTotals, Row]:
        if not isinstance(item, EInvoiceItem):
            raise TypeError("items must be EInvoiceItem values")
        t = compute_item_at(item, self._q)
        m = self._minor
        # Half-up like compute_item_at: a price with more decimals than the unit (10.005) must
        # round the same way in both, or the discount (gross − without tax) goes negative.
        gross = m(EXACT.quantize(item.price, self._q)) * item.quantity
        without_tax = m(t.total_without_tax)
        return t, (gross, gross - without_tax, m(t.total_tax), m(t.total))

    def set_charges(
        self,
        *,
        extra_charges: Decimal | None = None,
        extra_charges_type: AmountType | None = None,
        invoice_discount: Decimal | None = None,
        invoice_discount_type: AmountType | None = None,
    ) -> None:
        """Change invoice-level charges and discount (None keeps the current value).

        Floats (and anything but Decimal or int) are refused with ``TypeError``, as the PT2
        engine does; a refused call changes nothing.
        """
        extra = _optional_amount(extra_charges, "extra_charges")
        off = _optional_amount(invoice_discount, "invoice_discount")
        extra_kind = None if extra_charges_type is None else AmountType(extra_charges_type)
        off_kind = None if invoice_discount_type is None else AmountType(invoice_discount_type)
        if extra is not None:
            self.extra_charges = extra
        if extra_kind is not None:
            self.extra_charges_type = extra_kind
        if off is not None:
            self.invoice_discount = off
        if off_kind is not None:
            self.invoice_discount_type = off_kind

    @property
    def subtotal_without_tax(self) -> Decimal:
        return self._decimal(self._sums[0] - self._sums[1])

    @property
    def subtotal_tax(self) -> Decimal:
        return self.tax

    @property
    def subtotal(self) -> Decimal:
        return self.lines_total

    def totals(self) -> EInvoiceTotals:
        """The derived invoice fields; ``items`` is a copy of the per-item figures (O(n))."""
        return self._finish(tuple(self._figures))

    @property
    def grand_total(self) -> Decimal:
        return self._finish(()).grand_total  # O(1): the per-item figures are not copied

    def _finish(self, items: tuple[EInvoiceItemTotals, ...]) -> EInvoiceTotals:
        return finish_einvoice(
            self._q,
            items,
            self.subtotal_without_tax,
            self.subtotal_tax,
            self.subtotal,
            extra_charges=self.extra_charges,
            extra_charges_type=self.extra_charges_type,
            invoice_discount=self.invoice_discount,
            invoice_discount_type=self.invoice_discount_type,
        )
