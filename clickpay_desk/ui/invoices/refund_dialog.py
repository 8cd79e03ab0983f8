"""Refund a paid ClickPay invoice, in full or in part: the amount, a reason, and a confirmation
that names the amount and the customer before anything is sent."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from clickpay_desk.core.money import format_display, parse_amount
from clickpay_desk.core.rules import ValidationError
from clickpay_desk.exchange.invoice_export import customer_of
from clickpay_desk.services.refunds import refund_problems

from .list_model import InvoiceRow


class RefundDialog(QDialog):
    """Asks how much to refund; ``amount()`` and ``reason()`` once accepted."""

    def __init__(self, row: InvoiceRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.row = row
        self._error = ""
        rec = row.record
        self.currency = rec.currency
        self.setWindowTitle(f"Refund invoice “{rec.cart_id}”")
        self.setMinimumWidth(460)
        name = customer_of(rec)["name"] or "the customer"
        self.customer = name
        paid = format_display(rec.amount, rec.currency)
        left = format_display(row.remaining, rec.currency)
        intro = QLabel(
            f"{name} paid {paid} for invoice {rec.remote_id}."
            + (
                f" Already refunded: {format_display(row.refunded, rec.currency)}."
                if row.refunded > 0
                else ""
            )
            + f" Up to {left} can be refunded. The money goes back to the card that paid."
        )
        intro.setWordWrap(True)

        self.full = QRadioButton(f"&Full refund ({left})")
        self.part = QRadioButton("&Part of it:")
        group = QButtonGroup(self)
        group.addButton(self.full)
        group.addButton(self.part)
        self.amount_edit = QLineEdit()
        self.amount_edit.setPlaceholderText(f"amount in {rec.currency}")
        self.amount_edit.setAccessibleName("Refund amount")
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText("shown on the refund (optional)")
        self.reason_edit.setMaxLength(128)
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #c92a2a;")
        self.problem.setWordWrap(True)
        self.confirm = QLabel()
        self.confirm.setWordWrap(True)
        self.confirm.setStyleSheet("font-weight: bold;")

        part_row = QHBoxLayout()
        part_row.addWidget(self.part)
        part_row.addWidget(self.amount_edit, 1)
        part_row.addWidget(QLabel(rec.currency))
        form = QFormLayout()
        reason_label = QLabel("&Reason:")
        reason_label.setBuddy(self.reason_edit)
        form.addRow(reason_label, self.reason_edit)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.addButton("Refund", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.full)
        layout.addLayout(part_row)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.confirm)
        layout.addWidget(self.buttons)

        self.full.toggled.connect(self._update)
        self.amount_edit.textChanged.connect(self._update)
        self.amount_edit.textEdited.connect(lambda _t: self.part.setChecked(True))
        self.full.setChecked(True)
        self._update()

    def amount(self) -> Decimal | None:
        """The amount to refund, or None while the input breaks a rule (``problem`` says which)."""
        if self.full.isChecked():
            return self.row.remaining
        try:
            return parse_amount(self.amount_edit.text(), self.currency, "Refund amount")
        except ValidationError as exc:
            self._error = "; ".join(f"{v.field} {v.rule}" for v in exc.violations)
            return None

    def reason(self) -> str:
        return self.reason_edit.text().strip()

    def _update(self) -> None:
        self._error = ""
        amount = self.amount()
        if amount is not None:
            problems = refund_problems(self.row.record, amount, self.row.refunded)
            self._error = "; ".join(
                f"Refund amount {p.rule}" if p.field == "amount" else p.rule for p in problems
            )
        ok = amount is not None and not self._error
        self.problem.setText(self._error)
        self.problem.setVisible(bool(self._error))
        self.ok.setEnabled(ok)
        if ok and amount is not None:
            shown = format_display(amount, self.currency)
            self.ok.setText(f"Refund {shown}")
            self.confirm.setText(
                f"Refund {shown} to {self.customer}? This cannot be undone once sent."
            )
        else:
            self.ok.setText("Refund")
            self.confirm.setText(
                "Type the amount to refund." if self.part.isChecked() and not self._error else ""
            )
        if self.isVisible():
            # The wrapped problem and confirmation change height as the amount is typed: fit
            # them, instead of clipping the lines above and below.
            self.adjustSize()
