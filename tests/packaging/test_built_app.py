"""The desktop build: PyInstaller makes the one-folder app, the built app passes its own
--self-test offscreen, the desktop entry and the AppStream metainfo validate, and install.sh /
uninstall.sh put down and take away exactly their files.

Marked ``packaging``: it builds the real app (a minute or two), once per run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.packaging, pytest.mark.timeout(900)]

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The unpacked release folder (the archive's content), built once for this module."""
    if shutil.which("pyinstaller", path=str(Path(sys.executable).parent)) is None:
        pytest.fail("PyInstaller is not installed: pip install -e '.[test]'")
    work = tmp_path_factory.mktemp("build")
    env = {**os.environ, "PYTHON": sys.executable, "QT_QPA_PLATFORM": "offscreen"}
    # build.sh writes under the repo's build/ and dist/ (both ignored by git).
    done = subprocess.run(
        ["bash", str(REPO / "packaging" / "build.sh")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=880,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    archive = next((REPO / "dist").glob("clickpay-desk-*-linux-*.tar.gz"))
    with tarfile.open(archive) as tar:
        tar.extractall(work, filter="data")
    (folder,) = [p for p in work.iterdir() if p.is_dir()]
    return folder


def test_built_app_passes_its_self_test(built: Path, tmp_path: Path) -> None:
    app = built / "clickpay-desk" / "clickpay-desk"
    done = subprocess.run(
        [str(app), "--self-test", "--data-dir", str(tmp_path / "data")],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = done.stdout.splitlines()
    assert done.returncode == 0, done.stdout + done.stderr
    for check in ("data folder", "keyring", "spreadsheets", "ClickPay gateway", "Geidea gateway"):
        assert any(line.startswith("ok") and check in line for line in lines), done.stdout
    assert lines[-1] == "All checks passed."


def test_built_app_serves_the_sandbox_until_its_input_closes(built: Path, tmp_path: Path) -> None:
    """``--sandbox`` runs the simulator as a child of the same executable: the packaged app must
    answer as one, and end when the desk lets go of its input."""
    import httpx

    state = tmp_path / "sandbox-state.json"
    app = built / "clickpay-desk" / "clickpay-desk"
    flags = ["--port", "0", "--state-file", str(state), "--seed", "--until-stdin-closes"]
    child = subprocess.Popen(
        [str(app), "--sandbox-server", *flags],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdin is not None
        first = child.stdout.readline()
        assert first.startswith("Sandbox listening on http://127.0.0.1:"), first
        url = first.split()[-1]
        assert httpx.get(f"{url}/_sandbox/state", timeout=10).json()["invoices"]  # seeded
        child.stdin.close()
        assert child.wait(timeout=20) == 0
        assert state.is_file()
    finally:
        if child.poll() is None:
            child.kill()


def test_built_app_says_its_version(built: Path) -> None:
    from clickpay_desk import __version__

    app = built / "clickpay-desk" / "clickpay-desk"
    done = subprocess.run([str(app), "--version"], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == f"clickpay-desk {__version__}"


def test_desktop_entry_and_metainfo_validate() -> None:
    linux = REPO / "packaging" / "linux"
    for tool in ("desktop-file-validate", "appstreamcli"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: packaging/dev.sh test installs it")
    entry = subprocess.run(
        ["desktop-file-validate", str(linux / "clickpay-desk.desktop")],
        capture_output=True,
        text=True,
    )
    assert entry.returncode == 0 and not entry.stdout.strip(), entry.stdout + entry.stderr
    metainfo = subprocess.run(
        ["appstreamcli", "validate", "--no-net", *map(str, linux.glob("*.metainfo.xml"))],
        capture_output=True,
        text=True,
    )
    assert metainfo.returncode == 0, metainfo.stdout + metainfo.stderr


def test_install_then_uninstall_leaves_nothing_behind(built: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".local" / "share" / "applications").mkdir(parents=True)
    keep = home / ".local" / "share" / "applications" / "someone-else.desktop"
    keep.write_text("[Desktop Entry]\n")
    env = {"HOME": str(home), "PATH": os.environ["PATH"]}
    installed = subprocess.run(
        ["sh", str(built / "install.sh")], env=env, capture_output=True, text=True, timeout=120
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    entry = home / ".local/share/applications/clickpay-desk.desktop"
    assert "Exec=" + str(home / ".local/opt/clickpay-desk/clickpay-desk") in entry.read_text()
    for size in (16, 48, 256, 512):
        assert (home / f".local/share/icons/hicolor/{size}x{size}/apps/clickpay-desk.png").is_file()
    assert (home / ".local/bin/clickpay-desk").resolve().is_file()
    version = subprocess.run(
        [str(home / ".local/bin/clickpay-desk"), "--version"], capture_output=True, text=True
    )
    assert version.returncode == 0

    removed = subprocess.run(
        ["sh", str(home / ".local/opt/clickpay-desk/uninstall.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert removed.returncode == 0, removed.stdout + removed.stderr
    # The desktop's own indexes (mimeinfo.cache, icon-theme.cache) are rebuilt by its tools.
    left = sorted(
        str(p.relative_to(home))
        for p in home.rglob("*")
        if (p.is_file() or p.is_symlink()) and p.suffix != ".cache"
    )
    assert left == [str(keep.relative_to(home))]
