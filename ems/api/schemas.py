"""What the API reads and writes, as marshmallow schemas: they check requests and shape
responses, and the OpenAPI description is generated from them (ems.api.openapi).

Request bodies are strict JSON: no unknown fields, numbers as JSON numbers (never strings or
booleans), dates as YYYY-MM-DD. The services check every rule again; these schemas give the
first, typed answer and the limits the description publishes.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from flask import request
from flask_babel import gettext as _
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from ems import numbers
from ems.actions.models import ActionStatus
from ems.auth.models import Role, User
from ems.energy.models import EnergyRecord, EnergyType, OnsiteTechnology, RenewableInstrument
from ems.energy.services import UNITS
from ems.errors import ValidationFailed
from ems.inventory.services import Boundary
from ems.ledger.models import Basis, SourceCategory
from ems.numbers import DecimalKind, NumberError
from ems.org.models import FIRST_YEAR, LAST_YEAR
from ems.procurement.models import Purchase
from ems.procurement.services import QUANTITY_UNITS
from ems.travel.calculation import CabinClass
from ems.travel.models import FlightLeg, GroundLeg, GroundMode, HotelStay, PaidBy, Trip, TripSource
from ems.web import MAX_ID, MAX_PAGE

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 50
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INTEGER = re.compile(r"-?[0-9]{1,12}")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class ApiError(Exception):
    """A request the API refuses before any service sees it (bad JSON, a wrong media type)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


# --- strict fields ----------------------------------------------------------------------------


class StrictInteger(fields.Integer):
    """A JSON integer: not a string, a boolean or a number with a fraction."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(_("Enter a whole number."))
        return value


class Number(fields.Number):
    """A JSON number of a declared kind (ems.numbers) read exactly (as a Decimal): not a string
    or a boolean; its range and decimal places checked."""

    num_type = Decimal

    def __init__(self, *, kind: DecimalKind, **kwargs: Any) -> None:
        self.kind = kind
        metadata = dict(kwargs.pop("metadata", {}))
        if kind.above_minimum:
            metadata["exclusiveMinimum"] = True
        places = f"At most {kind.places} decimal places."
        described = metadata.get("description")
        metadata["description"] = f"{described} {places}" if described else places
        super().__init__(
            validate=validate.Range(
                kind.minimum, kind.maximum, min_inclusive=not kind.above_minimum
            ),
            metadata=metadata,
            **kwargs,
        )

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise ValidationError(_("Enter a number."))
        try:
            return self.kind.parse(value)
        except NumberError as exc:
            raise ValidationError(str(exc)) from None

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        # documentation only (limits in the description): a JSON number, not a string
        if value is None:
            return None
        return int(value) if Decimal(value) == int(value) else float(value)


class StrictBoolean(fields.Boolean):
    """A JSON true or false."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise ValidationError(_("Enter true or false."))
        return value


class StrictDate(fields.Date):
    """A date as YYYY-MM-DD."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.date:
        if not isinstance(value, str) or not _DATE.fullmatch(value):
            raise ValidationError(_("Enter a date as YYYY-MM-DD."))
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValidationError(_("Enter a date as YYYY-MM-DD.")) from None


class QueryInteger(fields.Integer):
    """A whole number in a query string: digits only."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if not isinstance(value, str) or not _INTEGER.fullmatch(value):
            raise ValidationError(_("Enter a whole number."))
        return int(value)


class QueryBoolean(fields.Boolean):
    """true or false in a query string."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if value not in ("true", "false"):
            raise ValidationError(_("Enter true or false."))
        return value == "true"


def _text(max_len: int, **kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Length(max=max_len), **kwargs)


def _id(**kwargs: Any) -> StrictInteger:
    return StrictInteger(validate=validate.Range(1, MAX_ID), **kwargs)


def _enum(kind: type[Any], **kwargs: Any) -> fields.Enum:
    return fields.Enum(kind, by_value=True, **kwargs)


# --- reading requests -------------------------------------------------------------------------


class BodySchema(Schema):
    """A request body: unknown fields are errors."""

    class Meta:
        unknown = RAISE


class QuerySchema(Schema):
    """Query arguments: unknown ones are errors."""

    class Meta:
        unknown = RAISE


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _has_surrogates(value: Any) -> bool:
    """True if some text in ``value`` holds a lone surrogate (JSON allows it; UTF-8 does not)."""
    if isinstance(value, str):
        return _SURROGATE.search(value) is not None
    if isinstance(value, list):
        return any(_has_surrogates(item) for item in value)
    if isinstance(value, dict):
        return any(_has_surrogates(k) or _has_surrogates(v) for k, v in value.items())
    return False


def json_body() -> Any:
    """The request's JSON body, numbers with a fraction read exactly (as Decimals)."""
    if not request.is_json:
        raise ApiError(415, _("Send the body as JSON (Content-Type: application/json)."))
    try:
        body = json.loads(request.get_data(), parse_float=Decimal, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise ApiError(400, _("The body is not valid JSON.")) from None
    if _has_surrogates(body):
        raise ApiError(400, _("The body holds text that is not valid Unicode."))
    return body


def field_errors(messages: Any, prefix: str = "") -> dict[str, str]:
    """marshmallow's nested messages as {"legs.0.origin": "message"} ("" for the whole body)."""
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return {prefix: " ".join(messages)}
    if isinstance(messages, Mapping):
        errors: dict[str, str] = {}
        for key, value in messages.items():
            name = "" if key == "_schema" else str(key)
            errors.update(
                field_errors(value, f"{prefix}.{name}" if prefix and name else name or prefix)
            )
        return errors
    return {prefix: str(messages)}


_SERVICE_FIELD = re.compile(r"([a-z_]+)-([0-9]+)-([a-z_]+)")


def service_errors(errors: Mapping[str, str]) -> dict[str, str]:
    """Service field names (the web forms' ``legs-0-origin``) as the API's (``legs.0.origin``)."""
    return {
        _SERVICE_FIELD.sub(r"\1.\2.\3", name) if _SERVICE_FIELD.fullmatch(name) else name: message
        for name, message in errors.items()
    }


def load(schema: Schema, data: Any) -> dict[str, Any]:
    """``data`` checked by ``schema``; ValidationFailed names each wrong field."""
    try:
        return dict(schema.load(data))
    except ValidationError as exc:
        raise ValidationFailed(field_errors(exc.messages)) from None


def load_query(schema: Schema) -> dict[str, Any]:
    """The query arguments checked by ``schema`` (lists from repeated arguments); an argument
    it does not describe is an error, as a misspelt filter would silently select everything."""
    data: dict[str, Any] = {}
    for key in request.args:
        field = schema.fields.get(key)
        data[key] = (
            request.args.getlist(key) if isinstance(field, fields.List) else request.args[key]
        )
    return load(schema, data)


# --- query arguments --------------------------------------------------------------------------


class PageQuerySchema(QuerySchema):
    """Which page of a list."""

    page = QueryInteger(
        load_default=1,
        validate=validate.Range(1, MAX_PAGE),
        metadata={"description": "Page number, from 1."},
    )
    per_page = QueryInteger(
        load_default=DEFAULT_PER_PAGE,
        validate=validate.Range(1, MAX_PER_PAGE),
        metadata={"description": "Items per page."},
    )


def _year_arg(**kwargs: Any) -> QueryInteger:
    return QueryInteger(validate=validate.Range(FIRST_YEAR, LAST_YEAR), **kwargs)


def _id_arg(**kwargs: Any) -> QueryInteger:
    return QueryInteger(validate=validate.Range(1, MAX_ID), **kwargs)


class TripQuerySchema(PageQuerySchema):
    """The trip list's filters, as on the web list."""

    year = _year_arg(metadata={"description": "Trips starting in this year."})
    month = QueryInteger(
        validate=validate.Range(1, 12), metadata={"description": "…and month (with year)."}
    )
    department_id = _id_arg()
    traveller = fields.String(
        validate=validate.Length(max=100),
        metadata={"description": "Part of the traveller's name, any case."},
    )
    cabin_class = _enum(CabinClass, metadata={"description": "Trips with a flight in this class."})
    source = _enum(TripSource)
    sort = fields.String(
        load_default="-date",
        validate=validate.OneOf(["date", "-date", "traveller", "-traveller", "id", "-id"]),
        metadata={"description": "Order; a leading minus reverses it."},
    )


class YearSiteQuerySchema(PageQuerySchema):
    """Energy records of a year (any overlap) and site."""

    year = _year_arg()
    site_id = _id_arg()


class PurchaseQuerySchema(PageQuerySchema):
    """Purchases of a year, category, site and department."""

    year = _year_arg()
    category_id = _id_arg()
    site_id = _id_arg()
    department_id = _id_arg()


class AirportQuerySchema(QuerySchema):
    """Text to look airports up by."""

    q = fields.String(
        required=True,
        validate=validate.Length(min=1, max=60),
        metadata={"description": "An IATA code, or part of a city or airport name."},
    )


class EstimateQuerySchema(QuerySchema):
    """An itinerary to estimate."""

    origin = fields.String(required=True, validate=validate.Length(equal=3))
    destination = fields.String(required=True, validate=validate.Length(equal=3))
    via = fields.List(
        fields.String(validate=validate.Length(equal=3)),
        validate=validate.Length(max=4),
        load_default=list,
        metadata={"description": "Stopovers (IATA codes), in order; repeat the argument."},
    )
    cabin_class = _enum(CabinClass, load_default=CabinClass.economy)
    departure_on = StrictDate(metadata={"description": "Date of the flights (default: today)."})
    is_return = QueryBoolean(
        load_default=False, metadata={"description": "Add the same flights back."}
    )
    passengers = QueryInteger(load_default=1, validate=validate.Range(1, FlightLeg.MAX_PASSENGERS))


class ActionQuerySchema(QuerySchema):
    """Which corrective actions."""

    status = _enum(ActionStatus)
    overdue = QueryBoolean(
        metadata={"description": "Only planned or running actions past their due date."}
    )


class ReportQuerySchema(QuerySchema):
    """Issued reports of a year."""

    year = _year_arg()


# --- request bodies ---------------------------------------------------------------------------


class LegSchema(BodySchema):
    """A flight."""

    origin = fields.String(required=True, validate=validate.Length(equal=3))
    destination = fields.String(required=True, validate=validate.Length(equal=3))
    departure_on = StrictDate(required=True)
    cabin_class = _enum(CabinClass, load_default=CabinClass.economy)
    passengers = StrictInteger(load_default=1, validate=validate.Range(1, FlightLeg.MAX_PASSENGERS))


class GroundSchema(BodySchema):
    """A journey by rail, bus, coach, taxi or car."""

    mode = _enum(GroundMode, required=True)
    travelled_on = StrictDate(required=True)
    distance_km = Number(
        kind=numbers.DISTANCE_KM,
        allow_none=True,
        load_default=None,
        metadata={
            "description": "Leave out to compute it from origin and destination airport codes.",
        },
    )
    origin = _text(GroundLeg.PLACE_MAX_LEN, load_default="")
    destination = _text(GroundLeg.PLACE_MAX_LEN, load_default="")
    passengers = StrictInteger(load_default=1, validate=validate.Range(1, FlightLeg.MAX_PASSENGERS))


class HotelSchema(BodySchema):
    """Nights in a hotel."""

    country_code = fields.String(
        required=True,
        validate=validate.Length(equal=2),
        metadata={"description": "ISO 3166-1 alpha-2"},
    )
    check_in_on = StrictDate(required=True)
    nights = StrictInteger(required=True, validate=validate.Range(1, HotelStay.MAX_NIGHTS))
    rooms = StrictInteger(load_default=1, validate=validate.Range(1, HotelStay.MAX_ROOMS))


def _items(schema: type[Schema]) -> fields.List:
    return fields.List(
        fields.Nested(schema), load_default=list, validate=validate.Length(max=Trip.MAX_LEGS)
    )


class TripFieldsSchema(BodySchema):
    """What a trip holds (at least one flight, journey or hotel stay)."""

    traveller = _text(Trip.TRAVELLER_MAX_LEN, required=True)
    legs = _items(LegSchema)
    ground = _items(GroundSchema)
    hotels = _items(HotelSchema)
    paid_by = _enum(
        PaidBy,
        load_default=PaidBy.organisation,
        metadata={"description": "Only trips the organisation paid are in its inventory."},
    )
    department_id = _id(allow_none=True, load_default=None)
    purpose = _text(Trip.PURPOSE_MAX_LEN, load_default="")
    booking_reference = _text(Trip.BOOKING_REFERENCE_MAX_LEN, allow_none=True, load_default=None)
    notes = _text(Trip.NOTES_MAX_LEN, load_default="")


class TripCreateSchema(TripFieldsSchema):
    """A new trip; ``is_return`` adds the flights back in reverse on ``return_on``."""

    is_return = StrictBoolean(load_default=False)
    return_on = StrictDate(allow_none=True, load_default=None)


class BulkTripSchema(TripCreateSchema):
    """A trip of a bulk request: its booking reference is required (it makes resending safe)."""

    booking_reference = fields.String(
        required=True, validate=validate.Length(min=1, max=Trip.BOOKING_REFERENCE_MAX_LEN)
    )


class BulkTripsSchema(BodySchema):
    """Trips to record together; each is checked and saved on its own."""

    trips = fields.List(
        fields.Nested(BulkTripSchema),
        required=True,
        validate=validate.Length(min=1, max=100),
    )


class TripUpdateSchema(TripFieldsSchema):
    """A trip's new content (everything is replaced), with the version it was read at."""

    version = StrictInteger(
        validate=validate.Range(1, MAX_ID),
        metadata={"description": "The version read; or send it as If-Match."},
    )


class EnergyRecordCreateSchema(BodySchema):
    """A site's consumption over a period."""

    site_id = _id(required=True)
    energy_type = _enum(EnergyType, required=True)
    period_start = StrictDate(required=True)
    period_end = StrictDate(required=True)
    quantity = Number(kind=numbers.QUANTITY, required=True)
    unit = fields.String(
        required=True,
        validate=validate.OneOf(sorted({u for units in UNITS.values() for u in units})),
        metadata={"description": "A unit of the energy type (electricity: `kwh` or `mwh`…)."},
    )
    certificates_kwh = Number(kind=numbers.QUANTITY, allow_none=True, load_default=None)
    supplier_factor_id = _id(allow_none=True, load_default=None)
    meter_reference = _text(EnergyRecord.REFERENCE_MAX_LEN, load_default="")
    evidence_note = _text(EnergyRecord.NOTE_MAX_LEN, load_default="")
    is_estimate = StrictBoolean(load_default=False)
    technology = _enum(
        OnsiteTechnology,
        allow_none=True,
        load_default=None,
        metadata={"description": "How on-site generation is made (required for it)."},
    )
    instrument = _enum(
        RenewableInstrument,
        allow_none=True,
        load_default=None,
        metadata={
            "description": "Electricity's instrument; `certificates` where omitted with "
            "certificates."
        },
    )
    meets_quality_criteria = StrictBoolean(
        load_default=True,
        metadata={
            "description": "The instrument meets the GHG Protocol Scope 2 Quality "
            "Criteria (else it does not lower the market-based figure)."
        },
    )


class PurchaseCreateSchema(BodySchema):
    """A purchase: the amount paid, or a quantity of a material."""

    purchased_on = StrictDate(required=True)
    category_id = _id(required=True)
    amount = Number(kind=numbers.MONEY, allow_none=True, load_default=None)
    currency = fields.String(allow_none=True, load_default=None, validate=validate.Length(equal=3))
    quantity = Number(kind=numbers.POSITIVE_QUANTITY, allow_none=True, load_default=None)
    quantity_unit = fields.String(
        allow_none=True, load_default=None, validate=validate.OneOf(QUANTITY_UNITS)
    )
    supplier = _text(Purchase.SUPPLIER_MAX_LEN, load_default="")
    description = _text(Purchase.DESCRIPTION_MAX_LEN, load_default="")
    reference = _text(Purchase.REFERENCE_MAX_LEN, load_default="")
    site_id = _id(allow_none=True, load_default=None)
    department_id = _id(allow_none=True, load_default=None)


# --- responses --------------------------------------------------------------------------------


class OutSchema(Schema):
    """A response body: exactly these fields (the description says so)."""

    class Meta:
        unknown = RAISE
        ordered = True


def _out(field: type[fields.Field], *args: Any, **kwargs: Any) -> fields.Field:
    return field(*args, required=True, **kwargs)


def _nullable(field: type[fields.Field], *args: Any, **kwargs: Any) -> fields.Field:
    return field(*args, required=True, allow_none=True, **kwargs)


class ProblemSchema(OutSchema):
    """An error, as RFC 9457 problem details."""

    type = _out(fields.String, metadata={"description": "About:blank or a problem type URI."})
    title = _out(fields.String)
    status = _out(fields.Integer)
    detail = _out(fields.String)
    request_id = _out(fields.String, metadata={"description": "Quote it when reporting a fault."})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": 'What is wrong with each field ("": the whole request).'},
    )


class EmissionLineSchema(OutSchema):
    """A current line of the calculation ledger: the factor used and the grams CO2e."""

    item = _out(fields.String)
    year = _out(fields.Integer)
    scope = _out(fields.Integer)
    scope3_category = _nullable(fields.Integer)
    source_category = _out(fields.Enum, SourceCategory, by_value=True)
    basis = _nullable(fields.Enum, Basis, by_value=True)
    quantity = _out(fields.Float)
    quantity_unit = _out(fields.String)
    factor_id = _out(fields.Integer)
    factor_kgco2e_per_unit = _out(fields.Float)
    co2e_g = _out(fields.Integer)
    method = _out(fields.String)
    is_fallback = _out(fields.Boolean)
    note = _out(fields.String)


class LegOutSchema(OutSchema):
    """A flight of a trip with its great-circle distance."""

    origin = _out(fields.String)
    destination = _out(fields.String)
    departure_on = _out(fields.Date)
    cabin_class = _out(fields.Enum, CabinClass, by_value=True)
    passengers = _out(fields.Integer)
    distance_km = _out(fields.Float)


class GroundOutSchema(OutSchema):
    """A journey of a trip."""

    mode = _out(fields.Enum, GroundMode, by_value=True)
    travelled_on = _out(fields.Date)
    origin = _out(fields.String)
    destination = _out(fields.String)
    distance_km = _out(fields.Float)
    passengers = _out(fields.Integer)


class HotelOutSchema(OutSchema):
    """A hotel stay of a trip."""

    country_code = _out(fields.String)
    check_in_on = _out(fields.Date)
    nights = _out(fields.Integer)
    rooms = _out(fields.Integer)


class TripSchema(OutSchema):
    """A trip with its grams CO2e (current lines; 0 for trips others paid)."""

    id = _out(fields.Integer)
    version = _out(fields.Integer, metadata={"description": "Send it back to update the trip."})
    traveller = _out(fields.String)
    department_id = _nullable(fields.Integer)
    purpose = _out(fields.String)
    paid_by = _out(fields.Enum, PaidBy, by_value=True)
    booking_reference = _nullable(fields.String)
    source = _out(fields.Enum, TripSource, by_value=True)
    notes = _out(fields.String)
    starts_on = _out(fields.Date)
    created_at = _out(fields.DateTime)
    updated_at = _out(fields.DateTime)
    legs = _out(fields.List, fields.Nested(LegOutSchema))
    ground = _out(fields.List, fields.Nested(GroundOutSchema))
    hotels = _out(fields.List, fields.Nested(HotelOutSchema))
    co2e_with_rf_g = _out(fields.Integer)
    co2e_without_rf_g = _out(fields.Integer)


class TripTotalsSchema(OutSchema):
    """Grams CO2e of every trip the filters select (all pages)."""

    co2e_with_rf_g = _out(fields.Integer)
    co2e_without_rf_g = _out(fields.Integer)


def _page_fields(item: type[Schema]) -> dict[str, fields.Field]:
    return {
        "items": _out(fields.List, fields.Nested(item)),
        "page": _out(fields.Integer),
        "per_page": _out(fields.Integer),
        "total": _out(fields.Integer, metadata={"description": "Items on all pages."}),
        "pages": _out(fields.Integer),
    }


TripPageSchema = OutSchema.from_dict(
    {**_page_fields(TripSchema), "totals": _out(fields.Nested, TripTotalsSchema)},
    name="TripPage",
)


class BulkResultSchema(OutSchema):
    """What became of one trip of a bulk request."""

    index = _out(fields.Integer, metadata={"description": "Its position in the request, from 0."})
    status = _out(
        fields.String,
        validate=validate.OneOf(["created", "duplicate", "error"]),
        metadata={"description": "duplicate: its booking reference is already recorded."},
    )
    booking_reference = _nullable(fields.String)
    id = _nullable(fields.Integer, metadata={"description": "The trip created or already there."})
    errors = _out(fields.Dict, keys=fields.String(), values=fields.String())


class BulkResponseSchema(OutSchema):
    """Per-trip results, and how many of each."""

    results = _out(fields.List, fields.Nested(BulkResultSchema))
    created = _out(fields.Integer)
    duplicates = _out(fields.Integer)
    errors = _out(fields.Integer)


class AirportSchema(OutSchema):
    """An airport with an IATA code."""

    code = _out(fields.String)
    name = _out(fields.String)
    city = _out(fields.String)
    country_code = _out(fields.String)
    label = _out(fields.String)


AirportListSchema = OutSchema.from_dict(
    {"items": _out(fields.List, fields.Nested(AirportSchema))}, name="AirportList"
)


class EstimateLegSchema(OutSchema):
    """A flight of an estimate: distance, haul, the class the factor was taken for, grams."""

    origin = _out(fields.String)
    destination = _out(fields.String)
    departure_on = _out(fields.Date)
    distance_km = _out(fields.Float)
    haul = _out(fields.String)
    cabin_class = _out(fields.Enum, CabinClass, by_value=True)
    factor_class = _out(fields.String)
    passengers = _out(fields.Integer)
    co2e_with_rf_g = _out(fields.Integer)
    co2e_without_rf_g = _out(fields.Integer)
    factor_set = _out(fields.String)
    factor_kgco2e_per_pkm_with_rf = _out(fields.Float)
    factor_kgco2e_per_pkm_without_rf = _out(fields.Float)
    notes = _out(fields.List, fields.String())


class EstimateSchema(OutSchema):
    """An itinerary's emissions, and what flying economy would save."""

    legs = _out(fields.List, fields.Nested(EstimateLegSchema))
    distance_km = _out(fields.Float)
    co2e_with_rf_g = _out(fields.Integer)
    co2e_without_rf_g = _out(fields.Integer)
    economy_saving_with_rf_g = _out(fields.Integer)
    economy_saving_without_rf_g = _out(fields.Integer)


class EnergyRecordSchema(OutSchema):
    """A site's consumption over a period, with its current emission lines."""

    id = _out(fields.Integer)
    version = _out(fields.Integer)
    site_id = _out(fields.Integer)
    energy_type = _out(fields.Enum, EnergyType, by_value=True)
    period_start = _out(fields.Date)
    period_end = _out(fields.Date)
    quantity = _out(fields.Float)
    unit = _out(fields.String)
    certificates_kwh = _nullable(fields.Float)
    supplier_factor_id = _nullable(fields.Integer)
    technology = _nullable(fields.Enum, OnsiteTechnology, by_value=True)
    instrument = _out(fields.Enum, RenewableInstrument, by_value=True)
    meets_quality_criteria = _out(fields.Boolean)
    meter_reference = _out(fields.String)
    evidence_note = _out(fields.String)
    is_estimate = _out(fields.Boolean)
    created_at = _out(fields.DateTime)
    updated_at = _out(fields.DateTime)
    emission_lines = _out(fields.List, fields.Nested(EmissionLineSchema))


class EnergyTotalsSchema(OutSchema):
    """Grams CO2e of the selected records (of the year only, when filtered by year).
    Electricity location- and market-based are two figures for the same kWh: never add them."""

    fuels_and_heat_g = _out(fields.Integer)
    electricity_location_g = _out(fields.Integer)
    electricity_market_g = _out(fields.Integer)
    td_losses_g = _out(fields.Integer)


EnergyRecordPageSchema = OutSchema.from_dict(
    {**_page_fields(EnergyRecordSchema), "totals": _out(fields.Nested, EnergyTotalsSchema)},
    name="EnergyRecordPage",
)


class PurchaseSchema(OutSchema):
    """A purchase with its current emission line."""

    id = _out(fields.Integer)
    version = _out(fields.Integer)
    purchased_on = _out(fields.Date)
    category_id = _out(fields.Integer)
    category_name = _out(fields.String)
    amount = _nullable(fields.Float)
    currency = _nullable(fields.String)
    quantity = _nullable(fields.Float)
    quantity_unit = _nullable(fields.String)
    supplier = _out(fields.String)
    description = _out(fields.String)
    reference = _out(fields.String)
    site_id = _nullable(fields.Integer)
    department_id = _nullable(fields.Integer)
    created_at = _out(fields.DateTime)
    updated_at = _out(fields.DateTime)
    emission_lines = _out(fields.List, fields.Nested(EmissionLineSchema))


class PurchaseTotalsSchema(OutSchema):
    """Grams CO2e of every purchase the filters select (all pages)."""

    co2e_g = _out(fields.Integer)


PurchasePageSchema = OutSchema.from_dict(
    {**_page_fields(PurchaseSchema), "totals": _out(fields.Nested, PurchaseTotalsSchema)},
    name="PurchasePage",
)


def _kg_by(description: str) -> fields.Field:
    return _out(
        fields.Dict,
        keys=fields.String(),
        values=fields.Float(),
        metadata={"description": description},
    )


class InventoryBoundarySchema(OutSchema):
    """A year's emissions in one boundary, in kg CO2e (headline basis: air without RF, scope 2
    market-based; the other figures stand beside them and are not in the totals)."""

    year = _out(fields.Integer)
    boundary = _out(fields.String, validate=validate.OneOf([b.value for b in Boundary]))
    boundary_label = _out(fields.String)
    headline_basis = _out(fields.String)
    total_co2e_kg = _out(fields.Float)
    lines = _out(fields.Integer, metadata={"description": "Emission lines counted."})
    headcount = _nullable(fields.Integer)
    per_capita_co2e_kg = _nullable(fields.Float)
    by_scope = _kg_by("kg by scope (1, 2, 3).")
    by_scope3_category = _kg_by("kg by GHG Protocol scope 3 category.")
    by_source = _kg_by("kg by source.")
    by_site = _kg_by("kg by site name (“(none)”: no site).")
    by_department = _kg_by("kg by department name (“(none)”: no department).")
    air_travel_with_rf_co2e_kg = _out(fields.Float)
    air_travel_without_rf_co2e_kg = _out(fields.Float)
    scope2_location_based_co2e_kg = _out(fields.Float)
    scope2_market_based_co2e_kg = _out(fields.Float)


class InventoryBoundariesSchema(OutSchema):
    """The year in both boundaries."""

    gtb = _out(fields.Nested, InventoryBoundarySchema)
    full = _out(fields.Nested, InventoryBoundarySchema)


class InventorySchema(OutSchema):
    """A year's inventory: Greening the Blue (scopes 1 and 2, business travel) and full."""

    year = _out(fields.Integer)
    boundaries = _out(fields.Nested, InventoryBoundariesSchema)


class BaselineSchema(OutSchema):
    """A target's baseline in grams (per person for per-capita targets)."""

    year = _out(fields.Integer)
    value_g = _out(fields.Integer)
    origin = _out(
        fields.String,
        validate=validate.OneOf(["declared", "computed"]),
        metadata={"description": "declared (from an earlier inventory) or computed (ledger)."},
    )
    sources = _out(fields.String)


class TrajectoryYearSchema(OutSchema):
    """A year of a target's straight line, and the actual."""

    year = _out(fields.Integer)
    trajectory_g = _out(fields.Integer)
    actual_g = _nullable(fields.Integer)
    on_track = _nullable(fields.Boolean)
    cumulative_actual_g = _out(fields.Integer)
    cumulative_trajectory_g = _out(fields.Integer)


class TargetSchema(OutSchema):
    """A target with its trajectory (none without a baseline)."""

    name = _out(fields.String)
    boundary = _out(fields.Enum, Boundary, by_value=True)
    source_category = _nullable(fields.Enum, SourceCategory, by_value=True)
    per_capita = _out(fields.Boolean)
    baseline_year = _out(fields.Integer)
    target_year = _out(fields.Integer)
    reduction_pct = _out(fields.Integer)
    baseline = _nullable(fields.Nested, BaselineSchema)
    target_g = _nullable(fields.Integer)
    latest_year = _nullable(fields.Integer)
    required_reduction_g_per_year = _nullable(fields.Integer)
    required_reduction_pct_per_year = _nullable(fields.Float)
    years = _out(fields.List, fields.Nested(TrajectoryYearSchema))


TargetListSchema = OutSchema.from_dict(
    {"items": _out(fields.List, fields.Nested(TargetSchema))}, name="TargetList"
)


class VerdictSchema(OutSchema):
    """A reviewer's verdict on a done action."""

    is_effective = _out(fields.Boolean)
    reviewed_at = _out(fields.DateTime)
    reviewed_by = _out(fields.String)
    note = _out(fields.String)


class ActionSchema(OutSchema):
    """A corrective action and what it is expected to cut."""

    id = _out(fields.Integer)
    nonconformity_id = _out(fields.Integer)
    nonconformity_title = _out(fields.String)
    description = _out(fields.String)
    owner_name = _out(fields.String)
    due_on = _out(fields.Date)
    status = _out(fields.Enum, ActionStatus, by_value=True)
    is_overdue = _out(fields.Boolean)
    source_category = _nullable(fields.String)
    scope = _nullable(fields.Integer)
    expected_reduction_t = _nullable(fields.Float)
    expected_from_year = _nullable(fields.Integer)
    cost_estimate = _nullable(fields.Float)
    done_on = _nullable(fields.Date)
    created_at = _out(fields.DateTime)
    updated_at = _out(fields.DateTime)
    verdicts = _out(fields.List, fields.Nested(VerdictSchema))


ActionListSchema = OutSchema.from_dict(
    {"items": _out(fields.List, fields.Nested(ActionSchema))}, name="ActionList"
)


class IssuedReportSchema(OutSchema):
    """An issued version of a year's report; the PDF is frozen (same bytes on every download)."""

    id = _out(fields.Integer)
    year = _out(fields.Integer)
    version = _out(fields.Integer)
    identifier = _out(fields.String)
    issued_at = _out(fields.DateTime)
    issued_by = _out(fields.String)
    note = _out(fields.String)
    pdf_sha256 = _out(fields.String)
    pdf_size_bytes = _out(fields.Integer)
    download_url = _out(fields.String)


IssuedReportListSchema = OutSchema.from_dict(
    {"items": _out(fields.List, fields.Nested(IssuedReportSchema))}, name="IssuedReportList"
)


class TokenInfoSchema(OutSchema):
    """The token of the request."""

    id = _out(fields.Integer)
    name = _out(fields.String)
    prefix = _out(fields.String)
    created_at = _out(fields.DateTime)
    expires_at = _nullable(fields.DateTime)


class MeSchema(OutSchema):
    """Who the token acts as, and what is left of this minute's requests."""

    id = _out(fields.Integer)
    name = _out(fields.String)
    email = _out(fields.String)
    roles = _out(fields.List, fields.Enum(Role, by_value=True))
    token = _out(fields.Nested, TokenInfoSchema)
    rate_limit_per_minute = _out(fields.Integer)
    rate_limit_remaining = _out(fields.Integer)


def user_roles(user: User) -> list[Role]:
    """The user's roles in a stable order."""
    return sorted(user.roles)
