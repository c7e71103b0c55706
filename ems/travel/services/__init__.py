"""Trips: recording, changing and removing them with their emission lines; estimates; the
agency import; the flights analysis of the annual report.

One module per job; this package re-exports their public names, so callers keep
``from ems.travel import services as travel`` and ``travel.create_trip``. Services flush; callers
commit."""

from __future__ import annotations

# modules callers have read through this one (travel.ledger, services.imports)
from ems.imports import services as imports
from ems.ledger import services as ledger
from ems.travel.services.agency_import import (
    IMPORT_KIND,
    IMPORTER,
    check_import,
    commit_import,
    import_trips,
    remove_import_batch,
)
from ems.travel.services.analysis import (
    BUSINESS_CABINS,
    PASSENGER_KM_STEP,
    RAIL_REPLACEABLE_MAX_KM,
    FlightAnalysis,
    FlightFigures,
    HaulClassFigures,
    RouteFigures,
    flight_analysis,
)
from ems.travel.services.icao import (
    IcaoCoverage,
    IcaoImport,
    IcaoSource,
    icao_coverage,
    icao_rows,
    icao_sets,
    import_icao_figures,
)
from ems.travel.services.legs import (
    MAX_DAYS_AHEAD,
    CheckedLeg,
    GroundInput,
    HotelInput,
    LegInput,
    TripItems,
    check_items,
    check_legs,
    with_return,
)
from ems.travel.services.lines import (
    ACTIVITY_TYPE,
    Estimate,
    calculator,
    estimate_flight,
    ground_results,
    hotel_results,
    trip_lines,
    trip_results,
)
from ems.travel.services.listing import (
    EXPORT_HEADER,
    SORTS,
    TripFilters,
    export_rows,
    latest_trip_year,
    trip_totals,
    trip_years,
    trips_query,
)
from ems.travel.services.trips import (
    ITEM_COLUMNS,
    ITEM_MODELS,
    TRIP_FIELDS,
    ItemRows,
    create_trip,
    delete_trip,
    get_trip,
    trip_dated_years,
    update_trip,
)

__all__ = [
    "ACTIVITY_TYPE",
    "BUSINESS_CABINS",
    "EXPORT_HEADER",
    "IMPORTER",
    "IMPORT_KIND",
    "ITEM_COLUMNS",
    "ITEM_MODELS",
    "MAX_DAYS_AHEAD",
    "PASSENGER_KM_STEP",
    "RAIL_REPLACEABLE_MAX_KM",
    "SORTS",
    "TRIP_FIELDS",
    "CheckedLeg",
    "Estimate",
    "FlightAnalysis",
    "FlightFigures",
    "GroundInput",
    "HaulClassFigures",
    "HotelInput",
    "IcaoCoverage",
    "IcaoImport",
    "IcaoSource",
    "ItemRows",
    "LegInput",
    "RouteFigures",
    "TripFilters",
    "TripItems",
    "calculator",
    "check_import",
    "check_items",
    "check_legs",
    "commit_import",
    "create_trip",
    "delete_trip",
    "estimate_flight",
    "export_rows",
    "flight_analysis",
    "get_trip",
    "ground_results",
    "hotel_results",
    "icao_coverage",
    "icao_rows",
    "icao_sets",
    "import_icao_figures",
    "import_trips",
    "imports",
    "latest_trip_year",
    "ledger",
    "remove_import_batch",
    "trip_dated_years",
    "trip_lines",
    "trip_results",
    "trip_totals",
    "trip_years",
    "trips_query",
    "update_trip",
    "with_return",
]
