"""The application icon, from the PNGs rendered into ``icons/`` (see packaging/render_icons.py)."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QIcon

ICON_NAME = "clickpay-desk"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def icon_dirs() -> list[Path]:
    """Where the icons may be: the source tree, then a PyInstaller bundle."""
    dirs = [Path(__file__).resolve().parents[2] / "icons"]
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        dirs.append(Path(bundle) / "icons")
    return dirs


def app_icon() -> QIcon:
    """Every size that exists; an empty icon (Qt's default) when none is installed."""
    icon = QIcon()
    for directory in icon_dirs():
        for size in SIZES:
            png = directory / f"{ICON_NAME}-{size}.png"
            if png.is_file():
                icon.addFile(str(png))
        if not icon.isNull():
            break
    if icon.isNull():
        return QIcon.fromTheme(ICON_NAME)
    return icon
