"""Helpers for tests that use a driver's position: it is used only after the driver's consent (core/privacy)."""

from __future__ import annotations

from tests.integration.test_api import auth


async def allow_position(app, token: str) -> None:
    """The driver says yes to using their position, as the Mini App's position sheet does."""
    _, response = await app.asgi_client.put("/api/me/consent", json={"kind": "position", "answer": True}, headers=auth(token))
    assert response.status == 200, response.text


async def allow_live_location(consents, driver_id: int) -> None:
    """The driver pressed «Разрешаю» under the bot's question about their live location."""
    await consents.answer(driver_id, "live_location", True, via="bot")
