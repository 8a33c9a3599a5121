"""Favourites and hidden loads/companies of a driver: the rules behind /api/favourites and /api/hidden.

- PUT is idempotent: adding what is already there changes nothing and answers `created=False` (the server
  says 200 rather than 201); DELETE of something absent is not an error (the end state is what was asked).
- Limits: `max_favourites` favourites, `max_hidden` hidden loads and companies together (409 past them).
- A favourite keeps a snapshot of the card as this driver may see it (contacts only with access, the
  paywall's rule through `cards`), so the list still works when the load has gone from the board («снят»).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Awaitable, Callable

from ..errors import InvalidInput, NotFound
from ..storage.db import Database
from ..storage.models import utcnow
from .inn import valid_inn
from .marks import MarkReader, Marks
from .models import Favourite, HiddenCargo, HiddenCompany

SNAPSHOT_KEYS = ("id", "from", "to", "display", "weight_t", "volume_m3", "distance_km", "price_kopecks", "price_rub",
                 "rate_kopecks_per_km", "rate_rub_per_km", "truck_types", "company", "contacts", "contacts_hidden")
GONE_TEXT = "снят"
FRESH_CHECKS = 8  # favourites whose card is re-read at once (the shared cache; a cold one asks the marketplace)

Cards = Callable[[int, str], Awaitable[dict[str, Any]]]


class ShortlistFull(InvalidInput):
    code = "shortlist_full"


def snapshot(card: dict[str, Any]) -> dict[str, Any]:
    return {key: card.get(key) for key in SNAPSHOT_KEYS if key in card}


def company_name(card: dict[str, Any]) -> str:
    return ((card.get("company") or {}).get("name") or "")[:256]


class Shortlist:
    def __init__(self, database: Database, marks: MarkReader, cards: Cards, *, max_favourites: int,
                 max_hidden: int) -> None:
        """`cards(driver_id, cargo_id)`: the load's card as this driver may see it (NotFound when gone)."""
        self._db = database
        self.marks = marks
        self._cards = cards
        self.max_favourites = max_favourites
        self.max_hidden = max_hidden

    # ---- favourites -----------------------------------------------------------------------------------

    async def add_favourite(self, driver_id: int, cargo_id: str) -> tuple[dict, bool]:
        card = await self._cards(driver_id, cargo_id)
        row = {"driver_id": driver_id, "cargo_id": cargo_id, "snapshot": json.dumps(snapshot(card), ensure_ascii=False),
               "added_at": utcnow(), "gone_at": None}

        def work() -> bool:
            with self._db.write_transaction():
                exists = Favourite.get_or_none(driver_id=driver_id, cargo_id=cargo_id)
                if exists is not None:
                    Favourite.update(snapshot=row["snapshot"], gone_at=None).where(
                        (Favourite.driver_id == driver_id) & (Favourite.cargo_id == cargo_id)).execute()
                    return False
                if Favourite.select().where(Favourite.driver_id == driver_id).count() >= self.max_favourites:
                    raise ShortlistFull(f"В избранном уже {self.max_favourites} грузов — уберите ненужные",
                                        fields={"cargo_id": f"Не больше {self.max_favourites} в избранном"})
                Favourite.insert(**row).execute()
                return True

        created = await self._db.run(work)
        await self.marks.changed(driver_id)
        return await self.favourite(driver_id, cargo_id), created

    async def favourite(self, driver_id: int, cargo_id: str) -> dict:
        row = await self._db.run(lambda: Favourite.get_or_none(driver_id=driver_id, cargo_id=cargo_id))
        if row is None:
            raise NotFound("Этого груза нет в избранном")
        return _public(row)

    async def flag_detail(self, driver_id: int, body: dict) -> None:
        """The detail's `favourite`, true or false (a list's card has it only when true: views.apply_marks)."""
        body["favourite"] = str(body.get("id")) in (await self.marks.marks(driver_id)).favourites

    async def remove_favourite(self, driver_id: int, cargo_id: str) -> None:
        await self._db.run(lambda: Favourite.delete().where(
            (Favourite.driver_id == driver_id) & (Favourite.cargo_id == cargo_id)).execute())
        await self.marks.changed(driver_id)

    async def favourites(self, driver_id: int) -> list[dict]:
        """Newest first. The first `FRESH_CHECKS` are re-read through the shared cache: a gone load is marked
        «снят» (and stays so), a present one refreshes its snapshot."""
        rows = await self._db.run(lambda: list(Favourite.select().where(Favourite.driver_id == driver_id)
                                               .order_by(Favourite.added_at.desc())))
        await asyncio.gather(*(self._refresh(driver_id, row) for row in rows[:FRESH_CHECKS] if row.gone_at is None))
        return [_public(row) for row in rows]

    async def _refresh(self, driver_id: int, row: Favourite) -> None:
        try:
            card = await self._cards(driver_id, row.cargo_id)
        except NotFound:
            row.gone_at = utcnow()
            changes: dict = {Favourite.gone_at: row.gone_at}
        except Exception:  # the marketplace is failing: the snapshot is what we have
            return
        else:
            row.snapshot = json.dumps(snapshot(card), ensure_ascii=False)
            changes = {Favourite.snapshot: row.snapshot}
        await self._db.run(lambda: Favourite.update(changes).where(
            (Favourite.driver_id == driver_id) & (Favourite.cargo_id == row.cargo_id)).execute())

    # ---- hiding ---------------------------------------------------------------------------------------

    async def hide_cargo(self, driver_id: int, cargo_id: str) -> tuple[dict, bool]:
        card = await self._cards(driver_id, cargo_id)
        label = ((card.get("display") or {}).get("route") or "")[:256]
        created = await self._hide(driver_id, HiddenCargo, HiddenCargo.cargo_id, cargo_id, label=label)
        return {"cargo_id": cargo_id, "route": label}, created

    async def hide_company(self, driver_id: int, inn: str, name: str | None) -> tuple[dict, bool]:
        inn = valid_inn(inn)
        created = await self._hide(driver_id, HiddenCompany, HiddenCompany.inn, inn, name=(name or "").strip()[:256])
        return {"inn": inn, "name": (name or "").strip()[:256] or None}, created

    async def _hide(self, driver_id: int, model, key_field, key: str, **values) -> bool:
        def work() -> bool:
            with self._db.write_transaction():
                if model.select().where((model.driver_id == driver_id) & (key_field == key)).exists():
                    return False
                total = sum(m.select().where(m.driver_id == driver_id).count() for m in (HiddenCargo, HiddenCompany))
                if total >= self.max_hidden:
                    raise ShortlistFull(f"Скрыто уже {self.max_hidden} — верните ненужное на экране «Скрытые»",
                                        fields={key_field.name: f"Не больше {self.max_hidden} скрытых"})
                model.insert(driver_id=driver_id, **{key_field.name: key}, hidden_at=utcnow(), **values).execute()
                return True

        created = await self._db.run(work)
        await self.marks.changed(driver_id)
        return created

    async def unhide_cargo(self, driver_id: int, cargo_id: str) -> None:
        await self._delete(driver_id, HiddenCargo, HiddenCargo.cargo_id, cargo_id)

    async def unhide_company(self, driver_id: int, inn: str) -> None:
        await self._delete(driver_id, HiddenCompany, HiddenCompany.inn, valid_inn(inn))

    async def _delete(self, driver_id: int, model, key_field, key: str) -> None:
        await self._db.run(lambda: model.delete().where((model.driver_id == driver_id) & (key_field == key)).execute())
        await self.marks.changed(driver_id)

    async def hidden(self, driver_id: int) -> dict:
        def work() -> dict:
            cargos = HiddenCargo.select().where(HiddenCargo.driver_id == driver_id).order_by(HiddenCargo.hidden_at.desc())
            companies = (HiddenCompany.select().where(HiddenCompany.driver_id == driver_id)
                         .order_by(HiddenCompany.hidden_at.desc()))
            return {"cargos": [{"cargo_id": r.cargo_id, "route": r.label or None, "hidden_at": r.hidden_at.isoformat()}
                               for r in cargos],
                    "companies": [{"inn": r.inn, "name": r.name or None, "hidden_at": r.hidden_at.isoformat()}
                                  for r in companies]}

        return await self._db.run(work)

    # ---- the rest of the product asks -----------------------------------------------------------------

    async def excluded(self, driver_id: int, cargo_id: str, inn: str | None) -> bool:
        """Whether the driver hid this load or its company (alerts and automatic responses ask)."""
        return (await self.marks.marks(driver_id)).hidden(cargo_id, inn)

    async def forget(self, driver_id: int) -> int:
        """«Удалить мои данные»: every favourite and hidden item of the driver; how many rows went."""
        def work() -> int:
            with self._db.write_transaction():
                return sum(m.delete().where(m.driver_id == driver_id).execute()
                           for m in (Favourite, HiddenCargo, HiddenCompany))

        count = await self._db.run(work)
        await self.marks.changed(driver_id)
        return count


def load_marks(database: Database) -> Callable[[int], Awaitable[Marks]]:
    """The database reader `MarkReader` falls back to."""
    def work(driver_id: int) -> Marks:
        return Marks(
            frozenset(r.cargo_id for r in Favourite.select(Favourite.cargo_id).where(Favourite.driver_id == driver_id)),
            frozenset(r.cargo_id for r in HiddenCargo.select(HiddenCargo.cargo_id).where(HiddenCargo.driver_id == driver_id)),
            frozenset(r.inn for r in HiddenCompany.select(HiddenCompany.inn).where(HiddenCompany.driver_id == driver_id)))

    return lambda driver_id: database.run(lambda: work(driver_id))


def _public(row: Favourite) -> dict:
    gone = row.gone_at is not None
    return {"cargo_id": row.cargo_id, "added_at": row.added_at.isoformat(), "card": json.loads(row.snapshot or "{}"),
            "gone": gone, "gone_at": row.gone_at.isoformat() if gone else None, "status_text": GONE_TEXT if gone else None}
