"""Flight emissions by the DESNZ method: haul, cabin class, factor edition, with and without RF.

Each leg is computed on its own great-circle distance (no uplift: the 8 % is inside the DESNZ
factors). The haul follows the haul definitions of the leg's year's DESNZ edition (the nearest
edition where the year has none, 2018–2021 say: the line names the edition used): flights
within the UK and the places that edition counts as domestic (the Crown dependencies from 2023;
in 2022 Jersey and Guernsey are short haul) are domestic; flights between them and another
country take that country's haul; all others are international, to/from non-UK. Or, when the
organisation chooses so, distance bands: UK domestic flights domestic, every other flight short
or long haul by DESNZ's 3,700 km, with its class. A class DESNZ does not publish for a haul
falls back to the nearest published one, and the line says so.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from ems import labels
from ems.errors import NotFound, ValidationFailed
from ems.extensions import db
from ems.factors.keys import factor_key
from ems.factors.models import FactorSet, HaulDefinition
from ems.factors.regions import region_of
from ems.factors.services import FactorSelector, SelectedFactor
from ems.factors.shipped import HOTEL_AVERAGE_FAMILY, HOTEL_AVERAGE_REGION
from ems.ledger.models import Basis, SourceCategory
from ems.ledger.services import LineSpec, co2e_grams
from ems.org.services import get_organisation
from ems.travel.airports import Airport, great_circle_km

AIR_FAMILY = "desnz_air"
HAUL_FAMILY = "desnz_haul"
METHOD = "desnz_air_gcd"
#: the UK, domestic in every edition (other places only where an edition says so)
UK = "GB"
#: DESNZ's short-haul limit, for the distance bands an organisation may choose instead of the
#: haul definitions
SHORT_HAUL_MAX_KM = Decimal(3700)
#: legs shorter than this could often be made by rail
RAIL_HINT_MAX_KM = Decimal(700)
SCOPE3_BUSINESS_TRAVEL = 6


class CabinClass(enum.StrEnum):
    """The cabin booked."""

    economy = "economy"
    premium_economy = "premium_economy"
    business = "business"
    first = "first"
    unknown = "unknown"


class HaulMethod(enum.StrEnum):
    """How the haul of a flight is decided (an organisation setting)."""

    desnz = "desnz"
    distance_bands = "distance_bands"


#: the classes DESNZ publishes per haul
PUBLISHED_CLASSES = {
    "domestic": ("average",),
    "short_haul": ("average", "economy", "business"),
    "long_haul": ("average", "economy", "premium_economy", "business", "first"),
    "international_non_uk": ("average", "economy", "premium_economy", "business", "first"),
}
#: for a class not published for a haul, the published classes to try, nearest first
CLASS_FALLBACKS = {
    "economy": ("economy", "average"),
    "premium_economy": ("premium_economy", "economy", "average"),
    "business": ("business", "average"),
    "first": ("first", "business", "average"),
}


@dataclass(frozen=True, slots=True)
class LegResult:
    """A flight leg's distance, haul, class used, factors and emissions."""

    origin: Airport
    destination: Airport
    departure_on: dt.date
    cabin_class: CabinClass
    passengers: int
    distance_km: Decimal
    haul: str
    factor_class: str
    with_rf: SelectedFactor
    without_rf: SelectedFactor
    notes: tuple[str, ...] = ()

    @property
    def passenger_km(self) -> Decimal:
        """Distance times passengers."""
        return self.distance_km * self.passengers

    @property
    def co2e_g_with_rf(self) -> int:
        """Grams CO2e including non-CO2 effects."""
        return co2e_grams(self.passenger_km, self.with_rf.factor.kgco2e_per_unit)

    @property
    def co2e_g_without_rf(self) -> int:
        """Grams CO2e without non-CO2 effects."""
        return co2e_grams(self.passenger_km, self.without_rf.factor.kgco2e_per_unit)

    @property
    def rail_possible(self) -> bool:
        """True when the leg is short enough for rail to be worth considering."""
        return self.distance_km < RAIL_HINT_MAX_KM

    @property
    def route(self) -> str:
        """'GVA→JFK'."""
        return f"{self.origin.code}→{self.destination.code}"


@dataclass
class FlightCalculator:
    """Computes legs with one factor selector; remembers haul definitions between legs."""

    selector: FactorSelector = field(default_factory=FactorSelector)
    haul_method: HaulMethod = HaulMethod.desnz
    _hauls: dict[int, dict[str, str]] | None = None
    _domestic_somewhere: frozenset[str] | None = None

    def _haul_tables(self) -> dict[int, dict[str, str]]:
        if self._hauls is None:
            tables: dict[int, dict[str, str]] = {}
            rows = db.session.execute(
                sa.select(FactorSet.edition_year, HaulDefinition.country_code, HaulDefinition.haul)
                .join(FactorSet)
                .where(FactorSet.family == HAUL_FAMILY, HaulDefinition.country_code.is_not(None))
                .order_by(FactorSet.id)
            )
            for year, country, haul in rows:
                if country:
                    tables.setdefault(year, {})[country] = haul
            self._hauls = tables
        return self._hauls

    def _ever_domestic(self) -> frozenset[str]:
        """The places other than the UK that some edition counts as domestic."""
        if self._domestic_somewhere is None:
            self._domestic_somewhere = frozenset(
                code
                for table in self._haul_tables().values()
                for code, haul in table.items()
                if haul == "domestic" and code != UK
            )
        return self._domestic_somewhere

    def haul(
        self, origin: Airport, destination: Airport, distance_km: Decimal, year: int
    ) -> tuple[str, list[str]]:
        """The DESNZ haul of a leg and what was assumed to decide it."""
        countries = (origin.country_code, destination.country_code)
        if self.haul_method is HaulMethod.distance_bands:
            if countries == (UK, UK):
                return "domestic", [_("distance bands: UK domestic")]
            band = "short_haul" if distance_km < SHORT_HAUL_MAX_KM else "long_haul"
            return band, [_("distance bands: %(band)s", band=band)]
        tables = self._haul_tables()
        if not tables:
            raise ValidationFailed(
                {"": _("The DESNZ haul definitions are not loaded; run “ems factors load”.")}
            )
        edition = min(tables, key=lambda y: (abs(y - year), y))
        table = tables[edition]
        domestic = [code == UK or table.get(code) == "domestic" for code in countries]
        # most legs touch no place of the UK's: no note to write (where a place some edition
        # counts as domestic is foreign, the note says by which edition)
        if not any(domestic) and not any(code in self._ever_domestic() for code in countries):
            return "international_non_uk", []
        if edition == year:
            notes = [_("DESNZ %(edition)d haul definitions", edition=edition)]
        else:
            notes = [
                _(
                    "DESNZ %(edition)d haul definitions (none loaded for %(year)d)",
                    edition=edition,
                    year=year,
                )
            ]
        if not any(domestic):
            return "international_non_uk", notes
        if all(domestic):
            return "domestic", notes
        other = countries[1] if domestic[0] else countries[0]
        haul = table.get(other)
        if haul is None:
            notes.append(
                _(
                    "%(country)s is not in the %(year)d haul definitions: long haul",
                    country=other,
                    year=edition,
                )
            )
            return "long_haul", notes
        return haul, notes

    def leg(
        self,
        *,
        origin: Airport,
        destination: Airport,
        departure_on: dt.date,
        cabin_class: CabinClass,
        passengers: int,
    ) -> LegResult:
        """Compute one leg. Raises NotFound when the factor library lacks the factor."""
        distance = great_circle_km(origin, destination)
        haul, notes = self.haul(origin, destination, distance, departure_on.year)
        factor_class = "average"
        if cabin_class is not CabinClass.unknown:
            factor_class = next(
                c for c in CLASS_FALLBACKS[cabin_class.value] if c in PUBLISHED_CLASSES[haul]
            )
        if cabin_class is CabinClass.unknown:
            notes.append(_("class unknown: average passenger"))
        elif factor_class != cabin_class.value:
            notes.append(
                _(
                    "%(cabin)s not published for %(haul)s: %(used)s used",
                    cabin=cabin_class.value,
                    haul=haul,
                    used=factor_class,
                )
            )
        selected = {
            rf: self.selector.select(
                family=AIR_FAMILY,
                year=departure_on.year,
                key=factor_key(
                    "air",
                    "passenger_flight",
                    "passenger_km",
                    haul=haul,
                    cabin_class=factor_class,
                    rf=rf,
                ),
            )
            for rf in ("with_rf", "without_rf")
        }
        return LegResult(
            origin=origin,
            destination=destination,
            departure_on=departure_on,
            cabin_class=cabin_class,
            passengers=passengers,
            distance_km=distance,
            haul=haul,
            factor_class=factor_class,
            with_rf=selected["with_rf"],
            without_rf=selected["without_rf"],
            notes=tuple(notes),
        )


def leg_lines(
    result: LegResult,
    *,
    activity_type: str,
    activity_id: int,
    item: str,
    label: str,
    department_id: int | None,
) -> list[LineSpec]:
    """The two ledger lines of a leg: with and without radiative forcing."""
    note = "; ".join([label, result.haul, result.factor_class, *result.notes])
    return [
        LineSpec(
            activity_type=activity_type,
            activity_id=activity_id,
            year=result.departure_on.year,
            scope=3,
            scope3_category=SCOPE3_BUSINESS_TRAVEL,
            source_category=SourceCategory.air_travel,
            basis=basis,
            quantity=result.passenger_km,
            quantity_unit="passenger_km",
            selected=selected,
            method=METHOD,
            department_id=department_id,
            item=item,
            note=note,
        )
        for basis, selected in (
            (Basis.with_rf, result.with_rf),
            (Basis.without_rf, result.without_rf),
        )
    ]


#: a journey on the ground between two places known only by their coordinates (airport codes)
#: goes this many times the great-circle distance: the route's detour. Rail and bus: the detour
#: coefficients of the pledge4future co2calculator (data/detour.csv: train 1.2, bus 1.5); road
#: (taxi, car): 1.3, as the IRAP Travel Carbon Footprint calculator uses (content.yml).
ROUTE_FACTORS = {
    "rail": Decimal("1.2"),
    "international_rail": Decimal("1.2"),
    "bus": Decimal("1.5"),
    "coach": Decimal("1.5"),
    "taxi": Decimal("1.3"),
    "car": Decimal("1.3"),
}
ROUTE_KM_STEP = Decimal("0.1")


def route_km(mode: str, origin: Airport, destination: Airport) -> Decimal:
    """The route distance of a ground journey between two places: the great-circle distance
    times the mode's route factor, to 0.1 km."""
    straight = great_circle_km(origin, destination)
    return (straight * ROUTE_FACTORS[mode]).quantize(ROUTE_KM_STEP, rounding=ROUND_HALF_UP)


def route_note(mode: str, origin: Airport, destination: Airport, distance_km: Decimal) -> str:
    """What a ground journey's line says of its distance, where it runs between two known
    places: estimated by the route factor, or the straight line (recorded before ems applied
    route factors); nothing where the distance was entered."""
    straight = great_circle_km(origin, destination)
    if distance_km == route_km(mode, origin, destination):
        return _(
            "distance estimated: %(factor)s × great circle %(km)s km (route factor of %(mode)s)",
            factor=ROUTE_FACTORS[mode],
            km=straight,
            mode=labels.label("ground_mode", mode).split(" (")[0].lower(),
        )
    if distance_km == straight:
        return _("distance: great circle between the places, without a route factor")
    return ""


OTHER_FAMILY = "desnz_other"
#: ground mode → (factor category, activity, unit, whether the distance counts per passenger)
GROUND_FACTORS = {
    "rail": ("rail", "national_rail", "passenger_km", True),
    "international_rail": ("rail", "international_rail", "passenger_km", True),
    "bus": ("bus", "average_local_bus", "passenger_km", True),
    "coach": ("bus", "coach", "passenger_km", True),
    "taxi": ("taxi", "regular_taxi", "passenger_km", True),
    "car": ("car", "average_car_unknown", "km", False),
}


@dataclass(frozen=True)
class GroundResult:
    """A ground journey's factor and emissions."""

    mode: str
    travelled_on: dt.date
    quantity: Decimal
    unit: str
    selected: SelectedFactor

    @property
    def co2e_g(self) -> int:
        """Grams CO2e."""
        return co2e_grams(self.quantity, self.selected.factor.kgco2e_per_unit)


@dataclass(frozen=True)
class HotelResult:
    """A hotel stay's factor (None where DESNZ publishes none for the country) and emissions."""

    country_code: str
    check_in_on: dt.date
    room_nights: int
    selected: SelectedFactor | None

    @property
    def co2e_g(self) -> int | None:
        """Grams CO2e, or None without a factor."""
        if self.selected is None:
            return None
        return co2e_grams(Decimal(self.room_nights), self.selected.factor.kgco2e_per_unit)


def ground_result(
    selector: FactorSelector,
    *,
    mode: str,
    travelled_on: dt.date,
    distance_km: Decimal,
    passengers: int,
) -> GroundResult:
    """The DESNZ factor and quantity of a journey by rail, bus, coach, taxi or car."""
    category, activity, unit, per_passenger = GROUND_FACTORS[mode]
    selected = selector.select(
        family=OTHER_FAMILY, year=travelled_on.year, key=factor_key(category, activity, unit)
    )
    quantity = distance_km * passengers if per_passenger else distance_km
    return GroundResult(
        mode=mode, travelled_on=travelled_on, quantity=quantity, unit=unit, selected=selected
    )


def hotel_result(
    selector: FactorSelector, *, country_code: str, check_in_on: dt.date, nights: int, rooms: int
) -> HotelResult:
    """The DESNZ room-night factor of the country; where no edition publishes one, the mean of
    the countries the year's edition publishes (ems.factors.shipped.hotel_averages), flagged
    as a fallback; None without either."""
    try:
        selected: SelectedFactor | None = selector.select(
            family=OTHER_FAMILY,
            year=check_in_on.year,
            key=factor_key("hotel", "hotel_stay", "room_night", country=country_code),
        )
    except NotFound:
        selected = _hotel_average(selector, country_code, check_in_on.year)
    return HotelResult(
        country_code=country_code,
        check_in_on=check_in_on,
        room_nights=nights * rooms,
        selected=selected,
    )


def _hotel_fallback(selector: FactorSelector) -> tuple[str, str | None]:
    """The organisation's choice of fallback for hotel stays (read once per selection)."""
    if "hotel_fallback" not in selector.memo:
        settings = get_organisation()
        selector.memo["hotel_fallback"] = (
            settings.hotel_fallback,
            settings.hotel_fallback_country,
        )
    how, country = selector.memo["hotel_fallback"]
    return str(how), country


def _hotel_average(selector: FactorSelector, country_code: str, year: int) -> SelectedFactor | None:
    """The fallback of a stay in a country no DESNZ edition covers, as the organisation chose
    it: the mean of the published countries of the country's UN M49 region or of the world
    (ems.factors.shipped.hotel_averages), or the factor of a country it names; flagged."""
    how, proxy = _hotel_fallback(selector)
    if how == "country" and proxy and proxy != country_code:
        try:
            chosen = selector.select(
                family=OTHER_FAMILY,
                year=year,
                key=factor_key("hotel", "hotel_stay", "room_night", country=proxy),
            )
        except NotFound:
            pass  # that country has no factor either: the world mean below
        else:
            note = _(
                "no DESNZ hotel factor for %(country)s: that of %(proxy)s stands in "
                "(organisation setting)",
                country=country_code,
                proxy=proxy,
            )
            return replace(
                chosen, selection="proxy", note="; ".join(filter(None, [note, chosen.note]))
            )
    pinned = selector.pinned.get(OTHER_FAMILY)
    if pinned is not None:  # the means of the pinned edition's countries
        pinned_set = db.session.get(FactorSet, pinned)
        year = pinned_set.edition_year if pinned_set is not None else year
    regions = [HOTEL_AVERAGE_REGION]
    region = region_of(country_code) if how == "region" else None
    if region is not None:
        regions.insert(0, region)
    for place in regions:
        try:
            average = selector.select(
                family=HOTEL_AVERAGE_FAMILY,
                year=year,
                key=factor_key("hotel", "hotel_stay_average", "room_night", region=place),
            )
        except NotFound:  # no published country in the region, or the sets are not loaded
            continue
        if place == HOTEL_AVERAGE_REGION:
            note = _(
                "no DESNZ hotel factor for %(country)s: the mean of the countries of DESNZ "
                "%(edition)d (%(set)s)",
                country=country_code,
                edition=average.factor_set.edition_year,
                set=average.factor_set.code,
            )
        else:
            note = _(
                "no DESNZ hotel factor for %(country)s: the mean of the countries of %(region)s "
                "in DESNZ %(edition)d (%(set)s)",
                country=country_code,
                region=place.title(),
                edition=average.factor_set.edition_year,
                set=average.factor_set.code,
            )
        if average.note:
            note = f"{note}; {average.note}"
        return replace(average, selection="average", note=note)
    return None


def ground_lines(
    result: GroundResult, *, activity_id: int, item: str, label: str, department_id: int | None
) -> list[LineSpec]:
    """The ledger line of a ground journey (scope 3, business travel)."""
    return [
        LineSpec(
            activity_type="trip",
            activity_id=activity_id,
            year=result.travelled_on.year,
            scope=3,
            scope3_category=SCOPE3_BUSINESS_TRAVEL,
            source_category=SourceCategory.other_travel,
            quantity=result.quantity,
            quantity_unit=result.unit,
            selected=result.selected,
            method=f"desnz_{result.mode}",
            department_id=department_id,
            item=item,
            note=label,
        )
    ]


def hotel_lines(
    result: HotelResult, *, activity_id: int, item: str, label: str, department_id: int | None
) -> list[LineSpec]:
    """The ledger line of a hotel stay; none without a factor (the mean's set not loaded)."""
    if result.selected is None:
        return []
    return [
        LineSpec(
            activity_type="trip",
            activity_id=activity_id,
            year=result.check_in_on.year,
            scope=3,
            scope3_category=SCOPE3_BUSINESS_TRAVEL,
            source_category=SourceCategory.hotels,
            quantity=Decimal(result.room_nights),
            quantity_unit="room_night",
            selected=result.selected,
            method="desnz_hotel_room_night",
            department_id=department_id,
            item=item,
            note=label,
        )
    ]
