"""What the operator's tools (`cargotool cargotech ...`) see of the marketplace account: who the server is
logged in as, its cached token, and a read-only check of the API's assumptions. The adapter fills these
plain types; the composition root (wiring/cargotech.py) builds the `UpstreamAccount`, so the CLI never
imports the adapter."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Protocol

HOLDS, DIFFERS, UNKNOWN = "holds", "differs", "unknown"  # a finding's verdict


@dataclass(frozen=True)
class Account:
    """Who the server is logged in as; any part may be unknown."""

    id: str | None
    name: str | None
    company: str | None


@dataclass(frozen=True)
class TokenStatus:
    present: bool
    age_seconds: float | None
    ttl_seconds: float | None
    last_failure: str | None


@dataclass
class Finding:
    key: str
    assumption: str
    critical: bool
    verdict: str = UNKNOWN
    detail: str = ""


@dataclass
class ProbeReport:
    findings: list[Finding]
    unknown_fields: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(f.verdict == HOLDS for f in self.findings if f.critical)

    def as_dict(self) -> dict:
        return {"ok": self.ok, "findings": [asdict(f) for f in self.findings], "unknown_fields": self.unknown_fields}


class UpstreamAccount(Protocol):
    shares_token_file: bool  # the token is carried between processes in a file (the embedded store only)

    async def me(self) -> Account: ...

    async def token_status(self) -> TokenStatus: ...

    async def restore_token(self) -> None:
        """Take up the last command's login (from the token file), if there is one."""

    async def flush_token(self) -> bool:
        """Forget the cached token (and its file) and any remembered login failure; whether one was there."""

    async def probe(self, today: dt.date) -> ProbeReport: ...

    async def aclose(self) -> None: ...
