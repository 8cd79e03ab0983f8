"""Saved customers and items: kept across a reopen, updated rather than duplicated, most recently
used first, amounts exact."""

from __future__ import annotations

from decimal import Decimal

import pytest

from clickpay_desk.store import Store
from clickpay_desk.store.catalog import SavedCustomer, SavedItem


def test_customers_survive_a_reopen_and_are_updated_not_duplicated(store, db_path):
    first = store.save_customer(SavedCustomer("Ali Hassan", "ali@example.com", city="Riyadh"))
    store.save_customer(SavedCustomer("Sara", "sara@example.com"))
    again = store.save_customer(
        SavedCustomer("Ali Hassan", "ali@example.com", city="Jeddah", country="SA")
    )
    assert again.id == first.id and again.city == "Jeddah"
    store.close()

    reopened = Store.open(db_path)
    try:
        customers = reopened.list_customers()
        assert [c.name for c in customers] == ["Ali Hassan", "Sara"]  # last used first
        assert customers[0].fields()["country"] == "SA"
        reopened.delete_customer(customers[1].id)
        assert [c.name for c in reopened.list_customers()] == ["Ali Hassan"]
    finally:
        reopened.close()


def test_a_customer_needs_a_name(store):
    with pytest.raises(ValueError, match="name"):
        store.save_customer(SavedCustomer("  "))


def test_items_keep_exact_amounts_per_currency(store):
    saved = store.save_items(
        [
            SavedItem("SAR", Decimal("9.50"), sku="PEN", description="Pen", tax="15"),
            SavedItem(
                "KWD",
                Decimal("1.250"),
                sku="PEN",
                description="Pen",
                tax="0.125",
                tax_type="Amount",
            ),
            SavedItem("SAR", Decimal("1"), sku="", description=""),  # nothing to find it by
        ]
    )
    assert saved == 2
    store.save_items([SavedItem("SAR", Decimal("10.00"), sku="PEN", description="Pen")])
    sar = store.list_items("sar")
    assert len(sar) == 1 and sar[0].unit_cost == Decimal("10.00") and sar[0].tax == ""
    kwd = store.list_items("KWD")[0]
    assert kwd.unit_cost == Decimal("1.250") and str(kwd.unit_cost) == "1.250"
    assert kwd.tax_type == "Amount"
    assert len(store.list_items()) == 2
    with pytest.raises(TypeError):
        store.save_items([SavedItem("SAR", 9.5, sku="X")])  # type: ignore[arg-type]
