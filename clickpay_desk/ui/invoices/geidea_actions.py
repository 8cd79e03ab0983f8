"""Geidea-only pieces of the Invoices tab: the quick invoice dialog (Geidea's signed
"amount for a customer" invoice, reference 003) and the words of its confirmations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from clickpay_desk.core.contact import check_e164, check_email
from clickpay_desk.core.money import format_display, parse_amount
from clickpay_desk.core.rules import ValidationError
from clickpay_desk.services.geidea_invoices import new_reference, quick_problems
from clickpay_desk.store.records import InvoiceRecord


def send_question(record: InvoiceRecord, channel: str) -> str:
    customer = record.payload.get("customer")
    c = customer if isinstance(customer, dict) else {}
    if channel == "email":
        to = c.get("email") or "the customer's e-mail address"
        return f"Send the payment link of “{record.cart_id}” by e-mail to {to}?"
    phone = " ".join(str(c.get(k)) for k in ("phoneCountryCode", "phoneNumber") if c.get(k))
    return f"Send the payment link of “{record.cart_id}” by SMS to {phone or 'the customer'}?"


class QuickInvoiceDialog(QDialog):
    """Amount, customer and expiry of a Geidea quick invoice; ``values()`` once accepted."""

    def __init__(self, currency: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.currency = currency
        self.setWindowTitle("Quick invoice (Geidea)")
        self.setMinimumWidth(460)
        self.amount = QLineEdit()
        self.amount.setPlaceholderText(f"amount in {currency}")
        self.name = QLineEdit()
        self.email = QLineEdit()
        self.phone_code = QLineEdit("+966")
        self.phone_code.setMaximumWidth(70)
        self.phone = QLineEdit()
        self.reference = QLineEdit(new_reference())
        self.expires = QCheckBox("Expires on")
        self.expiry = QDateEdit(QDate.currentDate().addDays(30))
        self.expiry.setCalendarPopup(True)
        self.expiry.setDisplayFormat("yyyy-MM-dd")
        self.expiry.setEnabled(False)
        self.expires.toggled.connect(self.expiry.setEnabled)
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #c92a2a;")
        self.problem.setWordWrap(True)

        form = QFormLayout()
        form.addRow(f"&Amount ({currency}):", self.amount)
        form.addRow("Customer &name:", self.name)
        form.addRow("&E-mail:", self.email)
        form.addRow("Phone &code:", self.phone_code)
        form.addRow("&Phone:", self.phone)
        form.addRow("&Reference:", self.reference)
        form.addRow(self.expires, self.expiry)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.addButton("Create", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setMinimumWidth(180)  # "Create for 1,250.000 KWD" fits
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel("An invoice for an amount, without lines; Geidea signs it with your key.")
        )
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        for edit in (self.amount, self.name, self.email, self.phone, self.reference):
            edit.textChanged.connect(self._check)
        self.expires.toggled.connect(self._check)
        self.expiry.dateChanged.connect(self._check)
        self._check()

    def values(self) -> dict[str, Any] | None:
        """amount, customer, reference, expiry, or None while something breaks a rule."""
        problems: list[str] = []
        amount: Decimal | None = None
        try:
            amount = parse_amount(self.amount.text(), self.currency, "Amount")
        except ValidationError as exc:
            problems.extend(f"{v.field} {v.rule}" for v in exc.violations)
        customer: dict[str, str] = {"name": self.name.text().strip()}
        if self.email.text().strip():
            customer["email"] = self.email.text().strip()
            _normal, problem = check_email(customer["email"])
            if problem:
                problems.append(f"E-mail {problem}")
        if self.phone.text().strip():
            customer["phoneCountryCode"] = self.phone_code.text().strip()
            customer["phoneNumber"] = self.phone.text().strip()
            _normal, problem = check_e164(customer["phoneCountryCode"] + customer["phoneNumber"])
            if problem:
                problems.append(f"Phone {problem}")
        expiry: date | None = None
        if self.expires.isChecked():
            expiry = self.expiry.date().toPython()  # type: ignore[assignment]
        if not self.reference.text().strip():
            problems.append("Reference is required")
        if amount is not None:
            for v in quick_problems(amount, customer, expiry, date.today()):
                field = {"customer.name": "Customer name", "expiryDate": "Expiry"}.get(
                    v.field, v.field.capitalize()
                )
                problems.append(
                    f"{field} {v.rule}" if v.field != "customer" else v.rule.capitalize()
                )
        self.problem.setText("; ".join(problems))
        if problems or amount is None:
            return None
        return {
            "amount": amount,
            "customer": customer,
            "reference": self.reference.text().strip(),
            "expiry": expiry,
        }

    def _check(self) -> None:
        values = self.values()
        self.ok.setEnabled(values is not None)
        if values is not None:
            self.ok.setText(f"Create for {format_display(values['amount'], self.currency)}")
        else:
            self.ok.setText("Create")
