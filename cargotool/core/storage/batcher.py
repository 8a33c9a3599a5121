"""Batches Lua script calls made in the same event-loop tick into one Redis pipeline.

Every API request runs one script (session + rate limit). Sent one by one, redis-py spends ~70 µs of
CPU per call; pipelined, ~18 µs. Under load many requests are in flight at once, so gathering the
calls of one loop iteration and sending them together costs no latency and most of the CPU.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import NoScriptError, ResponseError

MAX_BATCH = 256


class ScriptBatcher:
    def __init__(self, redis: aioredis.Redis, script: str) -> None:
        self._redis = redis
        self._script = script
        self._sha = hashlib.sha1(script.encode()).hexdigest()
        self._pending: list[tuple[tuple, asyncio.Future]] = []
        self._scheduled = False

    async def __call__(self, keys: list[str], args: list[Any]) -> Any:
        future = asyncio.get_running_loop().create_future()
        self._pending.append(((len(keys), *keys, *args), future))
        if not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._flush_soon)
        return await future

    def _flush_soon(self) -> None:
        self._scheduled = False
        batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
        if self._pending:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._flush_soon)
        asyncio.ensure_future(self._send(batch))

    async def _send(self, batch: list[tuple[tuple, asyncio.Future]]) -> None:
        try:
            results = await self._execute(batch)
        except Exception as exc:  # the connection failed: every caller gets the error
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), result in zip(batch, results, strict=True):
            if future.done():
                continue
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)

    async def _execute(self, batch) -> list:
        for attempt in (1, 2):
            pipe = self._redis.pipeline(transaction=False)
            for call, _ in batch:
                pipe.evalsha(self._sha, *call)
            results = await pipe.execute(raise_on_error=False)
            if attempt == 1 and any(_is_noscript(r) for r in results):
                await self._redis.script_load(self._script)  # e.g. after a Redis restart or SCRIPT FLUSH
                continue
            return results
        return results


def _is_noscript(result: Any) -> bool:
    return isinstance(result, NoScriptError) or (isinstance(result, ResponseError) and "NOSCRIPT" in str(result))
