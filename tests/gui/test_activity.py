"""The Activity table: model contract, targeted updates, filters, and loading off the GUI thread."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt

from clickpay_desk.core.profile import GatewayKind, Profile
from clickpay_desk.store.records import JournalEntry, JournalStatus
from clickpay_desk.ui.activity import ActivityView
from clickpay_desk.ui.activity_model import (
    SORT_ROLE,
    ActivityColumn,
    ActivityFilter,
    ActivityModel,
)
from clickpay_desk.ui.tasks import TaskRunner

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def entry(
    id: int,
    status: JournalStatus = JournalStatus.DONE,
    operation: str = "invoice.create",
    reference: str = "",
    error: str | None = None,
) -> JournalEntry:
    return JournalEntry(
        id=id,
        profile_id=1,
        operation=operation,
        subject=f"invoice:cart-{id}",
        reference=reference or f"cart-{id}",
        request={"cart_id": f"cart-{id}"},
        status=status,
        result={"invoice_id": 1000 + id} if status is JournalStatus.DONE else None,
        error=error,
        created_at=T0 + timedelta(minutes=id),
        finished_at=None,
        reconciled_at=None,
    )


SAMPLE = [
    entry(1),
    entry(2, JournalStatus.UNKNOWN, error="No answer within 30 s"),
    entry(3, JournalStatus.PENDING, operation="payout.batch.close", reference="batch-7"),
    entry(4, JournalStatus.REFUSED, error="cart_amount: must equal the total"),
    entry(5, JournalStatus.NOT_DONE, operation="payout.batch.close"),
]


def cell(model, row: int, column: ActivityColumn, role=Qt.ItemDataRole.DisplayRole):
    return model.data(model.index(row, column), role)


def test_model_passes_qtmodeltester(qtmodeltester):
    model = ActivityModel()
    model.merge(SAMPLE)
    model.set_profile_names({1: "Main shop"})
    qtmodeltester.check(model, force_py=True)
    proxy = ActivityFilter()
    proxy.setSourceModel(model)
    proxy.set_statuses({JournalStatus.UNKNOWN})
    qtmodeltester.check(proxy, force_py=True)


def test_columns_show_local_time_profile_and_status_in_words():
    model = ActivityModel()
    model.set_profile_names({1: "Main shop"})
    model.merge(SAMPLE)
    assert model.headerData(ActivityColumn.STATUS, Qt.Orientation.Horizontal) == "Status"
    local = (T0 + timedelta(minutes=1)).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    assert cell(model, 0, ActivityColumn.TIME) == local
    assert cell(model, 0, ActivityColumn.PROFILE) == "Main shop"
    assert cell(model, 0, ActivityColumn.DETAIL) == "invoice 1001"  # words, not wire names
    # Unknown and pending are marked in words and with a background, not colour alone.
    assert "Unknown" in cell(model, 1, ActivityColumn.STATUS)
    assert "reconcile" in cell(model, 1, ActivityColumn.DETAIL)
    assert "Pending" in cell(model, 2, ActivityColumn.STATUS)
    assert cell(model, 1, ActivityColumn.STATUS, Qt.ItemDataRole.BackgroundRole) is not None
    assert cell(model, 0, ActivityColumn.STATUS, Qt.ItemDataRole.BackgroundRole) is None
    assert cell(model, 3, ActivityColumn.DETAIL) == "cart_amount: must equal the total"


def test_sort_role_gives_raw_values():
    model = ActivityModel()
    model.merge(SAMPLE)
    assert cell(model, 0, ActivityColumn.TIME, SORT_ROLE) == (T0 + timedelta(minutes=1)).timestamp()
    # Unknown sorts before done when sorting by status.
    assert cell(model, 1, ActivityColumn.STATUS, SORT_ROLE) < cell(
        model, 0, ActivityColumn.STATUS, SORT_ROLE
    )


def test_update_emits_data_changed_for_the_changed_cells_only(qtbot):
    model = ActivityModel()
    model.merge(SAMPLE)
    changes: list[tuple[int, int, int, int]] = []
    model.dataChanged.connect(
        lambda tl, br, roles=(): changes.append((tl.row(), tl.column(), br.row(), br.column()))
    )
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    settled = replace(SAMPLE[1], status=JournalStatus.DONE, error=None, result={"invoice_id": 7})
    model.merge([SAMPLE[0], settled, *SAMPLE[2:]])
    assert changes == [(1, ActivityColumn.STATUS, 1, ActivityColumn.DETAIL)]
    assert not resets
    assert cell(model, 1, ActivityColumn.STATUS) == "Done"


def test_merge_inserts_new_and_removes_gone_rows():
    model = ActivityModel()
    model.merge(SAMPLE[:3])
    model.merge([SAMPLE[0], SAMPLE[2], SAMPLE[3]])
    assert [e.id for e in model.entries()] == [1, 3, 4]


@pytest.fixture
def filtered():
    model = ActivityModel()
    model.merge(SAMPLE)
    proxy = ActivityFilter()
    proxy.setSourceModel(model)
    return model, proxy


def visible_ids(proxy) -> list[int]:
    from clickpay_desk.ui.activity_model import ENTRY_ROLE

    return sorted(proxy.index(r, 0).data(ENTRY_ROLE).id for r in range(proxy.rowCount()))


def test_filter_by_status(filtered):
    _model, proxy = filtered
    proxy.set_statuses({JournalStatus.UNKNOWN, JournalStatus.PENDING})
    assert visible_ids(proxy) == [2, 3]
    proxy.set_statuses(None)
    assert visible_ids(proxy) == [1, 2, 3, 4, 5]


def test_filter_by_operation_and_text(filtered):
    _model, proxy = filtered
    proxy.set_operation("payout.batch.close")
    assert visible_ids(proxy) == [3, 5]
    proxy.set_text("BATCH-7")
    assert visible_ids(proxy) == [3]
    proxy.set_operation(None)
    proxy.set_text("must equal")
    assert visible_ids(proxy) == [4]


class FakeJournal:
    """Stands in for the store: records which thread reads it."""

    def __init__(self, entries: list[JournalEntry]) -> None:
        self.entries = entries
        self.threads: list[int] = []

    def journal_list(self, *, limit=None):
        self.threads.append(threading.get_ident())
        return list(self.entries)

    def list_profiles(self):
        return [Profile("Main shop", GatewayKind.CLICKPAY, "https://x", "1", id=1)]


def test_view_loads_off_the_gui_thread_and_filters(qtbot):
    runner = TaskRunner()
    journal = FakeJournal(SAMPLE)
    view = ActivityView(runner, journal)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.refreshed, timeout=3000):
        view.refresh()
    assert journal.threads and journal.threads[0] != threading.get_ident()
    assert view.proxy.rowCount() == 5
    # Newest first.
    assert view.proxy.index(0, ActivityColumn.REFERENCE).data() == "cart-5"
    assert "1 unknown and 1 pending" in view.summary.text()
    view.show_needs_attention()
    assert view.proxy.rowCount() == 2
    view.operation_filter.setCurrentIndex(view.operation_filter.findData("payout.batch.close"))
    assert view.proxy.rowCount() == 1
    view.status_filter.setCurrentIndex(0)
    view.text_filter.setText("cart-5")
    assert view.proxy.rowCount() == 1
    runner.shutdown(2000)


def test_detail_speaks_of_a_payout_batch_in_words():
    done = replace(
        entry(9, operation="payout.batch.add", reference="PAYOUT-20261130-01"),
        result={"batch_id": 30143, "count": 4, "total": "5080.88", "local_batch": None},
    )
    model = ActivityModel()
    model.merge([done])
    detail = cell(model, 0, ActivityColumn.DETAIL)
    assert detail == "batch 30143, entries 4, total 5080.88", detail
    assert "=" not in detail and "None" not in detail and "_" not in detail
