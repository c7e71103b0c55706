"""Stable factor keys, unit codes and country names: the vocabulary shared by every factor set."""

from __future__ import annotations

import functools
import re
import unicodedata

from babel import Locale
from babel.core import get_global

#: unit codes used by factors and activity quantities, from the publishers' unit texts
UNIT_CODES = {
    "passenger.km": "passenger_km",
    "km": "km",
    "miles": "mile",
    "kWh": "kwh",
    "kWh (Gross CV)": "kwh_gross_cv",
    "kWh (Net CV)": "kwh_net_cv",
    "cubic metres": "m3",
    "litres": "litre",
    "tonnes": "tonne",
    "kg": "kg",
    "Room per night": "room_night",
}

_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """Lower-case ASCII words joined by underscores."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _SLUG.sub("_", ascii_text.lower()).strip("_")


@functools.lru_cache(maxsize=8192)
def factor_key(category: str, activity: str, unit: str, **attributes: str) -> str:
    """The stable key of a factor: ``category/activity[/name=value…]/unit``.

    The same activity in every edition of a family has the same key, which is what lets a
    factor's history be followed across editions and a calculation find its factor.
    """
    parts = [slug(category), slug(activity)]
    parts += [f"{slug(name)}={slug(str(value))}" for name, value in sorted(attributes.items())]
    parts.append(slug(unit))
    return "/".join(parts)


#: English country names used by the publishers that CLDR names differently
_COUNTRY_ALIASES = {
    "uk": "GB",
    "united kingdom": "GB",
    "usa": "US",
    "us": "US",
    "united states of america": "US",
    "china (hong kong)": "HK",
    "hong kong, china": "HK",
    "hong kong": "HK",
    "macau, china": "MO",
    "macao": "MO",
    "taiwan, china": "TW",
    "south korea": "KR",
    "korea, republic of": "KR",
    "korea (republic of)": "KR",
    "korea, south": "KR",
    "north korea": "KP",
    "korea, democratic people's republic of": "KP",
    "russia": "RU",
    "russian federation": "RU",
    "czech republic": "CZ",
    "uae": "AE",
    "viet nam": "VN",
    "vietnam": "VN",
    "man, isle of": "IM",
    "isle of man": "IM",
    "turkey": "TR",
    "turkiye": "TR",
    "ivory coast": "CI",
    "cote d'ivoire": "CI",
    "congo, democratic republic of the": "CD",
    "democratic republic of the congo": "CD",
    "congo, the democratic republic of the": "CD",
    "congo": "CG",
    "republic of the congo": "CG",
    "macedonia": "MK",
    "north macedonia": "MK",
    "macedonia, the former yugoslav republic of": "MK",
    "moldova, republic of": "MD",
    "iran, islamic republic of": "IR",
    "tanzania, united republic of": "TZ",
    "syrian arab republic": "SY",
    "lao people's democratic republic": "LA",
    "laos": "LA",
    "bolivia, plurinational state of": "BO",
    "venezuela, bolivarian republic of": "VE",
    "micronesia, federated states of": "FM",
    "palestine, state of": "PS",
    "palestinian territory, occupied": "PS",
    "brunei darussalam": "BN",
    "cape verde": "CV",
    "swaziland": "SZ",
    "eswatini": "SZ",
    "burma": "MM",
    "myanmar": "MM",
    "east timor": "TL",
    "timor-leste": "TL",
    "vatican city": "VA",
    "holy see (vatican city state)": "VA",
    "saint helena": "SH",
    "saint martin (french part)": "MF",
    "sint maarten (dutch part)": "SX",
    "virgin islands, british": "VG",
    "virgin islands, u.s.": "VI",
    "falkland islands (malvinas)": "FK",
    "reunion": "RE",
    "curacao": "CW",
    "aland islands": "AX",
    "saint barthelemy": "BL",
    "bonaire, sint eustatius and saba": "BQ",
    "pitcairn": "PN",
    "jersey": "JE",
    "guernsey": "GG",
    "korea": "KR",
    "slovak republic": "SK",
    "byelarus": "BY",
    "democratic republic of congo": "CD",
    "republic of congo": "CG",
    "federated states of micronesia": "FM",
    "macau": "MO",
    "pacific islands (palau)": "PW",
    "virgin islands": "VI",
    "western samoa": "WS",
    "west bank & gaza strip": "PS",
    "johnston atoll": "UM",
    "french southern & antarctic lands": "TF",
    "heard island & mcdonald islands": "HM",
    "south georgia and the south sandwich is": "GS",
}


def _name_slug(name: str) -> str:
    """A country name reduced to what tells it apart: no "and"/"&", "St." spelt "saint"."""
    words = slug(name.replace("&", " and ").replace("St.", "Saint ")).split("_")
    return "_".join(word for word in words if word not in ("and", "the"))


@functools.cache
def _english_country_names() -> dict[str, str]:
    names = {
        _name_slug(name): code
        for code, name in Locale("en").territories.items()
        if len(code) == 2 and code.isalpha()
    }
    names.update({_name_slug(alias): code for alias, code in _COUNTRY_ALIASES.items()})
    return names


def country_code(name: str) -> str | None:
    """The ISO 3166-1 alpha-2 code of an English country name as publishers write it."""
    return _english_country_names().get(_name_slug(name))


def country_code_from_iso3(iso3: str) -> str | None:
    """The alpha-2 code of an ISO 3166-1 alpha-3 code (CLDR's territory aliases)."""
    aliases = get_global("territory_aliases").get(iso3.upper())
    return aliases[0] if aliases and len(aliases[0]) == 2 else None
