"""Loading the demo organisation into an empty database. Services flush; the caller commits.

Every record goes through the project's own services and importers — accounts, settings, factor
sets, rates, bills, purchases, trips, flights, nonconformities, reports — so every figure has its
ledger lines and audit entries exactly as real data would. The flights of each year are taken
from the generator's candidates until the year's Greening-the-Blue total reaches its target.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from ems.actions import services as actions
from ems.actions.models import Nonconformity
from ems.audit import services as audit
from ems.auth import services as auth
from ems.auth.models import Role, User
from ems.credits import services as credits
from ems.credits.models import CarbonCredit
from ems.demo import generator, icao
from ems.demo.generator import DemoData, FlightTrip
from ems.energy import importer as energy_importer
from ems.energy import services as energy
from ems.energy import waste_water_importer
from ems.energy.models import (
    EnergyRecord,
    FleetRecord,
    RefrigerantTopUp,
    WasteRecord,
    WaterRecord,
)
from ems.errors import ValidationFailed
from ems.extensions import db, refresh_statistics, serialize
from ems.factors import services as factors
from ems.imports import services as imports
from ems.inventory import services as inventory
from ems.jobs import services as jobs
from ems.jobs.kinds import Progress
from ems.jobs.models import Job, JobStatus
from ems.org import services as org
from ems.org.models import Department, ManagementIndicators, Site
from ems.procurement import importer as procurement_importer
from ems.procurement import services as procurement
from ems.procurement.models import Purchase
from ems.reporting import services as reporting
from ems.targets import services as targets
from ems.travel import airports
from ems.travel import services as travel
from ems.travel.calculation import FlightCalculator
from ems.travel.models import FlightLeg, PaidBy, Trip
from ems.travel.services.agency_words import CABIN_ALIASES
from ems.units import GRAMS_PER_TONNE

#: the one password of every demo account (it is printed: the demo is for trying ems out)
DEMO_PASSWORD = "greening the blue 2030"  # noqa: S105 (a published demo password)


@dataclass(frozen=True)
class DemoAccount:
    """A demo login."""

    email: str
    name: str
    role: Role


DEMO_ACCOUNTS = (
    DemoAccount("travel@demo.example", "Demo travel desk", Role.travel),
    DemoAccount("ems@demo.example", "Demo EMS working group", Role.ems),
    DemoAccount("management@demo.example", "Demo director", Role.management),
    DemoAccount("admin@demo.example", "Demo administrator", Role.admin),
)
#: the job that loads the demo in a worker (`ems demo load --in-background`, as `make run` does)
LOAD_JOB = "demo.load"
#: the years issued as annual reports by the demo director
ISSUED_YEARS = (2024, 2025)
#: the years recorded as reported by the working group (published before ems was used)
REPORTED_YEARS = (2022, 2023)
#: the years the working group has closed: their data is final (the current year stays open)
CLOSED_YEARS = (generator.BASELINE_YEAR, *range(2018, 2026))
#: the years the demo has a results file of ICAO's calculator for (ems.demo.icao)
ICAO_YEARS = (2022, 2023)


@dataclass
class LoadResult:
    """What the demo load wrote."""

    #: Greening-the-Blue total of each year, grams CO2e
    gtb_totals_g: dict[int, int] = field(default_factory=dict)
    #: flights imported each year (legs) and their bookings
    flight_legs: dict[int, int] = field(default_factory=dict)
    bookings: dict[int, int] = field(default_factory=dict)


def demo_loaded() -> bool:
    """Whether the demo organisation is in the database (one of its accounts exists)."""
    emails = [account.email for account in DEMO_ACCOUNTS]
    return db.session.scalar(sa.select(User.id).where(User.email.in_(emails)).limit(1)) is not None


def real_data() -> list[str]:
    """What the database holds that the demo would mix with: records, nonconformities, sites,
    departments and accounts other than the demo's ("trips: 12", "accounts: 1"); empty if none.

    The command line shows these words, and the sign-in page when a load failed on them."""
    found = []
    for label, model in (
        (_("trips"), Trip),
        (_("energy records"), EnergyRecord),
        (_("refrigerant top-ups"), RefrigerantTopUp),
        (_("fleet records"), FleetRecord),
        (_("waste records"), WasteRecord),
        (_("water records"), WaterRecord),
        (_("purchases"), Purchase),
        (_("carbon credits retired"), CarbonCredit),
        (_("environmental management indicators"), ManagementIndicators),
        (_("nonconformities"), Nonconformity),
        (_("sites"), Site),
        (_("departments"), Department),
    ):
        count = db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
        if count:
            found.append(_("%(what)s: %(count)d", what=label, count=count))
    others = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(User)
        .where(User.email.not_in([account.email for account in DEMO_ACCOUNTS]))
    )
    if others:
        found.append(_("%(what)s: %(count)d", what=_("accounts"), count=others))
    return found


def _check_empty() -> None:
    if demo_loaded():
        raise ValidationFailed({"": _("The demo organisation is loaded already.")})
    found = real_data()
    if found:
        raise ValidationFailed(
            {
                "": _(
                    "This database holds data of its own (%(found)s); the demo organisation is "
                    "loaded only into an empty database.",
                    found=", ".join(found),
                )
            }
        )


def load_in_progress() -> Job | None:
    """The job loading the demo organisation, while it waits or runs; None otherwise."""
    latest = _latest_load()
    return latest if latest is not None and not latest.is_ended else None


def load_to_show() -> Job | None:
    """The demo load the sign-in page tells about: one in progress, or one that failed while
    no account exists yet (nobody could sign in); None otherwise."""
    latest = _latest_load()
    if latest is None or latest.status == JobStatus.done:
        return None
    if latest.status == JobStatus.failed and auth.count_users():
        return None
    return latest


def check_can_load() -> None:
    """ValidationFailed if the demo cannot be loaded now: the database holds data, or the
    demo, or a load of it is queued or running."""
    _check_empty()
    pending = load_in_progress()
    if pending is not None:
        raise ValidationFailed(
            {"": _("The demo organisation is being loaded already (job %(id)d).", id=pending.id)}
        )


def _latest_load() -> Job | None:
    return db.session.scalars(
        sa.select(Job).where(Job.kind == LOAD_JOB).order_by(Job.id.desc()).limit(1)
    ).first()


def queue_load(*, seed: int = generator.SEED) -> Job:
    """Queue the load of the demo organisation for a worker (the caller commits, then puts
    the job on the queue); ValidationFailed as ``load_demo`` would refuse, or if a load is
    queued or running already."""
    serialize(LOAD_JOB)  # two commands queuing at once: the second sees the first's job
    check_can_load()
    return jobs.submit(actor=None, kind=LOAD_JOB, params={"seed": seed})


# --- the organisation -------------------------------------------------------------------------


@dataclass
class _Ids:
    """Ids of what the loader created, by name."""

    users: dict[Role, User] = field(default_factory=dict)
    sites: dict[str, int] = field(default_factory=dict)
    departments: dict[str, int] = field(default_factory=dict)


def _accounts(ids: _Ids) -> None:
    for account in DEMO_ACCOUNTS:
        ids.users[account.role] = auth.create_user(
            actor=None,
            email=account.email,
            name=account.name,
            roles=[account.role],
            password=DEMO_PASSWORD,
            must_change_password=False,
        )


def _organisation(ids: _Ids, ems: User) -> None:
    org.update_organisation(
        actor=ems,
        name=generator.ORGANISATION_NAME,
        reporting_currency="USD",
        baseline_year=generator.BASELINE_YEAR,
        target_year=generator.TARGET_YEAR,
        target_reduction_pct=generator.TARGET_REDUCTION_PCT,
        # most stays without a DESNZ factor are in Africa: the mean of its published countries
        hotel_fallback="region",
    )
    for spec in generator.SITES:
        site = org.create_site(
            actor=ems,
            name=spec.name,
            country_code=spec.country_code,
            city=spec.city,
            floor_area_m2=spec.floor_area_m2,
        )
        ids.sites[spec.name] = site.id
    for code, name, _weight in generator.DEPARTMENTS:
        ids.departments[code] = org.create_department(actor=ems, name=name, code=code).id
    for year, headcount in generator.HEADCOUNTS.items():
        org.set_headcount(
            actor=ems, year=year, headcount=headcount, note="Staff on 31 December (demo figure)"
        )
    factors.import_factor_set(
        actor=ems, data=generator.DISTRICT_HEAT_CSV, **generator.DISTRICT_HEAT_SET
    )
    for currency, rates in generator.EXCHANGE_RATES.items():
        for year, rate in rates.items():
            procurement.set_exchange_rate(
                actor=ems,
                currency=currency,
                year=year,
                units_per_usd=rate,
                source=generator.DEMO_SOURCE,
            )
    for year, index in generator.US_PRICE_INDEX.items():
        procurement.set_price_index(
            actor=ems,
            year=year,
            index_value=index,
            source=f"{generator.DEMO_SOURCE} (US GDP deflator, 2017 = 100)",
        )
    procurement.add_default_categories(actor=ems)
    taken = {category.name for category in procurement.list_categories()}
    for name, naics_code in generator.EXTRA_CATEGORIES:
        if name not in taken:
            procurement.create_category(actor=ems, name=name, naics_code=naics_code)


def _neutrality_and_management(ids: _Ids, ems: User) -> None:
    """Credits retired for 2022 and 2023, and the environmental management of each year."""
    for (
        standard,
        project_name,
        project_id,
        vintage_year,
        serial_first,
        serial_last,
        co2e_t,
        retired_on,
        applied_year,
        evidence,
    ) in generator.CREDITS:
        credits.create_credit(
            actor=ems,
            standard=standard,
            project_name=project_name,
            project_id=project_id,
            vintage_year=vintage_year,
            serial_first=serial_first,
            serial_last=serial_last,
            co2e_t=co2e_t,
            retired_on=retired_on,
            applied_year=applied_year,
            evidence=evidence,
        )
    for year, (status, all_sites, staff_trained) in generator.MANAGEMENT.items():
        org.set_management_indicators(
            actor=ems,
            year=year,
            ems_status=status,
            policy_adopted_on=generator.POLICY_ADOPTED_ON if status != "none" else None,
            all_sites=all_sites,
            site_ids=[] if all_sites or status == "none" else [ids.sites[generator.GENEVA]],
            staff_trained=staff_trained,
            note="Demo figures",
        )


# --- activity data ----------------------------------------------------------------------------


def _buildings(data: DemoData, ids: _Ids, ems: User) -> None:
    for year, rows in data.energy.items():
        imports.import_file(
            energy_importer.IMPORTER,
            actor=ems,
            data=generator.energy_csv(rows),
            filename=f"utility-bills-{year}.csv",
        )
    for top_up in data.refrigerants:
        energy.record_refrigerant_top_up(
            actor=ems,
            site_id=ids.sites[top_up.site],
            topped_up_on=top_up.topped_up_on,
            gas=top_up.gas,
            kg=top_up.kg,
            equipment=top_up.equipment,
        )
    for record in data.fleet:
        energy.record_fleet_use(
            actor=ems,
            site_id=ids.sites[record.site],
            vehicle=record.vehicle,
            measure=record.measure,
            period_start=record.period_start,
            period_end=record.period_end,
            quantity=record.quantity,
        )
    for year, purchases in data.purchases.items():
        imports.import_file(
            procurement_importer.IMPORTER,
            actor=ems,
            data=generator.purchases_csv(purchases),
            filename=f"finance-export-{year}.csv",
        )


def _waste_and_water(data: DemoData, ems: User) -> None:
    """The sites' waste reports and water bills, imported a year at a time."""
    for year, rows in data.waste.items():
        imports.import_file(
            waste_water_importer.WASTE_IMPORTER,
            actor=ems,
            data=generator.waste_csv(rows),
            filename=f"waste-report-{year}.csv",
        )
    for year, water_rows in data.water.items():
        imports.import_file(
            waste_water_importer.WATER_IMPORTER,
            actor=ems,
            data=generator.water_csv(water_rows),
            filename=f"water-bills-{year}.csv",
        )


def _ground_trips(data: DemoData, ids: _Ids, desk: User) -> None:
    for trip in data.ground_trips:
        travel.create_trip(
            actor=desk,
            traveller=trip.traveller,
            department_id=ids.departments[trip.department],
            purpose=trip.purpose,
            booking_reference=trip.reference,
            ground=[
                travel.GroundInput(
                    mode=journey.mode,
                    travelled_on=journey.travelled_on,
                    origin=journey.origin,
                    destination=journey.destination,
                    distance_km=journey.distance_km,
                )
                for journey in trip.journeys
            ],
            hotels=[
                travel.HotelInput(
                    country_code=stay.country_code, check_in_on=stay.check_in_on, nights=stay.nights
                )
                for stay in trip.stays
            ],
        )


def _trip_grams(trip: FlightTrip, flights: FlightCalculator) -> int:
    """Grams CO2e without RF the inventory will count for a booking (none if paid by others)."""
    if trip[0].paid_by != PaidBy.organisation.value:
        return 0
    grams = 0
    for row in trip:
        origin, destination = airports.find(row.origin), airports.find(row.destination)
        assert origin is not None  # noqa: S101 (the generator's own codes)
        assert destination is not None  # noqa: S101
        grams += flights.leg(
            origin=origin,
            destination=destination,
            departure_on=row.departure_on,
            cabin_class=CABIN_ALIASES[row.cabin_class.lower()],
            passengers=row.passengers,
        ).co2e_g_without_rf
    return grams


def _calibrated(
    candidates: Sequence[FlightTrip], budget_g: int, flights: FlightCalculator
) -> list[FlightTrip]:
    """The first candidates whose grams without RF come closest to ``budget_g``."""
    chosen: list[FlightTrip] = []
    total = 0
    for trip in candidates:
        grams = _trip_grams(trip, flights)
        if total + grams >= budget_g:
            if total + grams - budget_g < budget_g - total:
                chosen.append(trip)
            return chosen
        chosen.append(trip)
        total += grams
    raise ValueError(f"{len(candidates)} candidate bookings make only {total} g of {budget_g} g")


def _flights(data: DemoData, desk: User, result: LoadResult, year_done: Callable[[], None]) -> None:
    flights = travel.calculator()
    for year, candidates in data.flights.items():
        others_g = inventory.inventories(year)[inventory.Boundary.gtb].total_g
        budget_g = generator.TARGET_GTB_T[year] * GRAMS_PER_TONNE - others_g
        chosen = _calibrated(candidates, budget_g, flights)
        travel.import_trips(
            actor=desk, data=generator.agency_csv(chosen), filename=f"agency-export-{year}.csv"
        )
        result.bookings[year] = len(chosen)
        result.flight_legs[year] = sum(len(trip) for trip in chosen)
        year_done()


# --- the management system --------------------------------------------------------------------


def _tonnes(grams: int | None) -> str:
    return "–" if grams is None else f"{grams / GRAMS_PER_TONNE:,.1f}"


def _as_measured(what: str, measured: actions.Effectiveness) -> str:
    """A verdict's note that reads the measured figures as the action's page shows them (so
    that the demo's verdicts say what its own data say)."""
    return (
        f"{what}: {_tonnes(measured.before_g)} t a year in "
        f"{', '.join(map(str, measured.years_before))}, {_tonnes(measured.after_g)} t in "
        f"{', '.join(map(str, measured.years_after))}: a cut of "
        f"{_tonnes(measured.measured_reduction_g)} t a year, "
        f"{_tonnes(measured.expected_reduction_g)} t expected."
    )


def _direct_bookings(airport: str, year: int) -> int:
    """The year's bookings whose every flight is between Geneva and ``airport``."""
    other = sa.func.sum(
        sa.case(
            (
                sa.and_(
                    FlightLeg.origin.in_(("GVA", airport)),
                    FlightLeg.destination.in_(("GVA", airport)),
                ),
                0,
            ),
            else_=1,
        )
    )
    first = sa.func.min(FlightLeg.departure_on)
    trips = (
        sa.select(FlightLeg.trip_id)
        .group_by(FlightLeg.trip_id)
        .having(other == 0, first >= dt.date(year, 1, 1), first <= dt.date(year, 12, 31))
    )
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(trips.subquery())) or 0)


def _heating_finding(ids: _Ids, ems: User) -> None:
    """An internal audit finding of 2021, acted on, verified effective and closed."""
    finding = actions.create_nonconformity(
        actor=ems,
        title="Geneva headquarters heated with fossil gas; no plan to decarbonise the heating",
        origin="audit_finding",
        detected_on=dt.date(2021, 4, 20),
        severity="major",
        description="Internal ISO 14001 audit 2021, finding 3: the gas boilers of the "
        "headquarters emit about 370 t CO2e a year, the largest source after air travel, and "
        "no objective or plan addresses them.",
        years=[2019, 2020],
        source_categories=["heat_fuels"],
        immediate_correction="Night and weekend set-back lowered to 17 °C from May 2021.",
        site_ids=[ids.sites[generator.GENEVA]],
    )
    actions.record_analysis(
        actor=ems,
        nonconformity=finding,
        root_cause="The boilers were replaced like for like in 2009 because the capital plan "
        "had no emissions criterion; the connection to the district-heating network passing "
        "the building was never costed.",
        similar_elsewhere="The New York office also heats with gas; its lease ends in 2027.",
    )
    values: dict[str, Any] = {
        "description": "Connect the headquarters to the Geneva district-heating network and "
        "decommission the gas boilers.",
        "owner_id": ems.id,
        "due_on": dt.date(2021, 12, 31),
        "source_category": "heat_fuels",
        "scope": 1,
        "expected_reduction_t": Decimal(200),
        "expected_from_year": 2022,
        "cost_estimate": Decimal(1_250_000),
    }
    action = actions.create_action(actor=ems, nonconformity=finding, **values)
    actions.move_nonconformity(actor=ems, nonconformity=finding, status="actions_planned")
    actions.update_action(
        actor=ems,
        action=action,
        **values,
        status="done",
        done_on=dt.date(2021, 11, 30),
        evidence="Connection acceptance report of 2021-11-30; gas meter removed 2021-12-15.",
    )
    actions.move_nonconformity(actor=ems, nonconformity=finding, status="verifying")
    actions.record_verdict(
        actor=ems,
        action=action,
        is_effective=True,
        note=_as_measured("Heating and fuels", actions.effectiveness(action))
        + " The gas boilers are gone; the district heat that replaced them is counted in the "
        "same source.",
    )
    actions.close_nonconformity(actor=ems, nonconformity=finding)


def _off_track_2023(ids: _Ids, ems: User) -> Nonconformity:
    """The 2023 off-track year, opened from its proposal, with actions in every state."""
    nonconformity = actions.accept_proposal(
        actor=ems, key="target:main:2023", detected_on=dt.date(2024, 4, 15)
    )
    actions.record_analysis(
        actor=ems,
        nonconformity=nonconformity,
        root_cause="After the pandemic, meetings went back to in person by default, and the "
        "travel policy says nothing of class or of rail: no one weighs a mission's emissions "
        "against the target before it is booked.",
        similar_elsewhere="The regional offices book through local agencies under the same policy.",
    )
    management, desk = ids.users[Role.management], ids.users[Role.travel]
    common = {"source_category": "air_travel", "scope": 3}
    actions.create_action(
        actor=ems,
        nonconformity=nonconformity,
        description="Travel policy: economy class on flights under nine hours; business "
        "class only with the Director's approval.",
        owner_id=management.id,
        due_on=dt.date(2025, 3, 31),
        status="in_progress",
        expected_reduction_t=Decimal(180),
        expected_from_year=2025,
        **common,
    )
    rail: dict[str, Any] = {
        "description": "Rail instead of air between Geneva and Zurich, Lyon and Paris: the "
        "travel agency no longer books these flights.",
        "owner_id": desk.id,
        "due_on": dt.date(2024, 9, 30),
        "expected_reduction_t": Decimal(15),
        "expected_from_year": 2025,
        **common,
    }
    rail_action = actions.create_action(actor=ems, nonconformity=nonconformity, **rail)
    actions.create_action(
        actor=ems,
        nonconformity=nonconformity,
        description="Virtual first: every mission request says why the meeting cannot be "
        "held online.",
        owner_id=ems.id,
        due_on=dt.date(2026, 12, 31),
        expected_reduction_t=Decimal(200),
        expected_from_year=2026,
        cost_estimate=Decimal(40_000),
        **common,
    )
    actions.create_action(
        actor=ems,
        nonconformity=nonconformity,
        description="An air-travel carbon budget per division, reviewed every quarter.",
        owner_id=management.id,
        due_on=dt.date(2027, 6, 30),
        expected_reduction_t=Decimal(100),
        expected_from_year=2027,
        **common,
    )
    actions.move_nonconformity(actor=ems, nonconformity=nonconformity, status="actions_planned")
    actions.update_action(
        actor=ems,
        action=rail_action,
        **rail,
        status="done",
        done_on=dt.date(2024, 9, 30),
        evidence="Instruction to the travel agency of 2024-09-12; the booking tool blocks "
        "these routes.",
    )
    before, after = generator.RAIL_POLICY_FROM - 1, generator.RAIL_POLICY_FROM
    routes = "; ".join(
        f"Geneva–{city} {_direct_bookings(code, before)} in {before}, "
        f"{_direct_bookings(code, after)} in {after}"
        for city, code in (("Zurich", "ZRH"), ("Lyon", "LYS"), ("Paris", "CDG"))
    )
    actions.record_verdict(
        actor=ems,
        action=rail_action,
        is_effective=True,
        note=f"Bookings flying only between Geneva and the three cities: {routes} (connections "
        "through Zurich and Paris remain). "
        + _as_measured("Air travel as a whole", actions.effectiveness(rail_action))
        + " One year after the rule only, and air travel moves with far more than these routes: "
        "to be confirmed with the 2026 figures.",
    )
    return nonconformity


def _refrigerant_leaks(ids: _Ids, ems: User) -> Nonconformity:
    """Refrigerants above the ceiling the working group set, in 2023: analysed, acting."""
    nonconformity = actions.accept_proposal(
        actor=ems, key="threshold:refrigerants:2023", detected_on=dt.date(2024, 2, 5)
    )
    actions.record_analysis(
        actor=ems,
        nonconformity=nonconformity,
        root_cause="The Bangkok split units are fourteen years old and were checked for leaks "
        "only when one stopped cooling; the maintenance contract has no leak-check interval.",
        similar_elsewhere="Nairobi's conference block units are under the same kind of contract.",
    )
    actions.create_action(
        actor=ems,
        nonconformity=nonconformity,
        description="Replace the Bangkok split units with R32 units and add quarterly leak "
        "checks to the maintenance contract.",
        owner_id=ems.id,
        due_on=dt.date(2026, 12, 15),
        status="in_progress",
        source_category="refrigerants",
        scope=1,
        expected_reduction_t=Decimal(10),
        expected_from_year=2026,
        cost_estimate=Decimal(85_000),
    )
    actions.move_nonconformity(actor=ems, nonconformity=nonconformity, status="actions_planned")
    return nonconformity


PRE_EMS_REASON = (
    "Before the environmental management system was set up in 2021; the year was published in "
    "the Greening the Blue report and needs no corrective action of its own."
)


def _management_system(ids: _Ids) -> None:
    ems, management = ids.users[Role.ems], ids.users[Role.management]
    actions.set_source_threshold(actor=ems, source_category="refrigerants", max_t_per_year="12")
    targets.create_target(
        actor=ems,
        name="Per person",
        boundary="gtb",
        source_category=None,
        per_capita=True,
        baseline_year=generator.BASELINE_YEAR,
        target_year=generator.TARGET_YEAR,
        reduction_pct=50,
    )
    for year in REPORTED_YEARS:
        targets.record_reported(
            actor=ems,
            year=year,
            approved_by="Executive Director (demo)",
            note=f"Greening the Blue report {year + 1}, {year} data",
        )
    _heating_finding(ids, ems)
    for year in (2018, 2019):
        actions.dismiss_proposal(actor=ems, key=f"target:main:{year}", reason=PRE_EMS_REASON)
    travel_nc = _off_track_2023(ids, ems)
    leaks_nc = _refrigerant_leaks(ids, ems)
    actions.record_meeting(
        actor=ems,
        held_on=dt.date(2026, 3, 18),
        attendees="Director of Corporate Services (chair); the EMS working group; the travel "
        "desk; the facilities managers of Geneva and Bangkok.",
        decisions=f"1. 2024 above the trajectory: no new nonconformity; nonconformity "
        f"{travel_nc.id} covers it.\n2. The travel policy, due on 31 March 2025 and still a "
        "draft, goes to the senior management meeting of April 2026.\n3. Nonconformity "
        f"{leaks_nc.id}: the Bangkok units are replaced by December 2026.\n4. 2025: decided "
        "after the annual report.",
        minutes="The working group presented the 2025 figures and the projection to 2030. "
        "Flights remain the main source; the rail rule worked.",
        nonconformity_ids=[travel_nc.id, leaks_nc.id],
        action_ids=[action.id for action in travel_nc.actions + leaks_nc.actions],
    )
    actions.dismiss_proposal(
        actor=ems,
        key="target:main:2024",
        reason=f"The same cause as 2023: nonconformity {travel_nc.id} and its actions cover it "
        "(review meeting of 2026-03-18).",
    )
    for year in ISSUED_YEARS:
        reporting.issue_report(actor=management, year=year)


# --- the whole load ---------------------------------------------------------------------------


def load_steps(data: DemoData) -> int:
    """How many steps ``load_demo`` reports for ``data``: one per year of flights, and 7."""
    return len(data.flights) + 7


def load_demo(*, seed: int = generator.SEED, progress: Progress | None = None) -> LoadResult:
    """Load the demo organisation into an empty database (ValidationFailed if it holds data of
    its own, or the demo already): accounts, settings, years of records calibrated to their
    Greening-the-Blue totals, nonconformities and issued reports. ``progress`` is told the
    steps done and their number (a year of flights is one step)."""
    _check_empty()
    data = generator.generate(seed)
    steps, done = load_steps(data), 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, steps)

    step()
    factors.load_shipped_sets(actor=None)
    ids = _Ids()
    _accounts(ids)
    ems, desk = ids.users[Role.ems], ids.users[Role.travel]
    step()
    _organisation(ids, ems)
    _neutrality_and_management(ids, ems)
    step()
    _buildings(data, ids, ems)
    _waste_and_water(data, ems)
    step()
    _ground_trips(data, ids, desk)
    db.session.flush()
    step()
    result = LoadResult()
    _flights(data, desk, result, step)
    for year in ICAO_YEARS:  # the focal point's results of ICAO's calculator
        icao.import_results(actor=ems, year=year)
    refresh_statistics()  # the reports and years below read tens of thousands of fresh rows
    for year in CLOSED_YEARS:
        org.close_year(actor=ems, year=year)
    step()
    _management_system(ids)
    result.gtb_totals_g = inventory.totals_by_year(inventory.Boundary.gtb)
    audit.record(
        actor=None,
        action="demo.loaded",
        object_type="demo",
        summary=f"Demo organisation loaded (seed {seed}): "
        + ", ".join(
            f"{year} {grams / GRAMS_PER_TONNE:,.0f} t"
            for year, grams in result.gtb_totals_g.items()
        ),
    )
    db.session.flush()
    step()
    return result
