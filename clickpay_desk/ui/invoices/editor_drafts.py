"""The invoice editor's drafts: the list of this profile's drafts, opening, saving, discarding and
deleting them (saved through ``DraftSaver`` within a second of typing).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import SignalInstance
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from clickpay_desk.core.money import format_amount
from clickpay_desk.core.profile import GatewayKind

from ..context import DeskContext
from ..drafts import DraftSaver
from ..tasks import TaskContext, TaskKind
from .drafts_panel import DraftsPanel
from .form_rules import InvoiceForm
from .line_rules import Values, blank_values
from .lines_model import LinesModel

DRAFT_KIND = "invoice"

if TYPE_CHECKING:
    _Base = QWidget
else:
    _Base = object  # a mixin of InvoiceEditor, which is the QWidget


class DraftsWiring(_Base):
    """The editor's drafts: what is saved, what is listed, what is opened."""

    if TYPE_CHECKING:  # what the other parts of InvoiceEditor give this one
        ctx: DeskContext
        currency: str
        drafts: DraftSaver
        drafts_changed: SignalInstance
        _drafts_generation: int
        drafts_panel: DraftsPanel
        kind: GatewayKind
        model: LinesModel
        _own_cart_id: str
        profile_id: int | None
        show_drafts_action: QAction

        def _apply(self, form: InvoiceForm, rows: Sequence[Values]) -> None: ...

        def form_values(self) -> InvoiceForm: ...

        def new_draft(self, prefill: Mapping[str, Any] | None = None) -> None: ...

        def _say(self, text: str) -> None: ...

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
