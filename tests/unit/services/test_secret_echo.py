"""A gateway that echoes the credentials back must not get them kept anywhere: not in the local
invoice record (its link included), not in the journal, and not in their base64 form (Geidea's
Basic credentials are ``base64(public_key:api_password)``)."""

from __future__ import annotations

import base64
import sqlite3

import httpx

from clickpay_desk.core.profile import GatewayKind, Profile
from clickpay_desk.secrets import MASK, SecretStore, redact
from clickpay_desk.services import invoices
from clickpay_desk.services.clients import ClientPool
from clickpay_desk.store.database import Store
from tests.unit.services.desk import make_invoice

KEY = "SKEY-ECHO-CANARY-9d41c07be2"
PUBLIC_KEY = "a087f4ca-9890-407b-9c2f-7630836cc020"
PASSWORD = "GPW-ECHO-CANARY-3b7f10aa52"


def test_key_echoed_in_the_invoice_link_is_not_stored(tmp_path) -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        key = request.headers["authorization"]
        return httpx.Response(
            200,
            json={"invoice_id": 7, "invoice_link": f"https://pt2.test/pay/7?k={key}&x=1"},
        )

    secrets = SecretStore()
    with Store.open(tmp_path / "desk.sqlite3") as store:
        profile = store.save_profile(
            Profile("Shop", GatewayKind.CLICKPAY, "https://pt2.test", "44537")
        )
        secrets.set_session_only(profile.secret_name, KEY)
        pool = ClientPool(secrets, transport_factory=lambda _p: httpx.MockTransport(echo))
        try:
            record = invoices.create_invoice(store, pool, profile, make_invoice())
        finally:
            pool.close()
        assert record.link is not None and KEY not in record.link and MASK in record.link
        (entry,) = store.journal_list()
        assert KEY not in str(entry.result)
    raw = sqlite3.connect(tmp_path / "desk.sqlite3").execute("SELECT * FROM invoices").fetchall()
    assert KEY not in repr(raw)


def test_base64_basic_credentials_are_recognised() -> None:
    from clickpay_desk.secrets import register_secret

    register_secret(PASSWORD)
    basic = base64.b64encode(f"{PUBLIC_KEY}:{PASSWORD}".encode()).decode()
    text = f'{{"authorization": "Basic {basic}", "cart_id": "INV-0001-LONG-REFERENCE"}}'
    masked = redact(text)
    assert basic not in masked and MASK in masked
    assert "INV-0001-LONG-REFERENCE" in masked and PUBLIC_KEY not in masked
    url_safe = base64.urlsafe_b64encode(f"{PUBLIC_KEY}:{PASSWORD}".encode()).decode().rstrip("=")
    assert url_safe not in redact(f"token={url_safe}")
    # Text that merely looks like base64 stays as it is.
    assert redact("SGVsbG8gd29ybGQsIHRoaXMgaXMgZmluZQ==") == "SGVsbG8gd29ybGQsIHRoaXMgaXMgZmluZQ=="
