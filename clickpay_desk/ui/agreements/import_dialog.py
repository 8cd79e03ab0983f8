"""Paste a callback (IPN) body and its ``signature`` header value to import it."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)


class PasteCallbackDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import a callback")
        intro = QLabel(
            "Paste the callback body exactly as your server received it, and the value of its "
            "<b>signature</b> header when there was one. A signed body is checked with this "
            "profile's server key; a body changed after signing is refused."
        )
        intro.setWordWrap(True)
        self.body = QPlainTextEdit()
        self.body.setPlaceholderText('{"tran_ref": "TST…", "cart_id": "…", …}')
        self.signature = QLineEdit()
        self.signature.setPlaceholderText("hex HMAC-SHA256 (optional)")
        form = QFormLayout()
        body_label = QLabel("&Body")
        body_label.setBuddy(self.body)
        signature_label = QLabel("&Signature")
        signature_label.setBuddy(self.signature)
        form.addRow(body_label, self.body)
        form.addRow(signature_label, self.signature)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Import")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(640, 420)

    def raw(self) -> bytes:
        # The text as pasted; a trailing newline a terminal adds is not part of the body.
        return self.body.toPlainText().rstrip("\r\n").encode("utf-8")

    def signature_value(self) -> str | None:
        return self.signature.text().strip() or None
