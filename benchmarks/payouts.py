"""Payout sheets: import + full validation, export, and peak memory of a large import.

* Import: a 10,000-row payroll XLSX (title rows above the header, loose headings, unique IBANs,
  mobiles and e-mails, so no check is answered from a cache) read, mapped and validated by
  ``exchange.payout_import`` (read_table + guess_mapping + to_rows + warnings), against
  openpyxl's own read-only load of the same file iterating every cell, in the same run.
  Target: within 2×. The rule caches are emptied before every timed run.
* Export: ``export_batch`` of the 10,000 imported entries (with statuses, fees and totals)
  against openpyxl write-only appending the same cell values to the same three sheets.
  Target: within 1.5×.
* Memory: a 100,000-row import in a fresh subprocess; its peak resident set size (the whole
  process: interpreter, libraries and data) must stay under 400 MB. ``--tracemalloc`` adds the
  Python-allocations peak (slower).

Submitting a batch at 50 ms latency is measured by ``benchmarks/payout_submission.py``
(the submission service's benchmark); ``--with-submission`` runs it after these figures.

    .venv/bin/python benchmarks/payouts.py [--rows 10000] [--memory-rows 100000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from openpyxl import Workbook, load_workbook  # noqa: E402
from openpyxl.cell import WriteOnlyCell  # noqa: E402
from openpyxl.styles import Font  # noqa: E402
from schwifty import IBAN  # noqa: E402

from clickpay_desk.core import contact, payout  # noqa: E402
from clickpay_desk.core.money import format_amount  # noqa: E402
from clickpay_desk.exchange import payout_import  # noqa: E402
from clickpay_desk.exchange.payout_export import (  # noqa: E402
    batch_columns,
    entry_columns,
    entry_row,
    export_batch,
    summary_columns,
    summary_rows,
)
from clickpay_desk.exchange.payout_import import (  # noqa: E402
    guess_mapping,
    read_table,
    to_rows,
    warnings,
)
from clickpay_desk.exchange.sheet import DATETIME_FORMAT, Column, Kind, money_format  # noqa: E402
from clickpay_desk.store.records import BatchEntryRecord, BatchRecord  # noqa: E402

IMPORT_TARGET = 2.0
EXPORT_TARGET = 1.5
MEMORY_TARGET_MB = 400
CURRENCY = "SAR"
HEADINGS = (
    "S.No.",
    "Employee ID",
    "Beneficiary",
    "IBAN No.",
    "Bank",
    "Country",
    "Mobile No.",
    "E-mail",
    "Address",
    "Address Line 2",
    "Amount (SAR)",
    "Transfer Code",
)
_BANKS = (("80", "RJHISARI"), ("10", "NCBKSAJE"), ("20", "RIBLSARI"), ("05", "INMASARI"))
_FIRST = ("Ahmad", "Fatimah", "Mohammed", "Noura", "Khalid", "Sara", "Omar", "Layla", "محمد")
_LAST = ("Al-Qahtani", "Al-Otaibi", "Al-Harbi", "Al-Ghamdi", "Al-Zahrani", "العتيبي")


def make_sheet(path: Path, rows: int) -> Path:
    """A realistic payroll workbook: a title, a blank row, the header, ``rows`` unique entries."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Payroll")
    ws.append([f"Payroll — {rows} transfers"])
    ws.append([])
    ws.append(list(HEADINGS))
    for n in range(1, rows + 1):
        code, bic = _BANKS[n % len(_BANKS)]
        iban = str(IBAN.generate("SA", bank_code=code, account_code=f"{n:018d}"))
        if n % 7 == 0:  # typed with spaces, lower case
            iban = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4)).lower()
        amount: object = Decimal(1000 + (n * 37) % 20000) + Decimal(n % 100) / 100
        if n % 5 == 0:
            amount = f"{amount:,}"  # a number stored as text
        ws.append(
            [
                n,
                f"EMP-{n:06d}",
                f"{_FIRST[n % len(_FIRST)]} {_LAST[n % len(_LAST)]} {n}",
                iban,
                bic,
                "SA",
                f"+9665{n % 10}{n:07d}",  # +96652... is not a Saudi mobile: 1 row in 10 invalid
                f"employee.{n}@example.com",
                "Riyadh",
                None,
                amount,
                100 + n % 4,
            ]
        )
    wb.save(path)
    return path


def clear_caches() -> None:
    for cached in (
        payout._check_iban,
        contact.check_email,
        contact.check_e164,
        contact.check_country,
        contact._email_domain,
        payout_import.bank_from_iban,
    ):
        cached.cache_clear()


def bare_read(path: Path) -> int:
    wb = load_workbook(path, read_only=True, data_only=True)
    cells = 0
    for row in wb.worksheets[0].iter_rows(values_only=True):
        for value in row:
            if value is not None:
                cells += 1
    wb.close()
    return cells


def full_import(path: Path) -> list[payout_import.ImportedRow]:
    table = read_table(path)
    rows = to_rows(table, guess_mapping(table.headers), None)
    warnings(rows)
    return rows


def entries_of(rows: list[payout_import.ImportedRow]) -> list[BatchEntryRecord]:
    now = datetime.now(UTC)
    entries = []
    for row in rows:
        amount = Decimal(row.values["amount"])
        fee = Decimal("0.63") if row.row % 3 else Decimal("1.45")
        status = ("Paid", "Paid", "Processed", "Failed")[row.row % 4]
        entries.append(
            BatchEntryRecord(
                id=row.row,
                batch_id=1,
                row=row.row,
                payload=dict(row.values),
                remote_entry_id=str(50000 + row.row),
                amount=amount,
                fee=fee,
                total=amount + fee,
                status=status,
                protocol_message="INITIATED" if status != "Failed" else "Account closed",
                updated_at=now,
            )
        )
    return entries


def plain_cells(batch: BatchRecord, entries: list[BatchEntryRecord]) -> list[list[list[Any]]]:
    """The three sheets' cells as (value, number format) ready for openpyxl, built untimed:
    amounts rounded to the currency's decimals, naive datetimes, each with the same number
    format the export gives it."""
    money = money_format(batch.currency)

    def plain(value: object, column: Column) -> tuple[object, str | None]:
        if value is None:
            return None, None
        if column.kind is Kind.MONEY:
            assert isinstance(value, Decimal)
            return Decimal(format_amount(value, batch.currency)), money
        if column.kind is Kind.DATETIME:
            assert isinstance(value, datetime)
            return value.astimezone().replace(tzinfo=None, microsecond=0), DATETIME_FORMAT
        if column.kind is Kind.INTEGER:
            return value, "0"
        return value, None

    def table(columns: tuple[Column, ...], rows: list[tuple[object, ...]]) -> list[Any]:
        head = [(c.heading, "bold") for c in columns]
        return [head, *([plain(v, c) for v, c in zip(row, columns, strict=True)] for row in rows)]

    line = (batch.order_id, batch.remote_batch_id, batch.status, batch.currency, batch.count)
    return [
        table(
            entry_columns(batch.currency), [entry_row(entry, batch.currency) for entry in entries]
        ),
        table(summary_columns(batch.currency), summary_rows(entries)),
        table(
            batch_columns(batch.currency),
            [(*line, batch.total, batch.created_at, batch.updated_at)],
        ),
    ]


def bare_write(path: Path, sheets: list[list[list[Any]]]) -> None:
    """openpyxl write-only writing the same cells: values, number formats, bold headings."""
    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, rows in zip(("Entries", "Summary", "Batch"), sheets, strict=True):
        ws = wb.create_sheet(title)
        for row in rows:
            out: list[object] = []
            for value, fmt in row:
                if fmt is None:
                    out.append(value)
                    continue
                cell = WriteOnlyCell(ws, value)
                if fmt == "bold":
                    cell.font = bold
                else:
                    cell.number_format = fmt
                out.append(cell)
            ws.append(out)
    wb.save(path)


def timed(
    repeats: int, run: Callable[[], object], before: Callable[[], None] | None = None
) -> tuple[float, float, Any]:
    """(median CPU seconds, median wall seconds, last result) over ``repeats`` runs.

    The ratios use CPU time: the machine is shared, and wall time then measures the neighbours
    as much as the code. Wall time is printed beside it.
    """
    cpu, wall = [], []
    result: Any = None
    for _ in range(repeats):
        if before is not None:
            before()
        gc.collect()
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        result = run()
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start_wall)
    return statistics.median(cpu), statistics.median(wall), result


MEMORY_CHILD = """
import json, resource, sys, time, tracemalloc
sys.path.insert(0, {repo!r})
from clickpay_desk.exchange.payout_import import guess_mapping, read_table, to_rows, warnings
use_trace = {trace!r}
if use_trace:
    tracemalloc.start()
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
table = read_table({path!r})
rows = to_rows(table, guess_mapping(table.headers), None)
warnings(rows)
elapsed = time.perf_counter() - start
peak_trace = tracemalloc.get_traced_memory()[1] if use_trace else None
print(json.dumps({{
    "rows": len(rows), "valid": sum(r.valid for r in rows), "seconds": elapsed,
    "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "base_kb": base,
    "trace_peak": peak_trace,
}}))
"""


def measure_memory(path: Path, trace: bool) -> dict[str, float]:
    code = MEMORY_CHILD.format(repo=str(REPO), path=str(path), trace=trace)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--memory-rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python allocations")
    parser.add_argument(
        "--with-submission", action="store_true", help="then run benchmarks/payout_submission.py"
    )
    args = parser.parse_args()

    ok = True
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        print(f"writing a {args.rows:,}-row payroll XLSX ...", flush=True)
        sheet = make_sheet(root / "payroll.xlsx", args.rows)

        bare, bare_wall, cells = timed(args.repeats, lambda: bare_read(sheet))
        ours, ours_wall, rows = timed(args.repeats, lambda: full_import(sheet), clear_caches)
        valid = sum(r.valid for r in rows)
        ratio = ours / bare
        ok &= ratio <= IMPORT_TARGET
        print(
            f"import  {len(rows):,} rows ({valid:,} valid) read, mapped, validated: {ours:.2f} s "
            f"CPU ({ours_wall:.2f} s wall); openpyxl read-only load of the same {cells:,} cells: "
            f"{bare:.2f} s CPU ({bare_wall:.2f} s wall)"
        )
        print(
            f"        ratio {ratio:.2f}× (target ≤ {IMPORT_TARGET}×) "
            f"{'OK' if ratio <= IMPORT_TARGET else 'MISSED'}; "
            f"wall ratio {ours_wall / bare_wall:.2f}×"
        )

        entries = entries_of(rows)
        batch = BatchRecord(
            id=1,
            profile_id=1,
            order_id="PAYOUT-BENCH-01",
            remote_batch_id="30173",
            currency=CURRENCY,
            status="Completed",
            count=len(entries),
            total=sum((e.amount for e in entries), Decimal(0)),
        )
        cells_w = plain_cells(batch, entries)
        bare_w, bare_w_wall, _ = timed(
            args.repeats, lambda: bare_write(root / "bare.xlsx", cells_w)
        )
        ours_w, ours_w_wall, _ = timed(
            args.repeats, lambda: export_batch(root / "batch.xlsx", batch, entries)
        )
        ratio_w = ours_w / bare_w
        ok &= ratio_w <= EXPORT_TARGET
        print(
            f"export  {len(entries):,} entries + summary + batch sheets: {ours_w:.2f} s CPU "
            f"({ours_w_wall:.2f} s wall); openpyxl write-only, the same cells and formats: "
            f"{bare_w:.2f} s CPU ({bare_w_wall:.2f} s wall)"
        )
        print(
            f"        ratio {ratio_w:.2f}× (target ≤ {EXPORT_TARGET}×) "
            f"{'OK' if ratio_w <= EXPORT_TARGET else 'MISSED'}; wall ratio "
            f"{ours_w_wall / bare_w_wall:.2f}× (the export also fsyncs its file)"
        )

        if args.memory_rows:
            print(f"writing a {args.memory_rows:,}-row payroll XLSX ...", flush=True)
            big = make_sheet(root / "big.xlsx", args.memory_rows)
            memory = measure_memory(big, args.tracemalloc)
            peak_mb = memory["maxrss_kb"] / 1024
            base_mb = memory["base_kb"] / 1024
            ok &= peak_mb < MEMORY_TARGET_MB
            traced = (
                f"; Python allocations peak {memory['trace_peak'] / 2**20:.0f} MB"
                if memory.get("trace_peak")
                else ""
            )
            print(
                f"memory  {memory['rows']:,}-row import in {memory['seconds']:.1f} s: peak RSS "
                f"{peak_mb:.0f} MB (process before reading: {base_mb:.0f} MB){traced}; "
                f"target < {MEMORY_TARGET_MB} MB {'OK' if peak_mb < MEMORY_TARGET_MB else 'MISSED'}"
            )

    print(
        "submission: see benchmarks/payout_submission.py"
        + (" (running it now)" if args.with_submission else " (--with-submission runs it)")
    )
    if args.with_submission:
        done = subprocess.run([sys.executable, str(REPO / "benchmarks" / "payout_submission.py")])
        ok &= done.returncode == 0
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
