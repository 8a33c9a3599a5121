"""HEAD and OPTIONS exist for every route as soon as the app is built (server/auto_methods.py), and a
starting worker adds none: each route added after start re-finalises Sanic's signal router."""

from __future__ import annotations

from sanic import Sanic

from cargotool.bootstrap import build_services
from cargotool.server.app import create_app
from cargotool.standin import StandInTransport

Sanic.test_mode = True  # several apps named "cargotool" in one test process


def routes(app) -> set[tuple[str, str]]:
    return {(route.path, method) for route in app.router.routes for method in route.methods}


async def test_head_and_options_are_there_before_the_start_and_the_start_adds_none(settings, redis, standin):
    app = create_app(settings, services_factory=lambda s: build_services(s, redis=redis, transport=StandInTransport(standin)))
    built = routes(app)
    assert {("healthz", "HEAD"), ("api/cargos", "HEAD"), ("api/cargos", "OPTIONS"), ("api/session", "OPTIONS")} <= built
    gets = {path for path, method in built if method == "GET"}
    assert gets == {path for path, method in built if method == "HEAD"}, "every GET route answers HEAD"
    _, head = await app.asgi_client.head("/healthz")
    assert head.status == 200 and head.body == b""
    _, options = await app.asgi_client.options("/api/cargos")
    assert options.status == 204 and options.headers["allow"] == "GET,HEAD,OPTIONS"
    assert routes(app) == built, "the start added no route"
    _, spec = await app.asgi_client.get("/docs/openapi.json")
    operations = {method for path in spec.json["paths"].values() for method in path}
    assert not operations & {"head", "options"}, "HEAD and OPTIONS are not in the document (as with sanic-ext)"
