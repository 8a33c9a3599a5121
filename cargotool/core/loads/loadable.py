"""«Можно погрузить с такого-то дня»: a load still loadable on or after a day (the availability's feed on the
list's cards, core/availability, and its alerts on a `Load`, core/alerts/searches.py `free_from`). One rule for both:
see `loadable_from`."""

from __future__ import annotations

import datetime as dt

from ..clock import MOSCOW


def loadable_from(last_loading: dt.date | dt.datetime | str | None, day: dt.date) -> bool:
    """Whether the loading window, whose last moment is `last_loading` (a `Stop`'s `latest or earliest`, or a
    card's Moscow ISO time), ends on `day` (Moscow) or later. A load without a readable date may still be."""
    if isinstance(last_loading, str):
        try:
            last_loading = dt.date.fromisoformat(last_loading[:10])
        except ValueError:
            return True
    if isinstance(last_loading, dt.datetime):
        last_loading = last_loading.astimezone(MOSCOW).date()
    return last_loading is None or last_loading >= day
