"""Russian that agrees: a city name after a preposition («из Краснодара», «во Владимир») and a noun after a
number («2 груза»). Every driver-facing phrase with a city or a count goes through here.

Cities are declined with pymorphy3 and its OpenCorpora dictionary, which marks place names `Geox`. A name is
declined only when the dictionary knows it as a place (and the words before it as adjectives agreeing with
it: «Нижний Новгород», «Набережные Челны»); anything else keeps its nominative after «г.» («из г. Великие Луки»),
which the official style allows. The analyser is built once per process, on first use, and every declension
is remembered, so a hot path pays a dictionary lookup once per city.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Any

# The grammatical case each preposition takes when followed by a city, as the texts use them:
# «из/до/от Москвы», «в Москву» (where to; «в Москве» — where — is `in_city`), «по Москве», «к Москве».
PREPOSITION_CASE = {"из": "gent", "до": "gent", "от": "gent", "с": "gent", "около": "gent", "у": "gent",
                    "в": "accs", "на": "accs", "через": "accs", "по": "datv", "к": "datv", "о": "loct"}
CASES = frozenset({"nomn", "gent", "datv", "accs", "ablt", "loct"})
_CITY_TEXT = re.compile(r"[А-Яа-яЁё]+(?:[ -][А-Яа-яЁё]+){0,4}")
_CITY_PREFIX = re.compile(r"^(?:г\.|город)\s*", re.IGNORECASE)
# «на/над/под/у» inside a hyphenated name («Ростов-на-Дону»): only the part before them declines.
_LINKS = frozenset({"на", "над", "под", "у"})
_VOWELS = frozenset("аеёиоуыэюяьъй")
_MAX_WORDS = 3
# Place names in -ово/-ево/-ино/-ыно are left undeclined, as modern usage (and every load board) does: the
# declined form is often another town's name (Пушкино → «из Пушкина», Голицыно → «из Голицына»).
_UNDECLINED_ENDINGS = ("ово", "ёво", "ево", "ино", "ыно")

_lock = threading.Lock()
_analyser: Any = None


def _morph() -> Any:
    """The process's one MorphAnalyzer (tens of megabytes of dictionary), built on first use."""
    global _analyser
    if _analyser is None:
        with _lock:
            if _analyser is None:
                import pymorphy3  # imported here so that importing cargotool does not load the dictionary

                _analyser = pymorphy3.MorphAnalyzer(lang="ru")
    return _analyser


def warm_up() -> None:
    """Build the analyser now (about a second on a busy machine) — call it off the event loop at start-up, so
    that no request waits for it."""
    declined("Москва", "gent")


# ---- numbers ---------------------------------------------------------------------------------------------

def plural(count: int, one: str, few: str, many: str) -> str:
    """The form of a noun after `count`: plural(1, "груз", "груза", "грузов") → "груз", 3 → "груза", 11 → "грузов"."""
    n = abs(count)
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def counted(count: int, one: str, few: str, many: str) -> str:
    """«21 груз», «3 груза», «0 грузов»."""
    return f"{count} {plural(count, one, few, many)}"


# ---- cities ----------------------------------------------------------------------------------------------

def from_city(name: str) -> str:
    """«из Краснодара», «из Набережных Челнов», «из г. Великие Луки» (a name the dictionary does not know)."""
    return city_phrase("из", name)


def to_city(name: str) -> str:
    """«в Казань», «во Владимир»."""
    return city_phrase("в", name)


def in_city(name: str) -> str:
    """«в Казани», «во Владимире»."""
    return city_phrase("в", name, "loct")


def city_phrase(preposition: str, name: str, case: str | None = None) -> str:
    """`preposition` + `name` in the case it governs (or `case`), with «во/со» where Russian wants them.

    A name that cannot be declined safely stays as given after «г.»: «из г. Великие Луки»."""
    name = " ".join(str(name or "").split())
    grammatical = case or PREPOSITION_CASE.get(preposition)
    if grammatical not in CASES:
        raise ValueError(f"no case known for the preposition {preposition!r}")
    bare = _CITY_PREFIX.sub("", name)
    form = declined(bare, grammatical) if bare else None
    if form is None:
        return f"{preposition} г. {bare or '?'}"
    return f"{_euphonic(preposition, form)} {form}"


@lru_cache(maxsize=4096)
def declined(name: str, case: str) -> str | None:
    """`name` in `case` ("gent", "accs", …) with its capitalisation kept, or None when the dictionary does not
    know it as a place (or as adjectives + a place). Indeclinable names (Сочи, Улан-Удэ) come back unchanged."""
    if case not in CASES or not _CITY_TEXT.fullmatch(name):
        return None
    words = name.split(" ")
    if len(words) > _MAX_WORDS:
        return None
    if words[-1].lower().endswith(_UNDECLINED_ENDINGS):
        return name  # «из Пушкино», not «из Пушкина» — which is another town
    head = _place(words[-1].lower())
    if head is None:
        return None
    head_form = _inflect_place(head, words[-1].lower(), case)
    if head_form is None:
        return None
    grammar = head.tag
    adjectives = []
    for word in words[:-1]:
        adjective = _adjective(word.lower(), grammar)
        if adjective is None:
            return None
        adjectives.append(_inflect_adjective(adjective, grammar, case))
    if any(a is None for a in adjectives):
        return None
    return " ".join(_like(original, new) for original, new in zip(words, [*adjectives, head_form], strict=True))


def _place(word: str) -> Any | None:
    """The dictionary's nominative place-name parse of `word` (or of the part before a hyphen, for
    «Каменск-Уральский»-like names it lacks), preferring it over people («Владимир») and things («Орёл»)."""
    for parse in _morph().parse(word):
        tag = parse.tag
        if parse.is_known and "Geox" in tag and tag.POS == "NOUN" and tag.case == "nomn" and \
                (tag.number == "sing" or "Pltm" in tag):  # not «Ростовы», a plural of a singular name
            return parse
    if "-" in word:
        first = word.split("-", 1)[0]
        return _place(first) if first != word else None
    return None


def _inflect_place(head: Any, word: str, case: str) -> str | None:
    if _plain(head.word) == _plain(word):  # the dictionary knows the whole (hyphenated) word
        form = head.inflect({case})
        return form.word if form is not None else None
    parts = word.split("-")
    form = head.inflect({case})
    if form is None:
        return None
    if len(parts) >= 3 and parts[1] in _LINKS:  # «ростов-на-дону» when only «ростов» is known
        return "-".join([form.word, *parts[1:]])
    if len(parts) == 2:  # «каменск-уральский»: a place and an adjective agreeing with it
        adjective = _adjective(parts[1], head.tag)
        tail = _inflect_adjective(adjective, head.tag, case) if adjective is not None else None
        return f"{form.word}-{tail}" if tail is not None else None
    return None


def _adjective(word: str, head: Any) -> Any | None:
    """A nominative adjective parse of `word` agreeing in number (and gender, in the singular) with `head`."""
    for parse in _morph().parse(word):
        tag = parse.tag
        if not parse.is_known or tag.POS != "ADJF" or tag.case != "nomn" or tag.number != head.number:
            continue
        if head.number == "sing" and tag.gender != head.gender:
            continue
        return parse
    return None


def _inflect_adjective(adjective: Any, head: Any, case: str) -> str | None:
    grammemes = {case, head.number}
    if head.number == "sing":
        grammemes.add(head.gender)
    if case == "accs" and (head.number == "plur" or head.gender == "masc"):
        grammemes.add("inan")  # a town is inanimate: «в Нижний Новгород», not «в Нижнего» (feminine has one form)
    form = adjective.inflect(grammemes)
    return form.word if form is not None else None


def _plain(word: str) -> str:
    return word.replace("ё", "е")


def _like(original: str, new: str) -> str:
    """`new` written as `original` was: capitals per hyphenated part, and «е» kept if the name had no «ё»."""
    if _plain(new) == _plain(original.lower()):
        return original  # unchanged (Сочи, СПб): keep the spelling as given
    if "ё" not in original.lower():
        new = new.replace("ё", "е")
    old_parts, new_parts = original.split("-"), new.split("-")
    if len(old_parts) != len(new_parts):
        return new[:1].upper() + new[1:] if original[:1].isupper() else new
    return "-".join(n.upper() if len(o) > 1 and o.isupper() else n[:1].upper() + n[1:] if o[:1].isupper() else n
                    for o, n in zip(old_parts, new_parts, strict=True))


def _euphonic(preposition: str, word: str) -> str:
    """«во Владимир», «во Фрязино», «во Пскове», «со Смоленска»: the vowel Russian adds before a hard cluster."""
    lower = word.lower()
    if preposition == "в" and (_cluster_after(lower, "вф") or lower.startswith(("пск", "рж", "льв", "льг", "мц"))):
        return "во"
    if preposition == "с" and _cluster_after(lower, "сзшж"):
        return "со"
    if preposition == "к" and lower.startswith(("мн", "вс")):
        return "ко"
    return preposition


def _cluster_after(word: str, first_letters: str) -> bool:
    return len(word) > 1 and word[0] in first_letters and word[1] not in _VOWELS
