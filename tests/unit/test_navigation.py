"""Navigation links for «Маршрут»."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from cargotool.core.loads.models import GeoPoint
from cargotool.core.navigation import nav_url


def query(url: str) -> dict[str, list[str]]:
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "yandex.ru", "/maps/")
    return parse_qs(parts.query)


def test_coordinates_make_a_route_from_here_latitude_first():
    url = nav_url(GeoPoint(55.7558, 37.6173), "ул. Тверская, 1", "Москва")
    assert url == "https://yandex.ru/maps/?rtext=~55.755800%2C37.617300&rtt=auto"
    assert query(url) == {"rtext": ["~55.755800,37.617300"], "rtt": ["auto"]}


def test_negative_and_far_east_coordinates():
    assert query(nav_url(GeoPoint(-33.5, 170.25), None, None))["rtext"] == ["~-33.500000,170.250000"]


def test_an_address_without_coordinates_is_searched_with_its_city():
    url = nav_url(None, "ул. Ленина, д. 5 & склад №2", "Краснодар")
    assert query(url) == {"text": ["Краснодар, ул. Ленина, д. 5 & склад №2"]}
    assert " " not in url and "&склад" not in url  # encoded, the ampersand does not split the query


def test_the_city_is_not_repeated_when_the_address_names_it():
    assert query(nav_url(None, "г. Казань, ул. Баумана, 3", "Казань")) == {"text": ["г. Казань, ул. Баумана, 3"]}


def test_only_a_city():
    assert query(nav_url(None, "  ", "Ростов-на-Дону")) == {"text": ["Ростов-на-Дону"]}


def test_spaces_are_collapsed():
    assert query(nav_url(None, "ул.  Мира,\n 7", None)) == {"text": ["ул. Мира, 7"]}


def test_nothing_to_go_to():
    assert nav_url(None, None, None) is None
    assert nav_url(None, " ", "") is None


def test_impossible_or_null_island_coordinates_fall_back_to_the_address():
    assert query(nav_url(GeoPoint(0, 0), "ул. Мира, 7", "Омск")) == {"text": ["Омск, ул. Мира, 7"]}
    assert query(nav_url(GeoPoint(95, 37), None, "Омск")) == {"text": ["Омск"]}
