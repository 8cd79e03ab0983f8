"""The layers of DESIGN.md hold: core is pure; only ui/ (and the app entry) touches Qt."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "clickpay_desk"


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the file's package
                parts = path.relative_to(PACKAGE.parent).with_suffix("").parts[: -node.level]
                base = ".".join((*parts, base)) if base else ".".join(parts)
            found.add(base)
    return found


BELOW_UI = ("gateway", "store", "exchange", "sandbox", "services")


def files_of(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


def starts(modules: set[str], prefixes: tuple[str, ...]) -> set[str]:
    return {m for m in modules if m.split(".")[0] in prefixes or m.startswith(prefixes)}


@pytest.mark.parametrize("path", files_of("core"), ids=lambda p: p.name)
def test_core_is_pure(path: Path) -> None:
    forbidden = ("PySide6", "shiboken6", "httpx", "sqlite3", "keyring", "openpyxl", "socket")
    above = tuple(
        f"clickpay_desk.{layer}"
        for layer in ("ui", "services", "gateway", "store", "exchange", "sandbox")
    )
    assert not starts(imported_modules(path), forbidden + above)


@pytest.mark.parametrize(
    "path",
    [p for layer in BELOW_UI for p in files_of(layer)],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_only_ui_touches_qt(path: Path) -> None:
    assert not starts(imported_modules(path), ("PySide6", "shiboken6", "clickpay_desk.ui"))
