"""The Telegram bot, independent of transport: updates in, Bot API calls out (through the outbox)."""
