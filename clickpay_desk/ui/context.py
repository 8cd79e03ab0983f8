"""What the windows of one running app share: the store, its writer, secrets, paths, the runner."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from clickpay_desk.paths import DataPaths
from clickpay_desk.secrets import SecretStore
from clickpay_desk.store.database import Store
from clickpay_desk.store.writer import StoreWriter

from .gateway_status import Probe, default_probe
from .tasks import TaskContext, TaskRunner

#: Settings key (in the store) of the profile the app works with.
ACTIVE_PROFILE_KEY = "active_profile_id"


@dataclass
class DeskContext:
    store: Store
    writer: StoreWriter
    secrets: SecretStore
    paths: DataPaths
    runner: TaskRunner
    #: "Does the gateway answer / accept the key?" — to be pointed at services when they exist.
    probe: Probe = default_probe
    #: File ▸ Reconcile: a use case run in a worker, returning a sentence for the status bar.
    #: None until the services layer provides one.
    reconcile: Callable[[TaskContext], str] | None = None
    #: Base URL of the built-in sandbox when the app runs with --sandbox.
    sandbox_url: str | None = None
