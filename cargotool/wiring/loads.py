"""The shared cache of loads in front of the marketplace (core/cargo/service.py), the postings of one trip
it folds into one card (core/samefreight), and who sees a load's contacts (core/contacts)."""

from __future__ import annotations

from ..config import Settings
from ..core.billing.paywall import Paywall
from ..core.cargo.service import CacheTTL, CargoService, Fold, Observer
from ..core.contacts.service import Contacts
from ..core.samefreight import SameFreight
from .cargotech import Upstream
from .messaging import Messaging
from .storage import Storage


def build_cargos(settings: Settings, storage: Storage, upstream: Upstream, observer: Observer | None,
                 fold: Fold | None = None) -> CargoService:
    """`observer(cargos, cards)` is told what each fetch brought (insights enrich the cards); `fold` folds a
    list page's postings of one trip into one card."""
    ttl = CacheTTL(list=settings.cache_list_ttl, detail=settings.cache_detail_ttl,
                   dictionary=settings.cache_dictionary_ttl, stale_max=settings.cache_stale_max)
    return CargoService(upstream.marketplace, storage.redis, storage.keys, ttl,
                        lock_timeout=settings.cargotech_retry_deadline + 5, observer=observer, circuit=upstream.breaker, fold=fold)


def build_samefreight(settings: Settings, storage: Storage) -> SameFreight:
    """A page's groups are kept for the detail as long as the page itself may be served."""
    return SameFreight(storage.redis, storage.keys, ttl_seconds=settings.cache_list_ttl + settings.cache_stale_max)


def build_contacts(cargos: CargoService, paywall: Paywall, messaging: Messaging) -> Contacts:
    return Contacts(cargos=cargos, paywall=paywall, outbox=messaging.outbox, bot_configured=messaging.bot_api is not None)
