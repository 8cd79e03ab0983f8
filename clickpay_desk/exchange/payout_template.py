"""The downloadable payout template: an XLSX whose headings the import maps without help.

Sheet "Payouts" has one column per field of reference 004 (plus the currency) under the
headings of :data:`payout_headers.TEMPLATE_HEADINGS`, and one example row that passes every
rule, so the user sees the expected shapes (IBAN without spaces, mobile with +, transfer code as
a number). Sheet "Transfer codes" lists the codes and their names, sheet "Help" the rules.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from clickpay_desk.core.money import minor_units, normalize_currency
from clickpay_desk.core.payout import MANDATORY_FIELDS, MAY_BE_EMPTY, TRANSFER_CODES

from .payout_headers import EXAMPLE_REFERENCE, FIELDS, TEMPLATE_HEADINGS
from .sheet import Column, Kind, SheetSpec, write_xlsx

__all__ = ["TEMPLATE_TITLE", "example_row", "template_columns", "write_template"]

TEMPLATE_TITLE = "Payouts"
_EXAMPLE: dict[str, str] = {
    "merchant_reference": EXAMPLE_REFERENCE,
    "beneficiary_name": "Ahmad Al-Qahtani",
    "beneficiary_country": "SA",
    "beneficiary_account_number": "SA0380000000608010167519",
    "beneficiary_bank": "RJHISARI",
    "beneficiary_bank_branch": "",
    "beneficiary_email": "ahmad@example.com",
    "beneficiary_mobile_number": "+966501234567",
    "beneficiary_address1": "Riyadh",
    "beneficiary_address2": "",
}


def template_columns(currency: str) -> tuple[Column, ...]:
    """One column per field: amount as money in ``currency``, transfer code as a number."""
    columns = []
    for name in FIELDS:
        heading = TEMPLATE_HEADINGS[name]
        if name == "amount":
            columns.append(Column(heading, Kind.MONEY, currency_of=currency))
        elif name == "transfer_code":
            columns.append(Column(heading, Kind.INTEGER))
        else:
            columns.append(Column(heading, width=30 if "beneficiary" in name else None))
    return tuple(columns)


def example_row(currency: str) -> tuple[object, ...]:
    """A row that shows every field's shape, its amount written with ``currency``'s decimals.
    Its reference (``EXAMPLE_REFERENCE``) makes the import refuse it: it is never paid."""
    amount = Decimal("1250.5") if minor_units(currency) else Decimal(1250)
    values: list[object] = []
    for name in FIELDS:
        if name == "amount":
            values.append(amount)
        elif name == "transfer_code":
            values.append(100)
        elif name == "currency":
            values.append(currency)
        else:
            values.append(_EXAMPLE.get(name) or None)
    return tuple(values)


def write_template(path: Path | str, currency: str = "SAR", *, example: bool = True) -> Path:
    """Write the template to ``path`` (.xlsx), atomically; ``example`` adds the sample row."""
    code = normalize_currency(currency, gateway_only=False)
    required = [TEMPLATE_HEADINGS[n] for n in MANDATORY_FIELDS if n not in MAY_BE_EMPTY]
    may_be_empty = [TEMPLATE_HEADINGS[n] for n in (*MAY_BE_EMPTY, "merchant_reference")]
    help_rows = [
        ("Example row", "row 2 shows the shapes; delete it: the import refuses it"),
        ("Required in every row", ", ".join(required)),
        ("May be left empty", ", ".join(sorted(may_be_empty))),
        ("Amount", f"above 0, at most {minor_units(code)} decimals for {code}"),
        ("IBAN", "the full IBAN, e.g. SA03 8000 0000 6080 1016 7519 (spaces are fine)"),
        ("Mobile", "E.164: + then country code and number, e.g. +966501234567"),
        ("Country", "2-letter ISO code of the beneficiary's country, e.g. SA"),
        ("Transfer code", "100, 101, 102 or 103: see the sheet “Transfer codes”"),
        ("Currency", f"the batch currency, {code}; one currency per batch"),
        ("Rows above the header", "titles are fine: the header row is found by its headings"),
    ]
    sheets = [
        SheetSpec(
            TEMPLATE_TITLE,
            template_columns(code),
            [example_row(code)] if example else [],
        ),
        SheetSpec(
            "Transfer codes",
            (Column("Transfer code", Kind.INTEGER), Column("Meaning")),
            sorted(TRANSFER_CODES.items()),
        ),
        SheetSpec("Help", (Column("Column"), Column("What goes in it", width=70)), help_rows),
    ]
    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        raise ValueError(f"the template is an XLSX workbook: “{target.name}” must end in .xlsx")
    return write_xlsx(target, sheets)
