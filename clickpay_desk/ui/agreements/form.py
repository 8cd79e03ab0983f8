"""The new-agreement form: every rule of reference 002 checked as the user types, field named.

The form holds no rule of its own: it builds a ``services.agreements.AgreementRequest`` from
what is typed and shows what ``problems()`` says, next to the field it names. The cart currency
and amount are not asked for: they are the agreement's currency and initial amount, as the
reference requires.
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from clickpay_desk.core.agreement import RepeatPeriod, format_wire_date
from clickpay_desk.core.money import GATEWAY_CURRENCIES, format_display
from clickpay_desk.core.rules import RuleViolation, ValidationError
from clickpay_desk.services.agreements import (
    CUSTOMER_FIELDS,
    LANGUAGES,
    AgreementRequest,
    new_cart_id,
)

_CUSTOMER_LABELS = {
    "name": "N&ame",
    "email": "E-&mail",
    "phone": "P&hone",
    "street1": "&Street",
    "city": "Cit&y",
    "state": "State / re&gion",
    "country": "C&ountry (2 letters)",
    "zip": "Postcode / &ZIP",
}
_BAD = "QLineEdit, QSpinBox, QDateEdit, QComboBox { border: 1px solid #e03131; }"


class NewAgreementDialog(QDialog):
    """Collects one agreement request; ``request()`` is valid once the dialog is accepted."""

    def __init__(
        self,
        today: date,
        *,
        currency: str = "SAR",
        language: str = "en",
        callback: str | None = None,
        callback_fixed: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("New repeat-billing agreement")
        self.today = today
        self.callback_edit = QLineEdit(callback or "")
        self.callback_edit.setPlaceholderText("optional: https://your-shop.example/clickpay/ipn")
        self.callback_edit.setReadOnly(callback_fixed)
        if callback_fixed:
            self.callback_edit.setToolTip(
                "Sandbox: the app receives the callbacks itself and imports them."
            )
        self.cart_id = new_cart_id(today)
        self._fields: dict[str, QWidget] = {}
        self._labels: dict[str, str] = {}

        self.description = QLineEdit()
        self.description.setPlaceholderText("What the customer subscribes to, e.g. Gym membership")
        self.currency = QComboBox()
        self.currency.addItems(sorted(GATEWAY_CURRENCIES))
        self.currency.setCurrentText(currency if currency in GATEWAY_CURRENCIES else "SAR")
        self.currency.setToolTip("The cart currency: the agreement is in the same currency.")
        self.initial = QLineEdit()
        self.initial.setPlaceholderText("paid by the customer on the payment page")
        self.initial.setToolTip("The cart amount: the first payment, taken now.")
        self.repeat = QLineEdit()
        self.final = QLineEdit()
        self.final.setPlaceholderText("optional: one last payment after the repeats")
        self.terms = QSpinBox()
        self.terms.setRange(0, 9999)
        self.terms.setValue(12)
        self.terms.setSpecialValueText("0 (until cancelled)")
        self.terms_words = QLabel()
        self.period = QComboBox()
        for period in RepeatPeriod:
            self.period.addItem(period.label, int(period))
        self.period.setCurrentIndex(self.period.findData(int(RepeatPeriod.MONTH)))
        self.every = QSpinBox()
        self.every.setRange(1, 999)
        self.every.setPrefix("")
        self.first_due = QDateEdit()
        self.first_due.setCalendarPopup(True)
        self.first_due.setDisplayFormat("yyyy-MM-dd")
        self.first_due.setMinimumDate(_qdate(today + timedelta(days=1)))
        self.first_due.setDate(_qdate(today + timedelta(days=30)))
        self.language = QComboBox()
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(0, self.language.findData(language)))

        self.terms_words.setWordWrap(True)
        period_row = QHBoxLayout()
        period_row.addWidget(self.every)
        period_row.addWidget(self.period, 1)

        money_box = QGroupBox("Agreement")
        form = QFormLayout(money_box)
        self.cart_label = QLabel(self.cart_id)
        self.cart_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("Cart id", self.cart_label)
        self._add(form, "&Description", self.description, "agreement.agreement_description")
        self._add(form, "C&urrency", self.currency, "agreement.agreement_currency")
        self._add(form, "&Initial amount", self.initial, "agreement.initial_amount")
        self._add(form, "&Repeat amount", self.repeat, "agreement.repeat_amount")
        self._add(form, "Repeat &terms", self.terms, "agreement.repeat_terms")
        form.addRow("", self.terms_words)
        self._add(form, "Repeat e&very", period_row, "agreement.repeat_every", self.every)
        self._fields["agreement.repeat_period"] = self.period
        self._add(form, "&Final amount", self.final, "agreement.final_amount")
        self._add(
            form, "First installment du&e", self.first_due, "agreement.first_installment_due_date"
        )
        self._add(form, "Payment page &language", self.language, "paypage_lang")
        self._add(form, "Callback URL (IP&N)", self.callback_edit, "callback")
        self._fields["cart_description"] = self.description
        self._fields["cart_currency"] = self.currency
        self._fields["cart_amount"] = self.initial

        self.customer: dict[str, QLineEdit] = {}
        self.shipping: dict[str, QLineEdit] = {}
        customer_box = self._details_box("Customer", "customer_details", self.customer)
        self.same_shipping = QCheckBox("Shi&pping details are the customer's")
        self.same_shipping.setChecked(True)
        shipping_box = self._details_box("Shipping", "shipping_details", self.shipping)
        self.shipping_box = shipping_box
        shipping_box.setVisible(False)
        self.same_shipping.toggled.connect(lambda same: shipping_box.setVisible(not same))

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.problems_label = QLabel()
        self.problems_label.setWordWrap(True)
        self.problems_label.setStyleSheet("color: #c92a2a;")
        self.problems_label.setAccessibleName("Problems")

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Send payment re&quest")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        content = QWidget()
        grid = QGridLayout(content)
        grid.addWidget(money_box, 0, 0, 3, 1)
        grid.addWidget(customer_box, 0, 1)
        grid.addWidget(self.same_shipping, 1, 1)
        grid.addWidget(shipping_box, 2, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.problems_label)
        layout.addWidget(self.buttons)
        self.resize(900, 620)

        for edit in [
            self.description,
            self.initial,
            self.repeat,
            self.final,
            *self.customer.values(),
            *self.shipping.values(),
        ]:
            edit.textChanged.connect(self._check)
        for spin in (self.terms, self.every):
            spin.valueChanged.connect(self._check)
        for combo in (self.currency, self.period, self.language):
            combo.currentIndexChanged.connect(self._check)
        self.first_due.dateChanged.connect(self._check)
        self.callback_edit.textChanged.connect(self._check)
        self.same_shipping.toggled.connect(self._check)
        self.violations: list[RuleViolation] = []
        self._check()
        self.description.setFocus()

    # -- building -------------------------------------------------------------------------------

    def _add(
        self,
        form: QFormLayout,
        label: str,
        item: QWidget | QHBoxLayout,
        field: str,
        widget: QWidget | None = None,
    ) -> None:
        text = QLabel(label)
        target = widget or item
        assert isinstance(target, QWidget)
        text.setBuddy(target)
        form.addRow(text, item)
        self._fields[field] = target
        self._labels[field] = label.replace("&", "")

    def _details_box(self, title: str, prefix: str, edits: dict[str, QLineEdit]) -> QGroupBox:
        box = QGroupBox(title)
        form = QFormLayout(box)
        for name in CUSTOMER_FIELDS:
            edit = QLineEdit()
            edit.setObjectName(f"{prefix}.{name}")
            label = _CUSTOMER_LABELS[name]
            if prefix != "customer_details":
                label = label.replace("&", "")
            text = QLabel(label)
            text.setBuddy(edit)
            form.addRow(text, edit)
            edits[name] = edit
            self._fields[f"{prefix}.{name}"] = edit
            self._labels[f"{prefix}.{name}"] = f"{title}: " + label.replace("&", "").lower()
        return box

    # -- the request ----------------------------------------------------------------------------

    def request(self) -> AgreementRequest:
        agreement: dict[str, object] = {
            "agreement_description": self.description.text(),
            "agreement_currency": self.currency.currentText(),
            "initial_amount": self.initial.text().strip(),
            "repeat_amount": self.repeat.text().strip(),
            "repeat_terms": self.terms.value(),
            "repeat_period": self.period.currentData(),
            "repeat_every": self.every.value(),
            "first_installment_due_date": format_wire_date(_pydate(self.first_due.date())),
        }
        final = self.final.text().strip()
        if final and self.terms.value() != 0:
            agreement["final_amount"] = final
        customer = {k: e.text() for k, e in self.customer.items()}
        shipping = (
            None
            if self.same_shipping.isChecked()
            else {k: e.text() for k, e in self.shipping.items()}
        )
        return AgreementRequest(
            cart_id=self.cart_id,
            cart_description=self.description.text(),
            agreement=agreement,
            customer=customer,
            shipping=shipping or customer,
            language=str(self.language.currentData()),
            callback=self.callback_edit.text().strip() or None,
        )

    def _check(self) -> None:
        open_ended = self.terms.value() == 0
        self.final.setEnabled(not open_ended)
        self.final.setToolTip(
            "Not applicable to an agreement that repeats until cancelled" if open_ended else ""
        )
        unit = self.period.currentText() + ("s" if self.every.value() != 1 else "")
        self.terms_words.setText(
            "repeats until you cancel the agreement"
            if open_ended
            else f"{self.terms.value()} payments of the repeat amount, every "
            f"{self.every.value()} {unit}"
        )
        request = self.request()
        self.violations = _without_echoes(request.problems(self.today))
        if self.same_shipping.isChecked():  # the customer's fields, already named once
            self.violations = [
                v for v in self.violations if not v.field.startswith("shipping_details.")
            ]
        for widget in set(self._fields.values()):
            widget.setStyleSheet("")
            widget.setToolTip("")
        for violation in self.violations:
            flagged = self._fields.get(violation.field)
            if flagged is not None:
                flagged.setStyleSheet(_BAD)
                flagged.setToolTip(violation.rule)
        shown = [self._friendly(v) for v in self.violations[:8]]
        more = len(self.violations) - len(shown)
        self.problems_label.setText("\n".join(shown) + (f"\n… and {more} more" if more > 0 else ""))
        self.summary.setText(self._summary(request))
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not self.violations)

    def _summary(self, request: AgreementRequest) -> str:
        from clickpay_desk.core.agreement import agreement_from_wire

        try:
            agreement = agreement_from_wire(request.agreement)
        except ValidationError:
            return ""
        currency = agreement.currency
        text = (
            f"The customer pays {format_display(agreement.initial_amount, currency)} "
            f"now, then {format_display(agreement.repeat_amount, currency)} from "
            f"{agreement.first_installment_due_date.isoformat()}"
        )
        if agreement.is_open_ended:
            return text + " until you cancel."
        total = agreement.total
        final = (
            f", then {format_display(agreement.final_amount, currency)} once"
            if agreement.final_amount is not None
            else ""
        )
        assert total is not None
        return (
            text + f", {agreement.repeat_terms} times{final}: "
            f"{format_display(total, currency)} in all."
        )

    def _friendly(self, violation: RuleViolation) -> str:
        """ "• Initial amount: SAR allows at most 2 decimal places": the field as its label reads,
        not its wire name, and not the value again (it is in the field, marked)."""
        label = self._labels.get(violation.field)
        return "• " + (f"{label}: {violation.rule}" if label else violation.message())

    def accept(self) -> None:
        self._check()
        if self.violations:
            return
        super().accept()


#: The cart fields the form fills from the agreement's: their rule is already said there.
_ECHOES = {
    "cart_amount": "agreement.initial_amount",
    "cart_currency": "agreement.agreement_currency",
}


def _without_echoes(violations: list[RuleViolation]) -> list[RuleViolation]:
    fields = {v.field for v in violations}
    return [v for v in violations if _ECHOES.get(v.field) not in fields]


def _pydate(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)
