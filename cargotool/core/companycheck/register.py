"""The company register through DaData's official client (`dadata` on PyPI): `findById/party` (ЕГРЮЛ/ЕГРИП by INN)
and `findById/forwarder` (the Ministry of Transport's register of forwarders on ГосЛог).

Pointing the client elsewhere (the stand-in in tests, a proxy): `DadataAsync` takes no base URL. Its suggestions
client, `dadata.asynchr.SuggestClient` (a public module and class), builds its httpx client from its public
`BASE_URL` attribute in `__init__`, so `_Suggestions` sets that attribute on the instance before calling it —
no private module or attribute of the package is touched, and requests go through the client's own code.

A failure is a `RegisterError` whose `kind` says what to do: `auth` (403/401: a wrong key — stop for a long
while), `limit` (429 or 402: the day's or the second's quota), `unavailable` (timeouts, 5xx, an unreadable
answer). Its message names the status, never the key (the key travels only in the Authorization header).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import httpx
from dadata.asynchr import SuggestClient

DEFAULT_URL = SuggestClient.BASE_URL
STATUSES = ("active", "liquidating", "liquidated", "bankrupt", "reorganizing")  # DaData's state.status, lower case


class RegisterError(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind  # auth | limit | unavailable
        self.message = message


class ForwarderError(RegisterError):
    """`findById/forwarder` failed after `findById/party` answered: `registration` is the company's status
    without the forwarders' register (`forwarder_checked` False), which stands; the failure still counts."""

    def __init__(self, error: RegisterError, registration: "Registration") -> None:
        super().__init__(error.kind, error.message)
        self.registration = registration


@dataclass(frozen=True)
class Registration:
    """One INN as the register answered: `status` is one of `STATUSES`, or `not_found` (no record)."""

    inn: str
    status: str
    name: str | None = None
    registered: dt.date | None = None
    individual: bool = False  # an ИП (ЕГРИП), not a company
    forwarder_number: str | None = None  # the ГосЛог forwarders' register number, None when not listed
    forwarder_since: dt.date | None = None
    forwarder_checked: bool = False  # False: that register could not be asked (the INN is asked again)

    @property
    def complete(self) -> bool:
        """Both registers answered (a number not in the company register has no forwarder line to ask for)."""
        return self.forwarder_checked or self.status == "not_found"


class _Suggestions(SuggestClient):
    def __init__(self, base_url: str, token: str, timeout: float) -> None:
        self.BASE_URL = base_url  # read by SuggestClient.__init__; see the module's docstring
        super().__init__(token=token, timeout=timeout)  # type: ignore[arg-type]  # httpx takes a float


class DadataRegister:
    """`lookup(inn)` → `Registration`. One client (one connection pool) for the process."""

    def __init__(self, token: str, base_url: str = DEFAULT_URL, timeout: float = 3.0) -> None:
        self._client = _Suggestions(base_url.rstrip("/") + "/", token, timeout)

    async def aclose(self) -> None:
        await self._client.close()

    async def lookup(self, inn: str, forwarder: bool = True) -> Registration:
        """`forwarder=False`: the company register only (the forwarders' register refused us for now)."""
        found = await self._ask("party", inn)
        registration = read_party(inn, found)
        if not forwarder or registration.status == "not_found":  # no company, no forwarder to look for
            return registration
        try:
            listed = await self._ask("forwarder", inn)
        except RegisterError as exc:  # the company's status stands without it; the caller pauses and asks again
            raise ForwarderError(exc, registration) from None
        return with_forwarder(registration, listed)

    async def _ask(self, name: str, inn: str) -> list[dict[str, Any]]:
        try:
            return await self._client.find_by_id(name, inn, count=1)
        except httpx.HTTPStatusError as exc:
            raise _status_error(name, exc.response.status_code) from None
        except httpx.TimeoutException:
            raise RegisterError("unavailable", f"DaData findById/{name}: timed out") from None
        except httpx.HTTPError as exc:
            raise RegisterError("unavailable", f"DaData findById/{name}: {type(exc).__name__}") from None
        except (ValueError, KeyError, TypeError):
            raise RegisterError("unavailable", f"DaData findById/{name}: an unreadable answer") from None


def _status_error(name: str, status: int) -> RegisterError:
    kind = "auth" if status in (401, 403) else "limit" if status in (402, 429) else "unavailable"
    return RegisterError(kind, f"DaData findById/{name}: HTTP {status}")


def read_party(inn: str, suggestions: list[dict[str, Any]]) -> Registration:
    """A `findById/party` answer's first suggestion (the head office) as a `Registration`."""
    if not suggestions:
        return Registration(inn, "not_found")
    first = suggestions[0] if isinstance(suggestions[0], dict) else {}
    data = first.get("data") or {}
    state = data.get("state") or {}
    status = str(state.get("status") or "").lower()
    names = data.get("name") or {}
    return Registration(
        inn=inn,
        status=status if status in STATUSES else "unknown",  # a status this code does not know: said so
        name=names.get("short_with_opf") or first.get("value"),
        registered=_date(state.get("registration_date") or data.get("ogrn_date")),
        individual=data.get("type") == "INDIVIDUAL",
    )


def with_forwarder(registration: Registration, suggestions: list[dict[str, Any]]) -> Registration:
    data = (suggestions[0].get("data") or {}) if suggestions and isinstance(suggestions[0], dict) else {}
    since = data.get("issue_date")
    return Registration(**{**registration.__dict__, "forwarder_number": data.get("number") if data else None,
                           "forwarder_since": _day_of(since), "forwarder_checked": True})


def _date(milliseconds: Any) -> dt.date | None:
    """DaData's dates are milliseconds since the epoch (midnight UTC of the day)."""
    if not isinstance(milliseconds, (int, float)) or isinstance(milliseconds, bool):
        return None
    return dt.datetime.fromtimestamp(milliseconds / 1000, dt.timezone.utc).date()


def _day_of(text: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None
