"""Which spreadsheet column feeds which payout field: guessed, shown, corrected by the user."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from clickpay_desk.core.payout import MANDATORY_FIELDS, MAY_BE_EMPTY
from clickpay_desk.exchange.payout_headers import FIELDS, TEMPLATE_HEADINGS

NOT_IN_FILE = "(not in the file)"


class MappingDialog(QDialog):
    """One combo box per field; ``mapping()`` gives field -> column index."""

    def __init__(
        self,
        headers: Sequence[str],
        guess: Mapping[str, int],
        notes: Sequence[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Match the spreadsheet's columns")
        self._headers = list(headers)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Each payout field and the column it is read from. Correct any wrong guess; the "
            "choice is remembered for this profile."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        if notes:
            # The reader's notes are clauses ("read as CSV: …"): one per line, as sentences.
            note = QLabel("\n".join(f"• {n[:1].upper()}{n[1:]}" for n in notes))
            note.setWordWrap(True)
            layout.addWidget(note)
        form = QFormLayout()
        self.combos: dict[str, QComboBox] = {}
        for name in FIELDS:
            combo = QComboBox()
            combo.addItem(NOT_IN_FILE, -1)
            for index, heading in enumerate(self._headers):
                combo.addItem(f"{_letter(index)}: {heading or '(no heading)'}", index)
            chosen = guess.get(name)
            if chosen is not None:
                combo.setCurrentIndex(chosen + 1)
            label = TEMPLATE_HEADINGS.get(name, name)
            # "*": a value is needed in every row (bank branch and address 2 may stay empty,
            # as the template's Help sheet says).
            if name in MANDATORY_FIELDS and name not in MAY_BE_EMPTY:
                label += " *"
            form.addRow(label, combo)
            self.combos[name] = combo
        layout.addLayout(form)
        layout.addWidget(QLabel("* needed in every row"))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def mapping(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for name, combo in self.combos.items():
            index = int(combo.currentData())
            if index >= 0:
                found[name] = index
        return found

    def headings(self) -> dict[str, str]:
        """The mapping as field -> heading text (what is remembered per profile)."""
        return {name: self._headers[index] for name, index in self.mapping().items()}


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
