"""The invoice list: search, filters (status, currency, creation dates) and the table.

It shows and selects; the tab owns the actions. Enter or F2 (or a double click) asks to open the row
(``open_requested``); the context menu is the one the tab built once.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, QEvent, QItemSelectionModel, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from ..record_table import record_table, selected_record
from .list_model import (
    COPY_ROLE,
    GROUP_TEXT,
    InvoiceColumn,
    InvoiceFilter,
    InvoiceListModel,
    InvoiceRow,
    StatusGroup,
)

_WIDTHS: dict[int, int] = {
    InvoiceColumn.REFERENCE: 150,
    InvoiceColumn.INVOICE_ID: 90,
    InvoiceColumn.STATUS: 200,
    InvoiceColumn.CUSTOMER: 140,
    InvoiceColumn.AMOUNT: 110,
    InvoiceColumn.REFUNDED: 100,
    InvoiceColumn.CREATED: 120,
    InvoiceColumn.DUE: 85,
    InvoiceColumn.EXPIRES: 85,
    InvoiceColumn.TRAN_REF: 140,
}

STATUS_CHOICES: list[tuple[str, frozenset[StatusGroup] | None]] = [
    ("All statuses", None),
    *[(GROUP_TEXT[g], frozenset({g})) for g in StatusGroup if g is not StatusGroup.OTHER],
]


class InvoiceListView(QWidget):
    """Filter bar and table over an ``InvoiceListModel``."""

    open_requested = Signal(object)  # InvoiceRow
    selection_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = InvoiceListModel(self)
        self.proxy = InvoiceFilter(self)
        self.proxy.setSourceModel(self.model)
        self._menu: QMenu | None = None

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search reference, customer, e-mail, invoice id, link…")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(120)
        self.search.textChanged.connect(self.proxy.set_text)
        self.status_filter = QComboBox()
        for text, groups in STATUS_CHOICES:
            self.status_filter.addItem(text, groups)
        self.status_filter.currentIndexChanged.connect(
            lambda _i: self.proxy.set_groups(self.status_filter.currentData())
        )
        self.currency_filter = QComboBox()
        self.currency_filter.addItem("All currencies", None)
        self.currency_filter.currentIndexChanged.connect(
            lambda _i: self.proxy.set_currency(self.currency_filter.currentData())
        )
        self.dates_on = QCheckBox("Created from")
        self.date_from = QDateEdit(QDate.currentDate().addMonths(-1))
        self.date_to = QDateEdit(QDate.currentDate())
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
            edit.dateChanged.connect(self._dates_changed)
        self.dates_on.toggled.connect(self._dates_toggled)

        bar = QHBoxLayout()
        find = QLabel("Fin&d:")
        find.setBuddy(self.search)
        bar.addWidget(find)
        bar.addWidget(self.search, 1)
        status = QLabel("Stat&us:")
        status.setBuddy(self.status_filter)
        bar.addWidget(status)
        bar.addWidget(self.status_filter)
        more = QHBoxLayout()  # a second line: the window must fit a small screen
        currency = QLabel("Cu&rrency:")
        currency.setBuddy(self.currency_filter)
        more.addWidget(currency)
        more.addWidget(self.currency_filter)
        more.addWidget(self.dates_on)
        more.addWidget(self.date_from)
        more.addWidget(QLabel("to"))
        more.addWidget(self.date_to)
        more.addStretch(1)

        self.table = record_table(self.proxy, InvoiceColumn.CREATED, _WIDTHS)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.doubleClicked.connect(lambda _i: self._open_current())
        self.table.installEventFilter(self)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._show_menu)
        selection = self.table.selectionModel()
        selection.selectionChanged.connect(lambda *_: self.selection_changed.emit())
        selection.currentChanged.connect(lambda *_: self.selection_changed.emit())
        self.model.modelReset.connect(self.selection_changed.emit)
        self.model.dataChanged.connect(lambda *_: self.selection_changed.emit())

        self.copy_action = QAction("Cop&y cell", self)
        self.copy_action.setToolTip("Put the selected cell's value on the clipboard")
        self.copy_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
        self.copy_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.copy_action.triggered.connect(self.copy_cell)
        self.table.addAction(self.copy_action)

        self.summary = QLabel()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addLayout(more)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)

    # -- what the tab uses -------------------------------------------------------------------

    def set_context_menu(self, menu: QMenu) -> None:
        """The menu (built once by the tab) shown on right click and the menu key."""
        self._menu = menu

    def current(self) -> InvoiceRow | None:
        row = selected_record(self.table)
        return row if isinstance(row, InvoiceRow) else None

    def copy_cell(self) -> None:
        """The current cell's raw value (an amount without its currency) to the clipboard."""
        index = self.table.currentIndex()
        if index.isValid():
            QGuiApplication.clipboard().setText(str(index.data(COPY_ROLE) or ""))

    def select_record(self, record_id: int) -> bool:
        """Select (and scroll to) the invoice with this local id; False when not listed."""
        source_row = self.model.find(record_id)
        if source_row is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(source_row, 0))
        if not index.isValid():
            return False
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index)
        return True

    def merge(self, rows: list[InvoiceRow]) -> None:
        self.model.merge(rows)
        self._sync_currencies()
        total = self.model.rowCount()
        shown = self.proxy.rowCount()
        waiting = sum(1 for r in self.model.rows() if r.is_open)
        self.summary.setText(
            f"{total} invoice{'s' if total != 1 else ''}"
            + (f", {shown} shown" if shown != total else "")
            + f"; {waiting} waiting for payment."
        )

    # -- internals ---------------------------------------------------------------------------

    def _sync_currencies(self) -> None:
        wanted = self.model.currencies()
        have = [self.currency_filter.itemData(i) for i in range(1, self.currency_filter.count())]
        if wanted == have:
            return
        current = self.currency_filter.currentData()
        self.currency_filter.blockSignals(True)
        while self.currency_filter.count() > 1:
            self.currency_filter.removeItem(1)
        for code in wanted:
            self.currency_filter.addItem(code, code)
        index = self.currency_filter.findData(current) if current else 0
        self.currency_filter.setCurrentIndex(max(index, 0))
        self.currency_filter.blockSignals(False)
        self.proxy.set_currency(self.currency_filter.currentData())

    def _dates_toggled(self, on: bool) -> None:
        self.date_from.setEnabled(on)
        self.date_to.setEnabled(on)
        self._dates_changed()

    def _dates_changed(self) -> None:
        if not self.dates_on.isChecked():
            self.proxy.set_dates(None, None)
            return
        first: date = self.date_from.date().toPython()  # type: ignore[assignment]
        last: date = self.date_to.date().toPython()  # type: ignore[assignment]
        self.proxy.set_dates(first, last)

    def _open_current(self) -> None:
        row = self.current()
        if row is not None:
            self.open_requested.emit(row)

    def _show_menu(self, pos: QPoint) -> None:
        if self._menu is not None:
            self._menu.popup(self.table.viewport().mapToGlobal(pos))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_F2):
                self._open_current()
                return True
            if event.key() == Qt.Key.Key_Menu and self._menu is not None:
                rect = self.table.visualRect(self.table.currentIndex())
                self._menu.popup(self.table.viewport().mapToGlobal(rect.center()))
                return True
        return super().eventFilter(watched, event)
