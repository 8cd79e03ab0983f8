"""With ``--sandbox``: the built-in simulator's demo invoices and a demo agreement, shown in the
desk on first start.

PT2 has no "list my invoices" call, so the ClickPay demo invoices the simulator was seeded with
would never appear in the desk's list. The simulator's own state (its ``/_sandbox/state``
control, which only the sandbox has) names them with the request each was created from; they
are copied into the local store once per profile. Geidea's demo invoices come in through the
documented search instead (``geidea_invoices.search_all``).

The demo agreement cannot be copied the same way: the desk only knows an agreement through the
request it journalled and the callbacks it imported. So, once per data folder, the desk makes a
real one (:func:`create_demo_agreement`): the journalled payment request of
``agreements.request_agreement``, then the sandbox's own controls act as the customer (pays the
first payment) and move its clock on one day, so the first installment is charged; the sandbox
delivers both callbacks to the desk's loopback receiver, and the Agreements tab imports them
like any other (signature checked, confirmed by a transaction query).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from clickpay_desk.core.agreement import format_wire_date
from clickpay_desk.core.profile import GatewayKind, Profile
from clickpay_desk.sandbox.seed import DEMO_AGREEMENT_DESCRIPTION
from clickpay_desk.store.database import Store
from clickpay_desk.store.records import AgreementRecord, InvoiceRecord

from .agreements import AgreementRequest, request_agreement
from .clients import ClientPool
from .preconditions import saved_profile_id
from .refunds import PAYMENT_KEY

_DONE_KEY = "sandbox_demo_invoices:{profile_id}"
_AGREEMENT_KEY = "sandbox_demo_agreement:{profile_id}"
#: What the demo agreement bills: monthly, a year long, the first installment due tomorrow.
DEMO_DESCRIPTION = "Monthly cleaning service"
DEMO_CUSTOMER = {
    "name": "Faisal Al-Dosari",
    "email": "faisal@example.com",
    "phone": "+966551234567",
    "street1": "Olaya Street 45",
    "city": "Riyadh",
    "country": "SA",
}


def _is_sandbox_clickpay(profile: Profile, sandbox_url: str | None) -> bool:
    return (
        sandbox_url is not None
        and profile.id is not None
        and profile.gateway is GatewayKind.CLICKPAY
        and profile.base_url.rstrip("/") == sandbox_url.rstrip("/")
    )


def import_demo_invoices(
    store: Store, profile: Profile, sandbox_url: str | None, *, timeout: float = 5.0
) -> int:
    """Copy the simulator's ClickPay invoices into the store, once; returns how many."""
    if not _is_sandbox_clickpay(profile, sandbox_url) or sandbox_url is None:
        return 0
    assert profile.id is not None
    key = _DONE_KEY.format(profile_id=profile.id)
    if store.get_setting(key):
        return 0
    with httpx.Client(base_url=sandbox_url, timeout=timeout) as client:
        answer = client.get("/_sandbox/state")
        answer.raise_for_status()
        state: dict[str, Any] = answer.json()
    count = 0
    for item in state.get("invoices") or ():
        record = _record(profile.id, item)
        if record is not None and store.find_invoice(profile.id, record.remote_id or "") is None:
            store.upsert_invoice(record)
            count += 1
    store.set_setting(key, True)
    return count


def _record(profile_id: int, item: Any) -> InvoiceRecord | None:
    if not isinstance(item, dict) or not isinstance(item.get("request"), dict):
        return None
    try:
        amount = Decimal(str(item["cart_amount"]))
    except (KeyError, InvalidOperation):
        return None
    payload = dict(item["request"])
    if item.get("tran_ref"):
        payload[PAYMENT_KEY] = {"tran_ref": item["tran_ref"]}
    return InvoiceRecord(
        id=None,
        profile_id=profile_id,
        gateway=GatewayKind.CLICKPAY,
        cart_id=str(item.get("cart_id") or item["invoice_id"]),
        remote_id=str(item["invoice_id"]),
        link=item.get("invoice_link"),
        currency=str(item.get("cart_currency") or "SAR"),
        amount=amount,
        status=str(item.get("status") or "pending"),
        payload=payload,
    )


# --- the demo agreement ---------------------------------------------------------------------


@dataclass(frozen=True)
class DemoAgreement:
    """The demo agreement as requested, and what the sandbox's customer and clock did to it."""

    record: AgreementRecord
    paid: bool
    installments: int  # how many installments the one-day clock move charged


def demo_agreement_wanted(
    store: Store, profile: Profile, sandbox_url: str | None, *, timeout: float = 5.0
) -> bool:
    """True on the first ``--sandbox`` start: the simulator holds its seeded demo data (its own
    demo agreement marks it), this profile has no agreement yet, and no demo was made before.

    A sandbox without the seed (reset by tests, or seeded by hand) gets no demo agreement.
    """
    if not _is_sandbox_clickpay(profile, sandbox_url) or sandbox_url is None:
        return False
    assert profile.id is not None
    if store.get_setting(_AGREEMENT_KEY.format(profile_id=profile.id)):
        return False
    if store.list_agreements(profile.id):
        return False
    with httpx.Client(base_url=sandbox_url, timeout=timeout) as client:
        answer = client.get("/_sandbox/state")
        answer.raise_for_status()
        state: dict[str, Any] = answer.json()
    return any(
        isinstance(a, dict) and a.get("description") == DEMO_AGREEMENT_DESCRIPTION
        for a in state.get("agreements") or ()
    )


def demo_agreement_request(cart_id: str, today: date, callback: str | None) -> AgreementRequest:
    """A monthly agreement for a year, 150.00 SAR a month, the first installment due tomorrow."""
    return AgreementRequest(
        cart_id=cart_id,
        cart_description=DEMO_DESCRIPTION,
        agreement={
            "agreement_description": DEMO_DESCRIPTION,
            "agreement_currency": "SAR",
            "initial_amount": "150.00",
            "repeat_amount": "150.00",
            "final_amount": "0",
            "repeat_terms": 12,
            "repeat_period": 3,  # months
            "repeat_every": 1,
            "first_installment_due_date": format_wire_date(today + timedelta(days=1)),
        },
        customer=DEMO_CUSTOMER,
        callback=callback,
    )


def create_demo_agreement(
    store: Store,
    pool: ClientPool,
    profile: Profile,
    sandbox_url: str,
    *,
    cart_id: str,
    callback: str | None,
    cancel: threading.Event | None = None,
    timeout: float = 15.0,
) -> DemoAgreement:
    """Request the demo agreement (journalled), let the sandbox's customer pay it, and move the
    sandbox's clock on one day so its first installment is charged. Marked done before anything
    is sent: a failure part-way leaves what happened, never a second demo request."""
    profile_id = saved_profile_id(profile)
    store.set_setting(_AGREEMENT_KEY.format(profile_id=profile_id), True)
    with httpx.Client(base_url=sandbox_url, timeout=timeout) as control:
        clock = control.get("/_sandbox/clock")
        clock.raise_for_status()
        today = date.fromisoformat(str(clock.json()["today"]))
        request = demo_agreement_request(cart_id, today, callback)
        record = request_agreement(store, pool, profile, request, today=today, cancel=cancel)
        if record.tran_ref is None:
            return DemoAgreement(record, paid=False, installments=0)
        paid = control.post(f"/_sandbox/payments/{record.tran_ref}/pay", json={})
        paid.raise_for_status()
        moved = control.post("/_sandbox/clock/advance", json={"days": 1})
        moved.raise_for_status()
        charged = moved.json().get("installments") or []
    return DemoAgreement(record, paid=True, installments=len(charged))


# --- the demo payout batch draft ------------------------------------------------------------

_PAYOUT_KEY = "sandbox_demo_payout_draft:{profile_id}"
#: The demo batch's row with a wrong IBAN (as a spreadsheet numbers it, the header being row 1),
#: and the IBAN it should have.
DEMO_BAD_ROW = 4
DEMO_GOOD_IBAN = "SA64 8000 0000 6080 1029 8341"
_DEMO_PAYEES = (
    ("Ahmed Al-Harbi", "SA0380000000608010167519", "Al Rajhi Bank", "4200.00", "+966501234567"),
    ("Sara Al-Otaibi", "SA4420000001234567891234", "Riyad Bank", "3850.00", "+966551234567"),
    # Two check digits swapped (64 is right): the problem list says so, and where.
    ("Layla Mansour", "SA46 8000 0000 6080 1029 8341", "Al Rajhi Bank", "2975.50", "+966561234567"),
    ("Khalid Saleh", "SA3305000068200027493000", "Alinma Bank", "5100.00", "+966591234567"),
    ("Omar Haddad", "SA2710000005100002955109", "Saudi National Bank", "3300.25", "+966541234567"),
)


def demo_payout_rows() -> list[tuple[int, dict[str, str]]]:
    """Five salaries as a spreadsheet would bring them (rows 2-6), one with a wrong IBAN."""
    rows: list[tuple[int, dict[str, str]]] = []
    for number, (name, iban, bank, amount, mobile) in enumerate(_DEMO_PAYEES, start=2):
        first = name.split()[0].lower()
        rows.append(
            (
                number,
                {
                    "amount": amount,
                    "beneficiary_name": name,
                    "beneficiary_country": "SA",
                    "beneficiary_account_number": iban,
                    "beneficiary_bank": bank,
                    "beneficiary_bank_branch": "",
                    "beneficiary_email": f"{first}@example.com",
                    "beneficiary_mobile_number": mobile,
                    "beneficiary_address1": "Riyadh",
                    "beneficiary_address2": "",
                    "transfer_code": "100",
                },
            )
        )
    return rows


def claim_demo_payout_draft(
    store: Store, profile: Profile, sandbox_url: str | None, *, draft_kind: str, draft_key: str
) -> bool:
    """True once per data folder, on the first ``--sandbox`` start: the Payouts tab then shows
    the demo rows as this profile's draft batch. Not when the profile already has a draft or a
    batch (nothing of the user's is replaced). Runs on the store's writer thread."""
    if not _is_sandbox_clickpay(profile, sandbox_url):
        return False
    assert profile.id is not None
    key = _PAYOUT_KEY.format(profile_id=profile.id)
    if store.get_setting(key):
        return False
    store.set_setting(key, True)
    return store.load_draft(draft_kind, draft_key) is None and not store.list_batches(profile.id)
