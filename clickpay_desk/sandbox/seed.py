"""Demo data for the desk's demo mode: a few invoices in various states, an agreement, batches.

Everything goes through the same gateway endpoints (and rules) as real traffic; only the
"customer" side and the passing of days use internal shortcuts. Seeding twice adds a second set
(order ids and cart ids carry a random suffix).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from clickpay_desk.core import jsonwire

from ..core.agreement import format_wire_date

if TYPE_CHECKING:
    from .app import SandboxApp

#: The seeded agreement's description: the desk knows by it that the sandbox holds the demo data.
DEMO_AGREEMENT_DESCRIPTION = "Monthly support plan"

_DEMO_IBANS = (
    "SA0380000000608010167519",
    "SA4420000001234567891234",
    "SA2710000005100002955109",
    "SA3305000068200027493000",
    "AE070331234567890123456",
)


def _ok(
    app: SandboxApp,
    method: str,
    path: str,
    body: object,
    geidea: bool = False,
    base_url: str | None = None,
) -> Any:
    headers = app.geidea_headers() if geidea else app.pt2_headers()
    response = app.call(method, path, body, headers=headers, base_url=base_url)
    if response.status != 200:
        raise RuntimeError(f"seeding {path} failed: {response.status} {response.body[:300]!r}")
    return jsonwire.loads(response.body)


def _payee(name: str, iban: str, amount: str, reference: str, mobile: str) -> dict[str, Any]:
    return {
        "amount": Decimal(amount),
        "merchant_reference": reference,
        "beneficiary_name": name,
        "beneficiary_country": iban[:2],
        "beneficiary_account_number": iban,
        "beneficiary_bank": "Demo Bank",
        "beneficiary_bank_branch": "",
        "beneficiary_email": "payee@example.com",
        "beneficiary_mobile_number": mobile,
        "beneficiary_address1": "Riyadh",
        "beneficiary_address2": "",
        "transfer_code": 100,
    }


class _Serving(Protocol):
    @property
    def app(self) -> SandboxApp: ...

    @property
    def base_url(self) -> str: ...


def seed_demo_data(target: SandboxApp | _Serving) -> dict[str, Any]:
    """Fill a sandbox (the app, or a server from ``start_in_thread``) with demo records.

    Returns their ids by kind: ``{"invoices": {"pending", "paid", "cancelled"}, "agreements":
    [id], "batches": {"completed", "new"}, "geidea": {"created", "sent", "paid"}}``.
    """
    from .app import SandboxApp

    app = target if isinstance(target, SandboxApp) else target.app
    # Links in the demo records point where the server listens (seeding runs without a request).
    origin = None if isinstance(target, SandboxApp) else target.base_url

    def ok(app: SandboxApp, method: str, path: str, body: object, geidea: bool = False) -> Any:
        return _ok(app, method, path, body, geidea, base_url=origin)

    config = app.config
    store = app.store
    tag = secrets.token_hex(3).upper()
    now = store.now()
    today = store.today()
    customer = {
        "name": "Noura Al-Qahtani",
        "email": "noura@example.com",
        "phone": "+966501234567",
        "street1": "King Fahd Road 12",
        "city": "Riyadh",
        "country": "SA",
    }
    created: dict[str, Any] = {"invoices": {}, "agreements": [], "batches": {}, "geidea": {}}

    def invoice(cart: str, lines: list[dict[str, Any]], amount: str) -> int:
        body = {
            "profile_id": config.profile_id,
            "tran_type": "sale",
            "tran_class": "ecom",
            "cart_id": f"{cart}-{tag}",
            "cart_currency": "SAR",
            "cart_amount": amount,
            "cart_description": f"Demo invoice {cart}",
            "customer_details": customer,
            "invoice": {
                "lang": "en",
                "activation_date": (now + timedelta(minutes=5)).isoformat(timespec="seconds"),
                "expiry_date": (now + timedelta(days=30)).isoformat(timespec="seconds"),
                "due_date": (now + timedelta(days=14)).isoformat(timespec="seconds"),
                "line_items": lines,
            },
        }
        return int(ok(app, "POST", "/payment/new/invoice", body)["invoice_id"])

    consulting = [
        {
            "sku": "CONS-1",
            "description": "Consulting (hours)",
            "unit_cost": "250.00",
            "quantity": 2,
            "tax_rate": "15",
        },
        {
            "sku": "TRVL",
            "description": "Travel",
            "unit_cost": "120.00",
            "quantity": 1,
            "tax_rate": "15",
        },
    ]
    pending = invoice("INV-1001", consulting, "713.00")
    paid = invoice(
        "INV-1002",
        [{"description": "Website hosting, 1 year", "unit_cost": "600.00", "quantity": 1}],
        "600.00",
    )
    cancelled = invoice(
        "INV-1003",
        [
            {
                "description": "Logo design",
                "unit_cost": "1500.00",
                "quantity": 1,
                "discount_rate": "10",
            }
        ],
        "1350.00",
    )
    with store.lock:
        app.clickpay.pay_invoice(str(paid), approved=True)
    ok(app, "PUT", f"/payment/invoice/{cancelled}/cancel", None)
    created["invoices"] = {"pending": pending, "paid": paid, "cancelled": cancelled}

    payment = ok(
        app,
        "POST",
        "/payment/request",
        {
            "profile_id": config.profile_id,
            "tran_type": "sale",
            "tran_class": "ecom",
            "cart_id": f"SUB-{tag}",
            "cart_currency": "SAR",
            "cart_amount": "99.00",
            "cart_description": DEMO_AGREEMENT_DESCRIPTION,
            "customer_details": customer,
            "agreement": {
                "agreement_description": DEMO_AGREEMENT_DESCRIPTION,
                "agreement_currency": "SAR",
                "initial_amount": "99.00",
                "repeat_amount": "99.00",
                "final_amount": 0,
                "repeat_terms": 12,
                "repeat_period": 3,
                "repeat_every": 1,
                "first_installment_due_date": format_wire_date(today + timedelta(days=30)),
            },
        },
    )
    with store.lock:
        initial, _ = app.clickpay.pay_payment(payment["tran_ref"], approved=True)
    created["agreements"].append(initial["agreement_id"])

    account = {"profile_id": config.profile_id, "account_id": config.account_id}
    done = ok(
        app,
        "POST",
        "/payout/batch/new",
        {
            **account,
            "order_id": f"DEMO-PAYROLL-{tag}",
            "requests": [
                _payee(
                    "Ahmed Al-Harbi", _DEMO_IBANS[0], "1200.00", f"PAY-{tag}-1", "+966501234567"
                ),
                _payee(
                    "Sara Al-Otaibi", _DEMO_IBANS[1], "450.00", f"FAIL-{tag}-2", "+966551234567"
                ),
                _payee("Omar Haddad", _DEMO_IBANS[4], "800.50", f"REJECT-{tag}-3", "+971501234567"),
            ],
        },
    )
    ok(
        app,
        "POST",
        "/payout/batch/close",
        {
            **account,
            "batch_id": done["batch_id"],
            "count": done["count"],
            "total": done["total"],
        },
    )
    with store.lock:
        batch = store.data["batches"][str(done["batch_id"])]
        batch["closed_on"] = (today - timedelta(days=2)).isoformat()
        app.payouts.progress(today)
    open_batch = ok(
        app,
        "POST",
        "/payout/batch/new",
        {
            **account,
            "order_id": f"DEMO-BONUS-{tag}",
            "requests": [
                _payee(
                    "Layla Mansour", _DEMO_IBANS[2], "300.00", f"BONUS-{tag}-1", "+966561234567"
                ),
                _payee("Khalid Saleh", _DEMO_IBANS[3], "275.25", f"BONUS-{tag}-2", "+966591234567"),
            ],
        },
    )
    created["batches"] = {"completed": done["batch_id"], "new": open_batch["batch_id"]}

    def einvoice(reference: str, description: str, price: str, quantity: int) -> str:
        total = Decimal(price) * quantity
        body = {
            "amount": total,
            "currency": "SAR",
            "customer": {
                "name": customer["name"],
                "email": customer["email"],
                "phoneCountryCode": "+966",
                "phoneNumber": "501234567",
            },
            "eInvoiceDetails": {
                "subtotal": total,
                "grandTotal": total,
                "merchantReferenceId": f"{reference}-{tag}",
                "eInvoiceItems": [
                    {
                        "description": description,
                        "price": Decimal(price),
                        "quantity": quantity,
                        "total": total,
                    }
                ],
            },
            "expiryDate": (today + timedelta(days=30)).isoformat(),
        }
        answer = ok(app, "POST", "/payment-intent/api/v1/direct/eInvoice", body, geidea=True)
        return str(answer["paymentIntent"]["paymentIntentId"])

    created_id = einvoice("G-2001", "Design workshop", "115.00", 2)
    sent_id = einvoice("G-2002", "Photography session", "800.00", 1)
    paid_id = einvoice("G-2003", "Printed brochures", "2.50", 400)
    ok(
        app,
        "POST",
        f"/payment-intent/api/v1/direct/eInvoice/{sent_id}/SendByEmail",
        None,
        geidea=True,
    )
    with store.lock:
        app.geidea.pay(paid_id, approved=True)
        store.flush()
    created["geidea"] = {"created": created_id, "sent": sent_id, "paid": paid_id}
    return created
