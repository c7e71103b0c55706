"""A year's flights as ICAO's Carbon Emissions Calculator takes them.

The UN system's environmental inventory computes air travel with ICAO's calculator, whose
tables are ICAO's own, not ems's to ship: the focal point runs the calculator on this file. One
row per route flown in one cabin class (each leg a one-way flight, as ems computes it),
with the passengers summed over the year's legs; only flights the organisation paid for, as in
the inventory. ICAO's calculator knows the four classes (methodology v13, 2024); a flight whose
class is not known goes as economy, its default, in the route's economy row, and the row says
which classes ems recorded.

The results come back as the same file with its last column, kg CO2 per passenger, filled in
(or as a route table the organisation keeps: From, To, Cabin class, kg CO2 per passenger). They
are stored as a factor set of family ``icao`` for the year, with the calculator's version and
the file's SHA-256, and every flight of the year with a figure gets its ICAO line (see
services.icao_figures). Coverage: how many of the year's legs have one, and which routes lack it.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm
from flask_babel import gettext as _

from ems import labels
from ems.audit import services as audit
from ems.auth.models import User
from ems.errors import ValidationFailed
from ems.extensions import db
from ems.factors.models import FactorSet
from ems.factors.services import FactorSelector, add_factor_set
from ems.factors.shipped import FactorSpec, SetSpec
from ems.ledger import services as ledger
from ems.ledger import versions
from ems.ledger.models import Basis, EmissionLine
from ems.org import services as org
from ems.org.services import get_organisation
from ems.tables import ImportFailed, RowError, read_table
from ems.travel import airports
from ems.travel.calculation import CabinClass
from ems.travel.models import FlightLeg, PaidBy, Trip
from ems.travel.services.icao_figures import ICAO_FAMILY
from ems.travel.services.lines import (
    ACTIVITY_TYPE,
    flight_calculator,
    leg_item_sql,
    trip_icao_lines,
    trip_results,
    trips_of_year,
)
from ems.validation import check_text, check_year

#: the column the focal point fills in from the calculator's results, for the import back
RESULT_COLUMN_TITLE = "kg CO2 per passenger"

#: ICAO's names of the cabin classes
ICAO_CLASSES = {
    CabinClass.economy: "Economy",
    CabinClass.premium_economy: "Premium Economy",
    CabinClass.business: "Business",
    CabinClass.first: "First",
    CabinClass.unknown: "Economy",
}
ICAO_HEADER = (
    "From",
    "To",
    "Cabin class",
    "Trip type",
    "Passengers",
    "Legs",
    "Classes recorded in ems",
    RESULT_COLUMN_TITLE,
)


def icao_rows(year: int) -> list[list[Any]]:
    """The flights departing in ``year`` on trips the organisation paid for, one row per
    route and ICAO class (header first), busiest first."""
    found = db.session.execute(
        sa.select(
            FlightLeg.origin,
            FlightLeg.destination,
            FlightLeg.cabin_class,
            sa.func.sum(FlightLeg.passengers),
            sa.func.count(),
        )
        .join(Trip, Trip.id == FlightLeg.trip_id)
        .where(
            Trip.paid_by == PaidBy.organisation,
            FlightLeg.departure_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)),
        )
        .group_by(FlightLeg.origin, FlightLeg.destination, FlightLeg.cabin_class)
    ).all()
    # an unknown class goes with economy: one row per route and class as ICAO takes them
    rows: dict[tuple[str, str, str], list[Any]] = {}
    for origin, destination, cabin, passengers, legs in found:
        row = rows.setdefault(
            (origin, destination, ICAO_CLASSES[cabin]),
            [origin, destination, ICAO_CLASSES[cabin], "One way", 0, 0, [], ""],
        )
        row[4] += int(passengers)
        row[5] += legs
        row[6].append(cabin)
    ordered = sorted(rows.values(), key=lambda row: (-row[4], row[0], row[1], row[2]))
    for row in ordered:
        row[6] = ", ".join(labels.label("cabin_class", cabin) for cabin in sorted(row[6]))
    return [list(ICAO_HEADER), *ordered]


#: the columns of a results file; the export's own columns are allowed and ignored
RESULT_COLUMNS = ("from", "to", "cabin_class", "kg_co2_per_passenger")
IGNORED_COLUMNS = ("passengers", "legs", "classes_recorded_in_ems", "source", "notes")
RESULT_ALIASES = {
    "origin": "from",
    "destination": "to",
    "class": "cabin_class",
    "cabin": "cabin_class",
    "kg co2/pax": "kg_co2_per_passenger",
    "kg co2 per pax": "kg_co2_per_passenger",
    "co2 per passenger (kg)": "kg_co2_per_passenger",
    "passenger co2 (kg)": "kg_co2_per_passenger",
    "co2 (kg) per passenger": "kg_co2_per_passenger",
}
#: the columns as the file for ICAO's calculator heads them: row errors name them so
COLUMN_TITLES = {
    "from": "From",
    "to": "To",
    "cabin_class": "Cabin class",
    "trip_type": "Trip type",
    "kg_co2_per_passenger": RESULT_COLUMN_TITLE,
}
#: ICAO's class names (and ems's) → the class of the figure
CLASS_NAMES = {
    "economy": "economy",
    "premium economy": "premium_economy",
    "premium_economy": "premium_economy",
    "business": "business",
    "first": "first",
}
#: a round trip's figure covers both directions: half of it is one leg's
TRIP_TYPES = {"": 1, "one way": 1, "one-way": 1, "round trip": 2, "round-trip": 2, "return": 2}
#: more than any passenger's CO2 on one flight (the longest first-class flights burn < 3 t)
MAX_KG_PER_PASSENGER = Decimal(10_000)
KG_STEP = Decimal("0.001")


class IcaoSource(enum.StrEnum):
    """Where a file of ICAO figures comes from."""

    calculator = "calculator"
    route_table = "route_table"


SOURCE_TITLES = {
    IcaoSource.calculator: "ICAO Carbon Emissions Calculator results",
    IcaoSource.route_table: "Route table kept by the organisation (ICAO figures)",
}


#: a figure as people write it: 291.4, 291,4 (a decimal comma), 1 234,5 or 1,234.5
_KG_TEXT = re.compile(
    r"\d+(?:[.,]\d+)?|\d{1,3}(?:[ ,]\d{3})+(?:\.\d+)?|\d{1,3}(?:[ .]\d{3})+(?:,\d+)?"
)


def _kg(text: str) -> Decimal | None:
    """kg of CO2 written with a decimal point or a decimal comma (spreadsheets of French or
    Spanish locale), thousands separated or not; None unless above 0 and at most the limit.
    A comma before exactly three digits, with no point, is read as thousands (1,234)."""
    text = text.replace("\u00a0", " ").replace("\u202f", " ").strip()
    if not _KG_TEXT.fullmatch(text):
        return None
    if "," in text and "." not in text and not re.search(r",\d{3}(?!\d)", text):
        text = text.replace(" ", "").replace(",", ".")  # a decimal comma
    elif "," in text and "." in text and text.rindex(",") > text.rindex("."):
        text = text.replace(" ", "").replace(".", "").replace(",", ".")  # 1.234,5
    else:
        text = text.replace(" ", "").replace(",", "")
    kg = Decimal(text)
    return kg if Decimal(0) < kg <= MAX_KG_PER_PASSENGER else None


def _route_figures(data: bytes, filename: str) -> dict[tuple[str, str, str], tuple[int, Decimal]]:
    """(origin, destination, class) → (row, kg CO2 per passenger of one leg), all or nothing."""
    if data[:5] == b"%PDF-":
        raise ImportFailed([], _("The file is a PDF: upload the CSV, XLSX or ODS file."))
    try:
        rows = read_table(
            data,
            filename,
            required=RESULT_COLUMNS,
            optional=("trip_type", *IGNORED_COLUMNS),
            aliases=RESULT_ALIASES,
        )
    except ImportFailed as failed:  # the header's problems, named as the file heads them
        raise ImportFailed(
            [
                RowError(error.row, COLUMN_TITLES.get(error.field, error.field), error.message)
                for error in failed.row_errors
            ],
            None if failed.row_errors else failed.errors.get("file"),
        ) from None
    errors: list[RowError] = []
    figures: dict[tuple[str, str, str], tuple[int, Decimal]] = {}
    for number, row in rows:
        if not row["kg_co2_per_passenger"]:
            continue  # a route the calculator gave no figure for: it stays without one
        before = len(errors)
        ends = []
        for column in ("from", "to"):
            airport = airports.find(row[column]) if row[column] else None
            if airport is None:
                errors.append(
                    RowError(
                        number, COLUMN_TITLES[column], _("not an airport code (IATA, 3 letters)")
                    )
                )
            else:
                ends.append(airport.code)
        cabin = CLASS_NAMES.get(" ".join(row["cabin_class"].lower().split()))
        if cabin is None:
            errors.append(
                RowError(
                    number,
                    COLUMN_TITLES["cabin_class"],
                    _("use Economy, Premium Economy, Business or First"),
                )
            )
        directions = TRIP_TYPES.get(" ".join(row.get("trip_type", "").lower().split()))
        if directions is None:
            errors.append(
                RowError(number, COLUMN_TITLES["trip_type"], _("use One way or Round trip"))
            )
        kg = _kg(row["kg_co2_per_passenger"])
        if kg is None:
            errors.append(
                RowError(
                    number,
                    COLUMN_TITLES["kg_co2_per_passenger"],
                    _(
                        "“%(value)s”: enter kg of CO2 above 0 and at most %(n)s, such as 291.4 "
                        "or 291,4",
                        value=row["kg_co2_per_passenger"][:40],
                        n=f"{MAX_KG_PER_PASSENGER:,.0f}",
                    ),
                )
            )
        if len(errors) > before or kg is None or cabin is None or directions is None:
            continue
        if ends[0] == ends[1]:
            errors.append(RowError(number, COLUMN_TITLES["to"], _("the same airport as From")))
            continue
        per_leg = (kg / directions).quantize(KG_STEP, rounding=ROUND_HALF_UP)
        if not per_leg:
            errors.append(
                RowError(
                    number,
                    COLUMN_TITLES["kg_co2_per_passenger"],
                    _("less than %(step)s kg for one passenger", step=KG_STEP),
                )
            )
            continue
        key = (ends[0], ends[1], cabin)
        earlier = figures.get(key)
        if earlier is not None and earlier[1] != per_leg:
            errors.append(
                RowError(
                    number,
                    COLUMN_TITLES["kg_co2_per_passenger"],
                    _(
                        "row %(row)d gives %(kg)s kg for this route and class",
                        row=earlier[0],
                        kg=f"{earlier[1].normalize():f}",
                    ),
                )
            )
            continue
        figures.setdefault(key, (number, per_leg))
    if errors:
        raise ImportFailed(errors)
    if not figures:
        raise ImportFailed(
            [], _("No row has a figure in the column “%(column)s”.", column=RESULT_COLUMN_TITLE)
        )
    return figures


@dataclass(frozen=True)
class IcaoImport:
    """What an import of ICAO figures did."""

    factor_set: FactorSet
    created: bool
    routes: int
    legs_covered: int
    legs: int
    #: covered before the import: the year's newest file replaces its earlier ones
    legs_covered_before: int


def import_icao_figures(
    *,
    actor: User | None,
    data: bytes,
    filename: str,
    year: int | None,
    version: str,
    source: IcaoSource | str,
) -> IcaoImport:
    """Import ICAO's figures for ``year``'s flights (the calculator's results or a route table)
    and write the ICAO line of every flight of the year they cover, beside its DESNZ lines.
    All or nothing; importing the same file again changes nothing."""
    errors: dict[str, str] = {}
    year = check_year(errors, "year", year)
    version = check_text(errors, "version", version, 40)
    if source not in set(IcaoSource):
        errors["source"] = _("Choose where the figures come from.")
    if year and year in org.closed_years():
        errors["year"] = _("%(year)d is closed; reopen it to add ICAO figures.", year=year)
    if errors:
        raise ValidationFailed(errors)
    figures = _route_figures(data, filename)
    digest = hashlib.sha256(data).hexdigest()
    kind = IcaoSource(source)
    spec = SetSpec(
        code=f"{ICAO_FAMILY}-{year}",
        family=ICAO_FAMILY,
        publisher="ICAO" if kind is IcaoSource.calculator else get_organisation().name,
        title=f"{SOURCE_TITLES[kind]}, {year}",
        edition_year=year,
        version=version,
        licence="Figures computed by the organisation with ICAO's calculator",
        source=f"{SOURCE_TITLES[kind]}: {filename}, SHA-256 {digest}",
        notes="kg CO2 per passenger of one flight leg (CO2 only, no other gases, no RF).",
        factors=[
            FactorSpec(
                category="air_icao",
                activity="passenger_flight",
                unit="passenger",
                attributes={"origin": origin, "destination": destination, "cabin_class": cabin},
                kgco2e_per_unit=kg,
                kgco2_per_unit=kg,
                label=f"{origin}-{destination} {cabin} ({SOURCE_TITLES[kind]} {version})",
            )
            for (origin, destination, cabin), (_row, kg) in sorted(figures.items())
        ],
    )
    factor_set, created = add_factor_set(actor=actor, spec=spec, file_sha256=digest)
    if not created:  # its lines were written when it was imported, and follow every edit
        coverage = icao_coverage(year, missing_limit=0)
        return IcaoImport(
            factor_set=factor_set,
            created=False,
            routes=len(figures),
            legs_covered=coverage.legs_covered,
            legs=coverage.legs,
            legs_covered_before=coverage.legs_covered,
        )
    legs_covered_before = icao_coverage(year, missing_limit=0).legs_covered
    selector = FactorSelector()
    flights = flight_calculator(selector)
    for trip_id in trips_of_year(year):
        trip = db.session.get_one(Trip, trip_id)
        ledger.record_lines(
            activity_type=ACTIVITY_TYPE,
            activity_id=trip.id,
            lines=trip_icao_lines(trip, trip_results(trip, flights), selector),
            basis=Basis.icao,
        )
    coverage = icao_coverage(year)
    audit.record(
        actor=actor,
        action="travel.icao.imported",
        obj=factor_set,
        summary=f"ICAO figures for {year} from {filename} ({len(figures)} routes): "
        f"{coverage.legs_covered} of {coverage.legs} legs covered",
        changes={"file_sha256": {"before": None, "after": digest}},
    )
    return IcaoImport(
        factor_set=factor_set,
        created=created,
        routes=len(figures),
        legs_covered=coverage.legs_covered,
        legs=coverage.legs,
        legs_covered_before=legs_covered_before,
    )


@dataclass(frozen=True)
class MissingRoute:
    """A route and class flown in the year without an ICAO figure."""

    origin: str
    destination: str
    cabin_class: str
    legs: int
    passengers: int


@dataclass(frozen=True)
class IcaoCoverage:
    """How far a year's flights have ICAO figures, and the two methods side by side."""

    year: int
    #: legs of flights the organisation paid for, in the year; those with an ICAO line
    legs: int
    legs_covered: int
    #: ICAO's figure of the covered legs; DESNZ's (without RF) of the same legs and of the rest
    icao_g: int
    desnz_covered_g: int
    desnz_uncovered_g: int
    #: the routes (and ICAO classes) flown without a figure, most legs first (the first 50)
    missing: list[MissingRoute] = field(default_factory=list)
    routes_missing: int = 0

    @property
    def coverage_pct(self) -> Decimal | None:
        """Share of the legs with an ICAO figure, in %; None without legs."""
        if not self.legs:
            return None
        return (Decimal(100) * self.legs_covered / self.legs).quantize(Decimal("0.1"))

    @property
    def gtb_g(self) -> int:
        """Air travel as the UN inventory takes it: ICAO where present, DESNZ without RF for
        the legs without an ICAO figure."""
        return self.icao_g + self.desnz_uncovered_g

    @property
    def difference_pct(self) -> Decimal | None:
        """ICAO's figure of the covered legs against DESNZ's (without RF), in %."""
        if not self.desnz_covered_g:
            return None
        change = Decimal(100) * (self.icao_g - self.desnz_covered_g) / self.desnz_covered_g
        return change.quantize(Decimal("0.1"))


def icao_coverage(year: int, *, missing_limit: int = 50) -> IcaoCoverage:
    """The year's ICAO coverage and both methods' figures (read-only), computed once per
    version of the year's lines (the dashboard asks on every visit). Shared: do not change."""
    return versions.kept(
        ("icao_coverage", year, missing_limit), [year], lambda: _coverage(year, missing_limit)
    )


def _coverage(year: int, missing_limit: int) -> IcaoCoverage:
    icao = sa.orm.aliased(EmissionLine)
    desnz = sa.orm.aliased(EmissionLine)
    covered = (
        sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(icao.co2e_g), 0),
            sa.func.coalesce(sa.func.sum(desnz.co2e_g), 0),
        )
        .select_from(icao)
        .join(
            desnz,
            sa.and_(
                desnz.activity_type == icao.activity_type,
                desnz.activity_id == icao.activity_id,
                desnz.item == icao.item,
                desnz.basis == Basis.without_rf,
                desnz.superseded_at.is_(None),
            ),
        )
        .where(icao.year == year, icao.basis == Basis.icao, icao.superseded_at.is_(None))
    )
    legs_covered, icao_g, desnz_covered_g = db.session.execute(covered).one()
    desnz_all_g = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(EmissionLine.co2e_g), 0)).where(
            EmissionLine.year == year,
            EmissionLine.basis == Basis.without_rf,
            EmissionLine.superseded_at.is_(None),
        )
    )
    has_icao = (
        sa.select(EmissionLine.id)
        .where(
            EmissionLine.activity_type == ACTIVITY_TYPE,
            EmissionLine.activity_id == FlightLeg.trip_id,
            EmissionLine.item == leg_item_sql(),
            EmissionLine.basis == Basis.icao,
            EmissionLine.superseded_at.is_(None),
        )
        .exists()
    )
    paid_legs = (
        sa.select(FlightLeg)
        .join(Trip, Trip.id == FlightLeg.trip_id)
        .where(
            Trip.paid_by == PaidBy.organisation,
            FlightLeg.departure_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)),
        )
    )
    legs = db.session.scalar(sa.select(sa.func.count()).select_from(paid_legs.subquery()))
    missing: dict[tuple[str, str, str], list[int]] = {}
    for origin, destination, cabin, count, passengers in db.session.execute(
        paid_legs.with_only_columns(
            FlightLeg.origin,
            FlightLeg.destination,
            FlightLeg.cabin_class,
            sa.func.count(),
            sa.func.sum(FlightLeg.passengers),
        )
        .where(~has_icao)
        .group_by(FlightLeg.origin, FlightLeg.destination, FlightLeg.cabin_class)
    ):
        # an unknown class takes the economy figure: one row per route and ICAO class
        found = missing.setdefault((origin, destination, ICAO_CLASSES[cabin]), [0, 0])
        found[0] += count
        found[1] += int(passengers)
    busiest = sorted(missing.items(), key=lambda item: (-item[1][0], item[0]))[:missing_limit]
    return IcaoCoverage(
        year=year,
        legs=int(legs or 0),
        legs_covered=int(legs_covered),
        icao_g=int(icao_g),
        desnz_covered_g=int(desnz_covered_g),
        desnz_uncovered_g=int(desnz_all_g or 0) - int(desnz_covered_g),
        missing=[MissingRoute(*route, legs, passengers) for route, (legs, passengers) in busiest],
        routes_missing=len(missing),
    )


def icao_sets() -> list[FactorSet]:
    """The imported sets of ICAO figures, newest year first."""
    return list(
        db.session.scalars(
            sa.select(FactorSet)
            .where(FactorSet.family == ICAO_FAMILY)
            .order_by(FactorSet.edition_year.desc(), FactorSet.id.desc())
        )
    )
