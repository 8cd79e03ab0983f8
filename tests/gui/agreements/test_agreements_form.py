"""The new-agreement form from the keyboard: unique Alt+letters, every field reachable, rules
named as they are typed; and a screenshot of it with mistakes."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

from PySide6.QtWidgets import QDialogButtonBox, QLabel

from clickpay_desk.ui.agreements.form import NewAgreementDialog
from tests.gui.test_keyboard import MNEMONIC, mnemonics


def test_every_field_has_a_unique_mnemonic(qtbot) -> None:
    dialog = NewAgreementDialog(date(2026, 5, 1), callback="https://shop.example/ipn")
    qtbot.addWidget(dialog)
    for label in dialog.findChildren(QLabel):
        buddy = label.buddy()
        if buddy is not None and buddy.isVisibleTo(dialog) and not isinstance(buddy, QLabel):
            assert MNEMONIC.search(label.text()), label.text()
    keys = mnemonics(dialog)
    assert [k for k, n in Counter(keys).items() if n > 1] == []


def test_rules_are_named_as_typed(qtbot) -> None:
    Path("/tmp/shots").mkdir(exist_ok=True)
    dialog = NewAgreementDialog(date(2026, 5, 1))
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    dialog.description.setText("Gym")
    dialog.initial.setText("10.5")
    dialog.repeat.setText("abc")
    dialog.terms.setValue(0)
    dialog.final.setText("5")  # disabled for an open-ended agreement: not sent
    dialog.callback_edit.setText("ftp://shop.example/ipn")
    dialog.customer["country"].setText("XX")
    text = dialog.problems_label.text()
    assert "Repeat amount: must be a number" in text
    assert "Callback URL (IPN): must be a web address" in text
    assert "agreement.repeat_amount" not in text and "(got " not in text  # words, no wire names
    assert "agreement.final_amount" not in text and not dialog.final.isEnabled()
    assert "cart_amount" not in text  # the initial amount's rule is said once
    assert "shipping_details" not in text  # same as the customer's: said once
    assert dialog.repeat.toolTip().startswith("must be a number")
    assert not ok.isEnabled()
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.grab().save("/tmp/shots/agreement-form-errors.png")
    dialog.repeat.setText("9.99")
    dialog.callback_edit.setText("https://shop.example/ipn")
    for name, value in {
        "name": "Omar",
        "email": "omar@example.com",
        "street1": "1 Road",
        "city": "Jeddah",
        "country": "SA",
    }.items():
        dialog.customer[name].setText(value)
    assert dialog.violations == [] and ok.isEnabled()
    request = dialog.request()
    assert request.callback == "https://shop.example/ipn"
    assert "final_amount" not in request.agreement
    assert "until you cancel" in dialog.summary.text()
