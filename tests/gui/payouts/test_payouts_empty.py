"""The Payouts tab before anything is in it: the empty table says how to fill it, the totals use
the currency's decimals, the problem list is labelled and says when there is nothing to fix,
and every action says why it is off."""

from __future__ import annotations

from pathlib import Path

import pytest

from clickpay_desk.ui.mutations import Mutations
from clickpay_desk.ui.payouts import PayoutsTab
from clickpay_desk.ui.payouts.entries_model import EntryRow
from tests.unit.services.test_payouts_kit import entry

SHOTS = Path("/tmp/shots")

pytestmark = pytest.mark.gui


@pytest.fixture
def make_tab(qtbot, desk, request):
    def make(profile) -> PayoutsTab:
        mutations = Mutations(desk.runner, desk.store)
        tab = PayoutsTab(desk, mutations)
        tab.mutations_ref = mutations
        qtbot.addWidget(tab)
        for model in (tab.model, tab.proxy, tab.problems):
            request.getfixturevalue("qtmodeltester").check(model)
        tab.resize(1100, 620)
        tab.set_profile(profile)
        return tab

    return make


def test_empty_batch_says_how_to_start(qtbot, desk, make_tab, make_profile):
    tab = make_tab(desk.store.save_profile(make_profile()))
    qtbot.waitUntil(lambda: tab.order_edit.text().startswith("PAYOUT-"), timeout=5000)
    tab._summary_now()
    assert tab.summary.text() == "0 entries · total 0.00 SAR"
    assert tab.empty_hint.showing
    text = tab.empty_hint.text()
    assert "Import a spreadsheet (Ctrl+I)" in text
    assert "Save template… (Ctrl+Shift+T) to start from ours" in text
    assert "Add entry (Ctrl+Shift+A)" in text
    assert tab.problems_label.text() == "P&roblems"
    assert tab.problems_label.buddy() is tab.problem_view
    assert tab.problems_hint.showing and "listed here" in tab.problems_hint.text()
    assert not tab.submit_action.isEnabled()
    assert "Add entries first" in tab.submit_action.toolTip()
    assert "has not been sent yet" in tab.refresh_action.toolTip()
    assert "Nothing to export yet" in tab.export_action.toolTip()
    assert "Select an entry first" in tab.delete_action.toolTip()
    tab.show()
    qtbot.waitExposed(tab)
    SHOTS.mkdir(exist_ok=True)
    tab.grab().save(str(SHOTS / "payouts-empty.png"))


def test_kuwaiti_dinars_show_three_decimals(qtbot, desk, make_tab, make_profile):
    tab = make_tab(desk.store.save_profile(make_profile(currency="KWD")))
    qtbot.waitUntil(lambda: tab.order_edit.text().startswith("PAYOUT-"), timeout=5000)
    tab._summary_now()
    assert tab.summary.text() == "0 entries · total 0.000 KWD"
    tab.model.load(
        [EntryRow(2, entry(1, amount="1250.5")), EntryRow(3, entry(2, amount="10"))],
        "KWD",
        editable=True,
    )
    tab._summary_now()
    assert tab.summary.text().startswith("2 entries · total 1,260.500 KWD")


def test_problems_are_counted_and_submit_says_what_to_fix(qtbot, desk, make_tab, make_profile):
    tab = make_tab(desk.store.save_profile(make_profile()))
    qtbot.waitUntil(lambda: tab.order_edit.text().startswith("PAYOUT-"), timeout=5000)
    bad = "SA04 8000 0000 6080 1016 7519"
    rows = [entry(1), entry(2, beneficiary_account_number=bad), entry(3, amount="1.234")]
    tab.model.load([EntryRow(i + 2, r) for i, r in enumerate(rows)], "SAR", editable=True)
    tab._summary_now()
    assert not tab.empty_hint.showing
    assert not tab.problems_hint.showing
    assert tab.problems_label.text().startswith("P&roblems: 2 to fix")
    assert not tab.submit_action.isEnabled()
    assert "Fix the 2 problems first" in tab.submit_action.toolTip()
    assert "Fix the 2 problems first" in tab.submit_action.statusTip()

    tab.model.load([EntryRow(2, entry(1)), EntryRow(3, entry(2))], "SAR", editable=True)
    tab._summary_now()
    assert tab.problems_hint.showing
    assert tab.problems_hint.text() == "No problems found: every entry passes the checks."
    assert tab.problems_label.text() == "P&roblems"
    assert tab.submit_action.isEnabled()
    assert tab.submit_action.toolTip().startswith("Send the batch to the gateway in chunks")
    assert "—" not in tab.submit_action.toolTip()  # no reason it is off: it is on

    tab.filter_edit.setText("nobody by this name")
    assert tab.empty_hint.showing and "No entry matches the filter" in tab.empty_hint.text()


def test_without_a_profile_the_table_says_to_choose_one(qtbot, desk, make_tab):
    tab = make_tab(None)
    assert tab.empty_hint.showing and "Choose a ClickPay profile" in tab.empty_hint.text()
    assert "Choose a ClickPay profile first" in tab.import_action.toolTip()
