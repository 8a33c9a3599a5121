"""Russian city phrases and plurals (cargotool.core.words) against forms written out by hand."""

from __future__ import annotations

import csv

import pytest

from cargotool.core.insights.gazetteer import SOURCE
from cargotool.core.words import city_phrase, counted, declined, from_city, in_city, plural, to_city

# Written by hand, not produced by the code: name as the gazetteer spells it → «из …», «в …» (where to),
# «в …» (where).
EXPECTED = {
    "Москва": ("из Москвы", "в Москву", "в Москве"),
    "Санкт-Петербург": ("из Санкт-Петербурга", "в Санкт-Петербург", "в Санкт-Петербурге"),
    "Екатеринбург": ("из Екатеринбурга", "в Екатеринбург", "в Екатеринбурге"),
    "Нижний Новгород": ("из Нижнего Новгорода", "в Нижний Новгород", "в Нижнем Новгороде"),
    "Казань": ("из Казани", "в Казань", "в Казани"),
    "Ростов-на-Дону": ("из Ростова-на-Дону", "в Ростов-на-Дону", "в Ростове-на-Дону"),
    "Краснодар": ("из Краснодара", "в Краснодар", "в Краснодаре"),
    "Пермь": ("из Перми", "в Пермь", "в Перми"),
    "Тольятти": ("из Тольятти", "в Тольятти", "в Тольятти"),
    "Ульяновск": ("из Ульяновска", "в Ульяновск", "в Ульяновске"),
    "Набережные Челны": ("из Набережных Челнов", "в Набережные Челны", "в Набережных Челнах"),
    "Брянск": ("из Брянска", "в Брянск", "в Брянске"),
    "Тверь": ("из Твери", "в Тверь", "в Твери"),
    "Нижний Тагил": ("из Нижнего Тагила", "в Нижний Тагил", "в Нижнем Тагиле"),
    "Улан-Удэ": ("из Улан-Удэ", "в Улан-Удэ", "в Улан-Удэ"),
    "Владимир": ("из Владимира", "во Владимир", "во Владимире"),
    "Сочи": ("из Сочи", "в Сочи", "в Сочи"),
    "Орёл": ("из Орла", "в Орёл", "в Орле"),
    "Орел": ("из Орла", "в Орел", "в Орле"),
    "Йошкар-Ола": ("из Йошкар-Олы", "в Йошкар-Олу", "в Йошкар-Оле"),
    "Старый Оскол": ("из Старого Оскола", "в Старый Оскол", "в Старом Осколе"),
    "Великий Новгород": ("из Великого Новгорода", "в Великий Новгород", "в Великом Новгороде"),
    "Владивосток": ("из Владивостока", "во Владивосток", "во Владивостоке"),
    "Кемерово": ("из Кемерово", "в Кемерово", "в Кемерово"),  # -ово names stay undeclined (see words.py)
    "Химки": ("из Химок", "в Химки", "в Химках"),
    "Грозный": ("из Грозного", "в Грозный", "в Грозном"),
}


def largest_russian_cities(count: int = 100) -> list[list[str]]:
    """The names (all spellings) of the `count` most populous Russian places in the gazetteer."""
    with SOURCE.open(encoding="utf-8", newline="") as source:
        rows = [row for row in csv.DictReader(source) if row["country"] == "RU"]
    rows.sort(key=lambda row: -int(row["population"]))
    return [row["names"].split("|") for row in rows[:count]]


LARGEST = largest_russian_cities()


def test_the_hand_written_names_are_the_gazetteers_largest_cities():
    spellings = {name for names in LARGEST for name in names}
    assert set(EXPECTED) <= spellings


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hand_written_forms(name):
    assert (from_city(name), to_city(name), in_city(name)) == EXPECTED[name]


def test_every_spelling_of_the_100_largest_gives_a_phrase():
    districts = set()
    for names in LARGEST:
        phrases = [from_city(name) for name in names]
        for name, phrase in zip(names, phrases, strict=True):
            bare = name.removeprefix("г. ")  # one spelling is «г. Грозный»
            assert phrase.startswith("из ") and len(phrase) > len("из ")
            if phrase.startswith("из г. "):
                assert phrase == f"из г. {bare}"  # the fallback keeps the name exactly
            else:
                assert phrase[3:5] == bare[:2]  # declension changes endings, never the start or its capital
        if all(phrase.startswith("из г. ") for phrase in phrases):
            districts.add(names[0])
    # Only city districts the gazetteer lists as places (Moscow's, St Petersburg's, …) are unknown to the
    # dictionary under every spelling; each of the other 94 towns declines under at least one of its names.
    assert districts == {"Калининский", "Красногвардейский", "Центральный", "Василеостровский",
                         "Северный"}


@pytest.mark.parametrize("name", ["Усть-Кутск", "Великие Луки", "Санкт Петербург", "Москва (обл.)", "Центральный",
                                  "Лос-Анджелесбург"])
def test_a_name_the_dictionary_does_not_know_as_a_place_stays_after_g(name):
    assert from_city(name) == f"из г. {name}"
    assert to_city(name) == f"в г. {name}"
    assert declined(name, "gent") is None


def test_a_name_that_is_also_a_person_or_a_thing_is_declined_as_a_place():
    assert to_city("Владимир") == "во Владимир"  # a person would be «Владимира»
    assert from_city("Курган") == "из Кургана" and from_city("Шахты") == "из Шахт"


def test_hyphenated_names_the_dictionary_lacks_as_a_whole():
    assert from_city("Каменск-Уральский") == "из Каменска-Уральского"
    assert in_city("Переславль-Залесский") == "в Переславле-Залесском"


def test_given_prefix_spacing_and_capitals():
    assert from_city("г. Москва") == "из Москвы"
    assert from_city("  Нижний   Новгород ") == "из Нижнего Новгорода"
    assert from_city("СПб") == "из СПб"
    assert from_city("НИЖНИЙ НОВГОРОД") == "из НИЖНЕГО НОВГОРОДА" and from_city("Йошкар-ола") == "из Йошкар-олы"
    assert from_city("") == "из г. ?"


def test_other_prepositions():
    assert city_phrase("до", "Казань") == "до Казани"
    assert city_phrase("по", "Набережные Челны") == "по Набережным Челнам"
    assert city_phrase("с", "Смоленск") == "со Смоленска"
    assert city_phrase("в", "Фрязино") == "во Фрязино"
    with pytest.raises(ValueError):
        city_phrase("между", "Казань")


@pytest.mark.parametrize("count, word", [(0, "грузов"), (1, "груз"), (2, "груза"), (4, "груза"), (5, "грузов"),
                                         (11, "грузов"), (12, "грузов"), (14, "грузов"), (21, "груз"), (22, "груза"),
                                         (101, "груз"), (111, "грузов"), (112, "грузов"), (1004, "груза")])
def test_plural(count, word):
    assert plural(count, "груз", "груза", "грузов") == word
    assert counted(count, "груз", "груза", "грузов") == f"{count} {word}"


def test_names_in_ovo_ino_stay_undeclined_so_they_name_no_other_town():
    assert from_city("Пушкино") == "из Пушкино" and in_city("Пушкино") == "в Пушкино"  # not «Пушкина», another town
    assert from_city("Голицыно") == "из Голицыно" and to_city("Иваново") == "в Иваново"


def test_a_feminine_name_goes_to_the_accusative_like_its_other_cases():
    assert to_city("Белая Калитва") == "в Белую Калитву"
    assert from_city("Белая Калитва") == "из Белой Калитвы" and in_city("Белая Калитва") == "в Белой Калитве"
