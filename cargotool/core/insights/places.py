"""Where a marketplace point or a city is, for «по пути» (core/cargo/alongway.py): a point id's name as the
server learnt it from the lists and details it fetched (`PointNames`), placed by the gazetteer."""

from __future__ import annotations

from ..loads.models import GeoPoint
from .gazetteer import Gazetteer
from .positions import PointNames


class GazetteerPlaces:
    def __init__(self, names: PointNames, gazetteer: Gazetteer) -> None:
        self._names = names
        self._gazetteer = gazetteer

    async def point(self, point_id: int) -> GeoPoint | None:
        return self.city(await self._names.name(point_id))

    def city(self, name: str | None) -> GeoPoint | None:
        where = self._gazetteer.coordinates(name)
        return GeoPoint(*where) if where is not None else None
