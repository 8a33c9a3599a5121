"""One card per trip: which posting leads a group, how a page folds, one alert per trip, and the grouping's
precision on the stand-in's own sample (its reposts and its ordinary loads)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

from cargotool.core.alerts.trips import one_per_trip
from cargotool.core.cargo.cards import card
from cargotool.core.cargotech.mapping import parse_load
from cargotool.core.loads.models import Company
from cargotool.core.samefreight import fold, group, lead
from cargotool.standin.dataset import build_dataset, list_view
from cargotool.standin.reposts import FIRST_REPOST_ID, REPOSTS
from tests.unit.test_samefreight import GRUZLINE, load

SHIPPER = Company("9", "ООО «Завод»", "7700000009", "shipper", None)


def test_the_shippers_own_posting_leads_even_below_a_brokers_price():
    own = replace(load("own", price=95_000), company=SHIPPER)
    broker = load("broker", price=105_000)
    (trip,) = group([broker, own])
    assert [x.id for x in trip.loads] == ["broker", "own"] and lead(trip).id == "own"


def test_a_posting_is_the_shippers_own_when_its_inn_is_the_shippers():
    mine = replace(load("mine", price=90_000, shipper=GRUZLINE),
                   company=Company("1", GRUZLINE[0], GRUZLINE[1], "broker", None))
    (trip,) = group([load("resold", price=99_000), mine])
    assert lead(trip).id == "mine"


def test_without_the_shipper_the_best_paid_posting_leads():
    (trip,) = group([load("low", price=90_000, poster="А"), load("high", price=100_000, poster="Б")])
    assert lead(trip).id == "high"


def test_a_page_folds_into_one_card_per_trip_in_its_order():
    loads = [load("alone", to="Самара"), load("low", price=90_000, poster="А"), load("high", price=100_000, poster="Б")]
    cards = [card(x) for x in loads]
    folding = fold(loads, cards)
    assert [c["id"] for c in folding.cards] == ["alone", "high"] and folding.folded == 1
    assert "group" not in folding.cards[0] and folding.cards[1]["group"]["count"] == 2
    assert set(folding.groups) == {"low", "high"} and folding.groups["low"] is folding.cards[1]["group"]
    twice = [loads[0], loads[0]]  # the marketplace listing one load twice is not a repost
    assert fold(twice, [card(x) for x in twice]).folded == 0
    plain = [card(x) for x in loads[:1]]
    assert fold(loads[:1], plain).cards == plain and fold(loads[:1], plain).folded == 0


@dataclass(frozen=True)
class Hit:
    cargo: object


def test_one_alert_per_trip_the_lead_naming_the_others():
    hits = [Hit(load("low", price=90_000, poster="А")), Hit(load("alone", to="Самара")),
            Hit(load("high", price=100_000, poster="Б"))]
    kept = list(one_per_trip(hits))
    assert [(hit.cargo.id, note is not None) for hit, note in kept] == [("alone", False), ("high", True)]
    assert kept[1][1].startswith("👥 Этот же груз выставлен 2 компаниями: ")


# ---- precision on the stand-in's sample ---------------------------------------------------------------------

def _pairs(groups) -> set[frozenset[str]]:
    return {frozenset((a.id, b.id)) for g in groups for a, b in itertools.combinations(g.loads, 2)}


def _truth(cargos) -> set[frozenset[str]]:
    """The reposts (standin/reposts.py) are the only postings of one trip in the sample."""
    originals = [c for c in cargos if int(c["id"]) < FIRST_REPOST_ID]
    trips: dict[str, list[str]] = {}
    for number, (index, *_rest) in enumerate(REPOSTS):
        original = str(originals[index]["id"])
        trips.setdefault(original, [original]).append(str(FIRST_REPOST_ID + number))
    return {frozenset(pair) for ids in trips.values() for pair in itertools.combinations(ids, 2)}


def _figures(predicted, truth) -> tuple[float, float, int]:
    hits = len(predicted & truth)
    return hits / len(predicted), hits / len(truth), len(predicted - truth)


def test_precision_on_the_stand_ins_sample(capsys):
    """The sample (240 loads and 4 reposts in 3 trips) as the list shows it (no shipper, no cargo name in list
    items): per page as served, no false group; the whole sample at once as one board holds one pair of
    different loads alike in everything the list says (Ростов-на-Дону → Новосибирск, 8.0 t / 8.4 t, a day
    apart) — the detail's cargo name and shipper tell them apart."""
    cargos = build_dataset().cargos
    truth = _truth(cargos)
    listed = [parse_load(list_view(c)) for c in cargos]
    paged = {size: set().union(*(_pairs(group(listed[o:o + size])) for o in range(0, len(listed), size)))
             for size in (20, 50)}
    figures = {"pages of 20": _figures(paged[20], truth), "pages of 50": _figures(paged[50], truth),
               "whole sample, list items": _figures(_pairs(group(listed)), truth),
               "whole sample, details": _figures(_pairs(group([parse_load(c) for c in cargos])), truth)}
    with capsys.disabled():
        for name, (precision, recall, false) in figures.items():
            print(f"samefreight, stand-in sample ({name}): precision {precision:.3f}, recall {recall:.3f}, "
                  f"false pairs {false}")
    assert len(truth) == 5
    assert figures["pages of 20"] == figures["pages of 50"] == figures["whole sample, details"] == (1.0, 1.0, 0)
    assert figures["whole sample, list items"] == (5 / 6, 1.0, 1)
