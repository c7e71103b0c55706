"""The demo's results file of ICAO's calculator: illustrative figures, not ICAO's.

ICAO's tables are not ems's to ship and its calculator cannot run here, so the demo fills in the
file of flights for ICAO's calculator (``travel.services.icao_rows``) with figures of the size
ICAO's calculator gives: kg CO2 per passenger = great-circle km × a rate per passenger-km that
falls with distance (take-off and landing weigh on short flights) × a cabin-class weight. The
file is imported under a version that says so, as a real focal point's file would be.
"""

from __future__ import annotations

import csv
import io
from decimal import ROUND_HALF_UP, Decimal

from ems.auth.models import User
from ems.travel import airports
from ems.travel.airports import great_circle_km
from ems.travel.services import IcaoSource, icao_rows, import_icao_figures

VERSION = "demo: illustrative figures, not ICAO's"
#: kg CO2 per passenger-km of economy, by great-circle distance up to (km)
ECONOMY_RATES = ((Decimal(1_000), Decimal("0.105")), (Decimal(4_000), Decimal("0.085")))
LONG_HAUL_RATE = Decimal("0.077")
#: the weight of each class's seat against economy's
CLASS_WEIGHTS = {
    "Economy": Decimal(1),
    "Premium Economy": Decimal("1.6"),
    "Business": Decimal("2.9"),
    "First": Decimal(4),
}
#: routes the demo's focal point found no figure for: left blank, as the calculator left them
UNCOVERED = frozenset({"NBO", "ADD"})


def illustrative_kg(origin: str, destination: str, cabin: str) -> Decimal | None:
    """An ICAO-sized figure for one passenger of a one-way flight; None for unknown airports."""
    start, end = airports.find(origin), airports.find(destination)
    if start is None or end is None:
        return None
    km = great_circle_km(start, end)
    rate = next((r for limit, r in ECONOMY_RATES if km <= limit), LONG_HAUL_RATE)
    return (km * rate * CLASS_WEIGHTS[cabin]).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def results_file(year: int) -> bytes:
    """The file of ``year``'s flights for ICAO's calculator with its last column filled in."""
    rows = icao_rows(year)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(rows[0])
    for row in rows[1:]:
        uncovered = row[0] in UNCOVERED or row[1] in UNCOVERED
        figure = None if uncovered else illustrative_kg(row[0], row[1], row[2])
        writer.writerow([*row[:-1], "" if figure is None else str(figure)])
    return out.getvalue().encode()


def import_results(*, actor: User | None, year: int) -> None:
    """Import the demo's results file of ``year``."""
    import_icao_figures(
        actor=actor,
        data=results_file(year),
        filename=f"demo-icao-results-{year}.csv",
        year=year,
        version=VERSION,
        source=IcaoSource.route_table,
    )
