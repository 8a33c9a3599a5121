"""CargoTech as the product's Marketplace (core/loads/marketplace.py): the client's typed payload views,
mapped into loads (mapping.py). The client stays what the operator tools (`cargotech probe/token`) use."""

from __future__ import annotations

from ..loads.models import Kind, Load, Page, Place
from ..loads.query import LoadQuery
from .client import CargoTechClient
from .mapping import kind_of, load_of, page_of, place_of
from .query import CEILINGS, query_key


class CargoTechMarketplace:
    ceilings = CEILINGS  # CargoTech fills an open upper end of a range with these

    def __init__(self, client: CargoTechClient) -> None:
        self.client = client

    def query_key(self, query: LoadQuery, paged: bool = True) -> str:
        return query_key(query, paged)

    async def loads(self, query: LoadQuery) -> Page:
        return page_of(await self.client.list_cargos(query))

    async def load(self, load_id: str) -> Load:
        return load_of(await self.client.get_cargo(load_id))

    async def places(self, text: str, limit: int = 10) -> list[Place]:
        return [place_of(p) for p in await self.client.search_points(text, limit=limit)]

    async def body_types(self) -> list[Kind]:
        return [kind_of(t) for t in await self.client.truck_types()]

    async def load_types(self) -> list[Kind]:
        return [kind_of(t) for t in await self.client.load_types()]
