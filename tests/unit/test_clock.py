"""core/clock.py: the one Moscow zone and the one family of ISO helpers (nobody declares their own)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from cargotool.core.clock import MOSCOW, iso, iso_moscow, iso_utc, moscow_datetime, to_moscow

ROOT = Path(__file__).resolve().parents[2] / "cargotool"


def test_the_helpers():
    moment = dt.datetime(2026, 11, 24, 6, 30, tzinfo=dt.timezone.utc)
    assert iso_moscow(moment) == "2026-11-24T09:30:00+03:00" and iso_moscow(dt.date(2026, 11, 24)) == "2026-11-24"
    assert iso(moment) == "2026-11-24T06:30:00+00:00" and iso(None) is None and iso_moscow(None) is None
    assert iso_utc(moment.timestamp()) == "2026-11-24T06:30:00Z"
    assert moscow_datetime(dt.date(2026, 11, 24), dt.time(23, 59, 59)).isoformat() == "2026-11-24T23:59:59+03:00"
    assert to_moscow(moment).tzinfo is MOSCOW


def test_one_moscow_zone_and_one_iso_family():
    elsewhere = re.compile(r'ZoneInfo\(|timezone\((?:dt\.)?timedelta\(hours=3\)\)|^\s*def _?iso(?:_\w+)?\(', re.M)
    offenders = [str(path.relative_to(ROOT)) for path in sorted(ROOT.rglob("*.py"))
                 if path.name != "clock.py" and elsewhere.search(path.read_text(encoding="utf-8"))]
    assert not offenders, offenders
