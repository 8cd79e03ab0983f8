"""The incremental totals engine always agrees with a from-scratch recompute, and stays O(1)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clickpay_desk.core.geidea_invoice import AmountType, EInvoiceItem, compute_einvoice
from clickpay_desk.core.invoice import LineItem, compute_line, compute_totals, invoice_from_wire
from clickpay_desk.core.money import minor_units
from clickpay_desk.core.totals import EInvoiceTotalsEngine, InvoiceTotalsEngine

D = Decimal
CURRENCIES = ["SAR", "KWD", "JPY", "IQD", "USD"]


def amounts(currency: str, max_minor: int = 10**9) -> st.SearchStrategy[Decimal]:
    units = minor_units(currency)
    return st.integers(min_value=0, max_value=max_minor).map(lambda n: D(n).scaleb(-units))


rates = st.integers(min_value=0, max_value=1_000_000).map(lambda n: D(n).scaleb(-4))


def line_items(currency: str) -> st.SearchStrategy[LineItem]:
    return st.builds(
        LineItem,
        unit_cost=amounts(currency).filter(lambda d: d > 0),
        quantity=st.integers(min_value=1, max_value=10_000).map(D),
        discount_rate=st.one_of(st.just(D(0)), rates),
        discount_amount=st.one_of(st.just(D(0)), amounts(currency, 10**4)),
        tax_rate=st.one_of(st.just(D(0)), rates),
        tax_total=st.one_of(st.just(D(0)), amounts(currency, 10**4)),
    )


@st.composite
def edit_sessions(draw: st.DrawFn) -> tuple[str, list[LineItem], list[tuple[Any, ...]]]:
    currency = draw(st.sampled_from(CURRENCIES))
    items = line_items(currency)
    start = draw(st.lists(items, max_size=12))
    edits = draw(
        st.lists(
            st.one_of(
                st.tuples(st.just("set"), st.integers(0, 50), items),
                st.tuples(st.just("insert"), st.integers(-60, 60), items),
                st.tuples(st.just("remove"), st.integers(-60, 60)),
                st.tuples(
                    st.just("charges"),
                    amounts(currency, 10**6),
                    amounts(currency, 10**6),
                    amounts(currency, 10**6),
                ),
            ),
            max_size=40,
        )
    )
    return currency, start, edits


@settings(max_examples=150, deadline=None)
@given(edit_sessions())
def test_incremental_equals_from_scratch(session: tuple[str, list[LineItem], list[Any]]) -> None:
    currency, start, edits = session
    engine = InvoiceTotalsEngine(currency, start)
    shadow = list(start)
    charges = {"shipping_charges": D(0), "extra_charges": D(0), "extra_discount": D(0)}
    for edit in edits:
        kind = edit[0]
        if kind == "set" and shadow:
            i = edit[1] % len(shadow)
            engine.set_line(i, edit[2])
            shadow[i] = edit[2]
        elif kind == "insert":
            i = max(-len(shadow), min(edit[1], len(shadow)))
            engine.insert_line(i, edit[2])
            shadow.insert(i, edit[2])  # the engine inserts as list.insert does
        elif kind == "remove" and shadow:
            i = edit[1] % len(shadow)
            assert engine.remove_line(i) == shadow.pop(i)
        elif kind == "charges":
            charges = dict(zip(charges, edit[1:], strict=True))
            engine.set_charges(**charges)
        expected = compute_totals(shadow, currency, **charges)
        assert engine.totals() == expected
    assert engine.lines == tuple(shadow)
    for i, item in enumerate(shadow):
        assert engine.line_totals(i) == compute_line(item, currency)
    totals = engine.totals()
    for value in (totals.net, totals.discount, totals.tax, totals.lines_total, totals.grand_total):
        assert type(value) is Decimal
        assert -value.as_tuple().exponent == minor_units(currency)  # type: ignore[operator]
    assert engine.grand_total == totals.grand_total


def test_engine_readouts() -> None:
    engine = InvoiceTotalsEngine("sar", shipping_charges=D(20))
    assert engine.currency == "SAR"
    assert str(engine.grand_total) == "20.00"
    engine.append_line(LineItem(unit_cost=D(100), quantity=D(5)))
    engine.append_line(LineItem(unit_cost=D("9.99"), quantity=D(3), discount_rate=D("12.5"),
                                tax_rate=D(15)))  # fmt: skip
    assert (engine.net, engine.discount, engine.tax) == (D("529.97"), D("3.75"), D("3.93"))
    assert engine.lines_total == D("530.15")
    assert engine.grand_total == D("550.15")
    engine.set_charges(extra_discount=D("0.15"))
    assert engine.grand_total == D("550.00")
    assert engine.totals().shipping_charges == D(20)  # unchanged by the partial update
    engine.set_line(-1, replace(engine.line(-1), quantity=D(1)))
    assert engine.line_totals(1).total == D("10.05")  # 9.99 - 1.25 + 1.31
    assert len(engine) == 2
    engine.replace_all([LineItem(unit_cost=D(1))])
    assert engine.grand_total == D("20.85")


def test_engine_takes_over_an_invoice(sample: Any) -> None:
    invoice = invoice_from_wire(sample("000_create_invoice_request.json"))
    engine = InvoiceTotalsEngine.from_invoice(invoice)
    assert engine.totals() == invoice.totals
    assert engine.grand_total == D("9.50")


def test_engine_index_errors_and_types() -> None:
    engine = InvoiceTotalsEngine("SAR", [LineItem(unit_cost=D(1))])
    with pytest.raises(IndexError):
        engine.set_line(1, LineItem(unit_cost=D(1)))
    with pytest.raises(IndexError):
        engine.remove_line(-2)
    with pytest.raises(IndexError):
        engine.insert_line(3, LineItem(unit_cost=D(1)))
    with pytest.raises(TypeError):
        engine.set_line(0, {"unit_cost": 1})  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        engine.set_charges(shipping_charges=2.5)  # type: ignore[arg-type]
    assert engine.grand_total == D("1.00")  # a refused edit changes nothing


def test_sums_never_drift_over_many_edits() -> None:
    engine = InvoiceTotalsEngine(
        "KWD", [LineItem(unit_cost=D("0.001"), tax_rate=D("33.3333"))] * 50
    )
    before = engine.totals()
    odd = LineItem(unit_cost=D("1234567.891"), quantity=D(9999), discount_rate=D("7.7777"),
                   tax_rate=D("14.9999"))  # fmt: skip
    for i in range(2000):
        original = engine.line(i % 50)
        engine.set_line(i % 50, odd)
        engine.set_line(i % 50, original)
    assert engine.totals() == before


def test_huge_values_stay_exact() -> None:
    big = LineItem(unit_cost=D("9999999999.99"), quantity=D(10**12), tax_rate=D("15.0001"))
    engine = InvoiceTotalsEngine("SAR", [big] * 3)
    assert engine.totals() == compute_totals([big] * 3, "SAR")
    engine.remove_line(0)
    assert engine.totals() == compute_totals([big] * 2, "SAR")


# --- Geidea --------------------------------------------------------------------------------


def einvoice_items() -> st.SearchStrategy[EInvoiceItem]:
    return st.builds(
        EInvoiceItem,
        price=amounts("SAR", 10**7).filter(lambda d: d > 0),
        quantity=st.integers(min_value=1, max_value=1000),
        item_discount=st.one_of(st.none(), st.integers(0, 100).map(D)),
        item_discount_type=st.just(AmountType.PERCENTAGE),
        tax=st.one_of(st.none(), rates.filter(lambda r: r <= 100)),
        tax_type=st.sampled_from(list(AmountType)),
    )


@settings(max_examples=100, deadline=None)
@given(
    st.lists(einvoice_items(), max_size=10),
    st.lists(st.tuples(st.integers(0, 20), einvoice_items()), max_size=20),
    st.one_of(st.none(), st.integers(0, 100).map(D)),
)
def test_geidea_engine_equals_from_scratch(
    start: list[EInvoiceItem], edits: list[tuple[int, EInvoiceItem]], discount: Decimal | None
) -> None:
    engine = EInvoiceTotalsEngine("SAR", start, invoice_discount=discount,
                                  invoice_discount_type=AmountType.PERCENTAGE)  # fmt: skip
    shadow = list(start)
    for index, item in edits:
        if shadow and index % 3:
            engine.set_line(index % len(shadow), item)
            shadow[index % len(shadow)] = item
        else:
            engine.append_line(item)
            shadow.append(item)
        expected = compute_einvoice(shadow, "SAR", invoice_discount=discount,
                                    invoice_discount_type=AmountType.PERCENTAGE)  # fmt: skip
        assert engine.totals() == expected
        assert engine.grand_total == expected.grand_total
        assert engine.subtotal_without_tax == expected.subtotal_without_tax


def test_geidea_engine_reference_sample() -> None:
    engine = EInvoiceTotalsEngine("SAR", [EInvoiceItem(price=D(10), quantity=2)])
    assert (engine.subtotal, engine.grand_total) == (D(20), D(20))
    engine.set_line(0, EInvoiceItem(price=D("100.00"), quantity=10))
    assert str(engine.grand_total) == "1000.00"
    engine.set_charges(extra_charges=D(5))
    assert engine.grand_total == D("1005.00")


def test_geidea_engine_rounds_an_over_precise_price_half_up_like_the_rules() -> None:
    # 10.005 rounds to 10.01 in compute_einvoice; the engine's gross must agree, or the
    # discount column would show -0.01 on a line without any discount.
    item = EInvoiceItem(price=D("10.005"), quantity=3)
    engine = EInvoiceTotalsEngine("SAR", [item])
    assert (engine.net, engine.discount) == (D("30.03"), D("0.00"))
    assert engine.totals() == compute_einvoice([item], "SAR")


def test_einvoice_engine_refuses_float_charges_and_stays_readable() -> None:
    engine = EInvoiceTotalsEngine("SAR", [EInvoiceItem(price=D(10), quantity=2)])
    with pytest.raises(TypeError):
        engine.set_charges(extra_charges=2.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        engine.set_charges(invoice_discount=1.0, extra_charges=D(1))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        EInvoiceTotalsEngine("SAR", extra_charges=0.5)  # type: ignore[arg-type]
    # A refused edit changes nothing, and every read still works.
    assert engine.grand_total == D("20.00") and engine.totals().extra_charges == D("0.00")
    engine.set_charges(extra_charges=D("2.5"))
    assert engine.grand_total == D("22.50")


@pytest.mark.parametrize("index", [-1, -2, -3, 0, 1, 2, 3])
def test_insert_line_places_the_line_as_list_insert_does(index: int) -> None:
    items = [LineItem(unit_cost=D(n)) for n in (1, 2, 3)]
    engine = InvoiceTotalsEngine("SAR", items)
    new = LineItem(unit_cost=D(9))
    engine.insert_line(index, new)
    expected = list(items)
    expected.insert(index, new)
    assert engine.lines == tuple(expected)
    assert engine.totals() == compute_totals(expected, "SAR")


def test_insert_line_refuses_indexes_list_insert_would_clamp() -> None:
    engine = InvoiceTotalsEngine("SAR", [LineItem(unit_cost=D(1))])
    for index in (-2, 2):
        with pytest.raises(IndexError):
            engine.insert_line(index, LineItem(unit_cost=D(1)))
    assert len(engine) == 1
