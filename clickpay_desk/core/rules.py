"""Rule failures as values the UI can show: which field (or row and column), which rule,
and the offending value."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class RuleViolation:
    """One broken rule.

    ``field`` is the wire/field name ("cart_amount", "line_items[2].quantity") or, for a
    spreadsheet, the column heading; ``row`` is the 1-based data row when there is one.
    """

    field: str
    rule: str
    value: object = None
    row: int | None = None

    def message(self) -> str:
        where = f"row {self.row}, {self.field}" if self.row is not None else self.field
        shown = "" if self.value is None else f" (got {self.value!r})"
        return f"{where}: {self.rule}{shown}"

    def __str__(self) -> str:
        return self.message()


class ValidationError(ValueError):
    """Raised when input breaks one or more rules; carries every violation found."""

    def __init__(self, violations: Iterable[RuleViolation]) -> None:
        self.violations: tuple[RuleViolation, ...] = tuple(violations)
        if not self.violations:
            raise ValueError("ValidationError needs at least one violation")
        super().__init__("; ".join(v.message() for v in self.violations))

    @classmethod
    def single(
        cls, field: str, rule: str, value: object = None, row: int | None = None
    ) -> ValidationError:
        return cls([RuleViolation(field, rule, value, row)])


def raise_if(violations: Iterable[RuleViolation]) -> None:
    """Raise a ValidationError when ``violations`` holds anything."""
    found = list(violations)
    if found:
        raise ValidationError(found)
