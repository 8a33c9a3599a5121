"""Typed errors of the core, each with a stable `code`. The server maps a code to an HTTP status
(server/statuses.py); the CLI to one line and an exit code (cli/exit_codes.py)."""

from __future__ import annotations


class CargotoolError(Exception):
    """Base of every error a user or operator may see. `message` is safe to show (no secrets)."""

    code = "error"

    def __init__(self, message: str, *, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}

    def to_dict(self) -> dict:
        body: dict = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = dict(self.fields)
        return {"error": body}


class InvalidInput(CargotoolError):
    code = "invalid_input"


class NotFound(CargotoolError):
    code = "not_found"


class UpstreamError(CargotoolError):
    """Something went wrong talking to CargoTech."""

    code = "upstream_error"


class UpstreamUnavailable(UpstreamError):
    """CargoTech could not be reached, timed out, or kept answering 429/5xx past our retry budget."""

    code = "upstream_unavailable"


class UpstreamAuthFailed(UpstreamError):
    """CargoTech rejected the server's credentials (or a freshly issued token)."""

    code = "upstream_auth_failed"


class UpstreamBadResponse(UpstreamError):
    """CargoTech answered with something we cannot read (not JSON, missing required fields)."""

    code = "upstream_bad_response"


class Unauthorized(CargotoolError):
    code = "unauthorized"


class DriverGone(Unauthorized):
    """The session's driver has no row any more (deleted, or a database restored from before their first
    login): a fresh login writes it again, so the answer is the 401 that makes the Mini App log in."""

    def __init__(self) -> None:
        super().__init__("Сессия устарела, войдите заново")


class NotConfigured(CargotoolError):
    """A feature needs configuration this deployment lacks (e.g. TELEGRAM_BOT_TOKEN)."""

    code = "not_configured"


class PaymentRequired(CargotoolError):
    """The paywall: this needs an active subscription."""

    code = "payment_required"


class Forbidden(CargotoolError):
    code = "forbidden"


class Unavailable(CargotoolError):
    """Redis or the database cannot be reached: try again shortly."""

    code = "unavailable"
