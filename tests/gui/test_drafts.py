"""Drafts: what is typed reaches the database within a second (off the GUI thread), comes back
when the dialog opens again, and never holds the key."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from PySide6.QtCore import Qt

from clickpay_desk.ui.drafts import DraftSaver
from clickpay_desk.ui.profiles import DRAFT_KIND, NEW_DRAFT, ProfilesDialog

SECRET = "DRAFT-CANARY-SERVER-KEY-7f3a9c"
#: The promise is "within a second" (a 400 ms debounce, then one write); the bound leaves room
#: for a loaded CI machine's slow fsync.
SAVED_WITHIN = 1.5


def test_draft_saver_debounces_and_writes_off_the_gui_thread(qtbot, desk, monkeypatch):
    threads: list[int] = []
    save = desk.store.save_draft

    def spy(kind, key, data):
        threads.append(threading.get_ident())
        return save(kind, key, data)

    monkeypatch.setattr(desk.store, "save_draft", spy)
    values = {"n": 0}
    saver = DraftSaver(desk.runner, desk.store, "test", lambda: dict(values), delay_ms=400)
    saver.set_key("k1")
    for n in range(1, 6):  # a burst of edits: one save, with the last value
        values["n"] = n
        saver.changed()
        qtbot.wait(30)
    last_edit = time.monotonic()
    qtbot.waitUntil(lambda: desk.store.load_draft("test", "k1") is not None, timeout=3000)
    assert time.monotonic() - last_edit < SAVED_WITHIN
    assert desk.store.load_draft("test", "k1").data == {"n": 5}
    # Debounced: not one save per edit (one, unless a loaded machine stretched a 30 ms pause
    # past the 400 ms delay), and never on the GUI thread.
    assert 1 <= len(threads) < 5 and threading.get_ident() not in threads

    restored: list[dict] = []
    saver.load(restored.append)
    qtbot.waitUntil(lambda: bool(restored), timeout=3000)
    assert restored == [{"n": 5}]

    saver.discard()
    qtbot.waitUntil(lambda: desk.store.load_draft("test", "k1") is None, timeout=3000)


def test_changing_key_saves_the_pending_draft_first(qtbot, desk):
    values = {"v": "first"}
    saver = DraftSaver(desk.runner, desk.store, "test", lambda: dict(values), delay_ms=10_000)
    saver.set_key("a")
    saver.changed()
    saver.set_key("b")  # long before the timer: the change to "a" is not lost
    qtbot.waitUntil(lambda: desk.store.load_draft("test", "a") is not None, timeout=3000)
    assert desk.store.load_draft("test", "b") is None


def open_dialog(qtbot, desk) -> ProfilesDialog:
    dialog = ProfilesDialog(desk)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.keyring_usable is not None, timeout=3000)
    return dialog


def type_into(qtbot, widget, text: str) -> None:
    widget.setFocus()
    qtbot.keyClicks(widget, text)


def everything_on_disk(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())


def test_half_typed_profile_survives_and_the_key_is_never_in_the_draft(qtbot, desk):
    dialog = open_dialog(qtbot, desk)
    form = dialog.form
    qtbot.waitUntil(lambda: dialog.drafts.key == NEW_DRAFT, timeout=2000)
    type_into(qtbot, form.name, "Half-typed shop")
    type_into(qtbot, form.merchant_id, "44537")
    type_into(qtbot, form.secret, SECRET)
    assert form.secret.text() == SECRET
    last_key = time.monotonic()

    def drafted() -> bool:
        draft = desk.store.load_draft(DRAFT_KIND, NEW_DRAFT)
        return draft is not None and draft.data.get("merchant_id") == "44537"

    qtbot.waitUntil(drafted, timeout=3000)
    assert time.monotonic() - last_key < SAVED_WITHIN
    data = desk.store.load_draft(DRAFT_KIND, NEW_DRAFT).data
    assert data["name"] == "Half-typed shop"
    assert SECRET not in repr(data)

    # The app "crashes": the dialog goes away unsaved. Opened again, the fields come back.
    dialog.close()
    dialog.deleteLater()
    again = open_dialog(qtbot, desk)
    qtbot.waitUntil(lambda: again.form.name.text() == "Half-typed shop", timeout=2000)
    assert again.form.merchant_id.text() == "44537"
    assert again.form.secret.text() == ""  # the key is typed again, never restored
    assert again.draft_label.isVisibleTo(again) and "not saved yet" in again.draft_label.text()

    # Nowhere on disk: not in the drafts, the database with its WAL, the settings or the logs.
    desk.writer.submit(lambda: None).result(3)
    assert SECRET.encode() not in everything_on_disk(desk.paths.root)
    with sqlite3.connect(desk.paths.database) as conn:
        assert SECRET not in "\n".join(conn.iterdump())


def test_saving_the_profile_forgets_its_draft(qtbot, desk, secrets):
    dialog = open_dialog(qtbot, desk)
    qtbot.waitUntil(lambda: dialog.drafts.key == NEW_DRAFT, timeout=2000)
    type_into(qtbot, dialog.form.name, "Main shop")
    type_into(qtbot, dialog.form.merchant_id, "44537")
    type_into(qtbot, dialog.form.secret, SECRET)
    qtbot.waitUntil(lambda: desk.store.load_draft(DRAFT_KIND, NEW_DRAFT) is not None, timeout=3000)
    dialog.save_button.click()
    qtbot.waitUntil(lambda: "Saved" in dialog.result_label.text(), timeout=3000)
    qtbot.waitUntil(lambda: desk.store.list_drafts(DRAFT_KIND) == [], timeout=2000)
    [profile] = desk.store.list_profiles()
    assert secrets.keyring == {profile.secret_name: SECRET}


def test_edits_to_a_saved_profile_come_back_and_can_be_discarded(qtbot, desk, make_profile):
    profile = desk.store.save_profile(make_profile("Main shop"))
    dialog = open_dialog(qtbot, desk)
    qtbot.waitUntil(lambda: dialog.form.name.text() == "Main shop", timeout=2000)
    dialog.form.name.selectAll()
    type_into(qtbot, dialog.form.name, "Main shop (Jeddah)")
    key = str(profile.id)
    qtbot.waitUntil(lambda: desk.store.load_draft(DRAFT_KIND, key) is not None, timeout=3000)
    dialog.close()

    again = open_dialog(qtbot, desk)
    qtbot.waitUntil(lambda: again.form.name.text() == "Main shop (Jeddah)", timeout=2000)
    qtbot.mouseClick(again.discard_button, Qt.MouseButton.LeftButton)
    assert again.form.name.text() == "Main shop"
    assert not again.discard_button.isVisibleTo(again)
    qtbot.waitUntil(lambda: desk.store.load_draft(DRAFT_KIND, key) is None, timeout=2000)
