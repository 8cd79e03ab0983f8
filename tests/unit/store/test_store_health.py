"""At start the store says plainly what is wrong with a damaged or read-only database file,
instead of starting silently and failing at the first journal read or losing every change."""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from clickpay_desk.paths import DataPaths
from clickpay_desk.store import Store, StoreError


def filled(path: Path) -> None:
    with Store.open(path) as store:
        for n in range(40):
            entry = store.journal_begin(
                None,
                "invoice.create",
                f"invoice:{n}",
                f"c{n}",
                {
                    "note": "x" * 4000,
                },
            )
            store.journal_finish(entry.id, "done", result={"invoice_id": n})
    # Fold the WAL into the main file so the damage below lands on real pages.
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")


def test_damaged_pages_in_the_middle_are_found_at_start(tmp_path: Path) -> None:
    path = tmp_path / "desk.sqlite3"
    filled(path)
    size = path.stat().st_size
    page = 4096
    noise = random.Random(8)
    with path.open("r+b") as f:
        for offset in range(size // 3 // page * page, size * 2 // 3, page * 3):
            f.seek(offset)
            f.write(noise.randbytes(600))
    with pytest.raises(StoreError) as refused:
        Store.open(path)
    text = str(refused.value)
    assert "is damaged" in text and str(path) in text
    assert "backup" in text and "merchant dashboard" in text


def test_read_only_file_in_a_writable_folder_is_refused_at_start(tmp_path: Path) -> None:
    path = tmp_path / "desk.sqlite3"
    filled(path)
    path.chmod(0o444)
    try:
        with pytest.raises(StoreError) as refused:
            Store.open(path)
    finally:
        path.chmod(0o644)
    text = str(refused.value)
    assert "read-only" in text and "chmod u+w" in text and "--data-dir" in text


def test_a_sound_writable_file_opens(tmp_path: Path) -> None:
    path = tmp_path / "desk.sqlite3"
    filled(path)
    with Store.open(path) as store:
        assert store.integrity_check() == "ok"


def test_without_a_display_the_app_prints_why_and_exits(tmp_path: Path) -> None:
    # The app itself, headless (as in CI): no modal dialog waiting for nobody.
    data = tmp_path / "data"
    data.mkdir()
    path = DataPaths.for_dir(data).database
    filled(path)
    path.chmod(0o444)
    repo = Path(__file__).resolve().parents[3]
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / ".config"),
        "XDG_DATA_HOME": str(tmp_path / ".local/share"),
        "PYTHONPATH": str(repo),
    }
    try:
        done = subprocess.run(
            [sys.executable, "-m", "clickpay_desk", "--data-dir", str(data)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        path.chmod(0o644)
    assert done.returncode != 0
    assert "cannot start" in done.stderr and "read-only" in done.stderr
