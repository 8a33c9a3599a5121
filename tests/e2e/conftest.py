"""Shared end-to-end fixtures: the real server process (`cargotool serve`), stand-ins for CargoTech, the Bot
API and YooKassa on loopback, the real Redis, and headless Debian Chromium driven by Playwright.

A new e2e file needs nothing but `from tests.e2e.conftest import open_app` and the fixtures below. Each test
module gets its own server (module scope). To start it with extra settings, override `e2e_env` in the module:

    @pytest.fixture(scope="module")
    def e2e_env():
        return {"SOME_SETTING": "value"}
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import sync_playwright

from cargotool.core.drivers.initdata import sign_init_data
from cargotool.standin import CargoTechStandIn, StandInServer
from cargotool.standin.dadata import DadataStandIn
from tests.conftest import TEST_BOT_TOKEN, TEST_PASSWORD, TEST_PHONE, environ_for_tests

CHROMIUM = os.environ.get("CARGOTOOL_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
DISPATCH_CHAT = -100777
ADMIN = 9007
SHOP_ID, SECRET_KEY = "100500", "test_Yk-e2e-secret-key"
SERVER_PROCESS: dict = {}  # the environment and directory of the server process, for CLI calls beside it


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cli(*args: str) -> subprocess.CompletedProcess:
    """Run `cargotool ARGS` beside the current module's server (same database, Redis prefix and settings)."""
    return subprocess.run([sys.executable, "-m", "cargotool", *args], env=SERVER_PROCESS["env"], cwd=SERVER_PROCESS["cwd"],
                          capture_output=True, text=True)


def screenshot(page, name: str, full_page: bool = True) -> Path:
    """Save a screenshot under test-artifacts/ (gitignored) and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


# Enough of telegram-web-app.js for the page to take its "inside Telegram" path; it records what the page asks.
TELEGRAM_STUB = """
window.telegramCalls = [];
window.Telegram = { WebApp: (function () {
  function button(name) {
    return { show: function () { telegramCalls.push(name + ".show"); }, hide: function () { telegramCalls.push(name + ".hide"); },
      onClick: function () {}, setText: function (t) { telegramCalls.push(name + ".setText:" + t); } };
  }
  var noop = function () {};
  return { initData: new URLSearchParams(location.hash.slice(1)).get("tgWebAppData") || "",
    ready: function () { telegramCalls.push("ready"); }, expand: noop, BackButton: button("BackButton"),
    MainButton: button("MainButton"), HapticFeedback: { impactOccurred: noop, selectionChanged: noop,
    notificationOccurred: noop }, openLink: noop, enableClosingConfirmation: noop, disableClosingConfirmation: noop };
})() };
"""


def open_app(browser, server, user_id=9001, start_param=None, theme=None, viewport=(390, 844), path="/", telegram="down",
             saved_filters=None, routes=()):
    """Open the Mini App the way Telegram does: signed init data in the URL fragment. telegram.org is
    "down" (no network here, as in an ordinary browser), "hangs" (never answers), or "stub" (TELEGRAM_STUB:
    as inside Telegram). `saved_filters` (API parameters) are put on the device first, as if chosen earlier.
    `routes` are (url pattern, handler) pairs set before the page loads. Returns the page and its JS errors."""
    init_data = sign_init_data(TEST_BOT_TOKEN, {"id": user_id, "first_name": "Пётр", "username": "petr"}, start_param=start_param)
    fragment = f"tgWebAppData={quote(init_data, safe='')}&tgWebAppVersion=8.0&tgWebAppPlatform=web"
    if theme:
        fragment += "&tgWebAppThemeParams=" + quote(theme, safe="")
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    if saved_filters is not None:
        saved = json.dumps({"filters": saved_filters, "names": {}})
        page.add_init_script(f"localStorage.setItem({json.dumps(f'cargotool.filters.{user_id}')}, {json.dumps(saved)})")
    if telegram == "stub":
        page.route("https://telegram.org/**", lambda route: route.fulfill(body=TELEGRAM_STUB, content_type="text/javascript"))
    elif telegram == "down":
        page.route("https://telegram.org/**", lambda route: route.abort())
    else:  # "hangs": the request stays unanswered
        page.route("https://telegram.org/**", lambda route: None)
    for pattern, handler in routes:
        page.route(pattern, handler)
    # with telegram.org hanging, the load event (which waits for every script) would never come
    page.goto(f"{server}{path}#{fragment}", wait_until="commit" if telegram == "hangs" else "load")
    return page, errors


@pytest.fixture(scope="module")
def standin():
    standin = CargoTechStandIn(phone=TEST_PHONE, password=TEST_PASSWORD)
    with StandInServer(standin) as url:
        yield standin, url


@pytest.fixture(scope="module")
def telegram():
    from cargotool.standin.telegram import BotApiStandIn

    telegram = BotApiStandIn()
    with StandInServer(telegram) as url:
        yield telegram, url


@pytest.fixture(scope="module")
def yookassa():
    from cargotool.standin.yookassa import YooKassaStandIn

    standin = YooKassaStandIn(SHOP_ID, SECRET_KEY)
    with StandInServer(standin) as url:
        yield standin, url


@pytest.fixture(scope="module")
def e2e_env() -> dict[str, str]:
    """Extra environment for this module's server; override in a test module to change settings."""
    return {}


@pytest.fixture(scope="module")
def server(standin, telegram, yookassa, e2e_env, tmp_path_factory):
    """`cargotool serve` as a separate process, as in production; yields its base URL."""
    import redis as sync_redis

    tmp = tmp_path_factory.mktemp("e2e")
    prefix = f"cargotool-e2e:{os.getpid()}:{tmp.name}:"
    port = free_port()
    env = {**os.environ, **environ_for_tests(tmp, prefix, CARGOTECH_BASE_URL=standin[1], LOG_LEVEL="warning",
                                              TELEGRAM_API_URL=telegram[1], TELEGRAM_DISPATCHER_CHAT_ID=str(DISPATCH_CHAT),
                                              RATE_LIMIT_LOGIN_BURST="100",  # every browser logs in from 127.0.0.1
                                              YOOKASSA_SHOP_ID=SHOP_ID, YOOKASSA_SECRET_KEY=SECRET_KEY,
                                              YOOKASSA_API_URL=f"{yookassa[1]}/v3", TRUSTED_PROXIES="127.0.0.1",
                                              ADMIN_TELEGRAM_IDS=str(ADMIN)), **e2e_env}
    process = subprocess.Popen([sys.executable, "-m", "cargotool", "serve", "--port", str(port)], env=env, cwd=tmp,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    SERVER_PROCESS.update(env=env, cwd=tmp)
    flags_off = cli("flags", "set", "paywall", "off")  # the paywall has its own test
    assert flags_off.returncode == 0, flags_off.stderr
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("server did not start:\n" + (process.stdout.read() if process.stdout else ""))
    yield base
    process.terminate()
    process.wait(timeout=10)
    client = sync_redis.Redis.from_url(env["REDIS_URL"])
    keys = list(client.scan_iter(match=prefix + "*"))
    if keys:
        client.delete(*keys)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium (make test does)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


DADATA_KEY = "dd-e2e-Key-4b1d"


@pytest.fixture(scope="module")
def dadata():
    """DaData's stand-in, for a module that turns the company check on: it overrides `e2e_env` with
    `dadata_env(dadata[1])`. Yields (the stand-in, its URL)."""
    standin = DadataStandIn(DADATA_KEY, today=dt.date.today())
    with StandInServer(standin) as url:
        yield standin, url


def dadata_env(url: str) -> dict[str, str]:
    return {"DADATA_API_KEY": DADATA_KEY, "DADATA_URL": f"{url}/suggestions/api/4_1/rs/"}
