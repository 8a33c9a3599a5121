"""Is the company real? (core/companycheck): the register through DaData, only with DADATA_API_KEY."""

from __future__ import annotations

from ..config import Settings
from ..core.companycheck.register import DadataRegister
from ..core.companycheck.service import CompanyChecks
from .storage import Storage


def build_company_checks(settings: Settings, storage: Storage) -> CompanyChecks | None:
    """None without a key: no `company_check` on cards or the detail, and no request to DaData."""
    if not settings.dadata_api_key:
        return None
    register = DadataRegister(settings.dadata_api_key, settings.dadata_url, timeout=settings.dadata_timeout)
    return CompanyChecks(register, storage.database, storage.redis, storage.keys,
                         daily_limit=settings.dadata_daily_limit, detail_wait=settings.dadata_detail_wait)
