"""GUI tests run offscreen; the platform must be chosen before Qt is imported anywhere."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/gui" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.gui)


# -- shared fixtures ------------------------------------------------------------------------------

import threading  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import httpx  # noqa: E402

from clickpay_desk.core.profile import GatewayKind, Profile  # noqa: E402
from clickpay_desk.paths import DataPaths  # noqa: E402
from clickpay_desk.secrets import SecretStorageUnavailable  # noqa: E402
from clickpay_desk.services.clients import ClientPool  # noqa: E402
from clickpay_desk.services.connection import ConnectionVerdict  # noqa: E402
from clickpay_desk.store.database import Store  # noqa: E402
from clickpay_desk.store.writer import StoreWriter  # noqa: E402
from clickpay_desk.ui.context import DeskContext  # noqa: E402
from clickpay_desk.ui.tasks import TaskRunner  # noqa: E402
from tests.app_session import app_logging  # noqa: E402, F401 - the fixture


class FakeSecretStore:
    """Test double of clickpay_desk.secrets.SecretStore: an in-memory keyring.

    GUI tests must never touch the developer's real keyring; the real-keyring behaviour of
    SecretStore is tested on its own (tests marked ``keyring``). ``usable=False`` behaves like a
    machine without a keyring backend: ``set`` refuses, ``set_session_only`` works.
    """

    def __init__(self, usable: bool = True) -> None:
        self.usable = usable
        self.keyring: dict[str, str] = {}
        self.session: dict[str, str] = {}
        self.calls: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def backend_status(self) -> tuple[bool, str]:
        if self.usable:
            return True, "Test keyring (in memory)"
        return False, "No usable system keyring: only the fail backend."

    def get(self, name: str) -> str | None:
        with self.lock:
            self.calls.append(("get", name))
            return self.session.get(name, self.keyring.get(name))

    def set(self, name: str, secret: str) -> None:
        with self.lock:
            self.calls.append(("set", name))
            if not self.usable:
                raise SecretStorageUnavailable("The key was not saved: no usable system keyring.")
            self.keyring[name] = secret
            self.session.pop(name, None)

    def set_session_only(self, name: str, secret: str) -> None:
        with self.lock:
            self.calls.append(("set_session_only", name))
            self.session[name] = secret

    def is_session_only(self, name: str) -> bool:
        with self.lock:
            return name in self.session

    def delete(self, name: str) -> None:
        with self.lock:
            self.calls.append(("delete", name))
            self.session.pop(name, None)
            self.keyring.pop(name, None)


def _offline(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("offline in GUI tests", request=request)


#: GUI tests never reach a real gateway: every request fails to connect (nothing is sent).
OFFLINE = httpx.MockTransport(_offline)


class FakeProbe:
    """Stands in for the gateway check: answers what the test sets, records what it was given."""

    def __init__(self) -> None:
        self.verdict = ConnectionVerdict(True, True, "The gateway answered and accepted the key.")
        self.seen: list[tuple[Profile, str | None]] = []

    def __call__(
        self, profile: Profile, secret: str | None, *, cancel: threading.Event | None = None
    ) -> ConnectionVerdict:
        self.seen.append((profile, secret))
        return self.verdict


@pytest.fixture
def secrets() -> FakeSecretStore:
    return FakeSecretStore()


@pytest.fixture
def probe() -> FakeProbe:
    return FakeProbe()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def desk(
    qtbot, data_dir: Path, secrets: FakeSecretStore, probe: FakeProbe
) -> Iterator[DeskContext]:
    paths = DataPaths.for_dir(data_dir).ensure()
    store = Store.open(paths.database)
    writer = StoreWriter(store)
    runner = TaskRunner(writer=writer)
    pool = ClientPool(secrets, transport_factory=lambda _profile: OFFLINE)  # type: ignore[arg-type]
    ctx = DeskContext(
        store=store,
        writer=writer,
        secrets=secrets,  # type: ignore[arg-type]
        paths=paths,
        runner=runner,
        pool=pool,
        probe=probe,
    )
    yield ctx
    runner.shutdown(3000)
    pool.close()
    writer.close()
    store.close()


def _make_profile(name: str = "Main shop", **changes: object) -> Profile:
    values: dict[str, object] = {
        "name": name,
        "gateway": GatewayKind.CLICKPAY,
        "base_url": "https://secure.clickpay.com.sa",
        "merchant_id": "44537",
        "payout_account_id": "654",
    }
    values.update(changes)
    return Profile(**values)  # type: ignore[arg-type]


@pytest.fixture
def make_profile():
    """Builds a valid ClickPay profile; keyword arguments change fields."""
    return _make_profile


@pytest.fixture(autouse=True, scope="session")
def _usable_qt_binding() -> None:
    """Fail every GUI test with the reason, instead of letting a known-broken PySide6 abort the
    whole test run part-way (see clickpay_desk/ui/qt_check.py)."""
    from clickpay_desk.ui.qt_check import binding_problem

    problem = binding_problem()
    if problem is not None:
        pytest.fail(problem, pytrace=False)


# -- a desk against a real loopback sandbox -------------------------------------------------------

from dataclasses import dataclass  # noqa: E402

from clickpay_desk.sandbox import demo  # noqa: E402
from clickpay_desk.sandbox.server import start_in_thread  # noqa: E402
from clickpay_desk.secrets import SecretStore  # noqa: E402


@dataclass
class LiveDesk:
    """A DeskContext whose profile talks to a real sandbox server over loopback."""

    ctx: DeskContext
    profile: Profile
    url: str
    control: httpx.Client

    def fault(self, path: str, mode: str, times: int = 1, **extra: object) -> None:
        body = {"path": path, "mode": mode, "times": times, **extra}
        self.control.post("/_sandbox/faults", json=body).raise_for_status()

    def sandbox_invoices(self, cart_id: str) -> list[dict]:
        state = self.control.get("/_sandbox/state").json()
        return [i for i in state["invoices"] if i.get("cart_id") == cart_id]


@pytest.fixture(scope="session")
def sandbox_url() -> Iterator[str]:
    server, url = start_in_thread()
    yield url
    server.stop()


@pytest.fixture
def live_desk(qtbot, data_dir: Path, sandbox_url: str) -> Iterator[LiveDesk]:
    """Real store, writer, runner and client pool; the demo key is session-only (no keyring)."""
    control = httpx.Client(base_url=sandbox_url, timeout=10)
    control.post("/_sandbox/reset").raise_for_status()
    paths = DataPaths.for_dir(data_dir).ensure()
    store = Store.open(paths.database)
    writer = StoreWriter(store)
    runner = TaskRunner(writer=writer)
    secrets = SecretStore()
    pool = ClientPool(secrets)
    profile = store.save_profile(
        Profile(
            "Sandbox shop",
            GatewayKind.CLICKPAY,
            sandbox_url,
            str(demo.PROFILE_ID),
            payout_account_id=str(demo.ACCOUNT_ID),
        )
    )
    secrets.set_session_only(profile.secret_name, demo.SERVER_KEY)
    ctx = DeskContext(
        store=store, writer=writer, secrets=secrets, paths=paths, runner=runner, pool=pool
    )
    yield LiveDesk(ctx, profile, sandbox_url, control)
    runner.shutdown(8000)
    pool.close()
    writer.close()
    store.close()
    control.close()
