"""The Invoices tab: the list of invoices with their links, statuses and what was done with them,
and the editor that builds new ones.

Every action is one QAction (text, shortcut, enabled state that follows the selection), reused
in the buttons, the share panel and the one context menu built once. Money moves (create,
cancel, refund, Geidea update / delete / quick invoice) go through ``ui.invoice_actions`` and
``Mutations``; reads, exports and status checks through the task runner. After any money move
the list reloads from the local store (cheap) and keeps the selection.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from clickpay_desk.core.geidea_invoice import EInvoice
from clickpay_desk.core.invoice import Invoice
from clickpay_desk.core.money import format_display
from clickpay_desk.core.profile import GatewayKind, Profile
from clickpay_desk.core.statuses import GeideaStatus, InvoiceStatus
from clickpay_desk.exchange.invoice_export import (
    customer_of,
    document_of,
    export_invoice,
    export_invoice_list,
)
from clickpay_desk.services.geidea_invoices import OPEN_STATUSES
from clickpay_desk.services.refunds import Refund
from clickpay_desk.store.database import Store
from clickpay_desk.store.records import InvoiceRecord

from ..context import DeskContext
from ..errors import user_message
from ..invoice_actions import InvoiceActions
from ..mutations import Mutations
from ..tasks import TaskContext, TaskHandle, TaskKind
from .editor import InvoiceEditor
from .geidea_actions import QuickInvoiceDialog, send_question
from .list_model import InvoiceRow, StatusGroup
from .list_view import InvoiceListView
from .print import (
    MERCHANT_KEY,
    MerchantDialog,
    merchant_of,
    paint_invoice,
    pdf_name,
    write_pdf,
)
from .refund_dialog import RefundDialog
from .share import ActionButton, SharePanel

#: How often "Refresh pending automatically" asks the gateway.
AUTO_REFRESH_MS = 60_000
#: Settings key: profiles whose gateway invoices were listed once (sandbox demo, Geidea search).
LISTED_KEY = "invoices_listed:{profile_id}"


def _real_editor(ctx: DeskContext) -> Any:
    return InvoiceEditor(ctx)


#: Builds the editor widget (tests may swap it).
editor_factory: Callable[[DeskContext], Any] = _real_editor


def load_rows(store: Store, profile_id: int) -> list[InvoiceRow]:
    """The profile's invoices with what was refunded of each (runs in a worker)."""
    records = store.list_invoices(profile_id)
    refunded = store.invoice_refunds(profile_id)
    unknown = store.invoice_refunds_unresolved(profile_id)
    return [
        InvoiceRow(r, refunded.get(r.cart_id, Decimal(0)), r.cart_id in unknown) for r in records
    ]


def _money(record: InvoiceRecord) -> str:
    return format_display(record.amount, record.currency)


def wire_payload(record: InvoiceRecord) -> dict[str, Any]:
    """The create request as sent, without what the desk added (keys starting with "_")."""
    return {k: v for k, v in record.payload.items() if not k.startswith("_")}


class InvoicesTab(QWidget):
    def __init__(
        self, ctx: DeskContext, mutations: Mutations, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.mutations = mutations
        self.profile: Profile | None = None
        self.invoice_actions = InvoiceActions(ctx, mutations, self)
        self._loading = False
        self._load_again = False
        self._select_after_load: int | None = None
        self._refresh_handle: TaskHandle | None = None
        self._updating: InvoiceRecord | None = None
        #: The dialog or question on screen (tests drive it).
        self.dialog: QWidget | None = None
        #: Merchant details per profile id, read in a worker when the profile is set: printing
        #: must not wait on the disk.
        self._merchant_details: dict[int, Mapping[str, Any]] = {}

        self.list = InvoiceListView()
        self.share = SharePanel()
        self.editor = editor_factory(ctx)
        self.editor.create_requested.connect(self._create_requested)

        self._build_actions()
        self._build_pages()
        self.list.selection_changed.connect(self._selection_changed)
        self.list.open_requested.connect(self._open_row)
        self.mutations.journal_changed.connect(self.reload)
        self.timer = QTimer(self)
        self.timer.setInterval(AUTO_REFRESH_MS)
        self.timer.timeout.connect(self.refresh_pending)
        self._selection_changed()

    # -- construction --------------------------------------------------------------------------

    def _action(
        self, text: str, shortcut: QKeySequence | str | None, slot: Callable[[], Any], tip: str
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.setToolTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        a = self._action
        self.new_action = a("&New invoice", "Ctrl+N", self.new_invoice, "Build a new invoice")
        self.quick_action = a(
            "&Quick invoice…",
            "Ctrl+Shift+N",
            self.quick_invoice,
            "Geidea: an invoice for an amount, without lines, signed with your key",
        )
        self.open_action = a(
            "&Open", None, self._open_current, "Show the invoice's link and QR code (Enter)"
        )
        self.refresh_one_action = a(
            "Refresh &status", "Ctrl+R", self.refresh_selected, "Ask the gateway for its status"
        )
        self.refresh_all_action = a(
            "Refresh all pending",
            "Ctrl+Shift+R",
            self.refresh_pending,
            "Ask the gateway for the status of every invoice still waiting for payment",
        )
        self.cancel_action = a(
            "&Cancel invoice…",
            QKeySequence(Qt.Key.Key_Delete),
            self.cancel_selected,
            "Stop the customer paying this invoice",
        )
        self.refund_action = a(
            "Re&fund…",
            "Ctrl+Shift+F",
            self.refund_selected,
            "Give back all or part of a paid invoice's payment",
        )
        self.duplicate_action = a(
            "&Duplicate as new draft",
            "Ctrl+D",
            self.duplicate_selected,
            "Start a new invoice with this one's customer and lines",
        )
        self.print_action = a("&Print…", "Ctrl+P", self.print_selected, "Print the invoice")
        self.pdf_action = a(
            "Save as P&DF…", "Ctrl+Alt+D", self.pdf_selected, "Save the invoice as a PDF"
        )
        self.export_one_action = a(
            "Export invoice to &XLSX…",
            "Ctrl+Shift+E",
            self.export_selected,
            "The invoice with its lines and totals as a spreadsheet",
        )
        self.merchant_action = a(
            "&Merchant details…",
            "Ctrl+Shift+D",
            self.edit_merchant,
            "Seller name, VAT registration number and address printed on invoices",
        )
        self.export_list_action = a(
            "&Export list…",
            "Ctrl+Shift+X",
            self.export_list,
            "The invoices listed, as a spreadsheet",
        )
        self.send_email_action = a(
            "Send by &e-mail",
            "Ctrl+Shift+M",
            lambda: self.send_selected("email"),
            "Geidea e-mails the payment link to the customer",
        )
        self.send_sms_action = a(
            "Send by &SMS",
            "Ctrl+Shift+S",
            lambda: self.send_selected("sms"),
            "Geidea texts the payment link to the customer",
        )
        self.update_action = a(
            "&Update…",
            "Ctrl+U",
            self.update_selected,
            "Geidea: change an invoice that is not paid yet",
        )
        share = self.share
        share.copy_action.setShortcut(QKeySequence("Ctrl+Shift+C"))
        share.open_action.setShortcut(QKeySequence("Ctrl+Shift+O"))
        share.save_qr_action.setShortcut(QKeySequence("Ctrl+Shift+Q"))
        for action in (share.copy_action, share.open_action, share.save_qr_action):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)

        # The context menu, built once; actions hide or grey out as the selection changes.
        menu = QMenu(self)
        menu.addAction(self.open_action)
        menu.addAction(self.list.copy_action)
        menu.addAction(share.copy_action)
        menu.addAction(share.open_action)
        menu.addAction(share.save_qr_action)
        menu.addSeparator()
        menu.addAction(self.refresh_one_action)
        menu.addAction(self.send_email_action)
        menu.addAction(self.send_sms_action)
        menu.addAction(self.update_action)
        menu.addAction(self.refund_action)
        menu.addAction(self.cancel_action)
        menu.addSeparator()
        menu.addAction(self.duplicate_action)
        menu.addAction(self.print_action)
        menu.addAction(self.pdf_action)
        menu.addAction(self.export_one_action)
        self.context_menu = menu
        self.list.set_context_menu(menu)

    def _build_pages(self) -> None:
        self.auto_refresh = QCheckBox("&Watch: check pending every minute")
        self.auto_refresh.setToolTip("Ask the gateway about pending invoices every minute")
        self.auto_refresh.toggled.connect(self._auto_toggled)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(200)
        self.progress.setVisible(False)
        self.stop_refresh = QPushButton("Stop checking")
        self.stop_refresh.setVisible(False)
        self.stop_refresh.clicked.connect(self.cancel_refresh)

        bar = QHBoxLayout()
        for action in (
            self.new_action,
            self.quick_action,
            self.refresh_all_action,
            self.export_list_action,
            self.merchant_action,
        ):
            bar.addWidget(ActionButton(action, mnemonic=True))
        bar.addWidget(self.auto_refresh)
        bar.addStretch(1)
        bar.addWidget(self.progress)
        bar.addWidget(self.stop_refresh)

        # What the last action found, kept in view until the next one (e.g. a refused cancel).
        self.notice = QLabel()
        self.notice.setObjectName("InvoicesNotice")
        self.notice.setWordWrap(True)
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice.setFrameShape(QFrame.Shape.StyledPanel)
        self.notice.setVisible(False)

        for action in (
            self.refresh_one_action,
            self.send_email_action,
            self.send_sms_action,
            self.update_action,
            self.refund_action,
            self.cancel_action,
            self.duplicate_action,
            self.print_action,
            self.pdf_action,
            self.export_one_action,
        ):
            self.share.add_action(action)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.list)
        splitter.addWidget(self.share)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        list_page = QWidget()
        list_layout = QVBoxLayout(list_page)
        list_layout.addLayout(bar)
        list_layout.addWidget(self.notice)
        list_layout.addWidget(splitter, 1)
        # The list's keys live on the list page, so they do not also claim keys in the editor
        # (Ctrl+D duplicates lines there, Ctrl+Shift+O opens the drafts): Qt runs neither of
        # two actions bound to the same key.
        for action in self.actions():
            if action is not self.new_action:
                self.removeAction(action)
                list_page.addAction(action)

        self.back_action = QAction("◀ Back to the &list", self)
        self.back_action.setShortcut(QKeySequence("Ctrl+L"))
        self.back_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.back_action.triggered.connect(self.show_list)
        self.addAction(self.back_action)
        self.editor_banner = QLabel()
        self.editor_banner.setWordWrap(True)
        editor_bar = QHBoxLayout()
        editor_bar.addWidget(ActionButton(self.back_action))
        editor_bar.addWidget(self.editor_banner, 1)
        take_header = getattr(self.editor, "take_header", None)
        if take_header is not None:  # the editor's own buttons share this row: more lines show
            editor_bar.addWidget(take_header(), 3)
        editor_page = QWidget()
        editor_layout = QVBoxLayout(editor_page)
        editor_layout.setContentsMargins(4, 4, 4, 0)
        editor_layout.addLayout(editor_bar)
        editor_layout.addWidget(self.editor, 1)

        self.pages = QStackedWidget()
        # Each page scrolls rather than forcing its size on the window (which must fit a
        # small laptop screen): the editor alone is wider than that.
        for page in (list_page, editor_page):
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setWidget(page)
            self.pages.addWidget(scroll)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)

    # -- the main window's interface -----------------------------------------------------------

    def set_profile(self, profile: Profile | None) -> None:
        """The profile every action of this tab works with (None: no profile yet)."""
        changed = self.profile is None or profile is None or self.profile.id != profile.id
        self.profile = profile
        self.editor.set_profile(profile)
        geidea = profile is not None and profile.gateway is GatewayKind.GEIDEA
        for action in (
            self.quick_action,
            self.send_email_action,
            self.send_sms_action,
            self.update_action,
        ):
            action.setVisible(geidea)
        self.refund_action.setVisible(not geidea)
        self.cancel_action.setText("&Delete invoice…" if geidea else "&Cancel invoice…")
        if changed:
            self.list.merge([])
            self.share.show_row(None)
        self._selection_changed()
        self.reload()
        if profile is not None and profile.id is not None:
            self._list_gateway_once(profile)
            self._load_merchant(profile.id)

    def refresh(self) -> None:
        """F5: reload the list and ask the gateway about every invoice still waiting."""
        self.reload()
        self.refresh_pending(search=True)

    def open_new_draft(self, prefill: dict[str, Any]) -> None:
        """A new draft with these fields filled (e.g. a missed installment to invoice)."""
        self._updating = None
        self.editor.new_draft(prefill)
        self._show_editor("New invoice: " + str(prefill.get("description") or "from a draft"))

    # -- list ----------------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the invoices from the local store (in a worker) and merge them into the list."""
        profile = self.profile
        if profile is None or profile.id is None:
            return
        if self._loading:
            self._load_again = True
            return
        self._loading = True
        store, profile_id = self.ctx.store, profile.id

        def done(rows: list[InvoiceRow]) -> None:
            self._loading = False
            if self.profile is not None and self.profile.id == profile_id:
                self.list.merge(rows)
                wanted = self._select_after_load
                if wanted is not None and self.list.select_record(wanted):
                    self._select_after_load = None
                self._selection_changed()
            if self._load_again:
                self._load_again = False
                self.reload()

        def failed(exc: BaseException) -> None:
            self._loading = False
            self.say(f"The invoices could not be read: {user_message(exc)}")

        self.ctx.runner.submit(
            lambda _ctx: load_rows(store, profile_id),
            kind=TaskKind.READ,
            on_done=done,
            on_error=failed,
            owner=self,
        )

    def awaiting_payments(self) -> list[tuple[str, str]]:
        """(gateway invoice id, label) of the listed invoices a customer can still pay, for the
        Sandbox menu's "Customer pays…"."""
        model = self.list.model
        found = []
        for i in range(model.rowCount()):
            row = model.row_at(i)
            rec = row.record
            if row.is_open and rec.remote_id and rec.link:
                name = customer_of(rec)["name"]
                amount = format_display(rec.amount, rec.currency)
                found.append(
                    (rec.remote_id, " — ".join(x for x in (rec.cart_id, name, amount) if x))
                )
        return found

    def say(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    def _said(self, text: str) -> None:
        """Say what happened and show what changed."""
        self.say(text)
        self.reload()

    def current(self) -> InvoiceRow | None:
        return self.list.current()

    def _selection_changed(self) -> None:
        row = self.current()
        self.share.show_row(row)
        rec = row.record if row is not None else None
        created = rec is not None and rec.remote_id is not None
        geidea = self.profile is not None and self.profile.gateway is GatewayKind.GEIDEA
        busy = self._refresh_handle is not None
        has_profile = self.profile is not None
        self.new_action.setEnabled(has_profile)
        self.merchant_action.setEnabled(has_profile)
        self.quick_action.setEnabled(has_profile and geidea)
        self.export_list_action.setEnabled(has_profile and self.list.model.rowCount() > 0)
        self.refresh_all_action.setEnabled(has_profile and not busy)
        for action in (
            self.open_action,
            self.duplicate_action,
            self.print_action,
            self.pdf_action,
            self.export_one_action,
        ):
            action.setEnabled(row is not None)
        self.refresh_one_action.setEnabled(created and not busy)
        open_ = row is not None and row.group is StatusGroup.OPEN and created
        if geidea:
            self.cancel_action.setEnabled(
                created and rec is not None and rec.status == GeideaStatus.CREATED
            )
            self.update_action.setEnabled(
                created and rec is not None and rec.status in OPEN_STATUSES
            )
            self.send_email_action.setEnabled(open_ and bool(customer_of(rec)["email"]))  # type: ignore[arg-type]
            self.send_sms_action.setEnabled(open_ and bool(customer_of(rec)["phone"]))  # type: ignore[arg-type]
            self.refund_action.setEnabled(False)
        else:
            self.cancel_action.setEnabled(open_)
            self.refund_action.setEnabled(
                created
                and rec is not None
                and rec.status == InvoiceStatus.PAID
                and row is not None
                and row.remaining > 0
                and not row.refund_unknown
            )

    def _open_current(self) -> None:
        row = self.current()
        if row is not None:
            self._open_row(row)

    def _open_row(self, row: InvoiceRow) -> None:
        """Enter on a row: its details, link and QR code in the share panel, focused."""
        self.share.show_row(row)
        self.share.link.setFocus()

    # -- creating ------------------------------------------------------------------------------

    def new_invoice(self) -> None:
        if self.profile is None:
            return
        self._updating = None
        self.editor.new_draft()
        self._show_editor("New invoice")

    def _show_editor(self, banner: str) -> None:
        self.editor_banner.setText(banner)
        self.pages.setCurrentIndex(1)
        self.editor.setFocus()

    def show_list(self) -> None:
        self.pages.setCurrentIndex(0)
        self.list.table.setFocus()

    def _create_requested(self, invoice: object) -> None:
        profile = self.profile
        if profile is None:
            self.editor.creation_finished(False)
            return
        updating = self._updating

        def done(record: InvoiceRecord) -> None:
            self._updating = None
            self.editor.creation_finished(True)
            self._select_after_load = record.id
            verb = "updated" if updating is not None else "created"
            self.say(
                f"Invoice “{record.cart_id}” was {verb}: {record.link or 'no link given'}. "
                "Share the link, or its QR code, with the customer."
            )
            self.show_list()
            self.reload()

        def failed(exc: BaseException) -> None:
            self.editor.creation_finished(False)
            self.editor_banner.setText(f"Not created: {user_message(exc)}")

        def stopped(text: str) -> None:
            self.editor.creation_finished(False)
            self.editor_banner.setText(text)

        if isinstance(invoice, EInvoice):
            if updating is not None:
                self.invoice_actions.update_geidea(
                    profile,
                    updating,
                    invoice,
                    on_done=done,
                    on_error=failed,
                    on_cancelled=stopped,
                )
            else:
                self.invoice_actions.create_geidea(
                    profile, invoice, on_done=done, on_error=failed, on_cancelled=stopped
                )
        elif isinstance(invoice, Invoice):
            self.invoice_actions.create(
                profile, invoice, on_done=done, on_error=failed, on_cancelled=stopped
            )
        else:
            self.editor.creation_finished(False)

    def duplicate_selected(self) -> None:
        row = self.current()
        if row is None:
            return
        self._updating = None
        self.editor.duplicate_from(wire_payload(row.record))
        self._show_editor(f"New invoice, a copy of “{row.record.cart_id}”")

    def update_selected(self) -> None:
        row = self.current()
        if row is None or self.profile is None:
            return
        self._updating = row.record
        self.editor.duplicate_from(wire_payload(row.record))
        self._show_editor(
            f"Updating the Geidea invoice “{row.record.cart_id}” ({row.record.remote_id}): "
            "Create sends the changes to Geidea; the link stays the same."
        )

    def quick_invoice(self) -> None:
        profile = self.profile
        if profile is None or profile.gateway is not GatewayKind.GEIDEA:
            return
        dialog = QuickInvoiceDialog(profile.currency, self)
        self.dialog = dialog

        def accepted() -> None:
            values = dialog.values()
            if values is None:
                return

            def done(record: InvoiceRecord) -> None:
                self._select_after_load = record.id
                self.say(f"Quick invoice “{record.cart_id}” was created: {record.link}")
                self.reload()

            self.invoice_actions.quick_geidea(
                profile,
                amount=values["amount"],
                currency=profile.currency,
                customer=values["customer"],
                reference=values["reference"],
                expiry=values["expiry"],
                on_done=done,
                on_error=lambda exc: self.say(f"Not created: {user_message(exc)}"),
                on_cancelled=self.say,
            )

        dialog.accepted.connect(accepted)
        dialog.open()

    # -- acting on one invoice -----------------------------------------------------------------

    def _ask(self, question: str, yes: str, then: Callable[[], None], title: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Question, title, question, parent=self)
        ok = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Keep it", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(QMessageBox.StandardButton.NoButton)
        self.dialog = box

        def finished(_result: int) -> None:
            if box.clickedButton() is ok:
                then()

        box.finished.connect(finished)
        box.open()

    def cancel_selected(self) -> None:
        row = self.current()
        profile = self.profile
        if row is None or profile is None or not self.cancel_action.isEnabled():
            return
        rec = row.record
        who = customer_of(rec)["name"]
        geidea = profile.gateway is GatewayKind.GEIDEA
        verb = "Delete" if geidea else "Cancel"
        question = (
            f"{verb} the invoice “{rec.cart_id}” ({rec.remote_id}) for {_money(rec)}"
            + (f" to {who}" if who else "")
            + "? The customer will no longer be able to pay it."
        )

        def done(record: InvoiceRecord) -> None:
            self.say(f"Invoice “{record.cart_id}” ({_money(record)}) is {verb.lower()}d.")
            self.reload()

        def refused(exc: BaseException) -> None:
            self.say(f"The gateway did not {verb.lower()} “{rec.cart_id}”: {user_message(exc)}")
            # Refused most often because the customer paid meanwhile: read its status, so the
            # list shows what the gateway knows rather than what we last saw.
            self._refresh([rec], search=False, quiet=True)

        def go() -> None:
            if geidea:
                self.invoice_actions.delete_geidea(
                    profile, rec, on_done=done, on_error=refused, on_cancelled=self.say
                )
            else:
                self.invoice_actions.cancel(
                    profile, rec, on_done=done, on_error=refused, on_cancelled=self.say
                )

        self._ask(question, f"{verb} invoice", go, f"{verb} the invoice")

    def refund_selected(self) -> None:
        row = self.current()
        profile = self.profile
        if row is None or profile is None or not self.refund_action.isEnabled():
            return
        dialog = RefundDialog(row, self)
        self.dialog = dialog
        rec = row.record

        def accepted() -> None:
            amount = dialog.amount()
            if amount is None:
                return

            def done(refund: Refund) -> None:
                self.say(
                    f"Refunded {format_display(refund.amount, rec.currency)} of "
                    f"“{rec.cart_id}” (refund {refund.tran_ref}); "
                    f"{format_display(refund.refunded_total, rec.currency)} "
                    "refunded in all."
                )
                self.reload()

            self.invoice_actions.refund(
                profile,
                rec,
                amount,
                reason=dialog.reason(),
                on_done=done,
                on_error=lambda exc: self._said(f"The refund was not made: {user_message(exc)}"),
                on_cancelled=self.say,
            )

        dialog.accepted.connect(accepted)
        dialog.open()

    def send_selected(self, channel: str) -> None:
        row = self.current()
        profile = self.profile
        if row is None or profile is None:
            return
        rec = row.record
        word = "e-mail" if channel == "email" else "SMS"

        def go() -> None:
            self.invoice_actions.send_geidea(
                profile,
                rec,
                channel,
                on_done=lambda r: self._said(f"“{r.cart_id}” was sent by {word}."),
                on_error=lambda exc: self.say(f"Not sent by {word}: {user_message(exc)}"),
            )

        self._ask(send_question(rec, channel), f"Send by {word}", go, f"Send by {word}")

    # -- status checks -------------------------------------------------------------------------

    def refresh_selected(self) -> None:
        row = self.current()
        if row is not None:
            self._refresh([row.record], search=False)

    def refresh_pending(self, search: bool = False) -> None:
        rows = [r.record for r in self.list.model.rows() if r.is_open]
        self._refresh(rows, search=search)

    def _list_gateway_once(self, profile: Profile) -> None:
        """Geidea: what its search finds; --sandbox: the demo invoices. Once per profile."""
        assert profile.id is not None
        key = LISTED_KEY.format(profile_id=profile.id)
        wanted = profile.gateway is GatewayKind.GEIDEA or (
            self.ctx.sandbox_url is not None
            and profile.base_url.rstrip("/") == self.ctx.sandbox_url.rstrip("/")
        )
        if not wanted:
            return
        store = self.ctx.store

        def listed(_failed: int) -> None:
            self.ctx.writer.submit(store.set_setting, key, True)

        def check(_ctx: TaskContext) -> bool:
            return bool(store.get_setting(key))

        def decide(done_before: bool) -> None:
            if not done_before and self.profile is not None and self.profile.id == profile.id:
                self._refresh([], search=True, then=listed, quiet=True)

        self.ctx.runner.submit(check, kind=TaskKind.READ, on_done=decide, owner=self)

    def _refresh(
        self,
        records: list[InvoiceRecord],
        *,
        search: bool,
        then: Callable[[int], None] | None = None,
        quiet: bool = False,
    ) -> None:
        profile = self.profile
        if profile is None or self._refresh_handle is not None:
            return
        if not records and not search:
            self.say("No invoice is waiting for payment: nothing to check.")
            return
        self.progress.setRange(0, max(len(records), 1))
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.stop_refresh.setVisible(True)

        def finished() -> None:
            self._refresh_handle = None
            self.progress.setVisible(False)
            self.stop_refresh.setVisible(False)
            self._selection_changed()
            self.reload()

        def done(failed: int) -> None:
            finished()
            if then is not None:
                then(failed)
            if quiet:
                return  # the notice keeps what the user must read (e.g. a refused cancel)
            checked = len(records)
            self.say(
                f"Checked {checked} invoice{'s' if checked != 1 else ''}"
                + (f"; {failed} could not be read (see the status bar)." if failed else ".")
            )

        def error(exc: BaseException) -> None:
            finished()
            self.say(f"The statuses could not be checked: {user_message(exc)}")

        def cancelled() -> None:
            finished()
            self.say("Checking stopped; the statuses read so far are kept.")

        def progress(done_: int, total: int, _text: str) -> None:
            if total:
                self.progress.setRange(0, total)
            self.progress.setValue(done_)

        self._refresh_handle = self.invoice_actions.refresh(
            profile,
            records,
            search=search,
            on_done=done,
            on_error=error,
            on_progress=progress,
            on_cancelled=cancelled,
        )
        self._selection_changed()

    def cancel_refresh(self) -> None:
        if self._refresh_handle is not None:
            self._refresh_handle.cancel()

    def _auto_toggled(self, on: bool) -> None:
        if on:
            self.timer.start()
        else:
            self.timer.stop()

    # -- documents -----------------------------------------------------------------------------

    def save_path(self, title: str, name: str, filters: str) -> Path | None:
        """Ask where to save (tests replace this)."""
        start = str(self.ctx.paths.exports_dir / name)
        path, _selected = QFileDialog.getSaveFileName(self, title, start, filters)
        return Path(path) if path else None

    def _load_merchant(self, profile_id: int) -> None:
        store, key = self.ctx.store, MERCHANT_KEY.format(profile_id=profile_id)

        def loaded(saved: object) -> None:
            if isinstance(saved, Mapping):
                self._merchant_details[profile_id] = saved

        self.ctx.runner.submit(
            lambda _: store.get_setting(key), kind=TaskKind.READ, on_done=loaded, owner=self
        )

    def _merchant(self) -> Any:
        assert self.profile is not None and self.profile.id is not None
        return merchant_of(self.profile, self._merchant_details.get(self.profile.id))

    def edit_merchant(self) -> None:
        profile = self.profile
        if profile is None or profile.id is None:
            return
        profile_id = profile.id
        key = MERCHANT_KEY.format(profile_id=profile_id)
        dialog = MerchantDialog(self._merchant(), self)
        self.dialog = dialog

        def accepted() -> None:
            values = dialog.values()
            self._merchant_details[profile_id] = values
            self.ctx.writer.submit(self.ctx.store.set_setting, key, values)
            self.say(
                "Printed invoices now name "
                + values["name"]
                + (
                    f" with VAT number {values['vat_number']} and the ZATCA QR code."
                    if values["vat_number"]
                    else "."
                )
            )

        dialog.accepted.connect(accepted)
        dialog.open()

    def pdf_selected(self) -> None:
        row = self.current()
        if row is None or self.profile is None:
            return
        doc = document_of(row.record, row.refunded)
        path = self.save_path("Save the invoice as PDF", pdf_name(doc), "PDF (*.pdf)")
        if path is None:
            return
        merchant = self._merchant()

        # Painting a long invoice takes a while; QPdfWriter and QImage work off the GUI thread.
        def done(written: Path) -> None:
            self.say(f"Saved the invoice “{doc.reference}” as {written}.")

        def failed(exc: BaseException) -> None:
            self.say(
                f"The PDF could not be written to {path}: {user_message(exc)}. "
                "Choose another folder."
            )

        self.ctx.runner.submit(
            lambda _ctx: write_pdf(doc, merchant, path),
            title=f"Saving the invoice “{doc.reference}” as PDF",
            on_done=done,
            on_error=failed,
        )

    def print_selected(self) -> None:
        row = self.current()
        if row is None or self.profile is None:
            return
        doc = document_of(row.record, row.refunded)
        merchant = self._merchant()
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        self.dialog = dialog

        def accepted() -> None:
            paint_invoice(printer, doc, merchant)
            self.say(f"Sent the invoice “{doc.reference}” to the printer.")

        dialog.accepted.connect(accepted)
        dialog.show()

    def _export(self, title: str, write: Callable[[], Path]) -> None:
        def done(path: Path) -> None:
            self.say(f"{title}: saved as {path}.")

        def failed(exc: BaseException) -> None:
            self.say(f"{title} failed: {user_message(exc)}. Choose another file or folder.")

        self.ctx.runner.submit(lambda _ctx: write(), title=title, on_done=done, on_error=failed)

    def export_list(self) -> None:
        if self.profile is None:
            return
        path = self.save_path(
            "Export the invoice list", "invoices.xlsx", "Excel workbook (*.xlsx);;CSV (*.csv)"
        )
        if path is None:
            return
        proxy = self.list.proxy
        shown = [
            self.list.model.row_at(proxy.mapToSource(proxy.index(i, 0)).row())
            for i in range(proxy.rowCount())
        ]
        records = [r.record for r in shown]
        refunds = {r.record.cart_id: r.refunded for r in shown}
        self._export(
            "Exporting the invoice list",
            lambda: export_invoice_list(records, path, refunds=refunds),
        )

    def export_selected(self) -> None:
        row = self.current()
        if row is None:
            return
        name = f"invoice-{row.record.cart_id}.xlsx".replace("/", "-")
        path = self.save_path("Export the invoice", name, "Excel workbook (*.xlsx)")
        if path is None:
            return
        if path.suffix.lower() != ".xlsx":
            path = path.with_suffix(".xlsx")
        record, refunded = row.record, row.refunded
        self._export(
            f"Exporting the invoice “{record.cart_id}”",
            lambda: export_invoice(record, path, refunded=refunded),
        )
