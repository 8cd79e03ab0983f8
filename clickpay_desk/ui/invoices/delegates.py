"""One delegate per column type of the lines table, assigned once from the column table.

* amount: the currency's decimals as a hint; accepts the user's locale separators and
  Arabic-Indic digits (the model reads them through ``core.money``);
* rate or amount (discount, tax): a number, "%" allowed ("15%" also sets the type);
* quantity: a whole number;
* type: "%" or "Amount" from a list;
* text: free text, with the saved items offered as the user types (SKU, description).

The editors only collect text; what the text means and which rule it breaks is the model's
business (through ``core``), so a paste and a typed value are judged alike.
"""

from __future__ import annotations

import itertools

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRegularExpression,
    Qt,
)
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from .line_rules import TYPE_CHOICES, LineColumn

AnyIndex = QModelIndex | QPersistentModelIndex

# Latin, Arabic-Indic and Eastern Arabic-Indic digits, the usual separators (also the Arabic
# decimal and thousands marks), spaces people paste between thousands, and a trailing %.
NUMBER_PATTERN = _NUMBER = QRegularExpression("^[\\s0-9٠-٩۰-۹.,٫٬\u00a0\u202f\u2009-]*[%٪]?$")
_WHOLE = QRegularExpression(r"^[\s0-9٠-٩۰-۹,٬]*$")


#: Numbers the cell editors that commit while typing (their keystrokes merge into one step).
_EDIT_SESSIONS = itertools.count(1)


class _LineEditDelegate(QStyledItemDelegate):
    """A line editor that starts with the cell's typed text (EditRole)."""

    placeholder = ""
    pattern: QRegularExpression | None = None
    align_right = False
    #: Commit on every keystroke (numbers: the totals follow the typing).
    live = False

    def createEditor(
        self, parent: QWidget, option: QStyleOptionViewItem, index: AnyIndex
    ) -> QWidget:
        editor = QLineEdit(parent)
        editor.setFrame(False)
        if self.placeholder:
            editor.setPlaceholderText(self.placeholder)
        if self.pattern is not None:
            editor.setValidator(QRegularExpressionValidator(self.pattern, editor))
        if self.align_right:
            editor.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if self.live:
            editor.textEdited.connect(lambda _text: self._commit_live(editor, index))
        return editor

    def _commit_live(self, editor: QLineEdit, index: AnyIndex) -> None:
        """Every keystroke in a number reaches the model, so totals and marks follow typing."""
        model = index.model()
        if not index.isValid() or model is None:
            return
        editor.setProperty("live_commit", True)
        session = editor.property("edit_session")
        if session is None:  # a number per cell editor (an id() is reused once one is gone)
            session = next(_EDIT_SESSIONS)
            editor.setProperty("edit_session", session)
        setattr(model, "edit_session", session)  # noqa: B010 - LinesModel's, if it has one
        try:
            self.commitData.emit(editor)
        finally:
            setattr(model, "edit_session", None)  # noqa: B010
            editor.setProperty("live_commit", False)

    def setEditorData(self, editor: QWidget, index: AnyIndex) -> None:
        assert isinstance(editor, QLineEdit)
        if editor.property("live_commit"):
            return  # the model repainting what was just typed: the editor already shows it
        value = index.data(Qt.ItemDataRole.EditRole)
        editor.setText("" if value is None else str(value))

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: AnyIndex) -> None:
        assert isinstance(editor, QLineEdit)
        model.setData(index, editor.text(), Qt.ItemDataRole.EditRole)


class AmountDelegate(_LineEditDelegate):
    """An amount in the invoice currency."""

    pattern = _NUMBER
    align_right = True
    live = True

    def __init__(self, decimals: int = 2, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.set_decimals(decimals)

    def set_decimals(self, decimals: int) -> None:
        self.placeholder = "0" + ("." + "0" * decimals if decimals else "")


class RateOrAmountDelegate(_LineEditDelegate):
    """A discount or tax: a percentage or an amount, as the row's type says."""

    pattern = _NUMBER
    align_right = True
    placeholder = "0"
    live = True


class QuantityDelegate(_LineEditDelegate):
    pattern = _WHOLE
    align_right = True
    placeholder = "1"
    live = True


class TextDelegate(_LineEditDelegate):
    """Free text; with a completer, saved entries are offered as the user types."""

    def __init__(
        self,
        completer_model: QAbstractItemModel | None = None,
        column: int = 0,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._completer_model = completer_model
        self._completer_column = column

    def createEditor(
        self, parent: QWidget, option: QStyleOptionViewItem, index: AnyIndex
    ) -> QWidget:
        editor = super().createEditor(parent, option, index)
        if self._completer_model is not None:
            assert isinstance(editor, QLineEdit)
            completer = QCompleter(self._completer_model, editor)
            completer.setCompletionColumn(self._completer_column)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            editor.setCompleter(completer)
        return editor


class TypeDelegate(QStyledItemDelegate):
    """ "%" or "Amount"."""

    def createEditor(
        self, parent: QWidget, option: QStyleOptionViewItem, index: AnyIndex
    ) -> QWidget:
        combo = QComboBox(parent)
        combo.addItems(list(TYPE_CHOICES))
        combo.setToolTip("% : a rate; Amount: a fixed amount")
        return combo

    def setEditorData(self, editor: QWidget, index: AnyIndex) -> None:
        assert isinstance(editor, QComboBox)
        value = str(index.data(Qt.ItemDataRole.EditRole) or TYPE_CHOICES[0])
        editor.setCurrentIndex(max(0, editor.findText(value)))

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: AnyIndex) -> None:
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentText(), Qt.ItemDataRole.EditRole)


#: The column table: which delegate type edits which column.
DELEGATE_OF_COLUMN: dict[LineColumn, str] = {
    LineColumn.SKU: "sku",
    LineColumn.DESCRIPTION: "description",
    LineColumn.URL: "text",
    LineColumn.UNIT_COST: "amount",
    LineColumn.QUANTITY: "quantity",
    LineColumn.DISCOUNT: "rate_or_amount",
    LineColumn.DISCOUNT_TYPE: "type",
    LineColumn.TAX: "rate_or_amount",
    LineColumn.TAX_TYPE: "type",
}


class LineDelegates:
    """Builds the delegates once and assigns them to a view's columns."""

    def __init__(
        self,
        view: QAbstractItemView,
        decimals: int,
        items_model: QAbstractItemModel | None = None,
    ) -> None:
        self.amount = AmountDelegate(decimals, view)
        by_type: dict[str, QStyledItemDelegate] = {
            "amount": self.amount,
            "rate_or_amount": RateOrAmountDelegate(view),
            "quantity": QuantityDelegate(view),
            "type": TypeDelegate(view),
            "text": TextDelegate(None, 0, view),
            "sku": TextDelegate(items_model, 0, view),
            "description": TextDelegate(items_model, 1, view),
        }
        self.by_type = by_type
        for column, kind in DELEGATE_OF_COLUMN.items():
            view.setItemDelegateForColumn(int(column), by_type[kind])
