"""Turning exceptions from tasks into text a merchant can read.

Two kinds of failure (as qutebrowser's ``misc/sql.py`` splits them): the environment's or the
input's fault (gateway refused, network down, bad field, disk full) — shown with its plain
message; and our bugs — shown as such, with the details left in the log.
"""

from __future__ import annotations

import sys

from clickpay_desk.core.rules import ValidationError
from clickpay_desk.gateway.errors import Cancelled, GatewayError
from clickpay_desk.secrets import SecretStorageUnavailable
from clickpay_desk.services.clients import MissingSecret
from clickpay_desk.services.invoices import AlreadyCreated
from clickpay_desk.services.journal import UnresolvedAttempt
from clickpay_desk.services.payouts import SubmissionStopped
from clickpay_desk.store.database import StoreError

#: Exceptions whose text is written for the user: shown as they are.
USER_FACING: tuple[type[BaseException], ...] = (
    GatewayError,
    ValidationError,
    SecretStorageUnavailable,
    MissingSecret,
    UnresolvedAttempt,  # "the last attempt ... has an unknown outcome. Run File ▸ Reconcile ..."
    AlreadyCreated,
    StoreError,
    SubmissionStopped,  # "No answer for rows 6–7 … Submit again to check …"
)


def _user_facing() -> tuple[type[BaseException], ...]:
    # The export's error lives with openpyxl, which is imported only when something is exported
    # (it costs ~0.1 s of start-up): when it is not loaded, no exception can be one of its.
    sheet = sys.modules.get("clickpay_desk.exchange.sheet")
    export_error = getattr(sheet, "ExportError", None)
    return USER_FACING if export_error is None else (*USER_FACING, export_error)


def is_cancellation(exc: BaseException) -> bool:
    """True when ``exc`` only says the user cancelled the task."""
    return isinstance(exc, Cancelled)  # the task runner's TaskCancelled is one too


def is_environment_error(exc: BaseException) -> bool:
    """True for failures the user can act on (not a bug of ours)."""
    return isinstance(exc, (*_user_facing(), OSError))


def user_message(exc: BaseException) -> str:
    """One plain sentence (or a few) for ``exc``; never a traceback, never a secret."""
    if isinstance(exc, _user_facing()):
        return str(exc)
    if is_cancellation(exc):
        return "Cancelled."
    if isinstance(exc, PermissionError):
        return f"Not allowed to use a file: {exc.filename or exc}."
    if isinstance(exc, OSError):
        return f"Disk or system problem: {exc.strerror or exc}."
    return (
        f"Something went wrong inside ClickPay Desk ({type(exc).__name__}). "
        "This is a bug; the details are in the log."
    )
