"""Loads in the product's own words: what a load is, how a driver asks for loads, and the marketplace
that answers. Features (cargo, alerts, insights, responses), the server and the CLI speak only these
types; `core/cargotech` is one adapter that maps its wire format into them."""

from .marketplace import Dictionaries, Marketplace
from .models import Company, Contact, GeoPoint, Kind, Load, Page, Place, Stop
from .query import LoadQuery, PlaceFilter, Span

__all__ = [
    "Company", "Contact", "Dictionaries", "GeoPoint", "Kind", "Load", "LoadQuery", "Marketplace", "Page",
    "Place", "PlaceFilter", "Span", "Stop",
]
