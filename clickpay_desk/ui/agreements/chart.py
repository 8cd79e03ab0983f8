"""A small chart of one agreement's installments over time, painted with QPainter.

One bar per installment at its due date, as tall as its amount, coloured by what happened
(paid, declined, overdue, still to come); a line marks today. The table beside it holds the
same facts in words: the colours only repeat them, for a glance.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from clickpay_desk.services.agreements import InstallmentState, ScheduleRow

STATE_COLOUR: dict[InstallmentState, str] = {
    InstallmentState.PAID: "#2f9e44",
    InstallmentState.DECLINED: "#e03131",
    InstallmentState.INVOICED: "#9c36b5",  # not another orange: it read as "overdue"
    InstallmentState.OVERDUE: "#f76707",
    InstallmentState.NOT_DUE: "#a5d8ff",
    InstallmentState.AWAITING: "#ffd43b",
    InstallmentState.CANCELLED: "#ced4da",
}
LEGEND: tuple[tuple[str, InstallmentState], ...] = (
    ("paid", InstallmentState.PAID),
    ("awaiting payment", InstallmentState.AWAITING),
    ("declined", InstallmentState.DECLINED),
    ("invoiced", InstallmentState.INVOICED),
    ("overdue", InstallmentState.OVERDUE),
    ("to come", InstallmentState.NOT_DUE),
    ("not charged", InstallmentState.CANCELLED),
)


def legend_for(rows: Sequence[ScheduleRow]) -> list[tuple[str, InstallmentState]]:
    """The legend's entries: every colour the bars use, and only those (all of them would not
    fit beside a small chart)."""
    shown = {row.state for row in rows}
    return [(text, state) for text, state in LEGEND if state in shown]


class ScheduleChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[ScheduleRow] = []
        self._today: date | None = None
        self.setMinimumHeight(120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setAccessibleName("Installments chart")

    def sizeHint(self) -> QSize:
        return QSize(480, 150)

    def set_rows(self, rows: Sequence[ScheduleRow], today: date | None) -> None:
        self._rows = list(rows)
        self._today = today
        self.setToolTip(self._summary())
        self.update()

    def _summary(self) -> str:
        counts: dict[str, int] = {}
        for row in self._rows:
            counts[str(row.state)] = counts.get(str(row.state), 0) + 1
        return ", ".join(f"{n} {state}" for state, n in counts.items()) or "No installments"

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.base())
        metrics = painter.fontMetrics()
        line = metrics.height()
        # A line of its own above the bars for the "today" marker's label: on the bars it hid
        # the installment it stood beside.
        area = QRectF(8, 8 + 2 * line + 4, self.width() - 16, self.height() - 24 - 3 * line)
        if not self._rows or area.height() < 10:
            painter.setPen(palette.text().color())
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No schedule to show")
            return
        self._legend(painter, 8, 8 + metrics.ascent())
        first = min(r.due_date for r in self._rows).toordinal()
        last = max(r.due_date for r in self._rows).toordinal()
        span = max(1, last - first)
        top = max((r.amount for r in self._rows), default=Decimal(1)) or Decimal(1)
        width = max(3.0, min(24.0, area.width() / (len(self._rows) * 1.6)))

        def x_of(day: int) -> float:
            return area.left() + width / 2 + (day - first) / span * (area.width() - width)

        axis = QPen(palette.mid().color())
        painter.setPen(axis)
        painter.drawLine(QPointF(area.left(), area.bottom()), QPointF(area.right(), area.bottom()))
        for row in self._rows:
            height = float(row.amount / top) * area.height()  # geometry only, not money
            x = x_of(row.due_date.toordinal())
            rect = QRectF(x - width / 2, area.bottom() - height, width, height)
            painter.fillRect(rect, QColor(STATE_COLOUR.get(row.state, "#868e96")))
        if self._today is not None and first <= self._today.toordinal() <= last:
            x = x_of(self._today.toordinal())
            painter.setPen(QPen(QColor("#495057"), 1, Qt.PenStyle.DashLine))
            painter.drawLine(QPointF(x, area.top() - line), QPointF(x, area.bottom()))
            label_x = min(x + 3, area.right() - metrics.horizontalAdvance("today"))
            painter.drawText(QPointF(label_x, area.top() - line + metrics.ascent()), "today")
        painter.setPen(palette.text().color())
        baseline = area.bottom() + 4 + metrics.ascent()
        first_day = min(r.due_date for r in self._rows)
        last_day = max(r.due_date for r in self._rows)
        painter.drawText(QPointF(area.left(), baseline), first_day.isoformat())
        end_text = last_day.isoformat()
        painter.drawText(
            QPointF(area.right() - metrics.horizontalAdvance(end_text), baseline), end_text
        )

    def _legend(self, painter: QPainter, x: float, baseline: float) -> None:
        metrics = painter.fontMetrics()
        size = metrics.ascent() - 2
        for text, state in legend_for(self._rows):
            painter.fillRect(QRectF(x, baseline - size, size, size), QColor(STATE_COLOUR[state]))
            x += size + 4
            painter.setPen(self.palette().text().color())
            painter.drawText(QPointF(x, baseline), text)
            x += metrics.horizontalAdvance(text) + 12
