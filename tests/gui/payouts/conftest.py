"""The Payouts tab on a live desk (real store, runner, loopback sandbox), shown and sized."""

from __future__ import annotations

import pytest

from clickpay_desk.ui.mutations import Mutations
from clickpay_desk.ui.payouts import PayoutsTab


@pytest.fixture
def tab(qtbot, live_desk):
    mutations = Mutations(live_desk.ctx.runner, live_desk.ctx.store)
    widget = PayoutsTab(live_desk.ctx, mutations)
    qtbot.addWidget(widget)
    widget.resize(1400, 700)
    widget.show()
    widget.set_profile(live_desk.profile)
    qtbot.waitUntil(lambda: widget.order_edit.text().startswith("PAYOUT-"))
    widget.mutations_ref = mutations  # keep it alive
    return widget
