"""The fields of one merchant profile, with each field's problem shown right next to it.

The rules come from ``Profile.problems()`` (core); this form only shows them. The secret field
is masked and its text is handed out only to be put in the ``SecretStore``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from clickpay_desk.core.profile import GEIDEA_REGIONS, PT2_REGIONS, GatewayKind, Profile
from clickpay_desk.core.rules import RuleViolation

CUSTOM = "Custom base URL…"
CURRENCIES = ("SAR", "AED", "EGP", "OMR", "JOD", "KWD", "QAR", "BHD", "IQD", "USD", "EUR", "GBP")
PROBLEM_STYLE = "color: #b00020;"


def regions_for(gateway: GatewayKind) -> dict[str, str]:
    return PT2_REGIONS if gateway is GatewayKind.CLICKPAY else GEIDEA_REGIONS


class ProfileForm(QWidget):
    """Edits one profile. ``edited`` fires on every change; ``problems`` are shown per field."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._profile_id: int | None = None
        self._loading = False

        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. Main shop")
        self.gateway = QComboBox()
        self.gateway.addItem("ClickPay / PayTabs (PT2)", GatewayKind.CLICKPAY)
        self.gateway.addItem("Geidea", GatewayKind.GEIDEA)
        self.region = QComboBox()
        self.base_url = QLineEdit()
        self.base_url.setPlaceholderText("https://…")
        self.merchant_id = QLineEdit()
        self.payout_account_id = QLineEdit()
        self.payout_account_id.setPlaceholderText("only needed for payouts")
        self.currency = QComboBox()
        self.currency.setEditable(True)
        self.currency.addItems(CURRENCIES)
        self.language = QComboBox()
        self.language.addItem("English", "en")
        self.language.addItem("Arabic", "ar")
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
        self.secret_state = QLabel()
        self.secret_state.setWordWrap(True)
        self.session_only = QCheckBox("Use the key for this session &only (never saved)")

        self.problem_labels: dict[str, QLabel] = {}
        form = self._form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.merchant_id_label = QLabel()
        self.secret_label = QLabel()
        self.payout_label = QLabel("Pa&yout account id:")
        rows: list[tuple[QLabel | str, QWidget, str | None]] = [
            ("&Name:", self.name, "name"),
            ("&Gateway:", self.gateway, None),
            ("&Region:", self.region, None),
            ("&Base URL:", self.base_url, "base_url"),
            (self.merchant_id_label, self.merchant_id, "merchant_id"),
            (self.payout_label, self.payout_account_id, "payout_account_id"),
            ("Default &currency:", self.currency, "currency"),
            ("&Language:", self.language, "language"),
            (self.secret_label, self.secret, "secret"),
        ]
        for label, field, key in rows:
            cell = QWidget()
            box = QVBoxLayout(cell)
            box.setContentsMargins(0, 0, 0, 0)
            box.setSpacing(2)
            box.addWidget(field)
            if key is not None:
                problem = QLabel()
                problem.setStyleSheet(PROBLEM_STYLE)
                problem.setWordWrap(True)
                problem.setVisible(False)
                problem.setAccessibleName(f"Problem with {key}")
                self.problem_labels[key] = problem
                box.addWidget(problem)
            if isinstance(label, str):
                label = QLabel(label)
            label.setBuddy(field)
            form.addRow(label, cell)
            if field is self.payout_account_id:
                self._payout_row = cell
        form.addRow("", self.secret_state)
        form.addRow("", self.session_only)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)

        self.gateway.currentIndexChanged.connect(self._gateway_changed)
        self.region.currentIndexChanged.connect(self._region_changed)
        for line in (self.name, self.base_url, self.merchant_id, self.payout_account_id):
            line.textEdited.connect(self._changed)
        self.secret.textEdited.connect(self._changed)
        self.currency.currentTextChanged.connect(self._changed)
        self.language.currentIndexChanged.connect(self._changed)
        self._gateway_changed()

    # -- values ------------------------------------------------------------------------------

    def selected_gateway(self) -> GatewayKind:
        # Qt hands item data back as a plain str: StrEnum is a str.
        return GatewayKind(self.gateway.currentData() or GatewayKind.CLICKPAY)

    def profile(self) -> Profile:
        """The profile as typed (not validated; see ``problems``)."""
        gateway = self.selected_gateway()
        return Profile(
            name=self.name.text().strip(),
            gateway=gateway,
            base_url=self.base_url.text().strip().rstrip("/"),
            merchant_id=self.merchant_id.text().strip(),
            payout_account_id=(
                self.payout_account_id.text().strip() if gateway is GatewayKind.CLICKPAY else ""
            ),
            currency=self.currency.currentText().strip().upper(),
            language=str(self.language.currentData()),
            id=self._profile_id,
        )

    def typed_secret(self) -> str:
        return self.secret.text()

    def clear_secret(self) -> None:
        self.secret.clear()

    def set_profile(self, profile: Profile | None) -> None:
        """Show ``profile`` (None: a blank new ClickPay profile)."""
        self._loading = True
        try:
            self._profile_id = None if profile is None else profile.id
            gateway = GatewayKind.CLICKPAY if profile is None else profile.gateway
            self.gateway.setCurrentIndex(self.gateway.findData(gateway))
            self._fill_regions(gateway)
            url = next(iter(regions_for(gateway).values())) if profile is None else profile.base_url
            self._select_url(url)
            self.name.setText("" if profile is None else profile.name)
            self.merchant_id.setText("" if profile is None else profile.merchant_id)
            self.payout_account_id.setText("" if profile is None else profile.payout_account_id)
            self.currency.setCurrentText("SAR" if profile is None else profile.currency)
            index = self.language.findData("en" if profile is None else profile.language)
            self.language.setCurrentIndex(max(index, 0))
            self.secret.clear()
            self.session_only.setChecked(False)
            self.show_problems([])
        finally:
            self._loading = False

    # -- drafts ------------------------------------------------------------------------------

    def draft_data(self) -> dict[str, Any]:
        """The typed fields for a draft. Never the secret: a draft is written to the database."""
        return {
            "gateway": self.selected_gateway().value,
            "name": self.name.text(),
            "base_url": self.base_url.text(),
            "merchant_id": self.merchant_id.text(),
            "payout_account_id": self.payout_account_id.text(),
            "currency": self.currency.currentText(),
            "language": str(self.language.currentData()),
        }

    def apply_draft(self, data: dict[str, Any]) -> None:
        """Show a draft's fields over the current profile (the secret field is left as it is)."""
        self._loading = True
        try:
            gateway_index = self.gateway.findData(str(data.get("gateway", "")))
            if gateway_index >= 0 and gateway_index != self.gateway.currentIndex():
                self.gateway.setCurrentIndex(gateway_index)
                self._fill_regions(self.selected_gateway())
            if isinstance(data.get("base_url"), str):
                self._select_url(data["base_url"])
            for line, field in (
                (self.name, "name"),
                (self.merchant_id, "merchant_id"),
                (self.payout_account_id, "payout_account_id"),
            ):
                value = data.get(field)
                if isinstance(value, str):
                    line.setText(value)
            if isinstance(data.get("currency"), str):
                self.currency.setCurrentText(data["currency"])
            language = self.language.findData(data.get("language"))
            if language >= 0:
                self.language.setCurrentIndex(language)
        finally:
            self._loading = False
        self.show_problems(self.problems())

    # -- problems ----------------------------------------------------------------------------

    def problems(self) -> list[RuleViolation]:
        return self.profile().problems()

    def show_problems(self, problems: list[RuleViolation]) -> None:
        """Put each problem next to its field; returns nothing, hides the others."""
        by_field: dict[str, list[str]] = {}
        for problem in problems:
            text = problem.rule + ("" if problem.value is None else f" (got {problem.value!r})")
            by_field.setdefault(problem.field, []).append(text)
        for key, label in self.problem_labels.items():
            texts = by_field.get(key)
            label.setText("⚠ " + "; ".join(texts) if texts else "")
            label.setVisible(bool(texts))

    def show_secret_problem(self, text: str) -> None:
        label = self.problem_labels["secret"]
        label.setText(f"⚠ {text}" if text else "")
        label.setVisible(bool(text))

    # -- reactions ---------------------------------------------------------------------------

    def _changed(self, *_: object) -> None:
        if self._loading:
            return
        self.show_problems(self.problems())
        self.edited.emit()

    def _gateway_changed(self, *_: object) -> None:
        gateway = self.selected_gateway()
        clickpay = gateway is GatewayKind.CLICKPAY
        self.merchant_id_label.setText("Profile &id:" if clickpay else "Merchant public &key:")
        self.merchant_id_label.setBuddy(self.merchant_id)
        self.merchant_id.setPlaceholderText("e.g. 44537" if clickpay else "a UUID from Geidea")
        self.secret_label.setText("Ser&ver key:" if clickpay else "API pass&word:")
        self.secret_label.setBuddy(self.secret)
        # The whole row, so a Geidea form has no gap where the payout account was.
        self._form.setRowVisible(self._payout_row, clickpay)
        self.payout_account_id.setVisible(clickpay)
        self.problem_labels["payout_account_id"].setVisible(False)
        if not self._loading:
            self._fill_regions(gateway)
            self._select_url(next(iter(regions_for(gateway).values())))
            self._changed()

    def _fill_regions(self, gateway: GatewayKind) -> None:
        was_loading, self._loading = self._loading, True
        self.region.clear()
        for label, url in regions_for(gateway).items():
            self.region.addItem(label, url)
        self.region.addItem(CUSTOM, None)
        self._loading = was_loading

    def _select_url(self, url: str) -> None:
        was_loading, self._loading = self._loading, True
        index = self.region.findData(url)
        self.region.setCurrentIndex(index if index >= 0 else self.region.count() - 1)
        self.base_url.setText(url)
        self.base_url.setReadOnly(index >= 0)
        self._loading = was_loading

    def _region_changed(self, *_: object) -> None:
        url = self.region.currentData()
        self.base_url.setReadOnly(url is not None)
        if url is not None:
            self.base_url.setText(str(url))
        elif not self._loading:
            self.base_url.setFocus()
        self._changed()
