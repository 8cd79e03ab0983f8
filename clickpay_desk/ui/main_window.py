"""The main window: four tabs, the menus, the active profile and the gateway's state.

The window holds no business rules and never touches the disk or the network itself: the
profiles are read and the active one is saved through the task runner, the gateway check runs in
a worker (``GatewayWatch``), requests that move money run through ``Mutations`` and unknown
outcomes are settled by the ``Reconciler`` (also automatically at start-up). Each tab and dialog
lives in its own module.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QToolBar,
    QWidget,
)

from clickpay_desk import __version__
from clickpay_desk.core.profile import GatewayKind, Profile

from .activity import ActivityView
from .activity_export import Exported, choose_export_path, export_task, with_suffix
from .agreements import AgreementsTab
from .context import ACTIVE_PROFILE_KEY, DeskContext
from .elided_label import ElidedLabel
from .errors import user_message
from .gateway_status import GatewayWatch
from .icons import app_icon
from .invoice_actions import InvoiceActions
from .invoices import InvoicesTab
from .mutations import Mutations
from .payouts import PayoutsTab
from .reconcile_dialog import ReconcileDialog
from .reconciliation import Reconciler, ReconcileRun
from .sandbox_menu import build_sandbox_menu
from .task_progress import TaskProgressWidget
from .tasks import TaskContext, TaskHandle, TaskKind

if TYPE_CHECKING:
    from .profiles import ProfilesDialog

GATEWAY_NAMES = {GatewayKind.CLICKPAY: "ClickPay/PayTabs", GatewayKind.GEIDEA: "Geidea"}
SETTINGS_FILE = "window.ini"


def profile_caption(profile: Profile) -> str:
    """ "Profile: NAME (GATEWAY)", without repeating the gateway when the name already says it."""
    gateway = GATEWAY_NAMES[profile.gateway]
    named = any(part.lower() in profile.name.lower() for part in gateway.split("/"))
    return f"Profile: {profile.name}" + ("" if named else f" ({gateway})")


def window_settings(ctx: DeskContext) -> QSettings:
    """Window geometry and the last tab, in an INI file under the data dir's settings dir."""
    return QSettings(str(ctx.paths.settings_dir / SETTINGS_FILE), QSettings.Format.IniFormat)


class Tab:
    INVOICES = 0
    AGREEMENTS = 1
    PAYOUTS = 2
    ACTIVITY = 3


#: How long a status-bar message stays.
MESSAGE_MS = 30_000


class MainWindow(QMainWindow):
    def __init__(
        self,
        ctx: DeskContext,
        parent: QWidget | None = None,
        *,
        gateway_interval_ms: int = 60_000,
        reconcile_at_start: bool = True,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.profiles: list[Profile] = []
        self.active_profile: Profile | None = None
        self.reconcile_dialog: ReconcileDialog | None = None
        self.profiles_dialog: ProfilesDialog | None = None
        self.setWindowIcon(app_icon())
        self.setObjectName("MainWindow")

        self.mutations = Mutations(ctx.runner, ctx.store, self)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.invoices = InvoicesTab(ctx, self.mutations)
        self.agreements = AgreementsTab(ctx, self.mutations)
        self.payouts = PayoutsTab(ctx, self.mutations)
        self.activity = ActivityView(ctx.runner, ctx.store)
        for page, label in (
            (self.invoices, "&Invoices"),
            (self.agreements, "A&greements"),
            (self.payouts, "&Payouts"),
            (self.activity, "Ac&tivity"),
        ):
            self.tabs.addTab(page, label)
        self.tabs.currentChanged.connect(self._tab_changed)
        self.setCentralWidget(self.tabs)
        # "Invoice the missed installment": a draft in the Invoices tab, shown.
        self.agreements.invoice_requested.connect(self._invoice_draft)

        self._build_toolbar()
        self._build_status_bar()
        self._build_menus()

        self.gateway = GatewayWatch(
            ctx.runner, ctx.secrets, self, interval_ms=gateway_interval_ms, probe=ctx.probe
        )
        self.gateway.changed.connect(self._gateway_changed)
        ctx.runner.task_failed.connect(self._task_failed)

        self.mutations.message.connect(self.show_message)
        self.mutations.notice.connect(self.activity.show_notice)
        self.mutations.journal_changed.connect(self.activity.refresh)
        self.invoice_actions = InvoiceActions(ctx, self.mutations, self)
        self.reconciler = Reconciler(ctx.runner, ctx.store, ctx.pool, parent=self)
        self.reconciler.message.connect(self.show_message)
        self.reconciler.finished.connect(self._reconciled)
        self.reconciler.journal_changed.connect(self.activity.refresh)
        self.activity.reconcile_requested.connect(self.reconciler.reconcile_one)
        self.activity.resolve_requested.connect(
            lambda entry, happened: self.reconciler.ask_resolve(entry, happened, self)
        )

        self.setTabOrder(self.profile_combo, self.tabs)
        self._update_title()
        self.restore_state()
        self.reload_profiles()
        if reconcile_at_start:
            self.reconciler.check_at_startup()

    # -- building ----------------------------------------------------------------------------

    def _build_toolbar(self) -> None:
        bar = QToolBar("Profile")
        bar.setObjectName("ProfileToolBar")
        bar.setMovable(False)
        label = QLabel(" Profi&le: ")
        self.profile_combo = QComboBox()
        self.profile_combo.setMinimumContentsLength(24)
        self.profile_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.profile_combo.setToolTip("The merchant profile every tab works with")
        self.profile_combo.activated.connect(self._profile_picked)
        label.setBuddy(self.profile_combo)
        # Next to the profile it is about, and in the toolbar rather than the status bar, where
        # every message would hide it for as long as the message stays.
        self.gateway_label = ElidedLabel("Gateway: —")
        self.gateway_label.setContentsMargins(12, 0, 6, 0)
        bar.addWidget(label)
        bar.addWidget(self.profile_combo)
        bar.addWidget(self.gateway_label)
        self.addToolBar(bar)

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.profile_label = QLabel("Profile: loading…")
        self.profile_label.setContentsMargins(6, 0, 12, 0)
        self.progress = TaskProgressWidget(self.ctx.runner, self)
        status.addWidget(self.profile_label, 1)
        status.addPermanentWidget(self.progress)

    def _build_menus(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        self.profiles_action = QAction("&Profiles…", self)
        self.profiles_action.setShortcut(QKeySequence("Ctrl+Shift+P"))
        self.profiles_action.triggered.connect(self.open_profiles)
        self.reconcile_action = QAction("&Reconcile", self)
        self.reconcile_action.setStatusTip(
            "Ask the gateway what happened to requests whose outcome is unknown"
        )
        self.reconcile_action.triggered.connect(self.reconcile)
        self.export_action = QAction("&Export Activity…", self)
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.setStatusTip("Save the activity journal as an XLSX or CSV file")
        self.export_action.triggered.connect(lambda: self.export_activity())
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.quit_action.triggered.connect(self.close)
        file_menu.addAction(self.profiles_action)
        file_menu.addAction(self.reconcile_action)
        file_menu.addAction(self.export_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        view_menu = menu.addMenu("&View")
        self.tab_actions: list[QAction] = []
        for index in range(self.tabs.count()):
            action = QAction(self.tabs.tabText(index), self)
            action.setShortcut(QKeySequence(f"Ctrl+{index + 1}"))
            action.triggered.connect(lambda _=False, i=index: self.tabs.setCurrentIndex(i))
            view_menu.addAction(action)
            self.tab_actions.append(action)
        view_menu.addSeparator()
        self.refresh_action = QAction("&Refresh", self)
        self.refresh_action.setShortcut(QKeySequence(Qt.Key.Key_F5))
        self.refresh_action.triggered.connect(self.refresh)
        view_menu.addAction(self.refresh_action)

        self.sandbox_menu = build_sandbox_menu(self, self.ctx)
        if self.sandbox_menu is not None:
            menu.addMenu(self.sandbox_menu)

        help_menu = menu.addMenu("&Help")
        self.about_action = QAction("&About ClickPay Desk", self)
        self.about_action.triggered.connect(self.about)
        help_menu.addAction(self.about_action)

    # -- profiles ----------------------------------------------------------------------------

    def reload_profiles(self) -> None:
        """Read the profiles and the active one in a worker, then show them."""
        store = self.ctx.store

        def work(_: TaskContext) -> tuple[list[Profile], object]:
            return store.list_profiles(), store.get_setting(ACTIVE_PROFILE_KEY)

        self.ctx.runner.submit(work, kind=TaskKind.READ, owner=self, on_done=self._profiles_loaded)

    def _profiles_loaded(self, loaded: tuple[list[Profile], object]) -> None:
        profiles, active_id = loaded
        self.profiles = profiles
        active = next((p for p in profiles if p.id == active_id), None)
        if active is None and profiles:
            active = profiles[0]
        self.profile_combo.clear()
        for profile in profiles:
            self.profile_combo.addItem(
                f"{profile.name} — {GATEWAY_NAMES[profile.gateway]}", profile.id
            )
        if not profiles:
            self.profile_combo.addItem("No profile yet: File ▸ Profiles…", None)
        self._set_active(active, save=active is not None and active.id != active_id)

    def _profile_picked(self, index: int) -> None:
        profile_id = self.profile_combo.itemData(index)
        profile = next((p for p in self.profiles if p.id == profile_id), None)
        if profile is not None and profile != self.active_profile:
            self._set_active(profile, save=True)

    def _set_active(self, profile: Profile | None, *, save: bool) -> None:
        changed = (profile and profile.id) != (self.active_profile and self.active_profile.id)
        self.active_profile = profile
        if profile is not None:
            self.profile_combo.setCurrentIndex(self.profile_combo.findData(profile.id))
            self.profile_label.setText(profile_caption(profile))
        else:
            self.profile_label.setText("Profile: none")
        self._update_title()
        if changed:
            for tab in (self.invoices, self.agreements, self.payouts):
                tab.set_profile(profile)
        if changed or self.gateway.text.startswith("Gateway: no profile"):
            self.gateway.set_profile(profile)
        if save and profile is not None and profile.id is not None:
            store, profile_id = self.ctx.store, profile.id
            self.ctx.runner.submit(
                lambda _: store.set_setting(ACTIVE_PROFILE_KEY, profile_id),
                kind=TaskKind.STORE,
                owner=self,
            )

    def open_profiles(self) -> None:
        from .profiles import ProfilesDialog  # imported on first use: keeps start-up short

        previous = self.profiles_dialog
        if previous is not None and previous.isVisible():
            previous.raise_()
            previous.activateWindow()
            return
        if previous is not None:
            # Closed earlier (kept until now so that work it started could still finish).
            previous.deleteLater()
        dialog = ProfilesDialog(self.ctx, self, active_id=self.active_profile_id())
        dialog.active_chosen.connect(self.set_active_profile_after_reload)
        dialog.saved.connect(lambda _profile: self.reload_profiles())
        dialog.finished.connect(lambda _result: self.reload_profiles())
        dialog.open()
        self.profiles_dialog = dialog

    def set_active_profile_after_reload(self, profile_id: int) -> None:
        """Make ``profile_id`` active (saved through the writer), then reload the profiles: it
        may be one the Profiles dialog has only just saved."""
        store = self.ctx.store
        self.ctx.runner.submit(
            lambda _: store.set_setting(ACTIVE_PROFILE_KEY, profile_id),
            kind=TaskKind.STORE,
            owner=self,
            on_done=lambda _: self.reload_profiles(),
        )

    def active_profile_id(self) -> int | None:
        return None if self.active_profile is None else self.active_profile.id

    # -- actions -----------------------------------------------------------------------------

    def _invoice_draft(self, prefill: dict) -> None:
        self.invoices.open_new_draft(prefill)
        self.tabs.setCurrentWidget(self.invoices)

    def refresh(self) -> None:
        """F5: reload the current tab and check the gateway again."""
        page = self.tabs.currentWidget()
        refresh = getattr(page, "refresh", None)
        if callable(refresh):
            refresh()
        self.gateway.check_now()

    def reconcile(self) -> TaskHandle | None:
        """File ▸ Reconcile: ask the gateway about every unknown outcome (progress, Cancel);
        the findings are shown in a dialog and in Activity."""
        self.tabs.setCurrentIndex(Tab.ACTIVITY)
        self.activity.show_needs_attention()
        return self.reconciler.reconcile_all()

    def _reconciled(self, run: ReconcileRun) -> None:
        self.activity.refresh()
        if run.results or run.skipped:
            lines = [("✔ " if r.resolved else "⚠ ") + r.message for r in run.results]
            when = "At start-up: " if run.automatic else ""
            self.activity.show_notice("\n".join([when + run.text, *lines]))
        if run.automatic:
            return
        settled = all(r.resolved for r in run.results) and not run.skipped
        if settled:
            self.activity.show_all_statuses()  # nothing left to attend to: show the findings
        if self.reconcile_dialog is not None:
            self.reconcile_dialog.close()
        names = {p.id: p.name for p in self.profiles if p.id is not None}
        dialog = ReconcileDialog(run, self, profile_names=names)
        dialog.show_activity.connect(lambda: self._show_activity(needs_attention=not settled))
        dialog.finished.connect(lambda _result: setattr(self, "reconcile_dialog", None))
        self.reconcile_dialog = dialog
        dialog.open()

    def _show_activity(self, *, needs_attention: bool) -> None:
        """The Activity tab, filtered to what still needs attention when something does (an
        empty "needs attention" list after a reconcile that settled everything says nothing)."""
        self.tabs.setCurrentIndex(Tab.ACTIVITY)
        if needs_attention:
            self.activity.show_needs_attention()
        else:
            self.activity.show_all_statuses()

    def export_activity(self, path: Path | str | None = None) -> TaskHandle | None:
        """File ▸ Export Activity…: ask where (unless ``path`` is given), then write in a worker."""
        target = choose_export_path(self, self.ctx.paths) if path is None else Path(path)
        if target is None:
            return None
        target = with_suffix(target)

        def done(exported: Exported) -> None:
            self.show_message(f"Exported {exported.count} activity entries to {exported.path}.")

        return self.ctx.runner.submit(
            export_task(self.ctx.store, target),
            kind=TaskKind.READ,
            title="Exporting the activity",
            owner=self,
            on_done=done,
            on_error=lambda exc: self._show_error("Export Activity", exc),
        )

    def about(self) -> None:
        QMessageBox.about(
            self,
            "About ClickPay Desk",
            f"<b>ClickPay Desk</b> {__version__}<br>"
            "Back-office for ClickPay (PayTabs PT2) and Geidea merchants.<br><br>"
            f"Data: {self.ctx.paths.root}<br>"
            f"Logs: {self.ctx.paths.log_dir}<br>"
            f"Exports: {self.ctx.paths.exports_dir}<br>"
            f"Settings: {self.ctx.paths.settings_dir}<br><br>"
            "Server keys and API passwords are kept in the system keyring only (or, when you "
            "choose so, in memory for this session), never in a file.",
        )

    # -- feedback ----------------------------------------------------------------------------

    def _gateway_changed(self, text: str, answering: bool) -> None:
        self.gateway_label.setText(text)  # the tooltip repeats it whole when it does not fit

    def _task_failed(self, handle: TaskHandle, exc: BaseException) -> None:
        self._show_error(handle.title or "A background task", exc)

    def _show_error(self, what: str, exc: BaseException) -> None:
        self.show_message(f"{what} failed: {user_message(exc)}")

    def show_message(self, text: str) -> None:
        """A sentence in the status bar, long enough to be read."""
        self.statusBar().showMessage(text, MESSAGE_MS)

    def _tab_changed(self, index: int) -> None:
        if index == Tab.ACTIVITY:
            self.activity.refresh()

    def _update_title(self) -> None:
        title = "ClickPay Desk"
        if self.active_profile is not None:
            title += f" — {self.active_profile.name}"
        if self.ctx.sandbox_url:
            title += " (sandbox)"
        self.setWindowTitle(title)

    # -- remembered state --------------------------------------------------------------------

    def restore_state(self) -> None:
        settings = window_settings(self.ctx)
        geometry = settings.value("main/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1100, 700)
        state = settings.value("main/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        try:
            tab = int(settings.value("main/tab", Tab.INVOICES))  # type: ignore[call-overload]
        except (TypeError, ValueError):
            tab = Tab.INVOICES
        if 0 <= tab < self.tabs.count():
            self.tabs.setCurrentIndex(tab)

    def save_state(self) -> None:
        settings = window_settings(self.ctx)
        settings.setValue("main/geometry", self.saveGeometry())
        settings.setValue("main/state", self.saveState())
        settings.setValue("main/tab", self.tabs.currentIndex())
        settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        super().closeEvent(event)
