"""The invoice editor's form sections: the invoice details box (number, description, dates,
language, more options), reading the fields into an ``InvoiceForm`` and setting them from one,
and what changes with the gateway.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDateTime, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from clickpay_desk.core.profile import GatewayKind

from .catalog import CustomersModel
from .customer_form import CustomerForm
from .delegates import LineDelegates
from .form_rules import FIELD_LABELS, InvoiceForm
from .line_rules import LineColumn, Values
from .lines_model import LinesModel
from .lines_view import LinesView
from .totals_panel import TotalsPanel

#: Beside the field the box says what it needs to; the full name is in messages and tooltips.
_SHORT_LABELS = {"cart_id": "Invoice number"}

if TYPE_CHECKING:
    _Base = QWidget
else:
    _Base = object  # a mixin of InvoiceEditor, which is the QWidget


class DateField(QWidget):
    """An optional date and time: a check box says whether it is set."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.enabled = QCheckBox()
        self.enabled.setToolTip("Tick to set this date; unticked, none is sent")
        self.edit = QDateTimeEdit()
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.edit.setDateTime(QDateTime.currentDateTime().addDays(1))
        self.edit.setEnabled(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.enabled)
        layout.addWidget(self.edit, 1)
        self.enabled.toggled.connect(self.edit.setEnabled)
        self.enabled.toggled.connect(self.edited)
        self.edit.dateTimeChanged.connect(self.edited)

    def value(self) -> datetime | None:
        if not self.enabled.isChecked():
            return None
        moment = self.edit.dateTime().toPython()
        assert isinstance(moment, datetime)
        return moment.astimezone()  # the computer's zone, made explicit

    def set_value(self, value: datetime | None) -> None:
        self.blockSignals(True)
        self.enabled.setChecked(value is not None)
        if value is not None:
            local = value.astimezone()
            self.edit.setDateTime(
                QDateTime(local.year, local.month, local.day, local.hour, local.minute, 0)
            )
        self.blockSignals(False)


class FormsRow(QWidget):
    """The customer and invoice boxes side by side when the width holds both, one above the
    other when it does not (the pane they are in scrolls up and down, never sideways)."""

    def __init__(self, first: QWidget, second: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pair = (first, second)
        self.box = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self.box.setContentsMargins(0, 0, 0, 0)
        # The row's own minimum is the narrower arrangement's, so the choice is made here.
        self.box.setSizeConstraint(QBoxLayout.SizeConstraint.SetNoConstraint)
        self.box.addWidget(first, 1)
        self.box.addWidget(second, 1)

    def _side_by_side_width(self) -> int:
        first, second = self._pair
        return (
            first.minimumSizeHint().width()
            + second.minimumSizeHint().width()
            + max(0, self.box.spacing())
        )

    def side_by_side(self) -> bool:
        return self.box.direction() is QBoxLayout.Direction.LeftToRight

    def minimumSizeHint(self) -> QSize:
        first, second = self._pair
        width = max(first.minimumSizeHint().width(), second.minimumSizeHint().width())
        return QSize(width, self.box.minimumSize().height())

    def sizeHint(self) -> QSize:
        return QSize(self._side_by_side_width(), self.box.sizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        wide = event.size().width() >= self._side_by_side_width()
        direction = QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        if self.box.direction() is not direction:
            self.box.setDirection(direction)
            self.updateGeometry()  # the height it needs changed with the arrangement
        super().resizeEvent(event)


class FormSections(_Base):
    """The form's fields on the editor: built, read, set and fitted to the gateway."""

    if TYPE_CHECKING:  # what the other parts of InvoiceEditor give this one
        currency: str
        customer: CustomerForm
        customers_model: CustomersModel
        delegates: LineDelegates
        _fit_timer: QTimer
        _form: InvoiceForm | None
        forms: FormsRow
        kind: GatewayKind
        model: LinesModel
        table: LinesView
        totals: TotalsPanel

        def _edited(self) -> None: ...

        def _push_charges(self) -> None: ...

        def _rules(self) -> Any: ...

        def _totals_changed(self) -> None: ...

    def _build_form(self) -> None:
        self.customer = CustomerForm(self.customers_model)
        details = QGroupBox("Invoice")
        grid = QGridLayout(details)
        grid.setColumnStretch(1, 1)  # the number and description take the room; dates keep theirs
        self.cart_id = QLineEdit()
        self.cart_id.setMinimumWidth(130)
        self.cart_id.setToolTip("Your number for this invoice; unique for this profile")
        self.suggest_button = QToolButton()
        cart_row = QHBoxLayout()
        cart_row.addWidget(self.cart_id, 1)
        cart_row.addWidget(self.suggest_button)
        self.cart_row = QWidget()
        self.cart_row.setLayout(cart_row)
        cart_row.setContentsMargins(0, 0, 0, 0)
        self.description = QLineEdit()
        self.description.setPlaceholderText(
            "What the customer pays for (shown on the payment page)"
        )
        self.currency_label = QLabel()
        self.currency_label.setToolTip("The profile's currency (change it in File ▸ Profiles)")
        self.language = QComboBox()
        self.language.addItem("English", "en")
        self.language.addItem("Arabic", "ar")
        self.language.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.activation = DateField()
        self.expiry = DateField()
        self.due = DateField()
        self.date_rules = QLabel()
        self.date_rules.setWordWrap(True)
        self.date_rules.setStyleSheet("color: palette(mid);")
        self.callback_url = QLineEdit()
        self.callback_url.setPlaceholderText(
            "https://… (optional: where the gateway posts the result)"
        )
        self.return_url = QLineEdit()
        self.return_url.setPlaceholderText("https://… (optional: where the customer returns)")
        self.hide_shipping = QCheckBox("Hide shipping address on the payment page")
        self.disable_edit = QCheckBox("Customer cannot change their details")
        self.tokenise = QCheckBox("Save the customer's card for later payments (tokenise)")
        self.detail_labels: dict[str, QLabel] = {}

        def place(key: str, widget: QWidget, row: int, col: int, span: int = 1) -> None:
            label = QLabel(_SHORT_LABELS.get(key, FIELD_LABELS[key]))
            label.setBuddy(widget)
            self.detail_labels[key] = label
            grid.addWidget(label, row, col)
            grid.addWidget(widget, row, col + 1, 1, span)

        # Two label/field pairs a row, so that the box fits beside the customer's in 1100 px.
        place("cart_id", self.cart_row, 0, 0)
        place("language", self.language, 0, 2)
        place("description", self.description, 1, 0, 3)
        place("activation", self.activation, 2, 0)
        place("expiry", self.expiry, 2, 2)
        place("due", self.due, 3, 0)
        place("currency", self.currency_label, 3, 2)
        grid.addWidget(self.date_rules, 4, 0, 1, 4)
        # Seldom-used settings stay folded away until wanted (or set, or wrong).
        self.options_button = QToolButton()
        self.options_button.setText("More options")
        self.options_button.setCheckable(True)
        self.options_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.options_button.setArrowType(Qt.ArrowType.RightArrow)
        self.options = QWidget()
        options = QFormLayout(self.options)
        options.setContentsMargins(0, 0, 0, 0)
        options.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.options_form = options
        options.addRow(FIELD_LABELS["callback_url"], self.callback_url)
        options.addRow(FIELD_LABELS["return_url"], self.return_url)
        options.addRow("", self.hide_shipping)
        options.addRow("", self.disable_edit)
        options.addRow("", self.tokenise)
        self.options.setVisible(False)
        self.options_button.toggled.connect(self._show_options)
        grid.addWidget(self.options_button, 5, 0, 1, 4)
        grid.addWidget(self.options, 6, 0, 1, 4)
        grid.setRowStretch(7, 1)
        self.details = details
        for edit in (self.cart_id, self.description, self.callback_url, self.return_url):
            edit.textEdited.connect(self._edited)
        self.language.currentIndexChanged.connect(self._edited)
        for date_field in (self.activation, self.expiry, self.due):
            date_field.edited.connect(self._edited)
        for box in (self.hide_shipping, self.disable_edit, self.tokenise):
            box.toggled.connect(self._edited)

    def form_values(self) -> InvoiceForm:
        return InvoiceForm(
            customer=self.customer.values(),
            customer_ref=self.customer.customer_ref.text(),
            cart_id=self.cart_id.text(),
            description=self.description.text(),
            language=str(self.language.currentData() or "en"),
            activation=self.activation.value(),
            expiry=self.expiry.value(),
            due=self.due.value() if self.kind is GatewayKind.CLICKPAY else None,
            callback_url=self.callback_url.text(),
            return_url=self.return_url.text() if self.kind is GatewayKind.CLICKPAY else "",
            hide_shipping=self.hide_shipping.isChecked(),
            disable_edit=self.disable_edit.isChecked(),
            tokenise=self.tokenise.isChecked(),
            charges=self.totals.charge_texts(),
            charge_types=self.totals.charge_types(),
        )

    def _apply(self, form: InvoiceForm, rows: Sequence[Values]) -> None:
        self._loading = True
        try:
            self.customer.set_values(form.customer, form.customer_ref)
            self.cart_id.setText(form.cart_id)
            self.description.setText(form.description)
            self.language.setCurrentIndex(max(0, self.language.findData(form.language)))
            self.activation.set_value(form.activation)
            self.expiry.set_value(form.expiry)
            self.due.set_value(form.due)
            self.callback_url.setText(form.callback_url)
            self.return_url.setText(form.return_url)
            self.hide_shipping.setChecked(form.hide_shipping)
            self.disable_edit.setChecked(form.disable_edit)
            self.tokenise.setChecked(form.tokenise)
            self.totals.set_charges(form.charges, form.charge_types)
            self.model.set_rules(self._rules(), rows)
            self._form = None  # read the fields just set, not the last draft's
            self._push_charges()
        finally:
            self._loading = False
        self._form = None
        used = bool(
            form.callback_url
            or form.return_url
            or form.hide_shipping
            or form.disable_edit
            or form.tokenise
        )
        self.options_button.setChecked(used)
        self._totals_changed()

    def _current_form(self) -> InvoiceForm:
        """The fields' values, read again only after one of them changed (not per keystroke in
        the table)."""
        if self._form is None:
            self._form = self.form_values()
        return self._form

    def _apply_kind(self) -> None:
        geidea = self.kind is GatewayKind.GEIDEA
        self.customer.set_kind(self.kind)
        # Geidea asks three things of the customer: the invoice's box gets the room.
        self.forms.box.setStretch(0, 2 if geidea else 1)
        self.forms.box.setStretch(1, 3 if geidea else 1)
        self.totals.set_kind(self.kind, self.currency)
        self.currency_label.setText(self.currency)
        self.due.setVisible(not geidea)
        self.detail_labels["due"].setVisible(not geidea)
        for widget in (self.return_url, self.hide_shipping, self.disable_edit, self.tokenise):
            self.options_form.setRowVisible(widget, not geidea)
        self.table.setColumnHidden(int(LineColumn.URL), geidea)
        decimals = max(0, -int(self.model.display_q.as_tuple().exponent))
        self.delegates.amount.set_decimals(decimals)
        if geidea:
            self.date_rules.setText(
                "Expiry must be after the activation date and in the future (a date alone "
                "means 00:00 UTC)."
            )
        else:
            self.date_rules.setText(
                "Activation must be later than now; expiry and due dates later than activation "
                "(or now, without one)."
            )
        self._fit_timer.start()  # the boxes' height changed with their fields
        self.details.setTitle("Invoice (Geidea)" if geidea else "Invoice (ClickPay)")
        self.detail_labels["cart_id"].setToolTip(
            "Your number for this invoice (Geidea: merchant reference)"
            if geidea
            else "Your number for this invoice (ClickPay: cart id)"
        )

    def _show_options(self, shown: bool) -> None:
        self.options.setVisible(shown)
        self.options_button.setArrowType(
            Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        )
        self._fit_timer.start()  # the box grew or shrank

    def _field_widgets(self) -> dict[str, QWidget]:
        return {
            "cart_id": self.cart_id,
            "description": self.description,
            "activation": self.activation.edit,
            "expiry": self.expiry.edit,
            "due": self.due.edit,
            "callback_url": self.callback_url,
            "return_url": self.return_url,
            "language": self.language,
        }
