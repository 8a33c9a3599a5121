"""The benchmark's yardstick: a bare Sanic handler returning fixed bytes from memory.

`BENCH_BARE_BODY` names a file with the bytes (the warm list answer of the real server)."""

import os

from sanic import HTTPResponse, Sanic


def create_app() -> Sanic:
    app = Sanic("bare")
    body = open(os.environ["BENCH_BARE_BODY"], "rb").read()

    @app.get("/api/cargos")
    async def cargos(request):
        return HTTPResponse(body, content_type="application/json")

    return app
