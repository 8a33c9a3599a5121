"""A local stand-in for the YooKassa API v3 (payments and refunds), served on loopback for the SDK
(which speaks HTTP through requests). Tests move payments along with `succeed`, `cancel`, `refund`."""

from __future__ import annotations

import base64
import json
import re
import threading
import uuid
from typing import Any

from .logic import Reply


class YooKassaStandIn:
    def __init__(self, shop_id: str, secret_key: str) -> None:
        self._auth = "Basic " + base64.b64encode(f"{shop_id}:{secret_key}".encode()).decode()
        self.payments: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self._by_key: dict[str, str] = {}
        self.creates = 0
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

    def refund(self, payment_id: str, value: str) -> str:
        with self._lock:
            refund_id = str(uuid.uuid4())
            payment = self.payments[payment_id]
            self.refunds[refund_id] = {"id": refund_id, "payment_id": payment_id, "status": "succeeded",
                                       "amount": {"value": value, "currency": "RUB"}, "created_at": "2026-11-24T11:00:00.000Z"}
            refunded = float(payment.get("refunded_amount", {}).get("value", "0")) + float(value)
            payment["refunded_amount"] = {"value": f"{refunded:.2f}", "currency": "RUB"}
            return refund_id

    def notification(self, event: str, object_id: str, status: str = "succeeded") -> dict[str, Any]:
        """A notification body as YooKassa would send it (its object is never trusted by cargotool)."""
        obj = self.refunds.get(object_id) or self.payments.get(object_id) or {"id": object_id, "status": status}
        return {"type": "notification", "event": event, "object": obj}
