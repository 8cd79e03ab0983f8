"""The Sandbox menu (``--sandbox`` only): act as the customer and move the sandbox's clock.

"Customer pays…" completes the payment page of an invoice still waiting for payment or of an
agreement waiting for its first payment (approved or declined); "Advance time by…" moves the
sandbox's today on, and the sandbox charges every installment that falls due, delivering each
callback to the app, which imports it. Both call the sandbox's own controls (``/_sandbox/…``,
see ``sandbox/README.md``) from a worker.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

import httpx
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QInputDialog, QMenu, QWidget

from .context import DeskContext
from .errors import user_message
from .tasks import TaskContext, TaskHandle

log = logging.getLogger(__name__)

#: The most the sandbox's clock moves in one go (its own limit is larger).
MAX_DAYS = 3660


def sandbox_today(url: str, timeout: float = 5.0) -> date | None:
    """The sandbox's today (its clock may have been moved on), or None when it cannot say."""
    try:
        reply = httpx.get(f"{url.rstrip('/')}/_sandbox/clock", timeout=timeout)
        reply.raise_for_status()
        return date.fromisoformat(str(reply.json()["today"]))
    except (httpx.HTTPError, KeyError, TypeError, ValueError) as exc:
        log.warning("the sandbox clock could not be read: %s", exc)
        return None


def _control(url: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    reply = httpx.post(f"{url.rstrip('/')}{path}", json=body, timeout=15)
    if reply.status_code >= 400:
        try:
            text = str(reply.json().get("message") or reply.text)
        except ValueError:
            text = reply.text
        raise RuntimeError(f"The sandbox refused: {text}")
    answer = reply.json()
    return answer if isinstance(answer, dict) else {}


def advance_summary(answer: dict[str, Any]) -> str:
    installments = answer.get("installments") or []
    declined = [i for i in installments if i.get("response_status") != "A"]
    text = f"Sandbox clock moved on to {answer.get('today')}"
    if not installments:
        return text + ": no installment fell due."
    text += f": {len(installments)} installment{'s' if len(installments) != 1 else ''} charged"
    if declined:
        text += f", {len(declined)} declined"
    return text + "; their callbacks are being imported."


class SandboxMenu(QMenu):
    def __init__(self, window: QWidget, ctx: DeskContext, url: str) -> None:
        super().__init__("S&andbox", window)
        self.window_ = window
        self.ctx = ctx
        self.url = url
        self.pay_action = QAction("Customer &pays…", self)
        self.pay_action.setShortcut(QKeySequence("F9"))
        self.pay_action.setStatusTip(
            "Pay an invoice, or an agreement's first payment, as the customer would"
        )
        self.pay_action.triggered.connect(lambda _=False: self.ask_pay())
        self.advance_action = QAction("&Advance time by…", self)
        self.advance_action.setShortcut(QKeySequence("Shift+F9"))
        self.advance_action.setStatusTip(
            "Move the sandbox's clock on; due installments are charged"
        )
        self.advance_action.triggered.connect(lambda _=False: self.ask_advance())
        self.addAction(self.pay_action)
        self.addAction(self.advance_action)

    # -- what the window offers -------------------------------------------------------------

    def _tab(self) -> Any:
        from .agreements import AgreementsTab

        tabs = self.window_.findChildren(AgreementsTab)
        return tabs[0] if tabs else None

    def _invoices(self) -> Any:
        from .invoices import InvoicesTab

        tabs = self.window_.findChildren(InvoicesTab)
        return tabs[0] if tabs else None

    def _say(self, text: str) -> None:
        show = getattr(self.window_, "show_message", None)
        if callable(show):
            show(text)
        tab = self._tab()
        if tab is not None:
            tab.say(text)

    def _changed(self) -> None:
        tab = self._tab()
        if tab is not None:
            tab.sandbox_changed()

    # -- customer pays ------------------------------------------------------------------------

    def ask_pay(self) -> None:
        tab, invoices = self._tab(), self._invoices()
        waiting: list[tuple[str, str, str]] = []  # (kind, id, label)
        if invoices is not None:
            waiting += [
                ("invoice", i, f"Invoice {label}") for i, label in invoices.awaiting_payments()
            ]
        if tab is not None:
            waiting += [
                ("agreement", t, f"Agreement {label}") for t, label in tab.awaiting_payments()
            ]
        if not waiting:
            self._say(
                "Nothing is waiting for the customer to pay: create an invoice (Invoices tab, "
                "New invoice) or an agreement (Agreements tab, New agreement), then choose "
                "Sandbox ▸ Customer pays."
            )
            return
        labels = [label for _, _, label in waiting]
        choice, ok = QInputDialog.getItem(
            self.window_,
            "Customer pays",
            "Which payment page does the customer complete?",
            labels,
            0,
            False,
        )
        if not ok:
            return
        outcome, ok = QInputDialog.getItem(
            self.window_, "Customer pays", "The card is…", ["approved", "declined"], 0, False
        )
        if not ok:
            return
        kind, key, _label = waiting[labels.index(choice)]
        if kind == "invoice":
            reference = choice.removeprefix("Invoice ").split(" — ")[0]
            self.pay_invoice(key, approved=outcome == "approved", reference=reference)
        else:
            reference = choice.removeprefix("Agreement ").split(" — ")[0]
            self.pay(key, approved=outcome == "approved", reference=reference)

    def pay_invoice(
        self, invoice_id: str, *, approved: bool = True, reference: str | None = None
    ) -> TaskHandle:
        url = self.url
        body = {} if approved else {"result": "declined"}

        def work(_: TaskContext) -> dict[str, Any]:
            return _control(url, f"/_sandbox/invoices/{invoice_id}/pay", body)

        def done(_answer: dict[str, Any]) -> None:
            name = f"the invoice “{reference}”" if reference else f"invoice {invoice_id}"
            self._say(
                f"The customer paid {name} in the sandbox; its status is being checked."
                if approved
                else f"The customer's card was declined for {name} in the sandbox; "
                "it is still waiting for payment."
            )
            invoices = self._invoices()
            if invoices is not None:
                invoices.refresh_pending()  # the list shows what happened without a click

        return self.ctx.runner.submit(
            work,
            title="Sandbox: the customer pays an invoice",
            on_done=done,
            on_error=lambda exc: self._say(f"Sandbox payment failed: {user_message(exc)}"),
            owner=self,
        )

    def pay(
        self, tran_ref: str, *, approved: bool = True, reference: str | None = None
    ) -> TaskHandle:
        url = self.url
        body = {} if approved else {"result": "declined"}

        def work(_: TaskContext) -> dict[str, Any]:
            return _control(url, f"/_sandbox/payments/{tran_ref}/pay", body)

        def done(answer: dict[str, Any]) -> None:
            result = (answer.get("payment_result") or {}).get("response_message") or "done"
            name = f"the first payment of agreement {reference}" if reference else tran_ref
            self._say(f"The customer paid {name} in the sandbox: {result}.")
            self._changed()

        return self.ctx.runner.submit(
            work,
            title="Sandbox: the customer pays",
            on_done=done,
            on_error=lambda exc: self._say(f"Sandbox payment failed: {user_message(exc)}"),
            owner=self,
        )

    # -- the clock ----------------------------------------------------------------------------

    def ask_advance(self) -> None:
        days, ok = QInputDialog.getInt(
            self.window_,
            "Advance time",
            "Move the sandbox's clock on by how many days?",
            30,
            1,
            MAX_DAYS,
        )
        if ok:
            self.advance(days)

    def advance(self, days: int) -> TaskHandle:
        url = self.url

        def work(_: TaskContext) -> dict[str, Any]:
            return _control(url, "/_sandbox/clock/advance", {"days": days})

        def done(answer: dict[str, Any]) -> None:
            self._say(advance_summary(answer))
            self._changed()

        return self.ctx.runner.submit(
            work,
            title=f"Sandbox: advancing the clock by {days} days",
            on_done=done,
            on_error=lambda exc: self._say(f"The sandbox clock did not move: {user_message(exc)}"),
            owner=self,
        )


def build_sandbox_menu(window: QWidget, ctx: DeskContext) -> QMenu | None:
    """The Sandbox menu for ``window``, or None when the app is not in ``--sandbox`` mode."""
    if ctx.sandbox_url is None:
        return None
    return SandboxMenu(window, ctx, ctx.sandbox_url)
