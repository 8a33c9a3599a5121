"""«Маршрут» next to an address: one https link that a phone opens in Yandex's navigation app (issue 22 §4).

What the documentation says (Yandex, "Запуск веб-версии Яндекс Карт",
https://yandex.com/dev/yandex-apps-launch-maps/doc/ru/concepts/yandexmaps-web.md):
- the scheme is `https://yandex.ru/maps/`, a link "to open Yandex Maps in the browser or the mobile app"
  (the page's own words): the app when it is installed, the web map otherwise;
- a route is `rtext=<lat>,<lon>~<lat>,<lon>` (latitude first — unlike `ll`/`pt`, which are lon,lat) with
  `rtt=auto` for a car; an empty first point means "from where I am", hence `rtext=~lat,lon`;
- a search is `text=<query>`; its result card has the «Маршрут» button.

Yandex Navigator itself is opened only by its own `yandexnavi://build_route_on_map?lat_to=…&lon_to=…`
scheme (https://yandex.ru/dev/yandex-apps-launch/navigator/), which is not an https link (Telegram's
`openLink` takes http(s) only) and, per that page, needs an access key to pass coordinates. No documented
https link opens the Navigator app, so the universal link is Yandex Maps' car route, which the Maps app
drives turn by turn.

With coordinates the link is a route to them; with only an address it is a search for «address, city»
(the city added unless the address already names it), since `rtext` is documented for coordinates only.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from .loads.models import GeoPoint

MAPS = "https://yandex.ru/maps/"


def nav_url(coordinates: GeoPoint | None, address: str | None, city: str | None) -> str | None:
    """The link for «Маршрут», or None when there is nothing to go to."""
    if coordinates is not None and _valid(coordinates):
        return f"{MAPS}?rtext=~{coordinates.lat:.6f}%2C{coordinates.lon:.6f}&rtt=auto"
    query = _query(address, city)
    if query is None:
        return None
    return f"{MAPS}?{urlencode({'text': query}, quote_via=quote)}"


def _valid(point: GeoPoint) -> bool:
    return -90 <= point.lat <= 90 and -180 <= point.lon <= 180 and (point.lat, point.lon) != (0, 0)


def _query(address: str | None, city: str | None) -> str | None:
    address = " ".join((address or "").split())
    city = " ".join((city or "").split())
    if not address:
        return city or None
    if city and city.lower() not in address.lower():
        return f"{city}, {address}"
    return address
