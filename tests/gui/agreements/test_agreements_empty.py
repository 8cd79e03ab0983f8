"""A real (not sandbox) profile with no agreements: the empty list says what to do, the watched
folder is named so it fits (its whole path in the tooltip), and every action says what it does
and, when it is off, why."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from pytestqt.modeltest import ModelTester

from clickpay_desk.store.records import AgreementRecord
from clickpay_desk.ui.agreements import AgreementsTab
from clickpay_desk.ui.mutations import Mutations

SHOTS = Path("/tmp/shots")


def _tab(qtbot, request, desk) -> AgreementsTab:
    tab = AgreementsTab(desk, Mutations(desk.runner, desk.store))
    qtbot.addWidget(tab)
    for model in (tab.model, tab.proxy, tab.schedule):
        ModelTester(request.config).check(model, force_py=True)
    tab.resize(1100, 620)
    return tab


def test_no_profile_then_no_agreements_say_what_to_do(qtbot, request, desk, make_profile):
    tab = _tab(qtbot, request, desk)
    tab.set_profile(None)
    assert tab.empty_hint.showing
    assert "Choose a ClickPay profile" in tab.empty_hint.text()
    assert not tab.new_action.isEnabled()
    assert "Choose a ClickPay profile first" in tab.new_action.toolTip()

    tab.set_profile(desk.store.save_profile(make_profile()))
    qtbot.waitUntil(lambda: "No agreements yet" in tab.empty_hint.text(), timeout=5000)
    assert tab.empty_hint.showing
    assert "New agreement (Ctrl+N) sends the first payment request" in tab.empty_hint.text()
    assert "Ctrl+Shift+W" in tab.empty_hint.text()
    assert "once you make one" in tab.detail_title.text()
    assert tab.new_action.isEnabled() and "(Ctrl+N)" in tab.new_action.toolTip()
    assert "Nothing to export yet" in tab.export_action.toolTip()
    assert "Select an agreement" in tab.cancel_action.toolTip()
    assert "Select an agreement" in tab.link_action.statusTip()
    tab.show()
    qtbot.waitExposed(tab)
    SHOTS.mkdir(exist_ok=True)
    tab.grab().save(str(SHOTS / "agreements-empty.png"))


def test_watched_folder_shows_its_name_and_the_whole_path_in_the_tooltip(
    qtbot, request, desk, make_profile, tmp_path
):
    tab = _tab(qtbot, request, desk)
    tab.set_profile(desk.store.save_profile(make_profile()))
    folder = tmp_path / "a" / "rather" / "long" / "path" / "to" / "the" / "shop-callbacks"
    folder.mkdir(parents=True)
    tab.watch_folder(folder)
    assert tab.folder_label.text() == "Callbacks: watching “shop-callbacks”"
    assert str(folder) in tab.folder_label.toolTip()
    tab.watch_folder(None)
    assert "Ctrl+Shift+W" in tab.folder_label.toolTip()


def test_cancel_is_off_until_the_first_payment_and_says_so(qtbot, request, desk, make_profile):
    tab = _tab(qtbot, request, desk)
    profile = desk.store.save_profile(make_profile())
    desk.store.upsert_agreement(
        AgreementRecord(
            id=None,
            profile_id=profile.id,
            cart_id="agr-1",
            tran_ref="TST1",
            agreement_id=None,
            currency="SAR",
            initial_amount=Decimal("10.00"),
            status="awaiting first payment",
            payload={"request": {"cart_description": "Water"}, "redirect_url": "https://x/p"},
        )
    )
    tab.set_profile(profile)
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=5000)
    assert not tab.empty_hint.showing
    tab.table.selectRow(0)
    assert not tab.cancel_action.isEnabled()
    assert "has not made the first payment" in tab.cancel_action.toolTip()
    assert tab.link_action.isEnabled()
    tab.search.setText("no such agreement")
    assert tab.empty_hint.showing
    assert "No agreement matches the status or search" in tab.empty_hint.text()
