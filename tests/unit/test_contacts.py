"""Contact rules (core/contacts): hidden without access; «Контакты в чат» — text, outbox key, refusals."""

from __future__ import annotations

import json
import logging

import pytest

from cargotool.core.cargo.service import Answer
from cargotool.core.billing.paywall import Part
from cargotool.core.contacts.card import load_id
from cargotool.core.contacts.service import Contacts, contacts_text
from cargotool.core.errors import NotConfigured, NotFound, PaymentRequired

DRIVER = 42
LOAD = "123456"
NOW = 1_700_000_000.5  # minute 28333333


def card(contacts=None) -> dict:
    return {"id": LOAD, "display": {"route": "Москва → Казань"},
            "contacts": contacts if contacts is not None else [
                {"type": "phone", "name": "Иван", "phones": ["+79001234567", "+79007654321"]},
                {"type": "phone", "name": None, "phones": ["+79990000000"]}]}


class FakeCargos:
    def __init__(self, detail: dict | None) -> None:
        self.detail_card = detail
        self.asked: list[str] = []

    async def detail(self, cargo_id: str):
        self.asked.append(cargo_id)
        if self.detail_card is None:
            raise NotFound("CargoTech has no such object (HTTP 404)")
        return Answer(json.dumps(self.detail_card), 0.0)


class FakePaywall:
    def __init__(self, open_: bool) -> None:
        self.open = open_

    async def allows(self, driver_id: int, part: Part) -> bool:
        assert part is Part.CONTACTS
        return self.open

    async def require(self, driver_id: int, part: Part) -> None:
        if not await self.allows(driver_id, part):
            raise PaymentRequired("Контакты доступны с подпиской — выберите тариф")


class FakeOutbox:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict, str | None]] = []

    async def send(self, method, params, *, key=None):
        self.sent.append((method, params, key))
        return "1"


def contacts(detail=None, *, paid=True, bot=True, missing=False):
    outbox = FakeOutbox()
    service = Contacts(cargos=FakeCargos(None if missing else (detail or card())), paywall=FakePaywall(paid),
                       outbox=outbox, bot_configured=bot, clock=lambda: NOW)
    return service, outbox


async def test_a_driver_without_access_sees_no_contacts():
    service, _ = contacts(paid=False)
    seen = await service.card_for(DRIVER, LOAD)
    assert seen["contacts"] == [] and seen["contacts_hidden"] is True
    assert seen["display"]["route"] == "Москва → Казань"


async def test_a_driver_with_access_sees_them():
    service, _ = contacts()
    seen = await service.card_for(DRIVER, LOAD)
    assert seen["contacts"] == card()["contacts"] and "contacts_hidden" not in seen


async def test_contacts_go_to_the_chat_once_a_minute():
    service, outbox = contacts()
    await service.send_to_chat(DRIVER, LOAD)
    [(method, params, key)] = outbox.sent
    assert method == "sendMessage" and params["chat_id"] == DRIVER
    assert params["text"] == ("Контакты по грузу Москва → Казань (№ 123456):\n"
                              "Иван: +79001234567\nИван: +79007654321\nКонтакт: +79990000000")
    assert key == f"contact:{DRIVER}:{LOAD}:{int(NOW // 60)}"


async def test_a_load_without_phones_has_no_contacts_to_send():
    service, outbox = contacts(card([{"type": "phone", "name": "Иван", "phones": []}]))
    with pytest.raises(NotFound) as refused:
        await service.send_to_chat(DRIVER, LOAD)
    assert refused.value.message == "У этого груза нет контактов" and not outbox.sent
    assert contacts_text(LOAD, card([])) is None


async def test_without_a_bot_the_driver_is_told_so_and_the_log_names_the_setting(caplog):
    service, outbox = contacts(bot=False)
    with caplog.at_level(logging.WARNING), pytest.raises(NotConfigured) as refused:
        await service.send_to_chat(DRIVER, LOAD)
    assert refused.value.message == "Бот сейчас не может прислать контакты — перепишите их с экрана"
    assert "TOKEN" not in refused.value.message and "TELEGRAM_BOT_TOKEN" in caplog.text
    assert not outbox.sent


async def test_the_paywall_answers_first():
    service, outbox = contacts(paid=False, bot=False)
    with pytest.raises(PaymentRequired):
        await service.send_to_chat(DRIVER, "not-a-number")
    assert not outbox.sent


@pytest.mark.parametrize("bad", ["", "abc", "12a", "-1", "1" * 21, "١٢٣"])
async def test_an_id_that_is_no_number_is_a_load_that_does_not_exist(bad):
    with pytest.raises(NotFound) as refused:
        load_id(bad)
    assert refused.value.message == "Груз не найден"
    cargos = FakeCargos(card())
    service = Contacts(cargos=cargos, paywall=FakePaywall(True), outbox=FakeOutbox(), bot_configured=True)
    for attempt in (service.card_for(DRIVER, bad), service.send_to_chat(DRIVER, bad)):
        with pytest.raises(NotFound) as refused:
            await attempt
        assert refused.value.message == "Груз не найден"
    assert cargos.asked == []  # the cache is not asked


async def test_a_load_gone_from_the_marketplace_is_said_in_russian():
    service, _ = contacts(missing=True)
    for attempt in (service.card_for(DRIVER, LOAD), service.send_to_chat(DRIVER, LOAD)):
        with pytest.raises(NotFound) as refused:
            await attempt
        assert refused.value.message == "Груз не найден или уже снят"
