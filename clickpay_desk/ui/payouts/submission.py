"""Submitting a payout batch: saved to the store, sent in chunks through ``Mutations`` with
progress and Cancel (between chunks), then read back from the store."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QLabel, QLineEdit, QProgressBar, QPushButton, QSpinBox, QWidget

from clickpay_desk.core.profile import Profile
from clickpay_desk.services import payouts
from clickpay_desk.services.operations import Operation
from clickpay_desk.store.records import BatchRecord

from ..context import DeskContext
from ..drafts import DraftSaver
from ..errors import user_message
from ..mutations import Mutation, Mutations
from ..tasks import TaskHandle, TaskKind
from .batch_draft import DRAFT_KIND
from .entries_model import PayoutEntriesModel, ProblemsModel


class SubmissionMixin(QWidget):
    """The Payouts tab's Submit, its progress and Cancel, and the batch read back after it."""

    if TYPE_CHECKING:  # made and kept by PayoutsTab (tab.py); declared for the type checker
        ctx: DeskContext
        mutations: Mutations
        profile: Profile | None
        batch: BatchRecord | None
        _submission: TaskHandle | None
        _submitted_id: dict[str, int]
        _reopening: bool
        model: PayoutEntriesModel
        problems: ProblemsModel
        drafts: DraftSaver
        message: QLabel
        order_edit: QLineEdit
        account_edit: QLineEdit
        chunk_spin: QSpinBox
        progress: QProgressBar
        cancel_button: QPushButton

        def _update_state(self) -> None: ...

        def _summary_now(self) -> None: ...

        def open_batch(self, batch_id: int) -> None: ...

        def refresh(self) -> None: ...

    def submit(self) -> None:
        profile = self.profile
        if profile is None or profile.id is None:
            return
        problems, _ = self.problems.counts()
        self._summary_now()
        problems, _ = self.problems.counts()
        if problems:
            self.message.setText(f"Fix the {problems} problem(s) listed first: nothing was sent.")
            return
        self.drafts.flush()
        draft_key = self.drafts.key
        # From here the batch lives in the store; the draft would only bring it back as new.
        self.drafts.set_key(None)
        store, pool = self.ctx.store, self.ctx.pool
        rows = [(r.row, dict(r.values)) for r in self.model.entries()]
        batch = self.batch
        order_id = self.order_edit.text().strip()
        account_id = self.account_edit.text().strip()
        currency = self.model.currency
        chunk = self.chunk_spin.value()
        draft = batch is None or batch.status == payouts.BatchState.DRAFT
        holder = self._submitted_id = {}

        def work(ctx: Any) -> payouts.SubmissionResult:
            if draft:
                saved = payouts.save_draft_batch(
                    store,
                    profile,
                    order_id=order_id,
                    account_id=account_id,
                    currency=currency,
                    rows=rows,
                    batch_id=None if batch is None else batch.id,
                    chunk_size=chunk,
                )
            else:
                assert batch is not None
                saved = batch
                sub = store.get_submission(saved.id or 0)
                if sub is not None and sub.chunk_size != chunk:
                    store.save_submission(replace(sub, chunk_size=chunk))
            assert saved.id is not None
            holder["id"] = saved.id
            if draft_key is not None:
                store.delete_draft(DRAFT_KIND, draft_key)
            ctx.progress(0, len(rows), "Creating the batch")
            return payouts.submit_batch(
                store,
                pool,
                saved.id,
                progress=lambda p: ctx.progress(p.sent, p.total, f"{p.sent} of {p.total} sent"),
                cancel=ctx.cancelled,
            )

        subject = payouts.order_subject(profile.id, order_id)
        if batch is not None and batch.remote_batch_id:
            subject = payouts.batch_subject(profile.id, batch.remote_batch_id)
        mutation = Mutation(
            f"Submitting the payout batch “{order_id}”", Operation.PAYOUT_BATCH_ADD, subject
        )
        self.progress.setRange(0, max(1, len(rows)))
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.cancel_button.setVisible(True)
        self.cancel_button.setEnabled(True)
        self.message.setText(f"Sending {len(rows)} entries in chunks of {chunk}…")
        handle = self.mutations.submit(
            mutation,
            work,
            # The status bar adds its own full stop ("…: done — <this>.").
            describe=lambda result: result.message.rstrip("."),
            on_done=self._submitted,
            on_error=self._submission_failed,
            on_cancelled=self._submission_cancelled,
            owner=self,
        )
        # Cancel stops between chunks and the worker returns what was sent (on_done), so the
        # runner's abandon-on-cancel (for a single request stuck in a read) is not used: the
        # status bar's Cancel is switched off and the tab's own Cancel sets the flag directly.
        handle.cancellable = False
        self._submission = handle
        self.ctx.runner.task_progress.connect(self._on_progress)
        self.ctx.runner.task_settled.connect(self._on_settled)
        self._update_state()

    def _on_progress(self, handle: TaskHandle) -> None:
        if self._submission is None or handle.id != self._submission.id:
            return
        done, total, text = handle.progress
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        if text:
            self.progress.setFormat(text)

    def _cancel_submission(self) -> None:
        if self._submission is not None:
            self.cancel_button.setEnabled(False)
            self.message.setText("Cancelling: the chunk being sent finishes, then it stops…")
            self._submission.context.cancelled.set()

    def _finish_submission(self) -> None:
        self._submission = None
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        for signal, slot in (
            (self.ctx.runner.task_progress, self._on_progress),
            (self.ctx.runner.task_settled, self._on_settled),
        ):
            with contextlib.suppress(RuntimeError, TypeError):
                signal.disconnect(slot)
        self._update_state()

    def _submitted(self, result: payouts.SubmissionResult) -> None:
        self.message.setText(result.message)
        self._finish_submission()
        if result.batch.id is not None:
            self.batch = result.batch
            self._reopening = True
            self.open_batch(result.batch.id)
        self.refresh()

    def _submission_failed(self, exc: BaseException) -> None:
        text = exc.message if isinstance(exc, payouts.SubmissionStopped) else user_message(exc)
        self.message.setText(text)
        self._finish_submission()
        self._reopen_current()

    def _submission_cancelled(self, text: str) -> None:
        # The worker carries on to the end of its chunk; its real outcome comes in _on_settled.
        self.message.setText(text + " Waiting for the chunk in flight to finish…")

    def _on_settled(self, handle: TaskHandle) -> None:
        if self._submission is None or handle.id != self._submission.id:
            return
        self._finish_submission()
        self._reopen_current()

    def _reopen_current(self) -> None:
        profile = self.profile
        order_id = self.order_edit.text().strip()
        if profile is None or profile.id is None:
            return
        pid = profile.id
        saved_id = self._submitted_id.get("id")
        self._reopening = True
        self._update_state()

        def work(_ctx: Any) -> tuple[int | None, str | None]:
            if saved_id is not None:
                sub = self.ctx.store.get_submission(saved_id)
                return saved_id, None if sub is None else sub.message
            for batch in self.ctx.store.list_batches(pid):
                if batch.order_id == order_id or (
                    self.batch is not None and batch.id == self.batch.id
                ):
                    sub = self.ctx.store.get_submission(batch.id or 0)
                    return batch.id, None if sub is None else sub.message
            return None, None

        def show(found: tuple[int | None, str | None]) -> None:
            batch_id, message = found
            if batch_id is not None:
                self.open_batch(batch_id)
            else:
                self._reopening = False
            if message:
                self.message.setText(message)
            self.refresh()

        def failed(exc: BaseException) -> None:
            self._reopening = False
            self.message.setText(f"Could not read the batch back: {user_message(exc)}")
            self._update_state()

        self.ctx.runner.submit(work, kind=TaskKind.READ, on_done=show, on_error=failed, owner=self)
