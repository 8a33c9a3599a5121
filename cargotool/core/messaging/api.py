"""A small Bot API client over httpx. The bot token is in every URL, so it is registered as a secret
and masked in logs (httpx logs request URLs)."""

from __future__ import annotations

from typing import Any

import httpx

from ..errors import CargotoolError, UpstreamUnavailable
from ..tls import tls_context


class TelegramError(CargotoolError):
    code = "telegram_error"
    http_status = 502

    def __init__(self, status: int, description: str, retry_after: float | None = None) -> None:
        super().__init__(f"Telegram answered {status}: {description}")
        self.status = status
        self.description = description
        self.retry_after = retry_after

    @property
    def blocked(self) -> bool:
        """403: the user blocked the bot (or never started it, or left the chat)."""
        return self.status == 403

    @property
    def permanent(self) -> bool:
        """Retrying the same call cannot help (bad request, blocked, not found)."""
        return self.status in (400, 403, 404)


class BotApi:
    def __init__(self, token: str, base_url: str = "https://api.telegram.org", transport: httpx.AsyncBaseTransport | None = None,
                 timeout: float = 15.0) -> None:
        self._http = httpx.AsyncClient(base_url=f"{base_url.rstrip('/')}/bot{token}/", timeout=timeout, transport=transport,
                                       verify=tls_context())

    async def aclose(self) -> None:
        await self._http.aclose()

    async def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        try:
            response = await self._http.post(method, json=params or {})
        except httpx.TransportError as exc:
            raise UpstreamUnavailable(f"could not reach Telegram ({type(exc).__name__})") from None
        try:
            body = response.json()
        except ValueError:
            raise TelegramError(response.status_code, "answer is not JSON") from None
        if isinstance(body, dict) and body.get("ok"):
            return body.get("result")
        description = str(body.get("description", "")) if isinstance(body, dict) else ""
        parameters = body.get("parameters") if isinstance(body, dict) else None
        retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
        raise TelegramError(response.status_code, description or "no description",
                            float(retry_after) if isinstance(retry_after, (int, float)) else None)
