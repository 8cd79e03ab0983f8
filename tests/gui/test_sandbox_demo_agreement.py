"""``clickpay-desk --sandbox`` on a new data folder shows a demo agreement at once: requested
through the journal, paid by the sandbox's customer, its first installment charged and its
callbacks imported, so the schedule, the chart and the status say something. Once per folder."""

from __future__ import annotations

from clickpay_desk.services.agreements import AgreementStatus, InstallmentState
from clickpay_desk.services.operations import Operation
from clickpay_desk.services.sandbox_demo import DEMO_DESCRIPTION
from clickpay_desk.store.records import JournalStatus
from tests.app_session import sandbox_session


def test_first_sandbox_start_shows_a_paid_demo_agreement_once(qtbot, tmp_path, app_logging):
    with sandbox_session(qtbot, tmp_path) as started:
        qtbot.waitUntil(lambda: started.window.agreements.receiver is not None, timeout=8000)
        window = started.window
        tab = window.agreements
        window.tabs.setCurrentWidget(tab)

        def demo():
            views = tab.model.views()
            return views[0] if len(views) == 1 else None

        # The initial payment and the first installment arrive as callbacks and are imported.
        qtbot.waitUntil(
            lambda: (
                demo() is not None
                and [r.state for r in demo().rows[:3]]
                == [InstallmentState.PAID, InstallmentState.PAID, InstallmentState.NOT_DUE]
            ),
            timeout=20000,
        )
        view = demo()
        assert view.description == DEMO_DESCRIPTION
        assert view.status is AgreementStatus.ACTIVE
        assert all(p.signature == "verified" for p in view.payments)
        # The schedule, its totals and the chart are there without a click.
        qtbot.waitUntil(lambda: tab.selected_view() is not None, timeout=5000)
        assert tab.selected_view().record.id == view.record.id
        assert tab.schedule.rowCount() == 13
        assert "Collected 300.00 SAR" in tab.totals.text()
        assert "2 paid" in tab.chart.toolTip()
        assert not tab.empty_hint.showing
        # The status line says what the demo did and how to see the next installments arrive.
        qtbot.waitUntil(lambda: "Sandbox demo" in tab.status_line.text(), timeout=5000)
        assert "Advance time by" in tab.status_line.text()
        # A real request: journalled, done.
        [entry] = started.ctx.store.journal_list(operation=Operation.AGREEMENT_REQUEST)
        assert entry.status is JournalStatus.DONE and entry.reference == view.record.cart_id
        window.resize(1100, 700)
        window.grab().save("/tmp/shots/sandbox-demo-agreement.png")

    with sandbox_session(qtbot, tmp_path) as again:
        qtbot.waitUntil(lambda: again.window.agreements.receiver is not None, timeout=8000)
        tab = again.window.agreements
        qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=8000)
        handle = tab.offer_demo()  # what the start did: it finds the demo already made
        assert handle is not None
        qtbot.waitUntil(lambda: handle.finished, timeout=8000)
        assert len(again.ctx.store.journal_list(operation=Operation.AGREEMENT_REQUEST)) == 1
        assert tab.model.rowCount() == 1
