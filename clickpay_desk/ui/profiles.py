"""The Profiles dialog: list, add, edit, delete, test and choose the active merchant profile.

Every read and write runs through the task runner: profiles go to the store through its writer,
and the server key / API password goes ONLY to the ``SecretStore`` (the OS keyring, or this
session's memory when the user chooses so or no keyring is usable). The key is never put in the
store, the settings, a log line, a draft or a message.

What is typed is kept as a draft (``DraftSaver``, kind "profile", key "new" or the profile id)
within a second, so a half-typed profile survives a crash; the secret field is not part of it.
When a profile's key or address changes, its cached gateway client is dropped from the pool.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from clickpay_desk.core.profile import GatewayKind, Profile
from clickpay_desk.secrets import (
    SecretOutcome,
    SecretStorageUnavailable,
    register_secret,
    store_secret,
)
from clickpay_desk.services.connection import ConnectionVerdict

from .context import DeskContext
from .drafts import DraftSaver
from .errors import user_message
from .profile_form import PROBLEM_STYLE, ProfileForm
from .tasks import TaskContext, TaskKind

OK_STYLE = "color: #1b5e20;"
DRAFT_KIND = "profile"
NEW_DRAFT = "new"


def draft_key(profile: Profile | None) -> str:
    return NEW_DRAFT if profile is None or profile.id is None else str(profile.id)


def delete_consequences(usage: dict[str, int]) -> str:
    """What deleting a profile takes with it, from ``Store.profile_usage``."""
    counted = [
        (usage.get(table, 0), noun, plural)
        for table, noun, plural in (
            ("invoices", "invoice", "invoices"),
            ("agreements", "agreement", "agreements"),
            ("batches", "payout batch", "payout batches"),
        )
    ]
    parts = [f"{n} {noun if n == 1 else plural}" for n, noun, plural in counted if n]
    if not parts:
        return "It has no invoices, agreements or payout batches in this app."
    listed = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
    verb = "is" if sum(n for n, _, _ in counted) == 1 else "are"
    return f"Its {listed} in this app {verb} deleted with it."


def address_changed(old: Profile, new: Profile) -> bool:
    """True when ``new`` talks to another gateway, URL or merchant than ``old``."""
    return (old.gateway, old.base_url, old.merchant_id, old.payout_account_id) != (
        new.gateway,
        new.base_url,
        new.merchant_id,
        new.payout_account_id,
    )


class ProfilesDialog(QDialog):
    """Emits ``active_chosen(profile_id)`` when the user makes a profile the active one."""

    active_chosen = Signal(int)
    saved = Signal(object)  # the saved Profile

    def __init__(
        self, ctx: DeskContext, parent: QWidget | None = None, *, active_id: int | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Merchant profiles")
        self.ctx = ctx
        self.active_id = active_id
        self.profiles: list[Profile] = []
        self.keyring_usable: bool | None = None  # None until known
        self._current: Profile | None = None
        self._secret_problem = ""  # shown again after the reload that follows a save
        self._first_load = True
        self.delete_box: QMessageBox | None = None  # the open "Delete profile?" question

        self.list = QListWidget()
        self.list.setMinimumWidth(220)
        list_label = QLabel("&Profiles:")
        list_label.setBuddy(self.list)
        self.add_button = QPushButton("&Add")
        self.delete_button = QPushButton("&Delete…")
        self.activate_button = QPushButton("&Use this profile")
        self.activate_button.setToolTip("Make this the profile every tab works with")
        buttons_row = QHBoxLayout()
        buttons_row.addWidget(self.add_button)
        buttons_row.addWidget(self.delete_button)
        left = QVBoxLayout()
        left.addWidget(list_label)
        left.addWidget(self.list, 1)
        left.addLayout(buttons_row)
        left.addWidget(self.activate_button)

        self.form = ProfileForm()
        self.keyring_label = QLabel("Checking the system keyring…")
        self.keyring_label.setWordWrap(True)
        self.test_button = QPushButton("&Test connection")
        self.save_button = QPushButton("&Save")
        self.save_button.setDefault(True)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.draft_label = QLabel()
        self.draft_label.setWordWrap(True)
        self.discard_button = QPushButton("Discard c&hanges")
        self.discard_button.setToolTip("Forget what was typed and show the saved profile")
        draft_row = QHBoxLayout()
        draft_row.addWidget(self.draft_label, 1)
        draft_row.addWidget(self.discard_button)
        self._show_draft_note(False)
        actions = QHBoxLayout()
        actions.addWidget(self.test_button)
        actions.addStretch(1)
        actions.addWidget(self.save_button)
        right = QVBoxLayout()
        right.addWidget(self.form)
        right.addWidget(self.keyring_label)
        right.addLayout(draft_row)
        right.addLayout(actions)
        right.addWidget(self.result_label)
        right.addStretch(1)

        body = QHBoxLayout()
        body.addLayout(left)
        body.addLayout(right, 1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(close)
        self.resize(820, 560)

        self.list.currentRowChanged.connect(self._row_changed)
        self.add_button.clicked.connect(self.new_profile)
        self.delete_button.clicked.connect(self.delete_current)
        self.activate_button.clicked.connect(self.activate_current)
        self.test_button.clicked.connect(self.test_connection)
        self.save_button.clicked.connect(self.save)
        self.form.edited.connect(lambda: self.result_label.clear())
        self.drafts = DraftSaver(ctx.runner, ctx.store, DRAFT_KIND, self.form.draft_data, self)
        self.form.edited.connect(self.drafts.changed)
        self.discard_button.clicked.connect(self.discard_draft)
        self.finished.connect(self._closed)
        self.form.gateway.currentIndexChanged.connect(self._gateway_switched)
        self.setTabOrder(self.list, self.add_button)
        self.setTabOrder(self.add_button, self.delete_button)
        self.setTabOrder(self.delete_button, self.activate_button)
        self.setTabOrder(self.activate_button, self.form.name)

        self.form.set_profile(None)
        self._update_buttons()
        self._check_keyring()
        self.reload()

    def _closed(self, _result: int) -> None:
        self.drafts.flush()
        self.form.clear_secret()  # a key typed but not saved does not stay in a hidden widget

    # -- loading -----------------------------------------------------------------------------

    def reload(self, select_id: int | None = None) -> None:
        store = self.ctx.store
        first = self._first_load
        self._first_load = False

        def work(_: TaskContext) -> tuple[list[Profile], bool]:
            # On opening: was a new profile being typed when the app last stopped?
            resume = first and store.load_draft(DRAFT_KIND, NEW_DRAFT) is not None
            return store.list_profiles(), resume

        self.ctx.runner.submit(
            work,
            kind=TaskKind.READ,
            owner=self,
            on_done=lambda loaded: self._loaded(loaded[0], select_id, resume_new=loaded[1]),
            on_error=self._failed,
        )

    def _loaded(
        self, profiles: list[Profile], select_id: int | None, *, resume_new: bool = False
    ) -> None:
        self.profiles = profiles
        wanted = select_id if select_id is not None else self.active_id
        self.list.blockSignals(True)
        self.list.clear()
        for profile in profiles:
            item = QListWidgetItem(self._item_text(profile))
            item.setData(Qt.ItemDataRole.UserRole, profile.id)
            self.list.addItem(item)
        row = next((i for i, p in enumerate(profiles) if p.id == wanted), 0 if profiles else -1)
        self.list.setCurrentRow(row)
        self.list.blockSignals(False)
        if resume_new:
            self.new_profile()  # the half-typed new profile comes back (its draft is loaded)
            return
        self._show_row(row)
        if self._secret_problem:
            # The profile was saved but its key was not: keep saying so, and offer the
            # session-only choice for the next try.
            self.form.show_secret_problem(self._secret_problem)
            self.form.session_only.setChecked(True)
            self._secret_problem = ""

    def _item_text(self, profile: Profile) -> str:
        return profile.name + ("  ✔ active" if profile.id == self.active_id else "")

    def _check_keyring(self) -> None:
        secrets = self.ctx.secrets
        self.ctx.runner.submit(
            lambda _: secrets.backend_status(), owner=self, on_done=self._keyring_known
        )

    def _keyring_known(self, status: tuple[bool, str]) -> None:
        usable, description = status
        self.keyring_usable = usable
        if usable:
            self.keyring_label.setText(f"Keys are saved in the system keyring: {description}.")
            self.keyring_label.setStyleSheet("")
        else:
            self.keyring_label.setText(
                f"{description} A key typed here can be used for this session only: it is kept "
                "in memory until you quit and never written anywhere."
            )
            self.keyring_label.setStyleSheet(PROBLEM_STYLE)
            self.form.session_only.setChecked(True)
            self.form.session_only.setEnabled(False)

    def _row_changed(self, row: int) -> None:
        """The user picked another profile: show it, forget the last message."""
        self.result_label.clear()
        self._show_row(row)

    def _show_row(self, row: int) -> None:
        profile = self.profiles[row] if 0 <= row < len(self.profiles) else None
        self._current = profile
        self.drafts.set_key(draft_key(profile))  # saves a pending draft of the previous one
        self.form.set_profile(profile)
        self._show_draft_note(False)
        if not self.keyring_usable and self.keyring_usable is not None:
            self.form.session_only.setChecked(True)
        self._update_buttons()
        self._show_secret_state(profile)
        self.drafts.load(self._restore_draft)

    # -- drafts ------------------------------------------------------------------------------

    def _restore_draft(self, data: dict[str, object]) -> None:
        self.form.apply_draft(data)
        self._show_draft_note(True)

    def _show_draft_note(self, shown: bool) -> None:
        self.draft_label.setText(
            "Restored what was typed here before; it is not saved yet (the key is never kept "
            "in a draft: type it again)."
            if shown
            else ""
        )
        self.draft_label.setVisible(shown)
        self.discard_button.setVisible(shown)

    def discard_draft(self) -> None:
        """Forget the typed changes and show the saved profile (or a blank new one)."""
        self.drafts.discard()
        self.form.set_profile(self._current)
        self._show_draft_note(False)

    def _show_secret_state(self, profile: Profile | None) -> None:
        word = self._secret_word()
        if profile is None:
            self.form.secret_state.setText(f"Type the {word} of this merchant account.")
            return
        self.form.secret_state.setText(f"Looking for a saved {word}…")
        secrets, name = self.ctx.secrets, profile.secret_name
        article = "An" if word[0] in "AEIOU" else "A"

        def work(_: TaskContext) -> str:
            try:
                if secrets.is_session_only(name):
                    return f"{article} {word} is set for this session only. Leave empty to keep it."
                found = secrets.get(name) is not None
            except SecretStorageUnavailable as exc:
                return str(exc)
            if found:
                return f"{article} {word} is saved in the system keyring. Leave empty to keep it."
            return f"No {word} is saved yet: type it above."

        def found(text: str) -> None:
            if self._current is profile:  # not an answer about a profile shown before
                self.form.secret_state.setText(text)

        self.ctx.runner.submit(work, owner=self, on_done=found)

    def _gateway_switched(self, _index: int) -> None:
        if self._current is None:
            self._show_secret_state(None)

    def _secret_word(self) -> str:
        clickpay = self.form.selected_gateway() is GatewayKind.CLICKPAY
        return "server key" if clickpay else "API password"

    def _update_buttons(self) -> None:
        saved = self._current is not None and self._current.id is not None
        self.delete_button.setEnabled(saved)
        self.activate_button.setEnabled(saved and self._current_id() != self.active_id)

    def _current_id(self) -> int | None:
        return None if self._current is None else self._current.id

    # -- actions -----------------------------------------------------------------------------

    def new_profile(self) -> None:
        self.list.blockSignals(True)
        self.list.clearSelection()
        self.list.setCurrentRow(-1)
        self.list.blockSignals(False)
        self._row_changed(-1)
        self.form.name.setFocus()

    def save(self) -> None:
        problems = self.form.problems()
        self.form.show_problems(problems)
        if problems:
            self._say(f"Not saved: {len(problems)} field(s) need fixing (see the ⚠ notes).", False)
            return
        profile = self.form.profile()
        previous = self._current
        secret = self.form.typed_secret()
        if previous is None and not secret:
            self.form.show_secret_problem(f"the {self._secret_word()} is required")
            self._say(f"Not saved: type the {self._secret_word()}.", False)
            return
        if secret:
            register_secret(secret)  # masked in any log line from here on, saved or not
        self.form.show_secret_problem("")
        store = self.ctx.store
        self.save_button.setEnabled(False)
        self.ctx.runner.submit(
            lambda _: store.save_profile(profile),
            kind=TaskKind.STORE,
            owner=self,
            on_done=lambda saved: self._profile_saved(saved, previous, secret),
            on_error=self._failed,
        )

    def _profile_saved(self, saved: Profile, previous: Profile | None, secret: str) -> None:
        self._current = saved
        self.form.clear_secret()  # the typed key leaves the widget as soon as it is handed on
        self.drafts.discard(draft_key(previous))  # saved for real now
        self._show_draft_note(False)
        session_only = self.form.session_only.isChecked()
        secrets = self.ctx.secrets
        old_name = None if previous is None else previous.secret_name

        def work(_: TaskContext) -> SecretOutcome:
            return store_secret(secrets, saved.secret_name, secret, session_only, old_name)

        self.ctx.runner.submit(
            work,
            owner=self,
            on_done=lambda outcome: self._secret_stored(saved, outcome, previous),
            on_error=self._failed,
        )

    def _secret_stored(
        self, saved: Profile, outcome: SecretOutcome, previous: Profile | None
    ) -> None:
        self.save_button.setEnabled(True)
        if previous is not None and (not outcome.unchanged or address_changed(previous, saved)):
            self._forget_client(previous)
        if outcome.problem:
            self._secret_problem = outcome.problem
            self.form.show_secret_problem(outcome.problem)
            self.form.session_only.setChecked(True)  # offered for the next try
            self._say(f"The profile was saved, but not its key: {outcome.problem}", False)
        elif outcome.unchanged:
            self._say("Saved. The key was left as it was.", True)
        elif outcome.session_only:
            self._say("Saved. The key is used for this session only.", True)
        else:
            self._say("Saved. The key is in the system keyring.", True)
        if self.active_id is None and saved.id is not None:
            self.active_id = saved.id
            self.active_chosen.emit(saved.id)
        self.saved.emit(saved)
        self.reload(select_id=saved.id)

    def delete_current(self) -> None:
        """Ask (saying what goes with the profile), then delete it. The counts are read in a
        worker, and the question (``delete_box``) is asked without blocking the GUI thread."""
        profile = self._current
        if profile is None or profile.id is None:
            return
        store, profile_id = self.ctx.store, profile.id
        self.ctx.runner.submit(
            lambda _: store.profile_usage(profile_id),
            kind=TaskKind.READ,
            owner=self,
            on_done=lambda usage: self._confirm_delete(profile, usage),
            on_error=self._failed,
        )

    def _confirm_delete(self, profile: Profile, usage: dict[str, int]) -> None:
        if profile is not self._current:
            return  # another profile was picked meanwhile: do not ask about this one
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Delete profile")
        box.setText(f"Delete the profile “{profile.name}”?")
        box.setInformativeText(
            f"{delete_consequences(usage)} The activity journal keeps its history. Its "
            f"{self._secret_word()} is removed from the keyring."
        )
        delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)

        def answered() -> None:
            self.delete_box = None
            if box.clickedButton() is delete:
                self._delete(profile)
            box.deleteLater()

        box.finished.connect(answered)
        self.delete_box = box
        box.open()

    def _delete(self, profile: Profile) -> None:
        store, secrets, profile_id = self.ctx.store, self.ctx.secrets, profile.id
        assert profile_id is not None

        def forget(_: object) -> None:
            self.ctx.runner.submit(
                lambda _: secrets.delete(profile.secret_name), owner=self, on_error=self._failed
            )
            self._forget_client(profile)
            self.drafts.discard(draft_key(profile))
            if self.active_id == profile_id:
                self.active_id = None
            self._say(f"Deleted “{profile.name}”.", True)
            self.reload()

        self.ctx.runner.submit(
            lambda _: store.delete_profile(profile_id),
            kind=TaskKind.STORE,
            owner=self,
            on_done=forget,
            on_error=self._failed,
        )

    def _forget_client(self, profile: Profile) -> None:
        """Drop the pool's client of ``profile`` (its key or address changed). In a worker: the
        pool's lock may be held by a worker reading the keyring."""
        pool = self.ctx.pool
        self.ctx.runner.submit(lambda _: pool.forget(profile), kind=TaskKind.READ)

    def activate_current(self) -> None:
        profile_id = self._current_id()
        if profile_id is None:
            return
        self.active_id = profile_id
        self.active_chosen.emit(profile_id)
        for row in range(self.list.count()):
            self.list.item(row).setText(self._item_text(self.profiles[row]))
        self._update_buttons()

    def test_connection(self) -> None:
        problems = self.form.problems()
        self.form.show_problems(problems)
        if problems:
            self._say("Fix the fields marked ⚠ first.", False)
            return
        profile = self.form.profile()
        typed = self.form.typed_secret()
        if typed:
            register_secret(typed)  # not saved yet, but sent: masked in any log line
        saved_name = None if self._current is None else self._current.secret_name
        secrets, probe = self.ctx.secrets, self.ctx.probe

        def work(ctx: TaskContext) -> ConnectionVerdict:
            secret: str | None = typed or None
            if secret is None and saved_name is not None:
                try:
                    secret = secrets.get(saved_name)
                except SecretStorageUnavailable as exc:
                    return ConnectionVerdict(False, None, str(exc))
            ctx.check_cancelled()
            return probe(profile, secret, cancel=ctx.cancelled)

        self.test_button.setEnabled(False)
        self._say("Asking the gateway…", True)
        self.ctx.runner.submit(
            work,
            title="Testing the connection",
            owner=self,
            on_done=self._tested,
            on_error=self._failed,
            on_cancelled=lambda: self._tested(ConnectionVerdict(False, None, "Cancelled.")),
        )

    def _tested(self, verdict: ConnectionVerdict) -> None:
        self.test_button.setEnabled(True)
        self._say(("✔ " if verdict.ok else "✖ ") + verdict.message, verdict.ok)

    # -- feedback ----------------------------------------------------------------------------

    def _say(self, text: str, good: bool) -> None:
        self.result_label.setText(text)
        self.result_label.setStyleSheet(OK_STYLE if good else PROBLEM_STYLE)

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        self.test_button.setEnabled(True)
        self._say(user_message(exc), False)
