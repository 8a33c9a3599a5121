"""One TLS context for the outgoing HTTPS clients (CargoTech, the Bot API).

Making one loads the CA bundle (≈ 0.15–0.3 s, more on a busy CPU), part of what a new server worker
waits for before it answers; made once per process instead of once per client. An `ssl.SSLContext` may
be shared by any number of connections.
"""

from __future__ import annotations

import ssl
from functools import lru_cache

import httpx


@lru_cache(maxsize=1)
def tls_context() -> ssl.SSLContext:
    """httpx's default context (certifi's bundle, or SSL_CERT_FILE/SSL_CERT_DIR when set)."""
    return httpx.create_ssl_context()
