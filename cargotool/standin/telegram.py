"""A local stand-in for the Telegram Bot API that records every call (tests, local development).

Answers like Telegram: `{"ok": true, "result": ...}`; can inject 429 with `retry_after`, 403 for a chat
(the user blocked the bot), or 5xx.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from .logic import Reply


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


class BotApiStandIn:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.blocked_chats: set[int] = set()
        self._faults: list[tuple[str, int, dict]] = []
        self._ids = itertools.count(1001)
        self._lock = threading.Lock()

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
            self.calls.append(Call(method, params))
            message_id = next(self._ids)
        if method in ("sendMessage", "editMessageText"):
            return 200, {"ok": True, "result": {"message_id": params.get("message_id", message_id), "date": int(time.time()),
                                                "chat": {"id": params.get("chat_id")}, "text": params.get("text")}}
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
