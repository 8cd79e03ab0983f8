"""One gateway client per merchant profile, shared by every worker thread."""

from __future__ import annotations

import threading
from collections.abc import Callable

import httpx

from clickpay_desk.core.profile import GatewayKind, Profile
from clickpay_desk.gateway.clickpay import ClickPayClient
from clickpay_desk.gateway.geidea import GeideaClient
from clickpay_desk.gateway.http import Timeouts
from clickpay_desk.secrets import SecretStore, register_secret

GatewayClient = ClickPayClient | GeideaClient


class MissingSecret(Exception):
    """The profile has no server key / API password in the keyring or this session."""

    def __init__(self, profile: Profile) -> None:
        what = "server key" if profile.gateway is GatewayKind.CLICKPAY else "API password"
        super().__init__(
            f"No {what} is stored for the profile “{profile.name}”. "
            "Open File ▸ Profiles and enter it."
        )


def build_client(
    profile: Profile,
    secret: str,
    transport: httpx.BaseTransport | None = None,
    timeout: Timeouts | None = None,
) -> GatewayClient:
    """A fresh client for ``profile`` (used by "Test connection" before a profile is saved).

    The secret is registered for redaction first (however it was obtained), so an answer that
    echoes it — plainly or as Geidea's base64 Basic credentials — is masked wherever it is
    kept or logged."""
    register_secret(secret.strip())
    if profile.gateway is GatewayKind.CLICKPAY:
        return ClickPayClient(
            profile.base_url,
            profile.merchant_id,
            secret,
            account_id=profile.payout_account_id or None,
            transport=transport,
            timeout=timeout,
        )
    return GeideaClient(
        profile.base_url, profile.merchant_id, secret, transport=transport, timeout=timeout
    )


class ClientPool:
    """Caches one client per profile (one ``httpx.Client`` and its connection pool)."""

    def __init__(
        self,
        secrets: SecretStore,
        transport_factory: Callable[[Profile], httpx.BaseTransport | None] | None = None,
        timeout: Timeouts | None = None,
    ) -> None:
        self._secrets = secrets
        self._transport_factory = transport_factory
        self._timeout = timeout  # None: the clients' defaults (gateway.http.Timeouts)
        self._clients: dict[tuple[int | None, str], GatewayClient] = {}
        self._lock = threading.Lock()

    def client_for(self, profile: Profile) -> GatewayClient:
        key = (profile.id, profile.secret_name)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                secret = self._secrets.get(profile.secret_name)
                if not secret:
                    raise MissingSecret(profile)
                transport = self._transport_factory(profile) if self._transport_factory else None
                client = build_client(profile, secret, transport, self._timeout)
                self._clients[key] = client
            return client

    def clickpay(self, profile: Profile) -> ClickPayClient:
        client = self.client_for(profile)
        if not isinstance(client, ClickPayClient):
            raise TypeError(f"profile {profile.name!r} is not a ClickPay profile")
        return client

    def geidea(self, profile: Profile) -> GeideaClient:
        client = self.client_for(profile)
        if not isinstance(client, GeideaClient):
            raise TypeError(f"profile {profile.name!r} is not a Geidea profile")
        return client

    def forget(self, profile: Profile) -> None:
        """Drop the cached client (after the key or the profile changed)."""
        with self._lock:
            for key in [k for k in self._clients if k[0] == profile.id]:
                self._clients.pop(key).close()

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()
