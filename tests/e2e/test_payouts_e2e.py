"""Payout submission against the REAL sandbox server process over loopback: a 1,000-entry batch
in chunks, a committed-then-dropped add resumed without duplicates (with and without
merchant_reference in the answers), and a SIGKILL of the submitting process mid-way."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from clickpay_desk.core.profile import GatewayKind, Profile
from clickpay_desk.sandbox import demo
from clickpay_desk.secrets import SecretStore
from clickpay_desk.services import payouts
from clickpay_desk.services.clients import ClientPool
from clickpay_desk.services.operations import Operation
from clickpay_desk.store.database import Store
from clickpay_desk.store.records import JournalStatus
from tests.e2e.e2e_kit import Controls, SandboxProcess, wait_until
from tests.unit.services.test_payouts_kit import NoMerchantReference, draft

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class PayoutDesk:
    store: Store
    pool: ClientPool
    profile: Profile
    sandbox: Controls
    path: Path


def _pool(profile: Profile, transport: httpx.BaseTransport | None = None) -> ClientPool:
    secrets = SecretStore()
    secrets.set_session_only(profile.secret_name, demo.SERVER_KEY)
    return ClientPool(secrets, transport_factory=(lambda p: transport) if transport else None)


@pytest.fixture
def desk(sandbox: Controls, sandbox_server: SandboxProcess, tmp_path: Path) -> Iterator[PayoutDesk]:
    path = tmp_path / "desk.sqlite3"
    store = Store.open(path)
    profile = store.save_profile(
        Profile(
            "Sandbox",
            GatewayKind.CLICKPAY,
            sandbox_server.base_url,
            str(demo.PROFILE_ID),
            payout_account_id=str(demo.ACCOUNT_ID),
        )
    )
    pool = _pool(profile)
    yield PayoutDesk(store, pool, profile, sandbox, path)
    pool.close()
    store.close()


def ibans_at_gateway(sandbox: Controls, remote_id: str | None) -> Counter[str]:
    (batch,) = [b for b in sandbox.state()["batches"] if str(b["batch_id"]) == str(remote_id)]
    return Counter(e["beneficiary_account_number"] for e in batch["requests"])


def assert_exactly_once(sandbox: Controls, remote_id: str | None, n: int) -> None:
    counts = ibans_at_gateway(sandbox, remote_id)
    assert len(counts) == n, f"{len(counts)} distinct beneficiaries, expected {n}"
    assert set(counts.values()) == {1}, "some beneficiary was sent twice"


def test_a_thousand_entries_in_chunks(desk: PayoutDesk) -> None:
    batch = draft(desk.store, desk.profile, 1000, chunk_size=100)
    seen: list[int] = []
    result = payouts.submit_batch(
        desk.store, desk.pool, batch.id, progress=lambda p: seen.append(p.sent)
    )
    assert result.closed and result.batch.count == 1000
    assert seen == list(range(0, 1001, 100))
    assert_exactly_once(desk.sandbox, result.batch.remote_batch_id, 1000)
    adds = desk.store.journal_list(operation=Operation.PAYOUT_BATCH_ADD)
    assert len(adds) == 10 and {e.status for e in adds} == {JournalStatus.DONE}


def test_commit_then_drop_on_an_add_then_resume_without_duplicates(desk: PayoutDesk) -> None:
    batch = draft(desk.store, desk.profile, 300, chunk_size=50)
    desk.sandbox.arm("/payout/batch/add", "drop-after-commit", times=1)
    with pytest.raises(payouts.SubmissionStopped) as stopped:
        payouts.submit_batch(desk.store, desk.pool, batch.id)
    assert stopped.value.unknown
    result = payouts.submit_batch(desk.store, desk.pool, batch.id)
    assert result.closed
    assert_exactly_once(desk.sandbox, result.batch.remote_batch_id, 300)


def test_same_with_a_gateway_whose_answers_lack_merchant_reference(desk: PayoutDesk) -> None:
    pool = _pool(desk.profile, NoMerchantReference())
    try:
        batch = draft(desk.store, desk.profile, 300, chunk_size=50)
        desk.sandbox.arm("/payout/batch/add", "drop-after-commit", times=1)
        with pytest.raises(payouts.SubmissionStopped):
            payouts.submit_batch(desk.store, pool, batch.id)
        result = payouts.submit_batch(desk.store, pool, batch.id)
        assert result.closed
        assert_exactly_once(desk.sandbox, result.batch.remote_batch_id, 300)
    finally:
        pool.close()


CHILD = """
import sys
from clickpay_desk.sandbox import demo
from clickpay_desk.secrets import SecretStore
from clickpay_desk.services import payouts
from clickpay_desk.services.clients import ClientPool
from clickpay_desk.store.database import Store

store = Store.open(sys.argv[1])
profile = store.get_profile(1)
secrets = SecretStore()
secrets.set_session_only(profile.secret_name, demo.SERVER_KEY)
def progress(p):
    print("sent", p.sent, flush=True)
payouts.submit_batch(store, ClientPool(secrets), int(sys.argv[2]), progress=progress)
print("closed", flush=True)
"""


def test_sigkill_mid_submission_then_restart_resumes_exactly_once(desk: PayoutDesk) -> None:
    batch = draft(desk.store, desk.profile, 600, chunk_size=20)
    # Each call waits 0.3 s at the gateway, so an add is in flight most of the time.
    desk.sandbox.latency(0.3)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(desk.path), str(batch.id)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        # Kill it while an add is journalled and on its way (the journal is in the same file).
        wait_until(
            lambda: (
                len(desk.store.journal_list(operation=Operation.PAYOUT_BATCH_ADD)) >= 4
                and any(
                    e.operation == Operation.PAYOUT_BATCH_ADD
                    for e in desk.store.journal_unresolved()
                )
            ),
            timeout=60,
            what="an add in flight",
        )
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=10) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
    desk.sandbox.latency(0)
    # Almost always one add is left PENDING (killed mid-send); on a very slow machine it may have
    # finished in the instant before the kill, which the resume must handle just as well.
    left = desk.store.journal_unresolved()
    assert len(left) <= 1
    assert all(
        e.operation == Operation.PAYOUT_BATCH_ADD and e.status is JournalStatus.PENDING
        for e in left
    )
    # Restart: the same store, a fresh process state. The add that was in flight when the process
    # died is settled from the batch's count, total, IBANs and amounts; "not done" only after the
    # settle window, so a request the gateway commits late is never sent again.
    done = threading.Event()
    result = None
    for _ in range(50):
        try:
            result = payouts.submit_batch(
                desk.store, desk.pool, batch.id, settle_window=timedelta(seconds=1)
            )
            break
        except payouts.SubmissionStopped as stopped:
            assert "Try again in" in stopped.message, stopped.message
            done.wait(0.1)
    assert result is not None and result.closed
    assert_exactly_once(desk.sandbox, result.batch.remote_batch_id, 600)
    assert desk.store.journal_unresolved() == []
