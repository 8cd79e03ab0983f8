"""Submit a 10,000-entry payout batch in chunks against the real sandbox server at 50 ms latency.

Starts ``clickpay-desk-sandbox --port 0`` as a subprocess, saves a draft batch in a fresh SQLite
store, sets a per-call latency on the sandbox (``POST /_sandbox/latency``) and times
``services.payouts.submit_batch``: ``batch/new`` (empty), ⌈N / chunk⌉ journalled ``batch/add``
calls and ``batch/close``. The floor is the latency of those calls alone: (chunks + 2) × latency.
Target: within 1.2× of the floor. A second, shorter pass with no latency shows what the desk
(validation, journal, store) and the sandbox cost per entry.

    .venv/bin/python benchmarks/payout_submission.py [--count 10000] [--chunk 500] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--chunk", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    proc, url = start_sandbox()
    control = httpx.Client(base_url=url, timeout=30)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            directory = Path(tmp)
            control.post("/_sandbox/latency", json={"seconds": 0}).raise_for_status()
            small = max(args.chunk, args.count // 10)
            bare = submit(url, small, args.chunk, directory)
            control.post("/_sandbox/reset").raise_for_status()
            control.post("/_sandbox/latency", json={"seconds": args.latency}).raise_for_status()
            elapsed = submit(url, args.count, args.chunk, directory)
    finally:
        control.close()
        proc.terminate()
        proc.wait(10)
    records = payouts.entry_records(
        [(i + 2, entry(i + 1, "250.00")) for i in range(args.count)], "SAR"
    )
    started = time.perf_counter()
    payouts.check_entries(records, "SAR")
    validation = time.perf_counter() - started
    chunks = math.ceil(args.count / args.chunk)
    floor = (chunks + 2) * args.latency
    ratio = elapsed / floor
    print(f"entries {args.count}, chunk {args.chunk}: {chunks} adds + new + close")
    print(f"no latency, {small} entries: {bare:.2f} s ({bare / small * 1e3:.3f} ms per entry)")
    print(f"submit at {args.latency * 1e3:.0f} ms latency: {elapsed:.2f} s")
    print(f"floor (calls × latency): {floor:.2f} s")
    print(f"of the submit, checking every entry before sending (core rules): {validation:.2f} s")
    verdict = "OK" if ratio <= TARGET_RATIO else "MISS"
    print(f"ratio: {ratio:.2f}× (target ≤ {TARGET_RATIO}×) {verdict}")
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    raise SystemExit(main())
