"""Subscription plans, from configuration (PLANS)."""

from __future__ import annotations

from dataclasses import dataclass

from ..words import counted

TITLES = {30: "1 месяц", 90: "3 месяца", 180: "6 месяцев", 365: "12 месяцев"}


@dataclass(frozen=True)
class Plan:
    id: str
    days: int
    price_kopecks: int

    @property
    def title(self) -> str:
        return TITLES.get(self.days) or counted(self.days, "день", "дня", "дней")

    def public(self) -> dict:
        return {"id": self.id, "title": self.title, "days": self.days, "price_rub": self.price_kopecks // 100}


def plans_from(config: tuple[tuple[str, int, int], ...]) -> dict[str, Plan]:
    return {plan_id: Plan(plan_id, days, price_rub * 100) for plan_id, days, price_rub in config}
