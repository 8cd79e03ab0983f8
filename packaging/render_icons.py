"""Render icons/clickpay-desk.svg into the PNG sizes the platforms ask for.

Run from the repository root:
``QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/render_icons.py``.
The PNGs are committed, so the app and the packagers never need QtSvg at run time.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICONS = Path(__file__).resolve().parent.parent / "icons"
SOURCE = ICONS / "clickpay-desk.svg"


def render(size: int, renderer: QSvgRenderer) -> QImage:
    """One square, transparent, antialiased rendering of the icon."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv)  # QSvgRenderer needs one
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        print(f"cannot read {SOURCE}", file=sys.stderr)
        return 1
    for size in SIZES:
        target = ICONS / f"clickpay-desk-{size}.png"
        if not render(size, renderer).save(str(target), "PNG"):
            print(f"cannot write {target}", file=sys.stderr)
            return 1
        print(target.relative_to(ICONS.parent))
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
