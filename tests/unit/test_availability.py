"""«Свободен с…»: the proposal from accepted responses, the Russian day, the free-trucks text, the local day filter
of the availability's saved search."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from cargotool.core.alerts.search_filters import FREE_FROM
from cargotool.core.alerts.searches import Search
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
    assert proposal.public()["text"] == "Свободен в Краснодаре с 10 дек. (чт)?"
    assert await propose([response("accepted", city_id=None)], TODAY, gazetteer) is None
    assert await propose([], TODAY, gazetteer) is None


def test_days_and_the_free_trucks_text():
    assert day_text(dt.date(2026, 12, 10)) == "10 дек. (чт)" and day_text(dt.date(2027, 5, 1)) == "1 мая (сб)"
    assert board_text([]) == "Свободных машин нет"
    trucks = [FreeTruck(1, "Иван (@ivan)", "Москва", 1, dt.date(2026, 12, 10), 50, True, "Тент"),
              FreeTruck(2, "Пётр", "Казань", 3, dt.date(2026, 12, 11), 0, None)]
    assert board_text(trucks) == ("Свободные машины:\n1. Иван (@ivan) — Москва (±50 км), с 10 дек. (чт), Тент, "
                                  "свыше 12 т\n2. Пётр — Казань, с 11 дек. (пт)")


def test_a_long_free_trucks_list_stops_at_a_whole_line_and_counts_the_rest():
    trucks = [FreeTruck(n, f"Водитель номер {n}", "Москва", 1, dt.date(2026, 12, 10), 50, None) for n in range(1, 201)]
    text = board_text(trucks, 4000)
    lines = text.split("\n")
    shown = len(lines) - 2  # the heading and the tail
    assert len(text) <= 4000 and lines[-2] == f"{shown}. {trucks[shown - 1].line}"
    assert shown == 70 and lines[-1] == "…и ещё 130 машин — в приложении"
    assert board_text(trucks[:2], 4000) == board_text(trucks[:2])  # short: all of it
    few = [FreeTruck(n, "В" * 60, "Москва", 1, dt.date(2026, 12, 10), 0, None) for n in range(1, 4)]
    assert board_text(few, 170).endswith("\n…и ещё 2 машины — в приложении")


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


def test_one_loadable_from_rule_for_cards_and_loads():
    from cargotool.core.loads.loadable import loadable_from
    day = dt.date(2026, 12, 10)
    assert loadable_from("2026-12-10T09:00:00+03:00", day) and not loadable_from("2026-12-09T23:00:00+03:00", day)
    assert loadable_from(None, day) and loadable_from("когда-нибудь", day)  # no readable date: may still be
    assert loadable_from(dt.datetime(2026, 12, 9, 22, 0, tzinfo=dt.timezone.utc), day)  # 01:00 on the 10th, Moscow
    assert not loadable_from(dt.date(2026, 12, 9), day)
