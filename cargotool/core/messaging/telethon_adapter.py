"""Telethon (MTProto) events as Bot API updates, so `cargotool bot run` feeds the same handlers as the
webhook. Pure functions over the event's attributes (and the sender fetched by the caller), testable
without a connection to Telegram."""

from __future__ import annotations

from typing import Any


def _user(sender: Any, fallback_id: int | None) -> dict[str, Any]:
    return {
        "id": getattr(sender, "id", None) or fallback_id,
        "is_bot": bool(getattr(sender, "bot", False)),
        "first_name": getattr(sender, "first_name", None) or "",
        "last_name": getattr(sender, "last_name", None),
        "username": getattr(sender, "username", None),
    }


def _chat(event: Any) -> dict[str, Any]:
    chat_id = event.chat_id
    return {"id": chat_id, "type": "private" if getattr(event, "is_private", False) else "supergroup"}


def _location(message: Any) -> dict[str, Any] | None:
    """A (live) location: MessageMediaGeo / MessageMediaGeoLive carry `geo` (lat, long) and, when live, `period`."""
    media = getattr(message, "media", None)
    geo = getattr(media, "geo", None)
    if geo is None or not isinstance(getattr(geo, "lat", None), (int, float)):
        return None
    location = {"latitude": geo.lat, "longitude": geo.long}
    if isinstance(getattr(media, "period", None), int):
        location["live_period"] = media.period
    return location


def _message(event: Any, sender: Any) -> dict[str, Any]:
    message = event.message
    body = {
        "message_id": message.id,
        "date": int(message.date.timestamp()) if getattr(message, "date", None) else None,
        "chat": _chat(event),
        "from": _user(sender, event.sender_id),
        "text": message.message or "",
    }
    if (location := _location(message)) is not None:
        body["location"] = location
    return body


def message_update(event: Any, sender: Any) -> dict[str, Any]:
    """events.NewMessage → {"update_id", "message": {...}} (update_id made unique per chat and message)."""
    return {"update_id": f"tl-m-{event.chat_id}-{event.message.id}", "message": _message(event, sender)}


def edited_update(event: Any, sender: Any) -> dict[str, Any]:
    """events.MessageEdited → {"update_id", "edited_message": {...}}: how live location moves arrive."""
    body = _message(event, sender)
    edited = getattr(event.message, "edit_date", None)
    body["edit_date"] = int(edited.timestamp()) if edited else body["date"]
    return {"update_id": f"tl-e-{event.chat_id}-{event.message.id}-{body['edit_date']}", "edited_message": body}


def callback_update(event: Any, sender: Any) -> dict[str, Any]:
    """events.CallbackQuery → {"update_id", "callback_query": {...}}; `id` is the MTProto query id."""
    data = event.data.decode("utf-8", "replace") if isinstance(event.data, (bytes, bytearray)) else str(event.data or "")
    query_id = str(event.query.query_id)
    return {
        "update_id": f"tl-q-{query_id}",
        "callback_query": {
            "id": query_id,
            "from": _user(sender, event.sender_id),
            "data": data,
            "message": {"message_id": event.message_id, "chat": _chat(event)},
        },
    }
