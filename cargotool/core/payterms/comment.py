"""Payment terms read from a load's free-text comment (`extra.note`), as freight-board posters write them.

The comment is folded (case, «ё», Latin look-alike letters, spaces), then each field collects *mentions*:
VAT from every «ндс» and the words right before and after it («без ндс», «б/ндс», «ндс не нужен», «без ндс
не работаем»); the form from «нал», «безнал», «б/н», «на карту» …; the timing from «предоплата», «по
выгрузке», «отсрочка», «по оригиналам», «7-10 б.д.» …. A field whose mentions disagree («с НДС / без НДС»,
«нал или безнал») stays None — never a guess. Timings that are stated together («предоплата 30%, остаток
по выгрузке») resolve by `TIMING_PRIORITY`, unless offered as alternatives («… или …»).

Phrases that also occur outside payment («на выгрузке», «через 2 дня», «сразу») count only when a payment
word is near (`_PAYMENT`): in the same clause, or for «сразу» within a few words; «по выгрузке» when the
note speaks of payment anywhere.

Readings worth knowing: «б/н» alone is безнал, «б/н НДС» безнал with VAT, «б/ндс» without VAT; «без НДС не
работаем» is with VAT; «без отсрочки» is paid at unloading; paying on loading («нал на погрузке») is a
prepayment; «по сканам», «по оригиналам» are a deferral of unknown days; «на следующий день» is 1 day;
«рабочие дни» count as banking days; a range keeps its upper end. Only the first `MAX_NOTE` characters are read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .terms import TIMING_PRIORITY, UNKNOWN, PaymentTerms

_LOOKALIKES = str.maketrans("aceopxkmthyb", "асеорхкмтнув")
MAX_NOTE = 4000  # characters read: comments are a few lines; this bounds the work on anything pasted in
_CLAUSE_REACH = 200  # a clause is looked for this far either side of a phrase
_BOUNDARY = re.compile(r"[,;\n!?()]|\.\s")
_ALTERNATIVE = re.compile(r"(?<![а-я])(?:или|либо)(?![а-я])|\s/\s|[а-я]{2}/[а-я]{2}")
_NO = r"(?<![а-я])(?:не|нет)\s+$"
_REFUSED_AFTER = re.compile(
    r"^[\s.]*(?:не\s+(?:работ|рассматр|бер|груз|интерес|предлаг|нуж|надо|треб|принима|возм|облага|предусм)"
    r"|нет(?![а-я]))")
_PAYMENT = re.compile(
    r"оплат|оплач|расчет|платеж|(?<![а-я])плат[иея]|деньг|\d\s*%|остат|отсрочк|безнал|б/н|(?<![а-я])нал|наличн|на\s+карт|перевод"
    r"|ндс|скан|оригинал|аванс|предоплат|ставк|(?<![а-я])руб|₽|кэш|(?<![а-я])кеш|сбп|картой|р/с|перечисл")

_NDS = re.compile(r"(?<![а-я])ндс(?![а-я])")
_VAT_WITHOUT_BEFORE = re.compile(
    r"(?:(?<![а-я])(?:без|бес|не|нет)(?:\s+(?:учета|включения|включая))?[\s-]*|б[/.]\s*)$")
_VAT_BOTH_AFTER = re.compile(r"^\s*(?:и|или|/)\s*(?:без|с)(?![а-я])")
_VAT_ZERO_AFTER = re.compile(r"^\s*0\s*%")

_CASHLESS = re.compile(r"(?<![а-я])бе[зс]\s?нал[а-я]*|б/нал[а-я]*|(?<![а-я])б/н(?![а-я])|перечислени[а-я]*"
                       r"|(?<![а-я])р/сч?(?![а-я])|расчетн[а-я]*\s+сч[а-я]*|(?<![а-я])по\s+счету")
_CASH = re.compile(r"(?<![а-я/])(?:нал(?:ом|а|у|ик[а-я]*|ичн[а-я]*|ичк[а-я]*)?|кэш[а-я]*|кеш)(?![а-я])")
_CARD = re.compile(r"(?<![а-я])(?:на\s+карт(?:у|очку|ы)|картой|сбп|на\s+сбер[а-я]*)(?![а-я])")

_DAYS = re.compile(
    r"(?<![\d.,])(\d{1,3})(?:\s*(?:-|–|—|до)\s*(\d{1,3}))?\s*"
    r"(?:(?P<banking>б\.?\s?д(?![а-я])\.?|б/д|банк[а-я]*\.?\s*(?:дн[а-я]*|д(?![а-я])\.?)|рабоч[а-я]*\s+дн[а-я]*"
    r"|р\.?\s?д(?![а-я])\.?|р/д)"
    r"|(?P<calendar>к\.?\s?д(?![а-я])\.?|к/д)"
    r"|(?P<loose>календарн[а-я]*\s+дн[а-я]*|дн(?:ей|я|\.)?(?![а-я])|день))")
_NEXT_DAY = re.compile(r"(?<![а-я])на\s+следующий\s+(?P<banking>банковский\s+|рабочий\s+)?день")


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]
    value: str
    scope: str = "any"  # "any": always; "clause": a payment word in the clause; "note": … in the note; "near"


_TIMING_RULES = (
    _Rule(re.compile(r"предоплат[а-я]*|(?<![а-я])аванс[а-я]*"), "prepay"),
    _Rule(re.compile(r"(?<![а-я])(?:на|при|по|после)\s+(?:загрузк|погрузк)[а-я]*"), "prepay", "clause"),
    _Rule(re.compile(r"(?<![а-я])по\s+(?:факту\s+)?(?:выгрузк|разгрузк)[а-я]*"), "on_unloading", "note"),
    _Rule(re.compile(r"(?<![а-я])(?:на|при|после|в\s+день)\s+(?:выгрузк|разгрузк)[а-я]*|(?<![а-я])по\s+факту"),
          "on_unloading", "clause"),
    _Rule(re.compile(r"(?<![а-я])сразу(?![а-я])"), "on_unloading", "near"),
    _Rule(re.compile(r"отсрочк[а-я]*"), "deferred"),
    _Rule(re.compile(r"(?<![а-я])по\s+(?:получени[а-я]*\s+)?(?:оригинал|скан|копи)[а-я]*"), "deferred"),
)


@dataclass(frozen=True)
class _Mention:
    start: int
    value: str


def fold(note: str) -> str:
    """Lower case, «ё» as «е», Latin look-alikes as Cyrillic («НДC» with a Latin C), single spaces."""
    text = note.casefold().replace("ё", "е").translate(_LOOKALIKES)
    return re.sub(r"[ \t\u00a0]+", " ", text)


def from_comment(note: str | None) -> PaymentTerms:
    """The terms a comment states, each field None when it does not say or says it two ways."""
    if not note:
        return UNKNOWN
    text = fold(note[:MAX_NOTE])
    days, banking = _days(text)
    timing = _timing(text, deferred_days_given=days is not None or banking)
    return PaymentTerms(vat=_vat(text), form=_form(text), timing=timing,  # type: ignore[arg-type]
                        days=days, banking_days=banking, source="comment")


def _vat(text: str) -> str | None:
    values = set()
    for match in _NDS.finditer(text):
        before, after = text[max(0, match.start() - 20):match.start()], text[match.end():match.end() + 40]
        value = "without" if _VAT_WITHOUT_BEFORE.search(before) or _VAT_ZERO_AFTER.match(after) else "with"
        if _REFUSED_AFTER.match(after):
            value = "with" if value == "without" else "without"
        values.add(value)
        if _VAT_BOTH_AFTER.match(after):
            values.update(("with", "without"))
    return values.pop() if len(values) == 1 else None


def _form(text: str) -> str | None:
    values = set()
    for pattern, value in ((_CASHLESS, "cashless"), (_CASH, "cash"), (_CARD, "card")):
        for match in pattern.finditer(text):
            if not _refused(text, match):
                values.add(value)
        text = pattern.sub(lambda m: " " * len(m.group()), text)  # «без нала» is not also «нал»
    return values.pop() if len(values) == 1 else None


def _timing(text: str, deferred_days_given: bool) -> str | None:
    mentions = [_Mention(-1, "deferred")] if deferred_days_given else []
    note_speaks_of_payment = bool(_PAYMENT.search(text))  # the "note" phrases hold no payment word themselves
    for rule in _TIMING_RULES:
        for match in rule.pattern.finditer(text):
            if rule.scope == "note" and not note_speaks_of_payment:
                continue
            if rule.scope not in ("any", "note") and not _in_payment_context(text, match, rule.scope):
                continue
            if not _refused(text, match):
                mentions.append(_Mention(match.start(), rule.value))
            elif rule.value == "deferred" and "отсрочк" in match.group():
                mentions.append(_Mention(match.start(), "on_unloading"))  # «без отсрочки»: paid on the spot
    return _resolve_timing(text, mentions)


def _resolve_timing(text: str, mentions: list[_Mention]) -> str | None:
    kinds = {mention.value for mention in mentions}
    placed = sorted((m for m in mentions if m.start >= 0), key=lambda m: m.start)
    for first, second in zip(placed, placed[1:], strict=False):
        if first.value != second.value and _ALTERNATIVE.search(text[first.start:second.start]):
            return None  # «предоплата или отсрочка»: the poster offers both
    return next((kind for kind in TIMING_PRIORITY if kind in kinds), None)


def _days(text: str) -> tuple[int | None, bool]:
    """The deferral's days (the upper end of a range) and whether they are banking days. Days in calendar
    words («14 дней») count only near a payment word — «погрузка через 2 дня» is not a deferral."""
    found = {(1, match.group("banking") is not None) for match in _NEXT_DAY.finditer(text)
             if _in_payment_context(text, match, "clause") and not _refused(text, match)}
    for match in _DAYS.finditer(text):
        if match.group("loose") and not _in_payment_context(text, match, "clause"):
            continue
        days = int(match.group(2) or match.group(1))
        if 0 < days <= 120 and not _refused(text, match):
            found.add((days, match.group("banking") is not None))
    numbers = {days for days, _ in found}
    if len(numbers) != 1:
        return None, False
    return numbers.pop(), all(banking for _, banking in found)


def _refused(text: str, match: re.Match[str]) -> bool:
    """«без предоплаты», «не на карту», «нал не предлагать», «отсрочки нет»."""
    before = text[max(0, match.start() - 12):match.start()]
    after = text[match.end():match.end() + 30]
    return bool(re.search(_NO, before) or re.search(r"(?<![а-я])без\s+$", before) or _REFUSED_AFTER.match(after))


def _in_payment_context(text: str, match: re.Match[str], scope: str) -> bool:
    """A payment word in the phrase's clause ("clause") or within a few words of it ("near")."""
    if scope == "near":
        start, end = max(0, match.start() - 20), match.end() + 20
    else:
        start, end = _clause(text, match.start(), match.end())
    return bool(_PAYMENT.search(text[start:match.start()] + " " + text[match.end():end]))


def _clause(text: str, start: int, end: int) -> tuple[int, int]:
    reach_left = max(0, start - _CLAUSE_REACH)
    left = max((m.end() for m in _BOUNDARY.finditer(text, reach_left, start)), default=reach_left)
    right = _BOUNDARY.search(text, end, end + _CLAUSE_REACH)
    return left, right.start() if right else min(len(text), end + _CLAUSE_REACH)
