"""A local stand-in for the Telegram Bot API that records every call (tests, local development).

Answers like Telegram: `{"ok": true, "result": ...}`; can inject 429 with `retry_after`, 403 for a chat
(the user blocked the bot), or 5xx.

Telegram Stars: `createInvoiceLink`, `answerPreCheckoutQuery`, `editUserStarSubscription` and
`refundStarPayment` are checked against the Bot API's rules (a 400 with Telegram's wording otherwise),
and `pre_checkout_update` / `payment_update` / `renewal_update` make the updates Telegram would send when
a user pays an invoice link.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from .logic import Reply


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    message_id: int = 0  # the id a sent message gets


STARS_PERIOD = 2592000  # the only subscription period Telegram allows
MAX_SUBSCRIPTION_STARS = 10000


@dataclass
class Charge:
    """A Stars payment the stand-in made for an invoice."""

    id: str
    user_id: int
    payload: str
    amount: int
    subscription_until: int | None  # unix time; None for a one-time payment
    refunded: bool = False
    canceled: bool = False


def _invoice_problem(params: dict[str, Any]) -> str | None:
    """What Telegram would refuse in a createInvoiceLink call (Stars rules included)."""
    title, description, payload = params.get("title"), params.get("description"), params.get("payload")
    if not isinstance(title, str) or not 1 <= len(title) <= 32:
        return "title must be 1-32 characters"
    if not isinstance(description, str) or not 1 <= len(description) <= 255:
        return "description must be 1-255 characters"
    if not isinstance(payload, str) or not 1 <= len(payload.encode()) <= 128:
        return "payload must be 1-128 bytes"
    prices = params.get("prices")
    if not isinstance(prices, list) or not prices or not all(
            isinstance(p, dict) and isinstance(p.get("label"), str) and isinstance(p.get("amount"), int) for p in prices):
        return "prices must be a list of LabeledPrice"
    period = params.get("subscription_period")
    if params.get("currency") == "XTR":
        if params.get("provider_token"):
            return "provider_token must be empty for payments in Telegram Stars"
        if len(prices) != 1 or prices[0]["amount"] <= 0:
            return "prices must contain exactly one positive item for payments in Telegram Stars"
        if period is not None and (period != STARS_PERIOD or prices[0]["amount"] > MAX_SUBSCRIPTION_STARS):
            return "SUBSCRIPTION_PERIOD_INVALID"
    elif period is not None:
        return "subscription_period needs currency XTR"
    return None


class BotApiStandIn:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.blocked_chats: set[int] = set()
        self._faults: list[tuple[str, int, dict]] = []
        self._ids = itertools.count(1001)
        self._update_ids = itertools.count(700000)
        self._lock = threading.Lock()
        self.invoices: dict[str, dict[str, Any]] = {}  # invoice link → createInvoiceLink's parameters
        self.charges: dict[str, Charge] = {}
        self.pre_checkout_answers: dict[str, dict[str, Any]] = {}
        self._queries: set[str] = set()

    def fail_next(self, method: str, status: int, times: int = 1, retry_after: int | None = None) -> None:
        body = {"ok": False, "error_code": status, "description": "Too Many Requests" if status == 429 else "Injected"}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        with self._lock:
            self._faults.extend([(method, status, body)] * times)

    def sent(self, method: str | None = None, chat_id: int | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if (method is None or c.method == method)
                    and (chat_id is None or c.params.get("chat_id") == chat_id)]

    def delay_for(self, path: str) -> float:
        return 0.0

    def handle(self, http_method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> Reply:
        """The HTTP face, for StandInServer: POST /bot<token>/<method> with a JSON body."""
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            params = {}
        status, answer = self.answer(path.rsplit("/", 1)[-1], params if isinstance(params, dict) else {})
        return Reply(status, answer)

    def answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            for index, (name, status, body) in enumerate(self._faults):
                if name == method:
                    del self._faults[index]
                    return status, body
            if params.get("chat_id") in self.blocked_chats:
                return 403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
            message_id = next(self._ids)
            self.calls.append(Call(method, params, message_id=params.get("message_id", message_id)))
        if method in ("sendMessage", "editMessageText"):
            return 200, {"ok": True, "result": {"message_id": params.get("message_id", message_id), "date": int(time.time()),
                                                "chat": {"id": params.get("chat_id")}, "text": params.get("text")}}
        if method in STARS_METHODS:
            with self._lock:
                problem, result = STARS_METHODS[method](self, params)
            if problem:
                return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {problem}"}
            return 200, {"ok": True, "result": result}
        if method == "getMe":
            return 200, {"ok": True, "result": {"id": 7000000001, "is_bot": True, "first_name": "Грузы", "username": "cargotool_bot"}}
        if method == "savePreparedInlineMessage":  # a PreparedInlineMessage, kept for an hour as by Telegram
            return 200, {"ok": True, "result": {"id": f"prepared-{message_id}", "expiration_date": int(time.time()) + 3600}}
        if method == "getWebhookInfo":
            return 200, {"ok": True, "result": {"url": "", "pending_update_count": 0}}
        return 200, {"ok": True, "result": True}

    def transport(self) -> httpx.MockTransport:
        def respond(request: httpx.Request) -> httpx.Response:
            method = request.url.path.rsplit("/", 1)[-1]
            params = json.loads(request.content or b"{}")
            status, body = self.answer(method, params)
            return httpx.Response(status, json=body)

        return httpx.MockTransport(respond)

    # ---- Telegram Stars -------------------------------------------------------------------------------

    def _create_invoice_link(self, params: dict[str, Any]) -> tuple[str | None, Any]:
        problem = _invoice_problem(params)
        if problem:
            return problem, None
        link = f"https://t.me/$standin{len(self.invoices) + 1}"
        self.invoices[link] = dict(params)
        return None, link

    def _answer_pre_checkout(self, params: dict[str, Any]) -> tuple[str | None, Any]:
        query_id = params.get("pre_checkout_query_id")
        if query_id not in self._queries:
            return "QUERY_ID_INVALID", None
        if not isinstance(params.get("ok"), bool):
            return "ok must be a Boolean", None
        if not params["ok"] and not (isinstance(params.get("error_message"), str) and params["error_message"].strip()):
            return "error_message is required when ok is False", None
        if query_id in self.pre_checkout_answers:
            return "query is too old and response timeout expired or query ID is invalid", None
        self.pre_checkout_answers[query_id] = dict(params)
        return None, True

    def _charge_of(self, params: dict[str, Any]) -> tuple[str | None, Charge | None]:
        charge = self.charges.get(params.get("telegram_payment_charge_id"))
        if charge is None or charge.user_id != params.get("user_id"):
            return "CHARGE_ID_INVALID", None
        return None, charge

    def _edit_subscription(self, params: dict[str, Any]) -> tuple[str | None, Any]:
        problem, charge = self._charge_of(params)
        if problem or not isinstance(params.get("is_canceled"), bool):
            return problem or "is_canceled must be a Boolean", None
        if charge.subscription_until is None:
            return "SUBSCRIPTION_ID_INVALID", None
        charge.canceled = params["is_canceled"]
        return None, True

    def _refund(self, params: dict[str, Any]) -> tuple[str | None, Any]:
        problem, charge = self._charge_of(params)
        if problem:
            return problem, None
        if charge.refunded:
            return "CHARGE_ALREADY_REFUNDED", None
        charge.refunded = True
        return None, True

    def pre_checkout_update(self, link: str, user_id: int, total_amount: int | None = None) -> dict[str, Any]:
        """The pre_checkout_query Telegram sends when the user confirms paying an invoice link."""
        invoice = self.invoices[link]
        query_id = uuid.uuid4().hex
        with self._lock:
            self._queries.add(query_id)
        return {"update_id": next(self._update_ids), "pre_checkout_query": {
            "id": query_id, "from": {"id": user_id, "is_bot": False, "first_name": "Водитель"},
            "currency": invoice["currency"], "invoice_payload": invoice["payload"],
            "total_amount": invoice["prices"][0]["amount"] if total_amount is None else total_amount}}

    def payment_update(self, link: str, user_id: int) -> dict[str, Any]:
        """The successful_payment message after the pre-checkout was answered ok (a new charge)."""
        invoice = self.invoices[link]
        until = int(time.time()) + STARS_PERIOD if invoice.get("subscription_period") else None
        return self._paid(invoice["payload"], user_id, invoice["prices"][0]["amount"], until, first=until is not None)

    def renewal_update(self, charge_id: str) -> dict[str, Any]:
        """Telegram renewing a subscription: a new charge, a new period, `is_recurring`."""
        first = self.charges[charge_id]
        if first.subscription_until is None or first.canceled:
            raise ValueError("no active subscription to renew")
        first.subscription_until += STARS_PERIOD
        return self._paid(first.payload, first.user_id, first.amount, first.subscription_until)

    def _paid(self, payload: str, user_id: int, amount: int, until: int | None, first: bool = False) -> dict[str, Any]:
        charge = Charge(f"stxStandIn{uuid.uuid4().hex}", user_id, payload, amount, until)
        with self._lock:
            self.charges[charge.id] = charge
            message_id = next(self._ids)
        paid: dict[str, Any] = {"currency": "XTR", "total_amount": amount, "invoice_payload": payload,
                                "telegram_payment_charge_id": charge.id, "provider_payment_charge_id": ""}
        if until is not None:
            paid["subscription_expiration_date"] = until
            paid["is_recurring"] = True  # every payment of a subscription, the first one too
            if first:
                paid["is_first_recurring"] = True
        user = {"id": user_id, "is_bot": False, "first_name": "Водитель"}
        return {"update_id": next(self._update_ids), "message": {
            "message_id": message_id, "date": int(time.time()), "from": user,
            "chat": {"id": user_id, "type": "private", "first_name": "Водитель"}, "successful_payment": paid}}


STARS_METHODS = {
    "createInvoiceLink": BotApiStandIn._create_invoice_link,
    "answerPreCheckoutQuery": BotApiStandIn._answer_pre_checkout,
    "editUserStarSubscription": BotApiStandIn._edit_subscription,
    "refundStarPayment": BotApiStandIn._refund,
}
