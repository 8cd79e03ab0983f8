"""The invoice list model and its filter: statuses in words, sort by raw values, merges that
repaint only what changed — every change checked by qtmodeltester."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from PySide6.QtCore import Qt

from clickpay_desk.core.profile import GatewayKind
from clickpay_desk.store.records import InvoiceRecord
from clickpay_desk.ui.invoices.list_model import (
    SORT_ROLE,
    InvoiceColumn,
    InvoiceFilter,
    InvoiceListModel,
    InvoiceRow,
    StatusGroup,
)

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def record(
    n: int, status: str = "pending", amount: str = "10.00", **changes: object
) -> InvoiceRecord:
    values: dict[str, object] = {
        "id": n,
        "profile_id": 1,
        "gateway": GatewayKind.CLICKPAY,
        "cart_id": f"INV-{n}",
        "remote_id": str(1000 + n),
        "link": f"https://pay.example/{n}",
        "currency": "SAR",
        "amount": Decimal(amount),
        "status": status,
        "payload": {"customer_details": {"name": f"Customer {n}", "email": f"c{n}@example.com"}},
        "created_at": NOW + timedelta(days=n),
    }
    values.update(changes)
    return InvoiceRecord(**values)  # type: ignore[arg-type]


def test_rows_show_words_and_sort_by_raw_values(qtmodeltester) -> None:
    model = InvoiceListModel()
    qtmodeltester.check(model)
    model.merge(
        [
            InvoiceRow(record(1, "paid", "100.00")),
            InvoiceRow(record(2, "pending", "9.50")),
            InvoiceRow(record(3, "paid", "20.00"), refunded=Decimal("5")),
            InvoiceRow(record(4, "Created", gateway=GatewayKind.GEIDEA)),
        ]
    )
    status = [model.index(r, InvoiceColumn.STATUS).data() for r in range(4)]
    assert status == [
        "Paid",
        "Waiting for payment",
        "Paid, refunded in part",
        "Created (not sent yet)",
    ]
    assert model.index(0, InvoiceColumn.AMOUNT).data() == "100.00 SAR"
    assert model.index(2, InvoiceColumn.REFUNDED).data() == "5.00 SAR"
    proxy = InvoiceFilter()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)
    proxy.sort(InvoiceColumn.AMOUNT, Qt.SortOrder.AscendingOrder)
    amounts = [proxy.index(r, InvoiceColumn.AMOUNT).data() for r in range(4)]
    assert amounts == ["9.50 SAR", "10.00 SAR", "20.00 SAR", "100.00 SAR"]  # not as text
    assert isinstance(model.index(0, InvoiceColumn.AMOUNT).data(SORT_ROLE), int)


def test_merge_repaints_only_the_changed_cells_and_keeps_rows(qtbot, qtmodeltester) -> None:
    model = InvoiceListModel()
    qtmodeltester.check(model)
    model.merge([InvoiceRow(record(1)), InvoiceRow(record(2))])
    changes: list[tuple[int, int, int]] = []
    model.dataChanged.connect(
        lambda top, bottom, _roles: changes.append((top.row(), top.column(), bottom.column()))
    )
    inserted: list[int] = []
    model.rowsInserted.connect(lambda _p, first, _last: inserted.append(first))
    paid = replace(record(2, "paid"), payload={**record(2).payload, "_payment": {"tran_ref": "T1"}})
    model.merge([InvoiceRow(record(1)), InvoiceRow(paid), InvoiceRow(record(3))])
    assert inserted == [2]
    assert [c[0] for c in changes] == [1]  # row 1 untouched, row 2 repainted
    changes.clear()
    model.merge([InvoiceRow(record(1)), InvoiceRow(paid), InvoiceRow(record(3))])
    assert changes == []  # a refresh with nothing new repaints nothing
    model.merge([InvoiceRow(record(3))])
    assert model.rowCount() == 1 and model.row_at(0).record.cart_id == "INV-3"


def test_filters_by_text_status_currency_and_dates(qtmodeltester) -> None:
    model = InvoiceListModel()
    proxy = InvoiceFilter()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)
    model.merge(
        [
            InvoiceRow(record(1, "paid")),
            InvoiceRow(record(2, "pending", currency="KWD", amount="1.250")),
            InvoiceRow(record(3, "cancelled")),
        ]
    )
    proxy.set_text("c2@example")
    assert proxy.rowCount() == 1
    proxy.set_text("")
    proxy.set_groups({StatusGroup.OPEN})
    assert [proxy.index(r, 0).data() for r in range(proxy.rowCount())] == ["INV-2"]
    assert proxy.index(0, InvoiceColumn.AMOUNT).data() == "1.250 KWD"
    proxy.set_groups(None)
    proxy.set_currency("SAR")
    assert proxy.rowCount() == 2
    proxy.set_currency(None)
    first = (NOW + timedelta(days=2)).astimezone().date()
    proxy.set_dates(first, first)
    assert [proxy.index(r, 0).data() for r in range(proxy.rowCount())] == ["INV-2"]
