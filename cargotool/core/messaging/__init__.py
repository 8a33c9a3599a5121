"""Talking to Telegram, below every feature: the Bot API client, the durable outbox, buttons, the telethon
(MTProto) transport, and the router features register their commands and buttons into. The conversation
that uses the features is core/bot, above them."""
