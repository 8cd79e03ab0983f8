"""What the windows of one running app share: the store, its writer, secrets, paths, the runner,
and the pool of gateway clients."""

from __future__ import annotations

from dataclasses import dataclass

from clickpay_desk.paths import DataPaths
from clickpay_desk.secrets import SecretStore
from clickpay_desk.services.clients import ClientPool
from clickpay_desk.store.database import Store
from clickpay_desk.store.writer import StoreWriter

from .gateway_status import Probe, default_probe
from .tasks import TaskRunner

#: Settings key (in the store) of the profile the app works with.
ACTIVE_PROFILE_KEY = "active_profile_id"


@dataclass
class DeskContext:
    store: Store
    writer: StoreWriter
    secrets: SecretStore
    paths: DataPaths
    runner: TaskRunner
    #: One gateway client per profile, shared by the workers (closed at quit).
    pool: ClientPool
    #: "Does the gateway answer / accept the key?" (``services.connection.check_connection``).
    probe: Probe = default_probe
    #: Base URL of the built-in sandbox when the app runs with --sandbox.
    sandbox_url: str | None = None
