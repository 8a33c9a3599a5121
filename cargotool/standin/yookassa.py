"""A local stand-in for the YooKassa API v3 (payments and refunds), served on loopback for the SDK
(which speaks HTTP through requests). Tests move payments along with `succeed`, `cancel`, `refund`.

Refunds created through the API (`POST /v3/refunds`) succeed at once, or stay `pending` while
`refund_status` says so (`finish_refund` ends them); `GET /v3/refunds?payment_id=` lists a payment's."""

from __future__ import annotations

import base64
import json
import re
import threading
import uuid
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

from .logic import Reply


class YooKassaStandIn:
    def __init__(self, shop_id: str, secret_key: str) -> None:
        self._auth = "Basic " + base64.b64encode(f"{shop_id}:{secret_key}".encode()).decode()
        self.payments: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self._by_key: dict[str, str] = {}
        self.creates = 0
        self.refund_creates = 0
        self.refund_status = "succeeded"  # what a refund created through the API starts as
        self._lock = threading.Lock()

    def delay_for(self, path: str) -> float:
        return 0.0

    def handle(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> Reply:
        lower = {k.lower(): v for k, v in headers.items()}
        if lower.get("authorization") != self._auth:
            return Reply(401, {"type": "error", "code": "invalid_credentials", "description": "Authentication failed"})
        if method == "POST" and path == "/v3/payments":
            return self._create(json.loads(body or b"{}"), lower.get("idempotence-key"))
        if method == "GET" and (m := re.fullmatch(r"/v3/payments/([\w-]+)", path)):
            payment = self.payments.get(m.group(1))
            return Reply(200, payment) if payment else Reply(404, {"type": "error", "code": "not_found"})
        if method == "POST" and path == "/v3/refunds":
            return self._create_refund(json.loads(body or b"{}"), lower.get("idempotence-key"))
        if method == "GET" and path == "/v3/refunds":
            wanted = dict(parse_qsl(query)).get("payment_id")
            items = [r for r in self.refunds.values() if wanted in (None, r["payment_id"])]
            return Reply(200, {"type": "list", "items": items[::-1]})
        if method == "GET" and (m := re.fullmatch(r"/v3/refunds/([\w-]+)", path)):
            refund = self.refunds.get(m.group(1))
            return Reply(200, refund) if refund else Reply(404, {"type": "error", "code": "not_found"})
        return Reply(404, {"type": "error", "code": "not_found"})

    def _create(self, params: dict[str, Any], key: str | None) -> Reply:
        if not key:
            return Reply(400, {"type": "error", "code": "invalid_request", "description": "Idempotence-Key is required"})
        with self._lock:
            if key in self._by_key:  # the same key: the same payment, as YooKassa does
                return Reply(200, self.payments[self._by_key[key]])
            payment_id = str(uuid.uuid4())
            payment = {
                "id": payment_id, "status": "pending", "paid": False, "test": True,
                "amount": params["amount"], "description": params.get("description"),
                "metadata": params.get("metadata", {}), "created_at": "2026-11-24T10:00:00.000Z",
                "confirmation": {"type": "redirect", "return_url": params["confirmation"]["return_url"],
                                 "confirmation_url": f"https://yoomoney.ru/checkout/payments/v2/contract?orderId={payment_id}"},
                "recipient": {"account_id": "100500", "gateway_id": "100700"}, "refundable": False,
            }
            if params.get("receipt"):
                payment["receipt_registration"] = "pending"
            self.payments[payment_id] = payment
            self._by_key[key] = payment_id
            self.creates += 1
            self.last_params = params
        return Reply(200, payment)

    def succeed(self, payment_id: str) -> None:
        with self._lock:
            self.payments[payment_id].update(status="succeeded", paid=True, refundable=True,
                                             captured_at="2026-11-24T10:01:00.000Z")
            self.payments[payment_id].pop("confirmation", None)

    def cancel(self, payment_id: str) -> None:
        with self._lock:
            self.payments[payment_id].update(status="canceled",
                                             cancellation_details={"party": "yoo_money", "reason": "expired_on_confirmation"})

    def _create_refund(self, params: dict[str, Any], key: str | None) -> Reply:
        if not key:
            return Reply(400, {"type": "error", "code": "invalid_request", "description": "Idempotence-Key is required"})
        with self._lock:
            if key in self._by_key:
                return Reply(200, self.refunds[self._by_key[key]])
            payment = self.payments.get(params.get("payment_id", ""))
            if payment is None or payment["status"] != "succeeded":
                return Reply(400, {"type": "error", "code": "invalid_request", "parameter": "payment_id"})
            value = Decimal(params["amount"]["value"])
            if value > Decimal(payment["amount"]["value"]) - _refunded(payment):
                return Reply(400, {"type": "error", "code": "invalid_request", "parameter": "amount"})
            self.refund_creates += 1
            self.last_refund_params = params
            refund_id = self._add_refund(payment, f"{value:.2f}", self.refund_status)
            self._by_key[key] = refund_id
            return Reply(200, self.refunds[refund_id])

    def _add_refund(self, payment: dict[str, Any], value: str, status: str) -> str:
        refund_id = str(uuid.uuid4())
        self.refunds[refund_id] = {"id": refund_id, "payment_id": payment["id"], "status": status,
                                   "amount": {"value": value, "currency": "RUB"}, "created_at": "2026-11-24T11:00:00.000Z"}
        if status == "succeeded":
            payment["refunded_amount"] = {"value": f"{_refunded(payment) + Decimal(value):.2f}", "currency": "RUB"}
        return refund_id

    def refund(self, payment_id: str, value: str) -> str:
        """A refund made elsewhere (YooKassa's dashboard): it succeeds at once."""
        with self._lock:
            return self._add_refund(self.payments[payment_id], value, "succeeded")

    def finish_refund(self, refund_id: str, status: str = "succeeded") -> None:
        with self._lock:
            refund = self.refunds[refund_id]
            refund["status"] = status
            if status == "succeeded":
                payment = self.payments[refund["payment_id"]]
                payment["refunded_amount"] = {"value": f"{_refunded(payment) + Decimal(refund['amount']['value']):.2f}",
                                              "currency": "RUB"}

    def notification(self, event: str, object_id: str, status: str = "succeeded") -> dict[str, Any]:
        """A notification body as YooKassa would send it (its object is never trusted by cargotool)."""
        obj = self.refunds.get(object_id) or self.payments.get(object_id) or {"id": object_id, "status": status}
        return {"type": "notification", "event": event, "object": obj}


def _refunded(payment: dict[str, Any]) -> Decimal:
    return Decimal(payment.get("refunded_amount", {}).get("value", "0"))
