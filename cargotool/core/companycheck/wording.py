"""What the driver reads about a company's registration: «действующая, с 2014 г.», «ликвидируется»,
«создана 2 месяца назад». Pure: the date of today is an argument."""

from __future__ import annotations

import datetime as dt

from ..words import counted

YOUNG_MONTHS = 12  # younger than a year: worth a flag on the card

_STATUS_TEXT = {  # a company (ЮЛ)
    "liquidating": "ликвидируется",
    "liquidated": "ликвидирована",
    "bankrupt": "банкротство",
    "reorganizing": "реорганизуется",
}
_STATUS_TEXT_IP = {  # an individual entrepreneur (ИП)
    "liquidating": "ИП прекращает деятельность",
    "liquidated": "ИП прекратил деятельность",
    "bankrupt": "ИП — банкротство",
    "reorganizing": "реорганизуется",
}
NOT_FOUND_TEXT = "нет в реестре ЕГРЮЛ/ЕГРИП"
PENDING_TEXT = "проверяется"


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from `start` to `end` (0 when `end` is earlier)."""
    months = (end.year - start.year) * 12 + end.month - start.month - (1 if end.day < start.day else 0)
    return max(0, months)


def age_text(registered: dt.date, today: dt.date, individual: bool = False) -> str:
    """«создана сегодня», «создана 12 дней назад», «создана 2 месяца назад» (for an ИП «зарегистрирован …»)."""
    verb = "ИП зарегистрирован" if individual else "создана"
    days = (today - registered).days
    if days <= 0:
        return f"{verb} сегодня"
    if days == 1:
        return f"{verb} вчера"
    months = months_between(registered, today)
    if months == 0:
        return f"{verb} {counted(days, 'день', 'дня', 'дней')} назад"
    return f"{verb} {counted(months, 'месяц', 'месяца', 'месяцев')} назад"


def is_young(registered: dt.date | None, today: dt.date) -> bool:
    return registered is not None and months_between(registered, today) < YOUNG_MONTHS


def status_text(status: str, registered: dt.date | None, today: dt.date, individual: bool = False) -> str:
    """The line for a status (`register.STATUSES`) and the registration date."""
    if status == "not_found":
        return NOT_FOUND_TEXT
    if status == "pending":
        return PENDING_TEXT
    young = is_young(registered, today)
    if status == "active":
        if registered is None:
            return "действующий ИП" if individual else "действующая"
        if young:
            return age_text(registered, today, individual)
        return f"{'действующий ИП' if individual else 'действующая'}, с {registered.year} г."
    text = (_STATUS_TEXT_IP if individual else _STATUS_TEXT).get(status, "статус неизвестен")
    if young and registered is not None:
        return f"{text}, {age_text(registered, today, individual)}"
    return text


def forwarder_text(number: str | None, since: dt.date | None) -> str:
    """The line about the register of transport forwarders (ГосЛог)."""
    if number is None:
        return "нет в реестре экспедиторов"
    return f"в реестре экспедиторов с {since:%d.%m.%Y}" if since else "в реестре экспедиторов"
