"""The Agreements tab against the real sandbox server over loopback, as a new user would use it:
create a monthly agreement, the customer pays, time moves on and installments arrive (the
sandbox delivers its callbacks to the app), a declined one is flagged and invoiced, a cancelled
one is charged no more; the list is exported and read back."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtWidgets import QDialogButtonBox, QInputDialog, QWidget
from pytestqt.modeltest import ModelTester

from clickpay_desk.services.agreements import AgreementStatus, InstallmentState
from clickpay_desk.services.ipn_folder import pending
from clickpay_desk.ui.agreements import AgreementsTab
from clickpay_desk.ui.mutations import Mutations
from clickpay_desk.ui.sandbox_menu import SandboxMenu, build_sandbox_menu

SHOTS = Path("/tmp/shots")

CUSTOMER = {
    "name": "Noura Al-Harbi",
    "email": "noura@example.com",
    "phone": "+966501234567",
    "street1": "King Fahd Road 12",
    "city": "Riyadh",
    "state": "01",
    "country": "SA",
    "zip": "12211",
}


@dataclass
class Desk:
    tab: AgreementsTab
    menu: SandboxMenu
    host: QWidget
    live: object


@pytest.fixture
def desk(qtbot, request, live_desk) -> Iterator[Desk]:
    ctx = live_desk.ctx
    ctx.sandbox_url = live_desk.url
    host = QWidget()
    qtbot.addWidget(host)
    mutations = Mutations(ctx.runner, ctx.store, host)
    tab = AgreementsTab(ctx, mutations, host)
    host.resize(1280, 760)
    tab.resize(1280, 760)
    # Attached before anything changes, so every signal of the changes is checked too.
    # One tester per model: a tester follows the last model it was given.
    for model in (tab.model, tab.proxy, tab.schedule):
        ModelTester(request.config).check(model, force_py=True)
    menu = build_sandbox_menu(host, ctx)
    assert isinstance(menu, SandboxMenu)
    tab.set_profile(live_desk.profile)
    qtbot.waitUntil(lambda: tab.receiver is not None and tab.folder is not None, timeout=5000)
    yield Desk(tab, menu, host, live_desk)
    tab.shutdown()


def fill_form(qtbot, tab: AgreementsTab, description: str, *, terms: int = 3):
    dialog = tab.new_agreement()
    assert dialog is not None
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()  # nothing typed yet: the rules say what is missing
    assert "Initial amount: is required" in dialog.problems_label.text()
    dialog.description.setText(description)
    dialog.initial.setText("50.001")
    assert "SAR allows at most 2 decimal places" in dialog.initial.toolTip()
    dialog.initial.setText("50.00")
    dialog.repeat.setText("20.00")
    dialog.terms.setValue(0)
    assert not dialog.final.isEnabled()
    assert "until you cancel" in dialog.terms_words.text()
    dialog.terms.setValue(terms)
    assert dialog.final.isEnabled()
    for name, value in CUSTOMER.items():
        dialog.customer[name].setText(value)
    dialog.customer["email"].setText("noura@")
    assert "Customer: e-mail: is not a valid e-mail address" in dialog.problems_label.text()
    dialog.customer["email"].setText(CUSTOMER["email"])
    assert dialog.violations == []
    assert ok.isEnabled()
    assert "in all" in dialog.summary.text()
    return dialog


def create_and_pay(qtbot, desk: Desk, description: str, *, shot: str | None = None):
    tab = desk.tab
    dialog = fill_form(qtbot, tab, description)
    if shot:
        dialog.grab().save(str(SHOTS / shot))
    dialog.accept()
    qtbot.waitUntil(lambda: tab.link_dialog is not None, timeout=10000)
    link = tab.link_dialog
    assert link.url.startswith(desk.live.url)
    assert not link.qr.pixmap().isNull()
    if shot:
        link.grab().save(str(SHOTS / "agreement-link.png"))
    link.close()
    qtbot.waitUntil(
        lambda: tab.model.rowCount() == 1 or len(tab.awaiting_payments()) > 0, timeout=5000
    )
    [(tran_ref, _label)] = [w for w in tab.awaiting_payments() if description in w[1]]
    desk.menu.pay(tran_ref)
    qtbot.waitUntil(lambda: _status(tab, description) is AgreementStatus.ACTIVE, timeout=10000)
    return tran_ref


def _view(tab: AgreementsTab, description: str):
    found = [v for v in tab.model.views() if v.description == description]
    return found[0] if found else None


def _status(tab: AgreementsTab, description: str):
    view = _view(tab, description)
    return None if view is None else view.status


def _select(qtbot, tab: AgreementsTab, description: str) -> None:
    view = _view(tab, description)
    assert view is not None
    qtbot.waitUntil(lambda: tab.select(view.record.id), timeout=3000)


def test_monthly_agreement_installments_arrive_and_export(qtbot, desk, tmp_path) -> None:
    SHOTS.mkdir(exist_ok=True)
    tab = desk.tab
    create_and_pay(qtbot, desk, "Gym membership", shot="agreement-form.png")

    desk.menu.advance(70)  # first due in 30 days (the form's default), then monthly: two fall due
    qtbot.waitUntil(
        lambda: (
            [r.state for r in _view(tab, "Gym membership").rows][:3] == [InstallmentState.PAID] * 3
        ),
        timeout=15000,
    )
    view = _view(tab, "Gym membership")
    assert view.rows[3].state is InstallmentState.NOT_DUE
    assert view.collected == Decimal("90.00") and view.to_collect == Decimal("20.00")
    assert all(p.signature == "verified" and p.confirmation == "confirmed" for p in view.payments)
    _select(qtbot, tab, "Gym membership")
    assert tab.schedule.rowCount() == 4
    assert "Collected 90.00 SAR" in tab.totals.text()
    tab.show()
    qtbot.waitExposed(tab)
    tab.grab().save(str(SHOTS / "agreements-tab.png"))

    target = tmp_path / "agreements.xlsx"
    tab.export_to(target)
    qtbot.waitUntil(lambda: "Exported 1 agreements" in tab.status_line.text(), timeout=10000)
    book = load_workbook(target)
    rows = list(book["Installments"].iter_rows(values_only=True))
    assert [r[7] for r in rows[1:]] == ["paid", "paid", "paid", "not yet due"]


def test_declined_installment_is_flagged_and_invoiced(qtbot, desk) -> None:
    tab = desk.tab
    create_and_pay(qtbot, desk, "Paper DECLINE subscription")
    desk.menu.advance(35)
    qtbot.waitUntil(
        lambda: _status(tab, "Paper DECLINE subscription") is AgreementStatus.FAILED,
        timeout=15000,
    )
    tab.proxy.set_status(AgreementStatus.FAILED)
    assert tab.proxy.rowCount() == 1
    _select(qtbot, tab, "Paper DECLINE subscription")
    assert tab.invoice_action.isEnabled()
    assert "will not be retried" in tab.totals.text()
    tab.grab().save(str(SHOTS / "agreements-failed.png"))
    with qtbot.waitSignal(tab.invoice_requested, timeout=3000) as blocker:
        tab.invoice_action.trigger()
    [draft] = blocker.args
    assert draft["amount"] == "20.00" and draft["currency"] == "SAR"
    assert draft["customer"]["email"] == CUSTOMER["email"]
    assert draft["customer"]["street"] == CUSTOMER["street1"]
    assert "installment 1" in draft["description"]
    tab.proxy.set_status(None)
    qtbot.waitUntil(
        lambda: _status(tab, "Paper DECLINE subscription") is AgreementStatus.ACTIVE,
        timeout=5000,
    )


def test_cancel_says_what_stops_and_nothing_more_is_charged(qtbot, desk) -> None:
    tab = desk.tab
    create_and_pay(qtbot, desk, "Coffee club")
    _select(qtbot, tab, "Coffee club")
    asked: list[str] = []
    tab._confirm = lambda title, text: asked.append(text) or True  # type: ignore[method-assign]
    assert tab.cancel_action.isEnabled()
    tab.cancel_action.trigger()
    qtbot.waitUntil(lambda: _status(tab, "Coffee club") is AgreementStatus.CANCELLED, timeout=10000)
    [text] = asked
    assert "installment 1 on" in text and "installment 3 on" in text
    assert "3 installments, 60.00 SAR in all, will no longer be charged" in text
    view = _view(tab, "Coffee club")
    assert view.cancel_info["message"] == "Agreement has been cancelled"
    assert view.cancel_info["trace"]
    paid_before = len(view.payments)

    desk.menu.advance(100)
    qtbot.waitUntil(lambda: "no installment fell due" in tab.status_line.text(), timeout=10000)
    assert pending(tab.folder) == []
    view = _view(tab, "Coffee club")
    assert len(view.payments) == paid_before
    assert {r.state for r in view.rows[1:]} == {InstallmentState.CANCELLED}
    _select(qtbot, tab, "Coffee club")
    assert "Agreement has been cancelled" in tab.totals.text()


def test_a_sandbox_without_demo_data_gets_no_demo_and_says_how_to_play_the_customer(
    qtbot, desk
) -> None:
    tab = desk.tab
    handle = tab.offer_demo()  # the sandbox was reset: it holds no seeded demo agreement
    assert handle is not None
    qtbot.waitUntil(lambda: handle.finished, timeout=5000)
    assert desk.live.ctx.store.journal_list(operation="agreement.request") == []
    qtbot.waitUntil(lambda: "Customer pays (F9)" in tab.empty_hint.text(), timeout=5000)
    assert "No agreements yet" in tab.empty_hint.text()
    assert tab.empty_hint.showing


def test_customer_pays_from_the_menu_names_the_agreement(qtbot, desk, monkeypatch) -> None:
    tab = desk.tab
    dialog = fill_form(qtbot, tab, "Menu pays")
    dialog.accept()
    qtbot.waitUntil(lambda: tab.link_dialog is not None, timeout=10000)
    tab.link_dialog.close()
    qtbot.waitUntil(lambda: len(tab.awaiting_payments()) == 1, timeout=5000)
    cart_id = _view(tab, "Menu pays").record.cart_id

    def get_item(_parent, _title, _label, items, *_args):
        return ("approved" if "approved" in items else items[0]), True

    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(get_item))
    said: list[str] = []
    tab.message.connect(said.append)
    desk.menu.ask_pay()
    qtbot.waitUntil(lambda: _status(tab, "Menu pays") is AgreementStatus.ACTIVE, timeout=10000)
    qtbot.waitUntil(lambda: any("in the sandbox" in t for t in said), timeout=5000)
    [paid] = [t for t in said if "in the sandbox" in t]
    assert f"the first payment of agreement {cart_id}" in paid
    assert "TST" not in paid  # a transaction ref says nothing to the owner
