"""One alert per trip: when several postings of one trip (the shipper's and brokers' reposts, grouped by
core/samefreight) reach a driver in the same cycle, only the posting a driver wants (the shipper's own,
else the best-paid: `samefreight.lead`) is alerted, and its text names the others. The others were claimed
like it (alerts.delivery), so they never come as alerts of their own later."""

from __future__ import annotations

from typing import Iterator, Protocol, Sequence, TypeVar

from ..loads.models import Load
from ..samefreight import described, group, lead


class HasLoad(Protocol):
    @property
    def cargo(self) -> Load: ...


H = TypeVar("H", bound=HasLoad)


def one_per_trip(hits: Sequence[H]) -> Iterator[tuple[H, str | None]]:
    """Each hit that stands for its trip, with a line naming the trip's other postings (None when alone)."""
    notes: dict[str, str] = {}
    folded: set[str] = set()
    for trip in group([hit.cargo for hit in hits]):
        owner = lead(trip)
        notes[owner.id] = "👥 Этот же груз " + described(trip)["text"]
        folded.update(load.id for load in trip.loads if load.id != owner.id)
    for hit in hits:
        if hit.cargo.id not in folded:
            yield hit, notes.get(hit.cargo.id)
