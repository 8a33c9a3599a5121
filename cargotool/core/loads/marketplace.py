"""The one thing features need from a load board. `core/cargotech` implements it for CargoTech."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Protocol

from .models import Kind, Load, Page, Place
from .query import LoadQuery


@dataclass(frozen=True)
class Dictionaries:
    body_types: tuple[Kind, ...]
    load_types: tuple[Kind, ...]


class Marketplace(Protocol):
    ceilings: Mapping[str, int]
    """What an open upper end of a range means here (`distance_km`, `price`, `price_per_km`, in the load's
    units), so alerts match what the list would show."""

    def query_key(self, query: LoadQuery, paged: bool = True) -> str:
        """One text per query, equal for queries this marketplace is asked alike (it knows which are):
        the list cache keys on it (paged), saved searches on it without paging."""

    async def loads(self, query: LoadQuery) -> Page:
        """A page of loads matching the query. Raises core.errors upstream errors."""

    async def load(self, load_id: str) -> Load:
        """One load with its detail-only fields. Raises NotFound when it is gone."""

    async def places(self, text: str, limit: int = 10) -> list[Place]:
        """Cities (or other points) whose name starts with the text."""

    async def body_types(self) -> list[Kind]: ...

    async def load_types(self) -> list[Kind]: ...
