"""Payment terms of a load: the value, its Russian line, the marketplace's structured fields, and the filters.

Future wiring (issue 21): the card and the detail of `GET /api/cargos…` gain `payment_terms` =
`PaymentTerms.as_api()`; the list filters `vat=with|without` and `no_deferral=1` call `matches`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from cargotool.core.words import plural

Vat = Literal["with", "without"]
Form = Literal["cash", "cashless", "card"]
Timing = Literal["prepay", "on_unloading", "deferred"]
Source = Literal["marketplace", "comment"]

UNKNOWN_TEXT = "условия оплаты не указаны"
FROM_COMMENT = "из комментария"
_VAT_TEXT = {"with": "с НДС", "without": "без НДС"}
_FORM_TEXT = {"cash": "наличными", "cashless": "безнал", "card": "на карту"}
# Timing wins in this order when a comment states several: any deferral means the driver waits for (part
# of) the money; a prepayment without deferral means some money up front; otherwise paid at unloading.
TIMING_PRIORITY: tuple[Timing, ...] = ("deferred", "prepay", "on_unloading")
_TERM_FIELDS = ("vat", "form", "timing")


@dataclass(frozen=True)
class PaymentTerms:
    """How and when a load is paid. Every field is None when not known — never guessed. `days` is the
    deferral (the upper end of a range: «5-7 б.д.» → 7, the longest the driver may wait), only with
    timing "deferred"; `banking_days` says the days are banking (working) days. `source` is where the
    known fields came from: "comment" as soon as one of them was read from the free-text note (the card
    then says «из комментария»), "marketplace" when all came from structured fields. `text` is the line
    the card shows, derived from the rest. `disputed` names what the comment says where it contradicts a
    structured field that won («с НДС» beside a structured «без НДС»): the line shows it, never hides it."""

    vat: Vat | None = None
    form: Form | None = None
    timing: Timing | None = None
    days: int | None = None
    banking_days: bool = False
    source: Source | None = None
    disputed: tuple[str, ...] = ()
    text: str = field(init=False, default="")

    def __post_init__(self) -> None:
        if self.timing != "deferred" and (self.days is not None or self.banking_days):
            object.__setattr__(self, "days", None)
            object.__setattr__(self, "banking_days", False)
        if self.days is None:
            object.__setattr__(self, "banking_days", False)
        if not self.known:
            object.__setattr__(self, "source", None)
        object.__setattr__(self, "text", _text(self))

    @property
    def known(self) -> bool:
        return any(getattr(self, name) is not None for name in _TERM_FIELDS)

    def as_api(self) -> dict[str, object]:
        """The card's `payment_terms`: `{vat, form, timing, days, source, text}`."""
        return {"vat": self.vat, "form": self.form, "timing": self.timing, "days": self.days,
                "source": self.source, "text": self.text}


def _text(terms: PaymentTerms) -> str:
    """«с НДС, безнал, отсрочка 5 банк. дней», «без НДС, наличными при выгрузке», «предоплата (из комментария)»."""
    if not terms.known:
        return UNKNOWN_TEXT
    parts = [_VAT_TEXT[terms.vat]] if terms.vat else []
    form = _FORM_TEXT[terms.form] if terms.form else None
    if terms.timing == "on_unloading":
        parts.append(f"{form} при выгрузке" if form else "оплата при выгрузке")
    else:
        if form:
            parts.append(form)
        if terms.timing == "prepay":
            parts.append("предоплата")
        elif terms.timing == "deferred":
            parts.append(_deferral_text(terms.days, terms.banking_days))
    text = ", ".join(parts)
    notes = [FROM_COMMENT] if terms.source == "comment" else []
    if terms.disputed:
        notes.append(("в нём же: " if notes else "в комментарии: ") + ", ".join(terms.disputed))
    return f"{text} ({'; '.join(notes)})" if notes else text


def _timing_text(timing: Timing, days: int | None, banking: bool) -> str:
    if timing == "deferred":
        return _deferral_text(days, banking)
    return "предоплата" if timing == "prepay" else "оплата при выгрузке"


def _deferral_text(days: int | None, banking: bool) -> str:
    if days is None:
        return "отсрочка"
    noun = plural(days, "день", "дня", "дней")
    return f"отсрочка {days} банк. {noun}" if banking else f"отсрочка {days} {noun}"


UNKNOWN = PaymentTerms()


def from_structured(vat: bool | None = None, in_cash: bool | None = None, prepay: bool | int | None = None,
                    deferral_days: int | None = None, *, banking_days: bool = False,
                    cashless: bool | None = None, card: bool | None = None) -> PaymentTerms:
    """Terms from a marketplace's structured fields, already reduced by its adapter to plain values.

    CargoTech's `payment.{vat, in_cash, prepay, …}` are known only from its partner import schema (marked
    uncertain in cargotech-api.md), so this takes plain booleans and ints and the adapter decides the
    mapping. Rules: `vat` True/False → "with"/"without". `in_cash` True → "cash"; False says only "not in
    cash" (bank transfer or a card), so the form stays unknown unless `cashless` or `card` says which.
    `prepay` True or a positive int (a percent or an amount — its meaning is not needed) → "prepay"; False
    or 0 says nothing about timing. `deferral_days` > 0 → "deferred" with those days; 0 → paid at
    unloading. When several timings are given, `TIMING_PRIORITY` decides. Contradicting forms → unknown.
    """
    forms = {name for name, flag in (("cash", in_cash), ("cashless", cashless), ("card", card)) if flag}
    timings = set()
    if prepay is not None and prepay is not False and prepay > 0:
        timings.add("prepay")
    if deferral_days is not None:
        timings.add("deferred" if deferral_days > 0 else "on_unloading")
    timing = next((t for t in TIMING_PRIORITY if t in timings), None)
    return PaymentTerms(
        vat=None if vat is None else ("with" if vat else "without"),
        form=forms.pop() if len(forms) == 1 else None,
        timing=timing,
        days=deferral_days if timing == "deferred" else None,
        banking_days=banking_days,
        source="marketplace",
    )


def merge(structured: PaymentTerms, from_comment: PaymentTerms) -> PaymentTerms:
    """The structured terms, with each unknown field filled from the comment. The deferral's days go with
    the timing they belong to (filled from the comment only when both say "deferred"). The source becomes
    "comment" when the comment supplied any field, so the card labels the line «из комментария». Where the
    comment contradicts a structured field, the structured one wins and `disputed` keeps the comment's word,
    so the line shows the disagreement: «без НДС (в комментарии: с НДС)»."""
    values: dict[str, object] = {}
    borrowed = False
    for name in _TERM_FIELDS:
        own, other = getattr(structured, name), getattr(from_comment, name)
        values[name] = own if own is not None else other
        borrowed = borrowed or (own is None and other is not None)
    if structured.timing is not None:
        days, banking = structured.days, structured.banking_days
        if days is None and from_comment.timing == structured.timing and from_comment.days is not None:
            days, banking, borrowed = from_comment.days, from_comment.banking_days, True
    else:
        days, banking = from_comment.days, from_comment.banking_days
    source = "comment" if borrowed else ("marketplace" if structured.known else None)
    return PaymentTerms(**values, days=days, banking_days=banking, source=source,  # type: ignore[arg-type]
                        disputed=_disputed(structured, from_comment))


def _disputed(structured: PaymentTerms, from_comment: PaymentTerms) -> tuple[str, ...]:
    """What the comment says where it contradicts a structured field (the structured one wins): «с НДС»,
    «наличными», «отсрочка 30 дней» — a deferral of other days counts too."""
    said = []
    if structured.vat and from_comment.vat and structured.vat != from_comment.vat:
        said.append(_VAT_TEXT[from_comment.vat])
    if structured.form and from_comment.form and structured.form != from_comment.form:
        said.append(_FORM_TEXT[from_comment.form])
    timing = from_comment.timing
    if structured.timing and timing and (structured.timing != timing or (
            timing == "deferred" and None not in (structured.days, from_comment.days)
            and structured.days != from_comment.days)):
        said.append(_timing_text(timing, from_comment.days, from_comment.banking_days))
    return tuple(said)


def matches(terms: PaymentTerms, vat: Vat | None = None, no_deferral: bool = False) -> bool:
    """Whether a load passes the list filters `vat=with|without` and `no_deferral=1`.

    Unknown never matches a positive filter: with `vat` set, a load whose VAT is unknown is left out; with
    `no_deferral`, only loads known to be paid without deferral (prepayment or at unloading) stay — an
    unknown timing is not «без отсрочки». With no filter set every load matches, unknown or not."""
    if vat is not None and terms.vat != vat:
        return False
    if no_deferral and terms.timing not in ("prepay", "on_unloading"):
        return False
    return True
