"""``clickpay-desk payouts check FILE [--currency CODE]``: the batch builder's checks, for scripts.

One line per problem, ``row N, COLUMN: rule (value)`` with N as the spreadsheet shows it
(title rows counted) and COLUMN as the file names it; warnings as ``warning: row N, ...``;
then a summary line with the number of rows and the total per currency. Notes about how the
file was read (header row, skipped rows, formulas) go to stderr, so stdout holds only findings.

Exit status: 0 every row is valid, 1 some row is not (or there is none), 2 the file cannot be
read or the currency code is unknown. Never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from clickpay_desk.core.money import (
    format_amount,
    minor_units,
    normalize_currency,
    significant_decimals,
)
from clickpay_desk.core.rules import RuleViolation, ValidationError

EXIT_VALID = 0
EXIT_INVALID = 1
EXIT_UNREADABLE = 2

DESCRIPTION = "Check a payout spreadsheet (XLSX or CSV) by the same rules as the Payouts tab."
EPILOG = (
    "Prints one line per problem, 'row N, COLUMN: rule (value)', N as the spreadsheet shows it "
    "(title rows counted) and COLUMN as the file names it; then likely mistakes as "
    "'warning: row N, COLUMN: ...' (the same IBAN twice, the same beneficiary and amount twice, "
    "an amount far above the batch's usual); then a summary with the number of rows and the "
    "total per currency. Notes on how the file was read go to stderr. "
    "Exit status: 0 all rows valid; 1 some row invalid (warnings alone never give 1); "
    "2 the file cannot be read."
)


def add_check_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``payouts check`` (the parser itself is declared in ``app``)."""
    parser.description = DESCRIPTION
    parser.epilog = EPILOG
    parser.add_argument(
        "--currency",
        metavar="CODE",
        help="the batch currency (ISO 4217, e.g. SAR, KWD, BHD), which fixes the amounts' "
        "decimals; default: the file's currency column, else the one the amount heading names "
        "('Amount (KWD)'), else SAR",
    )
    parser.add_argument("--sheet", metavar="NAME", help="the worksheet to read (XLSX)")


def run_check(args: argparse.Namespace) -> int:
    out, err = sys.stdout, sys.stderr
    for stream in (out, err):
        # Arabic names must not crash a terminal that cannot show them.
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")
    return check_file(
        Path(args.file), getattr(args, "currency", None), getattr(args, "sheet", None), out, err
    )


def check_file(
    path: Path, currency: str | None, sheet: str | None, out: TextIO, err: TextIO
) -> int:
    # Imported here so ``clickpay-desk --help`` does not load openpyxl and schwifty.
    from clickpay_desk.core.payout import MANDATORY_FIELDS, MAY_BE_EMPTY
    from clickpay_desk.exchange.payout_headers import TEMPLATE_HEADINGS
    from clickpay_desk.exchange.payout_import import (
        SheetReadError,
        guess_mapping,
        read_table,
        to_rows,
        totals_by_currency,
        warnings,
    )

    prog = "clickpay-desk payouts check"
    if currency is not None:
        try:
            currency = normalize_currency(currency, "--currency", gateway_only=False)
        except ValidationError as exc:
            print(f"{prog}: {exc.violations[0].message()}", file=err)
            return EXIT_UNREADABLE
    try:
        table = read_table(path, sheet=sheet)
    except SheetReadError as exc:
        print(f"{prog}: cannot read {exc.message}", file=err)
        return EXIT_UNREADABLE
    except Exception as exc:  # never a traceback for a file someone was sent
        print(f"{prog}: cannot read {path.name}: {exc}", file=err)
        return EXIT_UNREADABLE

    where = f" (sheet “{table.sheet_name}”)" if table.sheet_name else ""
    print(f"{path.name}{where}: header in row {table.header_row}", file=err)
    for note in table.notes:
        print(f"note: {note}", file=err)

    mapping = guess_mapping(table.headers)
    rows = to_rows(table, mapping, currency)
    missing = [
        name for name in MANDATORY_FIELDS if name not in mapping and name not in MAY_BE_EMPTY
    ]
    for name in missing:
        lacking = sum(any(p.field == name for p in row.problems) for row in rows)
        if lacking:
            print(
                f"missing column, {TEMPLATE_HEADINGS[name]}: is required and no column is "
                "headed for it "
                f"({lacking} row{'s' if lacking != 1 else ''} without it)",
                file=out,
            )
    skip = set(missing)
    for row in rows:
        for problem in row.problems:
            if problem.field not in skip:
                print(line(problem), file=out)
    for warning in warnings(rows):
        print(f"warning: {line(warning)}", file=out)

    invalid = sum(not row.valid for row in rows)
    print(summary(len(rows), invalid, totals_by_currency(rows)), file=out)
    if not rows:
        return EXIT_INVALID
    return EXIT_INVALID if invalid else EXIT_VALID


def line(problem: RuleViolation) -> str:
    """``row N, COLUMN: rule (value)``; without the row when it belongs to no row."""
    where = f"row {problem.row}, {problem.field}" if problem.row is not None else problem.field
    shown = shown_value(problem.value)
    return f"{where}: {problem.rule}" + (f" ({shown})" if shown else "")


def shown_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return " ".join(str(value).split())  # one line, whatever the cell held


def summary(
    count: int,
    invalid: int,
    totals: dict[str, tuple[int, Decimal]],
) -> str:
    if count == 0:
        return "0 rows: no entries below the header"
    state = "all valid" if not invalid else f"{count - invalid} valid, {invalid} with problems"
    parts = []
    for code in sorted(totals):
        number, total = totals[code]
        parts.append(
            f"{code} {_grouped(total, code)} over {number} row{'s' if number != 1 else ''}"
        )
    money = "; ".join(parts) if parts else "nothing"
    return f"{count} row{'s' if count != 1 else ''} ({state}); total {money}"


def _grouped(total: Decimal, code: str) -> str:
    try:
        if significant_decimals(total) <= minor_units(code):
            return f"{Decimal(format_amount(total, code)):,f}"
    except ValidationError:  # "?" for rows whose currency could not be read
        pass
    return f"{total:,f}"  # amounts with too many decimals are shown as they are, not rounded
