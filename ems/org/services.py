"""Organisation settings, sites, departments, headcount, reporting years and environmental
management indicators. Services flush; callers commit."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

import sqlalchemy as sa
from babel import Locale
from babel.numbers import list_currencies
from flask_babel import get_locale
from flask_babel import gettext as _
from PIL import Image, ImageOps

from ems import languages
from ems.audit import services as audit
from ems.auth.models import Role, User
from ems.errors import NotFound, PermissionDenied, ValidationFailed, check_version
from ems.extensions import Base, db, serialize, utcnow
from ems.org.models import (
    STAFF_TRAINED,
    Department,
    EmsStatus,
    Headcount,
    ManagementIndicators,
    Organisation,
    ReportingYear,
    Site,
)
from ems.periods import FIRST_YEAR
from ems.validation import check_text, check_whole, check_year

M = TypeVar("M", bound=Base)

#: territory codes in CLDR that are not countries
_NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"}


@functools.cache
def _countries(locale: str) -> dict[str, str]:
    territories = Locale.parse(locale).territories
    names = {
        code: name
        for code, name in territories.items()
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    }
    return dict(sorted(names.items(), key=lambda item: item[1]))


def countries() -> dict[str, str]:
    """ISO 3166-1 alpha-2 codes and their names in the user's language, sorted by name."""
    return _countries(str(get_locale() or "en"))


def country_name(code: str) -> str:
    """The name of a country code, or the code itself if unknown."""
    return countries().get(code, code)


def currencies() -> list[str]:
    """ISO 4217 currency codes."""
    return sorted(list_currencies())


def _require_editor(actor: User | None) -> None:
    """The EMS working group and administrators (or the command line) maintain the organisation."""
    if actor is not None and not actor.has_any_role(Role.ems):
        raise PermissionDenied(_("Only the EMS working group edits the organisation."))


def _raise(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationFailed(errors)


def _get(model: type[M], object_id: int) -> M:
    obj = db.session.get(model, object_id)
    if obj is None:
        raise NotFound(f"{model.__tablename__} {object_id}")
    return obj


def _taken(model: type[Base], column: Any, value: object, exclude_id: int | None) -> bool:
    stmt = sa.select(model.id).where(column == value)  # type: ignore[attr-defined]
    if exclude_id is not None:
        stmt = stmt.where(model.id != exclude_id)  # type: ignore[attr-defined]
    return db.session.scalar(stmt.limit(1)) is not None


def _save(
    *,
    actor: User | None,
    obj: Base,
    data: Mapping[str, Any],
    action: str,
    summary: str,
    expected_version: int | None = None,
) -> None:
    """Apply ``data`` to ``obj`` (new or existing), flush and audit what changed."""
    is_new = sa.inspect(obj).transient
    if not is_new:
        check_version(obj.version_id, expected_version)  # type: ignore[attr-defined]
    changes = audit.apply_changes(obj, data)
    if is_new:
        db.session.add(obj)
    elif not changes:
        return
    db.session.flush()
    audit.record(
        actor=actor,
        action=f"{action}.{'created' if is_new else 'updated'}",
        obj=obj,
        summary=summary,
        changes=changes,
    )


def _delete(*, actor: User | None, obj: Base, action: str, summary: str, fields: list[str]) -> None:
    before = audit.snapshot(obj, fields)
    try:
        with db.session.begin_nested():  # a record still pointing at it rolls back this only
            db.session.delete(obj)
            db.session.flush()
    except sa.exc.IntegrityError:
        raise ValidationFailed(
            {
                "": _(
                    "Records still refer to it (trips, energy…, removed records that can still "
                    "be restored included); it cannot be removed."
                )
            }
        ) from None
    audit.record(
        actor=actor,
        action=f"{action}.deleted",
        obj=obj,
        summary=summary,
        changes=audit.diff(before, {}),
    )


# --- settings ---------------------------------------------------------------------------------


def get_organisation() -> Organisation:
    """The organisation's settings (defaults until first saved)."""
    return db.session.get(Organisation, 1) or Organisation.defaults()


def update_organisation(
    *,
    actor: User | None,
    name: str,
    reporting_currency: str,
    baseline_year: int | None,
    target_year: int | None,
    target_reduction_pct: int | None,
    flight_haul_method: str = Organisation.HAUL_METHODS[0],
    gwp_report: str = Organisation.GWP_REPORTS[0],
    restatement_threshold_pct: int | None = Organisation.DEFAULT_RESTATEMENT_THRESHOLD_PCT,
    gtb_air_method: str = Organisation.GTB_AIR_METHODS[0],
    hotel_fallback: str = Organisation.HOTEL_FALLBACKS[0],
    hotel_fallback_country: str | None = None,
    report_language: str = languages.DEFAULT,
    expected_version: int | None = None,
) -> Organisation:
    """Change the organisation's name, currency, baseline and target."""
    _require_editor(actor)
    errors: dict[str, str] = {}
    name = check_text(errors, "name", name, Organisation.NAME_MAX_LEN)
    reporting_currency = (reporting_currency or "").strip().upper()
    if reporting_currency not in list_currencies():
        errors["reporting_currency"] = _("Choose an ISO 4217 currency code, such as USD or CHF.")
    baseline_year = check_year(errors, "baseline_year", baseline_year)
    target_year = check_year(errors, "target_year", target_year)
    if (
        "baseline_year" not in errors
        and "target_year" not in errors
        and baseline_year >= target_year
    ):
        errors["target_year"] = _("The target year must come after the baseline year.")
    if target_reduction_pct is None or not 1 <= target_reduction_pct <= 100:
        errors["target_reduction_pct"] = _("Enter a reduction between 1 and 100 %.")
    if gwp_report not in Organisation.GWP_REPORTS:
        errors["gwp_report"] = _("Choose AR4, AR5 or AR6.")
    if flight_haul_method not in Organisation.HAUL_METHODS:
        errors["flight_haul_method"] = _("Choose a method from the list.")
    if gtb_air_method not in Organisation.GTB_AIR_METHODS:
        errors["gtb_air_method"] = _("Choose a method from the list.")
    if hotel_fallback not in Organisation.HOTEL_FALLBACKS:
        errors["hotel_fallback"] = _("Choose a fallback from the list.")
    hotel_fallback_country = (hotel_fallback_country or "").strip().upper() or None
    if hotel_fallback == "country" and hotel_fallback_country not in countries():
        errors["hotel_fallback_country"] = _("Choose the country whose factor stands in.")
    if hotel_fallback != "country":
        hotel_fallback_country = None
    if languages.known(report_language) is None:
        errors["report_language"] = _("Choose one of the languages offered.")
    if restatement_threshold_pct is None or not 1 <= restatement_threshold_pct <= 50:
        errors["restatement_threshold_pct"] = _("Enter a threshold between 1 and 50 %.")
    _raise(errors)
    data = {
        "name": name,
        "reporting_currency": reporting_currency,
        "baseline_year": baseline_year,
        "target_year": target_year,
        "target_reduction_pct": target_reduction_pct,
        "flight_haul_method": flight_haul_method,
        "gwp_report": gwp_report,
        "restatement_threshold_pct": restatement_threshold_pct,
        "gtb_air_method": gtb_air_method,
        "hotel_fallback": hotel_fallback,
        "hotel_fallback_country": hotel_fallback_country,
        "report_language": report_language,
    }
    organisation = get_organisation()
    _save(
        actor=actor,
        obj=organisation,
        data=data,
        action="org.settings",
        summary="Organisation settings saved",
        expected_version=expected_version,
    )
    return organisation


# --- logo -------------------------------------------------------------------------------------

LOGO_MAX_BYTES = 1024 * 1024
LOGO_MAX_PX = 4000
LOGO_MIN_PX = 16
#: larger logos are scaled down to fit this square: the cover prints it 40 mm wide (600 dpi)
LOGO_STORED_PX = 1000
#: formats accepted; anything else is refused before Pillow decodes it
LOGO_FORMATS = ("PNG", "JPEG")


def logo_png() -> bytes | None:
    """The stored logo as PNG, or None when the reports use the default logo."""
    return db.session.scalar(sa.select(Organisation.logo_png).where(Organisation.id == 1))


def _logo_facts(png: bytes | None) -> dict[str, Any]:
    """What the audit keeps of a logo: its size and digest, never its bytes."""
    if png is None:
        return {"logo_bytes": None, "logo_sha256": None}
    return {"logo_bytes": len(png), "logo_sha256": hashlib.sha256(png).hexdigest()}


def _logo_as_png(data: bytes) -> bytes:
    """Check an uploaded PNG or JPEG and re-encode it as PNG without metadata."""
    if not data:
        raise ValidationFailed({"logo": _("Choose an image file for the logo.")})
    if len(data) > LOGO_MAX_BYTES:
        raise ValidationFailed({"logo": _("The logo file may be at most 1 MB.")})
    too_large = _("The logo may be at most %(max)d × %(max)d pixels.", max=LOGO_MAX_PX)
    try:
        # only the PNG and JPEG decoders see the file; opening reads the header alone
        image = Image.open(io.BytesIO(data), formats=LOGO_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationFailed({"logo": too_large}) from None
    except Exception:  # Pillow raises many kinds of error on a file it cannot identify
        raise ValidationFailed({"logo": _("The logo must be a PNG or JPEG image.")}) from None
    with image:
        width, height = image.size
        pixel_limit = Image.MAX_IMAGE_PIXELS or LOGO_MAX_PX * LOGO_MAX_PX
        if max(width, height) > LOGO_MAX_PX or width * height > pixel_limit:
            raise ValidationFailed({"logo": too_large})
        if min(width, height) < LOGO_MIN_PX:
            raise ValidationFailed(
                {"logo": _("The logo must be at least %(min)d × %(min)d pixels.", min=LOGO_MIN_PX)}
            )
        try:
            image.load()
            upright = ImageOps.exif_transpose(image)
            transparent = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
            clean = upright.convert("RGBA" if transparent else "RGB")
        except Exception:  # a damaged file shows itself only while it is decoded
            raise ValidationFailed(
                {"logo": _("The logo file is damaged; save it again as PNG or JPEG.")}
            ) from None
    clean.thumbnail((LOGO_STORED_PX, LOGO_STORED_PX))  # keeps the proportions
    clean.info.clear()  # no EXIF, ICC profile or text chunks in the stored file
    out = io.BytesIO()
    clean.save(out, format="PNG")
    return out.getvalue()


def set_logo(*, actor: User | None, data: bytes | None) -> Organisation:
    """Replace the logo on the annual report's cover; ``data`` None restores the default."""
    _require_editor(actor)
    png = None if data is None else _logo_as_png(data)
    organisation = get_organisation()
    before = _logo_facts(organisation.logo_png)
    after = _logo_facts(png)
    if before == after:
        return organisation
    organisation.logo_png = png
    if sa.inspect(organisation).transient:
        db.session.add(organisation)
    db.session.flush()
    audit.record(
        actor=actor,
        action="org.logo.replaced" if png is not None else "org.logo.removed",
        obj=organisation,
        summary="Report logo replaced" if png is not None else "Report logo reset to the default",
        changes=audit.diff(before, after),
    )
    return organisation


# --- sites ------------------------------------------------------------------------------------


def list_sites() -> list[Site]:
    """All sites by name."""
    return list(db.session.scalars(sa.select(Site).order_by(Site.name)))


def get_site(site_id: int) -> Site:
    """The site with ``site_id``; NotFound if none."""
    return _get(Site, site_id)


def _site_data(
    *,
    site_id: int | None,
    name: str,
    country_code: str,
    city: str | None,
    floor_area_m2: int | None,
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    name = check_text(errors, "name", name, Site.NAME_MAX_LEN)
    city = check_text(errors, "city", city, Site.CITY_MAX_LEN, required=False)
    country_code = (country_code or "").strip().upper()
    if country_code not in _countries("en"):
        errors["country_code"] = _("Choose a country from the list.")
    if floor_area_m2 is not None and not 0 < floor_area_m2 <= Site.FLOOR_AREA_MAX_M2:
        errors["floor_area_m2"] = _(
            "Enter a floor area between 1 and %(max)d m², or leave it empty.",
            max=Site.FLOOR_AREA_MAX_M2,
        )
    if "name" not in errors and _taken(Site, Site.name, name, site_id):
        errors["name"] = _("A site with this name already exists.")
    _raise(errors)
    return {
        "name": name,
        "country_code": country_code,
        "city": city,
        "floor_area_m2": floor_area_m2,
    }


def create_site(
    *,
    actor: User | None,
    name: str,
    country_code: str,
    city: str | None = None,
    floor_area_m2: int | None = None,
) -> Site:
    """Add a site."""
    _require_editor(actor)
    data = _site_data(
        site_id=None, name=name, country_code=country_code, city=city, floor_area_m2=floor_area_m2
    )
    site = Site()
    _save(actor=actor, obj=site, data=data, action="org.site", summary=f"Site {data['name']} added")
    return site


def update_site(
    *,
    actor: User | None,
    site: Site,
    name: str,
    country_code: str,
    city: str | None = None,
    floor_area_m2: int | None = None,
    expected_version: int | None = None,
) -> Site:
    """Change a site."""
    _require_editor(actor)
    data = _site_data(
        site_id=site.id,
        name=name,
        country_code=country_code,
        city=city,
        floor_area_m2=floor_area_m2,
    )
    _save(
        actor=actor,
        obj=site,
        data=data,
        action="org.site",
        summary=f"Site {data['name']} changed",
        expected_version=expected_version,
    )
    return site


def delete_site(*, actor: User | None, site: Site) -> None:
    """Remove a site."""
    _require_editor(actor)
    _delete(
        actor=actor,
        obj=site,
        action="org.site",
        summary=f"Site {site.name} removed",
        fields=["name", "country_code", "city", "floor_area_m2"],
    )


# --- departments ------------------------------------------------------------------------------


def list_departments() -> list[Department]:
    """All departments by name."""
    return list(db.session.scalars(sa.select(Department).order_by(Department.name)))


def get_department(department_id: int) -> Department:
    """The department with ``department_id``; NotFound if none."""
    return _get(Department, department_id)


def _department_data(*, department_id: int | None, name: str, code: str | None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    name = check_text(errors, "name", name, Department.NAME_MAX_LEN)
    code = check_text(errors, "code", code, Department.CODE_MAX_LEN, required=False).upper() or None
    if "name" not in errors and _taken(Department, Department.name, name, department_id):
        errors["name"] = _("A department with this name already exists.")
    if code and "code" not in errors and _taken(Department, Department.code, code, department_id):
        errors["code"] = _("Another department has this code.")
    _raise(errors)
    return {"name": name, "code": code}


def create_department(*, actor: User | None, name: str, code: str | None = None) -> Department:
    """Add a department."""
    _require_editor(actor)
    data = _department_data(department_id=None, name=name, code=code)
    department = Department()
    _save(
        actor=actor,
        obj=department,
        data=data,
        action="org.department",
        summary=f"Department {data['name']} added",
    )
    return department


def update_department(
    *,
    actor: User | None,
    department: Department,
    name: str,
    code: str | None = None,
    expected_version: int | None = None,
) -> Department:
    """Change a department."""
    _require_editor(actor)
    data = _department_data(department_id=department.id, name=name, code=code)
    _save(
        actor=actor,
        obj=department,
        data=data,
        action="org.department",
        summary=f"Department {data['name']} changed",
        expected_version=expected_version,
    )
    return department


def delete_department(*, actor: User | None, department: Department) -> None:
    """Remove a department."""
    _require_editor(actor)
    _delete(
        actor=actor,
        obj=department,
        action="org.department",
        summary=f"Department {department.name} removed",
        fields=["name", "code"],
    )


# --- headcount --------------------------------------------------------------------------------


def list_headcounts() -> list[Headcount]:
    """Headcount of every recorded year, latest first."""
    return list(db.session.scalars(sa.select(Headcount).order_by(Headcount.year.desc())))


def get_headcount(year: int) -> Headcount:
    """The headcount record of ``year``; NotFound if none."""
    record = db.session.scalar(sa.select(Headcount).where(Headcount.year == year))
    if record is None:
        raise NotFound(f"headcount {year}")
    return record


def set_headcount(
    *,
    actor: User | None,
    year: int | None,
    headcount: int | None,
    note: str | None = None,
    expected_version: int | None = None,
) -> Headcount:
    """Record (or correct) the headcount of a year."""
    _require_editor(actor)
    errors: dict[str, str] = {}
    year = check_year(errors, "year", year)
    if headcount is None or not 0 < headcount <= Headcount.HEADCOUNT_MAX:
        errors["headcount"] = _(
            "Enter a headcount between 1 and %(max)d.", max=Headcount.HEADCOUNT_MAX
        )
    note = check_text(errors, "note", note, Headcount.NOTE_MAX_LEN, required=False)
    _raise(errors)
    record = db.session.scalar(sa.select(Headcount).where(Headcount.year == year))
    if record is not None and expected_version is None:
        raise ValidationFailed(
            {"year": _("%(year)d has a headcount already; edit it instead.", year=year)}
        )
    record = record or Headcount()
    _save(
        actor=actor,
        obj=record,
        data={"year": year, "headcount": headcount, "note": note},
        action="org.headcount",
        summary=f"Headcount {year} set to {headcount}",
        expected_version=expected_version,
    )
    return record


def delete_headcount(*, actor: User | None, record: Headcount) -> None:
    """Remove a year's headcount."""
    _require_editor(actor)
    _delete(
        actor=actor,
        obj=record,
        action="org.headcount",
        summary=f"Headcount {record.year} removed",
        fields=["year", "headcount", "note"],
    )


# --- reporting years: open until closed -------------------------------------------------------


def year_lock(year: int) -> str:
    """The lock of a year's figures: writers of its records hold it shared (many at once), a
    close, reopening or recalculation of the year alone; so a change checked against open
    years commits before a close, or waits for it and is refused."""
    return f"ledger.year:{year}"


def closed_years() -> set[int]:
    """The years the working group has closed."""
    return set(
        db.session.scalars(sa.select(ReportingYear.year).where(ReportingYear.closed_at.isnot(None)))
    )


def reporting_year(year: int) -> ReportingYear | None:
    """The year's close/reopen record; None if it was never closed."""
    return db.session.get(ReportingYear, year)


def lock_years(years: Iterable[int]) -> None:
    """Hold the locks of ``years`` shared to the end of the transaction (see `year_lock`), in
    year order, so that writers never wait for each other in a cycle."""
    for year in sorted(set(years)):
        serialize(year_lock(year), shared=True)


def check_years_open(years: Iterable[int], *, field: str = "") -> None:
    """Refuse a change to records of a closed year (ValidationFailed on ``field``)."""
    years = set(years)
    if not years:
        return
    lock_years(years)  # to the end of the transaction: no close slips in between
    closed = sorted(closed_years().intersection(years))
    if closed:
        raise ValidationFailed(
            {
                field: _(
                    "%(years)s is closed: its records cannot change until the EMS working group "
                    "reopens it.",
                    years=", ".join(str(year) for year in closed),
                )
            }
        )


def close_year(*, actor: User | None, year: int | None) -> ReportingYear:
    """Close a year that has ended: its data is final, it is judged against the targets, its
    records are frozen."""
    _require_editor(actor)
    errors: dict[str, str] = {}
    checked = check_year(errors, "year", year)
    _raise(errors)
    serialize(year_lock(checked))  # no record of the year may change while it is being closed
    if checked >= utcnow().year:
        raise ValidationFailed(
            {"year": _("%(year)d has not ended: only a past year can be closed.", year=checked)}
        )
    row = db.session.get(ReportingYear, checked)
    if row is not None and row.is_closed:
        raise ValidationFailed({"year": _("%(year)d is closed already.", year=checked)})
    if row is None:
        row = ReportingYear(year=checked)
        db.session.add(row)
    row.closed_at = utcnow()
    row.closed_by_id = actor.id if actor else None
    row.closed_by_label = actor.email if actor else audit.CLI_ACTOR
    db.session.flush()
    audit.record(
        actor=actor,
        action="org.year.closed",
        object_type=ReportingYear.__tablename__,
        object_id=checked,
        summary=f"{checked} closed",
        changes={"status": {"before": "open", "after": "closed"}},
    )
    return row


def reopen_year(*, actor: User | None, year: int | None, reason: str | None) -> ReportingYear:
    """Reopen a closed year, saying why; its records can change again."""
    _require_editor(actor)
    errors: dict[str, str] = {}
    checked = check_year(errors, "year", year)
    reason = check_text(errors, "reason", reason, ReportingYear.REASON_MAX_LEN, multiline=True)
    _raise(errors)
    serialize(year_lock(checked))
    row = db.session.get(ReportingYear, checked)
    if row is None or not row.is_closed:
        raise ValidationFailed({"year": _("%(year)d is not closed.", year=checked)})
    row.closed_at = None
    row.reopened_at = utcnow()
    row.reopen_reason = reason
    db.session.flush()
    audit.record(
        actor=actor,
        action="org.year.reopened",
        object_type=ReportingYear.__tablename__,
        object_id=checked,
        summary=f"{checked} reopened: {reason}"[:500],
        changes={
            "status": {"before": "closed", "after": "open"},
            "reason": {"before": None, "after": reason},
        },
    )
    return row


# --- environmental management indicators -------------------------------------------------------


def list_management_indicators() -> list[ManagementIndicators]:
    """The environmental management indicators of every recorded year, latest first."""
    return list(
        db.session.scalars(
            sa.select(ManagementIndicators).order_by(ManagementIndicators.year.desc())
        )
    )


def get_management_indicators(year: int) -> ManagementIndicators:
    """The indicators of ``year``; NotFound if none."""
    record = db.session.scalar(
        sa.select(ManagementIndicators).where(ManagementIndicators.year == year)
    )
    if record is None:
        raise NotFound(f"management indicators {year}")
    return record


def _management_data(
    errors: dict[str, str],
    *,
    ems_status: EmsStatus | str | None,
    policy_adopted_on: dt.date | None,
    all_sites: bool,
    site_ids: Iterable[int],
    staff_trained: int | str | None,
    note: str | None,
    today: dt.date,
) -> dict[str, Any]:
    """A year's indicators checked (errors recorded), with the sites of its scope."""
    try:
        status: EmsStatus | None = EmsStatus(str(ems_status or ""))
    except ValueError:
        errors["ems_status"] = _("Choose the state of the EMS.")
        status = None
    if policy_adopted_on is not None and (
        policy_adopted_on.year < FIRST_YEAR or policy_adopted_on > today
    ):
        errors["policy_adopted_on"] = _("Enter a date from %(year)d up to today.", year=FIRST_YEAR)
    wanted = sorted({int(site_id) for site_id in site_ids or () if site_id})
    sites = (
        []
        if all_sites or not wanted
        else list(db.session.scalars(sa.select(Site).where(Site.id.in_(wanted))))
    )
    if len(sites) != (0 if all_sites else len(wanted)):
        errors["site_ids"] = _("Choose sites of the organisation.")
    elif status not in (None, EmsStatus.none) and not all_sites and not sites:
        errors["site_ids"] = _("Choose the sites the EMS covers, or all sites.")
    return {
        "ems_status": status,
        "policy_adopted_on": policy_adopted_on,
        "all_sites": bool(all_sites),
        "staff_trained": check_whole(
            errors, "staff_trained", staff_trained, STAFF_TRAINED, required=False
        ),
        "note": check_text(
            errors, "note", note, ManagementIndicators.NOTE_MAX_LEN, required=False, multiline=True
        ),
        "sites": sorted(sites, key=lambda site: site.name),
    }


def set_management_indicators(
    *,
    actor: User | None,
    year: int | None,
    ems_status: EmsStatus | str | None,
    policy_adopted_on: dt.date | None = None,
    all_sites: bool = False,
    site_ids: Iterable[int] = (),
    staff_trained: int | str | None = None,
    note: str | None = "",
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> ManagementIndicators:
    """Record (or, with the version read, correct) the environmental management indicators of a
    year: the EMS's state and the sites it covers (all, or those listed), the date the
    environmental policy was adopted, the staff trained. Audited with before and after."""
    _require_editor(actor)
    errors: dict[str, str] = {}
    year = check_year(errors, "year", year)
    data = _management_data(
        errors,
        ems_status=ems_status,
        policy_adopted_on=policy_adopted_on,
        all_sites=all_sites,
        site_ids=site_ids,
        staff_trained=staff_trained,
        note=note,
        today=today or utcnow().date(),
    )
    _raise(errors)
    record = db.session.scalar(
        sa.select(ManagementIndicators).where(ManagementIndicators.year == year)
    )
    if record is not None and expected_version is None:
        raise ValidationFailed(
            {"year": _("%(year)d has its indicators already; edit them instead.", year=year)}
        )
    is_new = record is None
    record = record or ManagementIndicators(year=year)
    if not is_new:
        check_version(record.version_id, expected_version)
    sites = data.pop("sites")
    before_sites = [] if is_new else [site.name for site in record.sites]
    changes = audit.apply_changes(record, data)
    after_sites = [site.name for site in sites]
    if before_sites != after_sites:
        changes["sites"] = {"before": before_sites, "after": after_sites}
    if not changes and not is_new:
        return record
    record.sites = sites
    record.updated_at = utcnow()  # a change of the sites alone gives a new version too
    try:
        with db.session.begin_nested():  # the same year recorded meanwhile by someone else
            db.session.add(record)
            db.session.flush()
    except sa.exc.IntegrityError:
        raise ValidationFailed(
            {"year": _("%(year)d has its indicators already; edit them instead.", year=year)}
        ) from None
    audit.record(
        actor=actor,
        action=f"org.management.{'created' if is_new else 'updated'}",
        obj=record,
        summary=f"Environmental management {year}: {record.ems_status.value}",
        changes=changes if not is_new else {"year": {"before": None, "after": year}, **changes},
    )
    return record
