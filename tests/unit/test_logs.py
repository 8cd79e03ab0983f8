"""Logging set-up: a rotating file with secrets masked, warnings on stderr, idempotent."""

from __future__ import annotations

import logging
import logging.handlers
from collections.abc import Iterator
from pathlib import Path

import pytest

from clickpay_desk.logs import LOG_FILE_NAME, setup_logging
from clickpay_desk.secrets import MASK, SecretStore


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def _ours() -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if getattr(h, "_clickpay_desk_handler", False)]


def _flush() -> None:
    for handler in _ours():
        handler.flush()


def test_a_secret_logged_by_mistake_is_masked_in_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "SANDBOX-SERVER-KEY-d41d8cd98f00b204"
    SecretStore().set_session_only("clickpay:https://x:1", secret)
    path = setup_logging(tmp_path / "logs")
    assert path == tmp_path / "logs" / LOG_FILE_NAME

    log = logging.getLogger("clickpay_desk.gateway")
    log.info("POST /payment/request authorization=%s", secret)
    log.warning(f"server answered 401 for key {secret}")
    try:
        raise ValueError(f"bad key {secret}")
    except ValueError:
        log.exception("request failed")
    logging.getLogger("httpx").info("library logger, key %s", secret)  # not ours, still masked
    _flush()

    text = path.read_text(encoding="utf-8")
    assert secret not in text
    assert f"authorization={MASK}" in text and f"bad key {MASK}" in text
    assert "library logger, key " + MASK in text
    assert "Traceback" in text and "ValueError" in text
    err = capsys.readouterr().err
    assert "server answered 401" in err and secret not in err
    assert "POST /payment/request" not in err  # INFO stays out of stderr


def test_setup_is_idempotent_and_honours_the_level(tmp_path: Path) -> None:
    path = setup_logging(tmp_path / "a", logging.WARNING)
    setup_logging(tmp_path / "a", logging.WARNING)
    assert len(_ours()) == 2  # one file handler, one stderr handler
    logging.getLogger("clickpay_desk").info("quiet")
    logging.getLogger("clickpay_desk").warning("loud")
    _flush()
    text = path.read_text(encoding="utf-8")
    assert "loud" in text and "quiet" not in text

    # Again with another directory: the handlers move, they do not pile up.
    moved = setup_logging(tmp_path / "b", logging.DEBUG)
    assert len(_ours()) == 2
    logging.getLogger("clickpay_desk").debug("detail")
    _flush()
    assert "detail" in moved.read_text(encoding="utf-8")
    assert "detail" not in path.read_text(encoding="utf-8")


def test_the_file_rotates(tmp_path: Path) -> None:
    path = setup_logging(tmp_path)
    (handler,) = [h for h in _ours() if isinstance(h, logging.handlers.RotatingFileHandler)]
    assert handler.maxBytes == 1_000_000 and handler.backupCount == 5
    handler.maxBytes = 2_000
    for i in range(100):
        logging.getLogger("clickpay_desk").info("line %d %s", i, "x" * 50)
    _flush()
    assert path.with_name(LOG_FILE_NAME + ".1").exists()
    assert path.stat().st_size <= 2_000
