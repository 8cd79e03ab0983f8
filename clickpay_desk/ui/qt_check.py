"""Refuse a Qt binding that is known to crash the app, with a message saying what to install.

PySide6 6.12.0 on Python 3.11 drops a reference to ``True`` on every ``Signal.emit()`` and one
to ``None`` on every Python slot call (probably hidden on Python 3.12+, where those objects are
immortal; not checked here). After a few hundred signals the interpreter aborts with
"bool_dealloc: deallocating True or False". 6.11.3 on the same Python does not have the bug.
The check measures the behaviour rather than matching version numbers, so a fixed 6.12.x
passes it.
"""

from __future__ import annotations

import sys

from PySide6 import __version__ as PYSIDE_VERSION
from PySide6.QtCore import QObject, Signal

ADVICE = "Install a PySide6 without the bug, e.g.: pip install 'PySide6-Essentials>=6.6,<6.12'."


class _Probe(QObject):
    ping = Signal()


def signal_refcount_bug() -> bool:
    """True when emitting a signal loses a reference to ``True`` (the PySide6 6.12.0 bug)."""
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(2):
        probe.ping.emit()
    return sys.getrefcount(True) < before


def binding_problem() -> str | None:
    """A sentence for the user when this Qt binding would crash the app, else None."""
    if signal_refcount_bug():
        return (
            f"PySide6 {PYSIDE_VERSION} on Python {sys.version.split()[0]} has a reference "
            "counting bug that makes ClickPay Desk crash after a few hundred events. " + ADVICE
        )
    return None
