"""The invoice editor's live checks and Create: a change revalidates the invoice-level rules and
marks the fields; the Create action says why it is disabled and the problem list names every
problem; Create checks the whole invoice once and hands it to the tab.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, SignalInstance
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QToolButton,
    QWidget,
)

from clickpay_desk.core.profile import GatewayKind, Profile
from clickpay_desk.core.rules import ValidationError

from ..drafts import DraftSaver
from .customer_form import CustomerForm, mark_widget
from .form_rules import (
    FIELD_LABELS,
    InvoiceForm,
    build,
    field_of,
    header_problems,
    read_charges,
    rule_in_words,
)
from .lines_model import HEADERS, LinesModel
from .lines_view import LinesView
from .totals_panel import TotalsPanel

#: The problem list is rebuilt at most this often (it lists rows; the marks are immediate).
PROBLEMS_THROTTLE_MS = 120
_ROW_PROBLEMS_SHOWN = 50


def _now() -> datetime:
    return datetime.now(UTC)


if TYPE_CHECKING:
    _Base = QWidget
else:
    _Base = object  # a mixin of InvoiceEditor, which is the QWidget


class CreateChecks(_Base):
    """What follows an edit (totals, checks, marks), the Create state and Create itself."""

    if TYPE_CHECKING:  # what the other parts of InvoiceEditor give this one
        busy: bool
        create_action: QAction
        create_button: QPushButton
        create_reason: QLabel
        create_requested: SignalInstance
        currency: str
        customer: CustomerForm
        _decimal_point: str
        drafts: DraftSaver
        _form: InvoiceForm | None
        _grand: Decimal
        _group: str
        kind: GatewayKind
        _loading: bool
        _marked: dict[str, str]
        model: LinesModel
        options: QWidget
        options_button: QToolButton
        _own_cart_id: str
        problem_heading: QLabel
        problem_list: QListWidget
        _problems: dict[str, str]
        problems_action: QAction
        _problems_timer: QTimer
        profile: Profile | None
        table: LinesView
        totals: TotalsPanel
        _used_cart_ids: set[str]

        def _current_form(self) -> InvoiceForm: ...

        def _field_widgets(self) -> dict[str, QWidget]: ...

        def form_values(self) -> InvoiceForm: ...

        def _say(self, text: str) -> None: ...

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
