"""A real loopback sandbox server, a real SQLite store and a profile whose key is session-only.

The key is kept session-only here so these tests don't depend on a keyring; the keyring tests
under tests/keyring/ use the real Secret Service.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from clickpay_desk.core.profile import GatewayKind, Profile
from clickpay_desk.sandbox import demo
from clickpay_desk.sandbox.server import start_in_thread
from clickpay_desk.secrets import SecretStore
from clickpay_desk.services.clients import ClientPool
from clickpay_desk.store.database import Store
from tests.unit.services.desk import Desk


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    server, url = start_in_thread()
    yield url
    server.stop()


@pytest.fixture
def desk(sandbox_url: str, tmp_path) -> Iterator[Desk]:
    control = httpx.Client(base_url=sandbox_url, timeout=10)
    control.post("/_sandbox/reset").raise_for_status()
    store = Store.open(tmp_path / "desk.sqlite3")
    profile = store.save_profile(
        Profile(
            "Sandbox",
            GatewayKind.CLICKPAY,
            sandbox_url,
            str(demo.PROFILE_ID),
            payout_account_id=str(demo.ACCOUNT_ID),
        )
    )
    secrets = SecretStore()
    secrets.set_session_only(profile.secret_name, demo.SERVER_KEY)
    pool = ClientPool(secrets)
    yield Desk(sandbox_url, store, pool, profile, control)
    pool.close()
    store.close()
    control.close()


@pytest.fixture
def gdesk(desk: Desk) -> Iterator[Desk]:
    """The same sandbox and store with a Geidea profile (its API password session-only)."""
    profile = desk.store.save_profile(
        Profile("Geidea shop", GatewayKind.GEIDEA, desk.url, demo.GEIDEA_PUBLIC_KEY)
    )
    secrets = SecretStore()
    secrets.set_session_only(profile.secret_name, demo.GEIDEA_API_PASSWORD)
    pool = ClientPool(secrets)
    yield Desk(desk.url, desk.store, pool, profile, desk.control)
    pool.close()
