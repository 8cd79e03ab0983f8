"""Merchant references are unique per merchant only: one merchant's request with a reference
never refuses another merchant's with the same reference ("already created / sent"). Two desk
profiles on the loopback sandbox, the same reference for both."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from clickpay_desk.core.profile import GatewayKind, Profile
from clickpay_desk.sandbox import demo
from clickpay_desk.secrets import SecretStore
from clickpay_desk.services import agreements as svc
from clickpay_desk.services import geidea_invoices as geidea
from clickpay_desk.services.clients import ClientPool
from clickpay_desk.services.invoices import AlreadyCreated
from clickpay_desk.services.operations import Operation
from clickpay_desk.store.records import JournalStatus
from tests.unit.services.desk import Desk, make_einvoice
from tests.unit.services.test_agreements import make_request, sandbox_today


@pytest.fixture
def two(desk: Desk) -> Iterator[tuple[Desk, Desk]]:
    """Desk profiles of two merchants (the sandbox plays both)."""
    other = desk.store.save_profile(
        Profile(
            "Second shop",
            GatewayKind.CLICKPAY,
            desk.url,
            str(demo.PROFILE_ID),
            payout_account_id=str(demo.ACCOUNT_ID),
        )
    )
    secrets = SecretStore()
    secrets.set_session_only(other.secret_name, demo.SERVER_KEY)
    pool = ClientPool(secrets)
    yield desk, Desk(desk.url, desk.store, pool, other, desk.control)
    pool.close()


@pytest.fixture
def two_geidea(desk: Desk) -> Iterator[tuple[Desk, Desk]]:
    secrets = SecretStore()
    pool = ClientPool(secrets)
    desks = []
    for name in ("Geidea shop A", "Geidea shop B"):
        profile = desk.store.save_profile(
            Profile(name, GatewayKind.GEIDEA, desk.url, demo.GEIDEA_PUBLIC_KEY)
        )
        secrets.set_session_only(profile.secret_name, demo.GEIDEA_API_PASSWORD)
        desks.append(Desk(desk.url, desk.store, pool, profile, desk.control))
    yield desks[0], desks[1]
    pool.close()


def test_an_agreement_cart_id_of_one_merchant_does_not_refuse_another(
    two: tuple[Desk, Desk],
) -> None:
    a, b = two
    today = sandbox_today(a)
    request = make_request(today)
    svc.request_agreement(a.store, a.pool, a.profile, request, today=today)
    # The same cart id at merchant B: sent, not "already sent".
    record = svc.request_agreement(b.store, b.pool, b.profile, request, today=today)
    assert record.profile_id == b.profile.id and record.tran_ref
    entries = a.store.journal_list(operation=Operation.AGREEMENT_REQUEST)
    assert {e.profile_id for e in entries} == {a.profile.id, b.profile.id}
    assert all(e.status is JournalStatus.DONE for e in entries)
    # Each merchant still refuses its own repeat.
    for desk in (a, b):
        with pytest.raises(svc.AlreadyRequested):
            svc.request_agreement(desk.store, desk.pool, desk.profile, request, today=today)


def test_a_geidea_reference_of_one_merchant_does_not_refuse_another(
    two_geidea: tuple[Desk, Desk],
) -> None:
    a, b = two_geidea
    invoice = make_einvoice(reference="SHARED-1")
    geidea.create_einvoice(a.store, a.pool, a.profile, invoice)
    made = geidea.create_einvoice(b.store, b.pool, b.profile, invoice)
    assert made.profile_id == b.profile.id and made.remote_id
    quick = {
        "amount": invoice.amount,
        "currency": "SAR",
        "customer": {"name": "Omar", "email": "o@example.com"},
    }
    geidea.quick_create(a.store, a.pool, a.profile, reference="SHARED-Q", **quick)
    assert geidea.quick_create(b.store, b.pool, b.profile, reference="SHARED-Q", **quick).remote_id
    for desk in (a, b):
        with pytest.raises(AlreadyCreated):
            geidea.create_einvoice(desk.store, desk.pool, desk.profile, invoice)
        with pytest.raises(AlreadyCreated):
            geidea.quick_create(desk.store, desk.pool, desk.profile, reference="SHARED-Q", **quick)
