"""The reconcile dialog shows each finding whole: a long dashboard instruction is not cut."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from clickpay_desk.services.reconcile import Reconciled
from clickpay_desk.store.records import JournalEntry, JournalStatus
from clickpay_desk.ui.reconcile_dialog import ReconcileDialog
from clickpay_desk.ui.reconciliation import ReconcileRun

SHOTS = Path(os.environ.get("CLICKPAY_DESK_SHOTS", "/tmp/shots"))

LONG = (
    "Could not tell whether the request to add entries to the payout batch “PAYOUT-20261130-01” "
    "arrived. In the ClickPay merchant dashboard, find “PAYOUT-20261130-01” (sent on 2026-11-30 "
    "around 17:29) and see whether the request to add entries to the payout batch took effect; "
    "then mark it done or not done here."
)


def unknown_add(entry_id: int) -> Reconciled:
    entry = JournalEntry(
        id=entry_id,
        profile_id=1,
        operation="payout.batch.add",
        subject="batch:1:30143",
        reference="PAYOUT-20261130-01",
        request={},
        status=JournalStatus.UNKNOWN,
        result=None,
        error="connection lost",
        created_at=datetime(2026, 11, 30, 17, 29, tzinfo=UTC),
        finished_at=None,
        reconciled_at=None,
    )
    return Reconciled(entry, False, LONG)


def test_a_long_finding_is_shown_whole(qtbot):
    run = ReconcileRun([unknown_add(1)], 0, automatic=False)
    dialog = ReconcileDialog(run, profile_names={1: "Sandbox demo"})
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    table = dialog.table
    qtbot.waitUntil(lambda: table.rowHeight(0) > 60)  # wrapped to several lines
    SHOTS.mkdir(parents=True, exist_ok=True)
    dialog.grab().save(str(SHOTS / "reconcile-dialog-long.png"))
    bottom = table.rowViewportPosition(0) + table.rowHeight(0)
    assert bottom <= table.viewport().height(), (bottom, table.viewport().height())
