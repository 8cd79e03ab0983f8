"""Where the app keeps its files: the platform's per-user directories, or one --data-dir."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from clickpay_desk.paths import DataPaths
from clickpay_desk.store import Store


def test_for_dir_keeps_everything_under_one_directory(tmp_path: Path) -> None:
    paths = DataPaths.for_dir(tmp_path / "portable")
    assert paths.database == tmp_path / "portable" / "clickpay-desk.sqlite3"
    for directory in (paths.settings_dir, paths.log_dir, paths.exports_dir):
        assert directory.parent == tmp_path / "portable"
    assert len({paths.settings_dir, paths.log_dir, paths.exports_dir}) == 3
    assert not (tmp_path / "portable").exists()  # nothing is created until ensure()
    assert paths.ensure() is paths
    for directory in (paths.root, paths.settings_dir, paths.log_dir, paths.exports_dir):
        assert directory.is_dir()
    paths.ensure()  # again is fine
    with Store.open(paths.database) as store:
        store.set_setting("k", 1)
    assert paths.database.is_file()
    assert DataPaths.for_dir(str(tmp_path / "portable")) == paths


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG layout is Linux's")
def test_default_follows_the_platform_directories(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    paths = DataPaths.default()
    assert paths.database == tmp_path / "data" / "clickpay-desk" / "clickpay-desk.sqlite3"
    assert paths.settings_dir == tmp_path / "config" / "clickpay-desk"
    assert paths.log_dir.is_relative_to(tmp_path / "state" / "clickpay-desk")
    assert paths.exports_dir.is_relative_to(paths.root)
    paths.ensure()
    assert paths.log_dir.is_dir() and paths.settings_dir.is_dir()
    assert "clickpay-desk" in repr(paths)
