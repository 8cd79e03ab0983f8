from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from clickpay_desk.core.profile import GatewayKind, Profile
from clickpay_desk.store import Store


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "clickpay-desk.sqlite3"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    opened = Store.open(db_path)
    yield opened
    opened.close()


@pytest.fixture
def profile(store: Store) -> Profile:
    return store.save_profile(
        Profile(
            name="Main shop",
            gateway=GatewayKind.CLICKPAY,
            base_url="https://secure.clickpay.com.sa",
            merchant_id="44537",
            payout_account_id="654",
        )
    )
