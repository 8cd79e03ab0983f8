"""The invoice editor: customer, invoice details, line items with live totals and live checks.

One widget for both gateways: ``set_profile`` switches between the ClickPay (PT2) form and the
Geidea one (which hides what Geidea does not take, and offers Amount/Percentage for discounts,
tax and charges). Totals come from the incremental engine on every change; each edited line is
checked when it changes and the invoice-level rules on every keystroke (never the whole invoice
through its request), and the Create action says why it is disabled. Create checks the whole
invoice once and hands the core invoice to the tab (``create_requested``); the tab sends it
and calls ``creation_finished``.

What is typed is kept as a draft (kind "invoice") within a second, through ``DraftSaver``.
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDateTime, QLocale, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QHideEvent, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QBoxLayout,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from clickpay_desk.core.geidea_invoice import EInvoice, einvoice_from_wire
from clickpay_desk.core.invoice import Invoice, invoice_from_wire
from clickpay_desk.core.money import format_amount
from clickpay_desk.core.profile import GatewayKind, Profile
from clickpay_desk.core.rules import ValidationError
from clickpay_desk.exchange.lines_import import (
    ImportedLines,
    parse_clipboard,
    read_lines_file,
)
from clickpay_desk.store.catalog import SavedCustomer, SavedItem

from ..context import DeskContext
from ..drafts import DraftSaver
from ..elided_label import ElidedLabel
from ..errors import user_message
from ..tasks import TaskContext, TaskKind
from .catalog import CustomersModel, ItemColumn, ItemsModel
from .customer_form import CustomerForm, mark_widget
from .delegates import LineDelegates
from .drafts_panel import DraftsPanel
from .form_rules import (
    FIELD_LABELS,
    InvoiceForm,
    build,
    field_of,
    header_problems,
    read_charges,
    rule_in_words,
)
from .line_rules import (
    AMOUNT,
    COLUMN_OF_KEY,
    FIELD_KEYS,
    INPUT_COLUMNS,
    PERCENT,
    LineColumn,
    Values,
    blank_values,
    is_blank,
    rules_for,
)
from .lines_model import HEADERS, LinesModel
from .lines_view import LinesView
from .totals_panel import TotalsPanel

DRAFT_KIND = "invoice"
#: The problem list is rebuilt at most this often (it lists rows; the marks are immediate).
PROBLEMS_THROTTLE_MS = 120
_ROW_PROBLEMS_SHOWN = 50
_SHORTCUT = Qt.ShortcutContext.WidgetWithChildrenShortcut
#: Beside the field the box says what it needs to; the full name is in messages and tooltips.
_SHORT_LABELS = {"cart_id": "Invoice number"}
#: Create is the one thing this page is for: it looks like it (the palette's, so themes hold).
PRIMARY_STYLE = (
    "QPushButton { background: palette(highlight); color: palette(highlighted-text);"
    " border: 1px solid palette(dark); border-radius: 4px; padding: 6px 16px; }"
    "QPushButton:focus { border: 2px solid palette(text); }"
    "QPushButton:disabled { background: palette(button); color: palette(mid); }"
)


def _now() -> datetime:
    return datetime.now(UTC)


class _DateField(QWidget):
    """An optional date and time: a check box says whether it is set."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.enabled = QCheckBox()
        self.enabled.setToolTip("Tick to set this date; unticked, none is sent")
        self.edit = QDateTimeEdit()
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.edit.setDateTime(QDateTime.currentDateTime().addDays(1))
        self.edit.setEnabled(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.enabled)
        layout.addWidget(self.edit, 1)
        self.enabled.toggled.connect(self.edit.setEnabled)
        self.enabled.toggled.connect(self.edited)
        self.edit.dateTimeChanged.connect(self.edited)

    def value(self) -> datetime | None:
        if not self.enabled.isChecked():
            return None
        moment = self.edit.dateTime().toPython()
        assert isinstance(moment, datetime)
        return moment.astimezone()  # the computer's zone, made explicit

    def set_value(self, value: datetime | None) -> None:
        self.blockSignals(True)
        self.enabled.setChecked(value is not None)
        if value is not None:
            local = value.astimezone()
            self.edit.setDateTime(
                QDateTime(local.year, local.month, local.day, local.hour, local.minute, 0)
            )
        self.blockSignals(False)


class _FormsRow(QWidget):
    """The customer and invoice boxes side by side when the width holds both, one above the
    other when it does not (the pane they are in scrolls up and down, never sideways)."""

    def __init__(self, first: QWidget, second: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pair = (first, second)
        self.box = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self.box.setContentsMargins(0, 0, 0, 0)
        # The row's own minimum is the narrower arrangement's, so the choice is made here.
        self.box.setSizeConstraint(QBoxLayout.SizeConstraint.SetNoConstraint)
        self.box.addWidget(first, 1)
        self.box.addWidget(second, 1)

    def _side_by_side_width(self) -> int:
        first, second = self._pair
        return (
            first.minimumSizeHint().width()
            + second.minimumSizeHint().width()
            + max(0, self.box.spacing())
        )

    def side_by_side(self) -> bool:
        return self.box.direction() is QBoxLayout.Direction.LeftToRight

    def minimumSizeHint(self) -> QSize:
        first, second = self._pair
        width = max(first.minimumSizeHint().width(), second.minimumSizeHint().width())
        return QSize(width, self.box.minimumSize().height())

    def sizeHint(self) -> QSize:
        return QSize(self._side_by_side_width(), self.box.sizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        wide = event.size().width() >= self._side_by_side_width()
        direction = QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        if self.box.direction() is not direction:
            self.box.setDirection(direction)
            self.updateGeometry()  # the height it needs changed with the arrangement
        super().resizeEvent(event)


class InvoiceEditor(QWidget):
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

    def _build_form(self) -> None:
        self.customer = CustomerForm(self.customers_model)
        details = QGroupBox("Invoice")
        grid = QGridLayout(details)
        grid.setColumnStretch(1, 1)  # the number and description take the room; dates keep theirs
        self.cart_id = QLineEdit()
        self.cart_id.setMinimumWidth(130)
        self.cart_id.setToolTip("Your number for this invoice; unique for this profile")
        self.suggest_button = QToolButton()
        cart_row = QHBoxLayout()
        cart_row.addWidget(self.cart_id, 1)
        cart_row.addWidget(self.suggest_button)
        self.cart_row = QWidget()
        self.cart_row.setLayout(cart_row)
        cart_row.setContentsMargins(0, 0, 0, 0)
        self.description = QLineEdit()
        self.description.setPlaceholderText(
            "What the customer pays for (shown on the payment page)"
        )
        self.currency_label = QLabel()
        self.currency_label.setToolTip("The profile's currency (change it in File ▸ Profiles)")
        self.language = QComboBox()
        self.language.addItem("English", "en")
        self.language.addItem("Arabic", "ar")
        self.language.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.activation = _DateField()
        self.expiry = _DateField()
        self.due = _DateField()
        self.date_rules = QLabel()
        self.date_rules.setWordWrap(True)
        self.date_rules.setStyleSheet("color: palette(mid);")
        self.callback_url = QLineEdit()
        self.callback_url.setPlaceholderText(
            "https://… (optional: where the gateway posts the result)"
        )
        self.return_url = QLineEdit()
        self.return_url.setPlaceholderText("https://… (optional: where the customer returns)")
        self.hide_shipping = QCheckBox("Hide shipping address on the payment page")
        self.disable_edit = QCheckBox("Customer cannot change their details")
        self.tokenise = QCheckBox("Save the customer's card for later payments (tokenise)")
        self.detail_labels: dict[str, QLabel] = {}

        def place(key: str, widget: QWidget, row: int, col: int, span: int = 1) -> None:
            label = QLabel(_SHORT_LABELS.get(key, FIELD_LABELS[key]))
            label.setBuddy(widget)
            self.detail_labels[key] = label
            grid.addWidget(label, row, col)
            grid.addWidget(widget, row, col + 1, 1, span)

        # Two label/field pairs a row, so that the box fits beside the customer's in 1100 px.
        place("cart_id", self.cart_row, 0, 0)
        place("language", self.language, 0, 2)
        place("description", self.description, 1, 0, 3)
        place("activation", self.activation, 2, 0)
        place("expiry", self.expiry, 2, 2)
        place("due", self.due, 3, 0)
        place("currency", self.currency_label, 3, 2)
        grid.addWidget(self.date_rules, 4, 0, 1, 4)
        # Seldom-used settings stay folded away until wanted (or set, or wrong).
        self.options_button = QToolButton()
        self.options_button.setText("More options")
        self.options_button.setCheckable(True)
        self.options_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.options_button.setArrowType(Qt.ArrowType.RightArrow)
        self.options = QWidget()
        options = QFormLayout(self.options)
        options.setContentsMargins(0, 0, 0, 0)
        options.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.options_form = options
        options.addRow(FIELD_LABELS["callback_url"], self.callback_url)
        options.addRow(FIELD_LABELS["return_url"], self.return_url)
        options.addRow("", self.hide_shipping)
        options.addRow("", self.disable_edit)
        options.addRow("", self.tokenise)
        self.options.setVisible(False)
        self.options_button.toggled.connect(self._show_options)
        grid.addWidget(self.options_button, 5, 0, 1, 4)
        grid.addWidget(self.options, 6, 0, 1, 4)
        grid.setRowStretch(7, 1)
        self.details = details
        for edit in (self.cart_id, self.description, self.callback_url, self.return_url):
            edit.textEdited.connect(self._edited)
        self.language.currentIndexChanged.connect(self._edited)
        for date_field in (self.activation, self.expiry, self.due):
            date_field.edited.connect(self._edited)
        for box in (self.hide_shipping, self.disable_edit, self.tokenise):
            box.toggled.connect(self._edited)

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
        self.forms = _FormsRow(self.customer, self.details)
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
                form, rows = _form_from_einvoice(einvoice)
                own = einvoice.merchant_reference_id or ""
            else:
                invoice = invoice_from_wire(payload)
                form, rows = _form_from_invoice(invoice)
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

    # -- form <-> values ------------------------------------------------------------------------

    def form_values(self) -> InvoiceForm:
        return InvoiceForm(
            customer=self.customer.values(),
            customer_ref=self.customer.customer_ref.text(),
            cart_id=self.cart_id.text(),
            description=self.description.text(),
            language=str(self.language.currentData() or "en"),
            activation=self.activation.value(),
            expiry=self.expiry.value(),
            due=self.due.value() if self.kind is GatewayKind.CLICKPAY else None,
            callback_url=self.callback_url.text(),
            return_url=self.return_url.text() if self.kind is GatewayKind.CLICKPAY else "",
            hide_shipping=self.hide_shipping.isChecked(),
            disable_edit=self.disable_edit.isChecked(),
            tokenise=self.tokenise.isChecked(),
            charges=self.totals.charge_texts(),
            charge_types=self.totals.charge_types(),
        )

    def _apply(self, form: InvoiceForm, rows: Sequence[Values]) -> None:
        self._loading = True
        try:
            self.customer.set_values(form.customer, form.customer_ref)
            self.cart_id.setText(form.cart_id)
            self.description.setText(form.description)
            self.language.setCurrentIndex(max(0, self.language.findData(form.language)))
            self.activation.set_value(form.activation)
            self.expiry.set_value(form.expiry)
            self.due.set_value(form.due)
            self.callback_url.setText(form.callback_url)
            self.return_url.setText(form.return_url)
            self.hide_shipping.setChecked(form.hide_shipping)
            self.disable_edit.setChecked(form.disable_edit)
            self.tokenise.setChecked(form.tokenise)
            self.totals.set_charges(form.charges, form.charge_types)
            self.model.set_rules(self._rules(), rows)
            self._form = None  # read the fields just set, not the last draft's
            self._push_charges()
        finally:
            self._loading = False
        self._form = None
        used = bool(
            form.callback_url
            or form.return_url
            or form.hide_shipping
            or form.disable_edit
            or form.tokenise
        )
        self.options_button.setChecked(used)
        self._totals_changed()

    def _apply_draft(self, data: dict[str, Any]) -> None:
        rows = data.get("lines")
        values = (
            [[str(v) for v in r] for r in rows if isinstance(r, list)]
            if isinstance(rows, list)
            else []
        )
        own = data.get("own_cart_id")
        self._own_cart_id = own if isinstance(own, str) else ""
        self._apply(InvoiceForm.from_data(data.get("form") or {}), values or [blank_values()])
        self._say("Draft opened.")

    def _draft_data(self) -> dict[str, Any]:
        engine = self.model.engine
        return {
            "gateway": self.kind.value,
            "profile_id": self.profile_id,
            "currency": self.currency,
            "total": format_amount(engine.grand_total, self.currency),
            "line_count": self.model.filled_count(),
            "form": self.form_values().to_data(),
            "lines": self.model.all_values(),
            "own_cart_id": self._own_cart_id,
        }

    # -- kind ------------------------------------------------------------------------------------

    def _apply_kind(self) -> None:
        geidea = self.kind is GatewayKind.GEIDEA
        self.customer.set_kind(self.kind)
        # Geidea asks three things of the customer: the invoice's box gets the room.
        self.forms.box.setStretch(0, 2 if geidea else 1)
        self.forms.box.setStretch(1, 3 if geidea else 1)
        self.totals.set_kind(self.kind, self.currency)
        self.currency_label.setText(self.currency)
        self.due.setVisible(not geidea)
        self.detail_labels["due"].setVisible(not geidea)
        for widget in (self.return_url, self.hide_shipping, self.disable_edit, self.tokenise):
            self.options_form.setRowVisible(widget, not geidea)
        self.table.setColumnHidden(int(LineColumn.URL), geidea)
        decimals = max(0, -int(self.model.display_q.as_tuple().exponent))
        self.delegates.amount.set_decimals(decimals)
        if geidea:
            self.date_rules.setText(
                "Expiry must be after the activation date and in the future (a date alone "
                "means 00:00 UTC)."
            )
        else:
            self.date_rules.setText(
                "Activation must be later than now; expiry and due dates later than activation "
                "(or now, without one)."
            )
        self._fit_timer.start()  # the boxes' height changed with their fields
        self.details.setTitle("Invoice (Geidea)" if geidea else "Invoice (ClickPay)")
        self.detail_labels["cart_id"].setToolTip(
            "Your number for this invoice (Geidea: merchant reference)"
            if geidea
            else "Your number for this invoice (ClickPay: cart id)"
        )

    # -- changes ---------------------------------------------------------------------------------

    def _edited(self) -> None:
        """A field outside the table changed."""
        if self._loading:
            return
        self._form = None
        self._revalidate()
        self.drafts.changed()

    def _lines_edited(self) -> None:
        """The lines changed (any undo step): the totals already said so; keep the draft."""
        if not self._loading:
            self.drafts.changed()

    def _current_form(self) -> InvoiceForm:
        """The fields' values, read again only after one of them changed (not per keystroke in
        the table)."""
        if self._form is None:
            self._form = self.form_values()
        return self._form

    def _charges_edited(self) -> None:
        self._form = None
        self._push_charges()
        self._totals_changed()
        self.drafts.changed()

    def _push_charges(self) -> None:
        charges = read_charges(self._current_form(), self._decimal_point, self._group)
        engine = self.model.engine
        zero = Decimal(0)
        if self.kind is GatewayKind.GEIDEA:
            engine.set_charges(
                extra_charges=charges.values["extra_charges"] or zero,
                extra_charges_type=charges.types["extra_charges"],
                invoice_discount=charges.values["extra_discount"] or zero,
                invoice_discount_type=charges.types["extra_discount"],
            )
        else:
            engine.set_charges(
                shipping_charges=charges.values["shipping"] or zero,
                extra_charges=charges.values["extra_charges"] or zero,
                extra_discount=charges.values["extra_discount"] or zero,
            )

    def _totals_changed(self) -> None:
        self._grand = self.totals.show_totals(self.model.engine)
        if not self._loading:
            self._revalidate()

    def _revalidate(self) -> None:
        """Invoice-level rules (O(1) in the lines); marks the fields at once."""
        if self._loading:
            return
        form = self._current_form()
        profile_id = None
        if self.profile is not None and self.kind is GatewayKind.CLICKPAY:
            merchant = self.profile.merchant_id.strip()
            profile_id = int(merchant) if merchant.isascii() and merchant.isdigit() else None
        found = header_problems(
            self.kind,
            form,
            self.currency,
            self._grand,
            self.model.filled_count(),
            _now(),
            profile_id=profile_id,
            decimal_point=self._decimal_point,
            group=self._group,
        )
        cart_id = form.cart_id.strip()
        if cart_id and cart_id in self._used_cart_ids and cart_id != self._own_cart_id:
            found.setdefault("cart_id", "is already used by another invoice of this profile")
        if self.profile is None:
            found.setdefault("profile", "is not chosen: pick one in File ▸ Profiles")
        self._problems = found
        # Only what changed is restyled: a style sheet set again costs a re-polish per widget.
        for key in set(found) | set(self._marked):
            rule = found.get(key)
            if self._marked.get(key) == rule:
                continue
            self._mark(key, rule)
        self._marked = dict(found)
        if ("callback_url" in found or "return_url" in found) and not self.options.isVisible():
            self.options_button.setChecked(True)
        self._refresh_state()

    def _mark(self, key: str, rule: str | None) -> None:
        """Colour and tooltip on the field ``key`` (cleared when ``rule`` is None)."""
        if self.customer.widget_of(key) is not None:
            self.customer.mark(key, rule)
        elif key in self.totals.inputs:
            self.totals.mark(key, rule, FIELD_LABELS[key])
        elif key == "total":
            self.totals.total_label.setStyleSheet("color: #b00020;" if rule else "")
            self.totals.total_label.setToolTip(f"Total {rule}" if rule else "")
        elif (widget := self._field_widgets().get(key)) is not None:
            mark_widget(widget, rule, FIELD_LABELS.get(key, key))

    def _show_options(self, shown: bool) -> None:
        self.options.setVisible(shown)
        self.options_button.setArrowType(
            Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        )
        self._fit_timer.start()  # the box grew or shrank

    def _field_widgets(self) -> dict[str, QWidget]:
        return {
            "cart_id": self.cart_id,
            "description": self.description,
            "activation": self.activation.edit,
            "expiry": self.expiry.edit,
            "due": self.due.edit,
            "callback_url": self.callback_url,
            "return_url": self.return_url,
            "language": self.language,
        }

    def _refresh_state(self) -> None:
        """The Create action's state and reason; the problem list follows (throttled)."""
        reason = self._blocking_reason()
        ok = reason == ""
        self.create_action.setEnabled(ok)
        self.create_button.setEnabled(ok)
        keys = "Ctrl+Enter"
        self.create_button.setText("Creating…" if self.busy else f"Create invoice  ({keys})")
        self.create_action.setToolTip(
            f"Create this invoice ({keys})" if ok else f"Cannot create yet: {reason}"
        )
        self.create_action.setStatusTip(self.create_action.toolTip())
        self.create_button.setToolTip(self.create_action.toolTip())
        self.create_reason.setText(
            f"Ready: {keys} or the button creates the invoice and its payment link."
            if ok
            else f"<b>Cannot create yet:</b> {html.escape(reason)}"
        )
        self._problems_timer.start()

    def _blocking_reason(self) -> str:
        if self.busy:
            return "the invoice is being created"
        model = self.model
        parts: list[str] = []
        for key, rule in self._problems.items():
            parts.append(f"{FIELD_LABELS.get(key, key)} {rule.rstrip('.')}")
            if len(parts) == 2:
                break
        if model.bad_rows:
            parts.append(f"{model.bad_rows} line(s) have problems (marked in red)")
        if model.unchecked_rows:
            parts.append(f"still checking {model.unchecked_rows} line(s)…")
        more = len(self._problems) - min(2, len(self._problems))
        if more > 0:
            parts.append(f"and {more} more (see All problems, F8)")
        return "; ".join(parts)

    def _rebuild_problem_list(self) -> None:
        self.problem_list.clear()
        for key, rule in self._problems.items():
            item = QListWidgetItem(f"{FIELD_LABELS.get(key, key)} {rule}")
            item.setData(Qt.ItemDataRole.UserRole, ("field", key))
            self.problem_list.addItem(item)
        for row, col, rule in self.model.problems(_ROW_PROBLEMS_SHOWN):
            item = QListWidgetItem(f"Line {row + 1}, {HEADERS[col]}: {rule}")
            item.setData(Qt.ItemDataRole.UserRole, ("cell", (row, int(col))))
            self.problem_list.addItem(item)
        count = self.problem_list.count()
        if self.model.bad_rows > _ROW_PROBLEMS_SHOWN:
            self.problem_list.addItem(f"… and more: {self.model.bad_rows} lines have problems")
        self.problem_heading.setText(
            "<b>Problems</b> (Enter or double-click goes to the field; F8 hides this list)"
            if count
            else "No problems found."
        )
        self.problems_action.setText(f"All problems ({count})" if count else "No problems")
        self.problems_action.setEnabled(bool(count) or self.problems_action.isChecked())

    def _go_to_problem(self, item: QListWidgetItem) -> None:
        target = item.data(Qt.ItemDataRole.UserRole)
        if not target:
            return
        what, where = target
        if what == "cell":
            row, col = where
            index = self.model.index(row, col)
            self.table.setCurrentIndex(index)
            self.table.scrollTo(index)
            self.table.setFocus()
            return
        widget = self._field_widgets().get(where) or self.customer.widget_of(where)
        if widget is None and where in self.totals.inputs:
            widget = self.totals.inputs[where]
        if widget is None and where == "lines":
            widget = self.table
        if widget is not None:
            widget.setFocus()

    # -- lines actions -------------------------------------------------------------------------

    def _selected_rows(self) -> list[int]:
        rows = {i.row() for i in self.table.selectionModel().selectedIndexes()}
        current = self.table.currentIndex()
        if not rows and current.isValid():
            rows = {current.row()}
        return sorted(rows)

    def _selection_changed(self, *_args: Any) -> None:
        rows = self._selected_rows()
        has = bool(rows)
        for action in (self.delete_lines_action, self.duplicate_action, self.save_item_action):
            action.setEnabled(has)
        current = self.table.currentIndex().row()
        self.move_up_action.setEnabled(len(rows) <= 1 and current > 0)
        self.move_down_action.setEnabled(
            len(rows) <= 1 and 0 <= current < self.model.rowCount() - 1
        )

    def _focus_cell(self, row: int, col: int = int(LineColumn.DESCRIPTION)) -> None:
        if 0 <= row < self.model.rowCount():
            index = self.model.index(row, col)
            self.table.setCurrentIndex(index)
            self.table.scrollTo(index)

    def _add_line(self) -> None:
        current = self.table.currentIndex()
        at = current.row() + 1 if current.isValid() else self.model.rowCount()
        self._focus_cell(self.model.add_row(at))
        self.table.setFocus()

    def _append_row_by_tab(self) -> int:
        """Tab from the last cell: a new line, unless the last one is still empty."""
        last = self.model.rowCount() - 1
        if last >= 0 and is_blank(self.model.row_values(last)):
            return -1
        return self.model.add_row()

    def _delete_lines(self) -> None:
        rows = self._selected_rows()
        if not rows:
            return
        stack = self.model.undo_stack
        stack.beginMacro(f"Delete {len(rows)} line(s)")
        self.model.delete_rows(rows)
        if self.model.rowCount() == 0:
            self.model.add_row(0)  # always a row to type into; undone with the delete
        stack.endMacro()
        self._focus_cell(min(rows[0] if rows else 0, self.model.rowCount() - 1))

    def _duplicate_lines(self) -> None:
        at = self.model.duplicate_rows(self._selected_rows())
        self._focus_cell(at)

    def _move(self, delta: int) -> None:
        current = self.table.currentIndex()
        if not current.isValid():
            return
        to = self.model.move(current.row(), delta)
        self.table.setCurrentIndex(self.model.index(to, current.column()))

    def _copy(self) -> None:
        """The selected cells as tab-separated text (typed values, not formatted)."""
        indexes = sorted(
            self.table.selectionModel().selectedIndexes(), key=lambda i: (i.row(), i.column())
        )
        if not indexes:
            return
        rows: dict[int, list[str]] = {}
        for index in indexes:
            rows.setdefault(index.row(), []).append(str(index.data(Qt.ItemDataRole.EditRole) or ""))
        QGuiApplication.clipboard().setText("\n".join("\t".join(r) for r in rows.values()))

    def paste_from_clipboard(self) -> None:
        self.paste_text(QGuiApplication.clipboard().text())

    def _visible_order(self, start: int = 0) -> list[str]:
        cols = [c for c in INPUT_COLUMNS if not self.table.isColumnHidden(int(c)) and c >= start]
        return [FIELD_KEYS[c] for c in cols]

    def paste_text(self, text: str) -> None:
        """Rows from a spreadsheet (tab-separated, header row optional) as new lines, one
        undo step; a single value goes into the current cell."""
        if not text.strip():
            self._say("The clipboard is empty.")
            return
        current = self.table.currentIndex()
        if "\t" not in text and "\n" not in text.strip() and current.isValid():
            if current.column() in INPUT_COLUMNS:
                self.model.setData(current, text.strip())
            return
        start = current.column() if current.isValid() and current.column() in INPUT_COLUMNS else 0
        imported = parse_clipboard(text, self._visible_order(start))
        self._insert_imported(imported, "Paste", current.row() if current.isValid() else -1)

    def _insert_imported(self, imported: ImportedLines, verb: str, row: int) -> None:
        rows = [self._values_of(line) for line in imported.rows]
        if not rows:
            self._say("Nothing to add: " + ("; ".join(imported.notes) or "no rows found."))
            return
        last = self.model.rowCount() - 1
        if row < 0 and last >= 0 and is_blank(self.model.row_values(last)):
            at = last  # the empty row at the end is where new lines go
        elif row < 0:
            at = self.model.rowCount()
        elif is_blank(self.model.row_values(row)):
            at = row
        else:
            at = row + 1
        text = f"{verb} {len(rows)} line(s)"
        self.model.insert_rows(at, rows, text)
        self._focus_cell(at)
        note = f"{text}." + (" " + " ".join(imported.notes) if imported.notes else "")
        if imported.header_used:
            note += " Columns matched by the header row."
        self._say(note)

    @staticmethod
    def _values_of(line: Mapping[str, str]) -> Values:
        values = blank_values()
        for key, text in line.items():
            col = COLUMN_OF_KEY.get(key)
            if col is not None:
                values[col] = text
        return values

    def _import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import lines", str(Path.home()), "Spreadsheets (*.csv *.xlsx);;All files (*)"
        )
        if path:
            self.import_file(path)

    def import_file(self, path: str | Path) -> None:
        """Read a CSV/XLSX of lines in a worker, then add them as one undo step."""
        order = self._visible_order()
        current = self.table.currentIndex()
        row = current.row() if current.isValid() else -1
        name = Path(path).name
        self.ctx.runner.submit(
            lambda _ctx: read_lines_file(path, order),
            kind=TaskKind.READ,
            title=f"Reading {name}",
            owner=self,
            on_done=lambda imported: self._insert_imported(imported, f"Import from {name}:", row),
            on_error=lambda exc: self._say(f"Could not import {name}: {user_message(exc)}"),
        )

    # -- saved items and customers -------------------------------------------------------------

    def _maybe_fill_item(self, *_args: Any) -> None:
        """After a SKU or description was typed: a saved item with exactly that text fills the
        rest of an otherwise empty row (one undo step)."""
        index = self.table.currentIndex()
        if not index.isValid() or index.column() not in (LineColumn.SKU, LineColumn.DESCRIPTION):
            return
        values = self.model.row_values(index.row())
        col = ItemColumn.SKU if index.column() == LineColumn.SKU else ItemColumn.DESCRIPTION
        item = self.items_model.find(col, values[index.column()])
        if item is None or values[LineColumn.UNIT_COST].strip():
            return
        filled = list(values)
        filled[LineColumn.SKU] = item.sku
        filled[LineColumn.DESCRIPTION] = item.description
        filled[LineColumn.UNIT_COST] = f"{item.unit_cost:f}"
        if item.tax:
            filled[LineColumn.TAX] = item.tax
            filled[LineColumn.TAX_TYPE] = AMOUNT if item.tax_type == AMOUNT else PERCENT
        self.model.set_row(index.row(), filled, f"Fill line {index.row() + 1} from saved item")

    def reload_catalog(self) -> None:
        store, currency = self.ctx.store, self.currency
        self.ctx.runner.submit(
            lambda _ctx: (store.list_customers(), store.list_items(currency)),
            kind=TaskKind.READ,
            owner=self,
            on_done=self._catalog_loaded,
            on_error=lambda exc: self._say(f"Saved customers not loaded: {user_message(exc)}"),
        )

    def _catalog_loaded(self, loaded: tuple[list[SavedCustomer], list[SavedItem]]) -> None:
        self.customers_model.set_records(loaded[0])
        self.items_model.set_records(loaded[1])

    def _current_customer(self) -> SavedCustomer | None:
        values = self.customer.values()
        if not values.get("name", "").strip():
            return None
        return SavedCustomer(
            name=values.get("name", ""),
            email=values.get("email", ""),
            phone=values.get("phone", ""),
            street=values.get("street", ""),
            city=values.get("city", ""),
            state=values.get("state", ""),
            country=values.get("country", ""),
            zip=values.get("zip", ""),
        )

    def _save_customer(self) -> None:
        customer = self._current_customer()
        if customer is None:
            self._say("Type the customer's name first.")
            return
        store = self.ctx.store
        self.ctx.runner.submit(
            lambda _ctx: store.save_customer(customer),
            kind=TaskKind.STORE,
            owner=self,
            on_done=lambda _r: self._catalog_saved(f"Saved customer {customer.name}."),
            on_error=lambda exc: self._say(f"Customer not saved: {user_message(exc)}"),
        )

    def _catalog_saved(self, text: str) -> None:
        self._say(text)
        self.reload_catalog()

    def _items_of_rows(self, rows: Sequence[int]) -> list[SavedItem]:
        found = []
        for row in rows:
            values = self.model.row_values(row)
            problems = self.model.row_problems(row)
            if is_blank(values) or LineColumn.UNIT_COST in problems:
                continue
            price = self.model.rules.numbers(values).get(LineColumn.UNIT_COST)
            if price is None or not (
                values[LineColumn.SKU].strip() or values[LineColumn.DESCRIPTION].strip()
            ):
                continue
            found.append(
                SavedItem(
                    currency=self.currency,
                    unit_cost=price,
                    sku=values[LineColumn.SKU],
                    description=values[LineColumn.DESCRIPTION],
                    tax=values[LineColumn.TAX] if LineColumn.TAX not in problems else "",
                    tax_type=values[LineColumn.TAX_TYPE],
                )
            )
        return found

    def _save_items(self, rows: Sequence[int] | None = None) -> None:
        items = self._items_of_rows(self._selected_rows() if rows is None else rows)
        if not items:
            self._say("Select lines with a price and a SKU or description to save them as items.")
            return
        store = self.ctx.store
        self.ctx.runner.submit(
            lambda _ctx: store.save_items(items),
            kind=TaskKind.STORE,
            owner=self,
            on_done=lambda n: self._catalog_saved(f"Saved {n} item(s)."),
            on_error=lambda exc: self._say(f"Items not saved: {user_message(exc)}"),
        )

    def _remember_catalog(self) -> None:
        """After a create: the customer and the lines' items are offered next time."""
        customer = self._current_customer()
        items = self._items_of_rows(range(min(self.model.rowCount(), 500)))
        store = self.ctx.store

        def work(_ctx: TaskContext) -> None:
            if customer is not None:
                store.save_customer(customer)
            store.save_items(items)

        self.ctx.runner.submit(
            work, kind=TaskKind.STORE, owner=self, on_done=lambda _r: self.reload_catalog()
        )

    # -- cart ids --------------------------------------------------------------------------------

    def _load_used_cart_ids(self) -> None:
        profile_id = self.profile_id
        if profile_id is None:
            return
        store = self.ctx.store

        def work(_ctx: TaskContext) -> set[str]:
            return {r.cart_id for r in store.list_invoices(profile_id)}

        def loaded(ids: set[str]) -> None:
            if profile_id == self.profile_id:
                self._used_cart_ids |= ids
                if self.cart_id.text().strip() in ids and not self._loading:
                    self._suggest_cart_id()
                self._revalidate()

        self.ctx.runner.submit(work, kind=TaskKind.READ, owner=self, on_done=loaded)

    def _suggestion(self) -> str:
        stem = "INV-" + datetime.now().strftime("%Y%m%d") + "-"
        n = 1
        while f"{stem}{n:03d}" in self._used_cart_ids:
            n += 1
        return f"{stem}{n:03d}"

    def _suggest_cart_id(self) -> None:
        self.cart_id.setText(self._suggestion())
        self._edited()

    # -- create --------------------------------------------------------------------------------

    def _create(self) -> None:
        if self.busy:
            return
        self.model.check_all_now()
        reason = self._blocking_reason()
        if reason:
            self._say(f"Cannot create yet: {reason}")
            return
        assert self.profile is not None
        profile_id = None
        merchant = self.profile.merchant_id.strip()
        if self.kind is GatewayKind.CLICKPAY and merchant.isascii() and merchant.isdigit():
            profile_id = int(merchant)
        try:
            invoice = build(
                self.kind,
                self.form_values(),
                self.currency,
                self.model.items(),
                profile_id=profile_id,
                decimal_point=self._decimal_point,
                group=self._group,
            )
            found = invoice.problems(_now())
        except ValidationError as exc:
            found = list(exc.violations)
        if found:
            # The whole request disagrees where the live checks did not: say where.
            shown = []
            for v in found[:3]:
                key = field_of(self.kind, v.field)
                shown.append(f"{FIELD_LABELS.get(key, v.field)} {rule_in_words(v.field, v.rule)}")
            self._say("Not created: " + "; ".join(shown))
            return
        self.drafts.flush()
        self.busy = True
        self._refresh_state()
        self.create_requested.emit(invoice)

    # -- drafts list -----------------------------------------------------------------------------

    def reload_drafts(self) -> None:
        store = self.ctx.store
        profile_id = self.profile_id
        self._drafts_generation += 1
        generation = self._drafts_generation

        def show(drafts: list[Any]) -> None:
            if generation == self._drafts_generation:  # an older read answering late is dropped
                self.drafts_panel.set_drafts(drafts, self.drafts.key)
                self.show_drafts_action.setText(f"Drafts ({len(drafts)})" if drafts else "Drafts")

        def work(_ctx: TaskContext) -> list[Any]:
            drafts = store.list_drafts(DRAFT_KIND)
            return [d for d in drafts if d.data.get("profile_id") == profile_id]

        # Through the writer, like the drafts' own saves and deletes: a draft just deleted or
        # saved is never listed the way it was before.
        self.ctx.runner.submit(work, kind=TaskKind.STORE, owner=self, on_done=show)

    def _draft_saved(self, _key: str) -> None:
        self._say("Draft saved.")
        self.reload_drafts()
        self.drafts_changed.emit()

    def _discard_current(self) -> None:
        self.drafts.discard()
        self.drafts.set_key(None)
        self.new_draft()
        self.reload_drafts()
        self.drafts_changed.emit()
        self._say("Draft discarded.")

    def _delete_listed_draft(self) -> None:
        key = self.drafts_panel.current_key()
        if key is None:
            return
        if key == self.drafts.key:
            self._discard_current()
            return
        self.drafts.discard(key)
        self.reload_drafts()
        self.drafts_changed.emit()
        self._say("Draft deleted.")

    def _focus_drafts(self) -> None:
        self.show_drafts_action.setChecked(True)
        self.drafts_panel.view.setFocus()
        if (
            not self.drafts_panel.view.currentIndex().isValid()
            and self.drafts_panel.model.rowCount()
        ):
            self.drafts_panel.view.setCurrentIndex(self.drafts_panel.model.index(0))

    def _say(self, text: str) -> None:
        self.status.setText(text)


def _line_values_pt2(item: Any) -> Values:
    values = blank_values()
    values[LineColumn.SKU] = item.sku
    values[LineColumn.DESCRIPTION] = item.description
    values[LineColumn.URL] = item.url
    values[LineColumn.UNIT_COST] = f"{item.unit_cost:f}"
    values[LineColumn.QUANTITY] = f"{item.quantity:f}"
    if item.discount_amount:
        values[LineColumn.DISCOUNT] = f"{item.discount_amount:f}"
        values[LineColumn.DISCOUNT_TYPE] = AMOUNT
    elif item.discount_rate:
        values[LineColumn.DISCOUNT] = f"{item.discount_rate.normalize():f}"
    if item.tax_total:
        values[LineColumn.TAX] = f"{item.tax_total:f}"
        values[LineColumn.TAX_TYPE] = AMOUNT
    elif item.tax_rate:
        values[LineColumn.TAX] = f"{item.tax_rate.normalize():f}"
    return values


def _form_from_invoice(invoice: Invoice) -> tuple[InvoiceForm, list[Values]]:
    c = invoice.customer
    customer = (
        {}
        if c is None
        else {
            "name": c.name,
            "email": c.email,
            "phone": c.phone,
            "street": c.street1,
            "city": c.city,
            "state": c.state,
            "country": c.country,
            "zip": c.zip,
        }
    )
    form = InvoiceForm(
        customer=customer,
        customer_ref=invoice.customer_ref,
        description=invoice.cart_description,
        language=invoice.lang,
        callback_url=invoice.callback_url,
        return_url=invoice.return_url,
        hide_shipping=invoice.hide_shipping,
        disable_edit=invoice.disable_edit,
        tokenise=invoice.tokenise is not None,
        charges={
            "shipping": f"{invoice.shipping_charges:f}" if invoice.shipping_charges else "",
            "extra_charges": f"{invoice.extra_charges:f}" if invoice.extra_charges else "",
            "extra_discount": f"{invoice.extra_discount:f}" if invoice.extra_discount else "",
        },
    )
    return form, [_line_values_pt2(item) for item in invoice.lines]


def _form_from_einvoice(invoice: EInvoice) -> tuple[InvoiceForm, list[Values]]:
    c = invoice.customer
    phone = "" if c is None else f"{c.phone_country_code}{c.phone_number}"
    form = InvoiceForm(
        customer={} if c is None else {"name": c.name, "email": c.email, "phone": phone},
        description=invoice.charge_description or "",
        language="ar" if invoice.language.upper() == "AR" else "en",
        callback_url=invoice.callback_url or "",
        charges={
            "extra_charges": "" if invoice.extra_charges is None else f"{invoice.extra_charges:f}",
            "extra_discount": ""
            if invoice.invoice_discount is None
            else f"{invoice.invoice_discount:f}",
        },
        charge_types={
            "extra_charges_type": AMOUNT
            if invoice.extra_charges_type.value == "Amount"
            else PERCENT,
            "extra_discount_type": AMOUNT
            if invoice.invoice_discount_type.value == "Amount"
            else PERCENT,
        },
    )
    rows = []
    for item in invoice.items:
        values = blank_values()
        values[LineColumn.SKU] = item.sku or ""
        values[LineColumn.DESCRIPTION] = item.description or ""
        values[LineColumn.UNIT_COST] = f"{item.price:f}"
        values[LineColumn.QUANTITY] = str(item.quantity)
        if item.item_discount is not None:
            values[LineColumn.DISCOUNT] = f"{item.item_discount:f}"
            values[LineColumn.DISCOUNT_TYPE] = (
                AMOUNT if item.item_discount_type.value == "Amount" else PERCENT
            )
        if item.tax is not None:
            values[LineColumn.TAX] = f"{item.tax:f}"
            values[LineColumn.TAX_TYPE] = AMOUNT if item.tax_type.value == "Amount" else PERCENT
        rows.append(values)
    return form, rows


__all__ = ["DRAFT_KIND", "InvoiceEditor"]
