"""YooKassa through its official SDK. The SDK is synchronous (requests) and configured with class-level
globals, so it is configured once per gateway and called only from worker threads."""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..errors import InvalidInput, NotConfigured, NotFound, UpstreamUnavailable

log = logging.getLogger(__name__)
_configure_lock = threading.Lock()


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


class YooKassaGateway:
    def __init__(self, shop_id: str | None, secret_key: str | None, api_url: str) -> None:
        self.configured = bool(shop_id and secret_key)
        self._shop_id, self._secret_key, self._api_url = shop_id, secret_key, api_url

    def require(self) -> None:
        if not self.configured:
            raise NotConfigured("Оплата не настроена (YOOKASSA_SHOP_ID, YOOKASSA_SECRET_KEY)")

    def _configure(self) -> None:
        self.require()
        from yookassa import Configuration

        with _configure_lock:
            Configuration.configure(self._shop_id, self._secret_key, api_url=self._api_url)

    async def _call(self, work):
        self._configure()
        from yookassa.domain.exceptions import BadRequestError, NotFoundError

        try:
            return await asyncio.to_thread(work)
        except NotConfigured:
            raise
        except NotFoundError:
            raise NotFound("YooKassa does not know this payment or refund") from None
        except BadRequestError as exc:  # its answer names the parameter YooKassa refused
            parameter = str((exc.content or {}).get("parameter") or "request")
            raise InvalidInput(f"YooKassa refused the request ({parameter})", fields={parameter: "refused by YooKassa"}) from None
        except Exception as exc:  # SDK errors carry the answer body; only the kind is shown
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
