"""`clickpay-desk --sandbox --data-dir DIR` as a real process: shows the window, quits cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from clickpay_desk.app import SANDBOX_GEIDEA_PROFILE_NAME, SANDBOX_PROFILE_NAME
from clickpay_desk.store.database import Store
from clickpay_desk.ui.context import ACTIVE_PROFILE_KEY

REPO = Path(__file__).resolve().parents[2]


def launch(data_dir: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "CLICKPAY_DESK_AUTOCLOSE_MS": "200",
        "HOME": str(home),  # nothing may reach the real user's keyring or config
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    return subprocess.run(
        [sys.executable, "-m", "clickpay_desk", *args, "--data-dir", str(data_dir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_sandbox_launch_shows_the_window_and_exits_cleanly(tmp_path):
    data = tmp_path / "data"
    first = launch(data, tmp_path, "--sandbox")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("window shown "), first.stdout
    assert (data / "settings" / "window.ini").is_file()  # geometry saved by the scripted close
    second = launch(data, tmp_path, "--sandbox")
    assert second.returncode == 0, second.stderr
    # The demo profiles are reused (their URL follows the sandbox's new port), not duplicated.
    store = Store.open(data / "clickpay-desk.sqlite3")
    try:
        profiles = store.list_profiles()
        assert sorted(p.name for p in profiles) == [
            SANDBOX_PROFILE_NAME,
            SANDBOX_GEIDEA_PROFILE_NAME,
        ]
        active = store.get_setting(ACTIVE_PROFILE_KEY)
        assert [p.name for p in profiles if p.id == active] == [SANDBOX_PROFILE_NAME]
    finally:
        store.close()
    # The demo key was session-only: it is in no file the app wrote.
    from clickpay_desk.sandbox import demo

    written = b"".join(p.read_bytes() for p in data.rglob("*") if p.is_file())
    assert demo.SERVER_KEY.encode() not in written


def test_payouts_check_is_declared_but_not_built_yet(tmp_path):
    from clickpay_desk.app import build_parser, main

    args = build_parser().parse_args(["payouts", "check", "batch.xlsx"])
    assert args.file == Path("batch.xlsx")
    assert main(["payouts", "check", str(tmp_path / "batch.xlsx")]) == 2
