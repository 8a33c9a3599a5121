"""How and when a load is paid (issue 21 §1): VAT, the form (cash, bank transfer, a card) and the timing
(prepayment, at unloading, deferred N days), from the marketplace's structured fields or, failing those,
from the poster's comment — labelled «из комментария», and «условия оплаты не указаны» when unknown.

Future wiring: the card field `payment_terms` (`PaymentTerms.as_api()`, built once per load in the shared
cache from `merge(from_structured(…), from_comment(load.note))`) and the list filters `vat=with|without`,
`no_deferral=1` (`matches`). Pure code: no I/O, no other core package but `core.words`."""

from cargotool.core.loads.models import Load

from .comment import from_comment
from .terms import UNKNOWN, UNKNOWN_TEXT, PaymentTerms, from_structured, matches, merge


def of_load(load: Load, structured: PaymentTerms = UNKNOWN) -> PaymentTerms:
    """A load's terms: what the marketplace's adapter read from structured fields, completed from the
    load's comment."""
    return merge(structured, from_comment(load.note))


__all__ = ["UNKNOWN", "UNKNOWN_TEXT", "PaymentTerms", "from_comment", "from_structured", "matches", "merge", "of_load"]
