"""Request bodies are type-checked by one mechanism (server/validation.py): every route that takes a body
declares its type with `describe(body=...)`, and a body of the wrong JSON type is a 400 naming the field."""

from __future__ import annotations

import pytest
from sanic import Sanic
from typing_extensions import NotRequired, TypedDict

from cargotool.bootstrap import build_services
from cargotool.core.drivers.initdata import sign_init_data
from cargotool.core.errors import InvalidInput
from cargotool.server import bodies as B
from cargotool.server.app import create_app
from cargotool.server.validation import NO_BODY, check, check_body, declared
from cargotool.standin import StandInTransport
from tests.conftest import TEST_BOT_TOKEN

Sanic.test_mode = True
BODY_METHODS = {"POST", "PUT", "PATCH"}


@pytest.fixture
def app(settings, redis, standin):
    return create_app(settings, services_factory=lambda s: build_services(s, redis=redis, transport=StandInTransport(standin)))


def body_routes(app) -> list[tuple[str, str, object]]:
    return [(method, "/" + route.path, route.handler) for route in app.router.routes
            for method in sorted(route.methods & BODY_METHODS)]


def test_every_route_that_takes_a_body_declares_its_type(settings):
    app = create_app(settings)
    routes = body_routes(app)
    assert len(routes) >= 18
    undeclared = [f"{method} {path}" for method, path, handler in routes if declared(handler) is None]
    assert not undeclared, "declare the body with describe(body=Type) or describe(body=NO_BODY): " + ", ".join(undeclared)


def test_the_body_is_the_declared_type_or_nothing(settings):
    """Whatever a route reads through json_body was declared; a route declared without a body reads none."""
    app = create_app(settings)
    kinds = {f"{method} {path}": declared(handler) for method, path, handler in body_routes(app)}
    assert kinds["PUT /api/cargos/<cargo_id:str>/report"] is B.ReportIn
    assert kinds["POST /webhooks/telegram"] is B.TelegramUpdate
    assert kinds["POST /api/cargos/<cargo_id:str>/contact-to-chat"] is NO_BODY


class Thing(TypedDict):
    name: str
    count: NotRequired[int]
    tags: NotRequired[list[str] | None]


@pytest.mark.parametrize("value, fields", [
    ([], {"body": "Ожидался объект"}),
    (None, {"body": "Ожидался объект"}),
    ("x", {"body": "Ожидался объект"}),
    ({}, {"name": "Обязательное поле"}),
    ({"name": {}}, {"name": "Ожидался текст"}),
    ({"name": "a", "count": "5"}, {"count": "Ожидалось целое число"}),
    ({"name": "a", "count": True}, {"count": "Ожидалось целое число"}),
    ({"name": "a", "count": 1.5}, {"count": "Ожидалось целое число"}),
    ({"name": "a", "tags": ["x", 3]}, {"tags.1": "Ожидался текст"}),
    ({"name": "a", "tags": {"x": 1}}, {"tags": "Ожидался список"}),
])
def test_a_wrong_json_type_names_the_field(value, fields):
    with pytest.raises(InvalidInput) as raised:
        check(Thing, value)
    assert raised.value.fields == fields and raised.value.message == "Проверьте данные запроса"


def test_no_body_names_the_fields_it_lacks():
    with pytest.raises(InvalidInput) as raised:
        check_body(Thing, None)
    assert raised.value.fields == {"name": "Обязательное поле"}
    with pytest.raises(InvalidInput) as raised:
        check_body(B.Fuel, None)  # nothing required: still not a body
    assert raised.value.fields == {"body": "Ожидался объект"}


def test_the_right_types_and_unknown_fields_pass():
    check(Thing, {"name": "a", "count": 2, "tags": None, "extra": {"left": "to the handler"}})


def test_a_field_can_carry_its_own_words():
    with pytest.raises(InvalidInput) as raised:
        check(B.Offer, {"rate_rub": "много"})
    assert raised.value.fields == {"rate_rub": "Укажите ставку целым числом рублей"}


async def session(app, user_id: int = 501) -> dict[str, str]:
    init_data = sign_init_data(TEST_BOT_TOKEN, {"id": user_id, "first_name": "Иван"})
    _, response = await app.asgi_client.post("/api/session", json={"init_data": init_data})
    assert response.status == 200, response.text
    return {"Authorization": f"Bearer {response.json['session_token']}"}


@pytest.mark.parametrize("body, fields", [
    ({"kind": {}}, {"kind": "Ожидался текст"}),
    ({"kind": []}, {"kind": "Ожидался текст"}),
    ({"kind": ["not_paid"]}, {"kind": "Ожидался текст"}),
    ({"kind": "not_paid", "comment": {}}, {"comment": "Ожидался текст"}),
    ([], {"body": "Ожидался объект"}),
])
async def test_a_report_of_the_wrong_type_is_400_naming_the_field(app, body, fields):
    """It used to be a 500: `{}` and `[]` are unhashable in the check of the kind."""
    _, response = await app.asgi_client.put("/api/cargos/1001/report", json=body, headers=await session(app))
    assert response.status == 400, response.text
    assert response.json["error"]["code"] == "invalid_input" and response.json["error"]["fields"] == fields


async def test_the_handler_gates_answer_before_the_body_check(app):
    """The webhook secret is checked before the body: a stranger learns nothing of its shape."""
    _, response = await app.asgi_client.post("/webhooks/telegram", json=[1])
    assert response.status == 503  # no secret configured: the route is off, whatever the body


async def test_reading_an_undeclared_body_is_a_programming_error(app):
    from cargotool.server.requests import json_body

    @app.post("/undeclared")
    async def undeclared(request):
        json_body(request)

    _, response = await app.asgi_client.post("/undeclared", json={"a": 1})
    assert response.status == 500
