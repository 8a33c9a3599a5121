"""The OpenAPI document's card is the core's card type (core/cargo/card_types.py), and what the API answers
carries no key the type does not declare (the fuzz test allows extra keys; this one does not)."""

from __future__ import annotations

import pytest
from sanic import Sanic

from cargotool.bootstrap import build_services
from cargotool.core.cargo.card_types import Card, CardDetail, CardPoint
from cargotool.server.app import create_app
from cargotool.standin import StandInTransport
from tests.integration.privacy_helpers import allow_position
from tests.integration.test_api import auth, login

Sanic.test_mode = True


def typed(kind) -> set[str]:
    return set(kind.__required_keys__ | kind.__optional_keys__)


@pytest.fixture
def app(settings, redis, standin):
    quiet = settings.replace(outbox_enabled="off")
    return create_app(quiet, services_factory=lambda s: build_services(s, redis=redis, transport=StandInTransport(standin)))


async def test_the_documented_card_is_the_typed_card(app):
    _, response = await app.asgi_client.get("/docs/openapi.json")
    schemas = response.json["components"]["schemas"]
    assert set(schemas["Card"]["properties"]) == typed(Card)
    assert set(schemas["Card"]["required"]) == set(Card.__required_keys__)
    assert set(schemas["CargoDetail"]["properties"]) == typed(CardDetail) | {"meta"}
    assert set(schemas["CardPoint"]["properties"]) == typed(CardPoint)
    assert schemas["CargoPage"]["properties"]["items"]["items"] == {"$ref": "#/components/schemas/Card"}


def untyped(card: dict, kind) -> set[str]:
    extra = set(card) - typed(kind)
    for side in ("from", "to"):
        extra |= {f"{side}.{k}" for k in set(card.get(side) or {}) - typed(CardPoint)}
    return extra


async def test_answered_cards_carry_only_typed_keys(app):
    token = (await login(app, 731))["session_token"]
    await allow_position(app, token)
    _, response = await app.asgi_client.put("/api/me/position", json={"lat": 55.7961, "lon": 49.1064}, headers=auth(token))
    assert response.status == 200
    _, response = await app.asgi_client.put("/api/me/fuel", json={"l_per_100km": 32, "price_rub": 70.5}, headers=auth(token))
    assert response.status == 200
    for query in ("limit=10", "limit=10&sort=rate"):
        _, response = await app.asgi_client.get(f"/api/cargos?{query}", headers=auth(token))
        assert response.status == 200 and response.json["items"]
        for card in response.json["items"]:
            assert Card.__required_keys__ <= set(card) and not untyped(card, Card), card["id"]
            assert "deadhead_km" in card or (card["from"] or {}).get("lat") is None  # the driver's keys were there to check
    _, response = await app.asgi_client.get(f"/api/cargos/{card['id']}", headers=auth(token))
    assert response.status == 200
    assert CardDetail.__required_keys__ <= set(response.json) and not untyped(response.json, CardDetail) - {"meta"}
