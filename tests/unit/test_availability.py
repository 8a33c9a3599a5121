"""«Свободен с…»: the proposal from accepted responses, the Russian day, the free-trucks text, the local day filter
of the availability's saved search."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from cargotool.core.alerts.searches import FREE_FROM, Search
from cargotool.core.availability.board import FreeTruck, board_text
from cargotool.core.availability.days import day_text
from cargotool.core.availability.proposal import propose
from cargotool.core.insights.gazetteer import default_gazetteer
from cargotool.core.loads.models import Load, Place, Stop

TODAY = dt.date(2026, 12, 7)  # a Monday


def response(status, city="Краснодар", city_id=62, when="2026-12-10T18:00:00+03:00", cargo_id="1"):
    return SimpleNamespace(status=status, cargo_id=cargo_id,
                           cargo={"to": {"city": city, "city_id": city_id, "from": when, "to": when}})


async def test_the_proposal_is_the_last_accepted_unloading_not_past_in_a_known_city():
    gazetteer = default_gazetteer()
    responses = [
        response("sent", when="2026-12-20"),  # not accepted
        response("accepted", when="2026-12-06", cargo_id="2"),  # already past
        response("accepted", city="Нигдеград", city_id=5, when="2026-12-15", cargo_id="3"),  # unknown city
        response("accepted", cargo_id="4"),
        response("accepted", city="Казань", city_id=3, when="2026-12-09", cargo_id="5"),
    ]
    proposal = await propose(responses, TODAY, gazetteer)
    assert proposal is not None and proposal.cargo_id == "4" and proposal.day == dt.date(2026, 12, 10)
    assert proposal.public()["text"] == "Свободен в Краснодаре с чт 10 дек.?"
    assert await propose([response("accepted", city_id=None)], TODAY, gazetteer) is None
    assert await propose([], TODAY, gazetteer) is None


def test_days_and_the_free_trucks_text():
    assert day_text(dt.date(2026, 12, 10)) == "чт 10 дек." and day_text(dt.date(2027, 5, 1)) == "сб 1 мая"
    assert board_text([]) == "Свободных машин нет"
    trucks = [FreeTruck(1, "Иван (@ivan)", "Москва", 1, dt.date(2026, 12, 10), 50, True),
              FreeTruck(2, "Пётр", "Казань", 3, dt.date(2026, 12, 11), 0, None)]
    assert board_text(trucks) == ("Свободные машины:\n1. Иван (@ivan) — Москва (±50 км), с чт 10 дек., свыше 12 т\n"
                                  "2. Пётр — Казань, с пт 11 дек.")


def _load(first, last):
    stop = Stop(Place(1, "Москва"), None, first, last)
    return Load("9", stop, None, None, None, None, 100_000, None, None, (), (), None)


def test_the_free_from_day_keeps_loads_still_loadable_then():
    day = dt.date(2026, 12, 10)
    now = dt.datetime.now(dt.timezone.utc)
    search = Search(1, 1, "x", {"from": "1", FREE_FROM: day.isoformat()}, None, "k", True, None,  # type: ignore[arg-type]
                    now, now)
    assert search.accepts(_load(dt.date(2026, 12, 8), dt.date(2026, 12, 10)))
    assert not search.accepts(_load(dt.date(2026, 12, 8), dt.date(2026, 12, 9)))
    assert search.accepts(_load(None, None))  # no date: may still be
    late_evening = dt.datetime(2026, 12, 9, 22, 0, tzinfo=dt.timezone.utc)  # 01:00 on the 10th in Moscow
    assert search.accepts(_load(late_evening, None))
    assert not search.accepts(_load(dt.datetime(2026, 12, 9, 20, 0, tzinfo=dt.timezone.utc), None))  # 23:00 on the 9th
