"""The installments chart: its legend names every colour its bars use, an invoiced installment
included, and no two states share a look-alike colour."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from PySide6.QtGui import QColor

from clickpay_desk.services.agreements import InstallmentKind, InstallmentState, ScheduleRow
from clickpay_desk.ui.agreements.chart import STATE_COLOUR, ScheduleChart, legend_for


def row(n: int, state: InstallmentState) -> ScheduleRow:
    kind = InstallmentKind.INITIAL if n == 0 else InstallmentKind.REPEAT
    return ScheduleRow(n, date(2027, 1 + n, 1), Decimal("150.00"), "SAR", kind, state)


def test_the_legend_names_every_colour_shown(qtbot) -> None:
    rows = [
        row(0, InstallmentState.PAID),
        row(1, InstallmentState.INVOICED),
        row(2, InstallmentState.CANCELLED),
        row(3, InstallmentState.CANCELLED),
    ]
    assert [text for text, _ in legend_for(rows)] == ["paid", "invoiced", "not charged"]
    chart = ScheduleChart()
    qtbot.addWidget(chart)
    chart.resize(480, 200)
    chart.set_rows(rows, date(2027, 2, 15))
    Path("/tmp/shots").mkdir(exist_ok=True)
    chart.grab().save("/tmp/shots/agreements-chart-invoiced.png")


def test_no_two_states_look_alike() -> None:
    colours = [QColor(c) for c in STATE_COLOUR.values()]
    for i, a in enumerate(colours):
        for b in colours[i + 1 :]:
            distance = (
                abs(a.hue() - b.hue())
                + abs(a.lightness() - b.lightness())
                + abs(a.hslSaturation() - b.hslSaturation()) // 4
            )
            assert distance > 20, (a.name(), b.name())
