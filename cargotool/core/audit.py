"""Append-only audit log of significant operations. Details are redacted before they are stored."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from .redaction import redactor
from .storage.db import Database
from .storage.models import AuditEvent


class AuditLog:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def record(
        self,
        actor: str,
        action: str,
        target: str | None = None,
        details: dict[str, Any] | None = None,
        ip: str | None = None,
    ) -> None:
        text = redactor.redact(json.dumps(details or {}, ensure_ascii=False, default=str, sort_keys=True))
        # Column limits hold on PostgreSQL too: a long Telegram name must not fail the operation it records.
        await self._db.run(lambda: AuditEvent.create(actor=actor[:64], action=action[:64],
                                                     target=target[:128] if target else None, details=text,
                                                     ip=ip[:64] if ip else None))

    async def find(self, target: str, action: str, match: dict[str, Any] | None = None) -> AuditEvent | None:
        """The first `action` event about `target` (None: not recorded); with `match`, the first whose
        details hold those values (e.g. one refund's event among a payment's refunds)."""
        def work() -> AuditEvent | None:
            query = AuditEvent.select().where(
                (AuditEvent.target == target[:128]) & (AuditEvent.action == action[:64])).order_by(AuditEvent.id)
            if not match:
                return query.first()
            return next((e for e in query if match.items() <= json.loads(e.details or "{}").items()), None)

        return await self._db.run(work)

    async def record_once(self, actor: str, action: str, target: str, details: dict[str, Any] | None = None,
                          ip: str | None = None, *, same: tuple[str, ...] = ()) -> bool:
        """Record `action` about `target` unless it was recorded before (a retried operation whose first
        run got this far); `same` names the details that tell one such event from another (a refund's id).
        Returns whether it was recorded now."""
        match = {name: (details or {}).get(name) for name in same}
        if await self.find(target, action, match) is not None:
            return False
        await self.record(actor, action, target=target, details=details, ip=ip)
        return True

    async def tail(self, limit: int = 50, action: str | None = None, actor: str | None = None,
                   since: dt.datetime | None = None) -> list[AuditEvent]:
        """The newest events; `action` and `actor` match as prefixes (e.g. "payment.", "driver:")."""
        def work() -> list[AuditEvent]:
            query = AuditEvent.select().order_by(AuditEvent.id.desc()).limit(limit)
            if action:
                query = query.where(AuditEvent.action.startswith(action))
            if actor:
                query = query.where(AuditEvent.actor.startswith(actor))
            if since:
                query = query.where(AuditEvent.created_at >= since)
            return list(query)

        return await self._db.run(work)
