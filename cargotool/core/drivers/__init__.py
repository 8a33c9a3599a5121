"""Drivers: Telegram initData validation, sessions, rate limits."""
