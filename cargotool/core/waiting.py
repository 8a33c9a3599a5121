"""Waiting for the first of several events, with a timeout (background loops idle this way, so a stop
request ends them at once instead of at their next tick)."""

from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable

log = logging.getLogger(__name__)


async def wait_any(*events: asyncio.Event, timeout: float) -> None:
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


async def repeat_until(stop: asyncio.Event, wake: asyncio.Event, work: Callable[[], Awaitable[int]], *,
                       idle: float, name: str) -> None:
    """Run `work` (one pass; returns how much it did) until `stop`; after an empty pass, wait for `wake`,
    `stop` or `idle` seconds. A failing pass (e.g. Redis away for a moment) is logged, not fatal."""
    while not stop.is_set():
        try:
            done = await work()
        except Exception as exc:
            log.warning("%s pass failed: %s", name, type(exc).__name__)
            done = 0
        if done:
            continue
        wake.clear()
        await wait_any(wake, stop, timeout=idle)
