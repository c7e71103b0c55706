"""Every service that writes leaves an audit entry in the same transaction."""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import io
import pkgutil
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from PIL import Image

import ems
from ems.actions import services as actions
from ems.actions.models import CorrectiveAction, Nonconformity
from ems.api import services as api
from ems.audit.models import AuditEntry
from ems.auth import services as auth
from ems.auth.models import Role
from ems.credits import services as credits
from ems.energy import services as energy
from ems.extensions import db, utcnow
from ems.factors import services as factors
from ems.factors.shipped import FactorSpec, SetSpec
from ems.imports import services as imports
from ems.ledger import services as ledger
from ems.org import services as org
from ems.procurement import services as procurement
from ems.procurement.models import Purchase, SpendCategory
from ems.removals import services as removals
from ems.reporting import services as reporting
from ems.targets import services as targets
from ems.targets.models import DeclaredBaseline, Target
from ems.travel import services as travel
from tests.conftest import TEST_PASSWORD

#: public service functions that only read or compute, and so write no audit entry
READ_ONLY = {
    "imports.check_expired",
    "imports.importers",
    "imports.read_layout",
    "imports.list_profiles",
    "imports.get_profile",
    "imports.export_profiles",
    "travel.parse",
    "api.get_token",
    "api.list_tokens",
    "api.token_sha256",
    "reporting.identifier",
    "reporting.annual_report_data",
    "reporting.draft_pdf",
    "reporting.check_issue",
    "reporting.issued_reports",
    "reporting.get_issued",
    "reporting.get_issued_file",
    "reporting.files_by_report",
    "reporting.reportable_years",
    "reporting.group_by_year",
    "auth.count_access",
    "auth.count_users",
    "auth.find_user",
    "auth.generate_password",
    "auth.get_user",
    "auth.hash_password",
    "auth.list_users",
    "auth.normalise_email",
    "auth.password_hasher",
    "auth.check_password_policy",
    "org.countries",
    "org.country_name",
    "org.currencies",
    "org.get_department",
    "org.get_headcount",
    "org.get_organisation",
    "org.get_site",
    "org.list_departments",
    "org.list_headcounts",
    "org.list_sites",
    "org.logo_png",
    "factors.categories",
    "factors.factor_counts",
    "factors.factor_history",
    "factors.factors_query",
    "factors.find_set",
    "factors.gwp_set_code",
    "factors.get_factor",
    "factors.get_set",
    "factors.hauls",
    "factors.list_sets",
    "factors.pins",
    "energy.energy_export_rows",
    "energy.check_energy_record",
    "energy.require_editor",
    "energy.energy_query",
    "energy.energy_totals",
    "energy.fleet_export_rows",
    "energy.fleet_query",
    "energy.fleet_total_g",
    "energy.get_fleet_record",
    "energy.get_refrigerant_top_up",
    "energy.gwp_set_code",
    "energy.refrigerant_export_rows",
    "energy.refrigerant_gases",
    "energy.refrigerant_query",
    "energy.refrigerant_total_g",
    "energy.get_energy_record",
    "energy.record_lines",
    "energy.renewable_shares",
    "energy.residual_mix_key",
    "energy.split_by_year",
    "energy.supplier_factors",
    "energy.check_waste_record",
    "energy.check_water_record",
    "energy.diversion_rates",
    "energy.get_waste_record",
    "energy.get_water_record",
    "energy.waste_dated_years",
    "energy.waste_export_rows",
    "energy.waste_factor",
    "energy.waste_query",
    "energy.waste_record_lines",
    "energy.waste_total_g",
    "energy.water_dated_years",
    "energy.water_export_rows",
    "energy.water_query",
    "energy.water_record_lines",
    "energy.water_total_g",
    "energy.water_years",
    "travel.calculator",
    "travel.check_items",
    "travel.ground_results",
    "travel.hotel_results",
    "travel.export_rows",
    "travel.flight_analysis",
    "procurement.check_purchase",
    "procurement.convert_spend",
    "procurement.exchange_rates",
    "procurement.export_rows",
    "procurement.get_category",
    "procurement.get_exchange_rate",
    "procurement.get_price_index",
    "procurement.get_purchase",
    "procurement.list_categories",
    "procurement.materials",
    "procurement.naics_title",
    "procurement.price_indices",
    "procurement.purchase_lines",
    "procurement.purchase_totals",
    "procurement.purchases_query",
    "procurement.require_editor",
    "targets.baseline",
    "inventory.change_explained",
    "inventory.data_quality",
    "inventory.headcounts",
    "inventory.headline_cells",
    "inventory.boundary_series",
    "targets.reported_series",
    "targets.restatements_needed",
    "targets.build_trajectory",
    "targets.declared_baselines",
    "inventory.in_boundary",
    "inventory.inventories",
    "inventory.inventory",
    "targets.main_target",
    "targets.require_editor",
    "targets.targets",
    "inventory.totals_by_year",
    "targets.trajectory",
    "targets.trajectories",
    "inventory.year_groups",
    "actions.compare_years",
    "actions.verdict_against_figures",
    "actions.agenda",
    "actions.meetings",
    "actions.open_actions",
    "actions.proposals",
    "actions.effectiveness",
    "actions.get_action",
    "actions.get_nonconformity",
    "actions.list_actions",
    "actions.list_nonconformities",
    "actions.meetings_query",
    "actions.open_actions_panel",
    "actions.overdue_actions",
    "actions.project",
    "actions.projection",
    "actions.require_editor",
    "imports.file_digest",
    "imports.batch_records",
    "imports.closed_year_errors",
    "energy.runs_into_empty_year",
    "energy.energy_dated_years",
    "procurement.purchase_dated_years",
    "travel.trip_dated_years",
    "removals.years_spanned",
    "removals.rows_of",
    "reporting.default_report_year",
    "travel.trip_years",
    "travel.latest_trip_year",
    "imports.preview_removal",
    "ledger.activity_figures",
    "ledger.check_open_years",
    "ledger.rows_by_id",
    "org.closed_years",
    "org.reporting_year",
    "org.check_years_open",
    "org.list_management_indicators",
    "org.get_management_indicators",
    "credits.require_editor",
    "credits.serial_range",
    "credits.overlapping_credits",
    "credits.check_credit",
    "credits.get_credit",
    "credits.credits_query",
    "credits.credit_totals",
    "credits.retired_t_by_year",
    "credits.neutrality_by_year",
    "credits.export_rows",
    # locks only (to the end of the transaction)
    "org.year_lock",
    "org.lock_years",
    "removals.register_kind",
    "removals.may_restore",
    "removals.preview",
    "removals.removals_query",
    "removals.kinds_for",
    "removals.get_removal",
    "imports.get_batch",
    "imports.known_keys",
    "imports.list_batches",
    "demo.demo_loaded",
    "demo.real_data",
    "demo.load_steps",
    "demo.load_in_progress",
    "demo.load_to_show",
    "demo.check_can_load",
    "travel.icao_rows",
    "travel.icao_coverage",
    "travel.icao_sets",
    "travel.icao_figures",
    "travel.icao_line",
    "travel.icao_key",
    "travel.file_digest",
    "travel.trip_icao_lines",
    "travel.leg_item",
    "travel.leg_item_sql",
    "travel.flight_calculator",
    "travel.ground_label",
    "travel.trips_of_year",
    "travel.journey_ends",
    "travel.check_legs",
    "travel.estimate_flight",
    "travel.get_trip",
    "travel.trip_lines",
    "travel.trip_results",
    "travel.trip_totals",
    "travel.trips_query",
    "travel.with_return",
    "ledger.co2e_grams",
    "ledger.current_lines",
    "ledger.current_lines_by_activity",
    "ledger.get_recalculation",
    "ledger.list_recalculations",
    "ledger.preview_recalculation",
    "ledger.register_calculator",
    "ledger.stale_groups",
    "ledger.year_totals",
    "ledger.too_large",
    "ledger.line_quantity",
    "jobs.can_see",
    "jobs.get_job",
    "jobs.list_jobs",
}

#: bookkeeping of background work: a queued job's record, audited by the change the job makes
#: (an applied recalculation writes its own entry), not by the asking
JOB_BOOKKEEPING = {"jobs.submit", "demo.queue_load"}

#: writes that only ever happen inside another service's audited change (the activity's own)
INSIDE_AUDITED_CHANGES = {
    "ledger.record_lines",
    "ledger.add_lines",
    "ledger.supersede_lines",
    "ledger.restore_lines",
    # removes one record: the delete services audit through it (with their own action)
    "removals.remove_record",
    # the demo organisation: only calls the audited services above (and notes it was loaded)
    "demo.load_demo",
}

# on-site generation needs no factor, so the audit test needs no factor library
ENERGY = {
    "site_id": None,
    "energy_type": "onsite_renewable",
    "period_start": dt.date(2024, 1, 1),
    "period_end": dt.date(2024, 1, 31),
    "quantity": Decimal(100),
    "unit": "kwh",
    "certificates_kwh": None,
    "supplier_factor_id": None,
    "meter_reference": "",
    "evidence_note": "",
    "technology": "solar_pv",
}
FLEET = {
    "measure": "diesel_litres",
    "period_start": dt.date(2024, 1, 1),
    "period_end": dt.date(2024, 1, 31),
    "quantity": Decimal(50),
}
WASTE = {
    "period_start": dt.date(2024, 1, 1),
    "period_end": dt.date(2024, 3, 31),
    "stream": "mixed",
    "treatment": "landfill",
    "tonnes": Decimal(2),
}
WATER = {
    "period_start": dt.date(2024, 1, 1),
    "period_end": dt.date(2024, 3, 31),
    "supply_source": "mains",
    "supply_m3": Decimal(100),
    "wastewater_m3": Decimal(90),
}
AGENCY_CSV = (
    b"booking_reference,traveller,origin,destination,departure_date,paid_by\n"
    b"Q1,Ana,GVA,LHR,2024-03-04,other\n"
)
#: an agency's layout and the travel fields its columns hold (for the import profile services)
PROFILE_HEADERS = ["PNR", "Passenger", "Date"]
PROFILE_FIELDS = ["booking_reference", "traveller", "departure_date"]
TRIP_LEGS = [travel.LegInput(origin="GVA", destination="LHR", departure_on=dt.date(2024, 3, 4))]
BULK_TRIP = {"traveller": "Ana", "paid_by": "other", "booking_reference": "B1"}
ICAO_SPEC = SetSpec(
    code="icao-2023",
    family="icao",
    publisher="ICAO",
    title="ICAO results",
    edition_year=2023,
    version="v13",
    licence="-",
    source="a file",
    factors=[
        FactorSpec(
            category="air_icao",
            activity="passenger_flight",
            unit="passenger",
            kgco2e_per_unit=Decimal("66.9"),
        )
    ],
)
FACTOR_CSV = b"category,activity,unit,kgco2e_per_unit\nelectricity,supplier_mix,kwh,0.1\n"
FACTOR_META = {
    "family": "acme",
    "title": "Acme",
    "publisher": "Acme",
    "licence": "supplier",
    "source": "letter",
    "edition_year": 2024,
    "version": "1",
}


def _logo() -> bytes:
    """A small PNG for the logo service."""
    out = io.BytesIO()
    Image.new("RGB", (32, 32), "green").save(out, format="PNG")
    return out.getvalue()


def _paper(w: dict[str, Any]) -> SpendCategory:
    """A category with a material factor (the shipped sets loaded once)."""
    if "paper" not in w:
        factors.load_shipped_sets(actor=None)
        w["paper"] = procurement.create_category(
            actor=w["admin"],
            name="Paper",
            naics_code="322121",
            material="paper_and_board_paper_primary_material_production",
        )
    return w["paper"]


def _purchase(w: dict[str, Any]) -> Purchase:
    """A purchase of paper by weight (no exchange rate needed), made once."""
    if "purchase" not in w:
        w["purchase"] = procurement.create_purchase(
            actor=w["admin"],
            purchased_on=dt.date(2024, 3, 1),
            category_id=_paper(w).id,
            quantity=Decimal(10),
            quantity_unit="kg",
        )
    return w["purchase"]


TARGET = {
    "name": "Air travel",
    "boundary": "gtb",
    "source_category": "air_travel",
    "per_capita": False,
    "baseline_year": 2010,
    "target_year": 2030,
    "reduction_pct": 15,
}


def _baseline(w: dict[str, Any]) -> DeclaredBaseline:
    return targets.declare_baseline(
        actor=w["admin"],
        year=2010,
        boundary="gtb",
        source_category="air_travel",
        co2e_kg="1000",
        source="report",
    )


def _target(w: dict[str, Any]) -> Target:
    if "target" not in w:
        w["target"] = targets.create_target(actor=w["admin"], **TARGET)
    return w["target"]


def _proposal_key(w: dict[str, Any]) -> str:
    """A year above a source's ceiling: the world's energy record has lines of 2024."""
    factors.load_shipped_sets(actor=None)
    trip = travel.create_trip(actor=w["admin"], traveller="Ana", legs=TRIP_LEGS)
    assert trip.id
    actions.set_source_threshold(
        actor=w["admin"], source_category="air_travel", max_t_per_year="0.001"
    )
    org.close_year(actor=w["admin"], year=trip.starts_on.year)  # only closed years are judged
    return actions.proposals()[0].key


def _nc(w: dict[str, Any]) -> Nonconformity:
    if "nc" not in w:
        w["nc"] = actions.create_nonconformity(
            actor=w["admin"],
            title="Off track",
            origin="off_track_year",
            detected_on=dt.date(2024, 1, 5),
        )
    return w["nc"]


def _analysed(w: dict[str, Any]) -> Nonconformity:
    return actions.record_analysis(
        actor=w["admin"], nonconformity=_nc(w), root_cause="No travel policy"
    )


def _action(w: dict[str, Any]) -> CorrectiveAction:
    if "action" not in w:
        w["action"] = actions.create_action(
            actor=w["admin"],
            nonconformity=_nc(w),
            description="Travel policy",
            owner_id=w["admin"].id,
            due_on=dt.date(2024, 6, 30),
        )
    return w["action"]


def _planned(w: dict[str, Any]) -> Nonconformity:
    _analysed(w)
    _action(w)
    return actions.move_nonconformity(
        actor=w["admin"], nonconformity=_nc(w), status="actions_planned"
    )


def _done(w: dict[str, Any]) -> CorrectiveAction:
    _planned(w)
    return actions.update_action(
        actor=w["admin"],
        action=_action(w),
        description="Travel policy",
        owner_id=w["admin"].id,
        due_on=dt.date(2024, 6, 30),
        status="done",
        done_on=dt.date(2024, 6, 1),
    )


CREDIT = {
    "standard": "cdm_cer",
    "project_name": "Hydro",
    "vintage_year": 2023,
    "serial_first": "XX-1-1001-9",
    "serial_last": "XX-1-2000-9",
    "co2e_t": 1000,
    "retired_on": dt.date(2024, 5, 2),
    "applied_year": 2024,
}


def _credit(w: dict[str, Any]) -> Any:
    """A block of credits retired, recorded once."""
    if "credit" not in w:
        w["credit"] = credits.create_credit(actor=w["admin"], **CREDIT)
    return w["credit"]


def _confirm_a_wrong_password(w: dict[str, Any]) -> None:
    with pytest.raises(auth.WrongPassword):
        auth.confirm_password(user=w["admin"], password="not the password")


def _world() -> dict[str, Any]:
    admin = auth.create_user(
        actor=None,
        email="admin@example.org",
        name="Admin",
        roles=[Role.admin],
        password=TEST_PASSWORD,
        must_change_password=False,
    )
    other_admin = auth.create_user(
        actor=None,
        email="admin2@example.org",
        name="Admin 2",
        roles=[Role.admin],
        password=TEST_PASSWORD,
    )
    site = org.create_site(actor=admin, name="HQ", country_code="CH")
    department = org.create_department(actor=admin, name="Finance")
    headcount = org.set_headcount(actor=admin, year=2023, headcount=990)
    factor_set, _created = factors.import_factor_set(actor=admin, data=FACTOR_CSV, **FACTOR_META)
    trip = travel.create_trip(actor=admin, traveller="Ana", legs=TRIP_LEGS, paid_by="other")
    plant = org.create_site(actor=admin, name="Plant", country_code="CH")
    energy_record = energy.create_energy_record(actor=admin, **{**ENERGY, "site_id": plant.id})
    db.session.commit()
    return {
        "admin": admin,
        "other": other_admin,
        "site": site,
        "department": department,
        "headcount": headcount,
        "factor_set": factor_set,
        "trip": trip,
        "energy": energy_record,
    }


#: one call of each writing service, and the audit action it must leave
WRITES: dict[str, tuple[str, Callable[[dict[str, Any]], object]]] = {
    "api.create_token": (
        "api.token.created",
        lambda w: api.create_token(actor=w["admin"], user=w["other"], name="Booking tool"),
    ),
    "api.revoke_token": (
        "api.token.revoked",
        lambda w: api.revoke_token(
            actor=w["admin"],
            token=api.create_token(actor=w["admin"], user=w["other"], name="CI")[0],
        ),
    ),
    "api.create_trips": (
        "travel.trip.created",
        lambda w: api.create_trips(
            actor=w["admin"],
            trips=[{**BULK_TRIP, "legs": TRIP_LEGS}],
        ),
    ),
    "auth.create_user": (
        "auth.user.created",
        lambda w: auth.create_user(
            actor=w["admin"],
            email="new@example.org",
            name="New",
            roles=["travel"],
            password=TEST_PASSWORD,
        ),
    ),
    "auth.update_user": (
        "auth.user.updated",
        lambda w: auth.update_user(
            actor=w["admin"], user=w["other"], name="Renamed", roles=["admin"]
        ),
    ),
    "auth.set_user_active": (
        "auth.user.deactivated",
        lambda w: auth.set_user_active(actor=w["admin"], user=w["other"], is_active=False),
    ),
    "auth.reset_password": (
        "auth.user.password_reset",
        lambda w: auth.reset_password(actor=w["admin"], user=w["other"]),
    ),
    "auth.set_language": (
        "auth.user.language_changed",
        lambda w: auth.set_language(user=w["other"], language="fr"),
    ),
    "auth.change_password": (
        "auth.user.password_changed",
        lambda w: auth.change_password(
            user=w["admin"],
            current_password=TEST_PASSWORD,
            new_password="saffron glacier tunnel 8 pier",
        ),
    ),
    "auth.authenticate": (
        "auth.login.succeeded",
        lambda w: auth.authenticate(email="admin@example.org", password=TEST_PASSWORD),
    ),
    "auth.record_logout": ("auth.logout", lambda w: auth.record_logout(user=w["admin"])),
    "auth.log_out_everywhere": (
        "auth.user.logged_out_everywhere",
        lambda w: auth.log_out_everywhere(actor=w["admin"], user=w["other"]),
    ),
    # writes only when the password is wrong: the failure, counted like a failed login
    "auth.confirm_password": (
        "auth.login.failed",
        lambda w: _confirm_a_wrong_password(w),
    ),
    "org.update_organisation": (
        "org.settings.created",
        lambda w: org.update_organisation(
            actor=w["admin"],
            name="Agency",
            reporting_currency="CHF",
            baseline_year=2010,
            target_year=2030,
            target_reduction_pct=45,
        ),
    ),
    "org.set_logo": (
        "org.logo.replaced",
        lambda w: org.set_logo(actor=w["admin"], data=_logo()),
    ),
    "org.create_site": (
        "org.site.created",
        lambda w: org.create_site(actor=w["admin"], name="Nairobi", country_code="KE"),
    ),
    "org.update_site": (
        "org.site.updated",
        lambda w: org.update_site(
            actor=w["admin"], site=w["site"], name="Geneva HQ", country_code="CH"
        ),
    ),
    "org.delete_site": (
        "org.site.deleted",
        lambda w: org.delete_site(actor=w["admin"], site=w["site"]),
    ),
    "org.create_department": (
        "org.department.created",
        lambda w: org.create_department(actor=w["admin"], name="Travel unit"),
    ),
    "org.update_department": (
        "org.department.updated",
        lambda w: org.update_department(
            actor=w["admin"], department=w["department"], name="Finance", code="FIN"
        ),
    ),
    "org.delete_department": (
        "org.department.deleted",
        lambda w: org.delete_department(actor=w["admin"], department=w["department"]),
    ),
    "org.set_headcount": (
        "org.headcount.updated",
        lambda w: org.set_headcount(
            actor=w["admin"], year=2023, headcount=1010, expected_version=w["headcount"].version_id
        ),
    ),
    "org.delete_headcount": (
        "org.headcount.deleted",
        lambda w: org.delete_headcount(actor=w["admin"], record=w["headcount"]),
    ),
    "factors.load_shipped_sets": (
        "factors.set.loaded",
        lambda w: factors.load_shipped_sets(actor=w["admin"]),
    ),
    "factors.import_factor_set": (
        "factors.set.imported",
        lambda w: factors.import_factor_set(
            actor=w["admin"], data=FACTOR_CSV, **{**FACTOR_META, "version": "2"}
        ),
    ),
    "factors.add_factor_set": (
        "factors.set.imported",
        lambda w: factors.add_factor_set(actor=w["admin"], spec=ICAO_SPEC, file_sha256="0" * 64),
    ),
    "travel.import_icao_figures": (
        "travel.icao.imported",
        lambda w: travel.import_icao_figures(
            actor=w["admin"],
            data=b"From,To,Cabin class,kg CO2 per passenger\nGVA,LHR,Economy,66.9\n",
            filename="icao.csv",
            year=2024,
            version="v13",
            source="calculator",
        ),
    ),
    "factors.delete_factor_set": (
        "factors.set.deleted",
        lambda w: factors.delete_factor_set(actor=w["admin"], factor_set=w["factor_set"]),
    ),
    "factors.pin_factor_set": (
        "factors.pin.set",
        lambda w: factors.pin_factor_set(actor=w["admin"], factor_set=w["factor_set"]),
    ),
    "factors.unpin_family": (
        "factors.pin.removed",
        lambda w: (
            factors.pin_factor_set(actor=w["admin"], factor_set=w["factor_set"]),
            factors.unpin_family(actor=w["admin"], family="acme"),
        ),
    ),
    "travel.create_trip": (
        "travel.trip.created",
        # paid by others: no factors needed (the lines themselves are tested in tests/travel)
        lambda w: travel.create_trip(
            actor=w["admin"], traveller="Ana", legs=TRIP_LEGS, paid_by="other"
        ),
    ),
    "travel.update_trip": (
        "travel.trip.updated",
        lambda w: travel.update_trip(
            actor=w["admin"],
            trip=w["trip"],
            traveller="Ana Silva",
            legs=TRIP_LEGS,
            paid_by="other",
        ),
    ),
    "procurement.create_category": (
        "procurement.category.created",
        lambda w: _paper(w),
    ),
    "procurement.update_category": (
        "procurement.category.updated",
        lambda w: procurement.update_category(
            actor=w["admin"], category=_paper(w), name="Office paper", naics_code="322121"
        ),
    ),
    "procurement.delete_category": (
        "procurement.category.deleted",
        lambda w: procurement.delete_category(actor=w["admin"], category=_paper(w)),
    ),
    "procurement.add_default_categories": (
        "procurement.category.defaults_added",
        lambda w: procurement.add_default_categories(actor=w["admin"]),
    ),
    "procurement.create_purchase": (
        "procurement.purchase.created",
        lambda w: _purchase(w),
    ),
    "procurement.update_purchase": (
        "procurement.purchase.updated",
        lambda w: procurement.update_purchase(
            actor=w["admin"],
            purchase=_purchase(w),
            purchased_on=dt.date(2024, 3, 2),
            category_id=_purchase(w).category_id,
            quantity=Decimal(20),
            quantity_unit="kg",
        ),
    ),
    "procurement.delete_purchase": (
        "procurement.purchase.deleted",
        lambda w: procurement.delete_purchase(actor=w["admin"], purchase=_purchase(w)),
    ),
    "procurement.set_exchange_rate": (
        "procurement.exchange_rate.saved",
        lambda w: procurement.set_exchange_rate(
            actor=w["admin"], currency="CHF", year=2024, units_per_usd="0.9"
        ),
    ),
    "procurement.set_price_index": (
        "procurement.price_index.saved",
        lambda w: procurement.set_price_index(actor=w["admin"], year=2024, index_value="120"),
    ),
    "procurement.delete_yearly_figure": (
        "procurement.price_index.deleted",
        lambda w: procurement.delete_yearly_figure(
            actor=w["admin"],
            row=procurement.set_price_index(actor=w["admin"], year=2024, index_value="120"),
        ),
    ),
    "targets.declare_baseline": (
        "inventory.baseline.declared",
        lambda w: _baseline(w),
    ),
    "targets.delete_declared_baseline": (
        "inventory.baseline.deleted",
        lambda w: targets.delete_declared_baseline(actor=w["admin"], row=_baseline(w)),
    ),
    "targets.create_target": (
        "inventory.target.created",
        lambda w: _target(w),
    ),
    "targets.update_target": (
        "inventory.target.updated",
        lambda w: targets.update_target(
            actor=w["admin"], target=_target(w), **{**TARGET, "reduction_pct": 20}
        ),
    ),
    "targets.delete_target": (
        "inventory.target.deleted",
        lambda w: targets.delete_target(actor=w["admin"], target=_target(w)),
    ),
    "reporting.issue_report": (
        "reporting.report.issued",
        lambda w: (
            factors.load_shipped_sets(actor=None),
            travel.create_trip(actor=w["admin"], traveller="Ana", legs=TRIP_LEGS),
            reporting.issue_report(actor=w["admin"], year=2024),
        ),
    ),
    "targets.record_reported": (
        "inventory.year.reported",
        lambda w: targets.record_reported(actor=w["admin"], year=2024),
    ),
    "targets.restate": (
        "inventory.year.restated",
        lambda w: (
            targets.record_reported(actor=w["admin"], year=2024),
            targets.restate(actor=w["admin"], year=2024, reason="error", approved_by="Director"),
        ),
    ),
    "actions.create_nonconformity": ("actions.nonconformity.created", lambda w: _nc(w)),
    "actions.record_meeting": (
        "actions.meeting.recorded",
        lambda w: actions.record_meeting(
            actor=w["admin"], held_on=dt.date(2024, 3, 1), attendees="Ana, Ben"
        ),
    ),
    "actions.set_source_threshold": (
        "actions.threshold.saved",
        lambda w: actions.set_source_threshold(
            actor=w["admin"], source_category="air_travel", max_t_per_year="100"
        ),
    ),
    "actions.accept_proposal": (
        "actions.nonconformity.created",
        lambda w: actions.accept_proposal(actor=w["admin"], key=_proposal_key(w)),
    ),
    "actions.dismiss_proposal": (
        "actions.proposal.dismissed",
        lambda w: actions.dismiss_proposal(
            actor=w["admin"], key=_proposal_key(w), reason="one-off"
        ),
    ),
    "actions.record_analysis": ("actions.nonconformity.analysed", lambda w: _analysed(w)),
    "actions.create_action": ("actions.action.created", lambda w: _action(w)),
    "actions.update_action": ("actions.action.updated", lambda w: _done(w)),
    "actions.move_nonconformity": ("actions.nonconformity.moved", lambda w: _planned(w)),
    "actions.record_verdict": (
        "actions.verdict.recorded",
        lambda w: actions.record_verdict(actor=w["admin"], action=_done(w), is_effective=True),
    ),
    "actions.close_nonconformity": (
        "actions.nonconformity.closed",
        lambda w: (
            _done(w),
            actions.move_nonconformity(actor=w["admin"], nonconformity=_nc(w), status="verifying"),
            actions.record_verdict(actor=w["admin"], action=_action(w), is_effective=False),
            actions.close_nonconformity(actor=w["admin"], nonconformity=_nc(w)),
        ),
    ),
    "imports.import_file": (
        "travel.import.committed",
        lambda w: imports.import_file(
            travel.IMPORTER, actor=w["admin"], data=AGENCY_CSV, filename="a.csv"
        ),
    ),
    "imports.check_file": (
        "travel.import.checked",
        lambda w: imports.check_file(
            travel.IMPORTER, actor=w["admin"], data=AGENCY_CSV, filename="a.csv"
        ),
    ),
    "travel.check_import": (
        "travel.import.checked",
        lambda w: travel.check_import(actor=w["admin"], data=AGENCY_CSV, filename="a.csv"),
    ),
    "imports.map_batch": (
        "travel.import.checked",
        lambda w: imports.map_batch(
            travel.IMPORTER,
            actor=w["admin"],
            batch=imports.check_file(
                travel.IMPORTER, actor=w["admin"], data=AGENCY_CSV, filename="a.csv"
            ).batch,
            mapping=imports.ColumnMapping(
                {name: name for name in AGENCY_CSV.decode().splitlines()[0].split(",")}
            ),
        ),
    ),
    "imports.save_profile": (
        "travel.import.profile_saved",
        lambda w: imports.save_profile(
            actor=w["admin"],
            kind="travel",
            name="Agency",
            headers=PROFILE_HEADERS,
            mapping=imports.ColumnMapping(dict(zip(PROFILE_HEADERS, PROFILE_FIELDS, strict=True))),
        ),
    ),
    "imports.load_profiles": (
        "travel.import.profile_saved",
        lambda w: imports.load_profiles(
            actor=w["admin"],
            data={
                "format": imports.PROFILES_FORMAT,
                "profiles": [
                    {
                        "kind": "travel",
                        "name": "Agency",
                        "headers": PROFILE_HEADERS,
                        "columns": dict(zip(PROFILE_HEADERS, PROFILE_FIELDS, strict=True)),
                    }
                ],
            },
        ),
    ),
    "imports.delete_profile": (
        "travel.import.profile_deleted",
        lambda w: imports.delete_profile(
            actor=w["admin"],
            profile=imports.save_profile(
                actor=w["admin"],
                kind="travel",
                name="Agency",
                headers=PROFILE_HEADERS,
                mapping=imports.ColumnMapping(
                    dict(zip(PROFILE_HEADERS, PROFILE_FIELDS, strict=True))
                ),
            ),
        ),
    ),
    "imports.discard_expired_checks": (
        "travel.import.expired",
        lambda w: (
            setattr(
                imports.check_file(
                    travel.IMPORTER, actor=w["admin"], data=AGENCY_CSV, filename="a.csv"
                ).batch,
                "created_at",
                utcnow() - imports.CHECKED_FILE_LIFETIME * 2,
            ),
            imports.discard_expired_checks(),
        ),
    ),
    "imports.commit_batch": (
        "travel.import.committed",
        lambda w: imports.commit_batch(
            travel.IMPORTER,
            actor=w["admin"],
            batch=imports.check_file(
                travel.IMPORTER, actor=w["admin"], data=AGENCY_CSV, filename="a.csv"
            ).batch,
        ),
    ),
    "imports.remove_batch": (
        "travel.import.removed",
        lambda w: imports.remove_batch(
            travel.IMPORTER,
            actor=w["admin"],
            batch=imports.import_file(
                travel.IMPORTER, actor=w["admin"], data=AGENCY_CSV, filename="a.csv"
            ).batch,
        ),
    ),
    "travel.import_trips": (
        "travel.import.committed",
        lambda w: travel.import_trips(actor=w["admin"], data=AGENCY_CSV, filename="agency.csv"),
    ),
    "travel.commit_import": (
        "travel.import.committed",
        lambda w: travel.commit_import(
            actor=w["admin"],
            batch=travel.check_import(
                actor=w["admin"], data=AGENCY_CSV, filename="agency.csv"
            ).batch,
        ),
    ),
    "travel.remove_import_batch": (
        "travel.import.removed",
        lambda w: travel.remove_import_batch(
            actor=w["admin"],
            batch=travel.import_trips(
                actor=w["admin"], data=AGENCY_CSV, filename="agency.csv"
            ).batch,
        ),
    ),
    "energy.create_energy_record": (
        "energy.record.created",
        lambda w: energy.create_energy_record(
            actor=w["admin"], **{**ENERGY, "site_id": w["site"].id}
        ),
    ),
    "energy.update_energy_record": (
        "energy.record.updated",
        lambda w: energy.update_energy_record(
            actor=w["admin"],
            record=w["energy"],
            **{**ENERGY, "site_id": w["site"].id, "quantity": Decimal(200)},
        ),
    ),
    "energy.delete_energy_record": (
        "energy.record.deleted",
        lambda w: energy.delete_energy_record(actor=w["admin"], record=w["energy"]),
    ),
    "energy.record_refrigerant_top_up": (
        "energy.refrigerant.created",
        lambda w: (
            factors.load_shipped_sets(actor=None),
            energy.record_refrigerant_top_up(
                actor=w["admin"],
                site_id=w["site"].id,
                topped_up_on=dt.date(2024, 6, 1),
                gas="r32",
                kg=Decimal(2),
            ),
        ),
    ),
    "energy.delete_refrigerant_top_up": (
        "energy.refrigerant.deleted",
        lambda w: (
            factors.load_shipped_sets(actor=None),
            energy.delete_refrigerant_top_up(
                actor=w["admin"],
                top_up=energy.record_refrigerant_top_up(
                    actor=w["admin"],
                    site_id=w["site"].id,
                    topped_up_on=dt.date(2024, 6, 1),
                    gas="r32",
                    kg=Decimal(2),
                ),
            ),
        ),
    ),
    "energy.update_refrigerant_top_up": (
        "energy.refrigerant.updated",
        lambda w: (
            factors.load_shipped_sets(actor=None),
            energy.update_refrigerant_top_up(
                actor=w["admin"],
                top_up=energy.record_refrigerant_top_up(
                    actor=w["admin"],
                    site_id=w["site"].id,
                    topped_up_on=dt.date(2024, 6, 1),
                    gas="r32",
                    kg=Decimal(2),
                ),
                site_id=w["site"].id,
                topped_up_on=dt.date(2024, 6, 1),
                gas="r32",
                kg=Decimal(3),
            ),
        ),
    ),
    "energy.record_fleet_use": (
        "energy.fleet.created",
        lambda w: (
            factors.load_shipped_sets(actor=None),
            energy.record_fleet_use(actor=w["admin"], **FLEET),
        ),
    ),
    "energy.delete_fleet_record": (
        "energy.fleet.deleted",
        lambda w: (
            factors.load_shipped_sets(actor=None),
            energy.delete_fleet_record(
                actor=w["admin"], record=energy.record_fleet_use(actor=w["admin"], **FLEET)
            ),
        ),
    ),
    "energy.update_fleet_record": (
        "energy.fleet.updated",
        lambda w: (
            factors.load_shipped_sets(actor=None),
            energy.update_fleet_record(
                actor=w["admin"],
                record=energy.record_fleet_use(actor=w["admin"], **FLEET),
                **{**FLEET, "quantity": Decimal(60)},
            ),
        ),
    ),
    "energy.record_waste": (
        "energy.waste.created",
        lambda w: (
            factors.load_shipped_sets(actor=None),
            energy.record_waste(actor=w["admin"], site_id=w["site"].id, **WASTE),
        ),
    ),
    "energy.update_waste_record": (
        "energy.waste.updated",
        lambda w: (
            factors.load_shipped_sets(actor=None),
            energy.update_waste_record(
                actor=w["admin"],
                record=energy.record_waste(actor=w["admin"], site_id=w["site"].id, **WASTE),
                site_id=w["site"].id,
                **{**WASTE, "tonnes": Decimal(3)},
            ),
        ),
    ),
    "energy.delete_waste_record": (
        "energy.waste.deleted",
        lambda w: (
            factors.load_shipped_sets(actor=None),
            energy.delete_waste_record(
                actor=w["admin"],
                record=energy.record_waste(actor=w["admin"], site_id=w["site"].id, **WASTE),
            ),
        ),
    ),
    "energy.record_water": (
        "energy.water.created",
        lambda w: (
            factors.load_shipped_sets(actor=None),
            energy.record_water(actor=w["admin"], site_id=w["site"].id, **WATER),
        ),
    ),
    "energy.update_water_record": (
        "energy.water.updated",
        lambda w: (
            factors.load_shipped_sets(actor=None),
            energy.update_water_record(
                actor=w["admin"],
                record=energy.record_water(actor=w["admin"], site_id=w["site"].id, **WATER),
                site_id=w["site"].id,
                **{**WATER, "supply_m3": Decimal(120)},
            ),
        ),
    ),
    "energy.delete_water_record": (
        "energy.water.deleted",
        lambda w: (
            factors.load_shipped_sets(actor=None),
            energy.delete_water_record(
                actor=w["admin"],
                record=energy.record_water(actor=w["admin"], site_id=w["site"].id, **WATER),
            ),
        ),
    ),
    "credits.create_credit": ("credits.credit.created", lambda w: _credit(w)),
    "credits.update_credit": (
        "credits.credit.updated",
        lambda w: credits.update_credit(
            actor=w["admin"],
            credit=_credit(w),
            expected_version=_credit(w).version_id,
            **{**CREDIT, "project_name": "Renamed"},
        ),
    ),
    "credits.delete_credit": (
        "credits.credit.deleted",
        lambda w: credits.delete_credit(actor=w["admin"], credit=_credit(w)),
    ),
    "org.set_management_indicators": (
        "org.management.updated",
        lambda w: org.set_management_indicators(
            actor=w["admin"],
            year=2024,
            ems_status="implemented",
            site_ids=[w["site"].id],
            expected_version=org.set_management_indicators(
                actor=w["admin"], year=2024, ems_status="in_development", all_sites=True
            ).version_id,
        ),
    ),
    "travel.delete_trip": (
        "travel.trip.deleted",
        lambda w: travel.delete_trip(actor=w["admin"], trip=w["trip"]),
    ),
    "removals.remove": (
        "travel.trip.deleted",
        lambda w: removals.remove(
            actor=w["admin"],
            kind="trip",
            ids=[w["trip"].id],
            summary="a trip",
            action="travel.trip.deleted",
        ),
    ),
    "removals.restore": (
        "removals.removal.restored",
        lambda w: removals.restore(
            actor=w["admin"], removal=travel.delete_trip(actor=w["admin"], trip=w["trip"])
        ),
    ),
    "org.close_year": (
        "org.year.closed",
        lambda w: org.close_year(actor=w["admin"], year=2024),
    ),
    "org.reopen_year": (
        "org.year.reopened",
        lambda w: org.reopen_year(
            actor=w["admin"],
            year=org.close_year(actor=w["admin"], year=2024).year,
            reason="a late bill",
        ),
    ),
    "ledger.apply_recalculation": (
        "ledger.recalculation.applied",
        lambda w: ledger.apply_recalculation(actor=w["admin"], year=2024, reason="new edition"),
    ),
}


def _public_service_functions() -> set[str]:
    """``feature.name`` of every public function of a feature's services: those of a
    ``services`` module, or of a ``services`` package, defined in the package or any of its
    public modules (``ems.travel.services.trips``), or defined in its private modules
    (``_shared``) and exported by the package."""
    names = set()
    for module_info in pkgutil.walk_packages(ems.__path__, "ems."):
        parts = module_info.name.split(".")
        if parts[2:3] != ["services"] or parts[1] == "audit":
            continue
        if any(part.startswith("_") for part in parts[3:]):
            continue  # a private module's functions count only where the package exports them
        module = importlib.import_module(module_info.name)
        for name, function in inspect.getmembers(module, inspect.isfunction):
            defined_in = function.__module__
            inside = defined_in == module.__name__ or (
                module_info.ispkg and defined_in.startswith(f"{module.__name__}.")
            )
            if inside and not name.startswith("_"):
                names.add(f"{parts[1]}.{name}")
    return names


def test_every_service_function_is_classified():
    """A new service must be listed here: as read-only, or with the audit entry it writes."""
    assert _public_service_functions() == (
        READ_ONLY | INSIDE_AUDITED_CHANGES | JOB_BOOKKEEPING | set(WRITES)
    )


@pytest.mark.parametrize("service", sorted(WRITES))
def test_service_write_leaves_an_audit_entry(app, service):
    world = _world()
    action, call = WRITES[service]
    before = db.session.scalar(sa.select(sa.func.max(AuditEntry.id))) or 0
    call(world)
    db.session.commit()
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.id > before)).all()
    assert action in [entry.action for entry in entries]


def test_audit_entry_is_in_the_same_transaction(app):
    world = _world()
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    org.create_site(actor=world["admin"], name="Rolled back", country_code="FR")
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == before
    assert "Rolled back" not in [site.name for site in org.list_sites()]


def test_updates_record_before_and_after(app):
    world = _world()
    org.update_site(
        actor=world["admin"], site=world["site"], name="Geneva HQ", country_code="CH", city="Geneva"
    )
    db.session.commit()
    entry = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry is not None
    assert entry.actor_label == "admin@example.org"
    assert entry.changes == {
        "name": {"before": "HQ", "after": "Geneva HQ"},
        "city": {"before": "", "after": "Geneva"},
    }


def test_password_hashes_never_reach_the_audit_trail(app):
    world = _world()
    auth.reset_password(actor=world["admin"], user=world["other"])
    db.session.commit()
    for entry in db.session.scalars(sa.select(AuditEntry)):
        assert "argon2" not in str(entry.changes)
        assert "password_hash" not in str(entry.changes)
