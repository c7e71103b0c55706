"""Energy records, refrigerant top-ups, fleet records, waste and water records: filtered lists
with totals, entry, edit, delete, CSV/XLSX exports, and imports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from ems import exports, labels
from ems.auth.models import Role
from ems.auth.permissions import ANY_ROLE, role_required, signed_in_user
from ems.energy import importer, services, waste_water_importer
from ems.energy.forms import (
    ENERGY_LABELS,
    FLEET_LABELS,
    UNIT_LABELS,
    EnergyRecordForm,
    FleetForm,
    RefrigerantForm,
    WasteForm,
    WaterForm,
)
from ems.energy.models import EnergyRecord, FleetRecord, WasteRecord, WaterRecord
from ems.factors.shipped import ozone_depleting_gases
from ems.forms import choices
from ems.imports import views as import_views
from ems.ledger import services as ledger
from ems.org import services as org
from ems.org.models import FIRST_YEAR, LAST_YEAR
from ems.removals import services as removals
from ems.removals import views as removal_views
from ems.web import (
    MAX_ID,
    current_url,
    form_page,
    int_arg,
    paginate,
    remove_url,
    return_url,
    submit_form,
)

bp = Blueprint("energy", __name__, url_prefix="/energy")

READERS = (Role.ems, Role.management)
EDITORS = (Role.ems,)


def _form(**kwargs: Any) -> EnergyRecordForm:
    form = EnergyRecordForm(**kwargs)
    form.site_id.choices = choices(
        [(0, _("Choose a site")), *((s.id, s.name) for s in org.list_sites())]
    )
    form.supplier_factor_id.choices = choices(
        [(0, _("None (grid average)"))]
        + [
            (
                f.id,
                f"{f.factor_set.code} v{f.factor_set.version}: "
                f"{labels.readable(f.label or f.key)} = {f.kgco2e_per_unit} "
                f"kg CO2e/{labels.unit(f.unit)}",
            )
            for f in services.supplier_factors()
        ]
    )
    return form


def _data(form: EnergyRecordForm) -> dict[str, Any]:
    data = form.service_data()
    data["site_id"] = data["site_id"] or None
    data["supplier_factor_id"] = data["supplier_factor_id"] or None
    data["technology"] = data["technology"] or None
    return data


def _filters() -> tuple[int | None, int | None]:
    """The year and site filters of the query string; values out of range are ignored."""
    return int_arg("year", FIRST_YEAR, LAST_YEAR), int_arg("site_id", 1, MAX_ID)


def _filter_args(year: int | None, site_id: int | None) -> dict[str, int]:
    """The filters in use as query arguments, for the pager and the export links."""
    return {name: value for name, value in (("year", year), ("site_id", site_id)) if value}


def _list_url(endpoint: str) -> str:
    """The URL of the list with its filters, that its entry form and links return to: this
    request's on the list itself, else the ``next`` its entry form was posted with."""
    return current_url() if request.method == "GET" else return_url(endpoint)


def _file_name(kind: str) -> str:
    return f"ems-{kind}-{dt.date.today().isoformat()}"


@bp.get("/")
@role_required(*READERS)
def list_records() -> ResponseReturnValue:
    """Energy records of a year and site, with their emission lines, the filtered totals and
    the renewable share of each site's electricity with its market-based Scope 2."""
    year, site_id = _filters()
    page = paginate(services.energy_query(year=year, site_id=site_id))
    lines = ledger.current_lines_by_activity(
        activity_type=services.ACTIVITY_TYPE, activity_ids=[record.id for record in page.items]
    )
    return render_template(
        "energy/records.html",
        page=page,
        lines=lines,
        totals=services.energy_totals(year=year, site_id=site_id),
        renewables=services.renewable_shares(year, site_id=site_id),
        year=year,
        site_id=site_id,
        args=_filter_args(year, site_id),
        sites=org.list_sites(),
        labels=ENERGY_LABELS,
        units=UNIT_LABELS,
        fuels=services.DESNZ_FUEL_LABELS,
    )


@bp.get("/export.<any(csv, xlsx):fmt>")
@role_required(*READERS)
def export_records(fmt: str) -> ResponseReturnValue:
    """The filtered energy records with their CO2e, as CSV or XLSX."""
    year, site_id = _filters()
    rows = services.energy_export_rows(year=year, site_id=site_id)
    return exports.download(rows, _file_name("energy"), fmt)


def _saved(record: EnergyRecord | FleetRecord) -> str:
    """The message after saving a record; it says when the record runs into a year that has
    nothing else yet."""
    saved = (
        _("Energy record saved.") if isinstance(record, EnergyRecord) else _("Fleet record saved.")
    )
    spill = services.runs_into_empty_year(record)
    if spill is None:
        return saved
    year, days = spill
    return (
        saved
        + " "
        + _(
            "It runs %(days)d days into %(year)d, which has no other figures yet: those days count "
            "in %(year)d, shown as in progress until the year is complete or closed.",
            days=days,
            year=year,
        )
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(*EDITORS)
def new_record() -> ResponseReturnValue:
    """Record a bill or meter reading."""
    form = _form()
    return form_page(
        form,
        lambda: services.create_energy_record(actor=signed_in_user(), **_data(form)),
        success=_saved,
        next_url=return_url("energy.list_records"),
        title=_("New energy record"),
        cancel_url=return_url("energy.list_records"),
    )


@bp.route("/<id:record_id>/edit", methods=["GET", "POST"])
@role_required(*EDITORS)
def edit_record(record_id: int) -> ResponseReturnValue:
    """Correct a record; its figures are replaced, the old ones kept."""
    record = services.get_energy_record(record_id)
    form = _form(obj=record)
    return form_page(
        form,
        lambda: services.update_energy_record(
            actor=signed_in_user(),
            record=record,
            expected_version=form.expected_version(),
            **_data(form),
        ),
        success=_saved,
        next_url=return_url("energy.list_records"),
        current=record,
        title=_("Energy record %(id)d", id=record.id),
        cancel_url=return_url("energy.list_records"),
        remove_url=remove_url("energy.delete_record", record_id=record.id),
    )


@bp.route("/<id:record_id>/delete", methods=["GET", "POST"])
@role_required(*EDITORS)
def delete_record(record_id: int) -> ResponseReturnValue:
    """Remove a record once confirmed (restorable, with its figures)."""
    record = services.get_energy_record(record_id)
    return removal_views.confirm_removal(
        title=_("Remove energy record %(id)d?", id=record.id),
        summary=_(
            "%(site)s: %(quantity)s %(unit)s of %(energy)s, %(start)s to %(end)s.",
            site=record.site.name,
            quantity=record.quantity,
            unit=labels.label("unit", record.unit),
            energy=labels.label("energy_type", record.energy_type),
            start=record.period_start,
            end=record.period_end,
        ),
        preview=removals.preview(kind=services.ACTIVITY_TYPE, ids=[record.id]),
        remove=lambda: services.delete_energy_record(actor=signed_in_user(), record=record),
        done_message=_("Energy record %(id)d removed.", id=record.id),
        done_endpoint="energy.list_records",
        cancel_url=url_for("energy.edit_record", record_id=record.id),
    )


def _refrigerant_form(**kwargs: Any) -> RefrigerantForm:
    form = RefrigerantForm(**kwargs)
    form.site_id.choices = choices(
        [(0, _("Choose a site")), *((s.id, s.name) for s in org.list_sites())]
    )
    outside = ozone_depleting_gases()
    form.gas.choices = choices(
        [
            ("", _("Choose a gas or blend")),
            *(
                (
                    gas,
                    _("%(gas)s (ozone-depleting)", gas=labels.refrigerant_name(gas))
                    if gas in outside
                    else labels.refrigerant_name(gas),
                )
                for gas in services.refrigerant_gases()
            ),
        ]
    )
    return form


def _refrigerant_page(form: RefrigerantForm, status: int = 200) -> ResponseReturnValue:
    year, site_id = _filters()
    page = paginate(services.refrigerant_query(year=year, site_id=site_id))
    lines = ledger.current_lines_by_activity(
        activity_type=services.REFRIGERANT_ACTIVITY,
        activity_ids=[top_up.id for top_up in page.items],
    )
    return render_template(
        "energy/refrigerants.html",
        form=form,
        page=page,
        lines=lines,
        total_g=services.refrigerant_total_g(year=year, site_id=site_id),
        outside_scopes_g=services.refrigerant_total_g(
            year=year, site_id=site_id, outside_scopes=True
        ),
        year=year,
        site_id=site_id,
        args=_filter_args(year, site_id),
        sites=org.list_sites(),
        report=org.get_organisation().gwp_report.upper(),
        list_url=_list_url("energy.refrigerants"),
    ), status


@bp.get("/refrigerants")
@role_required(*READERS)
def refrigerants() -> ResponseReturnValue:
    """Refrigerant top-ups (= leaks) of a year and site with their CO2e and the filtered
    total; the working group adds them here."""
    return _refrigerant_page(_refrigerant_form())


@bp.post("/refrigerants/new")
@role_required(*EDITORS)
def new_refrigerant() -> ResponseReturnValue:
    """Record a top-up."""
    form = _refrigerant_form()
    done = submit_form(
        form,
        lambda: services.record_refrigerant_top_up(actor=signed_in_user(), **form.service_data()),
        success=_("Refrigerant top-up saved."),
        next_url=return_url("energy.refrigerants"),
    )
    return done or _refrigerant_page(form, 422)


@bp.route("/refrigerants/<id:top_up_id>/edit", methods=["GET", "POST"])
@role_required(*EDITORS)
def edit_refrigerant(top_up_id: int) -> ResponseReturnValue:
    """Correct a top-up; its figure is replaced, the old one kept."""
    top_up = services.get_refrigerant_top_up(top_up_id)
    form = _refrigerant_form(obj=top_up)
    return form_page(
        form,
        lambda: services.update_refrigerant_top_up(
            actor=signed_in_user(),
            top_up=top_up,
            expected_version=form.expected_version(),
            **form.service_data(),
        ),
        success=_("Refrigerant top-up saved."),
        next_url=return_url("energy.refrigerants"),
        current=top_up,
        title=_("Refrigerant top-up %(id)d", id=top_up.id),
        cancel_url=return_url("energy.refrigerants"),
        remove_url=remove_url("energy.delete_refrigerant", top_up_id=top_up.id),
    )


@bp.route("/refrigerants/<id:top_up_id>/delete", methods=["GET", "POST"])
@role_required(*EDITORS)
def delete_refrigerant(top_up_id: int) -> ResponseReturnValue:
    """Remove a top-up once confirmed (restorable, with its figure)."""
    top_up = services.get_refrigerant_top_up(top_up_id)
    return removal_views.confirm_removal(
        title=_("Remove refrigerant top-up %(id)d?", id=top_up.id),
        summary=_(
            "%(site)s: %(kg)s kg of %(gas)s on %(date)s.",
            site=top_up.site.name,
            kg=top_up.kg,
            gas=top_up.gas.upper(),
            date=top_up.topped_up_on,
        ),
        preview=removals.preview(kind=services.REFRIGERANT_ACTIVITY, ids=[top_up.id]),
        remove=lambda: services.delete_refrigerant_top_up(actor=signed_in_user(), top_up=top_up),
        done_message=_("Refrigerant top-up %(id)d removed.", id=top_up.id),
        done_endpoint="energy.refrigerants",
        cancel_url=url_for("energy.refrigerants"),
    )


@bp.get("/refrigerants/export.<any(csv, xlsx):fmt>")
@role_required(*READERS)
def export_refrigerants(fmt: str) -> ResponseReturnValue:
    """The filtered top-ups with their CO2e, as CSV or XLSX."""
    year, site_id = _filters()
    rows = services.refrigerant_export_rows(year=year, site_id=site_id)
    return exports.download(rows, _file_name("refrigerants"), fmt)


def _fleet_form(**kwargs: Any) -> FleetForm:
    form = FleetForm(**kwargs)
    form.site_id.choices = choices(
        [(0, _("— none —")), *((s.id, s.name) for s in org.list_sites())]
    )
    return form


def _fleet_page(form: FleetForm, status: int = 200) -> ResponseReturnValue:
    year, site_id = _filters()
    page = paginate(services.fleet_query(year=year, site_id=site_id))
    lines = ledger.current_lines_by_activity(
        activity_type=services.FLEET_ACTIVITY, activity_ids=[record.id for record in page.items]
    )
    return render_template(
        "energy/fleet.html",
        form=form,
        page=page,
        lines=lines,
        total_g=services.fleet_total_g(year=year, site_id=site_id),
        year=year,
        site_id=site_id,
        args=_filter_args(year, site_id),
        sites=org.list_sites(),
        labels=FLEET_LABELS,
        list_url=_list_url("energy.fleet"),
    ), status


@bp.get("/fleet")
@role_required(*READERS)
def fleet() -> ResponseReturnValue:
    """Own vehicles' fuel and distance of a year and site with their CO2e and the filtered
    total; the working group adds them here."""
    return _fleet_page(_fleet_form())


@bp.post("/fleet/new")
@role_required(*EDITORS)
def new_fleet_record() -> ResponseReturnValue:
    """Record fuel or distance of own vehicles."""
    form = _fleet_form()
    done = submit_form(
        form,
        lambda: services.record_fleet_use(actor=signed_in_user(), **form.service_data()),
        success=_saved,
        next_url=return_url("energy.fleet"),
    )
    return done or _fleet_page(form, 422)


@bp.route("/fleet/<id:fleet_record_id>/edit", methods=["GET", "POST"])
@role_required(*EDITORS)
def edit_fleet_record(fleet_record_id: int) -> ResponseReturnValue:
    """Correct a fleet record; its figures are replaced, the old ones kept."""
    record = services.get_fleet_record(fleet_record_id)
    form = _fleet_form(obj=record)
    if not form.is_submitted():
        form.site_id.data = record.site_id or 0  # "none" is option 0
    return form_page(
        form,
        lambda: services.update_fleet_record(
            actor=signed_in_user(),
            record=record,
            expected_version=form.expected_version(),
            **form.service_data(),
        ),
        success=_saved,
        next_url=return_url("energy.fleet"),
        current=record,
        title=_("Fleet record %(id)d", id=record.id),
        cancel_url=return_url("energy.fleet"),
        remove_url=remove_url("energy.delete_fleet_record", fleet_record_id=record.id),
    )


@bp.route("/fleet/<id:fleet_record_id>/delete", methods=["GET", "POST"])
@role_required(*EDITORS)
def delete_fleet_record(fleet_record_id: int) -> ResponseReturnValue:
    """Remove a fleet record once confirmed (restorable, with its figures)."""
    record = services.get_fleet_record(fleet_record_id)
    return removal_views.confirm_removal(
        title=_("Remove fleet record %(id)d?", id=record.id),
        summary=_(
            "%(vehicle)s: %(quantity)s (%(measure)s), %(start)s to %(end)s.",
            vehicle=record.vehicle or "—",
            quantity=record.quantity,
            measure=labels.label("fleet_measure", record.measure),
            start=record.period_start,
            end=record.period_end,
        ),
        preview=removals.preview(kind=services.FLEET_ACTIVITY, ids=[record.id]),
        remove=lambda: services.delete_fleet_record(actor=signed_in_user(), record=record),
        done_message=_("Fleet record %(id)d removed.", id=record.id),
        done_endpoint="energy.fleet",
        cancel_url=url_for("energy.fleet"),
    )


@bp.get("/fleet/export.<any(csv, xlsx):fmt>")
@role_required(*READERS)
def export_fleet(fmt: str) -> ResponseReturnValue:
    """The filtered fleet records with their CO2e, as CSV or XLSX."""
    year, site_id = _filters()
    rows = services.fleet_export_rows(year=year, site_id=site_id)
    return exports.download(rows, _file_name("fleet"), fmt)


# --- import -----------------------------------------------------------------------------------


def _import_page() -> import_views.ImportPage:
    return import_views.ImportPage(
        importer=importer.IMPORTER,
        title=_("Import energy records"),
        intro=_(
            "One row per bill or meter reading of a site, as a facility report or a utility's "
            "export lists them."
        ),
        columns=tuple(field.name for field in importer.FIELDS),
        columns_help=_(
            "Site: a site's name. Energy: electricity, natural gas (gas), gas oil (gasoil, red "
            "diesel, generator diesel), fuel oil (heavy fuel oil), kerosene (burning oil), "
            "heating oil (burning oil at sites in the UK and Ireland, gas oil elsewhere), diesel "
            "(road diesel), LPG (propane, butane), district heating, district cooling, on-site "
            "renewable (solar), in English, French, German or Spanish; a profile may map a "
            "file's other names to any of these. Units: kWh, MWh, "
            "GJ, kWh gross CV, kWh net CV, m³, litres, tonnes; natural gas in kWh or MWh is "
            "taken on the gross CV, MWh converted to kWh. Each name taken for a DESNZ fuel is "
            "shown before the import and on the record's lines. Supplier factor: the code of an "
            "imported factor set (“code:key” where it holds several kWh factors). Technology, "
            "of on-site generation (required for it): solar PV (solar, PV, photovoltaic), wind, "
            "hydro, biomass, geothermal, other; a row named solar or PV is solar PV. Instrument, "
            "of electricity: none, certificates (GO, REGO, I-REC, REC), green tariff, PPA; "
            "empty is certificates where the row has certificates. Meets the Scope 2 Quality "
            "Criteria: yes (the default) or no. A record with "
            "the same site, energy, period and meter as one already recorded is skipped."
        ),
        page_endpoint="energy.import_records",
        commit_endpoint="energy.commit_import",
        remove_endpoint="energy.remove_import",
        template_endpoint="energy.import_template",
        done_endpoint="energy.list_records",
        figures={
            "location": _("Electricity, location-based"),
            "market": _("Electricity, market-based"),
            "fuels_heat_losses": _("Fuels, heat and T&D losses"),
        },
        created_text=lambda result: _("%(n)d energy records to create.", n=result.created),
        imported_text=lambda n, skipped: _(
            "%(n)d energy records imported; %(skipped)d were already recorded.",
            n=n,
            skipped=skipped,
        ),
        template_name="ems-energy-import.csv",
        template_rows=(
            (
                "Geneva HQ",
                "electricity",
                "2025-01-01",
                "2025-03-31",
                "182000",
                "kWh",
                "",
                "",
                "CH-E-1",
                "SIG bill 2025-Q1",
            ),
            (
                "Geneva HQ",
                "natural gas",
                "2025-01-01",
                "2025-03-31",
                "95000",
                "kWh gross",
                "",
                "",
                "CH-G-1",
                "",
            ),
        ),
        upload_label=_("Bills or meter readings (CSV, XLSX or ODS)"),
    )


@bp.route("/import", methods=["GET", "POST"])
@role_required(*EDITORS)
def import_records() -> ResponseReturnValue:
    """Check a file of bills: every bad row listed, or a preview to confirm."""
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
    """Remove an import with its records (their figures are kept, superseded)."""
    return import_views.remove(_import_page(), batch_id)


@bp.get("/import/template.csv")
@role_required(*ANY_ROLE)
def import_template() -> ResponseReturnValue:
    """The column template of energy imports, with example rows."""
    return import_views.template_file(_import_page())


import_views.register_page(importer.IMPORTER.kind, _import_page)


# --- waste ------------------------------------------------------------------------------------


def _sites_form(form: WasteForm | WaterForm) -> None:
    form.site_id.choices = choices(
        [(0, _("Choose a site")), *((s.id, s.name) for s in org.list_sites())]
    )


def _waste_form(**kwargs: Any) -> WasteForm:
    form = WasteForm(**kwargs)
    _sites_form(form)
    return form


def _waste_page(form: WasteForm, status: int = 200) -> ResponseReturnValue:
    year, site_id = _filters()
    page = paginate(services.waste_query(year=year, site_id=site_id))
    lines = ledger.current_lines_by_activity(
        activity_type=services.WASTE_ACTIVITY, activity_ids=[record.id for record in page.items]
    )
    return render_template(
        "energy/waste.html",
        form=form,
        page=page,
        lines=lines,
        total_g=services.waste_total_g(year=year, site_id=site_id),
        diversion=services.diversion_rates(year=year, site_id=site_id),
        year=year,
        site_id=site_id,
        args=_filter_args(year, site_id),
        sites=org.list_sites(),
        list_url=_list_url("energy.waste"),
    ), status


@bp.get("/waste")
@role_required(*READERS)
def waste() -> ResponseReturnValue:
    """Waste records of a year and site with their CO2e, the filtered total and the diversion
    rate of each site and year; the working group adds them here."""
    return _waste_page(_waste_form())


@bp.post("/waste/new")
@role_required(*EDITORS)
def new_waste_record() -> ResponseReturnValue:
    """Record tonnes of a waste stream sent to a treatment."""
    form = _waste_form()
    done = submit_form(
        form,
        lambda: services.record_waste(actor=signed_in_user(), **form.service_data()),
        success=_("Waste record saved."),
        next_url=return_url("energy.waste"),
    )
    return done or _waste_page(form, 422)


@bp.route("/waste/<id:waste_record_id>/edit", methods=["GET", "POST"])
@role_required(*EDITORS)
def edit_waste_record(waste_record_id: int) -> ResponseReturnValue:
    """Correct a waste record; its figures are replaced, the old ones kept."""
    record = services.get_waste_record(waste_record_id)
    form = _waste_form(obj=record)
    return form_page(
        form,
        lambda: services.update_waste_record(
            actor=signed_in_user(),
            record=record,
            expected_version=form.expected_version(),
            **form.service_data(),
        ),
        success=_("Waste record saved."),
        next_url=return_url("energy.waste"),
        current=record,
        title=_("Waste record %(id)d", id=record.id),
        cancel_url=return_url("energy.waste"),
        remove_url=remove_url("energy.delete_waste_record", waste_record_id=record.id),
    )


def _waste_summary(record: WasteRecord) -> str:
    return _(
        "%(site)s: %(tonnes)s t of %(stream)s to %(treatment)s, %(start)s to %(end)s.",
        site=record.site.name,
        tonnes=record.tonnes,
        stream=labels.label("waste_stream", record.stream),
        treatment=labels.label("waste_treatment", record.treatment),
        start=record.period_start,
        end=record.period_end,
    )


@bp.route("/waste/<id:waste_record_id>/delete", methods=["GET", "POST"])
@role_required(*EDITORS)
def delete_waste_record(waste_record_id: int) -> ResponseReturnValue:
    """Remove a waste record once confirmed (restorable, with its figures)."""
    record = services.get_waste_record(waste_record_id)
    return removal_views.confirm_removal(
        title=_("Remove waste record %(id)d?", id=record.id),
        summary=_waste_summary(record),
        preview=removals.preview(kind=services.WASTE_ACTIVITY, ids=[record.id]),
        remove=lambda: services.delete_waste_record(actor=signed_in_user(), record=record),
        done_message=_("Waste record %(id)d removed.", id=record.id),
        done_endpoint="energy.waste",
        cancel_url=url_for("energy.waste"),
    )


@bp.get("/waste/export.<any(csv, xlsx):fmt>")
@role_required(*READERS)
def export_waste(fmt: str) -> ResponseReturnValue:
    """The filtered waste records with their CO2e, as CSV or XLSX."""
    year, site_id = _filters()
    rows = services.waste_export_rows(year=year, site_id=site_id)
    return exports.download(rows, _file_name("waste"), fmt)


# --- water ------------------------------------------------------------------------------------


def _water_form(**kwargs: Any) -> WaterForm:
    form = WaterForm(**kwargs)
    _sites_form(form)
    return form


def _water_page(form: WaterForm, status: int = 200) -> ResponseReturnValue:
    year, site_id = _filters()
    page = paginate(services.water_query(year=year, site_id=site_id))
    lines = ledger.current_lines_by_activity(
        activity_type=services.WATER_ACTIVITY, activity_ids=[record.id for record in page.items]
    )
    return render_template(
        "energy/water.html",
        form=form,
        page=page,
        lines=lines,
        total_g=services.water_total_g(year=year, site_id=site_id),
        water_years=services.water_years(year=year, site_id=site_id),
        year=year,
        site_id=site_id,
        args=_filter_args(year, site_id),
        sites=org.list_sites(),
        list_url=_list_url("energy.water"),
    ), status


@bp.get("/water")
@role_required(*READERS)
def water() -> ResponseReturnValue:
    """Water records of a year and site with their CO2e, the filtered total and each year's
    m³ and litres per person; the working group adds them here."""
    return _water_page(_water_form())


@bp.post("/water/new")
@role_required(*EDITORS)
def new_water_record() -> ResponseReturnValue:
    """Record a site's water supplied and wastewater treated."""
    form = _water_form()
    done = submit_form(
        form,
        lambda: services.record_water(actor=signed_in_user(), **form.service_data()),
        success=_("Water record saved."),
        next_url=return_url("energy.water"),
    )
    return done or _water_page(form, 422)


@bp.route("/water/<id:water_record_id>/edit", methods=["GET", "POST"])
@role_required(*EDITORS)
def edit_water_record(water_record_id: int) -> ResponseReturnValue:
    """Correct a water record; its figures are replaced, the old ones kept."""
    record = services.get_water_record(water_record_id)
    form = _water_form(obj=record)
    return form_page(
        form,
        lambda: services.update_water_record(
            actor=signed_in_user(),
            record=record,
            expected_version=form.expected_version(),
            **form.service_data(),
        ),
        success=_("Water record saved."),
        next_url=return_url("energy.water"),
        current=record,
        title=_("Water record %(id)d", id=record.id),
        cancel_url=return_url("energy.water"),
        remove_url=remove_url("energy.delete_water_record", water_record_id=record.id),
    )


def _water_summary(record: WaterRecord) -> str:
    return _(
        "%(site)s: %(supply)s m³ (%(source)s) and %(wastewater)s m³ of wastewater, %(start)s "
        "to %(end)s.",
        site=record.site.name,
        supply=record.supply_m3,
        source=labels.label("water_source", record.supply_source),
        wastewater=record.wastewater_m3,
        start=record.period_start,
        end=record.period_end,
    )


@bp.route("/water/<id:water_record_id>/delete", methods=["GET", "POST"])
@role_required(*EDITORS)
def delete_water_record(water_record_id: int) -> ResponseReturnValue:
    """Remove a water record once confirmed (restorable, with its figures)."""
    record = services.get_water_record(water_record_id)
    return removal_views.confirm_removal(
        title=_("Remove water record %(id)d?", id=record.id),
        summary=_water_summary(record),
        preview=removals.preview(kind=services.WATER_ACTIVITY, ids=[record.id]),
        remove=lambda: services.delete_water_record(actor=signed_in_user(), record=record),
        done_message=_("Water record %(id)d removed.", id=record.id),
        done_endpoint="energy.water",
        cancel_url=url_for("energy.water"),
    )


@bp.get("/water/export.<any(csv, xlsx):fmt>")
@role_required(*READERS)
def export_water(fmt: str) -> ResponseReturnValue:
    """The filtered water records with their CO2e, as CSV or XLSX."""
    year, site_id = _filters()
    rows = services.water_export_rows(year=year, site_id=site_id)
    return exports.download(rows, _file_name("water"), fmt)


# --- waste and water imports ------------------------------------------------------------------


def _waste_import_page() -> import_views.ImportPage:
    return import_views.ImportPage(
        importer=waste_water_importer.WASTE_IMPORTER,
        title=_("Import waste records"),
        intro=_(
            "One row per waste stream and treatment of a site and period, as a waste "
            "contractor's report lists them."
        ),
        columns=tuple(field.name for field in waste_water_importer.WASTE_FIELDS),
        columns_help=_(
            "Site: a site's name. Stream: mixed (general waste), paper and card, plastics, "
            "glass, metals, food and organic, e-waste, hazardous. Treatment: landfill, "
            "recycling, composting, anaerobic digestion, incineration with energy recovery, "
            "incineration without energy recovery. Tonnes: the weight in tonnes. Estimated: yes "
            "or no. A record with the same site, period, stream, treatment and reference as one "
            "already recorded is skipped."
        ),
        page_endpoint="energy.import_waste",
        commit_endpoint="energy.commit_waste_import",
        remove_endpoint="energy.remove_waste_import",
        template_endpoint="energy.waste_import_template",
        done_endpoint="energy.waste",
        map_endpoint="energy.map_waste_import",
        figures={"waste": _("Waste")},
        created_text=lambda result: _("%(n)d waste records to create.", n=result.created),
        imported_text=lambda n, skipped: _(
            "%(n)d waste records imported; %(skipped)d were already recorded.",
            n=n,
            skipped=skipped,
        ),
        template_name="ems-waste-import.csv",
        template_rows=(
            (
                "Geneva HQ",
                "2025-01-01",
                "2025-03-31",
                "mixed",
                "incineration with energy recovery",
                "4.2",
                "no",
                "WTN-2025-Q1",
                "",
            ),
            (
                "Geneva HQ",
                "2025-01-01",
                "2025-03-31",
                "paper and card",
                "recycling",
                "1.8",
                "no",
                "WTN-2025-Q1",
                "",
            ),
        ),
        upload_label=_("Waste contractor's report (CSV, XLSX or ODS)"),
    )


def _water_import_page() -> import_views.ImportPage:
    return import_views.ImportPage(
        importer=waste_water_importer.WATER_IMPORTER,
        title=_("Import water records"),
        intro=_("One row per water bill or meter reading of a site."),
        columns=tuple(field.name for field in waste_water_importer.WATER_FIELDS),
        columns_help=_(
            "Site: a site's name. Source: mains, ground (well, borehole), rain, recycled (grey "
            "water). Water supplied and wastewater treated in m³ (wastewater may be empty). "
            "Estimated: yes or no. A record with the same site, period, source and reference as "
            "one already recorded is skipped."
        ),
        page_endpoint="energy.import_water",
        commit_endpoint="energy.commit_water_import",
        remove_endpoint="energy.remove_water_import",
        template_endpoint="energy.water_import_template",
        done_endpoint="energy.water",
        map_endpoint="energy.map_water_import",
        figures={"water": _("Water")},
        created_text=lambda result: _("%(n)d water records to create.", n=result.created),
        imported_text=lambda n, skipped: _(
            "%(n)d water records imported; %(skipped)d were already recorded.",
            n=n,
            skipped=skipped,
        ),
        template_name="ems-water-import.csv",
        template_rows=(
            ("Geneva HQ", "2025-01-01", "2025-03-31", "mains", "2150", "2040", "no", "W-1", ""),
            ("Geneva HQ", "2025-01-01", "2025-03-31", "rain", "120", "", "yes", "RW-1", ""),
        ),
        upload_label=_("Water bills or meter readings (CSV, XLSX or ODS)"),
    )


@bp.route("/waste/import", methods=["GET", "POST"])
@role_required(*EDITORS)
def import_waste() -> ResponseReturnValue:
    """Check a file of waste records: every bad row listed, or a preview to confirm."""
    return import_views.upload_page(_waste_import_page())


@bp.route("/waste/import/<id:batch_id>/columns", methods=["GET", "POST"])
@role_required(*EDITORS)
def map_waste_import(batch_id: int) -> ResponseReturnValue:
    """Map the columns of a waste file of an unknown layout."""
    return import_views.map_columns(_waste_import_page(), batch_id)


@bp.post("/waste/import/<id:batch_id>/commit")
@role_required(*EDITORS)
def commit_waste_import(batch_id: int) -> ResponseReturnValue:
    """Import a checked waste file: all its rows or none."""
    return import_views.commit(_waste_import_page(), batch_id)


@bp.route("/waste/import/<id:batch_id>/delete", methods=["GET", "POST"])
@role_required(*EDITORS)
def remove_waste_import(batch_id: int) -> ResponseReturnValue:
    """Remove a waste import with its records (their figures are kept, superseded)."""
    return import_views.remove(_waste_import_page(), batch_id)


@bp.get("/waste/import/template.csv")
@role_required(*ANY_ROLE)
def waste_import_template() -> ResponseReturnValue:
    """The column template of waste imports, with example rows."""
    return import_views.template_file(_waste_import_page())


@bp.route("/water/import", methods=["GET", "POST"])
@role_required(*EDITORS)
def import_water() -> ResponseReturnValue:
    """Check a file of water records: every bad row listed, or a preview to confirm."""
    return import_views.upload_page(_water_import_page())


@bp.route("/water/import/<id:batch_id>/columns", methods=["GET", "POST"])
@role_required(*EDITORS)
def map_water_import(batch_id: int) -> ResponseReturnValue:
    """Map the columns of a water file of an unknown layout."""
    return import_views.map_columns(_water_import_page(), batch_id)


@bp.post("/water/import/<id:batch_id>/commit")
@role_required(*EDITORS)
def commit_water_import(batch_id: int) -> ResponseReturnValue:
    """Import a checked water file: all its rows or none."""
    return import_views.commit(_water_import_page(), batch_id)


@bp.route("/water/import/<id:batch_id>/delete", methods=["GET", "POST"])
@role_required(*EDITORS)
def remove_water_import(batch_id: int) -> ResponseReturnValue:
    """Remove a water import with its records (their figures are kept, superseded)."""
    return import_views.remove(_water_import_page(), batch_id)


@bp.get("/water/import/template.csv")
@role_required(*ANY_ROLE)
def water_import_template() -> ResponseReturnValue:
    """The column template of water imports, with example rows."""
    return import_views.template_file(_water_import_page())


import_views.register_page(waste_water_importer.WASTE_IMPORTER.kind, _waste_import_page)
import_views.register_page(waste_water_importer.WATER_IMPORTER.kind, _water_import_page)
