"""A driver's home city, so the Mini App proposes «Домой» without asking each time.

Kept on the driver's insights profile row (`driver_insight_profiles.home_point_id`/`home_name`, migration 38),
apart from their position: a position from the device replaces the position's city, never the home. The row
goes with «Удалить мои данные» (`Profiles.delete_row`), so the home goes with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InvalidInput
from ..insights.gazetteer import Gazetteer
from ..insights.models import DriverInsightProfile
from ..insights.positions import upsert_profile
from ..storage.db import Database
from ..storage.models import utcnow


@dataclass(frozen=True)
class Home:
    point_id: int
    name: str

    def public(self) -> dict:
        return {"point_id": self.point_id, "name": self.name}


class Homes:
    def __init__(self, database: Database, gazetteer: Gazetteer) -> None:
        self._db = database
        self._gazetteer = gazetteer

    async def get(self, driver_id: int) -> Home | None:
        row = await self._db.run(lambda: DriverInsightProfile.get_or_none(DriverInsightProfile.driver_id == driver_id))
        if row is None or row.home_point_id is None or not row.home_name:
            return None
        return Home(row.home_point_id, row.home_name)

    async def set(self, driver_id: int, body: object) -> Home:
        """`{"point_id", "name"}` from the city autocomplete; a city the gazetteer cannot place is refused
        (the chains could not count the way home)."""
        body = body if isinstance(body, dict) else {}
        point_id, name = body.get("point_id"), body.get("name")
        if isinstance(point_id, bool) or not isinstance(point_id, int) or point_id <= 0:
            raise InvalidInput("Выберите город из списка", fields={"point_id": "Город не выбран из подсказок"})
        if not isinstance(name, str) or not name.strip():
            raise InvalidInput("Выберите город из списка", fields={"name": "Нужно название города"})
        if self._gazetteer.find(name) is None:
            raise InvalidInput("Не знаем, где этот город — выберите ближайший крупный",
                               fields={"point_id": "Город не найден в справочнике"})
        home = Home(point_id, name.strip()[:128])
        await upsert_profile(self._db, driver_id, {"home_point_id": home.point_id, "home_name": home.name})
        return home

    async def clear(self, driver_id: int) -> None:
        await self._db.run(lambda: DriverInsightProfile.update(home_point_id=None, home_name=None, updated_at=utcnow())
                           .where(DriverInsightProfile.driver_id == driver_id).execute())
