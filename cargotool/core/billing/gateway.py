"""YooKassa through its official SDK. The SDK is synchronous (requests) and configured with class-level
globals, so it is configured once per gateway and called only from worker threads.

The SDK sends its requests without a timeout, so a YooKassa that accepts and never answers would hold a
thread forever. Its calls therefore run in a small pool of their own (never the default pool that every
`Database.run` uses), each is bounded by `timeout` seconds, and the SDK's sessions get a requests timeout
too (the SDK has no option for one: `ApiClient.get_session` is wrapped once) so a hung thread ends.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..errors import InvalidInput, NotConfigured, NotFound, UpstreamUnavailable

log = logging.getLogger(__name__)
_configure_lock = threading.Lock()
TIMEOUT_SECONDS = 15.0  # one YooKassa call, connection to answer
WORKERS = 4  # YooKassa calls at once; more wait in this pool's queue (and time out there)


@dataclass(frozen=True)
class RemotePayment:
    id: str
    status: str
    amount_kopecks: int
    currency: str
    metadata: dict[str, Any]
    refunded_kopecks: int
    confirmation_url: str | None


@dataclass(frozen=True)
class RemoteRefund:
    id: str
    payment_id: str
    status: str
    amount_kopecks: int


def _kopecks(amount: Any) -> int:
    value = getattr(amount, "value", None) if amount is not None else None
    return int(Decimal(str(value)) * 100) if value is not None else 0


def _rub(kopecks: int) -> str:
    return f"{kopecks // 100}.{kopecks % 100:02d}"


class _TimeoutAdapter:
    """Gives every request of a session a timeout unless the caller set one (the SDK never does)."""

    def __init__(self, adapter: Any, timeout: float) -> None:
        self._adapter, self._timeout = adapter, timeout

    def send(self, request: Any, timeout: Any = None, **kwargs: Any) -> Any:
        return self._adapter.send(request, timeout=self._timeout if timeout is None else timeout, **kwargs)

    def close(self) -> None:
        self._adapter.close()


def _install_session_timeout(timeout: float) -> None:
    """Wrap the SDK's `ApiClient.get_session` (once per process; the last gateway's timeout wins, as the
    SDK's configuration is global anyway)."""
    from yookassa.client import ApiClient

    original = getattr(ApiClient.get_session, "_cargotool_original", ApiClient.get_session)

    def get_session(client: Any) -> Any:
        session = original(client)
        for prefix in ("https://", "http://"):
            session.mount(prefix, _TimeoutAdapter(session.get_adapter(prefix), timeout))
        return session

    get_session._cargotool_original = original  # type: ignore[attr-defined]
    ApiClient.get_session = get_session


def _upstream_failure(exc: BaseException) -> bool:
    """An error of the network (requests) or an answer YooKassa refused (the SDK's ApiError). The SDK turns
    a connection error into an AttributeError (it reads `.response` of None) raised while handling it, so
    the chain of causes is looked at too; anything else is a bug of ours and is not hidden."""
    import requests
    from yookassa.domain.exceptions import ApiError

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, (requests.RequestException, ApiError)):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class YooKassaGateway:
    def __init__(self, shop_id: str | None, secret_key: str | None, api_url: str,
                 timeout: float = TIMEOUT_SECONDS) -> None:
        self.configured = bool(shop_id and secret_key)
        self._shop_id, self._secret_key, self._api_url = shop_id, secret_key, api_url
        self._timeout = timeout
        self._pool: ThreadPoolExecutor | None = None

    def close(self) -> None:
        """Stop the pool without waiting for a call still hanging (it ends at its requests timeout)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def require(self) -> None:
        if not self.configured:
            raise NotConfigured("Оплата не настроена (YOOKASSA_SHOP_ID, YOOKASSA_SECRET_KEY)")

    def _configure(self) -> None:
        self.require()
        from yookassa import Configuration

        with _configure_lock:
            Configuration.configure(self._shop_id, self._secret_key, api_url=self._api_url)
            _install_session_timeout(self._timeout)
            if self._pool is None:
                self._pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="yookassa")

    async def _call(self, work):
        self._configure()
        from yookassa.domain.exceptions import BadRequestError, NotFoundError

        try:
            future = asyncio.get_running_loop().run_in_executor(self._pool, work)
            return await asyncio.wait_for(future, self._timeout)
        except NotFoundError:
            raise NotFound("YooKassa does not know this payment or refund") from None
        except BadRequestError as exc:  # its answer names the parameter YooKassa refused
            parameter = str((exc.content or {}).get("parameter") or "request")
            raise InvalidInput(f"YooKassa refused the request ({parameter})", fields={parameter: "refused by YooKassa"}) from None
        except asyncio.TimeoutError:
            log.warning("YooKassa call timed out after %s s", self._timeout)
            raise UpstreamUnavailable(f"YooKassa did not answer in {self._timeout:g} s") from None
        except Exception as exc:  # SDK errors carry the answer body; only the kind is shown
            if not _upstream_failure(exc):
                raise
            log.warning("YooKassa call failed: %s", type(exc).__name__)
            raise UpstreamUnavailable(f"YooKassa is unavailable ({type(exc).__name__})") from None

    async def create(self, *, amount_kopecks: int, description: str, return_url: str, metadata: dict[str, Any],
                     idempotency_key: str, receipt: dict[str, Any] | None = None) -> RemotePayment:
        self.require()
        from yookassa import Payment

        params: dict[str, Any] = {
            "amount": {"value": _rub(amount_kopecks), "currency": "RUB"},
            "capture": True,
            "confirmation": {"type": "redirect", "return_url": return_url},
            "description": description[:128],
            "metadata": metadata,
        }
        if receipt:
            params["receipt"] = receipt
        response = await self._call(lambda: Payment.create(params, idempotency_key))
        return self._payment(response)

    async def find(self, payment_id: str) -> RemotePayment:
        self.require()
        from yookassa import Payment

        return self._payment(await self._call(lambda: Payment.find_one(payment_id)))

    async def find_refund(self, refund_id: str) -> RemoteRefund:
        self.require()
        from yookassa import Refund

        return self._refund(await self._call(lambda: Refund.find_one(refund_id)))

    async def refund(self, *, payment_id: str, amount_kopecks: int, description: str, idempotency_key: str,
                     receipt: dict[str, Any] | None = None) -> RemoteRefund:
        self.require()
        from yookassa import Refund

        params: dict[str, Any] = {"payment_id": payment_id, "amount": {"value": _rub(amount_kopecks), "currency": "RUB"},
                                  "description": description[:250]}
        if receipt:
            params["receipt"] = receipt
        return self._refund(await self._call(lambda: Refund.create(params, idempotency_key)))

    async def refunds_of(self, payment_id: str) -> list[RemoteRefund]:
        """Every refund of a payment (the list is paged by a cursor)."""
        self.require()
        from yookassa import Refund

        def work() -> list[Any]:
            items, cursor = [], None
            while True:
                page = Refund.list({"payment_id": payment_id, "limit": 100, **({"cursor": cursor} if cursor else {})})
                items.extend(page.items or [])
                cursor = page.next_cursor
                if not cursor:
                    return items

        return [self._refund(item) for item in await self._call(work)]

    @staticmethod
    def _refund(refund: Any) -> RemoteRefund:
        return RemoteRefund(id=refund.id, payment_id=refund.payment_id, status=refund.status,
                            amount_kopecks=_kopecks(refund.amount))

    @staticmethod
    def _payment(response: Any) -> RemotePayment:
        confirmation = getattr(response, "confirmation", None)
        metadata = getattr(response, "metadata", None) or {}
        return RemotePayment(
            id=response.id,
            status=response.status,
            amount_kopecks=_kopecks(response.amount),
            currency=getattr(response.amount, "currency", "") or "",
            metadata=dict(metadata),
            refunded_kopecks=_kopecks(getattr(response, "refunded_amount", None)),
            confirmation_url=getattr(confirmation, "confirmation_url", None) if confirmation else None,
        )
