"""Helpers for the end-to-end tests: the sandbox as a real process, its controls, request builders.

The fixtures in ``conftest.py`` use these; test modules import the builders and types from here
(``from tests.e2e.e2e_kit import ...``), as the unit tests do with their fakes.
"""

from __future__ import annotations

import http.server
import json
import os
import queue
import re
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

import httpx

from clickpay_desk.core.agreement import Agreement, RepeatPeriod, agreement_to_wire
from clickpay_desk.core.geidea_invoice import (
    EInvoice,
    EInvoiceItem,
    GeideaCustomer,
    einvoice_to_wire,
)
from clickpay_desk.core.invoice import CustomerDetails, Invoice, LineItem
from clickpay_desk.core.payout import PayoutRequest, TransferCode
from clickpay_desk.gateway import ClickPayClient, GeideaClient, RetryPolicy, Timeouts
from clickpay_desk.gateway.geidea import EINVOICE_PATH
from clickpay_desk.gateway.http import MAX_BODY_BYTES
from clickpay_desk.sandbox import demo

FIRST_LINE = re.compile(r"^Sandbox listening on (http://127\.0\.0\.1:(\d+))$")
START_TIMEOUT = 20.0

#: Reads retry at once in tests: the backoff is not what is under test, the retry is.
FAST_RETRY = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.02, max_retry_after=2.0)
#: For the calls that are not under test (setup, reconciling): generous, so load cannot flake.
CALM = Timeouts(connect=5.0, read=10.0, write=10.0, pool=5.0, total=30.0)
#: For the faulted call: a read timeout far below the sandbox's ``delay`` fault.
READ_TIMEOUT = 0.25
DELAY_SECONDS = 0.7
SHORT = Timeouts(connect=5.0, read=READ_TIMEOUT, write=5.0, pool=5.0, total=10.0)


def sandbox_command() -> list[str]:
    """The console script when installed next to this Python, else ``-m``."""
    script = Path(sys.executable).parent / "clickpay-desk-sandbox"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "clickpay_desk.sandbox.server"]


class SandboxProcess:
    """A ``clickpay-desk-sandbox`` process listening on loopback."""

    def __init__(self, proc: subprocess.Popen[str], base_url: str, stderr_path: Path) -> None:
        self.proc = proc
        self.base_url = base_url
        self.stderr_path = stderr_path

    def client(self, key: str = demo.SERVER_KEY) -> httpx.Client:
        """A raw PT2 client (``authorization: key``)."""
        return httpx.Client(base_url=self.base_url, headers={"authorization": key}, timeout=10)

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Ask the server to stop; its exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=10)
        finally:
            self._close_pipes()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self._close_pipes()

    def _close_pipes(self) -> None:
        if self.proc.stdout is not None and not self.proc.stdout.closed:
            self.proc.stdout.close()

    def stderr_text(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")


def launch(*args: str, stderr_path: Path) -> SandboxProcess:
    """Start the sandbox server (``--port 0``) and read its first line for the URL."""
    stderr: TextIO = open(stderr_path, "w", encoding="utf-8")  # noqa: SIM115
    try:
        proc = subprocess.Popen(
            [*sandbox_command(), "--host", "127.0.0.1", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    finally:
        stderr.close()  # the child has its own copy
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], START_TIMEOUT)
    if not ready:
        proc.kill()
        proc.wait(timeout=10)
        raise AssertionError(f"the sandbox printed nothing within {START_TIMEOUT:.0f} s")
    line = proc.stdout.readline().rstrip("\n")
    match = FIRST_LINE.match(line)
    if match is None:
        proc.kill()
        proc.wait(timeout=10)
        raise AssertionError(f"unexpected first line {line!r}; stderr: {stderr_path.read_text()}")
    return SandboxProcess(proc, match.group(1), stderr_path)


# ---------------------------------------------------------------------------------- controls


class Controls:
    """The ``/_sandbox/`` controls of one running sandbox."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = httpx.Client(base_url=base_url, timeout=10)

    def close(self) -> None:
        self.http.close()

    def _ok(self, response: httpx.Response) -> Any:
        assert response.is_success, (
            f"{response.request.url}: {response.status_code} {response.text}"
        )
        # amounts exactly as the sandbox holds them (Decimal, not float)
        return json.loads(response.content, parse_float=Decimal)

    def reset(self) -> None:
        self._ok(self.http.post("/_sandbox/reset"))

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = self._ok(self.http.get("/_sandbox/state"))
        return state

    def faults(self) -> list[dict[str, Any]]:
        faults: list[dict[str, Any]] = self._ok(self.http.get("/_sandbox/faults"))["faults"]
        return faults

    def arm(self, path: str, mode: str, **options: Any) -> None:
        self._ok(self.http.post("/_sandbox/faults", json={"path": path, "mode": mode, **options}))

    def disarm(self) -> None:
        self._ok(self.http.delete("/_sandbox/faults"))

    def latency(self, seconds: float) -> None:
        self._ok(self.http.post("/_sandbox/latency", json={"seconds": seconds}))

    def pay_invoice(self, invoice_id: str, *, declined: bool = False) -> dict[str, Any]:
        body = {"result": "declined"} if declined else {}
        paid: dict[str, Any] = self._ok(
            self.http.post(f"/_sandbox/invoices/{invoice_id}/pay", json=body)
        )
        return paid

    def pay_payment(self, tran_ref: str) -> dict[str, Any]:
        paid: dict[str, Any] = self._ok(self.http.post(f"/_sandbox/payments/{tran_ref}/pay"))
        return paid

    def advance(self, days: int) -> dict[str, Any]:
        summary: dict[str, Any] = self._ok(
            self.http.post("/_sandbox/clock/advance", json={"days": days})
        )
        return summary

    def today(self) -> date:
        return date.fromisoformat(self._ok(self.http.get("/_sandbox/clock"))["today"])


# ---------------------------------------------------------------------------------- clients


def clickpay_client(
    base_url: str,
    *,
    server_key: str = demo.SERVER_KEY,
    profile_id: int = demo.PROFILE_ID,
    account_id: int | None = demo.ACCOUNT_ID,
    timeout: Timeouts = CALM,
    retry: RetryPolicy = FAST_RETRY,
) -> ClickPayClient:
    # The session's bound for payout answers too, so the sandbox's "oversized-body" fault (a few
    # MB) exceeds it on every call; the production bound for payouts is larger.
    return ClickPayClient(
        base_url,
        profile_id,
        server_key,
        account_id=account_id,
        timeout=timeout,
        retry=retry,
        payout_max_body_bytes=MAX_BODY_BYTES,
    )


def geidea_client(
    base_url: str,
    *,
    public_key: str = demo.GEIDEA_PUBLIC_KEY,
    password: str = demo.GEIDEA_API_PASSWORD,
    timeout: Timeouts = CALM,
    retry: RetryPolicy = FAST_RETRY,
) -> GeideaClient:
    return GeideaClient(base_url, public_key, password, timeout=timeout, retry=retry)


@dataclass
class Gateways:
    """Everything a test needs against one sandbox: controls and the two clients.

    ``clickpay``/``geidea`` have calm timeouts (setup, reconciling); ``short_clickpay``/
    ``short_geidea`` have a read timeout below the ``delay`` fault, for the call under test.
    """

    sandbox: Controls
    clickpay: ClickPayClient
    geidea: GeideaClient
    short_clickpay: ClickPayClient
    short_geidea: GeideaClient
    today: date = field(default_factory=date.today)


# ---------------------------------------------------------------------------------- builders


def invoice_wire(
    cart_id: str, *, amount: str = "9.50", quantity: int = 2, callback_url: str = ""
) -> dict[str, Any]:
    """A PT2 create-invoice request built the way the desk builds it (``Invoice.to_wire``)."""
    now = datetime.now(UTC).replace(microsecond=0)
    invoice = Invoice(
        currency="SAR",
        cart_id=cart_id,
        cart_description=f"E2E invoice {cart_id}",
        lines=(
            LineItem(
                sku="COF-1",
                description="Arabic coffee",
                unit_cost=Decimal(amount),
                quantity=Decimal(quantity),
                tax_rate=Decimal(15),
            ),
        ),
        customer=CustomerDetails(name="Riyas Razak", email="riyas@example.com", country="SA"),
        shipping_charges=Decimal("5.00"),
        expiry_date=now + timedelta(days=10),
        callback_url=callback_url,
    )
    assert invoice.problems(now) == []
    return invoice.to_wire()


def agreement_payment_wire(
    cart_id: str,
    today: date,
    *,
    description: str = "Gym membership",
    callback_url: str = "",
    repeat_terms: int = 2,
) -> dict[str, Any]:
    """A ``POST /payment/request`` body with a repeat-billing agreement (reference 002)."""
    agreement = Agreement(
        description=description,
        currency="SAR",
        initial_amount=Decimal("10.00"),
        repeat_amount=Decimal("5.00"),
        repeat_terms=repeat_terms,
        repeat_period=RepeatPeriod.DAY,
        repeat_every=1,
        first_installment_due_date=today + timedelta(days=1),
    )
    assert agreement.problems(today) == []
    body: dict[str, Any] = {
        "tran_type": "sale",
        "tran_class": "ecom",
        "cart_id": cart_id,
        "cart_currency": "SAR",
        "cart_amount": agreement.initial_amount,
        "cart_description": description,
        "customer_details": {
            "name": "Riyas Razak",
            "email": "riyas@example.com",
            "phone": "+966501234567",
            "street1": "King Fahd Road",
            "city": "Riyadh",
            "state": "RI",
            "country": "SA",
            "zip": "12345",
        },
        "agreement": agreement_to_wire(agreement),
    }
    if callback_url:
        body["callback"] = callback_url
    return body


def payee(
    name: str = "Riyas Razak", amount: str = "201.01", reference: str = "REF-1"
) -> dict[str, object]:
    """One payout transfer request as the desk builds it (``PayoutRequest.to_wire``)."""
    return PayoutRequest(
        amount=Decimal(amount),
        currency="SAR",
        beneficiary_name=name,
        beneficiary_country="SA",
        beneficiary_account_number="SA3305000068200027493000",
        beneficiary_bank="ALINMA",
        beneficiary_email="clickpay@example.com",
        beneficiary_mobile_number="+966501234567",
        beneficiary_address1="Riyadh",
        transfer_code=TransferCode.SALARY,
        merchant_reference=reference,
    ).to_wire()


def einvoice_wire(
    reference: str,
    today: date,
    *,
    price: str = "10.00",
    payment_intent_id: str | None = None,
    callback_url: str | None = None,
) -> dict[str, Any]:
    """A Geidea create (or, with ``payment_intent_id``, update) request (``einvoice_to_wire``)."""
    invoice = EInvoice(
        currency="SAR",
        items=(EInvoiceItem(price=Decimal(price), quantity=2, description="Subscription"),),
        customer=GeideaCustomer(
            name="John",
            email="john@example.com",
            phone_country_code="+966",
            phone_number="501234567",
        ),
        merchant_reference_id=reference,
        charge_description="E2E",
        expiry_date=today + timedelta(days=10),
        callback_url=callback_url,
        payment_intent_id=payment_intent_id,
    )
    return einvoice_to_wire(invoice)


# ---------------------------------------------------------------------------------- callbacks


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class CallbackReceiver:
    """A tiny HTTP server on 127.0.0.1:0 that records every POST it gets (raw bytes)."""

    def __init__(self) -> None:
        self.received: queue.Queue[Received] = queue.Queue()
        received = self.received

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                received.put(Received(self.path, headers, body))
                self.send_response(200)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"OK")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/ipn"

    def next(self, timeout: float = 5.0) -> Received:
        return self.received.get(timeout=timeout)

    def drain(self) -> list[Received]:
        items = []
        while True:
            try:
                items.append(self.received.get_nowait())
            except queue.Empty:
                return items

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


# ---------------------------------------------------------------------------------- waiting


def wait_until(check: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:
    """Poll ``check`` until it is true (a delayed request finishing on the server)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout} s")
        time.sleep(0.02)


def iter_exception_chain(error: BaseException) -> Iterator[BaseException]:
    """The error, its __cause__ and __context__ chains (and exception groups), each once."""
    seen: set[int] = set()
    todo = [error]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                todo.append(linked)
        todo.extend(getattr(current, "exceptions", ()))


__all__ = [
    "CALM",
    "DELAY_SECONDS",
    "EINVOICE_PATH",
    "FAST_RETRY",
    "READ_TIMEOUT",
    "SHORT",
    "CallbackReceiver",
    "Controls",
    "Gateways",
    "SandboxProcess",
    "agreement_payment_wire",
    "clickpay_client",
    "einvoice_wire",
    "geidea_client",
    "invoice_wire",
    "iter_exception_chain",
    "launch",
    "payee",
    "wait_until",
]
