"""Carries the CargoTech token from one process to the next when there is no shared Redis.

With the embedded store (REDIS_URL unset) every CLI command is a new process with an empty in-memory
store, so each would log in to CargoTech again and `token status` would never see a token. This file
(mode 0600, in the working directory by default) holds the token and its expiry: a process seeds its
store from it at start and writes it after each login. With REDIS_URL set it is not used: Redis is
the one place the token lives.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

import redis.asyncio as aioredis

from ..redaction import redactor
from ..storage.redis import Keys
from .tokens import TOKEN_KEY

log = logging.getLogger(__name__)


class TokenFile:
    def __init__(self, path: str | Path, redis: aioredis.Redis, keys: Keys) -> None:
        self.path = Path(path)
        self._redis = redis
        self._token_key = keys(TOKEN_KEY)
        self._obtained_key = keys(TOKEN_KEY + ":obtained_at")

    async def restore(self) -> bool:
        """Seed the store with the saved token if it has not expired; True when it did."""
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
            token, obtained_at, expires_at = str(saved["token"]), float(saved["obtained_at"]), float(saved["expires_at"])
        except FileNotFoundError:
            return False
        except (OSError, ValueError, KeyError, TypeError):
            log.warning("ignoring unreadable CargoTech token file %s", self.path)
            return False
        remaining = int(expires_at - time.time())
        if remaining <= 0 or not token:
            return False
        redactor.add_secret(token)
        pipe = self._redis.pipeline(transaction=True)
        pipe.set(self._token_key, token, ex=remaining, nx=True)
        pipe.set(self._obtained_key, f"{obtained_at:.3f}", ex=remaining, nx=True)
        await pipe.execute()
        return True

    async def save(self) -> None:
        """Write the store's current token (after a login); readable by this user only."""
        pipe = self._redis.pipeline(transaction=False)
        pipe.get(self._token_key)
        pipe.get(self._obtained_key)
        pipe.pttl(self._token_key)
        token, obtained_at, pttl = await pipe.execute()
        if not token or not pttl or pttl <= 0:
            return
        body = json.dumps({"token": token, "obtained_at": float(obtained_at or time.time()),
                           "expires_at": time.time() + pttl / 1000})
        temporary = self.path.with_name(self.path.name + ".tmp")
        try:
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(body)
            os.replace(temporary, self.path)
        except OSError as exc:  # sharing is a convenience: a read-only directory costs a login per command
            log.warning("cannot save the CargoTech token to %s (%s)", self.path, exc.strerror)

    def remove(self) -> bool:
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        return True
