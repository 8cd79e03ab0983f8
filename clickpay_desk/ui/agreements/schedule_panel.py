"""The Agreements tab's lower half: the selected agreement's title, totals, schedule and chart."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from clickpay_desk.core.money import format_display
from clickpay_desk.services.agreements import AgreementStatus, AgreementView

from .chart import ScheduleChart
from .models import ScheduleModel, terms_text


class SchedulePanel(QWidget):
    """One agreement's installments beside what happened to them (or what to do to see one)."""

    def __init__(self, schedule: ScheduleModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.schedule = schedule
        self.detail_title = QLabel()
        self.detail_title.setWordWrap(True)
        self.totals = QLabel()
        self.totals.setWordWrap(True)
        self.chart = ScheduleChart()
        self.schedule_table = QTableView()
        self.schedule_table.setModel(self.schedule)
        self.schedule_table.verticalHeader().hide()
        self.schedule_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.schedule_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.schedule_table.horizontalHeader().setStretchLastSection(True)
        self.schedule_table.setWordWrap(False)
        self.schedule_table.setAccessibleName("Schedule")

        detail_layout = QVBoxLayout(self)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(self.detail_title)
        detail_layout.addWidget(self.totals)
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self.schedule_table)
        lower.addWidget(self.chart)
        lower.setStretchFactor(0, 3)
        lower.setStretchFactor(1, 2)
        lower.setSizes([760, 500])
        detail_layout.addWidget(lower, 1)

    def show_nothing(self, text: str) -> None:
        """No agreement selected: an empty schedule and ``text`` saying what to do."""
        self.schedule.set_rows([])
        self.chart.set_rows([], None)
        self.detail_title.setText(text)
        self.totals.setText("")

    def show_view(self, view: AgreementView, today: date) -> None:
        self.schedule.set_rows(view.rows)
        if len(view.rows) <= 200:  # measuring is cheap for a schedule, not for a long one
            self.schedule_table.resizeColumnsToContents()
        self.chart.set_rows(view.rows, today)
        name = view.record.agreement_id or "no agreement id yet"
        self.detail_title.setText(
            f"<b>{_escape(view.description)}</b> — {_escape(view.customer.get('name', ''))} — "
            f"{view.record.cart_id} ({name}) — {str(view.status).capitalize()} — "
            f"{_escape(terms_text(view))}"
        )
        horizon = " (next 12 months; it repeats until cancelled)" if view.open_ended else ""
        text = (
            f"Collected {format_display(view.collected, view.currency)} · still to collect "
            f"{format_display(view.to_collect, view.currency)}{horizon} · failed "
            f"{format_display(view.failed, view.currency)}"
        )
        cancel = view.cancel_info
        if cancel:
            text += f" · cancel answer: {cancel.get('message')} (trace {cancel.get('trace')})"
        if view.status is AgreementStatus.FAILED:
            text += " · an installment was declined and will not be retried: invoice it"
        text += f" · today {today.isoformat()}"
        self.totals.setText(text)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
