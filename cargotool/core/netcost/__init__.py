"""What is left of a load's price after the road: fuel, Platon and the driver's other costs (issue 21 §2)."""

from .arithmetic import PLATON_2026, Net, Part, PlatonTariff, net

__all__ = ["PLATON_2026", "Net", "Part", "PlatonTariff", "net"]
