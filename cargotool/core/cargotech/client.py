"""The CargoTech HTTP client: one pooled httpx.AsyncClient, retries, re-login on 401, typed results."""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, Iterator

import httpx

from ..errors import NotFound, UpstreamAuthFailed, UpstreamBadResponse, UpstreamError, UpstreamUnavailable
from ..storage.circuit import CircuitBreaker
from ..observability.metrics import MeasuredTransport, count_payload_issue
from . import schema
from .models import Account, Cargo, CargoPage, Point, TypeRef, data_list
from ..loads.query import LoadQuery
from .query import to_params
from .retry import RETRYABLE_STATUSES, RetryPolicy, parse_retry_after
from .tokens import TokenCache
from ..numbers import plain_int
from ..tls import tls_context

log = logging.getLogger(__name__)

LOGIN_PATH = "/v1/auth/login"
# Login answers that mean "these credentials are not accepted" (422/403 per the docs [DOC, unverified]).
_CREDENTIALS_REJECTED = frozenset({400, 401, 403, 404, 422})


def build_http_client(
    base_url: str,
    connect_timeout: float = 5.0,
    read_timeout: float = 10.0,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """The pooled client; every attempt goes through MeasuredTransport (calls, outcomes, latency)."""
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
        headers={"Accept": "application/json", "User-Agent": "cargotool/0.1"},
        transport=MeasuredTransport(transport or httpx.AsyncHTTPTransport(limits=limits, verify=tls_context())),
    )


class CargoTechClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        phone: str | None,
        password: str | None,
        redis,
        keys=None,
        retry: RetryPolicy | None = None,
        token_ttl: int = 86400,
        lock_timeout: float = 30.0,
        failure_backoff: int = 60,
        on_login=None,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self._http = http
        self.breaker = breaker
        self._phone = phone
        self._password = password
        self._retry = retry or RetryPolicy()
        self.tokens = TokenCache(
            redis,
            self._login,
            keys=keys,
            ttl_seconds=token_ttl,
            lock_timeout=lock_timeout,
            failure_backoff=failure_backoff,
            on_login=on_login,
        )

    def single_attempt(self) -> "CargoTechClient":
        """This client (connection pool, token, circuit breaker) with each call tried once: for a caller
        that counts every request against its own budget and paces its own retries (the alerts watcher)."""
        twin = copy.copy(self)
        twin._retry = replace(self._retry, max_attempts=1)
        return twin

    # ---- endpoints --------------------------------------------------------------------------------

    async def me(self) -> Account:
        return Account.parse(await self._get("/v1/me"))

    async def list_cargos(self, query: LoadQuery) -> CargoPage:
        body = await self._get("/v2/cargos/views", params=to_params(query))
        with _watched("cargo_list"):
            page = CargoPage.parse(body, limit=query.limit, offset=query.offset)
        items = body.get("data") or []
        if len(page.items) < len(items):
            count_payload_issue("cargo_list", "unparsable")
        _note_unknown("cargo_list", items, schema.CARGO)
        _note_unknown("cargo_list_meta", [body.get("meta")], schema.META)
        return page

    async def get_cargo(self, cargo_id: str | int) -> Cargo:
        text = str(cargo_id).strip()
        if plain_int(text, max_digits=20) is None:
            raise NotFound(f"No load with id {text!r}")
        body = await self._get(f"/v1/carrier/cargos/{text}", params=[("source", "1"), ("include", "contacts")])
        data = body.get("data") if isinstance(body, dict) else None
        with _watched("cargo_detail"):
            if not isinstance(data, dict):
                raise UpstreamBadResponse("CargoTech sent a load detail without a `data` object")
            cargo = Cargo.parse(data)
        _note_unknown("cargo_detail", [data], schema.CARGO)
        return cargo

    async def search_points(self, name: str, limit: int = 10) -> list[Point]:
        params = [("filter[name]", name), ("limit", str(limit)), ("offset", "0")]
        body = await self._get("/v1/dictionaries/points", params=params)
        with _watched("points"):
            items = data_list(body, "a point list")
        _note_unknown("points", items, schema.POINT)
        return [p for p in (Point.parse(x) for x in items) if p]

    async def truck_types(self) -> list[TypeRef]:
        return await self._dictionary("/v1/dictionaries/truck_types")

    async def load_types(self) -> list[TypeRef]:
        return await self._dictionary("/v1/dictionaries/load_types")

    async def _dictionary(self, path: str) -> list[TypeRef]:
        body = await self._get(path)
        with _watched("dictionary"):
            items = data_list(body, "a dictionary")
        _note_unknown("dictionary", items, schema.TYPE_REF)
        return [t for t in (TypeRef.parse(x) for x in items) if t]

    async def get_json(self, path: str, params: list[tuple[str, str]] | None = None) -> Any:
        """A read-only GET of any path, logged in, retried, as parsed JSON (for `cargotech probe`)."""
        return await self._get(path, params=params)

    # ---- auth -------------------------------------------------------------------------------------

    async def _login(self) -> str:
        if not (self._phone and self._password):
            raise UpstreamAuthFailed("CargoTech credentials are not configured (CARGOTECH_PHONE, CARGOTECH_PASSWORD)")
        payload = {"phone": self._phone, "password": self._password, "remember": True}
        response = await self._send("POST", LOGIN_PATH, json=payload)
        if response.status_code in _CREDENTIALS_REJECTED:
            raise UpstreamAuthFailed(f"CargoTech rejected the server's credentials (HTTP {response.status_code})")
        self._raise_for_status(response)
        body = _json(response)
        data = body.get("data") if isinstance(body, dict) else None
        token = data.get("token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token.strip():
            raise UpstreamBadResponse("CargoTech login answered without data.token")
        return token.strip()

    async def _get(self, path: str, params: list[tuple[str, str]] | None = None) -> Any:
        token = await self.tokens.get()
        response = await self._send("GET", path, params=params, token=token)
        if response.status_code == 401:
            await self.tokens.invalidate(token)
            token = await self.tokens.get()
            response = await self._send("GET", path, params=params, token=token)
            if response.status_code == 401:
                raise UpstreamAuthFailed("CargoTech rejected a freshly issued token")
        self._raise_for_status(response)
        return _json(response)

    # ---- transport with retries --------------------------------------------------------------------

    async def _send(self, method: str, path: str, *, params=None, json=None, token: str | None = None) -> httpx.Response:
        """One call through the circuit breaker: refused at once while CargoTech is known to be failing."""
        if self.breaker is not None and not await self.breaker.allow():
            raise UpstreamUnavailable("CargoTech is failing (circuit open): not calling it for now")
        response = await self._attempts(method, path, params=params, json=json, token=token)
        if self.breaker is not None:
            # A 500 (not retried) is CargoTech failing too; a 4xx answer means it is up.
            if response.status_code >= 500:
                await self.breaker.failed()
            else:
                await self.breaker.succeeded()
        return response

    async def _attempts(self, method: str, path: str, *, params=None, json=None, token: str | None = None) -> httpx.Response:
        """Send once per attempt; retry 429/502/503/504 and connection errors within the policy."""
        headers = {"Authorization": f"Bearer {token}"} if token else None
        policy = self._retry
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            failure: str
            wait: float | None = None
            try:
                response = await self._http.request(method, path, params=params, json=json, headers=headers)
            except httpx.TransportError as exc:
                failure = f"could not reach CargoTech ({type(exc).__name__})"
            else:
                if response.status_code not in RETRYABLE_STATUSES:
                    return response
                failure = f"CargoTech answered HTTP {response.status_code}"
                if response.status_code == 429:
                    failure = "CargoTech is rate limiting us (HTTP 429)"
                    wait = parse_retry_after(response.headers.get("Retry-After"))
            left = policy.deadline - (time.monotonic() - started)
            delay = wait if wait is not None else policy.backoff(attempt)
            if self.breaker is not None:  # every failed attempt counts; once the circuit opens, stop retrying
                await self.breaker.failed()
                if await self.breaker.is_open():
                    raise UpstreamUnavailable(f"{failure}; circuit open after {attempt} attempt(s)")
            if attempt >= policy.max_attempts or delay >= left:
                raise UpstreamUnavailable(f"{failure}; gave up after {attempt} attempt(s)")
            log.warning("%s %s: %s; retrying in %.2fs (attempt %d)", method, path, failure, delay, attempt)
            await asyncio.sleep(delay)

    @staticmethod
    def _raise_for_status(response: httpx.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        if status == 404:
            raise NotFound("CargoTech has no such object (HTTP 404)")
        if status == 401:
            raise UpstreamAuthFailed("CargoTech refused the request (HTTP 401)")
        if status >= 500:
            raise UpstreamUnavailable(f"CargoTech answered HTTP {status}")
        raise UpstreamError(f"CargoTech rejected the request (HTTP {status})")


@contextmanager
def _watched(payload: str) -> Iterator[None]:
    """Count a payload we could not read (metric), then let the error go on."""
    try:
        yield
    except UpstreamBadResponse:
        count_payload_issue(payload, "unparsable")
        raise


def _note_unknown(payload: str, items: list, known: frozenset) -> None:
    """Count a payload whose items carry fields our models do not know (once per payload)."""
    if any(schema.unknown_fields(item, known) for item in items):
        count_payload_issue(payload, "unknown_fields")


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise UpstreamBadResponse(f"CargoTech answered HTTP {response.status_code} with a body that is not JSON") from None
