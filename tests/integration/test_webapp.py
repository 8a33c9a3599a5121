"""The Mini App's page and assets (served from memory, hashed, precompressed), compressed API answers, and
the first page of loads carried by the login answer."""

from __future__ import annotations

import base64
import gzip
import hashlib
import re

import brotli
import pytest

from cargotool.server.compression import compress
from cargotool.server.webapp_build import build
from tests.integration import test_api
from tests.integration.test_api import auth, init_data, login

make_app, app = test_api.make_app, test_api.app  # the same fixtures as the API's tests

PLAIN = {"Accept-Encoding": "identity"}


def asset_urls(html: str) -> dict[str, str]:
    return {m.group(2): m.group(0) for m in re.finditer(r"/static/(app|icon)\.[0-9a-f]{12}\.(js|css|svg)", html)}


async def test_page_names_hashed_assets_and_never_waits_for_telegram(app):
    _, page = await app.asgi_client.get("/", headers=PLAIN)
    assert page.status == 200 and page.headers["cache-control"] == "private, max-age=86400"
    # the page knows its build (its ETag), to reload itself when a cached copy is out of date
    assert f"var build = '{page.headers['etag']}'" in page.text
    assert set(asset_urls(page.text)) == {"js", "css", "svg"}
    assert re.search(r'<script id="telegram-script" src="https://telegram.org/js/telegram-web-app.js" async>', page.text)
    # the inline boot script is allowed by its hash, and nothing else inline is
    inline = re.search(r"<script>(.*?)</script>", page.text, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
    csp = page.headers["content-security-policy"]
    assert f"'sha256-{digest}'" in csp and "unsafe-inline" not in csp


async def test_hashed_assets_are_immutable_and_compressed_as_accepted(app):
    _, page = await app.asgi_client.get("/")
    url = asset_urls(page.text)["js"]
    _, plain = await app.asgi_client.get(url, headers=PLAIN)
    assert plain.status == 200 and "immutable" in plain.headers["cache-control"] and "content-encoding" not in plain.headers
    assert plain.headers["content-type"].startswith("text/javascript")
    assert url.split(".")[-2] == hashlib.sha256(plain.content).hexdigest()[:12]  # the name is the content's hash
    for accept, expected in [("gzip, deflate, br", "br"), ("gzip", "gzip"), ("br;q=0, gzip", "gzip"), ("*", "br")]:
        _, answer = await app.asgi_client.get(url, headers={"Accept-Encoding": accept})
        assert answer.headers["content-encoding"] == expected and answer.headers["vary"] == "Accept-Encoding"
        assert answer.content == plain.content  # the client decodes to the same bytes
    _, again = await app.asgi_client.get(url, headers={"If-None-Match": plain.headers["etag"]})
    assert again.status == 304 and again.content == b""


async def test_the_later_screens_are_a_chunk_the_main_script_names(app):
    _, page = await app.asgi_client.get("/")
    _, main = await app.asgi_client.get(asset_urls(page.text)["js"], headers=PLAIN)
    chunk_url = re.search(r'"screens\.js": "(/static/app-screens\.[0-9a-f]{12}\.js)"', main.text).group(1)
    assert '__modules["detail.js"] = ' not in main.text  # the first card does not wait for the other screens
    _, chunk = await app.asgi_client.get(chunk_url, headers=PLAIN)
    assert chunk.status == 200 and "immutable" in chunk.headers["cache-control"]
    assert '__modules["detail.js"] = ' in chunk.text and '__modules["admin.js"] = ' in chunk.text
    assert chunk_url.split(".")[-2] == hashlib.sha256(chunk.content).hexdigest()[:12]


def test_precompressed_copies_decode_to_the_original():
    built = build()
    for item in [built.index, *built.assets.values()]:
        assert brotli.decompress(item.encoded["br"]) == item.body
        assert gzip.decompress(item.encoded["gzip"]) == item.body


@pytest.mark.parametrize("path", ["/static/", "/static/.", "/static/app.js%00.png", "/static/..%2Fpyproject.toml",
                                  "/static/%2e%2e/%2e%2e/pyproject.toml", "/static/js/", "/static/app.js", "/static/nope.css"])
async def test_unknown_static_paths_are_a_json_404(app, path):
    _, response = await app.asgi_client.get(path)
    assert response.status in (400, 404), (path, response.status)
    assert response.json["error"]["code"] in ("not_found", "bad_request", "invalid_input")


async def test_api_answers_are_compressed_when_accepted(app):
    token = (await login(app))["session_token"]
    _, plain = await app.asgi_client.get("/api/cargos?limit=20", headers={**auth(token), **PLAIN})
    assert plain.status == 200 and "content-encoding" not in plain.headers
    for accept, expected in [("br, gzip", "br"), ("gzip", "gzip")]:
        _, answer = await app.asgi_client.get("/api/cargos?limit=20", headers={**auth(token), "Accept-Encoding": accept})
        assert answer.headers["content-encoding"] == expected and answer.headers["vary"] == "Accept-Encoding"
        assert len(compress(plain.content, expected)) < len(plain.content) / 3
        assert answer.json["items"] == plain.json["items"]
    _, small = await app.asgi_client.get("/api/whoami", headers={**auth(token), "Accept-Encoding": "br"})
    assert "content-encoding" not in small.headers  # under 1 KB: not worth it


async def test_login_can_carry_the_first_page(app):
    query = "limit=20&offset=0"
    _, response = await app.asgi_client.post("/api/session", json={"init_data": init_data(), "cargos": query})
    assert response.status == 200
    body = response.json
    assert "cargos_error" not in body, body.get("cargos_error")
    assert body["cargos_query"] == query and len(body["cargos"]["items"]) == 20
    _, direct = await app.asgi_client.get("/api/cargos?" + query, headers=auth(body["session_token"]))
    assert [c["id"] for c in body["cargos"]["items"]] == [c["id"] for c in direct.json["items"]]


async def test_login_with_a_bad_first_page_query_still_logs_in_and_says_why(app):
    _, response = await app.asgi_client.post("/api/session", json={"init_data": init_data(), "cargos": "wv=тяжёлый"})
    assert response.status == 200 and response.json["session_token"]
    error = response.json["cargos_error"]
    assert error["status"] == 400 and "wv" in error["error"]["fields"]
    _, plain = await app.asgi_client.post("/api/session", json={"init_data": init_data()})
    assert "cargos" not in plain.json and "cargos_error" not in plain.json
