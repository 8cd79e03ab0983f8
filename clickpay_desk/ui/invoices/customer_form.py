"""The customer part of the invoice editor: who pays.

ClickPay takes name, e-mail, phone and an address with an ISO country (a searchable list from
pycountry); Geidea takes a name and an e-mail or a phone number. Saved customers are offered as
the name is typed; picking one fills every field.
"""

from __future__ import annotations

import itertools

import pycountry
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QWidget,
)

from clickpay_desk.core.profile import GatewayKind
from clickpay_desk.store.catalog import SavedCustomer

from .catalog import CustomersModel
from .form_rules import CUSTOMER_KEYS, FIELD_LABELS

ERROR_STYLE = "background: #ffd6d6;"


def mark_widget(widget: QWidget, rule: str | None, label: str) -> None:
    """Colour a field and put the broken rule in its tooltip; cleared, its own tooltip returns."""
    plain = widget.property("plain_tip")
    if plain is None:
        plain = widget.toolTip()
        widget.setProperty("plain_tip", plain)
    widget.setStyleSheet(ERROR_STYLE if rule else "")
    widget.setToolTip(f"{label} {rule}" if rule else str(plain))


def country_choices() -> list[tuple[str, str]]:
    """(code, "Saudi Arabia (SA)") for every ISO 3166-1 country, by name."""
    found = [(c.alpha_2, f"{c.name} ({c.alpha_2})") for c in pycountry.countries]
    return sorted(found, key=lambda pair: pair[1])


class CountryCombo(QComboBox):
    """An ISO country picked by typing part of its name or code; empty means none."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        # Long country names must not claim the form's width.
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(12)
        self.addItem("", "")
        for code, text in country_choices():
            self.addItem(text, code)
        completer = self.completer()
        line_edit = self.lineEdit()
        assert completer is not None and line_edit is not None  # an editable combo has both
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        line_edit.setPlaceholderText("Type a country or its code")
        self.currentIndexChanged.connect(self.edited)
        line_edit.textEdited.connect(self.edited)

    def code(self) -> str:
        """The ISO code; typed text that is not a listed country is returned as typed."""
        text = self.currentText().strip()
        index = self.findText(text, Qt.MatchFlag.MatchFixedString)
        if index >= 0:
            return str(self.itemData(index) or "")
        if len(text) == 2:
            index = self.findData(text.upper())
            if index >= 0:
                return text.upper()
        return text

    def set_code(self, code: str) -> None:
        index = self.findData(code.strip().upper()) if code.strip() else 0
        self.blockSignals(True)
        if index >= 0:
            self.setCurrentIndex(index)
        else:
            self.setEditText(code)
        self.blockSignals(False)


class CustomerForm(QGroupBox):
    """``edited`` on every change; ``picked(SavedCustomer)`` when a saved customer is chosen."""

    edited = Signal()
    picked = Signal(object)

    def __init__(self, customers: CustomersModel, parent: QWidget | None = None) -> None:
        super().__init__("Customer", parent)
        self.customers = customers
        self.edits: dict[str, QLineEdit] = {}
        grid = QGridLayout(self)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        self.grid = grid
        placeholders = {
            "name": "Start typing: saved customers are offered",
            "email": "name@example.com",
            "phone": "+966 50 123 4567",
        }
        self.country = CountryCombo()
        self.country.edited.connect(self.edited)
        self.labels: dict[str, QLabel] = {}
        for key in CUSTOMER_KEYS:
            if key == "country":
                continue
            edit = QLineEdit()
            edit.setMinimumWidth(110)
            edit.setPlaceholderText(placeholders.get(key, ""))
            edit.textEdited.connect(self.edited)
            self.edits[key] = edit
        self.customer_ref = QLineEdit()
        self.customer_ref.setPlaceholderText("Your own reference (optional)")
        self.customer_ref.textEdited.connect(self.edited)
        # Two fields a row, in the order people give them: who, how to reach them, where.
        layout: tuple[tuple[str, ...], ...] = (
            ("name", "email"),
            ("phone", "country"),
            ("street", "city"),
            ("state", "zip"),
            ("customer_ref",),
        )
        for r, pair in enumerate(layout):
            for c, key in enumerate(pair):
                widget = self.widget_of(key)
                assert widget is not None
                label = QLabel(FIELD_LABELS[key])
                label.setBuddy(widget)
                self.labels[key] = label
                grid.addWidget(label, r, 2 * c)
                grid.addWidget(widget, r, 2 * c + 1)
        grid.setRowStretch(len(layout), 1)  # rows keep their height when some are hidden
        order = ["name", "email", "phone", "country", "street", "city", "state", "zip"]
        chain: list[QWidget] = [w for k in order if (w := self.widget_of(k)) is not None]
        for first, second in itertools.pairwise([*chain, self.customer_ref]):
            QWidget.setTabOrder(first, second)

        completer = QCompleter(customers, self)
        completer.setCompletionColumn(0)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.activated.connect(self._picked_name)
        self.edits["name"].setCompleter(completer)
        self.name_completer = completer
        self.kind = GatewayKind.CLICKPAY

    def set_kind(self, kind: GatewayKind) -> None:
        """Geidea takes no address and no customer reference."""
        self.kind = kind
        address = kind is GatewayKind.CLICKPAY
        for key in ("street", "city", "state", "zip", "country", "customer_ref"):
            self.labels[key].setVisible(address)
            widget = self.widget_of(key)
            assert widget is not None
            widget.setVisible(address)
        hint = "+966501234567 (with the country code)" if not address else "+966 50 123 4567"
        self.edits["phone"].setPlaceholderText(hint)

    def values(self) -> dict[str, str]:
        found = {key: edit.text() for key, edit in self.edits.items()}
        found["country"] = self.country.code()
        return found

    def set_values(self, values: dict[str, str], customer_ref: str = "") -> None:
        for key, edit in self.edits.items():
            edit.setText(values.get(key, ""))
        self.country.set_code(values.get("country", ""))
        self.customer_ref.setText(customer_ref)

    def widget_of(self, key: str) -> QWidget | None:
        if key == "country":
            return self.country
        if key == "customer_ref":
            return self.customer_ref
        return self.edits.get(key)

    def mark(self, key: str, rule: str | None) -> None:
        widget = self.widget_of(key)
        if widget is None:
            return
        mark_widget(widget, rule, FIELD_LABELS.get(key, key))

    def _picked_name(self, name: str) -> None:
        customer = self.customers.find(name)
        if customer is not None:
            self.fill(customer)

    def fill(self, customer: SavedCustomer) -> None:
        self.set_values(customer.fields(), self.customer_ref.text())
        self.picked.emit(customer)
        self.edited.emit()
