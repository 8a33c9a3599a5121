"""The one table from error code to HTTP status (as cli/exit_codes.py is for the CLI's exit codes).

Core errors carry a stable `code` and know nothing of HTTP; this is where the server decides what a code
means on the wire. `tests/unit/test_http_statuses.py` checks that every core error code is listed here."""

from __future__ import annotations

from ..core.errors import CargotoolError

INTERNAL = 500

HTTP_STATUS: dict[str, int] = {
    "error": INTERNAL,
    "invalid_input": 400,
    "invalid_filter": 400,
    "promo_rejected": 400,
    "unauthorized": 401,
    "payment_required": 402,
    "forbidden": 403,
    "not_found": 404,
    "conflict": 409,
    "in_flight": 409,  # the same offer is being sent (core/responses/replay.py): answered with Retry-After
    "too_many_searches": 409,
    "shortlist_full": 409,
    "duplicate_search": 409,
    "consent_required": 409,
    "stars_unavailable": 409,
    "refund_needs_check": 409,
    "reason_required": 422,
    "rate_limited": 429,
    "upstream_error": 502,
    "upstream_auth_failed": 502,
    "upstream_bad_response": 502,
    "telegram_error": 502,
    "upstream_unavailable": 503,
    "not_configured": 503,
    "unavailable": 503,
}


def http_status(error: CargotoolError) -> int:
    """The status an error answers with; a code missing from the table is a bug, answered as a 500."""
    return HTTP_STATUS.get(error.code, INTERNAL)
