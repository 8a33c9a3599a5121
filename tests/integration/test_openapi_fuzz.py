"""Property-based fuzzing of the whole HTTP surface, driven by /docs/openapi.json (schemathesis), against
`cargotool serve` as a real process: with a driver's session and with an admin's, every generated request
gets an answer that is not a 5xx and that conforms to the document (status described, body matching its
schema). Then every route that takes a body gets bodies that break its schema (schemathesis' negative
mode: wrong JSON types, missing fields, other top-level types): still never a 5xx, always a described
answer. Seeded (derandomised) and bounded, so it is repeatable and takes well under a minute each.
"""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from cargotool.core.drivers.initdata import sign_init_data
from cargotool.standin import StandInServer
from cargotool.standin.yookassa import YooKassaStandIn
from tests.conftest import TEST_BOT_TOKEN
from tests.integration.test_live_server import live_server

ADMIN, DRIVER = 900, 501
WEBHOOK_SECRET = "hook-secret-0123456789"
EXAMPLES = 10  # per operation and session (about 700 requests in all)
NEGATIVE_EXAMPLES = 25  # per body route and session (about 900 requests in all)
SKIP = {("DELETE", "/api/session")}  # would end the session the other examples use


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yookassa = YooKassaStandIn("100500", "test_Yk-secret-key-0123456789")
    with StandInServer(yookassa) as yookassa_url, live_server(
            tmp_path_factory.mktemp("fuzz"), ADMIN_TELEGRAM_IDS=str(ADMIN), TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
            YOOKASSA_TRUSTED_NETWORKS="127.0.0.1/32",
            YOOKASSA_SHOP_ID="100500", YOOKASSA_SECRET_KEY="test_Yk-secret-key-0123456789",
            YOOKASSA_API_URL=f"{yookassa_url}/v3", RATE_LIMIT_LOGIN_PER_MINUTE="100000",
            RATE_LIMIT_LOGIN_BURST="10000") as running:
        yield running


def session(url: str, user_id: int) -> dict[str, str]:
    """The session's header, and the webhook secret (the fuzzer reaches past the webhooks' gates too:
    the server trusts YooKassa notifications from loopback)."""
    init_data = sign_init_data(TEST_BOT_TOKEN, {"id": user_id, "first_name": "Иван"})
    response = httpx.post(url + "/api/session", json={"init_data": init_data}, timeout=10)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['session_token']}", "X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}


def operations(url: str) -> list:
    schema = schemathesis.openapi.from_url(url + "/docs/openapi.json")
    found = [result.ok() for result in schema.get_all_operations()]
    assert len(found) > 30, "every route is in the document"
    return [op for op in found if (op.method.upper(), op.path) not in SKIP]


def takes_a_body(operation) -> bool:
    return bool(operation.definition.raw.get("requestBody"))


def path_values(operation, known: dict[str, str]) -> dict[str, str] | None:
    """The known values of the path parameters this operation has (None: let schemathesis make them up)."""
    names = [p.name for p in operation.path_parameters]
    return {name: known[name] for name in names if name in known} or None


def fuzz(url: str, headers: dict[str, str], chosen: list, mode: GenerationMode = GenerationMode.POSITIVE,
         examples: int = EXAMPLES, known_paths: dict[str, str] | None = None) -> list[str]:
    problems: list[str] = []
    for operation in chosen:
        paths = path_values(operation, known_paths or {})

        @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode, path_parameters=paths))
        def run(case):
            response = case.call(base_url=url, headers=headers, timeout=15)
            case.validate_response(response, checks=[not_a_server_error, status_code_conformance,
                                                     response_schema_conformance])

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # collect every operation's failure, then report them together
            problems.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:600]}")
    return problems


@pytest.mark.parametrize("who", ["driver", "admin"])
def test_every_answer_conforms_and_none_is_a_5xx(server, who):
    headers = session(server["url"], ADMIN if who == "admin" else DRIVER)
    problems = fuzz(server["url"], headers, operations(server["url"]))
    assert not problems, "\n\n".join(problems)


@pytest.mark.parametrize("who", ["driver", "admin"])
def test_bodies_that_break_the_schema_never_get_a_5xx(server, who):
    """Every route that takes a body (each declares its type, tests/integration/test_body_types.py). Path
    parameters are held at real values (a load the stand-in has, the driver), so the bodies get past the
    404 for a made-up id and reach the code that reads them."""
    headers = session(server["url"], ADMIN if who == "admin" else DRIVER)
    chosen = [op for op in operations(server["url"]) if takes_a_body(op)]
    assert len(chosen) >= 16
    known = {"cargo_id": str(server["standin"].dataset.cargos[0]["id"]), "telegram_id": str(DRIVER),
             "search_id": "1", "report_id": "1", "payment_id": "unknown", "name": "fuzz.flag"}
    problems = fuzz(server["url"], headers, chosen, GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES, known)
    assert not problems, "\n\n".join(problems)
