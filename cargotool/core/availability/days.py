"""Russian day phrases for availability («6 дек. (вс)») and how long an availability lives after its day."""

from __future__ import annotations

import datetime as dt

WEEKDAYS = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")
MONTHS = ("янв.", "февр.", "мар.", "апр.", "мая", "июн.", "июл.", "авг.", "сент.", "окт.", "нояб.", "дек.")
EXPIRE_DAYS = 3  # an availability is kept this many days after its day, then it is gone (read-time and a job)


def day_text(day: dt.date) -> str:
    """«6 дек. (вс)»: reads after «с» («Свободен в Москве с 6 дек. (вс)») in the bot and the app alike."""
    return f"{day.day} {MONTHS[day.month - 1]} ({WEEKDAYS[day.weekday()]})"


def live_since(today: dt.date) -> dt.date:
    """The earliest day of an availability not expired yet."""
    return today - dt.timedelta(days=EXPIRE_DAYS)
