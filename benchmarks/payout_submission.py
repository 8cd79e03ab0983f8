"""Submit payout batches in chunks against the real sandbox server at 50 ms latency.

Starts ``clickpay-desk-sandbox --port 0`` as a subprocess, saves a draft batch in a fresh SQLite
store, sets a per-call latency on the sandbox (``POST /_sandbox/latency``) and times
``services.payouts.submit_batch``: ``batch/new`` (empty), ⌈N / chunk⌉ journalled ``batch/add``
calls and ``batch/close``. The floor is the latency of those calls alone: (chunks + 2) × latency.
Target: within 1.2× of the floor. The same submission with no latency shows what the desk
(checking every entry, the journal, the store) and the sandbox (checking every entry again,
answering with the whole batch) cost on top of the round trips.

Chunk size: by default 1,000 entries in chunks of 100 and 10,000 entries in chunks of 100
(``services.payouts.DEFAULT_CHUNK_SIZE``, what the desk sends unless the user changes it) and of
500 (the size this benchmark used before, for comparison). The floor counts only round trips, so
a bigger chunk lowers the floor while the per-entry work stays the same: the ratio grows with the
chunk size even though the submission gets faster. Both figures are printed.

    .venv/bin/python benchmarks/payout_submission.py [--case 10000:100 ...] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.refresh import start_sandbox
from clickpay_desk.core.profile import GatewayKind, Profile
from clickpay_desk.sandbox import demo
from clickpay_desk.secrets import SecretStore
from clickpay_desk.services import payouts
from clickpay_desk.services.clients import ClientPool
from clickpay_desk.store.database import Store
from tests.unit.services.test_payouts_kit import entry

TARGET_RATIO = 1.2
DEFAULT_CASES = (
    (1_000, payouts.DEFAULT_CHUNK_SIZE),
    (10_000, payouts.DEFAULT_CHUNK_SIZE),
    (10_000, 500),
)


@dataclass(frozen=True)
class Case:
    count: int
    chunk: int

    @property
    def calls(self) -> int:
        return math.ceil(self.count / self.chunk) + 2


def submit(url: str, count: int, chunk: int, directory: Path) -> float:
    store = Store.open(directory / f"desk-{count}-{time.monotonic_ns()}.sqlite3")
    profile = store.save_profile(
        Profile(
            "Bench",
            GatewayKind.CLICKPAY,
            url,
            str(demo.PROFILE_ID),
            payout_account_id=str(demo.ACCOUNT_ID),
        )
    )
    assert profile.id is not None
    secrets = SecretStore()
    secrets.set_session_only(profile.secret_name, demo.SERVER_KEY)
    pool = ClientPool(secrets)
    batch = payouts.save_draft_batch(
        store,
        profile,
        order_id=payouts.suggest_order_id(store, profile.id) + f"-{time.monotonic_ns()}",
        account_id=profile.payout_account_id,
        currency="SAR",
        rows=[(i + 2, entry(i + 1, "250.00")) for i in range(count)],
        chunk_size=chunk,
    )
    assert batch.id is not None
    try:
        started = time.perf_counter()
        result = payouts.submit_batch(store, pool, batch.id)
        elapsed = time.perf_counter() - started
        assert result.closed and result.batch.count == count
        return elapsed
    finally:
        pool.close()
        store.close()


def checking(count: int) -> float:
    """Seconds to check ``count`` entries by the core's rules, as the submission does first."""
    records = payouts.entry_records([(i + 2, entry(i + 1, "250.00")) for i in range(count)], "SAR")
    started = time.perf_counter()
    payouts.check_entries(records, "SAR")
    return time.perf_counter() - started


def parse_case(text: str) -> Case:
    count, _, chunk = text.partition(":")
    return Case(int(count), int(chunk or payouts.DEFAULT_CHUNK_SIZE))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--case",
        action="append",
        type=parse_case,
        help="COUNT[:CHUNK], repeatable (default: 1000:100, 10000:100, 10000:500)",
    )
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    cases = args.case or [Case(n, c) for n, c in DEFAULT_CASES]
    proc, url = start_sandbox()
    control = httpx.Client(base_url=url, timeout=30)
    results: list[tuple[Case, float, float]] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            directory = Path(tmp)
            # Warm up (imports, the IBAN registry, the first connection) outside the figures.
            control.post("/_sandbox/latency", json={"seconds": 0}).raise_for_status()
            submit(url, 50, 10, directory)
            for case in cases:
                control.post("/_sandbox/reset").raise_for_status()
                control.post("/_sandbox/latency", json={"seconds": 0}).raise_for_status()
                bare = submit(url, case.count, case.chunk, directory)
                control.post("/_sandbox/reset").raise_for_status()
                control.post("/_sandbox/latency", json={"seconds": args.latency}).raise_for_status()
                elapsed = submit(url, case.count, case.chunk, directory)
                results.append((case, bare, elapsed))
    finally:
        control.close()
        proc.terminate()
        proc.wait(10)
    met = True
    for case, bare, elapsed in results:
        floor = case.calls * args.latency
        ratio = elapsed / floor
        met = met and ratio <= TARGET_RATIO
        verdict = "OK" if ratio <= TARGET_RATIO else "MISS"
        print(
            f"{case.count:,} entries in chunks of {case.chunk}: {case.calls - 2} adds + new + close"
        )
        print(f"  submit at {args.latency * 1e3:.0f} ms latency: {elapsed:.2f} s")
        print(f"  floor (calls × latency): {floor:.2f} s")
        print(f"  ratio: {ratio:.2f}× (target ≤ {TARGET_RATIO}×) {verdict}")
        print(
            f"  the same with no latency: {bare:.2f} s "
            f"({bare / case.count * 1e3:.3f} ms per entry, {bare / case.calls * 1e3:.1f} ms "
            "per call): the desk's and the sandbox's own work"
        )
        print(f"  of which checking every entry before sending: {checking(case.count):.2f} s")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
