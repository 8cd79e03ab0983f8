"""Logging for the app: a rotating file in the log directory plus warnings on stderr, with known
secrets masked in both (``clickpay_desk.secrets.SecretRedactionFilter``)."""

from __future__ import annotations

import logging
import logging.handlers
import sys
import time
from pathlib import Path

from clickpay_desk.secrets import SecretRedactionFilter

LOG_FILE_NAME = "clickpay-desk.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5

_FORMAT = "%(asctime)s.%(msecs)03dZ %(levelname)-7s [%(threadName)s] %(name)s: %(message)s"
_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"

# Marks the handlers this module installed, so a second call replaces them instead of adding more.
_OURS = "_clickpay_desk_handler"


def _formatter() -> logging.Formatter:
    formatter = logging.Formatter(_FORMAT, _DATE_FORMAT)
    formatter.converter = time.gmtime  # UTC, like every timestamp in the database
    return formatter


def setup_logging(log_dir: Path, level: int = logging.INFO) -> Path:
    """Log to ``log_dir/clickpay-desk.log`` (1 MB × 5 rotations) at ``level`` and to stderr at
    WARNING, both through the secret redaction filter. Idempotent: calling it again replaces the
    handlers it installed before. Returns the log file's path."""
    log_dir = Path(log_dir)
    log_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = log_dir / LOG_FILE_NAME
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _OURS, False):
            root.removeHandler(handler)
            handler.close()

    redaction = SecretRedactionFilter()
    file_handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
    )
    file_handler.setLevel(level)
    stderr_handler = logging.StreamHandler(sys.stderr)
    stderr_handler.setLevel(logging.WARNING)
    for handler in (file_handler, stderr_handler):
        handler.setFormatter(_formatter())
        handler.addFilter(redaction)
        setattr(handler, _OURS, True)
        root.addHandler(handler)
    root.setLevel(min(level, logging.WARNING))
    logging.captureWarnings(True)
    return path
