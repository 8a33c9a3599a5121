"""The Mini App's copies of server facts agree with the server: every feature flag has a Russian name on the
admin screen (never its key), and the offer sheet checks the same rate bounds as the API."""

from __future__ import annotations

import re
from pathlib import Path

from cargotool.core.billing.flags import DEFAULTS
from cargotool.core.responses.service import MAX_RATE_RUB, MIN_RATE_RUB

JS = Path(__file__).resolve().parents[2] / "cargotool" / "server" / "webapp" / "js"


def test_every_flag_has_a_russian_name_on_the_admin_screen():
    source = (JS / "admin.js").read_text(encoding="utf-8")
    block = re.search(r"const FLAG_NAMES = \{(.*?)\};", source, re.S).group(1)
    names = dict(re.findall(r'"?([\w.]+)"?: "([^"]+)"', block))
    assert set(DEFAULTS) <= set(names), set(DEFAULTS) - set(names)
    for flag in DEFAULTS:
        assert re.search("[а-яё]", names[flag]) and not re.search("[a-z]{3,}", names[flag].replace("Telegram", "")), names[flag]
    fallback = re.search(r'const flagName = \(name\) => FLAG_NAMES\[name\] \|\| "([^"]+)";', source)
    assert fallback and re.search("[а-яё]", fallback.group(1))  # an unknown flag: a generic Russian label


def test_the_offer_sheet_checks_the_servers_rate_bounds():
    source = (JS / "offer.js").read_text(encoding="utf-8")
    assert int(re.search(r"const MIN_RATE_RUB = (\d+);", source).group(1)) == MIN_RATE_RUB
    assert int(re.search(r"const MAX_RATE_RUB = (\d+);", source).group(1)) == MAX_RATE_RUB
