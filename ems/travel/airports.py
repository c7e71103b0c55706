"""Airports by IATA code (the airportsdata package) and great-circle distances."""

from __future__ import annotations

import difflib
import functools
import math
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
