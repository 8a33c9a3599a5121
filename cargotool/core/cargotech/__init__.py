"""The CargoTech adapter: token cache + login, HTTP client, typed payload views, list query, and their mapping
into the product's loads behind the Marketplace protocol (mapping.py, marketplace.py)."""

from .client import CargoTechClient, build_http_client
from .query import CargoListQuery, PointFilter, Range

__all__ = ["CargoTechClient", "build_http_client", "CargoListQuery", "PointFilter", "Range"]
