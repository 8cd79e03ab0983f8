"""What a new user meets on the Payouts tab's rougher paths: a submission stopped by a lost
answer, cells typed the way a spreadsheet holds them, the column-mapping dialog."""

from __future__ import annotations

import pytest

from clickpay_desk.ui.payouts.entries_model import EntryColumn, EntryRow
from tests.unit.services.test_payouts_kit import entry

pytestmark = pytest.mark.gui


def test_a_lost_answer_is_explained_not_called_a_bug(qtbot, tab, live_desk):
    said: list[str] = []
    tab.mutations.message.connect(said.append)
    tab.model.load([EntryRow(i + 2, entry(i)) for i in range(1, 5)], "SAR", editable=True)
    tab.chunk_spin.setValue(2)
    live_desk.fault("/payout/batch/add", "drop-after-commit")
    qtbot.waitUntil(lambda: tab.submit_action.isEnabled())
    tab.submit_action.trigger()
    qtbot.waitUntil(lambda: "Rows 3–4 were sent to batch" in tab.message.text(), timeout=20000)
    qtbot.waitUntil(lambda: any("failed" in s for s in said))
    failed = next(s for s in said if "failed" in s)
    assert "bug" not in failed and "SubmissionStopped" not in failed
    assert "Rows 3–4 were sent to batch" in failed


def test_an_iban_typed_as_printed_is_kept_compact_and_upper_case(qtbot, qtmodeltester, tab):
    tab.model.load([EntryRow(2, entry(1))], "SAR", editable=True)
    qtmodeltester.check(tab.model)
    cell = tab.proxy.mapFromSource(tab.model.index(0, EntryColumn.IBAN))
    assert tab.proxy.setData(cell, "sa03 8000 0000 6080 1016 7519")
    country = tab.proxy.mapFromSource(tab.model.index(0, EntryColumn.COUNTRY))
    tab.proxy.setData(country, "sa")  # already SA: typed in lower case, nothing changes
    tab._summary_now()
    assert cell.data() == "SA0380000000608010167519"
    assert country.data() == "SA"
    shown = [tab.problems.index(r, 0).data() for r in range(tab.problems.rowCount())]
    assert not shown, shown  # no "a sa IBAN but the beneficiary country is SA" warning


def test_back_to_all_entries_in_query_shows_them_all_again(qtbot, tab):
    tab.model.load([EntryRow(i + 2, entry(i)) for i in range(1, 4)], "SAR", editable=True)
    failed = tab.status_combo.findData("failed")
    tab.status_combo.setCurrentIndex(failed)
    tab.proxy.set_status("failed")  # what Refresh status leaves after asking for failed ones
    tab._update_state()
    assert tab.proxy.rowCount() == 0
    assert "No failed entries" in tab.empty_hint.text()
    assert "filter box" not in tab.empty_hint.text()  # the filter box is empty: not the cause
    tab.status_combo.setCurrentIndex(tab.status_combo.findData(None))
    assert tab.proxy.rowCount() == 3


def test_the_status_bar_sentence_after_a_submission_ends_once(qtbot, tab):
    said: list[str] = []
    tab.mutations.message.connect(said.append)
    tab.model.load([EntryRow(i + 2, entry(i)) for i in range(1, 3)], "SAR", editable=True)
    qtbot.waitUntil(lambda: tab.submit_action.isEnabled())
    tab.submit_action.trigger()
    qtbot.waitUntil(lambda: any(": done" in s for s in said), timeout=20000)
    done = next(s for s in said if ": done" in s)
    assert "was submitted with 2" in done and not done.endswith(".."), done


def test_the_mapping_dialog_stars_only_what_every_row_needs(qtbot):
    from PySide6.QtWidgets import QFormLayout, QLabel

    from clickpay_desk.ui.payouts.mapping_dialog import MappingDialog

    dialog = MappingDialog(["اسم المستفيد", "رقم الآيبان", "المبلغ"], {"amount": 2})
    qtbot.addWidget(dialog)
    form = dialog.findChild(QFormLayout)
    labels = {
        name: form.labelForField(combo).text()  # type: ignore[union-attr]
        for name, combo in dialog.combos.items()
    }
    assert labels["amount"] == "Amount *"
    assert labels["beneficiary_address1"] == "Address 1 *"
    assert labels["beneficiary_address2"] == "Address 2"  # may be left empty
    assert labels["beneficiary_bank_branch"] == "Bank branch"
    assert any(label.text().startswith("* ") for label in dialog.findChildren(QLabel))


def test_a_sent_batch_opens_with_its_status_columns_in_view(qtbot, tab):
    tab.model.load([EntryRow(i + 2, entry(i)) for i in range(1, 3)], "SAR", editable=True)
    tab.resize(900, 500)
    address = tab.proxy.mapFromSource(tab.model.index(0, EntryColumn.ADDRESS1))
    tab.table.scrollTo(address)  # where the last fix was typed
    qtbot.waitUntil(lambda: tab.table.horizontalScrollBar().value() > 0)
    qtbot.waitUntil(lambda: tab.submit_action.isEnabled())
    tab.submit_action.trigger()
    qtbot.waitUntil(lambda: "was submitted with 2" in tab.message.text(), timeout=20000)
    qtbot.waitUntil(lambda: tab.batch is not None and not tab.model.editable)
    status = tab.proxy.mapFromSource(tab.model.index(0, EntryColumn.STATUS))
    qtbot.waitUntil(lambda: tab.table.visualRect(status).intersects(tab.table.viewport().rect()))


def test_a_currency_other_than_the_profiles_is_pointed_out(qtbot, tab, live_desk):
    assert live_desk.profile.currency == "SAR"
    tab.currency_edit.setFocus()
    tab.currency_edit.selectAll()
    qtbot.keyClicks(tab.currency_edit, "kwd")
    tab.currency_edit.editingFinished.emit()
    assert tab.currency_edit.text() == "KWD"
    assert "differs from this profile's SAR" in tab.message.text()
    assert "deposit account" in tab.message.text()
