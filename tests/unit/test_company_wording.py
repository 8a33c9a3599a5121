"""The company register's lines (core/companycheck/wording.py) and the reading of DaData's party answer."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, strategies as st

from cargotool.core.companycheck.register import read_party, with_forwarder
from cargotool.core.companycheck.wording import age_text, is_young, months_between, status_text
from cargotool.standin.dadata import FATES, DadataStandIn

TODAY = dt.date(2026, 12, 4)
days = st.dates(min_value=dt.date(1991, 1, 1), max_value=dt.date(2030, 12, 31))


def test_the_issue_s_examples():
    assert status_text("active", dt.date(2014, 5, 20), TODAY) == "действующая, с 2014 г."
    assert status_text("liquidating", dt.date(2014, 5, 20), TODAY) == "ликвидируется"
    assert status_text("active", dt.date(2026, 10, 1), TODAY) == "создана 2 месяца назад"


def test_forms_after_numbers():
    assert age_text(dt.date(2026, 11, 3), TODAY) == "создана 1 месяц назад"
    assert age_text(dt.date(2026, 7, 1), TODAY) == "создана 5 месяцев назад"
    assert age_text(dt.date(2026, 11, 13), TODAY) == "создана 21 день назад"
    assert age_text(dt.date(2026, 11, 22), TODAY) == "создана 12 дней назад"
    assert age_text(dt.date(2026, 12, 1), TODAY) == "создана 3 дня назад"
    assert age_text(TODAY - dt.timedelta(days=1), TODAY) == "создана вчера"
    assert age_text(TODAY, TODAY) == "создана сегодня"
    assert age_text(dt.date(2026, 1, 4), TODAY, individual=True) == "ИП зарегистрирован 11 месяцев назад"


def test_other_statuses_and_a_young_one_says_both():
    assert status_text("liquidated", dt.date(2010, 1, 1), TODAY) == "ликвидирована"
    assert status_text("bankrupt", dt.date(2010, 1, 1), TODAY) == "банкротство"
    assert status_text("liquidating", dt.date(2026, 9, 1), TODAY) == "ликвидируется, создана 3 месяца назад"
    assert status_text("liquidated", dt.date(2010, 1, 1), TODAY, individual=True) == "ИП прекратил деятельность"
    assert status_text("active", dt.date(2019, 1, 1), TODAY, individual=True) == "действующий ИП, с 2019 г."
    assert status_text("not_found", None, TODAY) == "нет в реестре ЕГРЮЛ/ЕГРИП"
    assert status_text("pending", None, TODAY) == "проверяется"
    assert status_text("unknown", dt.date(2010, 1, 1), TODAY) == "статус неизвестен"


def _form_agrees(count: int, word: str, forms: tuple[str, str, str]) -> bool:
    n = count % 100
    expected = forms[2] if 11 <= n <= 14 else forms[0] if n % 10 == 1 else forms[1] if 2 <= n % 10 <= 4 else forms[2]
    return word == expected


@given(registered=days, today=days)
def test_age_wording_is_grammatical_for_any_dates(registered, today):
    text = age_text(registered, today)
    assert text.startswith("создана ")
    words = text.split()
    if today <= registered:
        assert text == "создана сегодня"
    elif words[1] == "вчера":
        assert (today - registered).days == 1
    else:
        count, unit = int(words[1]), words[2]
        assert words[-1] == "назад" and count >= 1
        if unit in ("месяц", "месяца", "месяцев"):
            assert _form_agrees(count, unit, ("месяц", "месяца", "месяцев"))
            assert count == months_between(registered, today)
        else:
            assert _form_agrees(count, unit, ("день", "дня", "дней")) and count == (today - registered).days < 32


@given(registered=days, today=days)
def test_young_means_under_a_year_and_an_old_active_company_shows_its_year(registered, today):
    young = is_young(registered, today)
    assert young == (months_between(registered, today) < 12)
    text = status_text("active", registered, today)
    assert text == (age_text(registered, today) if young else f"действующая, с {registered.year} г.")


def _months_by_counting(start: dt.date, end: dt.date) -> int:
    """The reference (a start on day ≤ 28): step a month at a time while the same day of the month is not past `end`."""
    count = 0
    while True:
        year, month = divmod(start.month + count, 12)  # the month after `count` months: 0-based month + 1
        if dt.date(start.year + year, month + 1, start.day) > end:
            return count
        count += 1


@given(start=days, end=days)
def test_months_between_is_whole_months(start, end):
    if end < start:
        assert months_between(start, end) == 0
    elif start.day <= 28:  # a month-end start: calendars disagree on «a month after 31 January»
        assert months_between(start, end) == _months_by_counting(start, end)
    else:
        assert months_between(start, end) >= _months_by_counting(start.replace(day=28), end) - 1


def test_the_stand_in_s_answers_read_back():
    standin = DadataStandIn("k", today=TODAY)
    for inn, (status, age_days, number) in FATES.items():
        registration = read_party(inn, [standin.party(inn)])
        assert registration.status == status.lower() and registration.registered == TODAY - dt.timedelta(days=age_days)
        listed = with_forwarder(registration, [standin.forwarder(inn, number)] if number else [])
        assert listed.forwarder_checked and listed.forwarder_number == number
    assert read_party("7707083893", []).status == "not_found"
    assert read_party("7707083893", [{"data": {"state": {"status": "SOMETHING_NEW"}}}]).status == "unknown"


def test_the_stand_in_dataset_s_inns_are_valid():
    from cargotool.core.shortlist.inn import is_valid_inn
    from cargotool.standin.dataset import COMPANIES, OUR_COMPANY

    assert all(is_valid_inn(c["inn"]) and len(c["inn"]) == 10 for c in (*COMPANIES, OUR_COMPANY))
