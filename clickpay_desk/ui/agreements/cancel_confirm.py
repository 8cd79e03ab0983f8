"""The question before an agreement is cancelled: what the cancel stops, asked Yes/No."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from clickpay_desk.core.money import format_display
from clickpay_desk.services.agreements import AgreementView, InstallmentState


def cancel_text(view: AgreementView) -> str:
    """What a cancel stops: the installments still to come and their sum."""
    upcoming = [r for r in view.rows if r.state is InstallmentState.NOT_DUE]
    name = view.record.agreement_id or view.record.cart_id
    head = f"Cancel agreement {name} ({view.description})?"
    if not upcoming:
        return head + "\n\nNo further installment is scheduled; nothing more would be charged."
    shown = [
        f"• installment {r.number} on {r.due_date.isoformat()}: "
        f"{format_display(r.amount, r.currency)}"
        for r in upcoming[:5]
    ]
    if len(upcoming) > 5:
        shown.append(f"• … and {len(upcoming) - 5} more")
    total = sum((r.amount for r in upcoming), start=upcoming[0].amount * 0)
    if view.open_ended:
        tail = (
            f"It repeats until cancelled: the next 12 months alone are {len(upcoming)} "
            f"installments, {format_display(total, view.currency)}."
        )
    else:
        tail = (
            f"{len(upcoming)} installments, {format_display(total, view.currency)} in all, will no "
            "longer be charged."
        )
    return (
        head
        + "\n\nClickPay will no longer charge the customer:\n"
        + "\n".join(shown)
        + f"\n\n{tail}\nA cancelled agreement cannot be restarted."
    )


def ask(parent: QWidget, title: str, text: str) -> bool:
    """Yes/No, No the default: a cancel cannot be undone."""
    answer = QMessageBox.question(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes
