"""Driving and rest time (issue 21 §6): the earliest legal arrival at a loading point under Минтранс order
№ 424 (9 h of driving a day, a 45-min break after 4.5 h, 11 h of daily rest) and the verdict against the
loading window — «успеваете к погрузке (≈ вт 14:00)», «впритык», «не успеть без нарушения режима труда и
отдыха».

Wired in core/insights/reach.py: the card field `reach` (`{verdict, arrival, text}` = `reach(…).as_api()`)
when the driver's position is known, the filter `reachable=1`, the sort `arrival`, and
`PUT /api/me/driving {"driven_today_h"}`. Pure code: no I/O."""

from .schedule import (
    DEFAULT_SPEED_KMH, STANDARD, WITH_EXTENSIONS, Rules, Schedule, Segment, earliest_arrival, plan,
)
from .verdict import DEFAULT_MARGIN, MOSCOW, Verdict, moscow_time, reach, reach_load, verdict

__all__ = [
    "DEFAULT_MARGIN", "DEFAULT_SPEED_KMH", "MOSCOW", "STANDARD", "WITH_EXTENSIONS", "Rules", "Schedule", "Segment",
    "Verdict", "earliest_arrival", "moscow_time", "plan", "reach", "reach_load", "verdict",
]
