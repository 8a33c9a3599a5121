"""Inline buttons that open the Mini App. Telegram accepts `web_app` buttons only for https URLs (and
only in private chats); for a plain-http development URL a link button is used instead."""

from __future__ import annotations

from typing import Any


def webapp_button(webapp_url: str, text: str, query: str = "") -> dict[str, Any]:
    url = f"{webapp_url.rstrip('/')}/{query}"
    return {"text": text, "web_app": {"url": url}} if url.startswith("https://") else {"text": text, "url": url}


def open_load_button(webapp_url: str, cargo_id: str, text: str = "Открыть груз") -> dict[str, Any]:
    return webapp_button(webapp_url, text, f"?load={cargo_id}")


def plans_button(webapp_url: str, text: str = "Продлить подписку") -> dict[str, Any]:
    return webapp_button(webapp_url, text, "?screen=plans")
