"""A card's coordinates: the marketplace's own when the load's stop carries them, else the gazetteer's."""

from cargotool.core.cargo.cards import card
from cargotool.core.cargotech.mapping import parse_load
from cargotool.core.insights.gazetteer import default_gazetteer
from cargotool.core.insights.service import Insights


async def test_stop_coordinates_go_first_then_the_gazetteer():
    # No database, lanes or names here: the statistics step fails and is skipped, the coordinates stay.
    insights = Insights(None, None, None, None, default_gazetteer(), None, None, None, None)
    load = parse_load({"id": 1, "points": [
        {"position": 1, "city": {"id": 1, "name": "Москва"}, "latitude": 55.5, "longitude": 37.5},
        {"position": 2, "city": {"id": 2, "name": "Казань"}},
    ]})
    view = card(load)
    await insights.on_cargos([load], [view])
    start = view["from"]
    assert (start["lat"], start["lon"], start["coords_source"]) == (55.5, 37.5, "cargotech")
    assert view["to"]["coords_source"] == "gazetteer" and round(view["to"]["lat"]) == 56
