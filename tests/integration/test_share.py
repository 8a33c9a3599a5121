"""«Поделиться грузом» (issue 19, item 3): the server has the bot prepare an inline message about the load
(savePreparedInlineMessage, on the Bot API stand-in) and hands its id to the Mini App's shareMessage."""

from __future__ import annotations

import json

from tests.integration import test_responses_bot as bot_tests
from tests.integration.test_responses_bot import cargo_of, session

app, bot_settings, telegram = bot_tests.app, bot_tests.bot_settings, bot_tests.telegram
DRIVER = 4201


async def test_share_prepares_a_message_with_route_dates_price_and_a_button_to_this_load(app, standin, telegram):
    headers = await session(app, DRIVER)
    cargo_id = cargo_of(standin, 4)
    _, detail = await app.asgi_client.get(f"/api/cargos/{cargo_id}", headers=headers)
    display = detail.json["display"]

    _, response = await app.asgi_client.post(f"/api/cargos/{cargo_id}/share", headers=headers)
    assert response.status == 200, response.text
    [call] = telegram.sent("savePreparedInlineMessage")
    assert response.json["id"] == "prepared-" + response.json["id"].split("-")[1] and response.json["expiration_date"] > 0
    params = call.params
    assert params["user_id"] == DRIVER and params["allow_user_chats"] is True
    result = params["result"]
    text = result["input_message_content"]["message_text"]
    assert result["type"] == "article" and result["title"] == display["route"]
    for part in (display["route"], display["loading"], display["price"], cargo_id):
        assert part in text, part
    [[button]] = result["reply_markup"]["inline_keyboard"]
    assert button["url"] == f"https://t.me/cargotool_bot?startapp=c_{cargo_id}"  # the Mini App opens this load
    assert json.dumps(result, ensure_ascii=False).count("+7") == 0  # never the load's contacts

    _, again = await app.asgi_client.post(f"/api/cargos/{cargo_of(standin, 5)}/share", headers=headers)
    assert again.status == 200 and len(telegram.sent("getMe")) == 1  # the bot's name is asked once


async def test_share_of_an_unknown_load_or_without_a_session(app):
    headers = await session(app, DRIVER)
    _, response = await app.asgi_client.post("/api/cargos/999999999/share", headers=headers)
    assert response.status == 404 and response.json["error"]["code"] == "not_found"
    _, response = await app.asgi_client.post("/api/cargos/abc/share", headers=headers)
    assert response.status == 404
    _, response = await app.asgi_client.post("/api/cargos/1/share")
    assert response.status == 401
