"""Refunds of paid ClickPay invoices over real HTTP to the sandbox server: full or part, once,
never more than was paid, and the invoice then says what was refunded."""

from __future__ import annotations

from decimal import Decimal

import pytest

from clickpay_desk.core.rules import ValidationError
from clickpay_desk.gateway.errors import OutcomeUnknown
from clickpay_desk.services import invoices, refunds
from clickpay_desk.services.journal import UnresolvedAttempt
from clickpay_desk.services.operations import Operation
from clickpay_desk.store.records import JournalStatus
from tests.unit.services.desk import Desk, make_invoice


def test_a_part_refund_is_journalled_sent_once_and_counted(desk: Desk) -> None:
    record = desk.paid_invoice()
    done = refunds.refund_invoice(desk.store, desk.pool, desk.profile, record, Decimal("5.00"))
    assert done.amount == Decimal("5.00") and done.refunded_total == Decimal("5.00")
    assert done.tran_ref and done.tran_ref != refunds.paid_tran_ref(done.invoice)
    (entry,) = desk.store.journal_list(operation=Operation.INVOICE_REFUND)
    assert entry.status is JournalStatus.DONE
    assert entry.request["tran_type"] == "refund"
    assert entry.request["tran_ref"] == refunds.paid_tran_ref(done.invoice)
    assert len(desk.refunds_at_gateway(record.cart_id)) == 1
    assert refunds.refunded_amount(desk.store, record) == Decimal("5.00")

    # The rest, in full: allowed; one cent more: refused before anything is sent.
    refunds.refund_invoice(desk.store, desk.pool, desk.profile, record, Decimal("15.00"))
    with pytest.raises(ValidationError, match=r"at most 0\.00 SAR"):
        refunds.refund_invoice(desk.store, desk.pool, desk.profile, record, Decimal("0.01"))
    assert len(desk.refunds_at_gateway(record.cart_id)) == 2
    assert refunds.refunded_amount(desk.store, record) == Decimal("20.00")


def test_an_unpaid_invoice_is_not_refunded(desk: Desk) -> None:
    record = invoices.create_invoice(desk.store, desk.pool, desk.profile, make_invoice("9.00"))
    with pytest.raises(ValidationError, match="only a paid invoice"):
        refunds.refund_invoice(desk.store, desk.pool, desk.profile, record, Decimal("1.00"))
    assert desk.store.journal_list(operation=Operation.INVOICE_REFUND) == []


@pytest.mark.parametrize(
    ("amount", "rule"), [("0", "more than zero"), ("1.001", "at most 2 decimals")]
)
def test_bad_amounts_are_named(desk: Desk, amount: str, rule: str) -> None:
    record = desk.paid_invoice()
    with pytest.raises(ValidationError, match=rule):
        refunds.refund_invoice(desk.store, desk.pool, desk.profile, record, Decimal(amount))


def test_a_lost_answer_blocks_a_second_refund(desk: Desk) -> None:
    record = desk.paid_invoice()
    desk.fault("/payment/request", "drop-after-commit")
    with pytest.raises(OutcomeUnknown):
        refunds.refund_invoice(desk.store, desk.pool, desk.profile, record, Decimal("2.00"))
    with pytest.raises(UnresolvedAttempt):
        refunds.refund_invoice(desk.store, desk.pool, desk.profile, record, Decimal("2.00"))
    assert len(desk.refunds_at_gateway(record.cart_id)) == 1
    assert desk.store.invoice_refunds_unresolved(desk.profile.id) == {record.cart_id}
