"""The invoice's footer: the figures, the invoice-level charges typed beside them, and the total
to pay, laid out across the width so that the editor keeps it (and Create) always in view.

Read from the incremental engine in O(1) after every change; every amount shows with the
currency's decimals and its code ("0.00 SAR"), also before any line is typed. ClickPay:
shipping, extra charges and extra discount are amounts. Geidea: extra charges and the invoice
discount are an amount or a percentage of the subtotal.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from clickpay_desk.core.money import EXACT
from clickpay_desk.core.profile import GatewayKind

from .customer_form import mark_widget
from .delegates import NUMBER_PATTERN
from .line_rules import AMOUNT, PERCENT, display_quantum

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
# Grid columns: figures | charges | total to pay (and what the editor attaches under it).
_CAPTION, _VALUE = 0, 1
_CHARGE, _INPUT, _TYPE, _AMOUNT = 3, 4, 5, 6
_TOTAL = 8
_GAPS = (2, 7)
_FIGURE_ROWS = 4


def money_text(amount: Decimal, q: Decimal) -> str:
    rounded = EXACT.quantize(amount, q)
    if rounded.is_zero():
        rounded = rounded.copy_abs()
    return f"{rounded:,f}"


class TotalsPanel(QFrame):
    """``charges_edited`` when a charge input or its type changes."""

    charges_edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.kind = GatewayKind.CLICKPAY
        self.currency = "SAR"
        self._q = Decimal("0.01")
        grid = QGridLayout(self)
        grid.setContentsMargins(8, 4, 8, 4)
        grid.setVerticalSpacing(2)
        for gap in _GAPS:
            grid.setColumnMinimumWidth(gap, 12)
            grid.setColumnStretch(gap, 1)
        self.grid = grid

        def figure() -> QLabel:
            label = QLabel()
            label.setAlignment(_RIGHT)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            return label

        self.net_caption = QLabel("Subtotal (price × qty)")
        self.net_label = figure()
        self.discount_caption = QLabel("Line discounts")
        self.discount_label = figure()
        self.tax_caption = QLabel("Tax")
        self.tax_label = figure()
        self.lines_caption = QLabel("Lines total")
        self.lines_label = figure()

        self.inputs: dict[str, QLineEdit] = {}
        self.types: dict[str, QComboBox] = {}
        self.amount_labels: dict[str, QLabel] = {}
        self.captions: dict[str, QLabel] = {}
        for key, caption, tip in (
            ("shipping", "Shipping", "Shipping charges added to the total"),
            ("extra_charges", "Extra charges", "Other charges added to the total"),
            ("extra_discount", "Extra discount", "A discount taken off the whole invoice"),
        ):
            edit = QLineEdit()
            edit.setPlaceholderText("0")
            edit.setValidator(QRegularExpressionValidator(NUMBER_PATTERN, edit))
            edit.setAlignment(_RIGHT)
            edit.setMaximumWidth(100)
            edit.setMinimumWidth(60)
            edit.setToolTip(tip)
            edit.textEdited.connect(self.charges_edited)
            self.inputs[key] = edit
            self.captions[key] = QLabel(caption)
            self.captions[key].setBuddy(edit)
            self.amount_labels[key] = figure()
        for key in ("extra_charges", "extra_discount"):
            combo = QComboBox()
            combo.addItems([AMOUNT, PERCENT])
            combo.setToolTip("Amount: a fixed amount; %: a percentage of the subtotal")
            combo.currentIndexChanged.connect(self.charges_edited)
            self.types[key] = combo

        self.total_caption = QLabel("<b>Total to pay</b>")
        self.total_caption.setAlignment(_RIGHT)
        self.total_label = figure()
        font = self.total_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.3)
        self.total_label.setFont(font)
        self.total_label.setObjectName("invoiceTotal")

        figures = (
            (self.net_caption, self.net_label),
            (self.discount_caption, self.discount_label),
            (self.tax_caption, self.tax_label),
            (self.lines_caption, self.lines_label),
        )
        for r, (name, value) in enumerate(figures):
            grid.addWidget(name, r, _CAPTION)
            grid.addWidget(value, r, _VALUE)
        self._place_charges(("shipping", "extra_charges", "extra_discount"))
        grid.addWidget(self.total_caption, 0, _TOTAL)
        grid.addWidget(self.total_label, 1, _TOTAL)
        self.set_kind(GatewayKind.CLICKPAY, "SAR")
        self.show_zero()

    def _charge_widgets(self, key: str) -> list[tuple[QWidget, int]]:
        found: list[tuple[QWidget, int]] = [
            (self.captions[key], _CHARGE),
            (self.inputs[key], _INPUT),
            (self.amount_labels[key], _AMOUNT),
        ]
        if key in self.types:
            found.append((self.types[key], _TYPE))
        return found

    def _place_charges(self, keys: tuple[str, ...]) -> None:
        """The charges the gateway takes, from the top row down (no gap for one it does not)."""
        for r, key in enumerate(keys):
            for widget, column in self._charge_widgets(key):
                self.grid.removeWidget(widget)
                self.grid.addWidget(widget, r, column)

    def attach(self, action: QWidget, note: QWidget) -> None:
        """``action`` under the total to pay, ``note`` in a row of its own beside it (the
        editor's Create button and why it cannot create yet)."""
        self.grid.addWidget(action, 2, _TOTAL, 2, 1, Qt.AlignmentFlag.AlignBottom)
        self.grid.addWidget(note, _FIGURE_ROWS, _CAPTION, 1, _TOTAL - 1)

    def set_kind(self, kind: GatewayKind, currency: str) -> None:
        self.kind = kind
        self.currency = currency
        self._q = display_quantum(kind, currency)
        geidea = kind is GatewayKind.GEIDEA
        for w, _column in self._charge_widgets("shipping"):
            w.setVisible(not geidea)
        shown = ("extra_charges", "extra_discount")
        self._place_charges((*shown, "shipping") if geidea else ("shipping", *shown))
        for combo in self.types.values():
            combo.setVisible(geidea)
        self.captions["extra_discount"].setText("Invoice discount" if geidea else "Extra discount")
        self.discount_caption.setText("Item discounts" if geidea else "Line discounts")
        self.lines_caption.setText("Subtotal incl. tax" if geidea else "Lines total")
        self.total_caption.setText("<b>Total to pay</b>")

    def show_zero(self) -> None:
        """Every figure at zero, as an invoice with no lines has (never a blank)."""
        zero = Decimal(0)
        m = self._money
        for label in (self.net_label, self.lines_label, self.total_label):
            label.setText(m(zero))
        for label in (self.discount_label, self.amount_labels["extra_discount"]):
            label.setText("− " + m(zero))
        for label in (self.tax_label, self.amount_labels["extra_charges"]):
            label.setText("+ " + m(zero))
        self.amount_labels["shipping"].setText("+ " + m(zero))

    # -- values -----------------------------------------------------------------------------

    def charge_texts(self) -> dict[str, str]:
        return {key: edit.text() for key, edit in self.inputs.items()}

    def charge_types(self) -> dict[str, str]:
        return {key + "_type": combo.currentText() for key, combo in self.types.items()}

    def set_charges(self, texts: dict[str, str], types: dict[str, str]) -> None:
        for key, edit in self.inputs.items():
            edit.setText(texts.get(key, ""))
        for key, combo in self.types.items():
            combo.blockSignals(True)
            combo.setCurrentIndex(max(0, combo.findText(types.get(key + "_type", AMOUNT))))
            combo.blockSignals(False)

    def mark(self, key: str, rule: str | None, label: str) -> None:
        edit = self.inputs.get(key)
        if edit is None:
            return
        mark_widget(edit, rule, label)

    def show_totals(self, engine: Any) -> Decimal:
        """Every figure from the engine, O(1); returns the grand total."""
        m = self._money
        if self.kind is GatewayKind.GEIDEA:
            t = engine.totals()  # copies a tuple of the kept item figures: microseconds
            self.net_label.setText(m(engine.net))
            self.discount_label.setText("− " + m(engine.discount))
            self.tax_label.setText("+ " + m(engine.tax))
            self.lines_label.setText(m(engine.subtotal))
            self.amount_labels["extra_charges"].setText("+ " + m(t.extra_charges))
            self.amount_labels["extra_discount"].setText("− " + m(t.invoice_discount))
            self.total_label.setText(m(t.grand_total))
            return t.grand_total
        t = engine.totals()
        self.net_label.setText(m(t.net))
        self.discount_label.setText("− " + m(t.discount))
        self.tax_label.setText("+ " + m(t.tax))
        self.lines_label.setText(m(t.lines_total))
        self.amount_labels["shipping"].setText("+ " + m(t.shipping_charges))
        self.amount_labels["extra_charges"].setText("+ " + m(t.extra_charges))
        self.amount_labels["extra_discount"].setText("− " + m(t.extra_discount))
        self.total_label.setText(m(t.grand_total))
        return t.grand_total

    def _money(self, amount: Decimal) -> str:
        """The amount with the currency's decimals and its code: "1,500.00 SAR"."""
        return f"{money_text(amount, self._q)} {self.currency}"
