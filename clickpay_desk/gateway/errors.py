"""One error hierarchy for both gateways, shaped for the person at the screen.

The UI catches ``GatewayError`` and shows ``str(error)``: a sentence in plain language that never
mentions HTTP, never contains the server key or API password, and says what to do next. The
machine-readable parts (``http_status``, the gateway's ``trace`` id, the ``operation`` that failed,
``field`` for a refused field) are attributes, for logs, support tickets and highlighting.

Which classes matter for money:

* ``OutcomeUnknown`` — a mutating request may have reached the gateway and we do not know what
  happened. The caller records the operation as *unknown* and reconciles it by a query before
  anything is sent again. Never retry it blindly.
* ``GatewayUnavailable`` — nothing reached the gateway (or a read gave up after its retries);
  safe to try again later.
* Every refusal (``AuthenticationRefused``, ``FieldRefused``, ``RequestRefused``, ``NotFound``,
  ``RateLimited``, ``Declined``) is a definite answer: the gateway did not do it.

Exceptions raised by the gateway package are never chained to transport exceptions (httpx
exceptions carry the request, and with it the authorization header); a sanitised description of
the low-level cause is kept in ``detail`` instead.
"""

from __future__ import annotations


class GatewayError(Exception):
    """Base of every error the gateway clients raise. ``str()`` is the text to show the user."""

    def __init__(
        self,
        user_message: str,
        *,
        http_status: int | None = None,
        trace: str | None = None,
        operation: str | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(user_message)
        self.user_message = user_message
        self.http_status = http_status
        self.trace = trace
        self.operation = operation
        #: Sanitised low-level cause ("ReadTimeout", "HTTP 502, HTML page"): for logs, not users.
        self.detail = detail

    def __str__(self) -> str:
        text = self.user_message
        if self.trace:
            text += f" (gateway reference {self.trace})"
        return text

    def __repr__(self) -> str:
        parts = [repr(self.user_message)]
        if self.http_status is not None:
            parts.append(f"http_status={self.http_status}")
        if self.operation:
            parts.append(f"operation={self.operation!r}")
        if self.trace:
            parts.append(f"trace={self.trace!r}")
        if self.detail:
            parts.append(f"detail={self.detail!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def __reduce__(self) -> tuple[object, ...]:
        # Keep keyword attributes across pickling (multiprocessing, QThread hand-offs).
        return (_rebuild, (type(self), dict(self.__dict__)))


def _rebuild(cls: type[GatewayError], state: dict[str, object]) -> GatewayError:
    error = cls.__new__(cls)
    Exception.__init__(error, state.get("user_message", ""))
    error.__dict__.update(state)
    return error


class AuthenticationRefused(GatewayError):
    """The gateway did not accept the credentials (server key / API password, profile id)."""


class FieldRefused(GatewayError):
    """The gateway (or a local pre-check) refused a named field of the request.

    ``field``/``message`` are the first (often only) problem; ``problems`` lists every
    ``(field, message)`` pair when the gateway named several ("a: ...; b: ...").
    """

    def __init__(
        self,
        field: str,
        message: str,
        *,
        problems: tuple[tuple[str, str], ...] = (),
        http_status: int | None = None,
        trace: str | None = None,
        operation: str | None = None,
        detail: str | None = None,
    ) -> None:
        self.field = field
        self.message = message
        self.problems = problems or ((field, message),)
        super().__init__(
            "; ".join(f"{name}: {text}" for name, text in self.problems),
            http_status=http_status,
            trace=trace,
            operation=operation,
            detail=detail,
        )


class RequestRefused(GatewayError):
    """The gateway refused the request for a reason not tied to one field."""


class Declined(GatewayError):
    """A payment was processed and declined (or failed) by the issuer or the gateway."""

    def __init__(
        self,
        user_message: str,
        *,
        tran_ref: str | None = None,
        response_status: str | None = None,
        response_code: str | None = None,
        http_status: int | None = None,
        trace: str | None = None,
        operation: str | None = None,
        detail: str | None = None,
    ) -> None:
        self.tran_ref = tran_ref
        self.response_status = response_status
        self.response_code = response_code
        super().__init__(
            user_message, http_status=http_status, trace=trace, operation=operation, detail=detail
        )


class NotFound(GatewayError):
    """The gateway does not know the invoice, transaction, batch or entry asked for."""


class RateLimited(GatewayError):
    """The gateway asked us to slow down; nothing was done. ``retry_after`` is in seconds."""

    def __init__(
        self,
        user_message: str,
        *,
        retry_after: float | None = None,
        http_status: int | None = None,
        trace: str | None = None,
        operation: str | None = None,
        detail: str | None = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(
            user_message, http_status=http_status, trace=trace, operation=operation, detail=detail
        )


class GatewayUnavailable(GatewayError):
    """Nothing reached the gateway (no connection), or a read gave up after its retries."""


class OutcomeUnknown(GatewayError):
    """A request that changes money may have reached the gateway; its result is unknown (no
    answer, a lost or unreadable answer, a 5xx, or PT2's "Duplicate Request").

    Record it as unknown and reconcile before sending anything again (``services.reconcile``:
    only a record carrying the same reference, or a documented read, settles it).
    """


class BrokenResponse(GatewayError):
    """The gateway answered with something we cannot read (HTML page, bad JSON, huge body,
    a mandatory field missing)."""


class UnreadableOutcome(OutcomeUnknown, BrokenResponse):
    """A mutating request was accepted (HTTP 2xx) but the answer cannot be read.

    It is both an ``OutcomeUnknown`` (the gateway probably acted, and we do not have the new
    invoice id / batch id) and a ``BrokenResponse``. Callers that handle ``OutcomeUnknown`` for
    mutating calls reconcile it like any other unknown outcome.
    """


class Cancelled(GatewayError):
    """The user cancelled before the request was sent (or while a read was waiting to retry)."""
