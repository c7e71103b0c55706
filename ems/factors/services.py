"""Loading, importing, browsing and selecting emission factors. Services flush; callers commit."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from ems import numbers
from ems.audit import services as audit
from ems.auth.models import Role, User
from ems.errors import NotFound, PermissionDenied, ValidationFailed
from ems.extensions import db
from ems.factors.keys import slug
from ems.factors.models import EmissionFactor, FactorPin, FactorSet, HaulDefinition
from ems.factors.shipped import FactorSpec, SetSpec, shipped_sets
from ems.org.models import FIRST_YEAR, LAST_YEAR
from ems.org.services import countries, get_organisation
from ems.tables import ImportFailed, RowError, control_character_errors, read_csv
from ems.validation import check_text, has_control_characters

#: the family of the IPCC GWP tables (one set per report: ipcc-gwp-ar4, -ar5, -ar6)
GWP_FAMILY = "ipcc_gwp"


def gwp_set_code(report: str) -> str:
    """The shipped set of an IPCC report's GWPs ("ar5" → "ipcc-gwp-ar5")."""
    return f"ipcc-gwp-{report}"


#: columns of a factor-set CSV: the first four are required
CSV_REQUIRED = ("category", "activity", "unit", "kgco2e_per_unit")
CSV_ATTRIBUTES = ("haul", "cabin_class", "rf", "country", "region", "zone", "fuel", "naics", "gas")
CSV_OPTIONAL = (
    *CSV_ATTRIBUTES,
    "kgco2_per_unit",
    "kgch4_co2e_per_unit",
    "kgn2o_co2e_per_unit",
    "label",
)


def _require_editor(actor: User | None) -> None:
    if actor is not None and not actor.has_any_role(Role.ems):
        raise PermissionDenied(_("Only the EMS working group manages emission factors."))


def _actor_label(actor: User | None) -> str:
    return actor.email if actor is not None else audit.CLI_ACTOR


# --- storing sets -----------------------------------------------------------------------------


def _store_set(spec: SetSpec, *, actor: User | None, is_shipped: bool, digest: str) -> FactorSet:
    factor_set = FactorSet(
        code=spec.code,
        family=spec.family,
        publisher=spec.publisher,
        title=spec.title,
        edition_year=spec.edition_year,
        version=spec.version,
        licence=spec.licence,
        source=spec.source,
        notes=spec.notes,
        content_sha256=digest,
        is_shipped=is_shipped,
        is_locked=is_shipped,
        imported_by_id=actor.id if actor else None,
        imported_by_label=_actor_label(actor),
    )
    db.session.add(factor_set)
    db.session.flush()
    if spec.factors:
        db.session.execute(
            sa.insert(EmissionFactor),
            [
                {
                    "factor_set_id": factor_set.id,
                    "key": row.key,
                    "category": row.category,
                    "activity": row.activity,
                    "attributes": row.attributes,
                    "unit": row.unit,
                    "kgco2e_per_unit": row.kgco2e_per_unit,
                    "kgco2_per_unit": row.kgco2_per_unit,
                    "kgch4_co2e_per_unit": row.kgch4_co2e_per_unit,
                    "kgn2o_co2e_per_unit": row.kgn2o_co2e_per_unit,
                    "label": row.label,
                }
                for row in spec.factors
            ],
        )
    if spec.hauls:
        db.session.execute(
            sa.insert(HaulDefinition),
            [
                {
                    "factor_set_id": factor_set.id,
                    "country_name": haul.country_name,
                    "country_code": haul.country_code,
                    "haul": haul.haul,
                }
                for haul in spec.hauls
            ],
        )
    return factor_set


@dataclass
class LoadReport:
    """What `load_shipped_sets` did."""

    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def load_shipped_sets(*, actor: User | None) -> LoadReport:
    """Load every shipped set not loaded yet; sets already there are left as they are."""
    _require_editor(actor)
    report = LoadReport()
    existing = {
        (code, version): digest
        for code, version, digest in db.session.execute(
            sa.select(FactorSet.code, FactorSet.version, FactorSet.content_sha256).where(
                FactorSet.is_shipped.is_(True)
            )
        )
    }
    for spec in shipped_sets():
        digest = spec.content_sha256()
        if (spec.code, spec.version) in existing:
            report.unchanged.append(spec.code)
            continue
        factor_set = _store_set(spec, actor=actor, is_shipped=True, digest=digest)
        audit.record(
            actor=actor,
            action="factors.set.loaded",
            obj=factor_set,
            summary=f"Shipped factor set {spec.code} v{spec.version} loaded "
            f"({len(spec.factors) or len(spec.hauls)} rows)",
        )
        report.created.append(spec.code)
    db.session.flush()
    return report


def _decimal(
    errors: list[RowError], row: int, column: str, text: str, *, required: bool
) -> Decimal | None:
    if not text:
        if required:
            errors.append(RowError(row, column, _("a number is required")))
        return None
    if not numbers.DECIMAL_TEXT.fullmatch(text):  # no 1_000, NaN or other digits
        errors.append(
            RowError(
                row,
                column,
                _(
                    "“%(value)s” is not a number; use a point as the decimal separator",
                    value=text[:40],
                ),
            )
        )
        return None
    try:
        return numbers.FACTOR.parse(text)
    except numbers.NumberError as exc:
        errors.append(RowError(row, column, str(exc).rstrip(".")))
        return None


def _parse_factor_rows(data: bytes) -> list[FactorSpec]:
    rows = read_csv(data, required=CSV_REQUIRED, optional=CSV_OPTIONAL)
    errors: list[RowError] = []
    specs: list[FactorSpec] = []
    first_row_of_key: dict[str, int] = {}
    known_countries = countries()
    for number, row in rows:
        unsafe = control_character_errors(number, row)
        if unsafe:
            errors += unsafe
            continue
        problems_before = len(errors)
        names = {}
        for column, max_len in (("category", 60), ("activity", 120), ("unit", 40)):
            names[column] = slug(row[column])
            if not names[column] or len(names[column]) > max_len:
                errors.append(
                    RowError(
                        number, column, _("a short name is required (letters, digits, spaces)")
                    )
                )
        attributes = {name: row[name] for name in CSV_ATTRIBUTES if row.get(name)}
        if "country" in attributes:
            attributes["country"] = attributes["country"].upper()
            if attributes["country"] not in known_countries:
                errors.append(
                    RowError(number, "country", _("use an ISO 3166 two-letter code, e.g. CH"))
                )
        value = _decimal(errors, number, "kgco2e_per_unit", row["kgco2e_per_unit"], required=True)
        splits = {
            column: _decimal(errors, number, column, row.get(column, ""), required=False)
            for column in ("kgco2_per_unit", "kgch4_co2e_per_unit", "kgn2o_co2e_per_unit")
        }
        label = row.get("label", "")
        if len(label) > 500:
            errors.append(RowError(number, "label", _("at most 500 characters")))
        elif has_control_characters(label):
            errors.append(RowError(number, "label", _("remove the control characters")))
        if len(errors) > problems_before or value is None:
            continue
        spec = FactorSpec(
            category=names["category"],
            activity=names["activity"],
            unit=names["unit"],
            attributes=attributes,
            kgco2e_per_unit=value,
            kgco2_per_unit=splits["kgco2_per_unit"],
            kgch4_co2e_per_unit=splits["kgch4_co2e_per_unit"],
            kgn2o_co2e_per_unit=splits["kgn2o_co2e_per_unit"],
            label=label,
        )
        if len(spec.key) > EmissionFactor.KEY_MAX_LEN:
            errors.append(RowError(number, "activity", _("the names of this row are too long")))
        elif spec.key in first_row_of_key:
            errors.append(
                RowError(
                    number,
                    "activity",
                    _(
                        "same factor as row %(row)d (category, activity, attributes and unit)",
                        row=first_row_of_key[spec.key],
                    ),
                )
            )
        else:
            first_row_of_key[spec.key] = number
            specs.append(spec)
    if errors:
        raise ImportFailed(errors)
    return specs


def import_factor_set(
    *,
    actor: User | None,
    data: bytes,
    family: str,
    title: str,
    publisher: str,
    edition_year: int | None,
    version: str,
    licence: str,
    source: str,
    notes: str = "",
) -> tuple[FactorSet, bool]:
    """Import a user's factor set from CSV, all or nothing; returns (set, newly created).

    Importing the same content again under the same family, year and version changes nothing;
    different content under an existing version is refused (a correction is a new version).
    """
    _require_editor(actor)
    errors: dict[str, str] = {}
    family = slug(check_text(errors, "family", family, 50))
    title = check_text(errors, "title", title, FactorSet.TEXT_MAX_LEN)
    publisher = check_text(errors, "publisher", publisher, FactorSet.TEXT_MAX_LEN)
    version = check_text(errors, "version", version, 40)
    licence = check_text(errors, "licence", licence, FactorSet.TEXT_MAX_LEN)
    source = check_text(errors, "source", source, FactorSet.SOURCE_MAX_LEN, multiline=True)
    notes = check_text(
        errors, "notes", notes, FactorSet.SOURCE_MAX_LEN, required=False, multiline=True
    )
    if not family and "family" not in errors:
        errors["family"] = _("Use letters or digits.")
    if edition_year is None or not FIRST_YEAR <= edition_year <= LAST_YEAR:
        errors["edition_year"] = _(
            "Enter a year between %(first)d and %(last)d.", first=FIRST_YEAR, last=LAST_YEAR
        )
    if errors:
        raise ValidationFailed(errors)
    assert edition_year is not None  # noqa: S101 (checked above)
    shipped_families = {
        spec_family
        for (spec_family,) in db.session.execute(
            sa.select(FactorSet.family).where(FactorSet.is_shipped.is_(True)).distinct()
        )
    }
    if family in shipped_families:
        raise ValidationFailed(
            {"family": _("This family is shipped with ems; choose a family name of your own.")}
        )
    specs = _parse_factor_rows(data)
    code = f"{family}-{edition_year}"
    spec = SetSpec(
        code=code,
        family=family,
        publisher=publisher,
        title=title,
        edition_year=edition_year,
        version=version,
        licence=licence,
        source=source,
        notes=notes,
        factors=specs,
    )
    return add_factor_set(actor=actor, spec=spec, file_sha256=hashlib.sha256(data).hexdigest())


def add_factor_set(
    *, actor: User | None, spec: SetSpec, file_sha256: str
) -> tuple[FactorSet, bool]:
    """Store a set read from a user's file (``file_sha256``); returns (set, newly created).

    The same content under an existing code and version changes nothing; other content under
    it is refused (a correction is a new version).
    """
    _require_editor(actor)
    digest = spec.content_sha256()
    existing = db.session.scalar(
        sa.select(FactorSet).where(FactorSet.code == spec.code, FactorSet.version == spec.version)
    )
    if existing is not None:
        if existing.content_sha256 == digest:
            return existing, False
        raise ValidationFailed(
            {
                "version": _(
                    "Version %(version)s of %(code)s exists with other "
                    "values. A correction is imported as a new version.",
                    version=spec.version,
                    code=spec.code,
                )
            }
        )
    factor_set = _store_set(spec, actor=actor, is_shipped=False, digest=digest)
    audit.record(
        actor=actor,
        action="factors.set.imported",
        obj=factor_set,
        summary=f"Factor set {spec.code} v{spec.version} imported ({len(spec.factors)} factors)",
        changes=audit.diff({}, {"file_sha256": file_sha256, "factors": len(spec.factors)}),
    )
    db.session.flush()
    return factor_set, True


def delete_factor_set(*, actor: User | None, factor_set: FactorSet) -> None:
    """Remove an imported set that no calculation has used yet."""
    _require_editor(actor)
    if factor_set.is_locked:
        raise ValidationFailed(
            {
                "": _(
                    "This set is locked: shipped, or used by calculations. "
                    "Import a new version instead."
                )
            }
        )
    pin = db.session.get(FactorPin, factor_set.family)
    if pin is not None and pin.factor_set_id == factor_set.id:
        raise ValidationFailed({"": _("This set is pinned; unpin it first.")})
    summary = f"Factor set {factor_set.code} v{factor_set.version} removed"
    db.session.delete(factor_set)
    db.session.flush()
    audit.record(actor=actor, action="factors.set.deleted", obj=factor_set, summary=summary)


def pin_factor_set(*, actor: User | None, factor_set: FactorSet) -> FactorPin:
    """Use ``factor_set`` for every year of its family, in calculations from now on (not the
    GWP tables: their edition is the organisation's setting)."""
    _require_editor(actor)
    if factor_set.family == GWP_FAMILY:
        raise ValidationFailed(
            {"": _("The GWP edition is chosen in the organisation's settings, not pinned here.")}
        )
    pin = db.session.get(FactorPin, factor_set.family)
    before = pin.factor_set_id if pin else None
    if pin is None:
        pin = FactorPin(family=factor_set.family, factor_set_id=factor_set.id)
        db.session.add(pin)
    else:
        pin.factor_set_id = factor_set.id
    db.session.flush()
    audit.record(
        actor=actor,
        action="factors.pin.set",
        object_type="factor_pins",
        object_id=factor_set.family,
        summary=f"{factor_set.family}: {factor_set.code} v{factor_set.version} used for every year",
        changes=audit.diff({"factor_set_id": before}, {"factor_set_id": factor_set.id}),
    )
    return pin


def unpin_family(*, actor: User | None, family: str) -> None:
    """Go back to the edition of each activity's own year for ``family``."""
    _require_editor(actor)
    pin = db.session.get(FactorPin, family)
    if pin is None:
        return
    before = pin.factor_set_id
    db.session.delete(pin)
    db.session.flush()
    audit.record(
        actor=actor,
        action="factors.pin.removed",
        object_type="factor_pins",
        object_id=family,
        summary=f"{family}: each year's own edition used again",
        changes=audit.diff({"factor_set_id": before}, {"factor_set_id": None}),
    )


# --- reading ----------------------------------------------------------------------------------


def list_sets(*, family: str | None = None) -> list[FactorSet]:
    """Factor sets by family and edition, newest first within a family."""
    stmt = sa.select(FactorSet).order_by(
        FactorSet.family, FactorSet.edition_year.desc(), FactorSet.id.desc()
    )
    if family:
        stmt = stmt.where(FactorSet.family == family)
    return list(db.session.scalars(stmt))


def factor_counts() -> dict[int, int]:
    """How many factors (or haul rows) each set holds."""
    counts: dict[int, int] = {}
    for model in (EmissionFactor, HaulDefinition):
        stmt = sa.select(model.factor_set_id, sa.func.count()).group_by(model.factor_set_id)
        counts.update(dict(db.session.execute(stmt).all()))
    return counts


def pins() -> dict[str, FactorSet]:
    """The pinned set of each family that has one."""
    return {pin.family: pin.factor_set for pin in db.session.scalars(sa.select(FactorPin))}


def get_set(set_id: int) -> FactorSet:
    """The factor set with ``set_id``; NotFound if none."""
    factor_set = db.session.get(FactorSet, set_id)
    if factor_set is None:
        raise NotFound(f"factor set {set_id}")
    return factor_set


def find_set(code: str, version: str | None = None) -> FactorSet:
    """A set by its code (the newest version unless ``version``); NotFound if none."""
    stmt = sa.select(FactorSet).where(FactorSet.code == code).order_by(FactorSet.id.desc())
    if version:
        stmt = stmt.where(FactorSet.version == version)
    factor_set = db.session.scalars(stmt.limit(1)).first()
    if factor_set is None:
        raise NotFound(f"factor set {code}")
    return factor_set


def factors_query(
    *, text: str = "", category: str = "", set_id: int | None = None
) -> sa.Select[EmissionFactor]:
    """Factors matching a search text (key or label) and category, by set and key."""
    stmt = (
        sa.select(EmissionFactor)
        .join(FactorSet)
        .order_by(FactorSet.family, FactorSet.edition_year.desc(), EmissionFactor.key)
    )
    if set_id is not None:
        stmt = stmt.where(EmissionFactor.factor_set_id == set_id)
    if category:
        stmt = stmt.where(EmissionFactor.category == category)
    for word in text.split()[:5]:
        pattern = f"%{word.lower()}%"
        stmt = stmt.where(
            sa.or_(
                EmissionFactor.key.like(pattern), sa.func.lower(EmissionFactor.label).like(pattern)
            )
        )
    return stmt


def categories() -> list[str]:
    """The factor categories present."""
    return list(
        db.session.scalars(
            sa.select(EmissionFactor.category).distinct().order_by(EmissionFactor.category)
        )
    )


def get_factor(factor_id: int) -> EmissionFactor:
    """The factor with ``factor_id``; NotFound if none."""
    factor = db.session.get(EmissionFactor, factor_id)
    if factor is None:
        raise NotFound(f"factor {factor_id}")
    return factor


def factor_history(key: str, *, family: str | None = None) -> list[EmissionFactor]:
    """The factor with ``key`` in every edition (of ``family``), oldest edition first."""
    stmt = (
        sa.select(EmissionFactor)
        .join(FactorSet)
        .where(EmissionFactor.key == key)
        .order_by(FactorSet.family, FactorSet.edition_year, FactorSet.id)
    )
    if family:
        stmt = stmt.where(FactorSet.family == family)
    return list(db.session.scalars(stmt))


def hauls(factor_set: FactorSet) -> list[HaulDefinition]:
    """The haul definitions of a haul set, by country name."""
    return list(
        db.session.scalars(
            sa.select(HaulDefinition)
            .where(HaulDefinition.factor_set_id == factor_set.id)
            .order_by(HaulDefinition.country_name)
        )
    )


# --- selection --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SelectedFactor:
    """The factor an activity uses, and how it was chosen."""

    factor: EmissionFactor
    factor_set: FactorSet
    #: "edition_year" (the activity's own year), "nearest_edition" (fallback), "pinned",
    #: "average" (no factor for the activity's place: a mean of the published ones, fallback),
    #: "proxy" (no factor for the activity's place: another place's, the organisation's choice)
    selection: str
    note: str

    @property
    def is_fallback(self) -> bool:
        """True when no edition of the activity's year has this factor, or none has one for
        the activity's place."""
        return self.selection in ("nearest_edition", "average", "proxy")


class FactorSelector:
    """Chooses factors by the selection rule, remembering its answers.

    The rule: the family's edition of the activity's year; where none has the factor, the nearest
    edition (the earlier one on a tie), flagged as a fallback. A pinned set (the organisation's
    choice, or ``overrides`` for one recalculation) is used for every year instead. Among versions
    of one edition, the newest import wins. The IPCC GWP tables are pinned to the organisation's
    GWP edition (its settings), so that every year's refrigerants, recalculated ones included,
    use that edition (a recalculation's override still wins).
    """

    def __init__(self, *, overrides: Mapping[str, int] | None = None) -> None:
        self.pinned: dict[str, int] = {
            pin.family: pin.factor_set_id for pin in db.session.scalars(sa.select(FactorPin))
        }
        # read when the GWP tables are first asked for (most selectors never are)
        self._gwp_pending = GWP_FAMILY not in (overrides or {})
        self.pinned.pop(GWP_FAMILY, None)
        self.pinned.update(overrides or {})
        self._cache: dict[tuple[str, str, int], SelectedFactor] = {}
        #: what calculators derive once per selection (a recalculation computes thousands of
        #: records with one selector), e.g. the flight calculator with the haul rule
        self.memo: dict[str, Any] = {}

    def _pin(self, family: str) -> int | None:
        if family == GWP_FAMILY and self._gwp_pending:
            self._gwp_pending = False
            edition = db.session.scalar(
                sa.select(FactorSet.id)
                .where(FactorSet.code == gwp_set_code(get_organisation().gwp_report))
                .order_by(FactorSet.id.desc())
                .limit(1)
            )
            # without the organisation's edition loaded, no GWP is found (0 is no set's id)
            self.pinned[family] = edition if edition is not None else 0
        return self.pinned.get(family)

    def select(self, *, family: str, key: str, year: int) -> SelectedFactor:
        """The factor for ``key`` in ``family`` for an activity of ``year``; NotFound if none."""
        cache_key = (family, key, year)
        if cache_key not in self._cache:
            self._cache[cache_key] = self._select(family, key, year)
        return self._cache[cache_key]

    def _select(self, family: str, key: str, year: int) -> SelectedFactor:
        stmt = (
            sa.select(EmissionFactor, FactorSet)
            .join(FactorSet)
            .where(FactorSet.family == family, EmissionFactor.key == key)
        )
        pinned = self._pin(family)
        if pinned is not None:
            stmt = stmt.where(FactorSet.id == pinned)
        stmt = stmt.order_by(
            sa.func.abs(FactorSet.edition_year - year), FactorSet.edition_year, FactorSet.id.desc()
        ).limit(1)
        found = db.session.execute(stmt).first()
        if found is None:
            where = _("the pinned set") if pinned is not None else family
            raise NotFound(_("No factor %(key)s in %(where)s.", key=key, where=where))
        factor, factor_set = found
        if pinned is not None:
            selection = "pinned"
            note = _(
                "Pinned set %(code)s v%(version)s used for every year.",
                code=factor_set.code,
                version=factor_set.version,
            )
        elif factor_set.edition_year == year:
            selection, note = "edition_year", ""
        else:
            selection = "nearest_edition"
            note = _(
                "No %(year)d edition has this factor; the %(edition)d edition was used.",
                year=year,
                edition=factor_set.edition_year,
            )
        return SelectedFactor(factor=factor, factor_set=factor_set, selection=selection, note=note)
