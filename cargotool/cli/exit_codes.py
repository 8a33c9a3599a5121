"""The one table of the CLI's exit codes, and which error ends in which code.

README.md ("Exit codes") documents exactly these; `tests/integration/test_cli_contract.py` runs every
command with a bad input against them.
"""

from __future__ import annotations

from enum import IntEnum

from ..core.billing.promo import PromoRejected
from ..core.messaging.api import TelegramError
from ..core.errors import (
    CargotoolError,
    InvalidInput,
    NotConfigured,
    NotFound,
    UpstreamAuthFailed,
    UpstreamError,
)


class ExitCode(IntEnum):
    OK = 0
    FAILURE = 1  # anything else that went wrong (a conflict, a refusal)
    BAD_INPUT = 2  # the message names the option or field
    CREDENTIALS_REJECTED = 3  # CargoTech rejected the server's credentials
    NOT_FOUND = 4
    UNREACHABLE = 5  # CargoTech (or Telegram) unreachable or failing
    INTERRUPTED = 130  # Ctrl-C
    INTERNAL = 70  # EX_SOFTWARE: a bug; details with LOG_LEVEL=debug
    CONFIG = 78  # EX_CONFIG: bad or missing configuration


# Most specific first: the first class in an error's MRO found here decides.
_BY_ERROR: dict[type[CargotoolError], ExitCode] = {
    InvalidInput: ExitCode.BAD_INPUT,
    PromoRejected: ExitCode.BAD_INPUT,
    NotFound: ExitCode.NOT_FOUND,
    UpstreamAuthFailed: ExitCode.CREDENTIALS_REJECTED,
    UpstreamError: ExitCode.UNREACHABLE,
    TelegramError: ExitCode.UNREACHABLE,
    NotConfigured: ExitCode.CONFIG,
}


def exit_code_for(error: CargotoolError) -> ExitCode:
    for cls in type(error).__mro__:
        if cls in _BY_ERROR:
            return _BY_ERROR[cls]
    return ExitCode.FAILURE
