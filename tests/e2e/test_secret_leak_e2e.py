"""The server key and the Geidea API password never leak, whatever goes wrong on the wire.

A second sandbox process runs with distinctive canary credentials. The real clients drive it
through every fault mode, authentication failures (a wrong key is a secret too), refusals,
not-found answers and an unreachable gateway. Then every trace the desk could show or store is
searched for the canaries: each exception's ``str``/``repr``/``args``/attributes and pickled
form, its ``__cause__``/``__context__`` chain and formatted traceback, every log record at DEBUG
(httpx and httpcore included), and everything written to the process's stdout and stderr.
"""

from __future__ import annotations

import base64
import logging
import pickle
import socket
import traceback
from collections.abc import Callable, Iterator
from decimal import Decimal
from functools import partial

import pytest

from clickpay_desk.gateway import (
    AuthenticationRefused,
    ClickPayClient,
    FieldRefused,
    GatewayError,
    GatewayUnavailable,
    GeideaClient,
    NotFound,
    RetryPolicy,
    Timeouts,
    run_reads,
)
from clickpay_desk.gateway.http import MAX_BODY_BYTES
from tests.e2e.e2e_kit import (
    CALM,
    DELAY_SECONDS,
    EINVOICE_PATH,
    SHORT,
    Controls,
    SandboxProcess,
    einvoice_wire,
    invoice_wire,
    iter_exception_chain,
    launch,
    payee,
    wait_until,
)

pytestmark = pytest.mark.e2e

CANARY = "LEAK-CANARY-7f3a9c"
SERVER_KEY = f"{CANARY}-server-key"
GEIDEA_PASSWORD = f"{CANARY}-geidea-password"
WRONG_KEY = f"{CANARY}-wrong-server-key"
WRONG_PASSWORD = f"{CANARY}-wrong-geidea-password"
PUBLIC_KEY = "0b7e6d52-leak-test-public-key"
PROFILE_ID = 777001
ACCOUNT_ID = 55

FAULT_MODES = (
    "delay",
    "drop-before-commit",
    "drop-after-commit",
    "html-500",
    "truncated-json",
    "oversized-body",
    "rate-limit",
)
QUICK_RETRY = RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.02, max_retry_after=0.5)


def forbidden() -> list[str]:
    """Every form a secret could take in text: as is, and inside an HTTP Basic header."""
    texts = [CANARY, "7f3a9c", SERVER_KEY, GEIDEA_PASSWORD, WRONG_KEY, WRONG_PASSWORD]
    for password in (GEIDEA_PASSWORD, WRONG_PASSWORD):
        basic = base64.b64encode(f"{PUBLIC_KEY}:{password}".encode()).decode()
        texts += [basic, basic[:24]]
    return texts


def leaks(text: str) -> list[str]:
    return [secret for secret in forbidden() if secret in text]


def exception_texts(error: BaseException) -> Iterator[str]:
    """Everything a log line, a dialog, a crash report or a support ticket could carry."""
    for linked in iter_exception_chain(error):
        yield str(linked)
        yield repr(linked)
        yield repr(linked.args)
        yield repr(getattr(linked, "__dict__", {}))
        yield repr(getattr(linked, "__notes__", []))
        yield "".join(traceback.format_exception(linked))
        try:
            yield repr(pickle.dumps(linked))
        except Exception as exc:  # an unpicklable error is a finding of its own, not a leak
            yield f"unpicklable: {type(exc).__name__}"


@pytest.fixture(scope="module")
def canary_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    stderr = tmp_path_factory.mktemp("leak") / "stderr.txt"
    server = launch(
        "--server-key",
        SERVER_KEY,
        "--profile-id",
        str(PROFILE_ID),
        "--account-id",
        str(ACCOUNT_ID),
        "--geidea-public-key",
        PUBLIC_KEY,
        "--geidea-api-password",
        GEIDEA_PASSWORD,
        "--verbose",
        stderr_path=stderr,
    )
    try:
        yield server
    finally:
        server.stop()
        server.kill()


def _has_invoice(controls: Controls, cart_id: str) -> bool:
    return any(i["cart_id"] == cart_id for i in controls.state()["invoices"])


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class Scenarios:
    """Runs calls that are expected to fail and keeps every exception they raise."""

    def __init__(self, url: str, controls: Controls) -> None:
        self.url = url
        self.controls = controls
        self.errors: list[BaseException] = []
        self.clients: list[ClickPayClient | GeideaClient] = []

    def clickpay(
        self,
        key: str = SERVER_KEY,
        *,
        url: str | None = None,
        profile_id: int = PROFILE_ID,
        timeout: Timeouts = SHORT,
    ) -> ClickPayClient:
        client = ClickPayClient(
            url or self.url,
            profile_id,
            key,
            account_id=ACCOUNT_ID,
            timeout=timeout,
            retry=QUICK_RETRY,
            payout_max_body_bytes=MAX_BODY_BYTES,  # so the oversized-body fault exceeds it
        )
        self.clients.append(client)
        return client

    def geidea(self, password: str = GEIDEA_PASSWORD, url: str | None = None) -> GeideaClient:
        client = GeideaClient(
            url or self.url, PUBLIC_KEY, password, timeout=SHORT, retry=QUICK_RETRY
        )
        self.clients.append(client)
        return client

    def expect(self, error: type[BaseException], call: Callable[[], object]) -> None:
        with pytest.raises(error) as raised:
            call()
        self.errors.append(raised.value)

    def close(self) -> None:
        for client in self.clients:
            client.close()


def test_scanner_finds_a_leak() -> None:
    """The search below would see a secret hidden deep in an exception chain."""
    try:
        try:
            raise ValueError(f"authorization: {SERVER_KEY}")
        except ValueError as inner:
            raise GatewayError("harmless") from inner
    except GatewayError as outer:
        assert any(leaks(text) for text in exception_texts(outer))
    basic = base64.b64encode(f"{PUBLIC_KEY}:{GEIDEA_PASSWORD}".encode()).decode()
    assert leaks(f"Authorization: Basic {basic}")


def test_no_secret_in_errors_logs_or_output(
    canary_server: SandboxProcess,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)  # root: the desk's loggers, httpx and httpcore
    controls = Controls(canary_server.base_url)
    run = Scenarios(canary_server.base_url, controls)
    today = controls.today()
    good = run.clickpay()
    good_calm = run.clickpay(timeout=CALM)
    geidea = run.geidea()
    geidea_calm = GeideaClient(
        canary_server.base_url, PUBLIC_KEY, GEIDEA_PASSWORD, timeout=CALM, retry=QUICK_RETRY
    )
    run.clients.append(geidea_calm)
    try:
        # something to read, and to fail to read
        invoice_id = good_calm.create_invoice(invoice_wire("leak-base")).invoice_id
        intent_id = geidea_calm.create(einvoice_wire("leak-base", today)).payment_intent_id

        for number, mode in enumerate(FAULT_MODES):
            options: dict[str, object] = {"retry_after": 0} if mode == "rate-limit" else {}
            if mode == "delay":
                options["seconds"] = DELAY_SECONDS
            targets: list[tuple[str, str, Callable[[], object]]] = [
                (
                    "POST",
                    "/payment/new/invoice",
                    partial(good.create_invoice, invoice_wire(f"leak-{number}")),
                ),
                (
                    "GET",
                    f"/payment/invoice/{invoice_id}/status",
                    lambda: good.invoice_status(invoice_id),
                ),
                (
                    "POST",
                    "/payout/batch/new",
                    partial(good.payout_new, f"LEAK-{number}", [payee()]),
                ),
                (
                    "POST",
                    EINVOICE_PATH,
                    partial(geidea.create, einvoice_wire(f"leak-{number}", today)),
                ),
                ("GET", f"{EINVOICE_PATH}/{intent_id}", lambda: geidea.fetch(intent_id)),
                (
                    "POST",
                    f"{EINVOICE_PATH}/quick",
                    partial(
                        geidea.quick_create,
                        Decimal("5.00"),
                        "SAR",
                        {"name": "Q", "email": "q@example.com"},
                        f"q-{number}",
                    ),
                ),
            ]
            for method, path, call in targets:
                controls.arm(path, mode, times=5, method=method, **options)
                run.expect(GatewayError, call)
                controls.disarm()
            if mode == "delay":
                # let the delayed requests finish on the server before the next mode
                wait_until(partial(_has_invoice, controls, f"leak-{number}"), what="delayed call")

        # authentication failures: the wrong key and wrong password are secrets too
        wrong = run.clickpay(WRONG_KEY)
        run.expect(AuthenticationRefused, lambda: wrong.create_invoice(invoice_wire("leak-a")))
        run.expect(AuthenticationRefused, lambda: wrong.invoice_status(invoice_id))
        run.expect(AuthenticationRefused, lambda: wrong.payout_new("LEAK-A", [payee()]))
        run.expect(AuthenticationRefused, lambda: wrong.cancel_invoice(invoice_id))
        foreign = run.clickpay(profile_id=1)
        run.expect(AuthenticationRefused, lambda: foreign.create_invoice(invoice_wire("leak-b")))
        wrong_g = run.geidea(WRONG_PASSWORD)
        run.expect(AuthenticationRefused, lambda: wrong_g.create(einvoice_wire("leak-c", today)))
        run.expect(AuthenticationRefused, lambda: wrong_g.search())
        run.expect(
            AuthenticationRefused,
            lambda: wrong_g.quick_create(
                Decimal("1.00"), "SAR", {"name": "Q", "email": "q@example.com"}, "q-auth"
            ),
        )

        # refusals and unknown ids
        bad = invoice_wire("leak-d")
        bad["cart_amount"] = "1.00"
        run.expect(FieldRefused, lambda: good.create_invoice(bad))
        run.expect(NotFound, lambda: good.invoice_status("999"))
        run.expect(NotFound, lambda: geidea.fetch("00000000-0000-0000-0000-000000000000"))

        # nothing listening: refused before anything was sent
        dead = f"http://127.0.0.1:{_closed_port()}"
        offline = run.clickpay(url=dead)
        run.expect(GatewayUnavailable, lambda: offline.invoice_status("1"))
        run.expect(GatewayUnavailable, lambda: offline.create_invoice(invoice_wire("leak-e")))
        offline_g = run.geidea(url=dead)
        run.expect(GatewayUnavailable, lambda: offline_g.fetch(intent_id))

        # a batch refresh that fails item by item: the report's errors too
        controls.arm(f"/payment/invoice/{invoice_id}/status", "html-500", times=20, method="GET")
        report = run_reads([invoice_id] * 3, good.invoice_status, concurrency=2)
        controls.disarm()
        assert len(report.failed) == 3
        run.errors += [r.error for r in report.failed if r.error is not None]
    finally:
        run.close()
        controls.close()

    # the scenarios really failed in all the ways intended
    assert len(run.errors) >= len(FAULT_MODES) * 6 + 17
    classes = {type(e).__name__ for e in run.errors}
    assert {
        "OutcomeUnknown",
        "UnreadableOutcome",
        "RateLimited",
        "GatewayUnavailable",
        "BrokenResponse",
        "AuthenticationRefused",
        "FieldRefused",
        "NotFound",
    } <= classes

    found: list[str] = []
    for error in run.errors:
        for text in exception_texts(error):
            if leaks(text):
                found.append(f"{type(error).__name__}: {leaks(text)} in {text[:300]!r}")
    for client in run.clients:
        for text in (repr(client), str(client)):
            if leaks(text):
                found.append(f"client repr: {text[:300]!r}")

    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    assert caplog.records, "nothing was logged: the log check would be empty"
    for record in caplog.records:
        text = " ".join((formatter.format(record), repr(record.args), str(record.msg)))
        if leaks(text):
            found.append(f"log {record.name}: {text[:300]!r}")

    out, err = capfd.readouterr()
    for name, text in (("stdout", out), ("stderr", err)):
        if leaks(text):
            found.append(f"{name}: {leaks(text)}")

    assert found == [], "\n".join(found)


def test_sandbox_server_log_has_no_secret(canary_server: SandboxProcess) -> None:
    """The simulator's own request log (``--verbose``) does not print credentials either."""
    with (
        ClickPayClient(canary_server.base_url, PROFILE_ID, WRONG_KEY, timeout=CALM) as wrong,
        pytest.raises(AuthenticationRefused),
    ):
        wrong.invoice_status("1")
    with ClickPayClient(canary_server.base_url, PROFILE_ID, SERVER_KEY, timeout=CALM) as good:
        good.create_invoice(invoice_wire("leak-log"))
    wait_until(lambda: "/payment/new/invoice" in canary_server.stderr_text(), what="request log")
    text = canary_server.stderr_text()
    assert leaks(text) == [], text[-2000:]
