"""The paywall as a core rule (core/billing/paywall.py): which part is open to whom, and the refusal texts."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from cargotool.core.billing.paywall import Part, Paywall
from cargotool.core.errors import PaymentRequired

SUBSCRIBER, OTHER = 1, 2


class FakeFlags:
    def __init__(self, **on: bool) -> None:
        self.on = {f"paywall.{name}": value for name, value in on.items()}

    async def enabled(self, name: str) -> bool:
        assert isinstance(name, str) and type(name) is str  # the flag's own name, not the enum
        return self.on.get(name, True)


class FakeSubscriptions:
    async def status(self, driver_id: int):
        return SimpleNamespace(active=driver_id == SUBSCRIBER)


def paywall(**on: bool) -> Paywall:
    return Paywall(FakeFlags(**on), FakeSubscriptions())


@pytest.mark.parametrize("part", list(Part))
async def test_a_part_behind_the_paywall_is_open_to_subscribers_only(part):
    assert await paywall().allows(SUBSCRIBER, part)
    assert not await paywall().allows(OTHER, part)


async def test_a_part_whose_flag_is_off_is_open_to_everyone():
    wall = paywall(contacts=False)
    assert await wall.allows(OTHER, Part.CONTACTS)
    assert not await wall.allows(OTHER, Part.RESPOND)


async def test_a_flag_name_is_taken_as_well():
    assert not await paywall().allows(OTHER, "paywall.respond")
    assert await paywall(respond=False).allows(OTHER, "paywall.respond")


@pytest.mark.parametrize("part, text", [
    (Part.CONTACTS, "Контакты доступны с подпиской — выберите тариф"),
    (Part.RESPOND, "Откликаться можно с подпиской — выберите тариф"),
])
async def test_require_refuses_with_the_drivers_text(part, text):
    with pytest.raises(PaymentRequired) as refused:
        await paywall().require(OTHER, part)
    assert refused.value.message == text and refused.value.code == "payment_required"
    await paywall().require(SUBSCRIBER, part)
    await paywall(**{part.value.split(".")[1]: False}).require(OTHER, part)


async def test_switches_tell_the_mini_app_which_parts_are_paid():
    assert await paywall(respond=False).switches() == {"paywall.contacts": True, "paywall.respond": False,
                                                       "paywall.alerts": True}
