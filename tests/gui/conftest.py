"""GUI tests run offscreen; the platform must be chosen before Qt is imported anywhere."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/gui" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.gui)
