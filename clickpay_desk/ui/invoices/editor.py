"""The invoice editor: customer, invoice details, line items with live totals and live checks.

One widget for both gateways: ``set_profile`` switches between the ClickPay (PT2) form and the
Geidea one (which hides what Geidea does not take, and offers Amount/Percentage for discounts,
tax and charges). Totals come from the incremental engine on every change; each edited line is
checked when it changes and the invoice-level rules on every keystroke (never the whole invoice
through its request), and the Create action says why it is disabled. Create checks the whole
invoice once and hands the core invoice to the tab (``create_requested``); the tab sends it
and calls ``creation_finished``.

What is typed is kept as a draft (kind "invoice") within a second, through ``DraftSaver``.

This module builds the editor and holds the contract with the tab; its parts are mixins beside
it: ``editor_form`` (the invoice details box and form values), ``editor_checks`` (live checks,
the Create state and Create), ``editor_lines`` (the lines' actions, paste and import),
``editor_drafts`` (drafts) and ``editor_catalog`` (saved customers and items, invoice numbers).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QLocale, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QHideEvent, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QScrollArea,
    QSplitter,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from clickpay_desk.core.geidea_invoice import einvoice_from_wire
from clickpay_desk.core.invoice import invoice_from_wire
from clickpay_desk.core.profile import GatewayKind, Profile
from clickpay_desk.core.rules import ValidationError

from ..context import DeskContext
from ..drafts import DraftSaver
from ..elided_label import ElidedLabel
from ..errors import user_message
from .catalog import CustomersModel, ItemsModel
from .delegates import LineDelegates
from .drafts_panel import DraftsPanel
from .editor_catalog import CatalogWiring
from .editor_checks import PROBLEMS_THROTTLE_MS, CreateChecks
from .editor_drafts import DRAFT_KIND, DraftsWiring
from .editor_form import FormSections, FormsRow
from .editor_lines import LinesActions
from .form_from_request import form_from_einvoice, form_from_invoice
from .form_rules import InvoiceForm
from .line_rules import LineColumn, blank_values, rules_for
from .lines_model import LinesModel
from .lines_view import LinesView
from .totals_panel import TotalsPanel

_SHORTCUT = Qt.ShortcutContext.WidgetWithChildrenShortcut
#: Create is the one thing this page is for: it looks like it (the palette's, so themes hold).
PRIMARY_STYLE = (
    "QPushButton { background: palette(highlight); color: palette(highlighted-text);"
    " border: 1px solid palette(dark); border-radius: 4px; padding: 6px 16px; }"
    "QPushButton:focus { border: 2px solid palette(text); }"
    "QPushButton:disabled { background: palette(button); color: palette(mid); }"
)


class InvoiceEditor(FormSections, CreateChecks, LinesActions, DraftsWiring, CatalogWiring, QWidget):
    """Builds one invoice. See the module docstring for the contract with the tab."""

    create_requested = Signal(object)
    drafts_changed = Signal()

    def __init__(self, ctx: DeskContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.profile: Profile | None = None
        self.profile_id: int | None = None
        self.kind = GatewayKind.CLICKPAY
        self.currency = "SAR"
        self.busy = False
        self._used_cart_ids: set[str] = set()
        self._problems: dict[str, str] = {}
        self._loading = False
        self._drafts_generation = 0
        self._own_cart_id = ""  # the number of the invoice being updated (not "already used")
        self._form: InvoiceForm | None = None  # the fields' values, while none changed
        self._grand = Decimal(0)
        self._marked: dict[str, str] = {}  # the rule shown on each marked field
        locale = QLocale()
        self._decimal_point = locale.decimalPoint() or "."
        self._group = locale.groupSeparator() or ","

        self.customers_model = CustomersModel(self)
        self.items_model = ItemsModel(self)
        self.model = LinesModel(self._rules(), self)

        self._build_form()
        self._build_table()
        self._build_actions()
        self._build_layout()

        self.drafts = DraftSaver(ctx.runner, ctx.store, DRAFT_KIND, self._draft_data, self)
        self.drafts.saved.connect(self._draft_saved)
        self.drafts.failed.connect(self._say)

        self._problems_timer = QTimer(self)
        self._problems_timer.setSingleShot(True)
        self._problems_timer.setInterval(PROBLEMS_THROTTLE_MS)
        self._problems_timer.timeout.connect(self._rebuild_problem_list)

        self.model.totals_changed.connect(self._totals_changed)
        self.model.problems_changed.connect(self._refresh_state)
        self.model.undo_stack.indexChanged.connect(self._lines_edited)
        self.customer.edited.connect(self._edited)
        self.totals.charges_edited.connect(self._charges_edited)

        self._apply_kind()
        # The tab focuses the editor: the customer's name is where an invoice starts.
        self.setFocusProxy(self.customer.edits["name"])
        self.new_draft()
        self.reload_drafts()
        self.reload_catalog()

    # -- building ------------------------------------------------------------------------------

    def _rules(self) -> Any:
        return rules_for(self.kind, self.currency, self._decimal_point, self._group)

    def _build_table(self) -> None:
        self.table = LinesView()
        self.table.append_row = self._append_row_by_tab
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.table.setTabKeyNavigation(True)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        widths = {
            LineColumn.SKU: 80,
            LineColumn.DESCRIPTION: 180,
            LineColumn.URL: 100,
            LineColumn.UNIT_COST: 88,
            LineColumn.QUANTITY: 45,
            LineColumn.DISCOUNT: 68,
            LineColumn.DISCOUNT_TYPE: 62,
            LineColumn.TAX: 50,
            LineColumn.TAX_TYPE: 62,
            LineColumn.NET: 84,
            LineColumn.DISCOUNT_SUM: 84,
            LineColumn.TAX_SUM: 80,
            LineColumn.TOTAL: 88,
        }
        for col in LineColumn:
            header.resizeSection(int(col), widths.get(col, 88))
        header.setMinimumSectionSize(40)
        # The description takes what is left, never less than a few words; the figures keep
        # their width (the table scrolls sideways only when even that does not fit).
        self.table.set_fill_column(int(LineColumn.DESCRIPTION), 140)
        self.delegates = LineDelegates(self.table, 2, self.items_model)
        for kind in ("sku", "description"):
            delegate = self.delegates.by_type[kind]
            delegate.closeEditor.connect(self._maybe_fill_item)

    def _action(
        self,
        text: str,
        shortcuts: Sequence[QKeySequence | QKeySequence.StandardKey | str],
        slot: Any,
        tip: str = "",
        context: Qt.ShortcutContext = _SHORTCUT,
    ) -> QAction:
        action = QAction(text, self)
        action.setShortcuts([QKeySequence(s) for s in shortcuts])
        action.setShortcutContext(context)
        keys = ", ".join(
            QKeySequence(s).toString(QKeySequence.SequenceFormat.NativeText) for s in shortcuts
        )
        action.setToolTip(f"{tip or text} ({keys})" if keys else tip or text)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        a = self._action
        self.create_action = a(
            "Create invoice", ["Ctrl+Return", "Ctrl+Enter"], self._create, "Create this invoice"
        )
        self.new_action = a("New invoice", ["Ctrl+Shift+N"], lambda: self.new_draft())
        self.discard_action = a(
            "Discard draft",
            ["Ctrl+Shift+Backspace"],
            self._discard_current,
            "Forget this draft and start a new one",
        )
        self.add_line_action = a("Add line", ["Insert", "Ctrl+Shift+L"], self._add_line)
        self.delete_lines_action = a(
            "Delete lines", ["Ctrl+Delete"], self._delete_lines, "Delete the selected lines"
        )
        self.duplicate_action = a("Duplicate lines", ["Ctrl+D"], self._duplicate_lines)
        self.move_up_action = a("Move up", ["Alt+Up"], lambda: self._move(-1), "Move line up")
        self.move_down_action = a(
            "Move down", ["Alt+Down"], lambda: self._move(1), "Move line down"
        )
        self.paste_action = a(
            "Paste rows",
            [QKeySequence.StandardKey.Paste],
            self.paste_from_clipboard,
            "Paste rows copied from a spreadsheet",
        )
        self.copy_action = a(
            "Copy", [QKeySequence.StandardKey.Copy], self._copy, "Copy the selected cells"
        )
        self.import_action = a(
            "Import lines…",
            ["Ctrl+I"],
            self._import_dialog,
            "Import lines from a CSV or Excel file",
        )
        self.save_customer_action = a(
            "Save customer",
            ["Ctrl+Shift+S"],
            self._save_customer,
            "Keep this customer to pick again later",
        )
        self.save_item_action = a(
            "Save item",
            ["Ctrl+Shift+I"],
            self._save_items,
            "Keep the selected lines as items to pick again later",
        )
        self.suggest_action = a(
            "Suggest", ["Ctrl+Shift+G"], self._suggest_cart_id, "Suggest an unused invoice number"
        )
        self.suggest_button.setDefaultAction(self.suggest_action)
        self.drafts_action = a(
            "Drafts", ["Ctrl+Shift+O"], self._focus_drafts, "Go to the list of drafts"
        )
        # The full list of problems, under the lines, on request (the footer says the first).
        self.problems_action = QAction("All problems", self)
        self.problems_action.setCheckable(True)
        self.problems_action.setShortcut(QKeySequence("F8"))
        self.problems_action.setShortcutContext(_SHORTCUT)
        self.problems_action.setToolTip("Show or hide every problem found, to go to each (F8)")
        self.problems_action.toggled.connect(self._show_problems)
        self.addAction(self.problems_action)
        # Shows or hides the list of drafts (hidden, the lines get its width).
        self.show_drafts_action = QAction("Drafts", self)
        self.show_drafts_action.setCheckable(True)
        self.show_drafts_action.setToolTip(
            "Show or hide the list of drafts (Ctrl+Shift+O goes there)"
        )
        self.show_drafts_action.toggled.connect(self._show_drafts)
        self.delete_draft_action = a(
            "Delete draft",
            [QKeySequence.StandardKey.Delete],
            self._delete_listed_draft,
            "Delete the draft selected in the list",
        )
        stack = self.model.undo_stack
        self.undo_action = stack.createUndoAction(self, "Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_action.setShortcutContext(_SHORTCUT)
        self.redo_action = stack.createRedoAction(self, "Redo")
        redo_keys = QKeySequence.keyBindings(QKeySequence.StandardKey.Redo)
        if QKeySequence("Ctrl+Y") not in redo_keys:  # twice would make the shortcut ambiguous
            redo_keys.append(QKeySequence("Ctrl+Y"))
        self.redo_action.setShortcuts(redo_keys)
        self.redo_action.setShortcutContext(_SHORTCUT)
        self.addAction(self.undo_action)
        self.addAction(self.redo_action)
        # Paste and copy belong to the table: a line edit keeps its own Ctrl+V / Ctrl+C.
        for action in (
            self.paste_action,
            self.copy_action,
            self.delete_lines_action,
            self.move_up_action,
            self.move_down_action,
            self.add_line_action,
            self.duplicate_action,
        ):
            self.removeAction(action)
            self.table.addAction(action)
        for action in (self.undo_action, self.redo_action):
            self.removeAction(action)
            self.table.addAction(action)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.selectionModel().currentChanged.connect(self._selection_changed)

    def _build_layout(self) -> None:
        self.toolbar = QToolBar()
        for action in (
            self.add_line_action,
            self.duplicate_action,
            self.delete_lines_action,
            self.move_up_action,
            self.move_down_action,
        ):
            self.toolbar.addAction(action)
        self.toolbar.addSeparator()
        self.toolbar.addAction(self.undo_action)
        self.toolbar.addAction(self.redo_action)
        self.toolbar.addSeparator()
        self.toolbar.addAction(self.paste_action)
        self.toolbar.addAction(self.import_action)
        self.toolbar.addAction(self.save_item_action)

        self.totals = TotalsPanel()
        self.problem_list = QListWidget()
        self.problem_list.itemActivated.connect(self._go_to_problem)
        self.problem_list.itemDoubleClicked.connect(self._go_to_problem)
        self.problem_heading = QLabel()

        self.create_button = QPushButton()
        self.create_button.clicked.connect(self.create_action.trigger)
        self.create_button.setDefault(False)
        self.create_button.setStyleSheet(PRIMARY_STYLE)
        font = self.create_button.font()
        font.setBold(True)
        self.create_button.setFont(font)
        self.create_reason = QLabel()
        self.create_reason.setWordWrap(True)
        self.create_reason.setTextFormat(Qt.TextFormat.RichText)
        self.status = ElidedLabel()  # a long message never widens the page (its tooltip has all)
        self.status.setStyleSheet("color: palette(mid);")

        # The header: what acts on the whole draft. The tab may take it into its own top row.
        self.drafts_toggle = QToolButton()
        self.drafts_toggle.setDefaultAction(self.show_drafts_action)
        self.drafts_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        new_button = QToolButton()
        new_button.setDefaultAction(self.new_action)
        discard_button = QToolButton()
        discard_button.setDefaultAction(self.discard_action)
        save_customer = QToolButton()
        save_customer.setDefaultAction(self.save_customer_action)
        self.header = QWidget()
        top = QHBoxLayout(self.header)
        top.setContentsMargins(0, 0, 0, 0)
        for button in (self.drafts_toggle, new_button, discard_button, save_customer):
            top.addWidget(button)
        top.addWidget(self.status, 1)

        # The customer and invoice boxes scroll (up and down only) in their own pane: the lines
        # and the footer below never leave the window.
        self.forms = FormsRow(self.customer, self.details)
        self.forms_scroll = QScrollArea()
        self.forms_scroll.setWidgetResizable(True)
        self.forms_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.forms_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.forms_scroll.setWidget(self.forms)
        self.forms_scroll.setMinimumHeight(60)

        lines = QWidget()
        lines_layout = QVBoxLayout(lines)
        lines_layout.setContentsMargins(0, 0, 0, 0)
        lines_layout.setSpacing(0)
        lines_layout.addWidget(self.toolbar)
        lines_layout.addWidget(self.table, 1)
        self.table.setMinimumHeight(90)

        self.problems_pane = QWidget()
        problems = QVBoxLayout(self.problems_pane)
        problems.setContentsMargins(0, 0, 0, 0)
        problems.setSpacing(2)
        problems.addWidget(self.problem_heading)
        problems.addWidget(self.problem_list, 1)

        self.center = QSplitter(Qt.Orientation.Vertical)
        self.center.setChildrenCollapsible(False)
        self.center.addWidget(self.forms_scroll)
        self.center.addWidget(lines)
        self.center.addWidget(self.problems_pane)
        self.center.setStretchFactor(0, 0)
        self.center.setStretchFactor(1, 1)
        self.center.setStretchFactor(2, 0)
        self.problem_list.setMinimumHeight(36)
        self.problems_pane.setVisible(False)
        self._panes_set_by_user = False
        # Fitted once the layouts have placed the panes (after a resize or a change of fields);
        # the timer is the editor's, so it never fires into a closed one.
        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(0)
        self._fit_timer.timeout.connect(self._fit_panes)
        self.center.splitterMoved.connect(self._panes_moved)

        self.drafts_panel = DraftsPanel()
        self.drafts_panel.setMinimumWidth(150)
        self.drafts_panel.setVisible(False)  # on request (the Drafts button, Ctrl+Shift+O)
        # Delete acts on the list only while the list has the focus (the table has its own).
        self.removeAction(self.delete_draft_action)
        self.drafts_panel.view.addAction(self.delete_draft_action)
        self.drafts_panel.view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.drafts_panel.open_requested.connect(self.open_draft)
        self.body = QSplitter(Qt.Orientation.Horizontal)
        self.body.setChildrenCollapsible(False)
        self.body.addWidget(self.drafts_panel)
        self.body.addWidget(self.center)
        self.body.setStretchFactor(0, 0)
        self.body.setStretchFactor(1, 1)
        self.body.setSizes([190, 1000])

        # The footer: figures, charges, the total to pay, Create and why it cannot be yet.
        self.problems_toggle = QToolButton()
        self.problems_toggle.setDefaultAction(self.problems_action)
        note = QWidget()
        note_row = QHBoxLayout(note)
        note_row.setContentsMargins(0, 0, 0, 0)
        note_row.addWidget(self.create_reason, 1)
        note_row.addWidget(self.problems_toggle, 0, Qt.AlignmentFlag.AlignTop)
        self.totals.attach(self.create_button, note)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        outer.addWidget(self.header)
        outer.addWidget(self.body, 1)
        outer.addWidget(self.totals)
        self._outer = outer

    def hasHeightForWidth(self) -> bool:
        # The footer's wrapped reason must not make a scroll area around the editor ask for
        # the whole natural height: the panes inside take what there is.
        return False

    def sizeHint(self) -> QSize:
        """Wide as its parts like, tall as it must be: the panes inside share the height."""
        natural = super().sizeHint()
        return QSize(natural.width(), self.minimumSizeHint().height())

    def take_header(self) -> QWidget:
        """The header row (drafts, new, discard, save customer, messages), for the tab to show
        in its own top row: one row less above the lines."""
        self._outer.removeWidget(self.header)
        return self.header

    def _fit_panes(self) -> None:
        """The invoice boxes get the height they need when the lines keep enough; the lines the
        rest (until the user drags the dividers)."""
        if self._panes_set_by_user:
            return
        sizes = self.center.sizes()
        total = sum(sizes)
        if total <= 0:
            return
        problems = min(110, total // 4) if self.problems_pane.isVisible() else 0
        lines_least = 170
        width = self.forms_scroll.viewport().width()
        wanted = self.forms.box.totalHeightForWidth(width) if width > 0 else -1
        if wanted <= 0:
            wanted = self.forms.sizeHint().height()
        least = self.forms_scroll.minimumHeight()
        forms = max(least, min(wanted, total - problems - lines_least))
        self.center.setSizes([forms, total - forms - problems, problems])

    def _panes_moved(self, *_args: Any) -> None:
        self._panes_set_by_user = True

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_timer.start()  # once the layouts have placed the panes

    def _show_problems(self, shown: bool) -> None:
        self.problems_pane.setVisible(shown)
        self._fit_panes()
        if shown:
            self.problem_list.setFocus()
            if self.problem_list.count() and self.problem_list.currentRow() < 0:
                self.problem_list.setCurrentRow(0)

    def _show_drafts(self, shown: bool) -> None:
        self.drafts_panel.setVisible(shown)
        focus = QApplication.focusWidget()
        if not shown and focus is not None and self.drafts_panel.isAncestorOf(focus):
            self.table.setFocus()

    # -- the contract with the tab ------------------------------------------------------------

    def set_profile(self, profile: Profile | None) -> None:
        """Switch to ``profile``'s gateway form and currency (None: nothing can be created)."""
        if profile is self.profile:
            return
        self.drafts.flush()
        other = (None if profile is None else profile.id) != self.profile_id
        if other:
            self.drafts.set_key(None)  # the switch below must not be saved into that draft
        self.profile = profile
        self.profile_id = None if profile is None else profile.id
        kind = GatewayKind.CLICKPAY if profile is None else profile.gateway
        currency = "SAR" if profile is None else profile.currency
        if (kind, currency) != (self.kind, self.currency):
            self.kind, self.currency = kind, currency
            self.totals.set_kind(kind, currency)  # before the model says its totals changed
            self.model.set_rules(self._rules())
            self._apply_kind()
        self._form = None
        self._used_cart_ids = set()
        if other:
            # A draft belongs to its profile: another profile starts from a new invoice (the
            # old one was just saved and waits in that profile's drafts).
            self.new_draft()
        self._load_used_cart_ids()
        self.reload_drafts()
        self.reload_catalog()
        self._revalidate()

    def hideEvent(self, event: QHideEvent) -> None:
        self.drafts.flush()  # leaving the editor (or quitting) keeps what was just typed
        super().hideEvent(event)

    def new_draft(self, prefill: Mapping[str, Any] | None = None) -> None:
        """Start a new invoice; ``prefill`` may give description, currency, amount (one line)
        and customer {name, email, phone, street, city, state, country, zip}."""
        self.drafts.flush()
        self.drafts.set_key(uuid.uuid4().hex)
        self._own_cart_id = ""
        prefill = dict(prefill or {})
        form = InvoiceForm(cart_id=self._suggestion())
        form.description = str(prefill.get("description") or "")
        customer = prefill.get("customer")
        if isinstance(customer, Mapping):
            form.customer = {str(k): str(v) for k, v in customer.items() if v is not None}
        rows = [blank_values()]
        amount = prefill.get("amount")
        if amount not in (None, ""):
            values = blank_values()
            values[LineColumn.DESCRIPTION] = form.description or "Amount due"
            values[LineColumn.UNIT_COST] = (
                f"{amount:f}" if isinstance(amount, Decimal) else str(amount)
            )
            rows = [values]
        self._apply(form, rows)
        currency = prefill.get("currency")
        if isinstance(currency, str) and currency.strip().upper() != self.currency:
            self._say(
                f"The draft asked for {currency.upper()}; invoices of this profile are in "
                f"{self.currency}."
            )
        if prefill:
            self.drafts.changed()
        self.busy = False
        self._refresh_state()

    def open_draft(self, key: str) -> None:
        """Open a saved draft (read through the store's writer, after any pending save)."""
        if key == self.drafts.key:
            return
        self.drafts.flush()
        self.drafts.set_key(key)
        self.drafts.load(self._apply_draft)

    def duplicate_from(self, payload: Mapping[str, Any], *, keep_cart_id: bool = False) -> None:
        """A new draft with the lines, customer and details of a created invoice's request,
        under a new suggested invoice number. ``keep_cart_id`` keeps the invoice's own number
        (a Geidea update sends the same invoice again), which is then not "already used"."""
        try:
            if self.kind is GatewayKind.GEIDEA:
                einvoice = einvoice_from_wire(payload)
                form, rows = form_from_einvoice(einvoice)
                own = einvoice.merchant_reference_id or ""
            else:
                invoice = invoice_from_wire(payload)
                form, rows = form_from_invoice(invoice)
                own = invoice.cart_id
        except (ValidationError, TypeError, ValueError) as exc:
            self._say(f"Could not copy that invoice: {user_message(exc)}")
            return
        self.drafts.flush()
        self.drafts.set_key(uuid.uuid4().hex)
        self._own_cart_id = own if keep_cart_id else ""
        form.cart_id = own if keep_cart_id else self._suggestion()
        self._apply(form, rows or [blank_values()])
        self.drafts.changed()
        if keep_cart_id:
            self._say("The invoice's lines and details, to change. Dates are not copied.")
        else:
            self._say("Copied into a new draft with a new invoice number. Dates are not copied.")

    def creation_finished(self, ok: bool) -> None:
        """The tab's answer to ``create_requested``: ok discards the draft and starts anew."""
        self.busy = False
        if ok:
            cart_id = self.cart_id.text().strip()
            if cart_id:
                self._used_cart_ids.add(cart_id)
            self._remember_catalog()
            self.drafts.discard()
            self.drafts.set_key(None)
            self.new_draft()
            self.reload_drafts()
            self._say("Invoice created. A new one is ready.")
        self._refresh_state()

    def _say(self, text: str) -> None:
        self.status.setText(text)


__all__ = ["DRAFT_KIND", "InvoiceEditor"]
