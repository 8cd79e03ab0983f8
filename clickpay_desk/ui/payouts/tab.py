"""The Payouts tab (placeholder until its issue fills it).

Every tab has the same shape for the main window: built with the app's context and the one
``Mutations`` (money moves), told the active profile, and refreshed on F5.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from clickpay_desk.core.profile import Profile

from ..coming_page import ComingPage
from ..context import DeskContext
from ..mutations import Mutations


class PayoutsTab(ComingPage):
    def __init__(
        self, ctx: DeskContext, mutations: Mutations, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            "Payouts",
            "Build payout batches from spreadsheets, submit them, track each transfer and "
            "export the results to XLSX.",
            parent,
        )
        self.ctx = ctx
        self.mutations = mutations
        self.profile: Profile | None = None

    def set_profile(self, profile: Profile | None) -> None:
        """The profile every action of this tab works with (None: no profile yet)."""
        self.profile = profile

    def refresh(self) -> None:
        """F5: reload what this tab shows."""
