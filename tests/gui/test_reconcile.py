"""Unknown outcomes from the GUI: File ▸ Reconcile, the start-up check, and Activity's
"Reconcile this" / "Mark as done…" / "Mark as not done…" — against a real sandbox server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel, QMessageBox

from clickpay_desk.gateway.errors import OutcomeUnknown
from clickpay_desk.services import invoices, reconcile
from clickpay_desk.store.records import JournalEntry, JournalStatus
from clickpay_desk.ui.activity import NEEDS_ATTENTION
from clickpay_desk.ui.errors import user_message
from clickpay_desk.ui.main_window import MainWindow, Tab
from tests.unit.services.desk import make_invoice

SHOTS = Path(os.environ.get("CLICKPAY_DESK_SHOTS", "/tmp/shots"))


def lost_answer(live_desk, mode: str = "drop-after-commit", amount: str = "9.50"):
    """Create an invoice whose answer is lost: its journal entry ends UNKNOWN."""
    invoice = make_invoice(amount)
    live_desk.fault("/payment/new/invoice", mode)
    ctx = live_desk.ctx
    with pytest.raises(OutcomeUnknown):
        invoices.create_invoice(ctx.store, ctx.pool, live_desk.profile, invoice)
    return invoice


def open_window(qtbot, live_desk, **options) -> MainWindow:
    window = MainWindow(live_desk.ctx, **options)
    qtbot.addWidget(window)
    window.resize(1200, 640)
    window.show()
    qtbot.waitExposed(window)
    return window


def entry_of(store, cart_id: str) -> JournalEntry:
    found = [e for e in store.journal_list(operation=invoices.CREATE) if e.reference == cart_id]
    assert found
    return found[0]


def test_reconcile_menu_lists_each_outcome_and_refreshes_activity(qtbot, live_desk):
    ctx = live_desk.ctx
    done = invoices.create_invoice(ctx.store, ctx.pool, live_desk.profile, make_invoice("120.00"))
    arrived = lost_answer(live_desk, "drop-after-commit", "75.25")
    never = lost_answer(live_desk, "drop-before-commit", "18.00")
    window = open_window(qtbot, live_desk, reconcile_at_start=False)

    window.reconcile_action.trigger()
    assert window.tabs.currentIndex() == Tab.ACTIVITY
    qtbot.waitUntil(lambda: window.reconcile_dialog is not None, timeout=5000)
    dialog = window.reconcile_dialog
    assert dialog.heading.text() == (
        "Reconciled 1 of 2 request(s) with an unknown outcome. 1 still unknown — see Activity."
    )
    found, unproven = dialog.messages()
    assert found == f"The request to create the invoice “{arrived.cart_id}” did arrive: it is done."
    # "Not found" from the lookup by cart id (in no reference) proves nothing: the user is told
    # what to look for in the dashboard instead of "safe to send again".
    assert unproven.startswith(
        f"Still unknown whether the request to create the invoice “{never.cart_id}”"
    )
    where = "In the ClickPay merchant dashboard, open Invoices and search for cart id"
    assert f"{where} “{never.cart_id}”" in unproven
    assert unproven.endswith("then mark it done or not done here.")
    outcomes = [dialog.table.item(row, 0).text() for row in range(dialog.table.rowCount())]
    assert outcomes == ["Done", "Still unknown"]
    assert window.statusBar().currentMessage() == dialog.heading.text()

    # The journal and the Activity view now say what happened.
    assert entry_of(ctx.store, arrived.cart_id).status is JournalStatus.DONE
    assert entry_of(ctx.store, never.cart_id).status is JournalStatus.UNKNOWN
    view = window.activity
    qtbot.waitUntil(lambda: "Done" in status_of(view, arrived.cart_id), timeout=3000)
    assert "Unknown" in status_of(view, never.cart_id)
    assert "did arrive" in view.notice_label.text()
    assert status_of(view, done.cart_id) == "Done"
    view.select_entry(entry_of(ctx.store, arrived.cart_id).id)

    SHOTS.mkdir(parents=True, exist_ok=True)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.grab().save(str(SHOTS / "reconcile-dialog.png"))
    dialog.close()
    assert window.grab().save(str(SHOTS / "activity-reconciled.png"))

    # "Show in Activity" with something left unknown shows what needs attention.
    window.tabs.setCurrentIndex(Tab.INVOICES)
    dialog.activity_button.click()
    assert window.tabs.currentIndex() == Tab.ACTIVITY
    assert view.status_filter.currentIndex() == NEEDS_ATTENTION and view.proxy.rowCount() == 1

    # Once the user has checked the dashboard and said so, everything is settled, and "Show in
    # Activity" after a reconcile that settled everything shows the findings, not an empty list.
    ctx.store.journal_reconciled(
        entry_of(ctx.store, never.cart_id).id, JournalStatus.NOT_DONE, {"resolved_by": "user"}
    )
    window.reconcile_action.trigger()
    qtbot.waitUntil(lambda: window.reconcile_dialog is not None, timeout=5000)
    again = window.reconcile_dialog
    window.tabs.setCurrentIndex(Tab.INVOICES)
    again.activity_button.click()
    assert view.status_filter.currentIndex() == 0 and view.proxy.rowCount() == 3


def test_nothing_to_reconcile_is_said_once(qtbot, live_desk):
    window = open_window(qtbot, live_desk, reconcile_at_start=False)
    window.reconcile_action.trigger()
    qtbot.waitUntil(lambda: window.reconcile_dialog is not None, timeout=5000)
    dialog = window.reconcile_dialog
    said = [label.text() for label in dialog.findChildren(QLabel) if label.isVisibleTo(dialog)]
    assert said == ["Nothing to reconcile: every request has a known outcome."]
    assert not dialog.table.isVisibleTo(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save(str(SHOTS / "reconcile-nothing.png"))


def status_of(view, reference: str) -> str:
    from clickpay_desk.ui.activity_model import ActivityColumn

    model = view.model
    for row in range(model.rowCount()):
        if model.entry(row).reference == reference:
            return model.index(row, ActivityColumn.STATUS).data()
    return ""


def test_unknown_outcomes_at_startup_are_reconciled_in_the_background(qtbot, live_desk):
    ctx = live_desk.ctx
    arrived = lost_answer(live_desk)
    window = open_window(qtbot, live_desk)  # reconciles at start
    qtbot.waitUntil(
        lambda: entry_of(ctx.store, arrived.cart_id).status is JournalStatus.DONE, timeout=5000
    )
    qtbot.waitUntil(lambda: window.activity.notice.isVisibleTo(window.activity), timeout=3000)
    notice = window.activity.notice_label.text()
    assert notice.startswith("At start-up: Reconciled 1 of 1 request(s)")
    assert f"“{arrived.cart_id}” did arrive: it is done." in notice
    assert "Reconciled 1 of 1" in window.statusBar().currentMessage()
    assert window.reconcile_dialog is None  # no dialog pops up by itself
    # The invoice the lost answer had created is now known locally.
    (local,) = [r for r in ctx.store.list_invoices() if r.cart_id == arrived.cart_id]
    assert local.remote_id


def test_nothing_unknown_at_startup_means_no_reconcile(qtbot, live_desk):
    ctx = live_desk.ctx
    invoices.create_invoice(ctx.store, ctx.pool, live_desk.profile, make_invoice())
    window = open_window(qtbot, live_desk)
    # Once the start-up read has answered (and anything it started has ended)...
    qtbot.waitUntil(lambda: not ctx.runner.running(), timeout=5000)
    assert window.reconciler.running is None
    assert not window.activity.notice.isVisibleTo(window.activity)


def test_reconcile_this_from_the_activity_tab(qtbot, live_desk):
    ctx = live_desk.ctx
    arrived = lost_answer(live_desk)
    window = open_window(qtbot, live_desk, reconcile_at_start=False)
    window.tabs.setCurrentIndex(Tab.ACTIVITY)
    view = window.activity
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=3000)
    assert not view.reconcile_button.isEnabled()  # nothing selected
    assert view.select_entry(entry_of(ctx.store, arrived.cart_id).id)
    assert view.reconcile_button.isEnabled() and view.done_button.isEnabled()
    labels = [a.text() for a in view.context_actions(view.selected_entry())]
    assert labels == ["Reconcile this", "Mark as done…", "Mark as not done…"]

    view.reconcile_button.click()
    qtbot.waitUntil(lambda: "Done" in status_of(view, arrived.cart_id), timeout=5000)
    assert "did arrive" in window.statusBar().currentMessage()
    assert not view.reconcile_button.isEnabled()  # a settled entry offers nothing
    assert view.context_actions(view.selected_entry()) == []


def find_box(window) -> QMessageBox:
    visible = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert len(visible) == 1, visible
    return visible[0]


def test_mark_as_done_needs_the_dashboard_confirmation(qtbot, live_desk):
    ctx = live_desk.ctx
    # The user checked the merchant dashboard instead of asking the gateway.
    invoice = lost_answer(live_desk)
    entry = entry_of(ctx.store, invoice.cart_id)
    window = open_window(qtbot, live_desk, reconcile_at_start=False)
    window.tabs.setCurrentIndex(Tab.ACTIVITY)
    view = window.activity
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=3000)
    view.select_entry(entry.id)

    # "Mark as not done…", then Cancel: nothing changes.
    view.not_done_button.click()
    box = find_box(window)
    assert "NOT done" in box.text() and "merchant dashboard" in box.informativeText()
    assert "twice" in box.informativeText()
    box.button(QMessageBox.StandardButton.Cancel).click()
    qtbot.waitUntil(lambda: not ctx.runner.running(), timeout=3000)
    assert entry_of(ctx.store, invoice.cart_id).status is JournalStatus.UNKNOWN

    # "Mark as done…", confirmed as checked on the dashboard.
    view.done_button.click()
    box = find_box(window)
    assert "DONE" in box.text() and "merchant dashboard" in box.informativeText()
    [confirm] = [b for b in box.buttons() if "checked the dashboard" in b.text()]
    confirm.click()
    qtbot.waitUntil(
        lambda: entry_of(ctx.store, invoice.cart_id).status is JournalStatus.DONE, timeout=3000
    )
    settled = entry_of(ctx.store, invoice.cart_id)
    assert settled.result == {"resolved_by": "user"} and settled.reconciled_at is not None
    qtbot.waitUntil(
        lambda: "as checked on the merchant dashboard" in window.statusBar().currentMessage(),
        timeout=3000,
    )
    qtbot.waitUntil(lambda: status_of(view, invoice.cart_id) == "Done", timeout=3000)


def test_repeating_a_create_whose_outcome_is_unknown_is_refused_plainly(qtbot, live_desk):
    invoice = lost_answer(live_desk)
    window = open_window(qtbot, live_desk, reconcile_at_start=False)
    errors: list[BaseException] = []
    window.invoice_actions.create(live_desk.profile, invoice, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=3000)
    text = user_message(errors[0])
    assert text.startswith(f"The last attempt to create the invoice “{invoice.cart_id}”")
    assert "has an unknown outcome" in text
    assert "Run File ▸ Reconcile before trying again, so nothing is sent twice." in text
    assert window.statusBar().currentMessage() == (
        f"Creating the invoice “{invoice.cart_id}” failed: {text}"
    )
    assert len(live_desk.sandbox_invoices(invoice.cart_id)) == 1  # sent once, never twice


def test_too_early_to_tell_is_checked_again_when_the_window_ends(qtbot, live_desk):
    ctx = live_desk.ctx
    record = invoices.create_invoice(ctx.store, ctx.pool, live_desk.profile, make_invoice())
    # The cancel never reached the gateway's books, but the answer was lost: right now the
    # invoice reads "pending", which is no proof yet (the gateway may still be finishing it).
    live_desk.fault(f"/payment/invoice/{record.remote_id}/cancel", "drop-before-commit")
    with pytest.raises(OutcomeUnknown):
        invoices.cancel_invoice(ctx.store, ctx.pool, live_desk.profile, record)
    window = open_window(qtbot, live_desk, reconcile_at_start=False)
    window.reconcile_action.trigger()
    qtbot.waitUntil(lambda: window.reconcile_dialog is not None, timeout=5000)
    (message,) = window.reconcile_dialog.messages()
    entry = ctx.store.journal_list(operation=invoices.CANCEL)[0]
    due = entry.created_at + reconcile.SETTLE_WINDOW
    assert message.startswith("Not yet known whether the request to cancel the invoice")
    assert message.endswith(f"Checked again at {due.astimezone():%H:%M}.")
    assert entry.status is JournalStatus.UNKNOWN
    assert window.reconciler.next_check == due and window.reconciler._again.isActive()
