"""One TLS context for the outgoing HTTPS clients (CargoTech, the Bot API).

Making one loads the CA bundle (≈ 0.15–0.3 s, more on a busy CPU). Made once per process; and for
`serve --workers N` once in the process the workers are forked from (`bootstrap.preload`), so a new
worker does not pay for it. An `ssl.SSLContext` may be shared by any number of connections.
"""

from __future__ import annotations

import ssl
from functools import lru_cache

import httpx


@lru_cache(maxsize=1)
def tls_context() -> ssl.SSLContext:
    """httpx's default context (certifi's bundle, or SSL_CERT_FILE/SSL_CERT_DIR when set)."""
    return httpx.create_ssl_context()
