"""A batch whose currency is not the deposit account's: the tab says so, and the batch comes back
as an editable draft under a new order id, ready to be corrected and submitted."""

from __future__ import annotations

import pytest

from clickpay_desk.ui.payouts.entries_model import EntryRow
from tests.unit.services.test_payouts_kit import entry

pytestmark = pytest.mark.gui


def test_a_kwd_batch_on_a_sar_account_stops_after_the_empty_batch(qtbot, tab, live_desk):
    tab.model.load([EntryRow(i + 2, entry(i, "1.250")) for i in range(1, 3)], "KWD", editable=True)
    qtbot.waitUntil(lambda: tab.submit_action.isEnabled())
    first_order = tab.order_edit.text()
    tab.submit_action.trigger()
    qtbot.waitUntil(lambda: "is in SAR; this batch is in KWD" in tab.message.text(), timeout=20000)
    qtbot.waitUntil(lambda: tab.order_edit.text() not in ("", first_order))
    qtbot.waitUntil(lambda: tab.submit_action.isEnabled())
    assert tab.model.editable  # a draft again: the currency can be corrected
    assert f"“{tab.order_edit.text()}”" in tab.message.text()
    state = live_desk.control.get("/_sandbox/state").json()
    assert [b["requests"] for b in state["batches"]] == [[]]
    tab.grab().save("/tmp/shots/payouts_currency.png")
