"""How and when a load is paid (issue 21 §1): VAT, the form (cash, bank transfer, a card) and the timing
(prepayment, at unloading, deferred N days), from the marketplace's structured fields or, failing those,
from the poster's comment — labelled «из комментария», and «условия оплаты не указаны» when unknown.

Wiring: the card field `payment_terms` (`PaymentTerms.as_api()` of `of_load`, built once per load in the
shared cache by core/cargo/cards.py — list cards from the structured fields only, as the list has no
comment; the detail with the comment) and the list filters `vat=with|without`, `no_deferral=1`
(`card_matches` in the list's own view, `matches` in saved searches). Pure code: no I/O, no other core
package but `core.loads` and `core.words`."""

from dataclasses import asdict

from cargotool.core.loads.models import Load

from .comment import from_comment
from .terms import UNKNOWN, UNKNOWN_TEXT, PaymentTerms, from_structured, matches, merge


def of_load(load: Load, structured: PaymentTerms | None = None) -> PaymentTerms:
    """A load's terms: the marketplace's structured fields (`load.payment`, as its adapter read them; or
    `structured` when given), completed from the load's comment."""
    if structured is None:
        structured = from_structured(**asdict(load.payment)) if load.payment is not None else UNKNOWN
    return merge(structured, from_comment(load.note))


def card_matches(payment_terms: dict | None, vat: str | None = None, no_deferral: bool = False) -> bool:
    """`matches` for a card's `payment_terms` (`PaymentTerms.as_api()`): the list's own filters run on cards."""
    terms = payment_terms or {}
    return matches(PaymentTerms(vat=terms.get("vat"), timing=terms.get("timing")), vat,  # type: ignore[arg-type]
                   no_deferral)


__all__ = ["UNKNOWN", "UNKNOWN_TEXT", "PaymentTerms", "card_matches", "from_comment", "from_structured", "matches", "merge", "of_load"]
