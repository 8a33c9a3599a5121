"""Favourites and hiding (core/shortlist): the store, the fast reader of each driver's marks, and the list's
driver views that leave out what the driver hid."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Settings
from ..core.cargo.listing import DriverViews
from ..core.shortlist.marks import MarkReader
from ..core.shortlist.service import Cards, Shortlist, load_marks
from ..core.shortlist.views import MarkedViews
from .storage import Storage


@dataclass(frozen=True)
class Shortlists:
    shortlist: Shortlist
    views: MarkedViews


def build_shortlist(settings: Settings, storage: Storage, *, cards: Cards, views: DriverViews) -> Shortlists:
    marks = MarkReader(storage.redis, storage.keys, load_marks(storage.database))
    shortlist = Shortlist(storage.database, marks, cards, max_favourites=settings.shortlist_max_favourites,
                          max_hidden=settings.shortlist_max_hidden)
    return Shortlists(shortlist, MarkedViews(views, marks))
