"""The invoice editor's saved customers and items, and its invoice numbers: the catalog is read
for the pickers, a saved item fills a typed line, and an unused number is suggested.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QLineEdit, QWidget

from clickpay_desk.store.catalog import SavedCustomer, SavedItem

from ..context import DeskContext
from ..errors import user_message
from ..tasks import TaskContext, TaskKind
from .catalog import CustomersModel, ItemColumn, ItemsModel
from .customer_form import CustomerForm
from .line_rules import AMOUNT, PERCENT, LineColumn, is_blank
from .lines_model import LinesModel
from .lines_view import LinesView

if TYPE_CHECKING:
    _Base = QWidget
else:
    _Base = object  # a mixin of InvoiceEditor, which is the QWidget


class CatalogWiring(_Base):
    """Saved customers and items, and the profile's used invoice numbers."""

    if TYPE_CHECKING:  # what the other parts of InvoiceEditor give this one
        cart_id: QLineEdit
        ctx: DeskContext
        currency: str
        customer: CustomerForm
        customers_model: CustomersModel
        items_model: ItemsModel
        _loading: bool
        model: LinesModel
        profile_id: int | None
        table: LinesView
        _used_cart_ids: set[str]

        def _edited(self) -> None: ...

        def _revalidate(self) -> None: ...

        def _say(self, text: str) -> None: ...

        def _selected_rows(self) -> list[int]: ...

    def _maybe_fill_item(self, *_args: Any) -> None:
        """After a SKU or description was typed: a saved item with exactly that text fills the
        rest of an otherwise empty row (one undo step)."""
        index = self.table.currentIndex()
        if not index.isValid() or index.column() not in (LineColumn.SKU, LineColumn.DESCRIPTION):
            return
        values = self.model.row_values(index.row())
        col = ItemColumn.SKU if index.column() == LineColumn.SKU else ItemColumn.DESCRIPTION
        item = self.items_model.find(col, values[index.column()])
        if item is None or values[LineColumn.UNIT_COST].strip():
            return
        filled = list(values)
        filled[LineColumn.SKU] = item.sku
        filled[LineColumn.DESCRIPTION] = item.description
        filled[LineColumn.UNIT_COST] = f"{item.unit_cost:f}"
        if item.tax:
            filled[LineColumn.TAX] = item.tax
            filled[LineColumn.TAX_TYPE] = AMOUNT if item.tax_type == AMOUNT else PERCENT
        self.model.set_row(index.row(), filled, f"Fill line {index.row() + 1} from saved item")

    def reload_catalog(self) -> None:
        store, currency = self.ctx.store, self.currency
        self.ctx.runner.submit(
            lambda _ctx: (store.list_customers(), store.list_items(currency)),
            kind=TaskKind.READ,
            owner=self,
            on_done=self._catalog_loaded,
            on_error=lambda exc: self._say(f"Saved customers not loaded: {user_message(exc)}"),
        )

    def _catalog_loaded(self, loaded: tuple[list[SavedCustomer], list[SavedItem]]) -> None:
        self.customers_model.set_records(loaded[0])
        self.items_model.set_records(loaded[1])

    def _current_customer(self) -> SavedCustomer | None:
        values = self.customer.values()
        if not values.get("name", "").strip():
            return None
        return SavedCustomer(
            name=values.get("name", ""),
            email=values.get("email", ""),
            phone=values.get("phone", ""),
            street=values.get("street", ""),
            city=values.get("city", ""),
            state=values.get("state", ""),
            country=values.get("country", ""),
            zip=values.get("zip", ""),
        )

    def _save_customer(self) -> None:
        customer = self._current_customer()
        if customer is None:
            self._say("Type the customer's name first.")
            return
        store = self.ctx.store
        self.ctx.runner.submit(
            lambda _ctx: store.save_customer(customer),
            kind=TaskKind.STORE,
            owner=self,
            on_done=lambda _r: self._catalog_saved(f"Saved customer {customer.name}."),
            on_error=lambda exc: self._say(f"Customer not saved: {user_message(exc)}"),
        )

    def _catalog_saved(self, text: str) -> None:
        self._say(text)
        self.reload_catalog()

    def _items_of_rows(self, rows: Sequence[int]) -> list[SavedItem]:
        found = []
        for row in rows:
            values = self.model.row_values(row)
            problems = self.model.row_problems(row)
            if is_blank(values) or LineColumn.UNIT_COST in problems:
                continue
            price = self.model.rules.numbers(values).get(LineColumn.UNIT_COST)
            if price is None or not (
                values[LineColumn.SKU].strip() or values[LineColumn.DESCRIPTION].strip()
            ):
                continue
            found.append(
                SavedItem(
                    currency=self.currency,
                    unit_cost=price,
                    sku=values[LineColumn.SKU],
                    description=values[LineColumn.DESCRIPTION],
                    tax=values[LineColumn.TAX] if LineColumn.TAX not in problems else "",
                    tax_type=values[LineColumn.TAX_TYPE],
                )
            )
        return found

    def _save_items(self, rows: Sequence[int] | None = None) -> None:
        items = self._items_of_rows(self._selected_rows() if rows is None else rows)
        if not items:
            self._say("Select lines with a price and a SKU or description to save them as items.")
            return
        store = self.ctx.store
        self.ctx.runner.submit(
            lambda _ctx: store.save_items(items),
            kind=TaskKind.STORE,
            owner=self,
            on_done=lambda n: self._catalog_saved(f"Saved {n} item(s)."),
            on_error=lambda exc: self._say(f"Items not saved: {user_message(exc)}"),
        )

    def _remember_catalog(self) -> None:
        """After a create: the customer and the lines' items are offered next time."""
        customer = self._current_customer()
        items = self._items_of_rows(range(min(self.model.rowCount(), 500)))
        store = self.ctx.store

        def work(_ctx: TaskContext) -> None:
            if customer is not None:
                store.save_customer(customer)
            store.save_items(items)

        self.ctx.runner.submit(
            work, kind=TaskKind.STORE, owner=self, on_done=lambda _r: self.reload_catalog()
        )

    def _load_used_cart_ids(self) -> None:
        profile_id = self.profile_id
        if profile_id is None:
            return
        store = self.ctx.store

        def work(_ctx: TaskContext) -> set[str]:
            return {r.cart_id for r in store.list_invoices(profile_id)}

        def loaded(ids: set[str]) -> None:
            if profile_id == self.profile_id:
                self._used_cart_ids |= ids
                if self.cart_id.text().strip() in ids and not self._loading:
                    self._suggest_cart_id()
                self._revalidate()

        self.ctx.runner.submit(work, kind=TaskKind.READ, owner=self, on_done=loaded)

    def _suggestion(self) -> str:
        stem = "INV-" + datetime.now().strftime("%Y%m%d") + "-"
        n = 1
        while f"{stem}{n:03d}" in self._used_cart_ids:
            n += 1
        return f"{stem}{n:03d}"

    def _suggest_cart_id(self) -> None:
        self.cart_id.setText(self._suggestion())
        self._edited()
