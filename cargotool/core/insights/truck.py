"""The driver's truck figures for the net after the road (issue 21 §2): whether the truck is over 12 t
(Platon is charged) and the driver's own other cost per km (wear, tyres, wages…), optional."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InvalidInput

COST_MAX_RUB_KM = 1000


@dataclass(frozen=True)
class Truck:
    over_12t: bool
    cost_kopecks_km: int | None = None

    @property
    def cost_rub_km(self) -> float | None:
        return self.cost_kopecks_km / 100 if self.cost_kopecks_km is not None else None

    def public(self) -> dict:
        return {"over_12t": self.over_12t, "cost_rub_km": self.cost_rub_km}


def parse_truck(body: object) -> Truck:
    """`PUT /api/me/truck`'s body; a 400 with field errors on anything else."""
    if not isinstance(body, dict):
        raise InvalidInput("Нужны данные о машине", fields={"over_12t": "Да или нет"})
    fields: dict[str, str] = {}
    over = body.get("over_12t")
    if not isinstance(over, bool):
        fields["over_12t"] = "Да или нет: машина тяжелее 12 т?"
    cost = body.get("cost_rub_km")
    if cost is not None and (isinstance(cost, bool) or not isinstance(cost, (int, float))
                             or not 0 <= cost <= COST_MAX_RUB_KM):
        fields["cost_rub_km"] = f"Расходы от 0 до {COST_MAX_RUB_KM} ₽ на км"
    if fields:
        raise InvalidInput("Проверьте данные о машине", fields=fields)
    return Truck(bool(over), round(cost * 100) if cost is not None else None)
