"""The one table from error code to HTTP status (server/statuses.py)."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import cargotool.core
from cargotool.core.billing.promo import PromoRejected
from cargotool.core.billing.refunds import RefundNeedsCheck
from cargotool.core.billing.stars import StarsUnavailable
from cargotool.core.messaging.api import TelegramError
from cargotool.core.cargo.filters import InvalidFilter
from cargotool.core.alerts.searches import DuplicateSearch, TooManySearches
from cargotool.core.drivers.ratelimit import RateLimited
from cargotool.core.errors import (
    CargotoolError, DriverGone, Forbidden, InvalidInput, NotConfigured, NotFound, PaymentRequired, Unauthorized,
    Unavailable, UpstreamAuthFailed, UpstreamBadResponse, UpstreamError, UpstreamUnavailable,
)
from cargotool.core.insights.moderation import ReasonRequired
from cargotool.core.privacy.consent import ConsentRequired
from cargotool.core.responses.service import Conflict
from cargotool.server.statuses import HTTP_STATUS, http_status


def core_errors() -> set[type[CargotoolError]]:
    for module in pkgutil.walk_packages(cargotool.core.__path__, "cargotool.core."):
        importlib.import_module(module.name)
    found, todo = set(), [CargotoolError]
    while todo:
        cls = todo.pop()
        found.add(cls)
        todo.extend(cls.__subclasses__())
    return {cls for cls in found if cls.__module__.startswith("cargotool.core")}


def test_every_core_error_code_has_a_status():
    missing = {cls.__qualname__: cls.code for cls in core_errors() if cls.code not in HTTP_STATUS}
    assert not missing


def test_core_errors_know_nothing_of_http():
    assert not [cls for cls in core_errors() if "http_status" in vars(cls)]


# The statuses as they were when each error carried its own (every one of them is part of the API).
BEFORE = {
    CargotoolError: 500, InvalidInput: 400, InvalidFilter: 400, PromoRejected: 400, Unauthorized: 401,
    PaymentRequired: 402, Forbidden: 403, NotFound: 404, Conflict: 409, TooManySearches: 409,
    DuplicateSearch: 409, ConsentRequired: 409, StarsUnavailable: 409, RefundNeedsCheck: 409,
    ReasonRequired: 422, UpstreamError: 502, UpstreamAuthFailed: 502, UpstreamBadResponse: 502,
    UpstreamUnavailable: 503, NotConfigured: 503, Unavailable: 503,
}


@pytest.mark.parametrize("cls, status", BEFORE.items(), ids=lambda v: getattr(v, "__name__", str(v)))
def test_statuses_are_as_before(cls, status):
    assert http_status(cls("x")) == status


def test_statuses_of_errors_with_their_own_arguments():
    assert http_status(DriverGone()) == 401
    assert http_status(RateLimited(3)) == 429
    assert http_status(TelegramError(500, "boom")) == 502


def test_an_unknown_code_is_an_internal_error():
    class Odd(CargotoolError):
        code = "odd"

    assert http_status(Odd("x")) == 500
