"""One cell edit on a 5,000-line invoice: incremental totals engine vs a full recompute.

Run: ``python benchmarks/totals.py [--lines N] [--repeats N]``. Both are measured in the same
run on the same invoice; medians over many repeats. Targets: an edit < 1 ms median and at
least 100× faster than recomputing every line.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clickpay_desk.core.invoice import LineItem, compute_totals
from clickpay_desk.core.totals import InvoiceTotalsEngine

CURRENCY = "SAR"
EDIT_TARGET_S = 0.001
RATIO_TARGET = 100


def make_lines(count: int, rng: random.Random) -> list[LineItem]:
    lines = []
    for i in range(count):
        lines.append(
            LineItem(
                sku=f"SKU-{i:05d}",
                description=f"Item {i}",
                unit_cost=Decimal(rng.randint(1, 500_000)).scaleb(-2),
                quantity=Decimal(rng.randint(1, 50)),
                discount_rate=Decimal(rng.choice(["0", "0", "5", "10", "12.5"])),
                tax_rate=Decimal(rng.choice(["0", "5", "15"])),
            )
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=2000, help="edits timed on the engine")
    parser.add_argument("--full-repeats", type=int, default=30, help="full recomputes timed")
    args = parser.parse_args()

    rng = random.Random(20240318)
    lines = make_lines(args.lines, rng)
    charges = {"shipping_charges": Decimal("25.00")}
    engine = InvoiceTotalsEngine(CURRENCY, lines, **charges)
    clock = time.perf_counter

    # One cell edit = the user types a new quantity into one row; the editor shows new totals.
    edit_times = []
    for _ in range(args.repeats):
        i = rng.randrange(args.lines)
        new = replace(engine.line(i), quantity=Decimal(rng.randint(1, 50)))
        start = clock()
        engine.set_line(i, new)
        shown = engine.totals()
        edit_times.append(clock() - start)

    full_times = []
    current = list(engine.lines)
    for _ in range(args.full_repeats):
        i = rng.randrange(args.lines)
        new = replace(current[i], quantity=Decimal(rng.randint(1, 50)))
        start = clock()
        current[i] = new
        compute_totals(current, CURRENCY, **charges)
        full_times.append(clock() - start)
        engine.set_line(i, new)

    shown, full = engine.totals(), compute_totals(current, CURRENCY, **charges)
    if shown != full:
        print("MISMATCH: incremental totals differ from the full recompute", file=sys.stderr)
        print(f"  engine: {shown}\n  full:   {full}", file=sys.stderr)
        return 1

    edit = statistics.median(edit_times)
    recompute = statistics.median(full_times)
    ratio = recompute / edit
    print(f"invoice: {args.lines} lines, {CURRENCY}, grand total {shown.grand_total}")
    print(f"one cell edit (incremental engine): median {edit * 1e6:9.1f} µs over {args.repeats}")
    print(f"one cell edit (full recompute):     median {recompute * 1e6:9.1f} µs over "
          f"{args.full_repeats}")  # fmt: skip
    print(f"ratio: {ratio:,.0f}× faster")
    ok = edit < EDIT_TARGET_S and ratio >= RATIO_TARGET
    print(f"targets (edit < 1 ms, ≥ {RATIO_TARGET}×): {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
