"""`cargotool bot ...` and `cargotool responses ...`: the Telegram bot and drivers' responses."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Optional

import typer
from rich.table import Table

from ..bootstrap import Services
from ..core.messaging.api import BotApi
from ..core.cargo.formatting import format_rub
from ..core.errors import NotConfigured
from ..core.responses.service import STATUSES
from .exit_codes import ExitCode
from .runtime import console, fail, load_settings, print_json, run_with_services, when

bot_app = typer.Typer(help="The Telegram bot.", no_args_is_help=True)
responses_app = typer.Typer(help="Drivers' responses to loads.", no_args_is_help=True)
log = logging.getLogger(__name__)

# pre_checkout_query: Telegram asks before taking Stars (the webhook answers it at once)
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "pre_checkout_query"]


def _api(services: Services) -> BotApi:
    if services.bot_api is None:
        raise NotConfigured("TELEGRAM_BOT_TOKEN is not set")
    return services.bot_api


@bot_app.command()
def setup(url: str = typer.Option(..., help="Public https URL of this server, e.g. https://cargo.example.ru"),
          drop_pending: bool = typer.Option(False, help="Forget updates Telegram has queued.")) -> None:
    """setWebhook (with the secret token), setMyCommands, and the chat menu button opening the Mini App."""
    root = url.rstrip("/")
    if not root.startswith("https://"):
        raise typer.BadParameter("Telegram needs an https URL", param_hint="--url")

    async def work(services: Services):
        api = _api(services)
        secret = services.settings.telegram_webhook_secret
        if not secret:
            raise NotConfigured("TELEGRAM_WEBHOOK_SECRET is not set (the webhook would accept anyone)")
        await api.call("setWebhook", {"url": f"{root}/webhooks/telegram", "secret_token": secret,
                                      "allowed_updates": ALLOWED_UPDATES, "drop_pending_updates": drop_pending})
        commands = services.bot.menu()  # what the features registered (core/messaging/router.py)
        await api.call("setMyCommands", {"commands": commands, "language_code": "ru"})
        await api.call("setMyCommands", {"commands": commands})
        webapp = services.settings.webapp_url.rstrip("/") + "/"
        if webapp.startswith("https://"):
            await api.call("setChatMenuButton", {"menu_button": {"type": "web_app", "text": "Грузы", "web_app": {"url": webapp}}})
        await services.audit.record("cli", "bot.setup", target=root)
        return webapp

    webapp = run_with_services(work)
    console.print(f"webhook set to {root}/webhooks/telegram; commands set")
    if not webapp.startswith("https://"):
        console.print(f"menu button not set: WEBAPP_URL ({webapp}) is not https")
    else:
        console.print(f"menu button opens {webapp}")


@bot_app.command()
def info(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """getMe and getWebhookInfo."""

    async def work(services: Services):
        api = _api(services)
        queue = services.outbox.queue
        return await api.call("getMe"), await api.call("getWebhookInfo"), await queue.size(), len(await queue.dead())

    me, webhook, queued, dead = run_with_services(work)
    if as_json:
        print_json({"bot": me, "webhook": webhook, "outbox_queued": queued, "outbox_given_up": dead})
        return
    console.print(f"bot: @{me.get('username')} (id {me.get('id')})")
    console.print(f"webhook: {webhook.get('url') or 'not set'}; pending updates {webhook.get('pending_update_count', 0)}"
                  + (f"; last error: {webhook['last_error_message']}" if webhook.get("last_error_message") else ""))
    console.print(f"outbox: {queued} message(s) waiting, {dead} given up (kept in outbox:dead)")


@bot_app.command()
def send(chat: int = typer.Option(..., help="Chat id."), text: str = typer.Option(..., help="Message text."),
         wait: float = typer.Option(30.0, help="Seconds to wait for delivery.")) -> None:
    """Send a message through the outbox and wait until Telegram accepted it."""
    if not text.strip():
        raise typer.BadParameter("empty message", param_hint="--text")

    async def work(services: Services) -> bool:
        _api(services)
        item = await services.outbox.send("sendMessage", {"chat_id": chat, "text": text})
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            await services.outbox.deliver_due()
            if not await services.redis.hexists(services.keys("outbox:items"), item):
                return True
            await asyncio.sleep(0.2)
        return False

    if run_with_services(work):
        console.print("sent")
    else:
        fail(f"not delivered within {wait:.0f}s; it stays in the outbox and will be retried", ExitCode.UNREACHABLE)


@bot_app.command()
def run() -> None:
    """Run the bot over MTProto (telethon) instead of a webhook, for deployments without a public
    HTTPS URL; also delivers the outbox. Needs TELEGRAM_API_ID, TELEGRAM_API_HASH, TELEGRAM_BOT_TOKEN."""
    settings = load_settings()
    missing = [name for name, value in (("TELEGRAM_BOT_TOKEN", settings.telegram_bot_token),
                                        ("TELEGRAM_API_ID", settings.telegram_api_id),
                                        ("TELEGRAM_API_HASH", settings.telegram_api_hash)) if not value]
    if missing:
        fail(f"{', '.join(missing)} not set", ExitCode.CONFIG)

    async def work(services: Services) -> None:
        from telethon import TelegramClient, events
        from telethon.sessions import StringSession

        from ..core.messaging.telethon_adapter import callback_update, edited_update, message_update

        client = TelegramClient(StringSession(), settings.telegram_api_id, settings.telegram_api_hash)
        await client.start(bot_token=settings.telegram_bot_token)
        presses: dict[str, object] = {}

        async def answer(query, text, alert):
            event = presses.get(str(query.get("id")))
            if event is not None:
                await event.answer(text, alert=alert)

        handlers = services.bot.with_answerer(answer)

        @client.on(events.NewMessage(incoming=True))
        async def on_message(event):
            await handlers.handle(message_update(event, await event.get_sender()))

        @client.on(events.MessageEdited(incoming=True))
        async def on_edit(event):  # live location moves
            await handlers.handle(edited_update(event, await event.get_sender()))

        @client.on(events.CallbackQuery)
        async def on_press(event):
            update = callback_update(event, await event.get_sender())
            presses[update["callback_query"]["id"]] = event
            try:
                await handlers.handle(update)
            finally:
                presses.pop(update["callback_query"]["id"], None)

        stop = asyncio.Event()
        background = asyncio.ensure_future(services.run_background(stop))
        console.print("bot is running over MTProto (Ctrl-C to stop)")
        try:
            await client.run_until_disconnected()
        finally:
            stop.set()
            await background
            await client.disconnect()

    run_with_services(work, settings=settings)


@responses_app.command("list")
def list_responses(status: Optional[str] = typer.Option(None, help=f"One of: {', '.join(STATUSES)}."),
                   limit: int = typer.Option(50, min=1, max=1000), as_json: bool = typer.Option(False, "--json")) -> None:
    """Responses, newest first."""
    if status is not None and status not in STATUSES:
        raise typer.BadParameter(f"one of {', '.join(STATUSES)}", param_hint="--status")

    async def work(services: Services):
        return await services.responses.list(status, limit)

    views = run_with_services(work)
    if as_json:
        print_json({"items": [{**v.public(), "driver_id": v.driver_id, "decided_by": v.decided_by} for v in views]})
        return
    table = Table()
    for column in ("ID", "Updated", "Driver", "Load", "Route", "Offer", "Status"):
        table.add_column(column, no_wrap=column in ("ID", "Offer"))
    for v in views:
        table.add_row(str(v.id), when(v.updated_at), str(v.driver_id), v.cargo_id,
                      (v.cargo.get("display") or {}).get("route") or "?", format_rub(v.rate_kopecks), v.status)
    console.print(table)


@responses_app.command("expire")
def expire() -> None:
    """Expire unanswered responses and those whose load is gone (the server also does it periodically)."""

    async def work(services: Services) -> int:
        return await services.responses.expire_due()

    console.print(f"expired {run_with_services(work)} response(s)")

