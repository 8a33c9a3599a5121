"""The CargoTech adapter: token cache + login, HTTP client, typed payload views, list query encoding."""

from .client import CargoTechClient, build_http_client
from .query import to_params

__all__ = ["CargoTechClient", "build_http_client", "to_params"]
