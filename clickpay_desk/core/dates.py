"""Invoice date rules for both gateways, time-zone aware.

Every instant here carries a UTC offset. A naive datetime is refused: a date-time without an
offset means different instants in Riyadh (+03:00), Dubai (+04:00) and UTC, and the invoice would
open or expire hours away from what the merchant meant.

Choices where the references leave room:

* **PT2 "activation_date must be after the current day date"** (reference 001) is read as a *later
  instant*: ``activation_date > now``. A later *calendar day* would need a time zone to decide
  what "today" is (the merchant's? the gateway's?), and would make "payable from this afternoon"
  impossible; the samples give activation as a full date-time with seconds and an offset, i.e.
  an instant. An activation date in the past, even earlier today, is refused.
* **PT2 expiry and due dates** must be later instants than the activation date, or than ``now``
  when no activation date is given (the invoice is then active from creation): an invoice that has
  already expired, or fell due, on creation is refused. Due after expiry is allowed, the
  reference does not forbid it.
* **Geidea dates** are sent as plain dates ("2024-05-10"), which Geidea echoes as
  ``2024-05-10T00:00:00Z``: a date alone means midnight UTC. ``expiryDate`` must be after
  ``activationDate`` and after ``now``; ``activationDate`` may be in the past (the reference's
  sample activates on the day it is created, at 00:00 UTC, hours before creation).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from .rules import RuleViolation, ValidationError

PT2_EXAMPLE = "2021-09-05T15:58:20+04:00"
GEIDEA_EXAMPLE = "2024-05-10"


def is_aware(value: datetime) -> bool:
    """True when ``value`` carries a UTC offset."""
    return value.tzinfo is not None and value.utcoffset() is not None


def require_aware_now(now: datetime) -> datetime:
    """Check the caller's clock reading; a naive ``now`` is a programming error, not user input."""
    if not isinstance(now, datetime) or not is_aware(now):
        raise ValueError("now must be a timezone-aware datetime, e.g. datetime.now(UTC)")
    return now


def aware_violation(value: datetime, field: str) -> RuleViolation | None:
    """A violation when ``value`` is naive, else None."""
    if is_aware(value):
        return None
    return RuleViolation(field, f"must include a UTC offset, e.g. {PT2_EXAMPLE}", value.isoformat())


def parse_wire_datetime(value: object, field: str) -> datetime:
    """Read a PT2 date-time ("2021-09-05T15:58:20+04:00", "...Z" or an aware ``datetime``).

    Raises ValidationError naming ``field`` for anything else, including text without an offset.
    """
    if isinstance(value, datetime):
        found = aware_violation(value, field)
        if found:
            raise ValidationError([found])
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValidationError.single(field, f"must be a date-time such as {PT2_EXAMPLE}", value)
    text = value.strip()
    if len(text) == 10 and _is_iso_date(text):  # a bare date has no offset
        raise ValidationError.single(
            field, f"must include a time and UTC offset, e.g. {PT2_EXAMPLE}", value
        )
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValidationError.single(
            field, f"must be a date-time such as {PT2_EXAMPLE}", value
        ) from exc
    if not is_aware(parsed):
        raise ValidationError.single(field, f"must include a UTC offset, e.g. {PT2_EXAMPLE}", value)
    return parsed


def _is_iso_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def parse_geidea_date(value: object, field: str) -> date | datetime:
    """Read a Geidea date: "2024-05-10" (a ``date``) or an aware ISO date-time.

    A date-time without an offset is refused; a bare date is kept as a ``date``.
    """
    if isinstance(value, datetime):
        found = aware_violation(value, field)
        if found:
            raise ValidationError([found])
        return value
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValidationError.single(field, f"must be a date such as {GEIDEA_EXAMPLE}", value)
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValidationError.single(
            field, f"must be a date such as {GEIDEA_EXAMPLE}", value
        ) from exc
    if not is_aware(parsed):
        raise ValidationError.single(
            field,
            f"must be a date such as {GEIDEA_EXAMPLE}, or a date-time with a UTC offset",
            value,
        )
    return parsed


def geidea_instant(value: date | datetime) -> datetime:
    """The instant a Geidea date stands for: a bare date is midnight UTC (as Geidea echoes it)."""
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, time(0), tzinfo=UTC)


def pt2_invoice_date_violations(
    now: datetime | None,
    activation: datetime | None,
    expiry: datetime | None,
    due: datetime | None,
    *,
    prefix: str = "invoice.",
) -> list[RuleViolation]:
    """PT2 invoice date rules (reference 001), with wire names ``invoice.activation_date`` etc.

    With ``now`` None only the order of the dates is checked (a stored or imported invoice).
    """
    if now is not None:
        require_aware_now(now)
    found: list[RuleViolation] = []
    named = {"activation_date": activation, "expiry_date": expiry, "due_date": due}
    for name, value in named.items():
        naive = None if value is None else aware_violation(value, prefix + name)
        if naive is not None:
            found.append(naive)
    if found:
        return found
    if activation is not None and now is not None and activation <= now:
        found.append(
            RuleViolation(
                prefix + "activation_date",
                "must be later than now (" + now.isoformat(timespec="seconds") + ")",
                activation.isoformat(),
            )
        )
    start, start_name = (activation, "activation_date") if activation is not None else (now, "now")
    if start is None:
        return found
    for name, value in (("expiry_date", expiry), ("due_date", due)):
        if value is not None and value <= start:
            found.append(
                RuleViolation(prefix + name, f"must be later than {start_name}", value.isoformat())
            )
    return found


def geidea_date_violations(
    now: datetime | None,
    activation: date | datetime | None,
    expiry: date | datetime | None,
) -> list[RuleViolation]:
    """Geidea eInvoice date rules (reference 003): expiryDate after activationDate and now.

    With ``now`` None only the order of the dates is checked.
    """
    if now is not None:
        require_aware_now(now)
    found: list[RuleViolation] = []
    for name, value in (("activationDate", activation), ("expiryDate", expiry)):
        if isinstance(value, datetime) and not is_aware(value):
            found.append(
                RuleViolation(
                    name, "must include a UTC offset, or be a plain date", value.isoformat()
                )
            )
    if found or expiry is None:
        return found
    end = geidea_instant(expiry)
    if activation is not None and end <= geidea_instant(activation):
        found.append(
            RuleViolation("expiryDate", "must be later than activationDate", expiry.isoformat())
        )
    elif now is not None and end <= now:
        found.append(
            RuleViolation(
                "expiryDate", "must be in the future (a date means 00:00 UTC)", expiry.isoformat()
            )
        )
    return found
