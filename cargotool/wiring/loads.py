"""The shared cache of loads in front of the marketplace (core/cargo/service.py)."""

from __future__ import annotations

from ..config import Settings
from ..core.cargo.service import CacheTTL, CargoService, Observer
from ..core.cargotech import CargoTechClient
from .storage import Storage


def build_cargos(settings: Settings, storage: Storage, cargotech: CargoTechClient, observer: Observer) -> CargoService:
    """`observer(cargos, cards)` is told what each fetch brought (insights enrich the cards)."""
    ttl = CacheTTL(list=settings.cache_list_ttl, detail=settings.cache_detail_ttl,
                   dictionary=settings.cache_dictionary_ttl, stale_max=settings.cache_stale_max)
    return CargoService(cargotech, storage.redis, storage.keys, ttl, lock_timeout=settings.cargotech_retry_deadline + 5,
                        observer=observer)
