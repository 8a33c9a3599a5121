"""A local stand-in for CargoTech: sample data, fault injection, as an httpx transport or HTTP server."""

from .logic import DEMO_PASSWORD, DEMO_PHONE, CargoTechStandIn
from .server import StandInServer
from .transport import StandInTransport

__all__ = ["CargoTechStandIn", "StandInServer", "StandInTransport", "DEMO_PHONE", "DEMO_PASSWORD"]
