"""The client's address: the peer, or — only when the peer is a trusted proxy — the nearest untrusted
address in X-Forwarded-For (a client can write anything to the left of it)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache


@lru_cache(maxsize=16)
def _networks(trusted: tuple[str, ...]):
    return tuple(ipaddress.ip_network(n, strict=False) for n in trusted)


def _is_trusted(address: str, trusted: tuple[str, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in _networks(trusted))


def client_ip(peer: str, forwarded_for: str | None, trusted: tuple[str, ...]) -> str:
    if not trusted or not forwarded_for or not _is_trusted(peer, trusted):
        return peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if not _is_trusted(hop, trusted):
            return hop
    return peer


def ip_in(address: str, networks: tuple[str, ...]) -> bool:
    return _is_trusted(address, networks)


def request_ip(request) -> str:
    """The client address of a Sanic request, honouring TRUSTED_PROXIES."""
    settings = request.app.ctx.services.settings
    return client_ip(peer_address(request), request.headers.get("x-forwarded-for"), settings.trusted_proxies)


def peer_address(request) -> str:
    """The TCP peer (a seam for in-process test clients, whose peer is not an address)."""
    return request.ip
