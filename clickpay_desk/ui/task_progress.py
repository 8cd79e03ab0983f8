"""The small status-bar widget that shows long tasks with a progress bar and a Cancel button."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from .tasks import TaskHandle, TaskRunner


class TaskProgressWidget(QWidget):
    """Shows the oldest titled task still running (and how many more), once it has run a moment.

    Short tasks never flash: a task appears only after ``show_after_ms``.
    """

    def __init__(
        self, runner: TaskRunner, parent: QWidget | None = None, *, show_after_ms: int = 400
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._show_after_ms = show_after_ms
        self._visible_ids: set[int] = set()
        self._shown: TaskHandle | None = None

        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(160)
        self.bar.setMaximumHeight(16)
        self.bar.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop this task at its next safe point")
        self.cancel_button.clicked.connect(self._cancel_shown)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        self.setVisible(False)

        runner.task_started.connect(self._on_started)
        runner.task_progress.connect(self._on_progress)
        runner.task_finished.connect(self._on_finished)

    @property
    def shown_task(self) -> TaskHandle | None:
        return self._shown

    def _on_started(self, handle: TaskHandle) -> None:
        if not handle.title:
            return
        if self._show_after_ms <= 0:
            self._reveal(handle)
        else:
            QTimer.singleShot(self._show_after_ms, self, lambda: self._reveal(handle))

    def _reveal(self, handle: TaskHandle) -> None:
        if handle.finished:
            return
        self._visible_ids.add(handle.id)
        self._refresh()

    def _on_progress(self, handle: TaskHandle) -> None:
        if handle is self._shown:
            self._refresh()

    def _on_finished(self, handle: TaskHandle) -> None:
        self._visible_ids.discard(handle.id)
        self._refresh()

    def _refresh(self) -> None:
        tasks = [h for h in self._runner.running() if h.id in self._visible_ids]
        if not tasks:
            self._shown = None
            self.setVisible(False)
            return
        shown = self._shown = tasks[0]
        done, total, text = shown.progress
        more = f"  (+{len(tasks) - 1} more)" if len(tasks) > 1 else ""
        title = shown.title + (" — cancelling…" if shown.cancel_requested else "")
        self.label.setText(f"{title}{': ' + text if text else ''}{more}")
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
        else:
            self.bar.setRange(0, 0)  # busy indicator: the total is not known
        self.cancel_button.setEnabled(shown.cancellable and not shown.cancel_requested)
        self.setVisible(True)

    def _cancel_shown(self) -> None:
        if self._shown is not None:
            self._shown.cancel()
            self._refresh()
