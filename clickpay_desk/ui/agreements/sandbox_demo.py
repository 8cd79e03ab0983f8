"""The Agreements tab's sandbox part: the demo agreement made on the first ``--sandbox`` start,
what the sandbox menu asks of the tab, and the reload when the sandbox clock moves on.

A mixin of ``AgreementsTab``: it works on the tab's profile, model and status line.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from clickpay_desk.core.money import format_display
from clickpay_desk.core.profile import Profile
from clickpay_desk.services import agreements as svc
from clickpay_desk.services.agreements import AgreementStatus
from clickpay_desk.services.ipn_folder import LoopbackReceiver
from clickpay_desk.services.operations import Operation
from clickpay_desk.services.sandbox_demo import DEMO_DESCRIPTION as DEMO_TITLE
from clickpay_desk.services.sandbox_demo import (
    DemoAgreement,
    create_demo_agreement,
    demo_agreement_wanted,
)

from ..context import DeskContext
from ..errors import user_message
from ..mutations import Mutation, Mutations
from ..tasks import TaskContext, TaskHandle, TaskKind
from .models import AgreementsModel

if TYPE_CHECKING:
    from PySide6.QtCore import Signal

    _Base = QWidget
else:
    _Base = object

log = logging.getLogger(__name__)


class SandboxDemo(_Base):
    """The tab in ``--sandbox`` mode: the demo agreement and the sandbox menu's questions."""

    ctx: DeskContext
    mutations: Mutations
    profile: Profile | None
    today: date
    receiver: LoopbackReceiver | None
    model: AgreementsModel
    _demo_note: str

    if TYPE_CHECKING:  # the tab's and the callback part's (stubs here would shadow them)
        loaded: Signal

        @property
        def sandbox_mode(self) -> bool: ...

        def say(self, text: str) -> None: ...

        def refresh(self) -> None: ...

        def select(self, row_id: int) -> bool: ...

        def poll_folder(self) -> TaskHandle | None: ...

    def sandbox_changed(self) -> None:
        """The sandbox clock moved or a customer paid: look at the folder and reload now."""
        self.poll_folder()
        self.refresh()

    def offer_demo(self) -> TaskHandle | None:
        """First ``--sandbox`` start: make the demo agreement (once per data folder).

        A real one: the journalled request, the sandbox's customer pays, its clock moves on a
        day and the first installment's callback arrives in the watched folder like any other.
        """
        profile, url, receiver = self.profile, self.ctx.sandbox_url, self.receiver
        if not self.sandbox_mode or profile is None or url is None or receiver is None:
            return None
        store = self.ctx.store

        def wanted(_: TaskContext) -> bool:
            return demo_agreement_wanted(store, profile, url)

        return self.ctx.runner.submit(
            wanted,
            kind=TaskKind.READ,
            on_done=self._demo_wanted,
            on_error=lambda exc: log.warning("no demo agreement: %s", exc),
            owner=self,
        )

    def _demo_wanted(self, wanted: bool) -> None:
        if wanted:
            self._make_demo()

    def _make_demo(self) -> TaskHandle | None:
        profile, url, receiver = self.profile, self.ctx.sandbox_url, self.receiver
        if profile is None or url is None or receiver is None:
            return None
        store, pool = self.ctx.store, self.ctx.pool
        cart_id = svc.new_cart_id(self.today)
        callback = receiver.url
        mutation = Mutation(
            "Setting up the sandbox's demo agreement",
            Operation.AGREEMENT_REQUEST,
            svc.subject_of(cart_id),
        )

        def call(ctx: TaskContext) -> DemoAgreement:
            return create_demo_agreement(
                store, pool, profile, url, cart_id=cart_id, callback=callback, cancel=ctx.cancelled
            )

        def done(demo: DemoAgreement) -> None:
            self._demo_note = (
                f"Sandbox demo: the agreement {demo.record.cart_id} (“{DEMO_TITLE}”) was "
                "requested, the sandbox's customer paid its first payment, and its clock moved "
                "on a day so the first installment was charged; their callbacks are being "
                "imported. Sandbox ▸ Advance time by… (Shift+F9) charges the next ones."
            )
            self.say(self._demo_note)
            record_id = demo.record.id
            if record_id is not None:
                self.loaded.connect(
                    lambda: self.select(record_id), Qt.ConnectionType.SingleShotConnection
                )
            self.sandbox_changed()

        return self.mutations.submit(
            mutation,
            call,
            describe=lambda d: f"agreement {d.record.cart_id}",
            on_done=done,
            on_error=lambda exc: self.say(
                f"The sandbox's demo agreement was not set up: {user_message(exc)}"
            ),
            owner=self,
        )

    def awaiting_payments(self) -> list[tuple[str, str]]:
        """(tran_ref, label) of the loaded agreements still waiting for the first payment."""
        return [
            (
                v.record.tran_ref,
                f"{v.record.cart_id} — {v.description} — "
                f"{format_display(v.record.initial_amount, v.currency)}",
            )
            for v in self.model.views()
            if v.status is AgreementStatus.AWAITING and v.record.tran_ref
        ]
