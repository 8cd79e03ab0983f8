"""Test controls under ``/_sandbox/`` (JSON in and out, no authentication).

``POST /_sandbox/invoices/{id}/pay``      a customer pays invoice ``id`` (ClickPay invoice_id, or
                                          Geidea paymentIntentId / invoiceId / number); body
                                          ``{"result": "declined"}`` makes the attempt fail.
                                          Answers the callback payload and posts it, signed, to the
                                          invoice's callback URL if it has one.
``POST /_sandbox/payments/{tran_ref}/pay`` the customer completes a payment page (same body); an
                                          agreement becomes active with an ``agreement_id``.
``POST /_sandbox/clock/advance``          ``{"days": N}``: the sandbox's today moves on; due
                                          installments are charged (one callback each), payout
                                          batches progress, invoices expire. Answers a summary.
``GET  /_sandbox/clock``                  ``{"today", "now", "offset_days"}``
``GET  /_sandbox/state``                  everything the sandbox holds
``POST /_sandbox/faults``                 arm a fault (see :mod:`.faults`); ``GET`` lists the armed
                                          ones, ``DELETE`` disarms all
``POST /_sandbox/latency``                ``{"seconds": 0.05}``: a delay before every gateway call
``POST /_sandbox/reset``                  forget everything (state, clock, faults, latency)
``POST /_sandbox/seed``                   add the demo data (:func:`.seed.seed_demo_data`)

Control errors: ``{"error": "..."}`` with 400 (bad body), 404 (unknown id) or 409 (wrong state).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from .faults import parse_fault
from .geidea import Geidea
from .payouts import Payouts
from .pt2 import ClickPay, iso_z
from .replies import Context, control_error
from .web import BadBody, Request, Response, Route, route

RESULTS = ("approved", "declined")
MAX_ADVANCE_DAYS = 3660


class Controls:
    def __init__(
        self,
        ctx: Context,
        clickpay: ClickPay,
        payouts: Payouts,
        geidea: Geidea,
        seed: Callable[[], dict[str, Any]],
    ) -> None:
        self.ctx = ctx
        self.clickpay = clickpay
        self.payouts = payouts
        self.geidea = geidea
        self._seed = seed

    def routes(self) -> list[Route]:
        return [
            route("POST", "/_sandbox/invoices/{invoice_id}/pay", self.pay_invoice),
            route("POST", "/_sandbox/payments/{tran_ref}/pay", self.pay_payment),
            route("POST", "/_sandbox/clock/advance", self.advance),
            route("GET", "/_sandbox/clock", self.clock),
            route("GET", "/_sandbox/state", self.state),
            route("POST", "/_sandbox/faults", self.add_fault),
            route("GET", "/_sandbox/faults", self.list_faults),
            route("DELETE", "/_sandbox/faults", self.clear_faults),
            route("POST", "/_sandbox/latency", self.latency),
            route("POST", "/_sandbox/reset", self.reset),
            route("POST", "/_sandbox/seed", self.seed),
        ]

    @staticmethod
    def _body(request: Request) -> dict[str, Any]:
        try:
            return request.json_object()
        except BadBody as exc:
            raise control_error(400, f"body {exc}") from exc

    def _approved(self, request: Request) -> bool:
        result = self._body(request).get("result", "approved")
        if result not in RESULTS:
            raise control_error(400, "result: must be approved or declined")
        return result == "approved"

    # --- customers -----------------------------------------------------------------------------

    def pay_invoice(self, request: Request) -> Response:
        approved = self._approved(request)
        key = request.params["invoice_id"]
        if key.isdigit():
            payload, outbound = self.clickpay.pay_invoice(key, approved)
        else:
            payload, outbound = self.geidea.pay(key, approved)
        if outbound is not None:
            request.outbox.append(outbound)
        return Response.json(200, payload)

    def pay_payment(self, request: Request) -> Response:
        approved = self._approved(request)
        payload, outbound = self.clickpay.pay_payment(request.params["tran_ref"], approved)
        if outbound is not None:
            request.outbox.append(outbound)
        return Response.json(200, payload)

    # --- the clock -----------------------------------------------------------------------------

    def _expired(self) -> tuple[set[int], set[str]]:
        data = self.ctx.store.data
        invoices = {
            int(i["invoice_id"])
            for i in data["invoices"].values()
            if self.clickpay.invoice_word(i) == "expired"
        }
        intents = {
            str(g["paymentIntentId"])
            for g in data["geidea"].values()
            if self.geidea.status_of(g) == "Expired"
        }
        return invoices, intents

    def advance(self, request: Request) -> Response:
        days = self._body(request).get("days", 1)
        if isinstance(days, Decimal) and days == days.to_integral_value():
            days = int(days)
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_ADVANCE_DAYS:
            raise control_error(400, f"days: must be a whole number from 0 to {MAX_ADVANCE_DAYS}")
        store = self.ctx.store
        invoices_before, intents_before = self._expired()
        store.advance(days)
        today = store.today()
        installments, outbox = self.clickpay.charge_due(today)
        request.outbox.extend(outbox)
        batches = self.payouts.progress(today)
        invoices_after, intents_after = self._expired()
        return Response.json(
            200,
            {
                "today": today.isoformat(),
                "offset_days": store.offset_days,
                "installments": installments,
                "batches": batches,
                "expired_invoices": sorted(invoices_after - invoices_before),
                "expired_geidea_invoices": sorted(intents_after - intents_before),
                "callbacks": len(outbox),
            },
        )

    def clock(self, request: Request) -> Response:
        store = self.ctx.store
        return Response.json(
            200,
            {
                "today": store.today().isoformat(),
                "now": iso_z(store.now()),
                "offset_days": store.offset_days,
            },
        )

    # --- inspection ----------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Every invoice, transaction, agreement, batch and entry the sandbox holds."""
        store = self.ctx.store
        data = store.data
        invoices = [
            {**invoice, "status": self.clickpay.invoice_word(invoice)}
            for invoice in data["invoices"].values()
        ]
        batches = [
            {
                **{k: v for k, v in batch.items() if k != "requests"},
                "count": len(batch["requests"]),
                "total": self.payouts._total(batch),
                "requests": batch["requests"],
            }
            for batch in data["batches"].values()
        ]
        entries = [
            {"batch_id": batch["batch_id"], **entry}
            for batch in data["batches"].values()
            for entry in batch["requests"]
        ]
        return {
            "clock": {
                "today": store.today().isoformat(),
                "now": iso_z(store.now()),
                "offset_days": store.offset_days,
            },
            "invoices": invoices,
            "transactions": list(data["transactions"].values()),
            "agreements": list(data["agreements"].values()),
            "batches": batches,
            "entries": entries,
            "geidea_invoices": [self.geidea.view(g) for g in data["geidea"].values()],
            "callbacks": list(data["callbacks"]),
            "faults": self.ctx.faults.armed(),
            "latency": self.ctx.faults.latency,
        }

    def state(self, request: Request) -> Response:
        return Response.json(200, self.snapshot())

    # --- faults, latency, reset ----------------------------------------------------------------

    def add_fault(self, request: Request) -> Response:
        try:
            fault = parse_fault(self._body(request))
        except ValueError as exc:
            raise control_error(400, str(exc)) from exc
        self.ctx.faults.add(fault)
        return Response.json(200, {"armed": fault.to_json(), "faults": self.ctx.faults.armed()})

    def list_faults(self, request: Request) -> Response:
        return Response.json(200, {"faults": self.ctx.faults.armed()})

    def clear_faults(self, request: Request) -> Response:
        self.ctx.faults.clear()
        return Response.json(200, {"faults": []})

    def latency(self, request: Request) -> Response:
        seconds = self._body(request).get("seconds", 0)
        if isinstance(seconds, bool) or not isinstance(seconds, int | Decimal):
            raise control_error(400, "seconds: must be a number")
        if not 0 <= seconds <= 60:
            raise control_error(400, "seconds: must be between 0 and 60")
        self.ctx.faults.latency = float(seconds)
        return Response.json(200, {"seconds": self.ctx.faults.latency})

    def reset(self, request: Request) -> Response:
        self.ctx.store.reset()
        self.ctx.faults.clear()
        self.ctx.faults.latency = 0.0
        return Response.json(200, {"message": "Sandbox has been reset"})

    def seed(self, request: Request) -> Response:
        return Response.json(200, self._seed())
