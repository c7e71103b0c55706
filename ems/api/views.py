"""The JSON API under /api/v1: the same services as the web pages, for booking and BI tools.

Requests authenticate with a bearer token (ems.api.access), never with the session cookie, and
no response sets a cookie. Errors are RFC 9457 problem details.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Iterator
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate

from ems.actions import services as actions
from ems.actions.models import ActionStatus, CorrectiveAction
from ems.api import openapi, services
from ems.api import schemas as s
from ems.api.access import RateLimited, Unauthenticated, caller, token_required
from ems.api.openapi import Response as Doc
from ems.api.openapi import operation
from ems.auth.models import ApiToken, Role
from ems.auth.permissions import ANY_ROLE
from ems.energy import services as energy
from ems.energy.models import EnergyRecord
from ems.errors import Conflict, NotFound, PermissionDenied, ValidationFailed, problem
from ems.extensions import db, utcnow
from ems.inventory import services as inventory
from ems.ledger import services as ledger
from ems.ledger.models import EmissionLine
from ems.org.models import FIRST_YEAR, LAST_YEAR
from ems.procurement import services as procurement
from ems.procurement.models import Purchase
from ems.reporting import services as reporting
from ems.reporting.models import IssuedReport
from ems.targets import services as targets
from ems.travel import airports
from ems.travel import services as travel
from ems.travel.models import Trip, TripSource
from ems.validation import without_control_characters
from ems.web import MAX_ID, IdConverter

bp = Blueprint("api", __name__, url_prefix=openapi.API_PREFIX)


class ApiIdConverter(IdConverter):
    """A database id in an API path. Any digits match, so that an id out of range is simply
    not found (404): a converter refusing it would make the router answer 405 for the other
    methods of the same path."""

    regex = r"[0-9]{1,20}"

    def to_python(self, value: str) -> int:
        number = int(value)
        return number if 1 <= number <= MAX_ID else 0  # no row has id 0


@bp.record_once
def _add_converter(state: BlueprintSetupState) -> None:
    state.app.url_map.converters["api_id"] = ApiIdConverter


#: the same roles as the web pages of each feature
TRIP_READERS = (Role.travel, Role.ems, Role.management)
TRIP_EDITORS = (Role.travel, Role.ems)
ORG_READERS = (Role.ems, Role.management)
ORG_EDITORS = (Role.ems,)

#: a strong ETag, e.g. "3" (a weak one never matches in If-Match)
_IF_MATCH = re.compile(r'"([0-9]{1,10})"')
_YEAR = f"<int(min={FIRST_YEAR}, max={LAST_YEAR}):year>"


def problem_type(slug: str) -> str:
    """The URI of a problem type: its section of the documentation page."""
    return url_for("api.docs", _anchor=f"problem-{slug}")


# --- errors -----------------------------------------------------------------------------------


@bp.errorhandler(Unauthenticated)
def _unauthenticated(exc: Unauthenticated) -> ResponseReturnValue:
    challenge = 'Bearer realm="ems"' + (', error="invalid_token"' if exc.invalid else "")
    return problem(401, detail=exc.detail, headers={"WWW-Authenticate": challenge})


@bp.errorhandler(RateLimited)
def _rate_limited(exc: RateLimited) -> ResponseReturnValue:
    return problem(
        429,
        detail=_(
            "A token may make %(n)d requests a minute; try again in %(s)d seconds.",
            n=exc.limit,
            s=exc.retry_after_seconds,
        ),
        type_uri=problem_type("rate-limited"),
        headers={
            "Retry-After": str(exc.retry_after_seconds),
            "RateLimit-Limit": str(exc.limit),
            "RateLimit-Remaining": "0",
            "RateLimit-Reset": str(exc.retry_after_seconds),
        },
    )


@bp.errorhandler(ValidationFailed)
def _validation_failed(exc: ValidationFailed) -> ResponseReturnValue:
    db.session.rollback()
    return problem(
        422,
        title=_("Some fields are wrong"),
        detail=_("Correct the fields listed in “errors” and send the request again."),
        type_uri=problem_type("validation"),
        errors=s.service_errors(exc.errors),
    )


@bp.errorhandler(s.ApiError)
def _api_error(exc: s.ApiError) -> ResponseReturnValue:
    return problem(exc.status, detail=exc.detail)


@bp.errorhandler(PermissionDenied)
def _permission_denied(exc: PermissionDenied) -> ResponseReturnValue:
    return problem(403, detail=str(exc) or None)


@bp.errorhandler(NotFound)
def _not_found(exc: NotFound) -> ResponseReturnValue:
    return problem(404, detail=_("Not found: %(what)s.", what=str(exc)) if str(exc) else None)


@bp.errorhandler(Conflict)
def _conflict(_exc: Conflict) -> ResponseReturnValue:
    db.session.rollback()
    return problem(
        409,
        detail=_("The record changed since the version you sent; read it again, then update it."),
        type_uri=problem_type("version-conflict"),
    )


@bp.after_request
def _rate_limit_headers(response: Response) -> Response:
    if "api_caller" in g:
        response.headers["RateLimit-Limit"] = str(g.api_caller.limit)
        response.headers["RateLimit-Remaining"] = str(max(g.api_caller.remaining, 0))
        response.headers["RateLimit-Reset"] = str(g.api_caller.reset_seconds)
    return response


@contextlib.contextmanager
def _calculating() -> Iterator[None]:
    """A factor or airport missing from a calculation is the request's problem (422)."""
    try:
        yield
    except NotFound as exc:
        raise ValidationFailed({"": str(exc)}) from None


def _json(schema: type[Schema], data: Any, status: int = 200, **headers: str) -> Response:
    response = jsonify(schema().dump(data))
    response.status_code = status
    response.headers.update({name.replace("_", "-"): value for name, value in headers.items()})
    return response


def _page(items: list[Any], page: int, per_page: int, total: int) -> dict[str, Any]:
    return {
        "items": items,
        "page": page,
        "per_page": per_page,
        "total": total,
        "pages": math.ceil(total / per_page),
    }


def _lines(lines: list[EmissionLine]) -> list[dict[str, Any]]:
    return [
        {
            "item": line.item,
            "year": line.year,
            "scope": line.scope,
            "scope3_category": line.scope3_category,
            "source_category": line.source_category,
            "basis": line.basis,
            "quantity": line.quantity,
            "quantity_unit": line.quantity_unit,
            "factor_id": line.factor_id,
            "factor_kgco2e_per_unit": line.factor_kgco2e_per_unit,
            "co2e_g": line.co2e_g,
            "method": line.method,
            "is_fallback": line.is_fallback,
            "note": line.note,
        }
        for line in lines
    ]


# --- the description and its page -------------------------------------------------------------


def description() -> dict[str, Any]:
    """The OpenAPI description of this application (built once)."""
    cached = current_app.extensions.get("ems_openapi")
    if cached is None:
        cached = current_app.extensions["ems_openapi"] = openapi.build(current_app)
    return cached


@bp.get("/openapi.json")
@operation(
    summary="This OpenAPI 3 description",
    tag="about",
    responses={200: Doc("The OpenAPI 3.0 description.", raw_schema={"type": "object"})},
)
def openapi_json() -> ResponseReturnValue:
    """The OpenAPI description, as JSON."""
    return jsonify(description())


@bp.get("/docs")
@operation(
    summary="The documentation page",
    tag="about",
    responses={
        200: Doc(
            "This description, readable.", media_type="text/html", raw_schema={"type": "string"}
        )
    },
)
def docs() -> ResponseReturnValue:
    """The description rendered as a page: authentication, every operation, every schema."""
    spec = description()
    return render_template(
        "api/docs.html",
        spec=spec,
        tags=openapi.operations_by_tag(spec),
        schemas=openapi.schema_rows(spec),
        schema_names=set(spec["components"]["schemas"]),
        problem_types=openapi.PROBLEM_TYPES,
        rate_limit=current_app.config["API_RATE_LIMIT_PER_MINUTE"],
        # never the request's Host header, which a client chooses
        base_url=(current_app.config["PUBLIC_URL"] or "").rstrip("/") + openapi.API_PREFIX,
    )


@bp.get("/me")
@token_required(*ANY_ROLE)
@operation(
    summary="Who the token acts as",
    tag="about",
    responses={200: Doc("The token's account, its roles and this minute's requests.", s.MeSchema)},
)
def me() -> ResponseReturnValue:
    """The token's account and roles."""
    who = caller()
    token = db.session.get(ApiToken, who.token_id)
    return _json(
        s.MeSchema,
        {
            "id": who.user.id,
            "name": who.user.name,
            "email": who.user.email,
            "roles": sorted(who.user.roles),
            "token": token,
            "rate_limit_per_minute": who.limit,
            "rate_limit_remaining": max(who.remaining, 0),
        },
    )


# --- travel -----------------------------------------------------------------------------------


@bp.get("/airports")
@token_required(*ANY_ROLE)
@operation(
    summary="Look airports up",
    tag="travel",
    query=s.AirportQuerySchema,
    responses={200: Doc("Up to 10 airports, best match first.", s.AirportListSchema)},
)
def search_airports() -> ResponseReturnValue:
    """Airports matching a code, city or name."""
    args = s.load_query(s.AirportQuerySchema())
    found = airports.search(without_control_characters(args["q"]))
    return _json(
        s.AirportListSchema,
        {
            "items": [
                {
                    "code": a.code,
                    "name": a.name,
                    "city": a.city,
                    "country_code": a.country_code,
                    "label": a.label,
                }
                for a in found
            ]
        },
    )


@bp.get("/estimates/flight")
@token_required(*ANY_ROLE)
@operation(
    summary="Estimate a flight before booking",
    tag="travel",
    description="Distance and CO2e per leg and in total, with and without radiative forcing, "
    "and what economy would save. Nothing is stored.",
    query=s.EstimateQuerySchema,
    responses={200: Doc("The estimate.", s.EstimateSchema)},
)
def estimate_flight() -> ResponseReturnValue:
    """An itinerary's emissions, nothing stored."""
    args = s.load_query(s.EstimateQuerySchema())
    with _calculating():
        result = travel.estimate_flight(
            origin=args["origin"],
            destination=args["destination"],
            via=args["via"],
            cabin_class=args["cabin_class"],
            departure_on=args.get("departure_on"),
            is_return=args["is_return"],
            passengers=args["passengers"],
        )
    legs = [
        {
            "origin": leg.origin.code,
            "destination": leg.destination.code,
            "departure_on": leg.departure_on,
            "distance_km": leg.distance_km,
            "haul": leg.haul,
            "cabin_class": leg.cabin_class,
            "factor_class": leg.factor_class,
            "passengers": leg.passengers,
            "co2e_with_rf_g": leg.co2e_g_with_rf,
            "co2e_without_rf_g": leg.co2e_g_without_rf,
            "factor_set": leg.with_rf.factor_set.code,
            "factor_kgco2e_per_pkm_with_rf": leg.with_rf.factor.kgco2e_per_unit,
            "factor_kgco2e_per_pkm_without_rf": leg.without_rf.factor.kgco2e_per_unit,
            "notes": [*leg.notes, *([leg.with_rf.note] if leg.with_rf.note else [])],
        }
        for leg in result.legs
    ]
    return _json(
        s.EstimateSchema,
        {
            "legs": legs,
            "distance_km": result.distance_km,
            "co2e_with_rf_g": result.co2e_g_with_rf,
            "co2e_without_rf_g": result.co2e_g_without_rf,
            "economy_saving_with_rf_g": result.saving_g_with_rf,
            "economy_saving_without_rf_g": result.saving_g_without_rf,
        },
    )


def _trip(trip: Trip, totals: dict[int, tuple[int, int]] | None = None) -> dict[str, Any]:
    if totals is None:
        totals = travel.trip_totals([trip.id])
    with_rf, without_rf = totals.get(trip.id, (0, 0))
    return {
        "id": trip.id,
        "version": trip.version_id,
        "traveller": trip.traveller,
        "department_id": trip.department_id,
        "purpose": trip.purpose,
        "paid_by": trip.paid_by,
        "booking_reference": trip.booking_reference,
        "source": trip.source,
        "notes": trip.notes,
        "starts_on": trip.starts_on,
        "created_at": trip.created_at,
        "updated_at": trip.updated_at,
        "legs": trip.legs,
        "ground": trip.ground_legs,
        "hotels": trip.hotel_stays,
        "co2e_with_rf_g": with_rf,
        "co2e_without_rf_g": without_rf,
    }


def _trip_response(trip: Trip, status: int = 200, **headers: str) -> Response:
    return _json(s.TripSchema, _trip(trip), status, ETag=f'"{trip.version_id}"', **headers)


def _trip_args(data: dict[str, Any]) -> dict[str, Any]:
    """Checked body fields as create_trip's and update_trip's arguments."""
    return {
        **data,
        "legs": [travel.LegInput(**leg) for leg in data.get("legs", [])],
        "ground": [travel.GroundInput(**item) for item in data.get("ground", [])],
        "hotels": [travel.HotelInput(**stay) for stay in data.get("hotels", [])],
    }


@bp.get("/trips")
@token_required(*TRIP_READERS)
@operation(
    summary="List trips",
    tag="travel",
    description="Filtered as on the web list, a page at a time, with the totals of every trip "
    "the filters select.",
    query=s.TripQuerySchema,
    responses={200: Doc("A page of trips.", s.TripPageSchema)},
)
def list_trips() -> ResponseReturnValue:
    """Trips with filters and pages."""
    args = s.load_query(s.TripQuerySchema())
    filters = travel.TripFilters(
        year=args.get("year"),
        month=args.get("month"),
        department_id=args.get("department_id"),
        traveller=without_control_characters(args.get("traveller", "")).strip(),
        cabin_class=args["cabin_class"].value if "cabin_class" in args else "",
        source=args["source"].value if "source" in args else "",
        sort=args["sort"],
    )
    rows, summary = travel.trips_query(filters)
    total, with_rf_g, without_rf_g = db.session.execute(summary).one()
    page = db.paginate(
        rows, page=args["page"], per_page=args["per_page"], error_out=False, count=False
    )
    totals = travel.trip_totals([trip.id for trip in page.items])
    return _json(
        s.TripPageSchema,
        {
            **_page(
                [_trip(trip, totals) for trip in page.items],
                args["page"],
                args["per_page"],
                total,
            ),
            "totals": {"co2e_with_rf_g": with_rf_g, "co2e_without_rf_g": without_rf_g},
        },
    )


@bp.post("/trips")
@token_required(*TRIP_EDITORS)
@operation(
    summary="Record a trip",
    tag="travel",
    description="Its flights (with `is_return`, the same flights back on `return_on`), "
    "journeys and hotel stays. A booking reference already recorded is refused (422); to "
    "push bookings idempotently, use the bulk operation.",
    body=s.TripCreateSchema,
    responses={201: Doc("The trip recorded.", s.TripSchema, headers=("Location", "ETag"))},
)
def create_trip() -> ResponseReturnValue:
    """Record a trip with its emission lines."""
    data = s.load(s.TripCreateSchema(), s.json_body())
    with _calculating():
        trip = travel.create_trip(actor=caller().user, source=TripSource.api, **_trip_args(data))
    response = _trip_response(trip, 201, Location=url_for("api.get_trip", trip_id=trip.id))
    db.session.commit()  # the answer was built from what is committed: nothing read after
    return response


class _BulkEnvelope(s.BodySchema):
    """The bulk body before each trip is read on its own."""

    # null items too are answered one by one, like any other wrong item
    trips = fields.List(
        fields.Raw(allow_none=True), required=True, validate=validate.Length(min=1, max=100)
    )


@bp.post("/trips/bulk")
@token_required(*TRIP_EDITORS)
@operation(
    summary="Record many trips, idempotently",
    tag="travel",
    description="Up to 100 trips, each with its booking reference. Each is checked and saved "
    "on its own: the answer lists, in order, the trips created, those skipped because their "
    "booking reference is already recorded (with the id of the trip recorded), and those "
    "refused with their errors. Sending the same trips again creates nothing. The answer is "
    "200 whatever became of each trip.",
    body=s.BulkTripsSchema,
    responses={200: Doc("What became of each trip.", s.BulkResponseSchema)},
)
def bulk_create_trips() -> ResponseReturnValue:
    """Record many trips; per-trip results."""
    items = s.load(_BulkEnvelope(), s.json_body())["trips"]
    trips: list[dict[str, Any]] = []
    refused: dict[int, dict[str, str]] = {}
    for index, item in enumerate(items):
        try:
            trips.append(_trip_args(dict(s.BulkTripSchema().load(item))))
        except ValidationError as exc:
            refused[index] = s.field_errors(exc.messages)
            reference = item.get("booking_reference") if isinstance(item, dict) else None
            trips.append({"booking_reference": reference if isinstance(reference, str) else None})
    results = services.create_trips(actor=caller().user, trips=trips, refused=refused)
    counts = {
        status: sum(r.status == status for r in results)
        for status in ("created", "duplicate", "error")
    }
    response = _json(
        s.BulkResponseSchema,
        {
            "results": [
                {
                    "index": r.index,
                    "status": r.status,
                    "booking_reference": r.booking_reference,
                    "id": r.trip.id if r.trip is not None else r.existing_id,
                    "errors": s.service_errors(r.errors),
                }
                for r in results
            ],
            "created": counts["created"],
            "duplicates": counts["duplicate"],
            "errors": counts["error"],
        },
    )
    db.session.commit()
    return response


@bp.get("/trips/<api_id:trip_id>")
@token_required(*TRIP_READERS)
@operation(
    summary="Read a trip",
    tag="travel",
    responses={200: Doc("The trip; its ETag is its version.", s.TripSchema, headers=("ETag",))},
    examples={"trip_id": 1},
)
def get_trip(trip_id: int) -> ResponseReturnValue:
    """A trip with its flights, journeys, stays and grams CO2e."""
    return _trip_response(travel.get_trip(trip_id))


def _expected_version(body_version: int | None) -> int:
    """The version the client read: the body's, else If-Match's (never "*": an update
    always says which version it changes)."""
    if body_version is not None:
        return body_version
    header = request.headers.get("If-Match")
    if header is None:
        raise s.ApiError(
            428, _("Send the version you read: “version” in the body, or an If-Match header.")
        )
    match = _IF_MATCH.fullmatch(header.strip())
    if match is None:
        raise s.ApiError(400, _('If-Match must be the trip\'s ETag, e.g. "3".'))
    return int(match.group(1))


@bp.put("/trips/<api_id:trip_id>")
@token_required(*TRIP_EDITORS)
@operation(
    summary="Change a trip",
    tag="travel",
    description="Replaces everything the trip holds. Send the version you read, as `version` "
    "or If-Match: if the trip changed since, nothing is saved (409).",
    body=s.TripUpdateSchema,
    errors=(409, 428),
    request_headers={"If-Match": "The trip's ETag as read (instead of `version`)."},
    responses={200: Doc("The trip as saved.", s.TripSchema, headers=("ETag",))},
    examples={"trip_id": 1},
)
def update_trip(trip_id: int) -> ResponseReturnValue:
    """Change a trip, if it is still at the version read."""
    trip = travel.get_trip(trip_id)
    data = s.load(s.TripUpdateSchema(), s.json_body())
    expected = _expected_version(data.pop("version", None))
    with _calculating():
        travel.update_trip(
            actor=caller().user, trip=trip, expected_version=expected, **_trip_args(data)
        )
    response = _trip_response(trip)
    db.session.commit()
    return response


@bp.delete("/trips/<api_id:trip_id>")
@token_required(*TRIP_EDITORS)
@operation(
    summary="Remove a trip",
    tag="travel",
    description="It leaves every list and total; it and its figures can be restored from the "
    "removed records (web) or with `ems removals restore`. Refused (422) in a closed year.",
    responses={204: Doc("Removed.")},
    examples={"trip_id": 1},
)
def delete_trip(trip_id: int) -> ResponseReturnValue:
    """Remove a trip."""
    travel.delete_trip(actor=caller().user, trip=travel.get_trip(trip_id))
    db.session.commit()
    response = Response(status=204)
    del response.headers["Content-Type"]  # no content, no type
    return response


# --- energy and procurement -------------------------------------------------------------------


def _energy_record(record: EnergyRecord, lines: list[EmissionLine]) -> dict[str, Any]:
    return {
        **{name: getattr(record, name) for name in energy.FIELDS},
        "id": record.id,
        "version": record.version_id,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "emission_lines": _lines(lines),
    }


@bp.get("/energy-records")
@token_required(*ORG_READERS)
@operation(
    summary="List energy records",
    tag="energy",
    description="Newest period first, of a year (any overlap) and site, with the grams CO2e "
    "of every record selected.",
    query=s.YearSiteQuerySchema,
    responses={200: Doc("A page of energy records.", s.EnergyRecordPageSchema)},
)
def list_energy_records() -> ResponseReturnValue:
    """Energy records with their lines."""
    args = s.load_query(s.YearSiteQuerySchema())
    year, site_id = args.get("year"), args.get("site_id")
    stmt = energy.energy_query(year=year, site_id=site_id)
    page = db.paginate(stmt, page=args["page"], per_page=args["per_page"], error_out=False)
    lines = ledger.current_lines_by_activity(
        activity_type=energy.ACTIVITY_TYPE, activity_ids=[r.id for r in page.items]
    )
    totals = energy.energy_totals(year=year, site_id=site_id)
    return _json(
        s.EnergyRecordPageSchema,
        {
            **_page(
                [_energy_record(r, lines[r.id]) for r in page.items],
                args["page"],
                args["per_page"],
                page.total or 0,
            ),
            "totals": totals,
        },
    )


@bp.post("/energy-records")
@token_required(*ORG_EDITORS)
@operation(
    summary="Record energy consumption",
    tag="energy",
    description="A bill or meter reading of a site; electricity gets location- and "
    "market-based lines.",
    body=s.EnergyRecordCreateSchema,
    responses={201: Doc("The record with its lines.", s.EnergyRecordSchema)},
)
def create_energy_record() -> ResponseReturnValue:
    """Record a site's consumption."""
    data = s.load(s.EnergyRecordCreateSchema(), s.json_body())
    record = energy.create_energy_record(actor=caller().user, **data)
    lines = ledger.current_lines(activity_type=energy.ACTIVITY_TYPE, activity_id=record.id)
    response = _json(s.EnergyRecordSchema, _energy_record(record, list(lines)), 201)
    db.session.commit()
    return response


def _purchase(purchase: Purchase, lines: list[EmissionLine]) -> dict[str, Any]:
    return {
        **{name: getattr(purchase, name) for name in procurement.FIELDS},
        "id": purchase.id,
        "version": purchase.version_id,
        "category_name": purchase.category.name,
        "created_at": purchase.created_at,
        "updated_at": purchase.updated_at,
        "emission_lines": _lines(lines),
    }


@bp.get("/purchases")
@token_required(*ORG_READERS)
@operation(
    summary="List purchases",
    tag="procurement",
    query=s.PurchaseQuerySchema,
    responses={200: Doc("A page of purchases.", s.PurchasePageSchema)},
)
def list_purchases() -> ResponseReturnValue:
    """Purchases with their lines."""
    args = s.load_query(s.PurchaseQuerySchema())
    filters = procurement.PurchaseFilters(
        year=args.get("year"),
        category_id=args.get("category_id"),
        site_id=args.get("site_id"),
        department_id=args.get("department_id"),
    )
    total, grams = procurement.purchase_totals(filters)
    page = db.paginate(
        procurement.purchases_query(filters),
        page=args["page"],
        per_page=args["per_page"],
        error_out=False,
        count=False,
    )
    lines = ledger.current_lines_by_activity(
        activity_type=procurement.ACTIVITY_TYPE, activity_ids=[p.id for p in page.items]
    )
    return _json(
        s.PurchasePageSchema,
        {
            **_page(
                [_purchase(p, lines[p.id]) for p in page.items],
                args["page"],
                args["per_page"],
                total,
            ),
            "totals": {"co2e_g": grams},
        },
    )


@bp.post("/purchases")
@token_required(*ORG_EDITORS)
@operation(
    summary="Record a purchase",
    tag="procurement",
    description="The amount paid in a currency (spend-based factor of the category), or a "
    "quantity of a material the category has a factor for.",
    body=s.PurchaseCreateSchema,
    responses={201: Doc("The purchase with its line.", s.PurchaseSchema)},
)
def create_purchase() -> ResponseReturnValue:
    """Record a purchase."""
    data = s.load(s.PurchaseCreateSchema(), s.json_body())
    purchase = procurement.create_purchase(actor=caller().user, **data)
    lines = ledger.current_lines(activity_type=procurement.ACTIVITY_TYPE, activity_id=purchase.id)
    response = _json(s.PurchaseSchema, _purchase(purchase, list(lines)), 201)
    db.session.commit()
    return response


# --- inventory, targets, actions, reports -----------------------------------------------------


@bp.get(f"/inventory/{_YEAR}")
@token_required(*ORG_READERS)
@operation(
    summary="A year's inventory",
    tag="inventory",
    description="Both boundaries, in kg CO2e, by scope, category, source, site and department.",
    responses={200: Doc("The inventory.", s.InventorySchema)},
    examples={"year": 2024},
)
def get_inventory(year: int) -> ResponseReturnValue:
    """The year's inventory in both boundaries."""
    both = inventory.inventories(year)
    return _json(
        s.InventorySchema,
        {"year": year, "boundaries": {b.value: inv.as_json() for b, inv in both.items()}},
    )


@bp.get("/targets")
@token_required(*ORG_READERS)
@operation(
    summary="Targets and their trajectories",
    tag="inventory",
    description="The organisation's target first, then the others; each with its baseline, "
    "its straight line, the actual of each year and the cut now needed each year.",
    responses={200: Doc("Every target.", s.TargetListSchema)},
)
def list_targets() -> ResponseReturnValue:
    """Every target with its trajectory."""
    items = []
    for spec, path in targets.trajectories():
        items.append(
            {
                "name": spec.name,
                "boundary": spec.boundary,
                "source_category": spec.source,
                "per_capita": spec.per_capita,
                "baseline_year": spec.baseline_year,
                "target_year": spec.target_year,
                "reduction_pct": spec.reduction_pct,
                "baseline": path.baseline if path else None,
                "target_g": path.target_g if path else None,
                "latest_year": path.latest_year if path else None,
                "required_reduction_g_per_year": path.required_reduction_g_per_year
                if path
                else None,
                "required_reduction_pct_per_year": path.required_reduction_pct_per_year
                if path
                else None,
                "years": path.years if path else [],
            }
        )
    return _json(s.TargetListSchema, {"items": items})


def _action(action: CorrectiveAction, today: Any) -> dict[str, Any]:
    return {
        "id": action.id,
        "nonconformity_id": action.nonconformity_id,
        "nonconformity_title": action.nonconformity.title,
        "description": action.description,
        "owner_name": action.owner.name,
        "due_on": action.due_on,
        "status": action.status,
        "is_overdue": action.status in (ActionStatus.planned, ActionStatus.in_progress)
        and action.due_on < today,
        "source_category": action.source_category,
        "scope": action.scope,
        "expected_reduction_t": action.expected_reduction_t,
        "expected_from_year": action.expected_from_year,
        "cost_estimate": action.cost_estimate,
        "done_on": action.done_on,
        "created_at": action.created_at,
        "updated_at": action.updated_at,
        "verdicts": [
            {
                "is_effective": verdict.is_effective,
                "reviewed_at": verdict.reviewed_at,
                "reviewed_by": verdict.reviewed_by_label,
                "note": verdict.note,
            }
            for verdict in action.verdicts
        ],
    }


@bp.get("/actions")
@token_required(*ORG_READERS)
@operation(
    summary="Corrective actions",
    tag="actions",
    description="By due date, with their nonconformity, expected cut and verdicts.",
    query=s.ActionQuerySchema,
    responses={200: Doc("The actions.", s.ActionListSchema)},
)
def list_actions() -> ResponseReturnValue:
    """Corrective actions, read only."""
    args = s.load_query(s.ActionQuerySchema())
    today = utcnow().date()
    chosen = (  # with their owners, nonconformities and verdicts: no query per action
        actions.overdue_actions(today, with_verdicts=True)
        if args.get("overdue")
        else actions.list_actions(with_verdicts=True)
    )
    if "status" in args:
        chosen = [a for a in chosen if a.status is args["status"]]
    chosen.sort(key=lambda a: (a.due_on, a.id))
    return _json(s.ActionListSchema, {"items": [_action(a, today) for a in chosen]})


def _report(report: IssuedReport) -> dict[str, Any]:
    return {
        "id": report.id,
        "year": report.year,
        "version": report.version,
        "identifier": report.identifier,
        "issued_at": report.issued_at,
        "issued_by": report.issued_by_label,
        "note": report.note,
        "pdf_sha256": report.pdf_sha256,
        "pdf_size_bytes": report.pdf_size_bytes,
        "download_url": url_for("api.download_report", report_id=report.id),
    }


@bp.get("/reports")
@token_required(*ORG_READERS)
@operation(
    summary="Issued annual reports",
    tag="reports",
    description="Newest year and version first.",
    query=s.ReportQuerySchema,
    responses={200: Doc("The issued versions.", s.IssuedReportListSchema)},
)
def list_reports() -> ResponseReturnValue:
    """Issued versions of the annual report."""
    args = s.load_query(s.ReportQuerySchema())
    found = reporting.issued_reports(args.get("year"))
    return _json(s.IssuedReportListSchema, {"items": [_report(r) for r in found]})


@bp.get("/reports/<api_id:report_id>/pdf")
@token_required(*ORG_READERS)
@operation(
    summary="Download an issued report",
    tag="reports",
    description="The PDF byte for byte as issued; its SHA-256 is in X-Content-SHA256 and the ETag.",
    responses={
        200: Doc(
            "The PDF.",
            media_type="application/pdf",
            raw_schema={"type": "string", "format": "binary"},
            headers=("ETag", "X-Content-SHA256", "Content-Disposition"),
        )
    },
    examples={"report_id": 1},
)
def download_report(report_id: int) -> ResponseReturnValue:
    """An issued report's PDF."""
    report = reporting.get_issued(report_id)
    response = Response(
        report.pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f"attachment; filename={report.identifier}.pdf",
            "X-Content-SHA256": report.pdf_sha256,
        },
    )
    response.set_etag(report.pdf_sha256)
    return response
