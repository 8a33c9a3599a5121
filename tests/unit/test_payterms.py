"""Payment terms (cargotool.core.payterms): comments as freight-board posters write them, each with the terms
written out by hand; the structured fields, the merge, the card's line and the list filters."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings, strategies as st

from cargotool.core.loads.models import Load
from cargotool.core.payterms import (
    UNKNOWN, UNKNOWN_TEXT, PaymentTerms, from_comment, from_structured, matches, merge, of_load,
)

# comment → (vat, form, timing, days, banking_days)
COMMENTS = {
    "Ставка с НДС 20%, оплата 7-10 б.д. по сканам ТТН": ("with", None, "deferred", 10, True),
    "НАЛ на выгрузке": (None, "cash", "on_unloading", None, False),
    "без ндс, на карту сразу": ("without", "card", "on_unloading", None, False),
    "Предоплата 30%, остаток по выгрузке": (None, None, "prepay", None, False),
    "Оплата б/н НДС, отсрочка 10 б.д.": ("with", "cashless", "deferred", 10, True),
    "б/н без НДС 5 банковских дней по оригиналам": ("without", "cashless", "deferred", 5, True),
    "Ставка без НДС, нал при выгрузке": ("without", "cash", "on_unloading", None, False),
    "Оплата наличными по факту выгрузки": (None, "cash", "on_unloading", None, False),
    "Оплата налом на выгрузке, грузим с 9:00": (None, "cash", "on_unloading", None, False),
    "перевод на карту по выгрузке, без ндс": ("without", "card", "on_unloading", None, False),
    "Безнал с НДС, оплата 5-7 банковских дней": ("with", "cashless", "deferred", 7, True),
    "Аванс 50% на загрузке, остаток 3 б.д. по сканам": (None, None, "deferred", 3, True),
    "Аванс 50%": (None, None, "prepay", None, False),
    "100% предоплата на карту": (None, "card", "prepay", None, False),
    "Оплата через 14 дней по оригиналам ТТН": (None, None, "deferred", 14, False),
    "б/нал, отсрочка 30 к.д.": (None, "cashless", "deferred", 30, False),
    "С НДС. Отсрочка платежа 15 банк. дней": ("with", None, "deferred", 15, True),
    "оплата по сканам": (None, None, "deferred", None, False),
    "Оплата по оригиналам документов, почтой": (None, None, "deferred", None, False),
    "ставка без НДС": ("without", None, None, None, False),
    "НДС": ("with", None, None, None, False),
    "без  НДС ,   НАЛ": ("without", "cash", None, None, False),
    "бЕз НдС, нАл НА вЫгрУзКе": ("without", "cash", "on_unloading", None, False),
    "Ставка с НДС 20 %, б/н, 7 р.д. после получения сканов": ("with", "cashless", "deferred", 7, True),
    "наличка сразу после выгрузки": (None, "cash", "on_unloading", None, False),
    "Расчёт наличными при выгрузке": (None, "cash", "on_unloading", None, False),
    "Без НДС не работаем, оплата 10 б/д": ("with", None, "deferred", 10, True),
    "НДС не нужен, нал": ("without", "cash", None, None, False),
    "оплата без отсрочки, б/н с НДС": ("with", "cashless", "on_unloading", None, False),
    "Безнал, предоплаты нет, 5-7 бд по сканам": (None, "cashless", "deferred", 7, True),
    "без предоплаты, по выгрузке на карту": (None, "card", "on_unloading", None, False),
    "Оплата в течение 3 б.д. после выгрузки, с НДС": ("with", None, "deferred", 3, True),
    "оплата на р/с, отсрочка 20 дней": (None, "cashless", "deferred", 20, False),
    "Нал не предлагать! Только безнал с НДС": ("with", "cashless", None, None, False),
    "Оплата СБП по выгрузке": (None, "card", "on_unloading", None, False),
    "Кэш на выгрузке": (None, "cash", "on_unloading", None, False),
    "ставка с ндс 20%, б/н, отсрочка": ("with", "cashless", "deferred", None, False),
    "Оплата по факту": (None, None, "on_unloading", None, False),
    "Без учёта НДС. Оплата 10-15 банковских дней по оригиналам": ("without", None, "deferred", 15, True),
    "Предоплата 30%, остаток 5 б.д. по оригиналам": (None, None, "deferred", 5, True),
    "НДС 0%, нал": ("without", "cash", None, None, False),
    "б/ндс, налом по выгрузке": ("without", "cash", "on_unloading", None, False),
    "Отсрочки нет, оплата сразу на карту": (None, "card", "on_unloading", None, False),
    "Ставка с НДС, оплата 7 банковских дней. Погрузка через 2 дня": ("with", None, "deferred", 7, True),
    "Оплата с ндс по факту выгрузки": ("with", None, "on_unloading", None, False),
    "За нал на погрузке": (None, "cash", "prepay", None, False),
    "Оплата: безнал с НДС 20%, 5-7 б/д по сканам ТТН/ТН": ("with", "cashless", "deferred", 7, True),
    "НДС 20% включен": ("with", None, None, None, False),
    "Оплата на карту физ. лицу": (None, "card", None, None, False),
    "50% на загрузке, 50% на выгрузке": (None, None, "prepay", None, False),
    "3-5 бд": (None, None, "deferred", 5, True),
    "10 банк.дн. отсрочка": (None, None, "deferred", 10, True),
    "отсрочка 30 дн.": (None, None, "deferred", 30, False),
    "оплата в течение 5 рабочих дней после получения оригиналов ТТН, ТН": (None, None, "deferred", 5, True),
    "Без НДС (на ИП)": ("without", None, None, None, False),
    "НДС не облагается": ("without", None, None, None, False),
    "Оплата на следующий день после выгрузки": (None, None, "deferred", 1, False),
    "оплата ПО ВЫГРУЗКЕ НАЛ": (None, "cash", "on_unloading", None, False),
    "Б/Н с НДС 14 к.д.": ("with", "cashless", "deferred", 14, False),
    "ОПЛАТА ЧЕРЕЗ 10-12 БАНК. ДНЕЙ": (None, None, "deferred", 12, True),
    "наличные, оплата по факту разгрузки": (None, "cash", "on_unloading", None, False),
    "Оплачиваем в течении 7 б.д.": (None, None, "deferred", 7, True),
    "НАЛ. Погрузка завтра с 8 утра": (None, "cash", None, None, False),
    "без ндс, предоплата 50% на карту, остаток на выгрузке": ("without", "card", "prepay", None, False),
    "оплата перечислением на р/с 10 б.д.": (None, "cashless", "deferred", 10, True),
    "Платим сразу после выгрузки": (None, None, "on_unloading", None, False),
}

# Comments that say two things at once or nothing about payment → the field (or all) unknown.
AMBIGUOUS = {
    "с НДС / без НДС": (None, None, None, None, False),
    "цена с НДС 100000, без НДС 92000": (None, None, None, None, False),
    "нал или безнал": (None, None, None, None, False),
    "нал/безнал, без ндс": ("without", None, None, None, False),
    "Предоплата или по выгрузке — обсуждается": (None, None, None, None, False),
    "отсрочка 10 б.д. или 5 б.д. со скидкой": (None, None, "deferred", None, False),
    "с ндс и без": (None, None, None, None, False),
    "Ставка 120 000 с НДС / 100 000 без НДС": (None, None, None, None, False),
    "Ставка без НДС. С НДС +20%": (None, None, None, None, False),
    "Оплата нал/б/н": (None, None, None, None, False),
}

NO_TERMS = [
    "Погрузка через 2 дня, выгрузка в течение 3 дней",
    "Налив, наличие пломбы обязательно",
    "Растентовка на выгрузке, помогут с погрузкой",
    "Груз готов, грузим сразу. Звонить после 10:00",
    "Паллеты 33 шт, 20 т, верхняя загрузка",
    "Медкнижка, санобработка, ТИР",
    "Срочно! Ждём машину на завтра",
    "по выгрузке позвонить менеджеру",
    "",
    "   ",
    "Сигнал: налоги и сборы без изменений",
    "Торг уместен",
    "выгрузка на следующий день",
]


def _fields(terms: PaymentTerms) -> tuple:
    return terms.vat, terms.form, terms.timing, terms.days, terms.banking_days


@pytest.mark.parametrize(("comment", "expected"), sorted({**COMMENTS, **AMBIGUOUS}.items()))
def test_a_comment_reads_as_written_by_hand(comment, expected):
    terms = from_comment(comment)
    assert _fields(terms) == expected
    assert terms.source == ("comment" if terms.known else None)


def test_there_are_at_least_forty_real_looking_comments():
    assert len(COMMENTS) >= 40


@pytest.mark.parametrize("comment", NO_TERMS)
def test_a_comment_without_terms_is_unknown(comment):
    assert from_comment(comment) == UNKNOWN
    assert from_comment(comment).text == UNKNOWN_TEXT


def test_none_is_unknown():
    assert from_comment(None) == UNKNOWN


def test_yo_and_ye_read_alike():
    assert from_comment("Расчёт наличными") == from_comment("Расчет наличными")


def test_latin_look_alike_letters_read_as_cyrillic():
    assert from_comment("c НДC, нaл").vat == "with"  # Latin c, C, a typed in a hurry
    assert from_comment("c НДC, нaл").form == "cash"


@pytest.mark.parametrize(("terms", "text"), [
    (PaymentTerms(vat="with", form="cashless", timing="deferred", days=5, banking_days=True),
     "с НДС, безнал, отсрочка 5 банк. дней"),
    (PaymentTerms(vat="without", form="cash", timing="on_unloading"), "без НДС, наличными при выгрузке"),
    (PaymentTerms(timing="deferred", days=1, banking_days=True), "отсрочка 1 банк. день"),
    (PaymentTerms(timing="deferred", days=3), "отсрочка 3 дня"),
    (PaymentTerms(timing="deferred"), "отсрочка"),
    (PaymentTerms(timing="on_unloading"), "оплата при выгрузке"),
    (PaymentTerms(form="card", timing="prepay", source="comment"), "на карту, предоплата (из комментария)"),
    (PaymentTerms(vat="with", source="marketplace"), "с НДС"),
    (PaymentTerms(), "условия оплаты не указаны"),
    (PaymentTerms(source="comment"), "условия оплаты не указаны"),
])
def test_the_card_line(terms, text):
    assert terms.text == text


def test_days_only_go_with_a_deferral():
    assert PaymentTerms(timing="prepay", days=5, banking_days=True).days is None
    assert PaymentTerms(timing="deferred", banking_days=True).banking_days is False


def test_the_api_shape():
    terms = from_comment("б/н НДС, отсрочка 10 б.д.")
    assert terms.as_api() == {"vat": "with", "form": "cashless", "timing": "deferred", "days": 10,
                              "source": "comment", "text": "с НДС, безнал, отсрочка 10 банк. дней (из комментария)"}


# ---- structured fields and the merge --------------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"vat": True, "in_cash": False, "deferral_days": 5, "banking_days": True},
     ("with", None, "deferred", 5, True)),
    ({"vat": False, "in_cash": True, "deferral_days": 0}, ("without", "cash", "on_unloading", None, False)),
    ({"prepay": True}, (None, None, "prepay", None, False)),
    ({"prepay": 30, "deferral_days": 7}, (None, None, "deferred", 7, False)),
    ({"prepay": 0}, (None, None, None, None, False)),
    ({"prepay": False, "in_cash": False, "cashless": True}, (None, "cashless", None, None, False)),
    ({"in_cash": True, "card": True}, (None, None, None, None, False)),
    ({}, (None, None, None, None, False)),
])
def test_structured_fields(kwargs, expected):
    terms = from_structured(**kwargs)
    assert _fields(terms) == expected
    assert terms.source == ("marketplace" if terms.known else None)


def test_structured_wins_field_by_field_and_the_comment_fills_the_rest():
    structured = from_structured(vat=True, in_cash=None, deferral_days=None)
    comment = from_comment("без НДС, нал, отсрочка 5 б.д.")
    merged = merge(structured, comment)
    assert _fields(merged) == ("with", "cash", "deferred", 5, True)
    assert merged.source == "comment"
    assert merged.text == "с НДС, наличными, отсрочка 5 банк. дней (из комментария; в нём же: без НДС)"


def test_a_merge_without_anything_from_the_comment_stays_the_marketplaces():
    merged = merge(from_structured(vat=False, in_cash=True, deferral_days=0), from_comment("без ндс, нал"))
    assert merged.source == "marketplace"
    assert merged.text == "без НДС, наличными при выгрузке"


def test_the_comments_days_complete_a_structured_deferral_only():
    assert merge(from_structured(deferral_days=0), from_comment("отсрочка 10 б.д.")).days is None
    structured = PaymentTerms(timing="deferred", source="marketplace")
    merged = merge(structured, from_comment("отсрочка 10 б.д."))
    assert (merged.timing, merged.days, merged.banking_days, merged.source) == ("deferred", 10, True, "comment")


@pytest.mark.parametrize(("structured", "comment", "text"), [
    (from_structured(vat=False), "Ставка с НДС 20%", "без НДС (в комментарии: с НДС)"),
    (from_structured(vat=True, in_cash=True), "без ндс, безнал", "с НДС, наличными (в комментарии: без НДС, безнал)"),
    (from_structured(deferral_days=0), "отсрочка 30 дней", "оплата при выгрузке (в комментарии: отсрочка 30 дней)"),
    (from_structured(deferral_days=5, banking_days=True), "оплата 10 б.д.",
     "отсрочка 5 банк. дней (в комментарии: отсрочка 10 банк. дней)"),
    (from_structured(prepay=True), "оплата на выгрузке", "предоплата (в комментарии: оплата при выгрузке)"),
])
def test_a_comment_that_contradicts_the_structured_terms_is_shown_not_hidden(structured, comment, text):
    merged = merge(structured, from_comment(comment))
    assert merged.text == text
    assert merged.source == "marketplace"  # the structured values still win
    assert merged.vat == structured.vat and merged.timing == structured.timing


def test_a_comment_that_agrees_or_says_nothing_is_no_dispute():
    assert merge(from_structured(vat=False), from_comment("без НДС")).disputed == ()
    assert merge(from_structured(deferral_days=5), from_comment("отсрочка")).disputed == ()  # no days: no other number
    assert merge(from_structured(vat=False), from_comment("звонить")).text == "без НДС"
    assert "disputed" not in merge(from_structured(vat=False), from_comment("с НДС")).as_api()  # the API keeps its names


def test_merging_two_unknowns_is_unknown():
    assert merge(from_structured(), from_comment("звонить")) == UNKNOWN


# ---- filters --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("comment", "vat", "no_deferral", "passes"), [
    ("с НДС", "with", False, True),
    ("без НДС", "with", False, False),
    ("без НДС", "without", False, True),
    ("звонить", "with", False, False),  # unknown never matches a positive filter
    ("звонить", "without", False, False),
    ("звонить", None, False, True),  # … and every load matches no filter
    ("нал по выгрузке", None, True, True),
    ("предоплата", None, True, True),
    ("отсрочка 5 б.д.", None, True, False),
    ("с НДС", None, True, False),  # timing unknown is not «без отсрочки»
    ("с НДС, по выгрузке б/н", "with", True, True),
    ("без НДС, по выгрузке", "with", True, False),
])
def test_filters(comment, vat, no_deferral, passes):
    assert matches(from_comment(comment), vat=vat, no_deferral=no_deferral) is passes


# ---- properties -----------------------------------------------------------------------------------------

_WORDS = sorted({w for comment in [*COMMENTS, *AMBIGUOUS, *NO_TERMS] for w in comment.split()})
_ALPHABET = st.characters(whitelist_categories=("Lu", "Ll", "Nd", "Po", "Pd", "Zs"), max_codepoint=0x4FF)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_reads_without_error(text):
    terms = from_comment(text)
    assert isinstance(terms.text, str) and terms.text


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_WORDS), st.text(_ALPHABET, max_size=8)), max_size=12))
def test_case_does_not_matter(words):
    text = " ".join(words)
    assert from_comment(text.upper()) == from_comment(text) == from_comment(text.lower())


def test_only_the_start_of_a_long_pasted_note_is_read():
    assert from_comment("груз " * 1000 + "без НДС") == UNKNOWN  # past MAX_NOTE characters
    assert from_comment("без НДС, " + "по выгрузке, " * 3000).timing == "on_unloading"


def test_a_loads_terms_complete_the_structured_ones_from_its_comment():
    load = Load(id="1", origin=None, destination=None, weight_kg=None, volume_m3=None, distance_km=None,
                price_kopecks=None, price_source=None, rate_kopecks_per_km=None, body_types=(), load_types=(),
                company=None, note="Ставка с НДС, оплата 7 б.д. по сканам")
    assert of_load(load).text == "с НДС, отсрочка 7 банк. дней (из комментария)"
    assert of_load(load, from_structured(vat=False)).text == "без НДС, отсрочка 7 банк. дней (из комментария; в нём же: с НДС)"
    assert of_load(replace(load, note=None)) == UNKNOWN
