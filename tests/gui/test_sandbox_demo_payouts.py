"""``clickpay-desk --sandbox`` on a new data folder offers a demo payout batch: five salaries as
the profile's draft, one IBAN wrong on purpose, so the validation is seen at work; fixing it
lets the batch be submitted. Once per data folder, never over the user's own draft."""

from __future__ import annotations

from PySide6.QtCore import Qt

from clickpay_desk.services.sandbox_demo import DEMO_BAD_ROW, DEMO_GOOD_IBAN
from clickpay_desk.ui.payouts.entries_model import EntryColumn
from clickpay_desk.ui.payouts.tab import DRAFT_KIND
from tests.app_session import sandbox_session


def test_first_sandbox_start_offers_a_demo_batch_with_one_wrong_iban(qtbot, tmp_path, app_logging):
    with sandbox_session(qtbot, tmp_path) as started:
        window = started.window
        tab = window.payouts
        window.tabs.setCurrentWidget(tab)
        qtbot.waitUntil(lambda: tab.model.rowCount() == 5, timeout=8000)
        qtbot.waitUntil(lambda: tab.problems.rowCount() == 1, timeout=3000)
        problem = tab.problems.item(0).text
        assert problem.startswith(f"row {DEMO_BAD_ROW}, IBAN: "), problem
        assert "Sandbox demo" in tab.message.text()
        assert not tab.submit_action.isEnabled()
        assert "Fix the 1 problem first" in tab.submit_action.toolTip()
        assert "5 entries · total 19,425.75 SAR" in tab.summary.text()
        window.resize(1100, 700)
        window.grab().save("/tmp/shots/sandbox-demo-payouts.png")

        # As the message says: click the problem, type the right IBAN; Submit is offered.
        tab.problem_view.clicked.emit(tab.problems.index(0))
        current = tab.table.currentIndex()
        assert current.column() == EntryColumn.IBAN
        assert tab.proxy.data(current.siblingAtColumn(EntryColumn.ROW)) == str(DEMO_BAD_ROW)
        tab.proxy.setData(current, DEMO_GOOD_IBAN, Qt.ItemDataRole.EditRole)
        qtbot.waitUntil(lambda: tab.submit_action.isEnabled(), timeout=3000)
        assert tab.problems_hint.showing
        # It is the profile's draft, kept by the usual autosave.
        key = f"profile:{window.active_profile.id}"
        qtbot.waitUntil(
            lambda: (
                (d := started.ctx.store.load_draft(DRAFT_KIND, key)) is not None
                and len(d.data["rows"]) == 5
            ),
            timeout=5000,
        )

    # Next start: the (edited) draft comes back as it was; no second demo is laid over it.
    with sandbox_session(qtbot, tmp_path) as again:
        tab = again.window.payouts
        qtbot.waitUntil(lambda: tab.model.rowCount() == 5, timeout=8000)
        qtbot.waitUntil(lambda: tab.submit_action.isEnabled(), timeout=3000)
        assert "Sandbox demo" not in tab.message.text()
