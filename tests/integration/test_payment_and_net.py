"""Issue 21 §1–2 over the API: `payment_terms` on cards and the detail, the list filters `vat=` and
`no_deferral=1` (and saved searches keeping them), `PUT /api/me/truck`, `net` on cards and the sort `net`.
Real Redis, SQLite, the CargoTech stand-in (a third of its loads carry a structured `payment` block)."""

from __future__ import annotations

import pytest
from sanic import Sanic

from cargotool.bootstrap import build_services
from cargotool.core.payterms import UNKNOWN_TEXT
from cargotool.server.app import create_app
from cargotool.standin import StandInTransport
from tests.integration.test_api import auth, login

Sanic.test_mode = True
TERMS_KEYS = {"vat", "form", "timing", "days", "source", "text"}


@pytest.fixture
def app(settings, redis, standin):
    quiet = settings.replace(outbox_enabled="off", platon_rub_km=5.0, platon_federal_share=0.5)
    return create_app(quiet, services_factory=lambda s: build_services(s, redis=redis, transport=StandInTransport(standin)))


async def _headers(app, user_id):
    return auth((await login(app, user_id))["session_token"])


async def test_cards_carry_payment_terms_from_the_structured_fields_or_say_unknown(app, standin):
    headers = await _headers(app, 2101)
    _, response = await app.asgi_client.get("/api/cargos?limit=50", headers=headers)
    cards = response.json["items"]
    assert all(set(card["payment_terms"]) == TERMS_KEYS for card in cards)
    stated = {str(c["id"]) for c in standin.dataset.cargos if c.get("payment")}
    for card in cards:
        terms = card["payment_terms"]
        if card["id"] in stated:  # the list has no comment: only the structured fields speak
            assert terms["source"] == "marketplace" and terms["vat"] in ("with", "without")
            assert terms["text"].startswith(("с НДС", "без НДС"))
        else:
            assert terms == {"vat": None, "form": None, "timing": None, "days": None, "source": None, "text": UNKNOWN_TEXT}
    assert any(card["id"] in stated for card in cards) and any(card["id"] not in stated for card in cards)


async def test_the_detail_reads_the_comment_and_labels_it(app, standin):
    headers = await _headers(app, 2102)
    raw = next(c for c in standin.dataset.cargos if not c.get("payment") and c["extra"]["note"].startswith("Ставка без НДС"))
    _, response = await app.asgi_client.get(f"/api/cargos/{raw['id']}", headers=headers)
    terms = response.json["payment_terms"]
    assert terms["vat"] == "without" and terms["source"] == "comment"
    assert terms["text"] == "без НДС (из комментария)"


async def test_the_detail_shows_a_comment_that_contradicts_the_structured_vat(app, standin):
    raw = next(c for c in standin.dataset.cargos if (c.get("payment") or {}).get("vat") is False
               and c["extra"]["note"].startswith("Ставка с НДС"))
    _, response = await app.asgi_client.get(f"/api/cargos/{raw['id']}", headers=await _headers(app, 2116))
    terms = response.json["payment_terms"]
    assert set(terms) == TERMS_KEYS and terms["vat"] == "without"  # the structured field still wins
    assert terms["text"].startswith("без НДС") and terms["text"].endswith("(в комментарии: с НДС)"), terms


async def test_vat_and_no_deferral_filters_over_the_freshest_loads(app):
    headers = await _headers(app, 2103)
    _, response = await app.asgi_client.get("/api/cargos?vat=with&limit=50", headers=headers)
    assert response.status == 200
    items, meta = response.json["items"], response.json["meta"]
    assert items and all(card["payment_terms"]["vat"] == "with" for card in items)
    assert meta["hidden_by_vat"] > 0 and meta["sort"]["scope"] == "window"
    _, response = await app.asgi_client.get("/api/cargos?vat=without&no_deferral=1&limit=50", headers=headers)
    items, meta = response.json["items"], response.json["meta"]
    assert all(c["payment_terms"]["vat"] == "without" and c["payment_terms"]["timing"] in ("prepay", "on_unloading")
               for c in items)
    assert "hidden_by_deferral" in meta
    _, response = await app.asgi_client.get("/api/cargos?no_deferral=1&limit=50", headers=headers)
    assert all(c["payment_terms"]["timing"] in ("prepay", "on_unloading") for c in response.json["items"])
    assert response.json["meta"]["hidden_by_deferral"] > 0  # unknown timing is not «без отсрочки»


@pytest.mark.parametrize("query, field", [("vat=maybe", "vat"), ("no_deferral=yes", "no_deferral")])
async def test_bad_payment_filters_are_field_errors(app, query, field):
    headers = await _headers(app, 2104)
    _, response = await app.asgi_client.get(f"/api/cargos?{query}", headers=headers)
    assert response.status == 400 and field in response.json["error"]["fields"]


async def test_saved_searches_keep_the_payment_filters(app):
    headers = await _headers(app, 2105)
    _, created = await app.asgi_client.post("/api/searches", headers=headers, json={
        "name": "с НДС без отсрочки", "filters": {"from": "1", "vat": "with", "no_deferral": "true"}})
    assert created.status == 201, created.text
    assert created.json["search"]["filters"] == {"from": "1", "vat": "with", "no_deferral": "1"}
    _, other = await app.asgi_client.post("/api/searches", headers=headers, json={"filters": {"from": "1", "vat": "without"}})
    assert other.status == 201  # another search: the payment filters count for sameness
    _, bad = await app.asgi_client.post("/api/searches", headers=headers, json={"filters": {"from": "1", "vat": "да"}})
    assert bad.status == 400 and "vat" in bad.json["error"]["fields"]


@pytest.mark.parametrize("body, field", [
    ({}, "over_12t"),
    ({"over_12t": "да"}, "over_12t"),
    ({"over_12t": True, "cost_rub_km": -1}, "cost_rub_km"),
    ({"over_12t": True, "cost_rub_km": "10"}, "cost_rub_km"),
    ({"over_12t": False, "cost_rub_km": 5000}, "cost_rub_km"),
    ([], "body"),
])
async def test_bad_truck_figures_are_field_errors(app, body, field):
    headers = await _headers(app, 2106)
    _, response = await app.asgi_client.put("/api/me/truck", json=body, headers=headers)
    assert response.status == 400 and field in response.json["error"]["fields"]


async def test_truck_figures_are_kept_and_read_back(app):
    headers = await _headers(app, 2107)
    _, response = await app.asgi_client.get("/api/me/insights", headers=headers)
    assert response.json["truck"] is None
    _, response = await app.asgi_client.put("/api/me/truck", json={"over_12t": True, "cost_rub_km": 12.5}, headers=headers)
    assert response.status == 200 and response.json["truck"] == {"over_12t": True, "cost_rub_km": 12.5}
    _, response = await app.asgi_client.put("/api/me/truck", json={"over_12t": False}, headers=headers)
    assert response.json["truck"] == {"over_12t": False, "cost_rub_km": None}
    _, response = await app.asgi_client.get("/api/me/insights", headers=headers)
    assert response.json["truck"] == {"over_12t": False, "cost_rub_km": None}


async def test_net_after_the_road_on_cards_the_detail_and_the_sort(app):
    headers = await _headers(app, 2108)
    _, response = await app.asgi_client.get("/api/cargos?sort=net&limit=20", headers=headers)
    assert response.status == 200 and all("net" not in card for card in response.json["items"])  # no fuel figures
    await app.asgi_client.put("/api/me/fuel", json={"l_per_100km": 30, "price_rub": 70}, headers=headers)
    await app.asgi_client.put("/api/me/truck", json={"over_12t": True, "cost_rub_km": 10}, headers=headers)
    _, response = await app.asgi_client.get("/api/cargos?sort=net&limit=20", headers=headers)
    items = response.json["items"]
    ranked = [card["net"]["rub"] for card in items if "net" in card]
    assert len(ranked) == 20 and ranked == sorted(ranked, reverse=True)
    assert response.json["meta"]["sort"]["by"] == "net"
    card = items[0]
    km = card["distance_km"]  # no position: the loaded kilometres only
    parts = {part["name"]: part["rub"] for part in card["net"]["parts"]}
    assert parts == {"топливо": round(km * 30 / 100 * 70), "Платон": round(km * 0.5 * 5.0), "прочие расходы": round(km * 10)}
    assert card["net"]["rub"] == card["price_kopecks"] // 100 - sum(parts.values())
    assert card["net"]["text"].startswith("Чистыми ≈ ")
    _, detail = await app.asgi_client.get(f"/api/cargos/{card['id']}", headers=headers)
    assert detail.json["net"] == card["net"]
