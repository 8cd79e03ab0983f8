"""``clickpay-desk --sandbox`` in-process: the Sandbox menu is there, and an agreement made in the
Agreements tab gets its callbacks from the built-in sandbox as its clock moves on."""

from __future__ import annotations

from clickpay_desk.services.agreements import AgreementStatus, InstallmentState
from tests.app_session import sandbox_session
from tests.gui.agreements.test_agreements_sandbox import fill_form


def test_sandbox_app_delivers_installments_to_the_agreements_tab(qtbot, tmp_path, app_logging):
    with sandbox_session(qtbot, tmp_path) as started:
        window = started.window
        menu = window.sandbox_menu
        assert menu is not None
        assert [a.text() for a in menu.actions()] == ["Customer &pays…", "&Advance time by…"]
        tab = window.agreements
        qtbot.waitUntil(lambda: tab.receiver is not None, timeout=8000)
        # The first start makes the demo agreement; wait for it so the new one is told apart.
        qtbot.waitUntil(
            lambda: (
                tab.model.rowCount() == 1 and tab.model.view(0).status is AgreementStatus.ACTIVE
            ),
            timeout=15000,
        )
        dialog = fill_form(qtbot, tab, "Sandbox magazine")
        dialog.accept()
        qtbot.waitUntil(lambda: len(tab.awaiting_payments()) == 1, timeout=10000)
        tab.link_dialog.close()
        [(tran_ref, _)] = tab.awaiting_payments()

        def magazine():
            found = [v for v in tab.model.views() if v.description == "Sandbox magazine"]
            return found[0] if found else None

        menu.pay(tran_ref)
        qtbot.waitUntil(
            lambda: magazine() is not None and magazine().status is AgreementStatus.ACTIVE,
            timeout=10000,
        )
        menu.advance(35)
        qtbot.waitUntil(lambda: magazine().rows[1].state is InstallmentState.PAID, timeout=15000)
