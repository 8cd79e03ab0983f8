"""How an unsaved payout batch is kept as a draft: its kind and its rows."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from clickpay_desk.core.rules import RuleViolation

from .entries_model import EntryRow

DRAFT_KIND = "payout_batch"

# A draft row: [row, values] typed in the app; [row, values, problems] read from a file, the
# import's problems still standing as [field, rule, value] (the normalised values alone cannot
# tell them again: a formula without its result or a #DIV/0! leaves an empty cell). The file's
# column names are the draft's "columns", shared by its imported rows.


def draft_row(entry: EntryRow) -> list[Any]:
    """The entry as a draft keeps it (see above)."""
    if not entry.columns and not entry.imported:
        return [entry.row, entry.values]
    problems = [[p.field, p.rule, p.value] for p in entry.imported]
    return [entry.row, entry.values, problems]


def draft_columns(entries: list[EntryRow]) -> dict[str, str]:
    """The file's column names the imported entries carry ({} when typed in)."""
    for entry in entries:
        if entry.columns:
            return dict(entry.columns)
    return {}


def entry_of_draft(item: list[Any], columns: dict[str, str]) -> EntryRow:
    """The entry a draft row keeps, with the import's problems it still carries."""
    number, values, *rest = item
    entry = EntryRow(int(number), {str(k): str(v) for k, v in values.items()})
    if not rest:
        return entry
    imported = tuple(
        RuleViolation(str(name), str(rule), None if value is None else str(value), entry.row)
        for name, rule, value in rest[0]
    )
    return replace(entry, imported=imported, columns=columns)
