"""The Profiles dialog: masked key, key only in the SecretStore, problems next to fields, test."""

from __future__ import annotations

import json
import os
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLineEdit, QMessageBox

from clickpay_desk.core.profile import GEIDEA_REGIONS, PT2_REGIONS, GatewayKind
from clickpay_desk.services.connection import ConnectionVerdict
from clickpay_desk.store.records import InvoiceRecord
from clickpay_desk.ui.context import ACTIVE_PROFILE_KEY
from clickpay_desk.ui.profiles import DRAFT_KIND, NEW_DRAFT, ProfilesDialog, delete_consequences

SHOTS = Path(os.environ.get("CLICKPAY_DESK_SHOTS", "/tmp/shots"))
KEY = "SJ-TOP-SECRET-SERVER-KEY-123"


@pytest.fixture
def dialog(qtbot, desk):
    def make(active_id=None) -> ProfilesDialog:
        d = ProfilesDialog(desk, active_id=active_id)
        qtbot.addWidget(d)
        d.show()
        qtbot.waitUntil(lambda: d.keyring_usable is not None, timeout=3000)
        return d

    return make


def fill(dlg: ProfilesDialog, *, name="Main shop", merchant_id="44537", key=KEY) -> None:
    form = dlg.form
    form.name.setText(name)
    form.name.textEdited.emit(name)
    form.merchant_id.setText(merchant_id)
    form.merchant_id.textEdited.emit(merchant_id)
    form.secret.setText(key)
    form.secret.textEdited.emit(key)


def everything_on_disk(root: Path) -> bytes:
    """Every byte the app wrote under its data dir (database incl. WAL, settings, logs)."""
    return b"".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())


def test_key_field_is_masked(dialog):
    dlg = dialog()
    assert dlg.form.secret.echoMode() == QLineEdit.EchoMode.Password


def test_saving_puts_the_key_only_in_the_secret_store(qtbot, dialog, desk, secrets):
    dlg = dialog()
    fill(dlg)
    dlg.save_button.click()
    qtbot.waitUntil(lambda: "Saved" in dlg.result_label.text(), timeout=3000)
    assert "keyring" in dlg.result_label.text()
    [profile] = desk.store.list_profiles()
    assert profile.name == "Main shop" and profile.base_url == PT2_REGIONS[next(iter(PT2_REGIONS))]
    assert secrets.keyring == {profile.secret_name: KEY}
    assert dlg.form.secret.text() == ""  # the typed key does not linger in the widget
    # The first profile saved becomes the active one.
    qtbot.waitUntil(lambda: dlg.active_id == profile.id, timeout=3000)
    # Nowhere on disk: not in the database (WAL included), the settings or the logs.
    desk.writer.submit(lambda: None).result(3)
    assert KEY.encode() not in everything_on_disk(desk.paths.root)
    with sqlite3.connect(desk.paths.database) as conn:
        dump = "\n".join(conn.iterdump())
    assert KEY not in dump


def test_problems_are_shown_next_to_their_fields(qtbot, dialog, desk, secrets):
    dlg = dialog()
    fill(dlg, name="", merchant_id="abc")
    problems = dlg.form.problem_labels
    assert problems["merchant_id"].isVisible()
    assert "must be a number" in problems["merchant_id"].text()
    assert problems["name"].isVisible() and "required" in problems["name"].text()
    assert not problems["base_url"].isVisible()
    dlg.save_button.click()
    assert "Not saved" in dlg.result_label.text()
    qtbot.wait(100)
    assert desk.store.list_profiles() == []
    assert secrets.calls == [] or all(c[0] == "get" for c in secrets.calls)
    # Fixing the field clears its note.
    fill(dlg, name="Shop", merchant_id="123")
    assert not problems["merchant_id"].isVisible()


def test_custom_base_url_problem(qtbot, dialog):
    dlg = dialog()
    form = dlg.form
    form.region.setCurrentIndex(form.region.count() - 1)  # Custom base URL…
    assert not form.base_url.isReadOnly()
    form.base_url.setText("ftp://example.com")
    form.base_url.textEdited.emit("ftp://example.com")
    assert "https://" in form.problem_labels["base_url"].text()


def test_geidea_changes_labels_and_regions(qtbot, dialog):
    dlg = dialog()
    form = dlg.form
    form.gateway.setCurrentIndex(form.gateway.findData(GatewayKind.GEIDEA))
    assert form.merchant_id_label.text().replace("&", "") == "Merchant public key:"
    assert form.secret_label.text().replace("&", "") == "API password:"
    assert form.base_url.text() == next(iter(GEIDEA_REGIONS.values()))
    assert form.payout_account_id.isHidden()


def test_without_keyring_offers_session_only_and_never_writes(qtbot, dialog, desk, secrets):
    secrets.usable = False
    dlg = dialog()
    assert "No usable system keyring" in dlg.keyring_label.text()
    assert "this session only" in dlg.keyring_label.text()
    assert dlg.form.session_only.isChecked()
    fill(dlg)
    dlg.save_button.click()
    qtbot.waitUntil(lambda: "Saved" in dlg.result_label.text(), timeout=3000)
    assert "session only" in dlg.result_label.text()
    [profile] = desk.store.list_profiles()
    assert secrets.session == {profile.secret_name: KEY}
    assert secrets.keyring == {}
    assert ("set", profile.secret_name) not in secrets.calls
    desk.writer.submit(lambda: None).result(3)
    assert KEY.encode() not in everything_on_disk(desk.paths.root)


def test_keyring_refusal_is_said_plainly(qtbot, dialog, desk, secrets):
    dlg = dialog()  # keyring said usable...
    secrets.usable = False  # ...and then refuses to save
    fill(dlg)
    dlg.save_button.click()
    qtbot.waitUntil(lambda: "not its key" in dlg.result_label.text(), timeout=3000)
    assert "no usable system keyring" in dlg.form.problem_labels["secret"].text()
    assert dlg.form.session_only.isChecked()  # offered for the next try
    assert secrets.keyring == {} and secrets.session == {}


def test_editing_without_typing_the_key_keeps_it_and_moves_it_with_the_id(
    qtbot, dialog, desk, secrets, make_profile
):
    old = desk.store.save_profile(make_profile())
    secrets.set(old.secret_name, KEY)
    dlg = dialog(active_id=old.id)
    qtbot.waitUntil(lambda: dlg.form.name.text() == "Main shop", timeout=3000)
    qtbot.waitUntil(
        lambda: "saved in the system keyring" in dlg.form.secret_state.text(), timeout=3000
    )
    dlg.form.merchant_id.setText("999")
    dlg.form.merchant_id.textEdited.emit("999")
    dlg.save_button.click()
    qtbot.waitUntil(lambda: "Saved" in dlg.result_label.text(), timeout=3000)
    [new] = desk.store.list_profiles()
    assert new.id == old.id and new.merchant_id == "999"
    assert secrets.keyring == {new.secret_name: KEY}


def test_new_key_or_address_drops_the_cached_client(
    qtbot, dialog, desk, secrets, make_profile, monkeypatch
):
    profile = desk.store.save_profile(make_profile())
    secrets.set(profile.secret_name, "OLD-KEY")
    first = desk.pool.client_for(profile)
    forgotten: list[int | None] = []
    real_forget = desk.pool.forget
    monkeypatch.setattr(desk.pool, "forget", lambda p: (forgotten.append(p.id), real_forget(p))[-1])
    dlg = dialog(active_id=profile.id)
    qtbot.waitUntil(lambda: dlg.form.name.text() == "Main shop", timeout=3000)

    # A new key: the pool's client (built with the old key) is dropped.
    dlg.form.secret.setText(KEY)
    dlg.form.secret.textEdited.emit(KEY)
    dlg.save_button.click()
    qtbot.waitUntil(lambda: forgotten == [profile.id], timeout=3000)
    second = desk.pool.client_for(profile)
    assert second is not first

    # Only the name changes: the client stays.
    qtbot.waitUntil(lambda: dlg.save_button.isEnabled(), timeout=3000)
    dlg.form.name.setText("Main shop (renamed)")
    dlg.form.name.textEdited.emit("Main shop (renamed)")
    dlg.save_button.click()
    qtbot.waitUntil(lambda: "Saved" in dlg.result_label.text(), timeout=3000)
    qtbot.waitUntil(lambda: not desk.runner.running(), timeout=3000)  # all follow-ups ran
    assert forgotten == [profile.id]

    # A new address (another region): dropped again.
    qtbot.waitUntil(lambda: dlg.save_button.isEnabled(), timeout=3000)
    dlg.form.region.setCurrentIndex(1)
    dlg.save_button.click()
    qtbot.waitUntil(lambda: forgotten == [profile.id, profile.id], timeout=3000)


def test_test_connection_reports_plainly(qtbot, dialog, desk, probe):
    dlg = dialog()
    fill(dlg)
    dlg.test_button.click()
    qtbot.waitUntil(lambda: "✔" in dlg.result_label.text(), timeout=3000)
    assert probe.seen[-1][1] == KEY  # the typed key, before the profile is saved
    probe.verdict = ConnectionVerdict(
        True, False, "The gateway refused the server key or the profile id: bad key."
    )
    dlg.test_button.click()
    qtbot.waitUntil(lambda: "✖" in dlg.result_label.text(), timeout=3000)
    assert "refused the server key" in dlg.result_label.text()


def test_use_this_profile_and_delete(qtbot, dialog, desk, secrets, make_profile, monkeypatch):
    a = desk.store.save_profile(make_profile("A shop"))
    b = desk.store.save_profile(make_profile("B shop", merchant_id="2"))
    secrets.set(b.secret_name, KEY)
    dlg = dialog(active_id=a.id)
    qtbot.waitUntil(lambda: dlg.list.count() == 2, timeout=3000)
    assert "active" in dlg.list.item(0).text()
    dlg.list.setCurrentRow(1)
    with qtbot.waitSignal(dlg.active_chosen) as chosen:
        dlg.activate_button.click()
    assert chosen.args == [b.id]
    desk.store.upsert_invoice(
        InvoiceRecord(None, b.id, b.gateway, "c1", "77", None, "SAR", Decimal("9.50"), "new", {})
    )

    # The question says what goes with the profile, without blocking the GUI; Cancel keeps it.
    dlg.delete_button.click()
    qtbot.waitUntil(lambda: dlg.delete_box is not None and dlg.delete_box.isVisible(), timeout=3000)
    box = dlg.delete_box
    assert "“B shop”" in box.text()
    assert "Its 1 invoice in this app are deleted" not in box.informativeText()
    assert "Its 1 invoice in this app is deleted with it." in box.informativeText()
    box.button(QMessageBox.StandardButton.Cancel).click()
    qtbot.waitUntil(lambda: not desk.runner.running(), timeout=3000)
    assert dlg.list.count() == 2 and secrets.keyring != {}

    dlg.delete_button.click()
    qtbot.waitUntil(lambda: dlg.delete_box is not None and dlg.delete_box.isVisible(), timeout=3000)
    [delete] = [b for b in dlg.delete_box.buttons() if b.text() == "Delete"]
    delete.click()
    qtbot.waitUntil(lambda: dlg.list.count() == 1, timeout=3000)
    qtbot.waitUntil(lambda: secrets.keyring == {}, timeout=3000)
    assert [p.name for p in desk.store.list_profiles()] == ["A shop"]
    assert desk.store.list_invoices() == []


def test_delete_consequences_in_words():
    assert delete_consequences({"invoices": 0, "agreements": 0, "batches": 0, "journal": 3}) == (
        "It has no invoices, agreements or payout batches in this app."
    )
    assert delete_consequences({"invoices": 2, "agreements": 1, "batches": 1}) == (
        "Its 2 invoices, 1 agreement and 1 payout batch in this app are deleted with it."
    )


def test_a_half_typed_new_profile_comes_back_with_the_list_of_profiles(
    qtbot, dialog, desk, make_profile
):
    desk.store.save_profile(make_profile("A shop"))
    desk.store.save_draft(DRAFT_KIND, NEW_DRAFT, {"name": "Half-typed shop"})
    dlg = dialog()
    qtbot.waitUntil(lambda: dlg.form.name.text() == "Half-typed shop", timeout=3000)
    assert dlg.list.count() == 1 and dlg.list.currentRow() == -1
    assert dlg.draft_label.isVisibleTo(dlg)


def test_main_window_opens_profiles_and_follows_the_choice(qtbot, desk, secrets, make_profile):
    from clickpay_desk.ui.main_window import MainWindow

    a = desk.store.save_profile(make_profile("A shop"))
    b = desk.store.save_profile(make_profile("B shop", merchant_id="2"))
    window = MainWindow(desk)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: "A shop" in window.profile_label.text(), timeout=3000)
    window.profiles_action.trigger()
    dlg = window.findChild(ProfilesDialog)
    assert dlg is not None
    qtbot.waitUntil(lambda: dlg.list.count() == 2, timeout=3000)
    dlg.list.setCurrentRow(1)
    dlg.activate_button.click()
    qtbot.waitUntil(lambda: "B shop" in window.profile_label.text(), timeout=3000)
    assert json.dumps(desk.store.get_setting(ACTIVE_PROFILE_KEY)) == str(b.id)
    assert a.id != b.id


def test_screenshot_profiles_dialog(qtbot, dialog, desk, secrets, make_profile):
    p = desk.store.save_profile(make_profile())
    desk.store.save_profile(
        make_profile(
            "Geidea shop",
            gateway=GatewayKind.GEIDEA,
            base_url=next(iter(GEIDEA_REGIONS.values())),
            merchant_id="a087f4ca",
            payout_account_id="",
        )
    )
    secrets.set(p.secret_name, KEY)
    dlg = dialog(active_id=p.id)
    qtbot.waitUntil(
        lambda: "saved in the system keyring" in dlg.form.secret_state.text(), timeout=3000
    )
    dlg.form.secret.setText("typed-but-masked")
    dlg.form.payout_account_id.setText("65x")
    dlg.form.payout_account_id.textEdited.emit("65x")
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert dlg.grab().save(str(SHOTS / "profiles.png"))
    secrets.usable = False
    dlg2 = dialog()
    dlg2.new_profile()
    dlg2.form.gateway.setCurrentIndex(dlg2.form.gateway.findData(GatewayKind.GEIDEA))
    fill(dlg2, name="New Geidea shop", merchant_id="")
    assert dlg2.form.secret_state.text() == "Type the API password of this merchant account."
    qtbot.wait(50)  # let the layout settle after the problem notes changed
    assert dlg2.grab().save(str(SHOTS / "profiles-no-keyring.png"))


def test_closing_forgets_an_unsaved_key_and_reopening_replaces_the_dialog(qtbot, desk):
    import shiboken6

    from clickpay_desk.ui.main_window import MainWindow

    window = MainWindow(desk, reconcile_at_start=False)
    qtbot.addWidget(window)
    window.profiles_action.trigger()
    first = window.profiles_dialog
    assert first is not None
    first.form.secret.setText(KEY)
    first.reject()
    assert first.form.secret.text() == ""  # typed, never saved: not kept in a hidden widget
    window.profiles_action.trigger()
    assert window.profiles_dialog is not first
    qtbot.waitUntil(lambda: not shiboken6.isValid(first), timeout=3000)  # not one per opening
    assert len(window.findChildren(ProfilesDialog)) == 1
