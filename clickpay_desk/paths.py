"""Where ClickPay Desk keeps its files: the database, settings, logs and exports.

``DataPaths.default()`` follows the platform's conventions (via platformdirs);
``DataPaths.for_dir(d)`` (the ``--data-dir`` option) keeps everything under one directory, which
is what tests, portable installs and the sandbox demo want.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP_NAME = "clickpay-desk"
DATABASE_NAME = "clickpay-desk.sqlite3"


class DataPaths:
    """The directories and files of one ClickPay Desk installation. Nothing is created until
    ``ensure()`` is called."""

    __slots__ = ("_exports_dir", "_log_dir", "_settings_dir", "root")

    def __init__(
        self,
        root: Path,
        *,
        settings_dir: Path | None = None,
        log_dir: Path | None = None,
        exports_dir: Path | None = None,
    ) -> None:
        self.root = Path(root)
        self._settings_dir = Path(settings_dir) if settings_dir else self.root / "settings"
        self._log_dir = Path(log_dir) if log_dir else self.root / "logs"
        self._exports_dir = Path(exports_dir) if exports_dir else self.root / "exports"

    @classmethod
    def default(cls) -> DataPaths:
        """The per-user locations of this platform (e.g. ``~/.local/share/clickpay-desk``,
        ``~/.local/state/clickpay-desk/log`` on Linux)."""
        return cls(
            platformdirs.user_data_path(APP_NAME, appauthor=False),
            settings_dir=platformdirs.user_config_path(APP_NAME, appauthor=False),
            log_dir=platformdirs.user_log_path(APP_NAME, appauthor=False),
        )

    @classmethod
    def for_dir(cls, directory: Path | str) -> DataPaths:
        """Everything under ``directory`` (the ``--data-dir`` option)."""
        return cls(Path(directory).expanduser().absolute())

    @property
    def database(self) -> Path:
        return self.root / DATABASE_NAME

    @property
    def settings_dir(self) -> Path:
        return self._settings_dir

    @property
    def log_dir(self) -> Path:
        return self._log_dir

    @property
    def exports_dir(self) -> Path:
        return self._exports_dir

    def ensure(self) -> DataPaths:
        """Create every directory (owner-only where the platform honours modes); returns self."""
        for directory in (self.root, self.settings_dir, self.log_dir, self.exports_dir):
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        return self

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DataPaths):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self) -> tuple[Path, Path, Path, Path]:
        return (self.root, self.settings_dir, self.log_dir, self.exports_dir)

    def __repr__(self) -> str:
        return (
            f"DataPaths(root={str(self.root)!r}, settings_dir={str(self.settings_dir)!r}, "
            f"log_dir={str(self.log_dir)!r}, exports_dir={str(self.exports_dir)!r})"
        )
