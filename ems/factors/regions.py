"""The region of a country, as the UN M49 standard groups them (Africa, Americas, Asia, Europe,
Oceania), for the regional averages of published factors.

Read from the time zones CLDR gives each country (through Babel, which ems ships with): a
country's region is that of most of its zones ("Africa/Nairobi": Africa; Honolulu apart, the
United States are "America/…"). Countries whose zones do not say their M49 region (Russia,
Turkey, Cyprus, the islands of the Atlantic and Indian Oceans, zones that tie) are listed.
"""

from __future__ import annotations

from collections import Counter
from functools import cache

from babel.core import get_global

REGIONS = ("africa", "americas", "asia", "europe", "oceania")
_ZONE_REGIONS = {
    "Africa": "africa",
    "America": "americas",
    "Asia": "asia",
    "Europe": "europe",
    "Australia": "oceania",
    "Pacific": "oceania",
}
#: countries whose time zones do not give their M49 region
_LISTED = {
    "RU": "europe",
    "TR": "asia",
    "CY": "asia",
    "ES": "europe",
    "PT": "europe",
    "IS": "europe",
    "FO": "europe",
    "SJ": "europe",
    "GL": "americas",
    "BM": "americas",
    "FK": "americas",
    "GS": "americas",
    "CV": "africa",
    "SH": "africa",
    "MG": "africa",
    "MU": "africa",
    "SC": "africa",
    "KM": "africa",
    "YT": "africa",
    "RE": "africa",
    "IO": "africa",
    "TF": "africa",
    "MV": "asia",
    "CX": "oceania",
    "CC": "oceania",
    "UM": "oceania",
    "EC": "americas",
}


@cache
def region_of(country_code: str) -> str | None:
    """The M49 region of an ISO 3166-1 alpha-2 code ("KE" → "africa"); None if unknown."""
    code = country_code.upper()
    if code in _LISTED:
        return _LISTED[code]
    zones = get_global("territory_zones").get(code) or []
    found = Counter(
        region for zone in zones if (region := _ZONE_REGIONS.get(zone.split("/")[0])) is not None
    ).most_common(2)
    if not found or (len(found) == 2 and found[0][1] == found[1][1]):
        return None
    return found[0][0]
