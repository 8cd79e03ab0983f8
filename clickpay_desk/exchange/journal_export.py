"""The Activity view's export: the submission journal as XLSX or CSV.

Only the listed columns are exported, never an entry's raw request: the journal holds no secret,
and an export must not become the place where one leaks if that ever changes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from decimal import Decimal
from pathlib import Path
from typing import Any

from clickpay_desk.store.records import JournalEntry, JournalStatus

from .sheet import Column, Kind, SheetSpec, write_table

JOURNAL_TITLE = "Activity"

JOURNAL_COLUMNS: tuple[Column, ...] = (
    Column("Time", Kind.DATETIME),
    Column("Profile"),
    Column("Operation"),
    Column("Subject"),
    Column("Reference"),
    Column("Status"),
    Column("Outcome"),
    Column("Finished", Kind.DATETIME),
    Column("Reconciled", Kind.DATETIME),
)

# Keys of a result summary that are never shown, however they got there.
_SECRET_KEY = re.compile(
    r"auth|secret|passw|token|server.?key|api.?key|private.?key|signature|cvv|card.?number",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class EntryText:
    """How an entry's operation, status and outcome are put into words. The Activity window
    passes its own (``ui.activity_export``), so the export says what the window says; the
    default is the journal's own terms."""

    operation: Callable[[str], str] = str
    status: Callable[[JournalStatus], str] = lambda status: status.value.replace("_", " ")
    outcome: Callable[[JournalEntry], str] = lambda entry: outcome_text(entry)


def journal_row(
    entry: JournalEntry,
    profiles: Mapping[int, str] | None = None,
    text: EntryText | None = None,
) -> tuple[object, ...]:
    """One entry as a row of :data:`JOURNAL_COLUMNS`."""
    words = text or EntryText()
    return (
        entry.created_at,
        _profile(entry.profile_id, profiles or {}),
        words.operation(entry.operation),
        entry.subject,
        entry.reference,
        words.status(entry.status),
        words.outcome(entry),
        entry.finished_at,
        entry.reconciled_at,
    )


def outcome_text(entry: JournalEntry) -> str:
    """The error if there was one, else the result summary as "key: value; ..."."""
    if entry.error:
        return entry.error
    if not entry.result:
        return ""
    return "; ".join(f"{key}: {_scalar(value)}" for key, value in _public(entry.result).items())


def export_journal(
    entries: Sequence[JournalEntry],
    path: Path,
    *,
    profiles: Mapping[int, str] | None = None,
    tz: tzinfo | None = None,
    text: EntryText | None = None,
) -> Path:
    """Write ``entries`` to ``path`` (.xlsx or .csv); times in ``tz`` (None: the local zone).

    ``profiles`` maps profile ids to the names the user knows them by; ``text`` puts the
    operation, status and outcome into words (see ``EntryText``).
    """
    rows = [journal_row(entry, profiles, text) for entry in entries]
    return write_table(path, SheetSpec(JOURNAL_TITLE, JOURNAL_COLUMNS, rows), tz=tz)


def _profile(profile_id: int | None, profiles: Mapping[int, str]) -> str:
    if profile_id is None:
        return ""
    return profiles.get(profile_id, f"#{profile_id}")


def _public(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        str(key): _public_value(value)
        for key, value in data.items()
        if not _SECRET_KEY.search(str(key))
    }


def _public_value(value: Any) -> Any:
    # Objects inside lists too: a result listing entries must not carry their tokens along.
    if isinstance(value, Mapping):
        return _public(value)
    if isinstance(value, list | tuple):
        return [_public_value(item) for item in value]
    return value


def _scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, str | int | bool):
        return str(value)
    return json.dumps(value, ensure_ascii=False, default=_json_default, sort_keys=True)


def _json_default(value: object) -> str:
    return f"{value:f}" if isinstance(value, Decimal) else str(value)
