"""The base of the desk's table models: a merge inserts, updates and removes rows in place and
repaints only the cells that changed; the proxy sorts by raw values and filters by text. Every
change below happens with qtmodeltester attached."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QPersistentModelIndex, Qt

from clickpay_desk.ui.record_model import (
    RECORD_ROLE,
    SORT_ROLE,
    RecordFilterProxy,
    RecordTableModel,
)


@dataclass(frozen=True)
class Item:
    id: int
    name: str
    amount: Decimal
    state: str = "open"
    note: str = ""  # searchable, never shown


class Col(IntEnum):
    NAME = 0
    AMOUNT = 1
    STATE = 2


HEADERS = {Col.NAME: "Name", Col.AMOUNT: "Amount", Col.STATE: "State"}


class ItemModel(RecordTableModel[Item, Col]):
    columns = Col
    headers = HEADERS

    def _key(self, item: Item) -> int:
        return item.id

    def _display(self, item: Item, column: Col) -> str:
        match column:
            case Col.NAME:
                return item.name
            case Col.AMOUNT:
                return f"{item.amount:.2f}"
            case Col.STATE:
                return item.state

    def _sort_value(self, item: Item, column: Col) -> Any:
        if column is Col.AMOUNT:
            return int(item.amount.scaleb(2))
        return super()._sort_value(item, column)

    def _role_data(self, item: Item, column: Col, role: int) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and column is Col.STATE:
            return f"{item.name} is {item.state}"
        return None


class ClosedFilter(RecordFilterProxy[Item]):
    def __init__(self) -> None:
        super().__init__()
        self.hide_closed = False

    def _accepts(self, item: Item) -> bool:
        return not (self.hide_closed and item.state == "closed")

    def _search_text(self, item: Item) -> Iterable[str]:
        return (item.note,)


A = Item(1, "Alpha", Decimal("10.00"))
B = Item(2, "Beta", Decimal("9.50"), note="vip")
C = Item(3, "Gamma", Decimal("100.00"))


def watch(model: ItemModel) -> list[tuple[str, int, int, int, int]]:
    """Every structural change and repaint, as (what, first row, first col, last row, last col)."""
    seen: list[tuple[str, int, int, int, int]] = []
    model.rowsInserted.connect(lambda _p, first, last: seen.append(("insert", first, 0, last, 0)))
    model.rowsRemoved.connect(lambda _p, first, last: seen.append(("remove", first, 0, last, 0)))
    model.modelReset.connect(lambda: seen.append(("reset", 0, 0, 0, 0)))
    model.dataChanged.connect(
        lambda tl, br, _roles=(): seen.append(
            ("changed", tl.row(), tl.column(), br.row(), br.column())
        )
    )
    return seen


def names(model: ItemModel) -> list[str]:
    return [model.index(r, Col.NAME).data() for r in range(model.rowCount())]


def test_merge_inserts_updates_one_cell_and_removes_rows(qtmodeltester) -> None:
    model = ItemModel()
    qtmodeltester.check(model, force_py=True)  # attached: it checks every change that follows
    seen = watch(model)

    model.merge([A, B])
    assert seen == [("insert", 0, 0, 1, 0)]
    assert names(model) == ["Alpha", "Beta"]

    seen.clear()
    model.merge([A, replace(B, amount=Decimal("12.00")), C])  # one cell changes, one row is new
    assert seen == [("changed", 1, Col.AMOUNT, 1, Col.AMOUNT), ("insert", 2, 0, 2, 0)]
    assert model.index(1, Col.AMOUNT).data() == "12.00"

    seen.clear()
    model.merge([replace(A, name="Alpha 2", state="closed"), model.record(1), C])
    assert seen == [("changed", 0, Col.NAME, 0, Col.STATE)]  # the span of the changed cells

    seen.clear()
    model.merge([model.record(0), C])  # Beta is gone
    assert seen == [("remove", 1, 0, 1, 0)]
    assert names(model) == ["Alpha 2", "Gamma"]
    assert model.row_of(3) == 1 and model.row_of(2) is None

    seen.clear()
    model.merge(model.records())  # the periodic refresh with nothing new: no signal at all
    assert seen == []


def test_a_record_that_equals_but_shows_the_same_repaints_nothing(qtmodeltester) -> None:
    model = ItemModel()
    model.merge([A, B])
    qtmodeltester.check(model, force_py=True)
    seen = watch(model)
    assert model.update_record(replace(B, note="changed, but not shown")) is True
    assert seen == []
    assert model.record(1).note == "changed, but not shown"
    assert model.update_record(Item(99, "Nobody", Decimal(0))) is False


def test_changed_columns_can_widen_the_repaint(qtmodeltester) -> None:
    class WholeRowOnState(ItemModel):
        def _changed_columns(self, old: Item, new: Item) -> list[Col]:
            return list(Col) if old.state != new.state else list(super()._changed_columns(old, new))

    model = WholeRowOnState()
    model.merge([A, B])
    qtmodeltester.check(model, force_py=True)
    seen = watch(model)
    model.merge([A, replace(B, state="closed")])
    assert seen == [("changed", 1, Col.NAME, 1, Col.STATE)]


def test_reset_replaces_every_row_and_keeps_the_index(qtmodeltester) -> None:
    model = ItemModel()
    model.merge([A])
    qtmodeltester.check(model, force_py=True)
    seen = watch(model)
    model._reset([C, B])
    assert seen == [("reset", 0, 0, 0, 0)]
    assert model.row_of(2) == 1 and model.row_of(1) is None


def test_headers_roles_and_bounds() -> None:
    model = ItemModel()
    model.merge([A, B])
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in Col] == [
        "Name",
        "Amount",
        "State",
    ]
    assert model.headerData(3, Qt.Orientation.Horizontal) is None
    assert model.headerData(0, Qt.Orientation.Vertical) is None
    assert model.index(1, Col.AMOUNT).data(SORT_ROLE) == 950
    assert model.index(1, Col.NAME).data(SORT_ROLE) == "beta"
    assert model.index(1, Col.NAME).data(RECORD_ROLE) is B
    assert model.index(0, Col.STATE).data(Qt.ItemDataRole.ToolTipRole) == "Alpha is open"
    assert model.index(0, Col.NAME).data(Qt.ItemDataRole.ToolTipRole) is None
    assert model.columnCount(model.index(0, 0)) == 0 and model.rowCount(model.index(0, 0)) == 0


def test_proxy_sorts_by_raw_values_and_filters(qtmodeltester) -> None:
    model = ItemModel()
    proxy = ClosedFilter()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy, force_py=True)
    model.merge([A, B, C])
    proxy.sort(Col.AMOUNT, Qt.SortOrder.AscendingOrder)
    shown = [proxy.index(r, Col.AMOUNT).data() for r in range(proxy.rowCount())]
    assert shown == ["9.50", "10.00", "100.00"]  # as numbers, not as text

    proxy.set_text("  GAM ")
    assert [proxy.index(r, Col.NAME).data() for r in range(proxy.rowCount())] == ["Gamma"]
    proxy.set_text("vip")  # not in a cell: found in what the filter adds
    assert [proxy.index(r, Col.NAME).data() for r in range(proxy.rowCount())] == ["Beta"]
    proxy.set_text("")
    proxy.hide_closed = True
    model.merge([A, replace(B, state="closed"), C])  # dynamic: the closed row leaves the view
    assert [proxy.index(r, Col.NAME).data() for r in range(proxy.rowCount())] == ["Alpha", "Gamma"]


def proxy_names(proxy: ClosedFilter) -> list[str]:
    return [proxy.index(r, Col.NAME).data() for r in range(proxy.rowCount())]


def test_the_model_sorts_its_rows_once_blanks_last_ties_in_load_order(qtmodeltester) -> None:
    model = ItemModel()
    proxy = ClosedFilter()
    proxy.setSourceModel(model)
    qtmodeltester.check(model, force_py=True)  # the sort's layout change is the model's
    d = Item(4, "", Decimal("5.00"), state="closed")  # no name: blank, last both ways
    e = Item(5, "Beta", Decimal("1.00"))  # the same name as B, loaded after it
    model.merge([A, B, C, d, e])
    proxy.sort(Col.NAME, Qt.SortOrder.AscendingOrder)
    assert proxy_names(proxy) == ["Alpha", "Beta", "Beta", "Gamma", ""]
    assert proxy.index(1, Col.AMOUNT).data() == "9.50"  # equal names: B (loaded first) first
    proxy.sort(Col.NAME, Qt.SortOrder.DescendingOrder)
    assert proxy_names(proxy) == ["Gamma", "Beta", "Beta", "Alpha", ""]
    assert proxy.index(1, Col.AMOUNT).data() == "9.50"  # still in load order
    # The model itself holds the order; records() stays in load order.
    assert names(model) == ["Gamma", "Beta", "Beta", "Alpha", ""]
    assert [r.id for r in model.records()] == [1, 2, 3, 4, 5]
    assert model.row_of(1) == 3
    # -1 gives the load order back.
    proxy.sort(-1)
    assert names(model) == ["Alpha", "Beta", "Gamma", "", "Beta"]


def test_a_refresh_keeps_the_rows_sorted_and_the_selection(qtmodeltester) -> None:
    model = ItemModel()
    proxy = ClosedFilter()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy, force_py=True)
    model.merge([A, B, C])
    proxy.sort(Col.AMOUNT, Qt.SortOrder.AscendingOrder)
    held = QPersistentModelIndex(proxy.index(2, Col.NAME))  # Gamma, as a selection holds it
    assert held.data() == "Gamma"
    # Beta now costs the most and a new, cheaper row arrives: both take their place at once.
    model.merge([A, replace(B, amount=Decimal("500.00")), C, Item(6, "Delta", Decimal("1.25"))])
    assert proxy_names(proxy) == ["Delta", "Alpha", "Gamma", "Beta"]
    assert held.isValid() and held.data() == "Gamma" and held.row() == 2
    proxy.sort(Col.AMOUNT, Qt.SortOrder.DescendingOrder)
    assert held.data() == "Gamma" and held.row() == 1


class StateFilter(RecordFilterProxy[Item]):
    """Filters by state only when asked to, and says so."""

    def __init__(self) -> None:
        super().__init__()
        self.state: str | None = None

    def set_state(self, state: str | None) -> None:
        self.state = state
        self._refilter()

    def _restricts(self) -> bool:
        return self.state is not None

    def _accepts(self, item: Item) -> bool:
        return self.state is None or item.state == self.state


def test_an_idle_filter_asks_nothing_and_a_set_one_still_filters_after_sorts(
    qtmodeltester,
) -> None:
    model = ItemModel()
    proxy = StateFilter()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy, force_py=True)
    model.merge([A, replace(B, state="closed"), C])
    asked: list[int] = []
    keeps = proxy._keeps
    proxy._keeps = lambda m, row, item: asked.append(item.id) or keeps(m, row, item)  # type: ignore[method-assign]
    proxy.sort(Col.AMOUNT, Qt.SortOrder.DescendingOrder)
    assert proxy_names(proxy) == ["Gamma", "Alpha", "Beta"]
    assert asked == []  # nothing filtered: Qt kept every row without asking Python
    proxy.set_state("open")
    assert proxy_names(proxy) == ["Gamma", "Alpha"]
    proxy.sort(Col.NAME, Qt.SortOrder.AscendingOrder)
    assert proxy_names(proxy) == ["Alpha", "Gamma"]
    proxy.set_text("gam")
    assert proxy_names(proxy) == ["Gamma"]
    proxy.set_text("")
    proxy.set_state(None)
    assert proxy_names(proxy) == ["Alpha", "Beta", "Gamma"]
