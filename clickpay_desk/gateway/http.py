"""HTTP plumbing shared by the ClickPay and Geidea clients.

One ``HttpSession`` per merchant profile wraps one ``httpx.Client`` (thread-safe: worker threads
share its connection pool) and turns every way a request can go wrong into one of the
``errors`` classes. The rules that keep money safe live here:

* **Never pay twice.** A mutating call is sent exactly once. If it fails before anything was
  sent (connection refused, DNS, pool timeout) the caller gets ``GatewayUnavailable``; once the
  request may have reached the gateway (timeout or connection loss after sending, HTTP 5xx, a 2xx
  whose body cannot be read) it gets ``OutcomeUnknown`` and must reconcile by a query.
* **Reads retry.** Status and query calls retry connection failures, timeouts, 429 and 5xx with
  bounded exponential backoff and jitter; the sleeps wait on a ``threading.Event`` so cancelling
  interrupts them at once. When the attempts run out the caller gets ``GatewayUnavailable`` (or
  ``RateLimited`` when the gateway kept asking us to slow down).
* **Hostile bodies are bounded.** Bodies are streamed and abandoned past ``max_body_bytes``
  (after content decoding, so a gzip bomb is bounded too).
* **Every call ends by its deadline.** One attempt, from the first byte sent to the last byte
  of the answer, *headers included*, takes at most ``Timeouts.total`` (default 20 s): the
  connection pool's sockets are bounded by the attempt's deadline (``gateway.deadline``), so a
  gateway that drips its headers or its body a byte at a time is cut off on time. One call,
  all its attempts and the waits between them, takes at most ``Timeouts.call`` (default 30 s):
  a read stops retrying when the next attempt could not finish before it. A money move is one
  attempt, so it says "no clear answer" after at most 20 s; a read gives up after at most 30 s.
* **Secrets stay out.** Gateway-supplied text is scrubbed of the credentials before it goes into
  an exception, and no gateway exception is ever chained to an httpx exception (those carry the
  request and its authorization header): they are built from sanitised descriptions and raised
  outside the ``except`` blocks, so ``__cause__`` and ``__context__`` stay empty.
"""

from __future__ import annotations

import contextlib
import email.utils
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar
from urllib.parse import quote

import httpx

from clickpay_desk.core import jsonwire

from .. import __version__
from . import deadline
from .errors import (
    AuthenticationRefused,
    BrokenResponse,
    Cancelled,
    FieldRefused,
    GatewayError,
    GatewayUnavailable,
    NotFound,
    OutcomeUnknown,
    RateLimited,
    RequestRefused,
    UnreadableOutcome,
)

log = logging.getLogger("clickpay_desk.gateway")

T = TypeVar("T")

#: Largest response body we read (after content decoding).
MAX_BODY_BYTES = 5 * 1024 * 1024

NO_BODY: Any = object()

#: A JSON object as core builds it (values may be Decimal).
JsonObject = Mapping[str, Any]


@dataclass(frozen=True)
class Timeouts:
    """Seconds. ``total`` bounds one whole attempt, from the first byte sent to the last byte of
    the answer, headers included; ``call`` bounds one call with all its attempts and the waits
    between them (a read's retries stop when the next one could not finish in time).

    The defaults are what a person at the counter waits for: a gateway answers a create or a
    status in a few seconds, so 20 s for one attempt is already a bad day, and 30 s is the most
    a click may take before it says "no clear answer" (a money move) or "could not read"
    (a read). The parts: 5 s to connect, 15 s of silence while reading or writing.
    """

    connect: float = 5.0
    read: float = 15.0
    write: float = 15.0
    pool: float = 5.0
    total: float = 20.0
    call: float = 30.0

    def for_httpx(self) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.pool)


def check_secret(secret: str, what: str) -> str:
    """``secret`` stripped, or AuthenticationRefused saying what is wrong (never what it is)."""
    cleaned = secret.strip() if isinstance(secret, str) else ""
    if not cleaned:
        raise AuthenticationRefused(f"The {what} is empty. Enter it in the profile settings.")
    if not cleaned.isascii() or not cleaned.isprintable():
        # Never repeat the value: say what is wrong with it.
        raise AuthenticationRefused(
            f"The {what} contains characters a {what} cannot have. Copy it again from the "
            "merchant dashboard."
        )
    return cleaned


def timeouts_from(timeout: Timeouts | float | None) -> Timeouts:
    """``Timeouts`` as given, defaults for None, or a plain number as the read timeout."""
    if timeout is None:
        return Timeouts()
    if isinstance(timeout, Timeouts):
        return timeout
    seconds = float(timeout)
    return Timeouts(
        connect=min(5.0, seconds),
        read=seconds,
        write=seconds,
        total=max(20.0, seconds * 2),
        call=max(30.0, seconds * 3),
    )


@dataclass(frozen=True)
class RetryPolicy:
    """How reads retry. Mutating calls never do, whatever this says."""

    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    #: A Retry-After longer than this is not waited for: the read gives up with RateLimited.
    max_retry_after: float = 30.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed ``attempt`` (1-based): exponential, half-jittered."""
        backoff = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        jittered = backoff * (0.5 + random.random() / 2)
        if retry_after is not None:
            return max(jittered, min(retry_after, self.max_retry_after))
        return jittered


@dataclass(frozen=True)
class ErrorBody:
    """What a gateway's error body said, in gateway-neutral terms."""

    message: str | None = None
    trace: str | None = None
    code: str | None = None
    auth_failure: bool = False
    #: True when the body was a JSON object from the gateway (not an HTML page or nothing).
    from_gateway: bool = False
    #: The gateway says it has seen this request before (PT2: HTTP 409, code 4, "Duplicate
    #: Request"): it may already have done it, so for a money move the outcome is unknown.
    duplicate: bool = False


class ErrorDialect(Protocol):
    """How one gateway words its errors."""

    #: Shown to users: "ClickPay", "Geidea".
    gateway_name: str
    #: What the secret is called: "server key", "API password".
    credential_name: str

    def read_error(self, payload: Any) -> ErrorBody: ...

    def refusal_in_success(self, payload: Any) -> ErrorBody | None:
        """A refusal hidden in an HTTP 2xx answer (Geidea's responseCode), or None."""
        ...


# A wire field name followed by a colon: "cart_amount: ...", "customer.email: ...",
# "requests[1].beneficiary_account_number: ...". Field names start lower-case, so "Error: ..." is
# not a field.
_FIELD_MESSAGE = re.compile(
    r"^\s*([a-z][A-Za-z0-9_]*(?:\[\d+\])*(?:\.[A-Za-z_][A-Za-z0-9_]*(?:\[\d+\])*)*)\s*:\s*(\S.*)$",
    re.DOTALL,
)


def split_field_message(message: str | None) -> tuple[str, str] | None:
    """``"cart_amount: must be at most 100"`` → ``("cart_amount", "must be at most 100")``."""
    if not message:
        return None
    match = _FIELD_MESSAGE.match(message)
    if match is None or match.group(2).startswith("//"):
        return None
    return match.group(1), match.group(2).strip()


def field_problems(message: str | None) -> tuple[tuple[str, str], ...]:
    """Every ``(field, message)`` in ``"a: must ...; b[1].c: must ..."``; empty unless the
    whole message is made of field-named parts."""
    if not message:
        return ()
    whole = split_field_message(message)
    parts = [split_field_message(part) for part in message.split("; ")]
    if len(parts) > 1 and all(p is not None for p in parts):
        return tuple(p for p in parts if p is not None)
    return (whole,) if whole is not None else ()


@dataclass(frozen=True)
class _Success:
    payload: Any
    status: int


@dataclass(frozen=True)
class _Failure:
    error: GatewayError
    #: For reads: worth another attempt (connection trouble, timeouts, 429, 5xx).
    retryable: bool = False
    retry_after: float | None = None
    #: Short reason for messages ("could not connect", "server error 502").
    reason: str = ""
    #: Whether the request may have reached the gateway.
    sent: bool = True


class HttpSession:
    """One gateway profile's HTTP client. Thread-safe; share it between workers."""

    def __init__(
        self,
        base_url: str,
        *,
        dialect: ErrorDialect,
        headers: Mapping[str, str] | None = None,
        auth: httpx.Auth | tuple[str, str] | None = None,
        secrets: Iterable[str] = (),
        transport: httpx.BaseTransport | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        self._dialect = dialect
        self._timeouts = timeouts or Timeouts()
        self._retry = retry or RetryPolicy()
        self._max_body = max_body_bytes
        # Longest first so a secret containing another is hidden whole.
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)
        self._closed = False
        all_headers = {"accept": "application/json", "user-agent": f"ClickPayDesk/{__version__}"}
        all_headers.update(headers or {})
        limits = httpx.Limits(max_connections=32, max_keepalive_connections=16)
        if transport is None:
            transport = httpx.HTTPTransport(limits=limits)
        deadline.enforce(transport)
        self._client = httpx.Client(
            base_url=base_url,
            headers=all_headers,
            auth=auth,
            transport=transport,
            timeout=self._timeouts.for_httpx(),
            follow_redirects=False,
            limits=limits,
        )

    @property
    def gateway_name(self) -> str:
        return self._dialect.gateway_name

    def close(self) -> None:
        self._closed = True
        self._client.close()

    def redact(self, text: str) -> str:
        """``text`` with every credential replaced by a placeholder."""
        for secret in self._secrets:
            text = text.replace(secret, "[hidden]")
        return text

    # ------------------------------------------------------------------ the one entry point

    def call(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        mutating: bool,
        parse: Callable[[Any], T],
        body: Any = NO_BODY,
        params: Mapping[str, str] | None = None,
        cancel: threading.Event | None = None,
        max_body_bytes: int | None = None,
        decode: Callable[[bytes], Any] = jsonwire.loads,
    ) -> T:
        """Send one request (reads: with retries) and return ``parse(json_body)``.

        ``operation`` is a phrase for messages ("create the invoice"). Raises only
        ``GatewayError`` subclasses for anything the gateway or the network does; a payload
        that cannot be serialised raises ``TypeError``/``ValueError`` before anything is sent.
        ``max_body_bytes`` raises the session's bound on the answer for a call whose documented
        answer can be large (a payout batch listing its entries). ``decode`` reads the answer's
        bytes (``jsonwire.loads``; ``jsonwire.loads_tail`` when only the end of a listing is
        needed) and raises ``jsonwire.JsonUnreadable``.
        """
        limit = max_body_bytes or self._max_body
        content = None if body is NO_BODY else jsonwire.dumps(body, floats=False)
        attempts = 1 if mutating else max(1, self._retry.attempts)
        waiter = cancel if cancel is not None else threading.Event()
        outcome: _Success | _Failure | None = None
        call_ends = time.monotonic() + self._timeouts.call
        for attempt in range(1, attempts + 1):
            if cancel is not None and cancel.is_set():
                raise self._cancelled(operation, before_send=attempt == 1)
            ends = min(call_ends, time.monotonic() + self._timeouts.total)
            outcome = self._attempt(
                method, path, content, params, operation, mutating, ends, limit, decode
            )
            if isinstance(outcome, _Success):
                break
            if mutating or not outcome.retryable:
                raise self._stamp(outcome.error, operation)
            if attempt == attempts:
                raise self._reads_exhausted(outcome, operation, attempts)
            if (
                outcome.retry_after is not None
                and outcome.retry_after > self._retry.max_retry_after
            ):
                raise self._reads_exhausted(outcome, operation, attempt)
            delay = self._retry.delay(attempt, outcome.retry_after)
            if time.monotonic() + delay >= call_ends:
                # The call's deadline comes before another attempt could: say so now.
                raise self._reads_exhausted(outcome, operation, attempt)
            log.warning(
                "%s %s: %s; retry %d of %d in %.2f s",
                method,
                path,
                outcome.error.detail or type(outcome.error).__name__,
                attempt,
                attempts - 1,
                delay,
            )
            if waiter.wait(delay):
                raise self._cancelled(operation, before_send=False)
        assert isinstance(outcome, _Success)
        return self._parse(outcome, parse, operation, mutating)

    # ------------------------------------------------------------------ one attempt

    def _attempt(
        self,
        method: str,
        path: str,
        content: bytes | None,
        params: Mapping[str, str] | None,
        operation: str,
        mutating: bool,
        ends: float,
        limit: int,
        decode: Callable[[bytes], Any],
    ) -> _Success | _Failure:
        """One request; every byte of it, headers included, by ``ends`` (``time.monotonic``);
        an answer larger than ``limit`` bytes is abandoned."""
        with deadline.deadline(ends):
            return self._attempt_within(
                method, path, content, params, operation, mutating, ends, limit, decode
            )

    def _attempt_within(
        self,
        method: str,
        path: str,
        content: bytes | None,
        params: Mapping[str, str] | None,
        operation: str,
        mutating: bool,
        ends: float,
        limit: int,
        decode: Callable[[bytes], Any],
    ) -> _Success | _Failure:
        gw = self.gateway_name
        if self._closed:
            return _Failure(
                GatewayUnavailable(f"The connection to {gw} was closed; nothing was sent."),
                sent=False,
            )
        headers = {"content-type": "application/json"} if content is not None else None
        try:
            request = self._client.build_request(
                method, path, content=content, headers=headers, params=params
            )
        except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError, TypeError) as exc:
            return self._not_sent(
                operation, "invalid gateway address", self._describe(exc), retryable=False
            )

        started = time.monotonic()
        failure: _Failure | None = None
        try:
            response = self._client.send(request, stream=True)
        except httpx.UnsupportedProtocol as exc:
            return self._not_sent(
                operation, "invalid gateway address", self._describe(exc), retryable=False
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # Nothing left this machine: safe for anyone to try again.
            return self._not_sent(operation, "could not connect", self._describe(exc))
        except httpx.TimeoutException as exc:
            return self._maybe_sent(operation, mutating, "no answer in time", self._describe(exc))
        except Exception as exc:
            # Connection lost while sending or waiting (RemoteProtocolError, ReadError,
            # WriteError), or an in-process transport that crashed: the request may have arrived.
            return self._maybe_sent(operation, mutating, "connection lost", self._describe(exc))

        status = response.status_code
        raw: bytes | None = None
        oversized = False
        try:
            declared = response.headers.get("content-length", "")
            if declared.strip().isdigit() and int(declared) > limit:
                oversized = True
            else:
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > limit:
                        oversized = True
                        break
                    if time.monotonic() > ends:
                        failure = self._maybe_sent(
                            operation, mutating, "answer too slow", "body exceeded total timeout"
                        )
                        break
                    chunks.append(chunk)
                raw = b"".join(chunks)
        except httpx.DecodingError as exc:
            raw, detail = None, self._describe(exc)
            failure = self._unreadable_body(status, operation, mutating, detail)
        except Exception as exc:
            failure = self._body_lost(status, operation, mutating, self._describe(exc))
        finally:
            # Closing a broken stream can fail too; there is nothing more to report.
            with contextlib.suppress(Exception):
                response.close()
        elapsed_ms = (time.monotonic() - started) * 1000
        log.debug("%s %s -> HTTP %d (%.0f ms)", method, path, status, elapsed_ms)
        if failure is not None:
            return failure
        if oversized:
            problem = f"the answer was larger than {_size(limit)}"
            return self._classify(
                status, None, response.headers, operation, mutating, problem, decode
            )
        assert raw is not None
        return self._classify(status, raw, response.headers, operation, mutating, None, decode)

    # ------------------------------------------------------------------ status mapping

    def _classify(
        self,
        status: int,
        raw: bytes | None,
        headers: httpx.Headers,
        operation: str,
        mutating: bool,
        problem: str | None,
        decode: Callable[[bytes], Any],
    ) -> _Success | _Failure:
        gw = self.gateway_name
        payload: Any = None
        if raw is not None and problem is None:
            payload, problem = _read_json(raw, headers, decode)

        if 200 <= status < 300:
            if problem is not None:
                return _Failure(self._broken(operation, mutating, problem, status))
            refusal = self._dialect.refusal_in_success(payload)
            if refusal is not None:
                return _Failure(self._refusal(status, refusal, operation))
            return _Success(payload, status)

        body = self._dialect.read_error(payload) if problem is None else ErrorBody()
        detail = f"HTTP {status}" + (f", {problem}" if problem else "")
        if status == 429:
            retry_after = _parse_retry_after(headers.get("retry-after"))
            wait = (
                f" Try again in {retry_after:.0f} seconds."
                if retry_after
                else " Try again shortly."
            )
            error: GatewayError = RateLimited(
                f"{gw} is receiving too many requests; it did not {operation}.{wait}",
                retry_after=retry_after,
                http_status=status,
                trace=self._clean(body.trace),
                detail=detail,
            )
            return _Failure(error, retryable=True, retry_after=retry_after)
        if status >= 500 or status == 408:
            return self._maybe_sent(
                operation,
                mutating,
                f"server error {status}",
                detail,
                status,
                self._clean(body.trace),
            )
        if 400 <= status < 500:
            if mutating and (status == 409 or body.duplicate):
                # "Duplicate request" means "I may already have this": never a plain refusal.
                said = self._clean(body.message)
                return _Failure(
                    OutcomeUnknown(
                        f"{gw} answered that it has already received this request"
                        + (f" ({said})" if said else "")
                        + f" while trying to {operation}. It may already have been done: "
                        "reconcile before trying again.",
                        http_status=status,
                        trace=self._clean(body.trace),
                        detail=detail,
                    )
                )
            if status == 404 and not body.from_gateway:
                # An HTML/empty 404 means the address is wrong, not that the invoice is unknown:
                # reporting "not found" here could make a reconciler think nothing was created.
                return _Failure(
                    BrokenResponse(
                        f"{gw} answered with a page that does not exist while trying to "
                        f"{operation}. Check the gateway address in the profile settings.",
                        http_status=status,
                        detail=detail,
                    )
                )
            return _Failure(self._refusal(status, body, operation, detail))
        # 1xx/3xx: a redirect or something stranger; the gateway address is probably wrong.
        return _Failure(
            BrokenResponse(
                f"{gw} answered with a redirect or an unexpected status while trying to "
                f"{operation}. Check the gateway address in the profile settings.",
                http_status=status,
                detail=detail,
            )
        )

    def _refusal(
        self, status: int, body: ErrorBody, operation: str, detail: str | None = None
    ) -> GatewayError:
        gw = self.gateway_name
        message = self._clean(body.message)
        trace = self._clean(body.trace)
        detail = detail or f"HTTP {status}" + (f", code {body.code}" if body.code else "")
        if status == 401 or body.auth_failure:
            said = f" ({message})" if message else ""
            return AuthenticationRefused(
                f"{gw} did not accept the {self._dialect.credential_name} or the merchant "
                f"id{said}. Check them in the profile settings.",
                http_status=status,
                trace=trace,
                detail=detail,
            )
        if status == 404:
            return NotFound(
                f"{gw} could not find what was asked for while trying to {operation}"
                + (f": {message}" if message else "."),
                http_status=status,
                trace=trace,
                detail=detail,
            )
        problems = field_problems(message)
        if problems:
            return FieldRefused(
                *problems[0], problems=problems, http_status=status, trace=trace, detail=detail
            )
        if status == 403:
            text = f"{gw} does not allow this account to {operation}"
        else:
            text = f"{gw} refused to {operation}"
        return RequestRefused(
            text + (f": {message}" if message else "."),
            http_status=status,
            trace=trace,
            detail=detail,
        )

    def _parse(
        self, outcome: _Success, parse: Callable[[Any], T], operation: str, mutating: bool
    ) -> T:
        problem: GatewayError | None = None
        try:
            return parse(outcome.payload)
        except BrokenResponse as exc:
            problem = exc
        except GatewayError as exc:  # e.g. Declined found in the answer
            problem = self._stamp(exc, operation)
            problem.http_status = problem.http_status or outcome.status
        except Exception as exc:
            # A parser bug must not crash a worker; the type is enough to find it in the log.
            log.error("parser for %r failed with %s", operation, type(exc).__name__)
            problem = BrokenResponse(
                "the answer has an unexpected shape", detail=type(exc).__name__
            )
        if isinstance(problem, BrokenResponse):
            problem = self._broken(operation, mutating, problem.user_message, outcome.status)
        raise problem

    # ------------------------------------------------------------------ error builders

    def _not_sent(
        self, operation: str, reason: str, detail: str, *, retryable: bool = True
    ) -> _Failure:
        error = GatewayUnavailable(
            f"Could not reach {self.gateway_name} to {operation} ({reason}); nothing was sent. "
            "Check the internet connection and try again.",
            detail=detail,
        )
        return _Failure(error, retryable=retryable, reason=reason, sent=False)

    def _maybe_sent(
        self,
        operation: str,
        mutating: bool,
        reason: str,
        detail: str,
        status: int | None = None,
        trace: str | None = None,
    ) -> _Failure:
        gw = self.gateway_name
        error: GatewayError
        if mutating:
            error = OutcomeUnknown(
                f"No clear answer from {gw} while trying to {operation} ({reason}). It may or may "
                "not have been done: check its status before trying again.",
                http_status=status,
                trace=trace,
                detail=detail,
            )
        else:
            error = GatewayUnavailable(
                f"{gw} did not answer properly while trying to {operation} ({reason}).",
                http_status=status,
                trace=trace,
                detail=detail,
            )
        return _Failure(error, retryable=True, reason=reason)

    def _broken(self, operation: str, mutating: bool, what: str, status: int) -> GatewayError:
        gw = self.gateway_name
        if mutating:
            return UnreadableOutcome(
                f"{gw} accepted the request to {operation}, but its answer could not be read "
                f"({what}). Check its status before trying again.",
                http_status=status,
                operation=operation,
                detail=what,
            )
        return BrokenResponse(
            f"{gw} sent an answer that could not be read while trying to {operation} ({what}).",
            http_status=status,
            operation=operation,
            detail=what,
        )

    def _unreadable_body(
        self, status: int, operation: str, mutating: bool, detail: str
    ) -> _Failure:
        if 200 <= status < 300:
            return _Failure(self._broken(operation, mutating, "badly compressed body", status))
        return self._body_lost(status, operation, mutating, detail)

    def _body_lost(self, status: int, operation: str, mutating: bool, detail: str) -> _Failure:
        """The status line arrived but the body did not."""
        if 400 <= status < 500 and status not in (404, 408, 409, 429):
            # A refusal is a refusal even if its explanation got lost. (Not a 404: a "not found"
            # we cannot read could be a wrong address, and reconcilers act on "not found".)
            return _Failure(
                self._refusal(status, ErrorBody(), operation, f"HTTP {status}, {detail}")
            )
        if mutating and 200 <= status < 300:
            return _Failure(self._broken(operation, True, "the answer was cut off", status))
        return self._maybe_sent(operation, mutating, "connection lost", detail, status)

    def _reads_exhausted(self, failure: _Failure, operation: str, attempts: int) -> GatewayError:
        error = failure.error
        if isinstance(error, RateLimited):
            return self._stamp(error, operation)
        tried = "" if attempts == 1 else f"; tried {attempts} times"
        reason = f" ({failure.reason}{tried})" if failure.reason else f" ({tried[2:]})"
        if failure.sent:
            text = f"{self.gateway_name} did not give a usable answer to {operation}{reason}."
        else:
            text = f"Could not reach {self.gateway_name} to {operation}{reason}."
        return self._stamp(
            GatewayUnavailable(
                text + " Nothing was changed; try again later.",
                http_status=error.http_status,
                trace=error.trace,
                detail=error.detail,
            ),
            operation,
        )

    def _cancelled(self, operation: str, *, before_send: bool) -> Cancelled:
        if before_send:
            text = f"Cancelled before trying to {operation}; nothing was sent."
        else:
            text = f"Cancelled while waiting to try again to {operation}."
        return Cancelled(text, operation=operation)

    @staticmethod
    def _stamp(error: GatewayError, operation: str) -> GatewayError:
        if error.operation is None:
            error.operation = operation
        return error

    def _clean(self, text: str | None) -> str | None:
        if text is None:
            return None
        text = " ".join(self.redact(text).split())
        return text[:500] if len(text) > 500 else text

    def _describe(self, exc: BaseException) -> str:
        """A transport exception as safe text: its type and message, never its request."""
        message = self._clean(str(exc)) or ""
        return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _read_json(
    raw: bytes, headers: httpx.Headers, decode: Callable[[bytes], Any]
) -> tuple[Any, str | None]:
    """``(payload, None)``, or ``(None, why it is not a JSON answer)``."""
    stripped = raw.strip()
    if not stripped:
        return None, "the answer was empty"
    try:
        return decode(stripped), None
    except jsonwire.JsonUnreadable as exc:
        reason = str(exc)
    # Judged only after parsing fails: some servers label JSON as text/html.
    if stripped[:1] == b"<" or "html" in headers.get("content-type", "").lower():
        return None, "a web page came back instead of data"
    log.debug("unreadable JSON answer: %s", reason)
    return None, "the answer is cut off or is not valid JSON"


def _size(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):g} MB"
    if limit >= 1024:
        return f"{limit / 1024:g} KB"
    return f"{limit} bytes"


def _parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(min(int(value), 86400))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def path_segment(value: str | int, what: str = "an id") -> str:
    """``value`` escaped as one URL path segment.

    "." and ".." are refused: the URL layer removes dot segments, so the request would land on
    another endpoint (``cancel_invoice("..")`` would become ``PUT /payment/cancel``).
    """
    text = str(value).strip()
    if not text:
        raise ValueError(f"{what} is required")
    if text in (".", ".."):
        raise ValueError(f"{what} cannot be {text!r}")
    return quote(text, safe="")
