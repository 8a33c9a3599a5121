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
