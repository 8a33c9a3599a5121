"""Helpers of the Telegram Stars tests: an app with Stars prices wired to the Bot API stand-in, and aiogram's
method models as an independent check of every Bot API call the stand-in received (tests only)."""

from __future__ import annotations

import asyncio

import aiogram.methods

from cargotool.standin.telegram import BotApiStandIn

PLANS_STARS = (("1m", 250), ("3m", 650))
HOOK_SECRET = "hook-secret-stars-1234"
DISPATCH_CHAT = -1009876543210


def aiogram_model(method: str):
    """aiogram's pydantic model of a Bot API method (`createInvoiceLink` → `CreateInvoiceLink`)."""
    return getattr(aiogram.methods, method[0].upper() + method[1:])


def validate_calls(telegram: BotApiStandIn) -> int:
    """Validate every recorded call with aiogram's models (types, required fields); returns how many."""
    for call in telegram.calls:
        aiogram_model(call.method).model_validate(call.params)
    return len(telegram.calls)


async def webhook(app, update, secret=HOOK_SECRET):
    return (await app.asgi_client.post("/webhooks/telegram", json=update,
                                       headers={"X-Telegram-Bot-Api-Secret-Token": secret}))[1]


async def process(app) -> None:
    """Process queued updates, then deliver the outbox (the driver's messages are paced, one a second)."""
    services = app.ctx.services
    await services.updates.process_due()
    for _ in range(200):
        await services.outbox.deliver_due(limit=50)
        if await services.outbox.queue.size() == 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the outbox did not drain")
