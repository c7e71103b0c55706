"""Trips: list, entry, detail, edit, delete; airport look-up; estimates."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from ems import exports, formatting
from ems.auth.models import Role
from ems.auth.permissions import ANY_ROLE, role_required, signed_in_user
from ems.errors import NotFound, ValidationFailed
from ems.extensions import db
from ems.imports import ImportFailed
from ems.imports import views as import_views
from ems.ledger import services as ledger
from ems.org import services as org
from ems.org.models import FIRST_YEAR, LAST_YEAR
from ems.removals import services as removals
from ems.removals import views as removal_views
from ems.travel import airports, services
from ems.travel.forms import CABIN_LABELS, EstimateForm, IcaoImportForm, TripForm
from ems.travel.models import PaidBy, Trip, TripSource
from ems.validation import without_control_characters
from ems.web import MAX_ID, int_arg, paginate, return_url, submit_form

bp = Blueprint("travel", __name__, url_prefix="/travel")

READERS = (Role.travel, Role.ems, Role.management)
EDITORS = (Role.travel, Role.ems)


def _departments() -> list[tuple[int, str]]:
    return [(d.id, d.name) for d in org.list_departments()]


#: the ``year`` of the trip list that shows every year
ALL_YEARS = "all"


def _text_arg(name: str) -> str:
    return without_control_characters(request.args.get(name, ""))[:100].strip()


def _filters() -> services.TripFilters:
    """The trip filters of the query string; anything invalid is ignored. Without a year (or
    with an invalid one), the latest year that has trips; ``year=all``: every year."""
    year = None
    if request.args.get("year") != ALL_YEARS:
        year = int_arg("year", FIRST_YEAR, LAST_YEAR) or services.latest_trip_year()
    return services.TripFilters(
        year=year,
        month=int_arg("month", 1, 12),
        department_id=int_arg("department_id", 1, MAX_ID),
        search=_text_arg("search") or _text_arg("traveller"),  # traveller: links of old
        cabin_class=request.args.get("cabin_class", "")
        if request.args.get("cabin_class") in CABIN_LABELS
        else "",
        source=request.args.get("source", "")
        if request.args.get("source") in {s.value for s in TripSource}
        else "",
        sort=request.args.get("sort", "-date")
        if request.args.get("sort", "-date").lstrip("-") in services.SORTS
        else "-date",
    )


@bp.get("/")
@role_required(*READERS)
def list_trips() -> ResponseReturnValue:
    """Trips with filters, sorting, pages and the totals of everything filtered."""
    filters = _filters()
    rows, summary = services.trips_query(filters)
    page = paginate(rows)
    count, with_rf_g, without_rf_g = db.session.execute(summary).one()
    # the year shown, even when it was chosen by default, so that links keep it
    args: dict[str, Any] = {**request.args, "year": str(filters.year or ALL_YEARS)}
    args.pop("page", None)
    here = {**args, "page": page.page} if page.page > 1 else args
    elsewhere = 0  # none match in the year shown: how many in other years (a booking searched)
    if not count and filters.year:
        everywhere = dataclasses.replace(filters, year=None, month=None)
        elsewhere = db.session.execute(services.trips_query(everywhere)[1]).one()[0]
    return render_template(
        "travel/trips.html",
        elsewhere=elsewhere,
        all_years_url=url_for("travel.list_trips", **{**args, "year": ALL_YEARS}),
        years=services.trip_years(),
        all_years=ALL_YEARS,
        list_url=url_for("travel.list_trips", **here),
        totals=services.trip_totals([trip.id for trip in page.items]),
        page=page,
        filters=filters,
        count=count,
        with_rf_g=with_rf_g,
        without_rf_g=without_rf_g,
        departments=_departments(),
        cabin_labels=CABIN_LABELS,
        args=args,
        sources=[s.value for s in TripSource],
    )


def _filled(field_list: Any) -> list[tuple[int, dict[str, Any]]]:
    """The rows of a list of subforms that are filled in and not marked for removal: their
    place in the form and their data."""
    return [
        (index, {name: value for name, value in entry.form.data.items() if name != "remove"})
        for index, entry in enumerate(field_list.entries)
        if not entry.form.is_empty()
    ]


#: the trip form's lists of items, with what the service takes each row as
ITEM_LISTS: dict[str, Any] = {
    "legs": services.LegInput,
    "ground": services.GroundInput,
    "hotels": services.HotelInput,
}


def _trip_data(form: TripForm) -> tuple[dict[str, Any], dict[str, list[int]]]:
    """The service's arguments, and for each list of items the form's row of each item sent
    (rows left empty are not sent)."""
    data: dict[str, Any] = {
        "traveller": form.traveller.data,
        "department_id": form.department_id.data or None,
        "purpose": form.purpose.data,
        "paid_by": form.paid_by.data,
        "booking_reference": form.booking_reference.data,
        "notes": form.notes.data,
    }
    rows: dict[str, list[int]] = {}
    for name, item in ITEM_LISTS.items():
        filled = _filled(getattr(form, name))
        data[name] = [item(**values) for _index, values in filled]
        rows[name] = [index for index, _values in filled]
    return data, rows


def _form_name(name: str, rows: dict[str, list[int]]) -> str:
    """The form's name of a field the service names by the n-th item sent (``ground-0-mode``);
    an item the form did not send (the way back of a return trip) is the whole form's."""
    head, _sep, rest = name.partition("-")
    index, _sep, field = rest.partition("-")
    if head not in rows or not index.isdigit():
        return name
    if int(index) >= len(rows[head]):
        return ""
    return "-".join(part for part in (head, str(rows[head][int(index)]), field) if part)


def _saving(form: TripForm, save: Callable[[dict[str, Any]], Trip]) -> Callable[[], Trip]:
    """``save`` of the form's data, for submit_form: the service's errors name the form's rows."""

    def run() -> Trip:
        data, rows = _trip_data(form)
        try:
            return save(data)
        except ValidationFailed as exc:
            raise ValidationFailed(
                {_form_name(name, rows): message for name, message in exc.errors.items()}
            ) from exc

    return run


def _add_leg(form: TripForm) -> None:
    """One more flight, starting where the last one ended, on its day."""
    last = form.legs.entries[-1].form if form.legs.entries else None
    form.legs.append_entry()
    if last is not None:
        form.legs.entries[-1].form.origin.data = last.destination.data
        form.legs.entries[-1].form.departure_on.data = last.departure_on.data
        form.legs.entries[-1].form.cabin_class.data = last.cabin_class.data


def _add_row(form: TripForm) -> bool:
    """Handle the add-a-row buttons (no JavaScript needed); True if one was pressed."""
    if form.add_leg.data and len(form.legs.entries) < form.legs.max_entries:
        _add_leg(form)
    elif form.add_ground.data and len(form.ground.entries) < form.ground.max_entries:
        form.ground.append_entry()
    elif form.add_hotel.data and len(form.hotels.entries) < form.hotels.max_entries:
        form.hotels.append_entry()
    else:
        return False
    return True


@bp.route("/trips/new", methods=["GET", "POST"])
@role_required(*EDITORS)
def new_trip() -> ResponseReturnValue:
    """Record a trip: its flights, or one flight and the return."""
    form = TripForm()
    form.set_departments(_departments())
    if _add_row(form):
        return render_template("travel/trip_form.html", form=form, trip=None)
    save = _saving(
        form,
        lambda data: services.create_trip(
            actor=signed_in_user(),
            is_return=form.is_return.data,
            return_on=form.return_on.data,
            **data,
        ),
    )
    created: list[Trip] = []
    done = submit_form(
        form,
        lambda: created.append(save()),
        success=_("Trip saved."),
        next_url=url_for("travel.list_trips"),
    )
    if done is not None and created:  # back to the list it came from, else to the new trip
        return redirect(return_url("travel.show_trip", trip_id=created[0].id))
    return render_template("travel/trip_form.html", form=form, trip=None)


@bp.get("/trips/<id:trip_id>")
@role_required(*READERS)
def show_trip(trip_id: int) -> ResponseReturnValue:
    """A trip's flights with distance, haul and class used, and the emission lines behind it."""
    trip = services.get_trip(trip_id)
    problem = ""
    results: list[Any] = []
    ground: list[Any] = []
    hotels: list[Any] = []
    try:
        results = services.trip_results(trip)
        ground = list(zip(trip.ground_legs, services.ground_results(trip), strict=True))
        hotels = list(zip(trip.hotel_stays, services.hotel_results(trip), strict=True))
    except NotFound as exc:
        problem = str(exc)
    except ValidationFailed as exc:  # e.g. the factor library is not loaded
        problem = "; ".join(exc.errors.values())
    lines = ledger.current_lines(activity_type=services.ACTIVITY_TYPE, activity_id=trip.id)
    return render_template(
        "travel/trip.html",
        trip=trip,
        results=results,
        lines=lines,
        problem=problem,
        ground=ground,
        hotels=hotels,
        country_name=org.country_name,
        in_inventory=trip.paid_by is PaidBy.organisation,
        cabin_labels=CABIN_LABELS,
    )


@bp.route("/trips/<id:trip_id>/edit", methods=["GET", "POST"])
@role_required(*EDITORS)
def edit_trip(trip_id: int) -> ResponseReturnValue:
    """Change a trip; a second editor of the same trip is told, not overwritten."""
    trip = services.get_trip(trip_id)
    # the form's lists "ground" and "hotels" are the trip's ground_legs and hotel_stays
    form = TripForm(
        obj=trip,
        data={
            "department_id": trip.department_id or 0,
            "ground": trip.ground_legs,
            "hotels": trip.hotel_stays,
        },
    )
    form.set_departments(_departments())
    del form.is_return, form.return_on  # an existing trip lists its way back as flights
    if _add_row(form):
        return render_template("travel/trip_form.html", form=form, trip=trip)
    done = submit_form(
        form,
        _saving(
            form,
            lambda data: services.update_trip(
                actor=signed_in_user(),
                trip=trip,
                expected_version=form.expected_version(),
                **data,
            ),
        ),
        success=_("Trip saved."),
        next_url=return_url("travel.show_trip", trip_id=trip_id),
        current=trip,
    )
    return done or render_template("travel/trip_form.html", form=form, trip=trip)


@bp.route("/trips/<id:trip_id>/delete", methods=["GET", "POST"])
@role_required(*EDITORS)
def delete_trip(trip_id: int) -> ResponseReturnValue:
    """Remove a trip once confirmed (restorable, with its figures)."""
    trip = services.get_trip(trip_id)
    return removal_views.confirm_removal(
        title=_("Remove trip %(id)d?", id=trip.id),
        summary=_(
            "%(traveller)s, from %(date)s: %(items)s%(reference)s.",
            traveller=trip.traveller,
            date=trip.starts_on,
            items=", ".join(
                text
                for count, text in (
                    (len(trip.legs), ngettext("%(num)d flight", "%(num)d flights", len(trip.legs))),
                    (
                        len(trip.ground_legs),
                        ngettext("%(num)d journey", "%(num)d journeys", len(trip.ground_legs)),
                    ),
                    (
                        len(trip.hotel_stays),
                        ngettext(
                            "%(num)d hotel stay", "%(num)d hotel stays", len(trip.hotel_stays)
                        ),
                    ),
                )
                if count
            ),
            reference=f" ({trip.booking_reference})" if trip.booking_reference else "",
        ),
        preview=removals.preview(kind=services.ACTIVITY_TYPE, ids=[trip.id]),
        remove=lambda: services.delete_trip(actor=signed_in_user(), trip=trip),
        done_message=_("Trip %(id)d removed.", id=trip.id),
        done_endpoint="travel.list_trips",
        cancel_url=url_for("travel.show_trip", trip_id=trip.id),
    )


@bp.get("/airports")
@role_required(*ANY_ROLE)
def search_airports() -> ResponseReturnValue:
    """Airports matching a code, city or name, for type-ahead: [{code, label}]."""
    text = without_control_characters(request.args.get("q", ""))[:60]
    return jsonify([{"code": a.code, "label": a.label} for a in airports.search(text)])


@bp.get("/estimate")
@role_required(*ANY_ROLE)
def estimate() -> ResponseReturnValue:
    """Distance and CO2e of an itinerary before booking, with the economy alternative."""
    form = EstimateForm(request.args)
    result = None
    if request.args and form.validate():
        try:
            result = services.estimate_flight(
                origin=form.origin.data,
                destination=form.destination.data,
                via=(form.via.data or "").replace(",", " ").split(),
                cabin_class=form.cabin_class.data,
                departure_on=form.departure_on.data,
                is_return=form.is_return.data,
                passengers=form.passengers.data or 1,
            )
        except ValidationFailed as exc:  # the messages name the airport or date concerned
            form.form_errors.extend(exc.errors.values())
        except NotFound as exc:
            form.form_errors.append(str(exc))
    return render_template(
        "travel/estimate.html", form=form, result=result, cabin_labels=CABIN_LABELS
    )


#: the columns of the import template (the others of agency_words.FIELDS are understood too)
TEMPLATE_COLUMNS = (
    "booking_reference",
    "traveller",
    "travel_type",
    "origin",
    "destination",
    "departure_date",
    "is_return",
    "return_date",
    "cabin_class",
    "passengers",
    "distance_km",
    "nights",
    "country",
    "ticket_number",
    "status",
    "department",
    "purpose",
    "paid_by",
    "notes",
)


def _import_created_text(result: services.imports.ImportResult) -> str:
    """What a checked agency file will create (its changes and cancellations are counted
    beside)."""
    return _(
        "%(trips)d trips from %(rows)d rows to create.", trips=result.created, rows=result.rows
    )


def _import_page() -> import_views.ImportPage:
    return import_views.ImportPage(
        importer=services.IMPORTER,
        title=_("Import the travel agency's export"),
        intro=_(
            "One row per flight, rail or road journey or hotel stay; rows with the same booking "
            "reference (or ticket number) form one trip. A booking sent again with other "
            "content changes its trip; a refund or cancellation row removes what it names."
        ),
        columns=TEMPLATE_COLUMNS,
        columns_help=_(
            "Common names from agency exports, in several languages, are understood too (PNR, "
            "Record Locator, Passenger Name, From, To, Travel Date, Class, Booking class, Pax, "
            "Cost Center, Ticket number, Status…); other columns are ignored. Places: airport "
            "codes, or city and airport names with one airport. Classes: economy, premium "
            "economy, business, first in several languages, or booking-class letters (Y, W, "
            "J, F…). Types: flight (or empty), rail, bus, coach, taxi, car, hotel; journeys "
            "need distance_km, stays nights (or a check-out date) and a country or city."
        ),
        page_endpoint="travel.import_trips",
        commit_endpoint="travel.commit_import",
        remove_endpoint="travel.remove_import",
        template_endpoint="travel.import_template",
        done_endpoint="travel.list_trips",
        figures={
            "with_rf": _("With RF (organisation-paid trips)"),
            "without_rf": _("Without RF (organisation-paid trips)"),
        },
        created_text=_import_created_text,
        imported_text=lambda n, skipped: _(
            "%(n)d trips imported; %(skipped)d bookings were already recorded as they are.",
            n=n,
            skipped=skipped,
        ),
        template_name="ems-travel-import.csv",
        template_rows=(
            (
                "ABC123",
                "Ana Silva",
                "flight",
                "GVA",
                "JFK",
                "2025-03-04",
                "yes",
                "2025-03-09",
                "economy",
                "1",
                "",
                "",
                "",
                "0571234567890",
                "",
                "",
                "Conference",
                "organisation",
                "",
            ),
            (
                "ABC123",
                "Ana Silva",
                "rail",
                "Geneva",
                "Bern",
                "2025-03-10",
                "",
                "",
                "",
                "1",
                "159",
                "",
                "",
                "",
                "",
                "",
                "Conference",
                "organisation",
                "",
            ),
            (
                "ABC123",
                "Ana Silva",
                "hotel",
                "",
                "",
                "2025-03-04",
                "",
                "",
                "",
                "",
                "",
                "5",
                "US",
                "",
                "",
                "",
                "Conference",
                "organisation",
                "",
            ),
        ),
        upload_label=_("Agency export (CSV, XLSX or ODS)"),
    )


@bp.route("/import", methods=["GET", "POST"])
@role_required(*EDITORS)
def import_trips() -> ResponseReturnValue:
    """Check an agency export: every bad row listed, or a preview to confirm."""
    return import_views.upload_page(_import_page())


@bp.route("/import/<id:batch_id>/columns", methods=["GET", "POST"])
@role_required(*EDITORS)
def map_import(batch_id: int) -> ResponseReturnValue:
    """Map the columns of a file of an unknown layout, optionally saved as a profile."""
    return import_views.map_columns(_import_page(), batch_id)


@bp.post("/import/<id:batch_id>/commit")
@role_required(*EDITORS)
def commit_import(batch_id: int) -> ResponseReturnValue:
    """Import a checked file: all its rows or none."""
    return import_views.commit(_import_page(), batch_id)


@bp.route("/import/<id:batch_id>/delete", methods=["GET", "POST"])
@role_required(*EDITORS)
def remove_import(batch_id: int) -> ResponseReturnValue:
    """Remove an import with all its trips (their figures are kept, superseded)."""
    return import_views.remove(_import_page(), batch_id)


@bp.get("/import/template.csv")
@role_required(*ANY_ROLE)
def import_template() -> ResponseReturnValue:
    """The column template of agency imports, with two example rows."""
    return import_views.template_file(_import_page())


@bp.get("/export.<any(csv, xlsx):fmt>")
@role_required(*READERS)
def export_trips(fmt: str) -> ResponseReturnValue:
    """The filtered trips, one row per flight with its emissions, as CSV or XLSX."""
    return exports.download(
        services.export_rows(_filters()), f"ems-trips-{dt.date.today().isoformat()}", fmt
    )


def _icao_page(year: int | None, form: IcaoImportForm, row_errors: list[str]) -> str:
    return render_template(
        "travel/icao.html",
        year=year,
        closed=bool(year) and year in org.closed_years(),
        years=services.trip_years(),
        coverage=services.icao_coverage(year) if year else None,
        sets=services.icao_sets(),
        form=form,
        row_errors=row_errors,
    )


@bp.get("/icao")
@role_required(*READERS)
def icao() -> ResponseReturnValue:
    """ICAO's figures beside DESNZ's: a year's coverage, the routes still without a figure,
    and the form to import the calculator's results."""
    year = int_arg("year", FIRST_YEAR, LAST_YEAR) or services.latest_trip_year()
    return _icao_page(year, IcaoImportForm(data={"year": year}), [])


@bp.post("/icao")
@role_required(Role.ems)
def import_icao() -> ResponseReturnValue:
    """Import ICAO's figures for a year's flights: all rows or none, every row error listed."""
    form = IcaoImportForm()
    row_errors: list[str] = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            done = services.import_icao_figures(
                actor=signed_in_user(),
                data=upload.read(),
                filename=upload.filename or "",
                **form.service_data(exclude=("file",)),
            )
        except ImportFailed as exc:
            db.session.rollback()
            form.add_service_errors(exc)
            row_errors = [str(error) for error in exc.row_errors]
        except ValidationFailed as exc:
            db.session.rollback()
            form.add_service_errors(exc)
        else:
            db.session.commit()
            flash(
                _(
                    "ICAO figures for %(routes)s routes imported: %(covered)s of %(legs)s "
                    "flights of %(year)d have one.",
                    routes=formatting.number(done.routes),
                    covered=formatting.number(done.legs_covered),
                    legs=formatting.number(done.legs),
                    year=done.factor_set.edition_year,
                )
                if done.created
                else _("This file was imported before with the same figures; nothing changed."),
                "success",
            )
            if done.legs_covered < done.legs_covered_before:
                flash(
                    _(
                        "Fewer flights have an ICAO figure than before (%(before)s): the newest "
                        "file of a year replaces its earlier ones, so it must hold every route.",
                        before=formatting.number(done.legs_covered_before),
                    ),
                    "info",
                )
            return redirect(url_for("travel.icao", year=done.factor_set.edition_year))
    year = form.year.data if isinstance(form.year.data, int) else services.latest_trip_year()
    return _icao_page(year, form, row_errors), 422


@bp.get("/icao-<int:year>.<any(csv, xlsx):fmt>")
@role_required(*READERS)
def export_icao(year: int, fmt: str) -> ResponseReturnValue:
    """The year's flights as ICAO's Carbon Emissions Calculator takes them: one row per route
    and class, passengers summed (see services.icao)."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise NotFound(f"year {year}")
    return exports.download(services.icao_rows(year), f"ems-flights-for-icao-{year}", fmt)


import_views.register_page(services.IMPORTER.kind, _import_page)
