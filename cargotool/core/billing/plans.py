"""Subscription plans, from configuration (PLANS, and PLANS_STARS for their prices in Telegram Stars)."""

from __future__ import annotations

from dataclasses import dataclass

from ..words import counted

TITLES = {30: "1 месяц", 90: "3 месяца", 180: "6 месяцев", 365: "12 месяцев"}
SUBSCRIPTION_DAYS = 30  # Telegram's only subscription period (2592000 s): this plan renews itself in Stars


@dataclass(frozen=True)
class Plan:
    id: str
    days: int
    price_kopecks: int
    stars: int | None = None  # the price in whole Telegram Stars; None: not sold for Stars

    @property
    def title(self) -> str:
        return TITLES.get(self.days) or counted(self.days, "день", "дня", "дней")

    @property
    def renews(self) -> bool:
        """Sold for Stars as a subscription Telegram renews every 30 days (else a one-time payment)."""
        return self.days == SUBSCRIPTION_DAYS

    def public(self, stars_on: bool = True) -> dict:
        return {"id": self.id, "title": self.title, "days": self.days, "price_rub": self.price_kopecks // 100,
                "stars": self.stars if stars_on else None}


def plans_from(config: tuple[tuple[str, int, int], ...], stars: tuple[tuple[str, int], ...] = ()) -> dict[str, Plan]:
    prices = dict(stars)
    return {plan_id: Plan(plan_id, days, price_rub * 100, prices.get(plan_id)) for plan_id, days, price_rub in config}
