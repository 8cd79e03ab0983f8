"""The figures under the lines table, and the invoice-level charges typed beside them.

Read from the incremental engine in O(1) after every change; amounts show with the currency's
decimals. ClickPay: shipping, extra charges and extra discount are amounts. Geidea: extra charges
and the invoice discount are an amount or a percentage of the subtotal.
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
        grid.setColumnStretch(0, 1)
        self.grid = grid

        def figure() -> QLabel:
            label = QLabel("0.00")
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
            edit.setMaximumWidth(110)
            edit.setToolTip(tip)
            edit.textEdited.connect(self.charges_edited)
            self.inputs[key] = edit
            self.captions[key] = QLabel(caption)
            self.amount_labels[key] = figure()
        for key in ("extra_charges", "extra_discount"):
            combo = QComboBox()
            combo.addItems([AMOUNT, PERCENT])
            combo.setToolTip("Amount: a fixed amount; %: a percentage of the subtotal")
            combo.currentIndexChanged.connect(self.charges_edited)
            self.types[key] = combo

        self.total_caption = QLabel("<b>Total to pay</b>")
        self.total_label = figure()
        font = self.total_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.3)
        self.total_label.setFont(font)
        self.total_label.setObjectName("invoiceTotal")

        rows: list[tuple[QWidget, QWidget | None, QWidget | None, QWidget]] = [
            (self.net_caption, None, None, self.net_label),
            (self.discount_caption, None, None, self.discount_label),
            (self.tax_caption, None, None, self.tax_label),
            (self.lines_caption, None, None, self.lines_label),
        ]
        for key in ("shipping", "extra_charges", "extra_discount"):
            rows.append(
                (self.captions[key], self.inputs[key], self.types.get(key), self.amount_labels[key])
            )
        rows.append((self.total_caption, None, None, self.total_label))
        for r, (label, field, choice, value) in enumerate(rows):
            grid.addWidget(label, r, 0)
            if field is not None:
                grid.addWidget(field, r, 1)
            if choice is not None:
                grid.addWidget(choice, r, 2)
            grid.addWidget(value, r, 3)
        grid.setColumnMinimumWidth(3, 120)
        self.set_kind(GatewayKind.CLICKPAY, "SAR")

    def set_kind(self, kind: GatewayKind, currency: str) -> None:
        self.kind = kind
        self.currency = currency
        self._q = display_quantum(kind, currency)
        geidea = kind is GatewayKind.GEIDEA
        for w in (self.captions["shipping"], self.inputs["shipping"]):
            w.setVisible(not geidea)
        self.amount_labels["shipping"].setVisible(not geidea)
        for combo in self.types.values():
            combo.setVisible(geidea)
        self.captions["extra_discount"].setText("Invoice discount" if geidea else "Extra discount")
        self.discount_caption.setText("Item discounts" if geidea else "Line discounts")
        self.lines_caption.setText("Subtotal incl. tax" if geidea else "Lines total")
        self.total_caption.setText(f"<b>Total to pay ({currency})</b>")

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
        return money_text(amount, self._q)
