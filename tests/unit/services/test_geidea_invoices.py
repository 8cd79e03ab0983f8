"""Geidea invoices over real HTTP to the sandbox server: create (journalled, once), quick
create (signed), update while unpaid, delete while Created, send, fetch and search."""

from __future__ import annotations

from decimal import Decimal

import pytest

from clickpay_desk.core.profile import GatewayKind
from clickpay_desk.core.rules import ValidationError
from clickpay_desk.gateway.errors import OutcomeUnknown
from clickpay_desk.services import geidea_invoices as geidea
from clickpay_desk.services.invoices import AlreadyCreated
from clickpay_desk.services.journal import UnresolvedAttempt
from clickpay_desk.services.operations import Operation
from clickpay_desk.store.records import JournalStatus
from tests.unit.services.desk import Desk, make_einvoice


def test_create_is_journalled_kept_and_not_repeated(gdesk: Desk) -> None:
    invoice = make_einvoice(reference="ref-1")
    record = geidea.create_einvoice(gdesk.store, gdesk.pool, gdesk.profile, invoice)
    assert record.gateway is GatewayKind.GEIDEA and record.remote_id and record.link
    assert record.amount == Decimal("200.00") and record.status == "Created"
    assert record.cart_id == "ref-1"
    (entry,) = gdesk.store.journal_list(operation=Operation.GEIDEA_INVOICE_CREATE)
    assert entry.status is JournalStatus.DONE
    with pytest.raises(AlreadyCreated):
        geidea.create_einvoice(gdesk.store, gdesk.pool, gdesk.profile, invoice)
    assert len(gdesk.state()["geidea_invoices"]) == 1


def test_a_create_without_reference_gets_one(gdesk: Desk) -> None:
    record = geidea.create_einvoice(gdesk.store, gdesk.pool, gdesk.profile, make_einvoice())
    assert record.cart_id.startswith("desk-")


def test_lost_create_blocks_a_repeat(gdesk: Desk) -> None:
    invoice = make_einvoice(reference="ref-lost")
    gdesk.fault("/payment-intent/api/v1/direct/eInvoice", "drop-after-commit")
    with pytest.raises(OutcomeUnknown):
        geidea.create_einvoice(gdesk.store, gdesk.pool, gdesk.profile, invoice)
    with pytest.raises(UnresolvedAttempt):
        geidea.create_einvoice(gdesk.store, gdesk.pool, gdesk.profile, invoice)


def test_update_while_unpaid_then_not_once_paid(gdesk: Desk) -> None:
    record = geidea.create_einvoice(gdesk.store, gdesk.pool, gdesk.profile, make_einvoice())
    updated = geidea.update_einvoice(
        gdesk.store, gdesk.pool, gdesk.profile, record, make_einvoice("60.00")
    )
    assert updated.id == record.id and updated.amount == Decimal("120.00")
    gdesk.control.post(f"/_sandbox/invoices/{record.remote_id}/pay").raise_for_status()
    paid = geidea.fetch(gdesk.store, gdesk.pool, gdesk.profile, updated)
    assert paid.status == "Paid"
    with pytest.raises(ValidationError, match="only an unpaid invoice"):
        geidea.update_einvoice(gdesk.store, gdesk.pool, gdesk.profile, paid, make_einvoice())


def test_delete_only_while_created(gdesk: Desk) -> None:
    record = geidea.create_einvoice(gdesk.store, gdesk.pool, gdesk.profile, make_einvoice())
    sent = geidea.send(gdesk.store, gdesk.pool, gdesk.profile, record, "email")
    assert sent.status == "SentToCustomer"
    with pytest.raises(ValidationError, match="only an invoice in Created"):
        geidea.delete_einvoice(gdesk.store, gdesk.pool, gdesk.profile, sent)
    other = geidea.create_einvoice(gdesk.store, gdesk.pool, gdesk.profile, make_einvoice())
    deleted = geidea.delete_einvoice(gdesk.store, gdesk.pool, gdesk.profile, other)
    assert deleted.status == "Cancelled"
    (entry,) = gdesk.store.journal_list(operation=Operation.GEIDEA_INVOICE_DELETE)
    assert entry.status is JournalStatus.DONE


def test_quick_invoice_is_signed_and_kept(gdesk: Desk) -> None:
    record = geidea.quick_create(
        gdesk.store,
        gdesk.pool,
        gdesk.profile,
        amount=Decimal("15.50"),
        currency="SAR",
        customer={"name": "Omar", "email": "omar@example.com"},
        reference="quick-1",
    )
    assert record.amount == Decimal("15.50") and record.link and record.cart_id == "quick-1"
    with pytest.raises(ValidationError, match=r"customer\.name"):
        geidea.quick_create(
            gdesk.store,
            gdesk.pool,
            gdesk.profile,
            amount=Decimal("1"),
            currency="SAR",
            customer={"email": "x@example.com"},
        )


def test_search_finds_invoices_the_desk_did_not_create(gdesk: Desk) -> None:
    gdesk.control.post("/_sandbox/seed").raise_for_status()
    found = geidea.search_all(gdesk.store, gdesk.pool, gdesk.profile)
    assert found, "the demo data has Geidea invoices"
    local = gdesk.store.list_invoices(gdesk.profile.id)
    assert {r.remote_id for r in found} <= {r.remote_id for r in local}
    assert all(r.payload["customer"]["name"] for r in found)  # shown in the list
    report = geidea.refresh_statuses(gdesk.store, gdesk.pool, gdesk.profile, local)
    assert not report.failed
