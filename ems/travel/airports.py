"""Airports by IATA code (the airportsdata package) and great-circle distances."""

from __future__ import annotations

import difflib
import functools
import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

import airportsdata

#: mean Earth radius used by DESNZ and ICAO distance calculations, km
EARTH_RADIUS_KM = 6371.0
IATA_CODE_LEN = 3


@dataclass(frozen=True)
class Airport:
    """An airport with an IATA code."""

    code: str
    name: str
    city: str
    country_code: str
    lat: float
    lon: float

    @property
    def label(self) -> str:
        """'GVA — Geneva (Geneva Cointrin International Airport), CH'."""
        return f"{self.code} — {self.city} ({self.name}), {self.country_code}"


@functools.cache
def _airports() -> dict[str, Airport]:
    return {
        code: Airport(
            code=code,
            name=row["name"],
            city=row["city"],
            country_code=row["country"],
            lat=float(row["lat"]),
            lon=float(row["lon"]),
        )
        for code, row in airportsdata.load("IATA").items()
    }


def find(code: str) -> Airport | None:
    """The airport with IATA ``code`` (any case), or None."""
    return _airports().get(code.strip().upper())


def search(text: str, *, limit: int = 10) -> list[Airport]:
    """Airports whose code starts with, or whose city or name contains, ``text``."""
    text = text.strip().lower()
    if not text:
        return []
    airports = _airports().values()
    exact = [a for a in airports if a.code.lower() == text]
    by_code = sorted(
        (a for a in airports if a.code.lower().startswith(text) and a not in exact),
        key=lambda a: a.code,
    )
    by_city = sorted(
        (a for a in airports if text in a.city.lower() and a not in exact),
        key=lambda a: (not a.city.lower().startswith(text), a.city, a.code),
    )
    by_name = sorted((a for a in airports if text in a.name.lower()), key=lambda a: a.code)
    found: list[Airport] = []
    for airport in [*exact, *by_code, *by_city, *by_name]:
        if airport not in found:
            found.append(airport)
        if len(found) == limit:
            break
    return found


def suggestions(code: str, *, limit: int = 3) -> list[Airport]:
    """Close matches for an unknown code: similar codes, or airports of a city so named."""
    text = code.strip()
    if len(text) > IATA_CODE_LEN:
        return search(text, limit=limit)
    close = difflib.get_close_matches(text.upper(), list(_airports()), n=limit, cutoff=0.6)
    return [_airports()[match] for match in close] or search(text, limit=limit)


@functools.lru_cache(maxsize=65536)  # a year's flights repeat their routes: each once
def great_circle_km(origin: Airport, destination: Airport) -> Decimal:
    """Haversine distance on a sphere of radius 6371.0 km, rounded to 0.1 km."""
    lat1, lon1, lat2, lon2 = map(
        math.radians, (origin.lat, origin.lon, destination.lat, destination.lon)
    )
    a = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    distance = 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))
    return Decimal(f"{distance:.1f}")


# --- places as agency files write them: codes, city names, airport names ------------------------

#: cities with several commercial airports, with the IATA metropolitan-area code agencies use
#: for them; a city named here is ambiguous (the user writes the airport's code, or maps the name
#: in the import profile). One-airport entries repair cities airportsdata files under a suburb
#: or another spelling (Toronto's YYZ is in Mississauga, Panama's PTY in Tocumen).
METRO_AIRPORTS: dict[str, tuple[str, ...]] = {
    "london": ("LHR", "LGW", "STN", "LTN", "LCY", "SEN"),
    "new york": ("JFK", "EWR", "LGA"),
    "paris": ("CDG", "ORY", "BVA"),
    "moscow": ("SVO", "DME", "VKO"),
    "milan": ("MXP", "LIN", "BGY"),
    "washington": ("IAD", "DCA", "BWI"),
    "tokyo": ("HND", "NRT"),
    "bangkok": ("BKK", "DMK"),
    "rome": ("FCO", "CIA"),
    "stockholm": ("ARN", "BMA"),
    "chicago": ("ORD", "MDW"),
    "sao paulo": ("GRU", "CGH", "VCP"),
    "rio de janeiro": ("GIG", "SDU"),
    "buenos aires": ("EZE", "AEP"),
    "osaka": ("KIX", "ITM"),
    "seoul": ("ICN", "GMP"),
    "shanghai": ("PVG", "SHA"),
    "beijing": ("PEK", "PKX"),
    "istanbul": ("IST", "SAW"),
    "brussels": ("BRU", "CRL"),
    "dubai": ("DXB", "DWC"),
    "toronto": ("YYZ", "YTZ"),
    "montreal": ("YUL",),
    "panama city": ("PTY", "ECP"),
    "frankfurt": ("FRA",),
    "basel": ("BSL",),
    "berlin": ("BER",),
    "lyon": ("LYS",),
}
#: the metropolitan-area codes (not airports) agencies write for those cities
METRO_CODES: dict[str, str] = {
    "LON": "london",
    "NYC": "new york",
    "PAR": "paris",
    "MOW": "moscow",
    "MIL": "milan",
    "WAS": "washington",
    "TYO": "tokyo",
    "ROM": "rome",
    "STO": "stockholm",
    "CHI": "chicago",
    "SAO": "sao paulo",
    "RIO": "rio de janeiro",
    "BUE": "buenos aires",
    "OSA": "osaka",
    "SEL": "seoul",
    "BJS": "beijing",
    "YTO": "toronto",
    "YMQ": "montreal",
}
#: names of cities in other languages (accents and case aside) → the name airportsdata uses
CITY_EXONYMS: dict[str, str] = {
    "geneve": "geneva",
    "genf": "geneva",
    "ginevra": "geneva",
    "ginebra": "geneva",
    "женева": "geneva",
    "londres": "london",
    "londra": "london",
    "лондон": "london",
    "nueva york": "new york",
    "new york city": "new york",
    "нью йорк": "new york",
    "moscou": "moscow",
    "moskau": "moscow",
    "moscu": "moscow",
    "moskva": "moscow",
    "москва": "moscow",
    "munchen": "munich",
    "wien": "vienna",
    "vienne": "vienna",
    "viena": "vienna",
    "вена": "vienna",
    "roma": "rome",
    "milano": "milan",
    "bruxelles": "brussels",
    "brussel": "brussels",
    "lisboa": "lisbon",
    "lisbonne": "lisbon",
    "pekin": "beijing",
    "le caire": "cairo",
    "el cairo": "cairo",
    "addis abeba": "addis ababa",
    "copenhague": "copenhagen",
    "kobenhavn": "copenhagen",
    "varsovie": "warsaw",
    "warszawa": "warsaw",
    "praha": "prague",
    "athenes": "athens",
    "atenas": "athens",
    "bale": "basel",
    "basle": "basel",
    "ciudad de panama": "panama city",
    "panama": "panama city",
    "delhi": "new delhi",
    "nueva delhi": "new delhi",
    "frankfurt am main": "frankfurt",
}
#: words in an airport's name that say it has no scheduled passenger flights
NOT_COMMERCIAL = (
    "air base",
    "afb",
    "raf ",
    "heliport",
    "seaplane",
    "skyport",
    "army",
    "naval",
    "air force",
    "military",
)


def place_key(text: str) -> str:
    """A place name as compared: case, accents and punctuation aside ("Genève" → "geneve")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", bare).split())


def _commercial(airport: Airport) -> bool:
    name = airport.name.casefold() + " "
    return not any(word in name for word in NOT_COMMERCIAL)


@functools.cache
def _places() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """Airport codes by city name and by airport name (both by ``place_key``), built once."""
    cities: dict[str, list[str]] = {}
    names: dict[str, list[str]] = {}
    for airport in _airports().values():
        if not _commercial(airport):
            continue
        for part in {airport.city, *airport.city.split("/")}:
            if place_key(part):
                cities.setdefault(place_key(part), []).append(airport.code)
        name = place_key(airport.name)
        short = re.sub(r"( international)?( airport)?$", "", name).strip()
        for key in {name, short}:
            if key:
                names.setdefault(key, []).append(airport.code)
    return (
        {key: tuple(sorted(set(codes))) for key, codes in cities.items()},
        {key: tuple(sorted(set(codes))) for key, codes in names.items()},
    )


def _main_airport(codes: tuple[str, ...]) -> tuple[str, ...]:
    """Among one city's airports, the only international one where there is exactly one
    (Nairobi: NBO, not Wilson); else all of them."""
    international = [c for c in codes if "international" in _airports()[c].name.casefold()]
    return (international[0],) if len(international) == 1 else codes


def find_place(text: str) -> list[Airport]:
    """The airports a code, a city or an airport name stands for: [] if none is known, one
    airport, or several where the name is ambiguous (London: LHR, LGW, STN, LTN, LCY, SEN)."""
    code = text.strip().upper()
    if len(code) == IATA_CODE_LEN and code.isalpha():
        airport = find(code)
        if airport is not None:
            return [airport]
        if code in METRO_CODES:
            return [a for c in METRO_AIRPORTS[METRO_CODES[code]] if (a := find(c))]
    key = place_key(text)
    if not key:
        return []
    key = CITY_EXONYMS.get(key, key)
    cities, names = _places()
    if key in METRO_AIRPORTS:
        codes = METRO_AIRPORTS[key]
    elif key in cities:
        codes = _main_airport(cities[key])
    else:
        codes = names.get(key, ())
    return [airport for c in codes if (airport := find(c)) is not None]


def is_airport_code(text: str) -> bool:
    """Whether ``text`` is three letters that are a known airport's IATA code."""
    value = text.strip()
    return len(value) == IATA_CODE_LEN and value.isalpha() and find(value) is not None


def country_of_place(text: str) -> str | None:
    """The ISO country code of a city or airport (one country even where a city has several
    airports, e.g. London: GB); None if unknown or in several countries."""
    countries = {airport.country_code for airport in find_place(text)}
    return countries.pop() if len(countries) == 1 else None
