"""`Idempotency-Key` on POST /api/cargos/{id}/responses: the Mini App's offline queue may send one offer twice
(the first answer lost on a dropping link); the repeat answers what the first try did and changes nothing."""

from __future__ import annotations

import asyncio
import re
import threading
import uuid

import pytest

from cargotool.core.drivers.sessions import Driver
from cargotool.core.responses.replay import Claim, Earlier, InFlight, Replays
from cargotool.core.storage.models import Response, ResponseEvent
from tests.integration.test_responses_bot import app, bot_settings, cargo_of, deliver, session, telegram  # noqa: F401

DISPATCH_CHAT = -1001234567890


async def post(app, headers, cargo_id, key, **body):  # noqa: F811 (the fixture imported above)
    body.setdefault("rate_rub", 100000)
    _, response = await app.asgi_client.post(f"/api/cargos/{cargo_id}/responses", json=body,
                                             headers={**headers, "Idempotency-Key": key})
    return response


async def events(app, response_id):  # noqa: F811 (the fixture imported above)
    return await app.ctx.services.database.run(
        lambda: ResponseEvent.select().where(ResponseEvent.response == response_id).count())


async def test_a_repeat_answers_the_first_try_and_sends_one_message(app, standin, telegram):  # noqa: F811 (the fixture imported above)
    headers = await session(app)
    key = str(uuid.uuid4())
    first = await post(app, headers, cargo_of(standin, 3), key, rate_rub=90000, comment="С утра")
    again = await post(app, headers, cargo_of(standin, 3), key, rate_rub=90000, comment="С утра")
    assert first.status == again.status == 201
    assert again.json["response"]["id"] == first.json["response"]["id"]
    assert await events(app, first.json["response"]["id"]) == 1
    await deliver(app)
    assert len(telegram.sent("sendMessage", DISPATCH_CHAT)) == 1


async def test_a_repeat_after_a_decision_does_not_reopen_the_response(app, standin, telegram):  # noqa: F811 (the fixture imported above)
    headers = await session(app)
    key = str(uuid.uuid4())
    first = (await post(app, headers, cargo_of(standin, 4), key)).json["response"]
    await app.ctx.services.responses.decide(first["id"], "decline", "admin:42")
    again = await post(app, headers, cargo_of(standin, 4), key)
    assert again.status == 201 and again.json["response"]["status"] == "declined"
    # without the key the same body is a new offer and reopens it (the double-tap rule alone would not protect)
    _, plain = await app.asgi_client.post(f"/api/cargos/{cargo_of(standin, 4)}/responses", json={"rate_rub": 100000},
                                          headers=headers)
    assert plain.json["response"]["status"] == "sent"


async def test_a_failed_try_releases_the_key(app, standin):  # noqa: F811 (the fixture imported above)
    headers = await session(app)
    key = str(uuid.uuid4())
    refused = await post(app, headers, cargo_of(standin, 5), key, rate_rub=5)
    assert refused.status == 400 and "rate_rub" in refused.json["error"]["fields"]
    accepted = await post(app, headers, cargo_of(standin, 5), key, rate_rub=90000)
    assert accepted.status == 201


async def test_bad_and_misused_keys_are_400_with_the_field(app, standin):  # noqa: F811 (the fixture imported above)
    headers = await session(app)
    bad = await post(app, headers, cargo_of(standin, 6), "short")
    assert bad.status == 400 and "Idempotency-Key" in bad.json["error"]["fields"]
    key = str(uuid.uuid4())
    assert (await post(app, headers, cargo_of(standin, 6), key)).status == 201
    other = await post(app, headers, cargo_of(standin, 7), key)
    assert other.status == 400 and "другого груза" in other.json["error"]["fields"]["Idempotency-Key"]
    count = await app.ctx.services.database.run(lambda: Response.select().where(Response.cargo_id == cargo_of(standin, 7)).count())
    assert count == 0


async def test_keys_are_per_driver(app, standin):  # noqa: F811 (the fixture imported above)
    key = str(uuid.uuid4())
    mine = await post(app, await session(app, user_id=601), cargo_of(standin, 8), key)
    theirs = await post(app, await session(app, user_id=602, first_name="Олег", username="oleg"), cargo_of(standin, 8), key)
    assert mine.status == theirs.status == 201
    assert mine.json["response"]["id"] != theirs.json["response"]["id"]


async def test_a_copy_arriving_while_the_first_is_running_is_in_flight_with_retry_after(app, standin, redis):  # noqa: F811 (the fixture imported above)
    headers = await session(app)
    key = str(uuid.uuid4())
    services = app.ctx.services
    claim = await Replays(services.redis, services.keys).claim(501, key, cargo_of(standin, 9))  # the first try, running
    assert isinstance(claim, Claim)
    response = await post(app, headers, cargo_of(standin, 9), key)
    assert response.status == 409 and response.json["error"]["code"] == "in_flight"
    assert "уже отправляется" in response.json["error"]["message"]
    assert int(response.headers["retry-after"]) > 0  # the app keeps it waiting and tries again


async def test_the_same_key_with_another_offer_is_400_in_russian(app, standin):  # noqa: F811 (the fixture imported above)
    headers = await session(app)
    key = str(uuid.uuid4())
    first = await post(app, headers, cargo_of(standin, 10), key, rate_rub=90000, comment="С утра")
    assert first.status == 201
    assert (await post(app, headers, cargo_of(standin, 10), key, rate_rub=90000, comment="С утра")).status == 201
    other = await post(app, headers, cargo_of(standin, 10), key, rate_rub=95000, comment="С утра")
    assert other.status == 400
    field = other.json["error"]["fields"]["Idempotency-Key"]
    assert "другими данными" in field and not re.search("[A-Za-z]", field)  # the Mini App shows this to the driver
    [row] = await app.ctx.services.database.run(lambda: list(Response.select().where(Response.id == first.json["response"]["id"])))
    assert row.rate_kopecks == 9_000_000


async def test_a_late_first_try_neither_releases_nor_overwrites_a_later_claim(app, redis):  # noqa: F811 (the fixture imported above)
    services = app.ctx.services
    replays = Replays(services.redis, services.keys)
    key = str(uuid.uuid4())
    slow = await replays.claim(502, key, "77")
    await services.redis.delete(slow.name)  # its CLAIM_SECONDS ran out while it was still working
    later = await replays.claim(502, key, "77")
    await replays.release(slow)  # the slow try fails at last: the later try keeps its claim
    with pytest.raises(InFlight):
        await replays.claim(502, key, "77")
    assert await replays.remember(slow, 5, True, "77", "abcd1234") is False
    with pytest.raises(InFlight):
        await replays.claim(502, key, "77")
    assert await replays.remember(later, 6, True, "77", "abcd1234") is True
    assert await replays.claim(502, key, "77") == Earlier(6, True, "77", "abcd1234")


async def test_a_cancelled_request_still_finishes_and_remembers_its_key(app, standin, monkeypatch):  # noqa: F811 (the fixture imported above)
    await session(app, user_id=603)
    service = app.ctx.services.responses
    upsert, started, go = service._upsert, threading.Event(), threading.Event()

    def slow_upsert(*args):  # the write has started in its thread when the client goes away
        started.set()
        go.wait(30)
        return upsert(*args)

    monkeypatch.setattr(service, "_upsert", slow_upsert)
    driver, cargo_id, key = Driver(603, "Иван"), cargo_of(standin, 11), str(uuid.uuid4())
    request = asyncio.create_task(service.submit(driver, cargo_id, {"rate_rub": 90000}, idempotency_key=key))
    assert await asyncio.to_thread(started.wait, 30)
    request.cancel()  # Sanic cancels the handler of a request whose client disconnected
    go.set()
    with pytest.raises(asyncio.CancelledError):
        await request
    for _ in range(300):  # the shielded try runs on and remembers its key
        try:
            earlier = await Replays(app.ctx.services.redis, app.ctx.services.keys).claim(603, key, cargo_id)
            break
        except InFlight:
            await asyncio.sleep(0.05)
    assert isinstance(earlier, Earlier) and earlier.created
    again, created = await service.submit(driver, cargo_id, {"rate_rub": 90000}, idempotency_key=key)
    assert created and again.id == earlier.response_id
    assert await events(app, again.id) == 1
