"""Waiting for the first of several events, with a timeout (background loops idle this way, so a stop
request ends them at once instead of at their next tick)."""

from __future__ import annotations

import asyncio


async def wait_any(*events: asyncio.Event, timeout: float) -> None:
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
