"""The bot's conversation, independent of transport: updates in, replies out through the outbox. It sits
above the features and dispatches through the router they register into (core/messaging/router.py)."""
