"""Writing emission lines, recalculating a year, and finding lines whose factor is out of date.

Activity features register a calculator per activity type: a function that, given the activity's
id and a FactorSelector, returns the lines the activity yields. Activity services call
`record_lines` in the same transaction as the activity change; recalculations call the same
calculators with another selector.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from ems.audit import services as audit
from ems.auth.models import Role, User
from ems.errors import NotFound, PermissionDenied, ValidationFailed
from ems.extensions import bulk_insert, db, serialize, utcnow
from ems.factors.models import EmissionFactor, FactorSet
from ems.factors.services import FactorSelector, SelectedFactor
from ems.ledger import versions
from ems.ledger.models import HEADLINE_BASES, Basis, EmissionLine, Recalculation, SourceCategory
from ems.numbers import MAX_LINE_G, MAX_LINE_QUANTITY, STORED_MAX_LEN
from ems.org import services as org
from ems.org.models import FIRST_YEAR, LAST_YEAR
from ems.units import GRAMS_PER_KG
from ems.validation import check_text

try:
    CALCULATION_VERSION = f"ems {version('ems')}"
except PackageNotFoundError:  # pragma: no cover (running from a checkout without installing)
    CALCULATION_VERSION = "ems (not installed)"

#: a ledger quantity below 10**-TINY_EXPONENT is zero (only arithmetic on tiny inputs gets there)
TINY_EXPONENT = 30


def _lock_activity(activity_type: str, activity_id: int) -> None:
    """One writer at a time for an activity's lines; bulk removals of the type wait for it."""
    serialize(f"ledger.activity:{activity_type}", shared=True)
    serialize(f"ledger.activity:{activity_type}:{activity_id}")


@dataclass(frozen=True)
class LineSpec:
    """A line a calculator wants written."""

    activity_type: str
    activity_id: int
    year: int
    scope: int
    source_category: SourceCategory
    quantity: Decimal
    quantity_unit: str
    selected: SelectedFactor
    method: str
    scope3_category: int | None = None
    basis: Basis | None = None
    #: which part of the activity, e.g. "leg 2" (see EmissionLine.item)
    item: str = ""
    site_id: int | None = None
    department_id: int | None = None
    note: str = ""

    @cached_property  # a plan totals it, the write stores it: computed once
    def co2e_g(self) -> int:
        """Quantity × factor, in whole grams (half up)."""
        return co2e_grams(self.quantity, self.selected.factor.kgco2e_per_unit)


Calculator = Callable[[int, FactorSelector], list[LineSpec]]
#: loads many activities, with what their calculator reads, in a few queries
Preloader = Callable[[Sequence[int]], Sequence[object]]
#: the ids of a year's activities of one type, lines or none
YearActivities = Callable[[int], Iterable[int]]
_calculators: dict[str, Calculator] = {}
_preloaders: dict[str, Preloader] = {}
_year_activities: dict[str, YearActivities] = {}
#: activities a recalculation loads at once
PRELOAD_CHUNK = 500


def register_calculator(
    activity_type: str,
    calculator: Calculator,
    *,
    preload: Preloader | None = None,
    year_activities: YearActivities | None = None,
) -> None:
    """Declare how lines of ``activity_type`` are computed (activity features call this).

    ``preload(ids)``: the activities of ``ids`` loaded into the session with everything the
    calculator reads, so that a recalculation computes a chunk of them without a query each.
    ``year_activities(year)``: the year's activities, those without lines too, which a
    recalculation computes as well (a factor that did not exist may now give them lines).
    """
    _calculators[activity_type] = calculator
    if preload is not None:
        _preloaders[activity_type] = preload
    if year_activities is not None:
        _year_activities[activity_type] = year_activities


def rows_by_id(model: Any) -> Preloader:
    """A preloader of ``model``'s rows by id (their relationships as the model loads them)."""

    def preload(ids: Sequence[int]) -> Sequence[object]:
        return db.session.scalars(sa.select(model).where(model.id.in_(ids))).all()

    return preload


def _preload(activities: Sequence[tuple[str, int]]) -> list[object]:
    """The activities loaded by their types' preloaders; the caller keeps the list while it
    computes them (the session holds unchanged objects only while they are referenced)."""
    ids: dict[str, list[int]] = defaultdict(list)
    for activity_type, activity_id in activities:
        ids[activity_type].append(activity_id)
    loaded: list[object] = []
    for activity_type, chunk in ids.items():
        preload = _preloaders.get(activity_type)
        if preload is not None:
            loaded += preload(chunk)
    return loaded


def too_large() -> ValidationFailed:
    """The refusal of a figure no ledger line may hold."""
    return ValidationFailed(
        {
            "": _(
                "This comes to more than %(t)s t CO2e on one line; check the quantity and its "
                "unit.",
                t=f"{MAX_LINE_G // 1_000_000:,}",
            )
        }
    )


def co2e_grams(quantity: Decimal, kgco2e_per_unit: Decimal) -> int:
    """CO2e in whole grams of ``quantity`` units at ``kgco2e_per_unit``; ValidationFailed
    beyond MAX_LINE_G (so that no line, nor any sum of lines, leaves 64-bit integers)."""
    if not quantity.is_finite() or not kgco2e_per_unit.is_finite():
        raise too_large()
    grams = quantity * kgco2e_per_unit * GRAMS_PER_KG
    if abs(grams) > MAX_LINE_G:
        raise too_large()
    return int(grams.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def line_quantity(quantity: Decimal) -> Decimal:
    """``quantity`` as a ledger line stores it: finite, at most MAX_LINE_QUANTITY, within the
    column's 48 characters, and a zero (or an underflow such as ``0E-1000026``, which no later
    sum or format can use) as plain 0; ValidationFailed if it cannot be."""
    if not quantity.is_finite() or abs(quantity) > MAX_LINE_QUANTITY:
        raise too_large()
    if quantity == 0 or quantity.adjusted() < -TINY_EXPONENT:
        return Decimal(0)
    if len(str(quantity)) > STORED_MAX_LEN:
        return +quantity  # rounded to the context's 28 digits: at most 40 characters
    return quantity


#: what a line takes from its factor, read once per factor selection of a write
_FactorColumns = tuple[int, Decimal, str, str, bool, str]


def _factor_columns(selected: SelectedFactor) -> _FactorColumns:
    factor = selected.factor
    return (
        factor.id,
        factor.kgco2e_per_unit,
        factor.unit,
        selected.selection,
        selected.is_fallback,
        selected.note,
    )


def _line_values(
    spec: LineSpec,
    *,
    recalculation_id: int | None = None,
    now: dt.datetime | None = None,
    factors: dict[int, _FactorColumns] | None = None,
) -> dict[str, Any]:
    """The row of a line; ``factors`` keeps what a write of many lines has read of each
    factor selection (tens of thousands of lines share a few dozen)."""
    if factors is None:
        factors = {}
    columns = factors.get(id(spec.selected))
    if columns is None:
        columns = factors[id(spec.selected)] = _factor_columns(spec.selected)
    factor_id, kg_per_unit, factor_unit, selection, is_fallback, selection_note = columns
    note = (
        f"{selection_note}; {spec.note}"
        if selection_note and spec.note
        else (selection_note or spec.note)
    )
    return {
        "activity_type": spec.activity_type,
        "activity_id": spec.activity_id,
        "item": spec.item,
        "year": spec.year,
        "site_id": spec.site_id,
        "department_id": spec.department_id,
        "scope": spec.scope,
        "scope3_category": spec.scope3_category,
        "source_category": spec.source_category,
        "basis": spec.basis,
        "quantity": line_quantity(spec.quantity),
        "quantity_unit": spec.quantity_unit,
        "factor_id": factor_id,
        "factor_kgco2e_per_unit": kg_per_unit,
        "factor_unit": factor_unit,
        "co2e_g": spec.co2e_g,  # quantity × the factor's kgco2e_per_unit (kg_per_unit)
        "method": spec.method,
        "calculation_version": CALCULATION_VERSION,
        "factor_selection": selection,
        "is_fallback": is_fallback,
        "note": note[:500],
        "created_at": now or utcnow(),
        "created_by_recalculation_id": recalculation_id,
    }


#: lines built and written at once by `_insert_lines` (their rows, not all, are held)
INSERT_CHUNK = 10_000


def _insert_lines(lines: Sequence[LineSpec], *, recalculation_id: int | None = None) -> None:
    """Write ``lines`` in bulk, a chunk at a time; their factor sets can no longer be removed."""
    if not lines:
        return
    now = utcnow()
    factors: dict[int, _FactorColumns] = {}  # a factor's columns read once for all its lines
    for start in range(0, len(lines), INSERT_CHUNK):
        bulk_insert(
            EmissionLine,
            [
                _line_values(spec, recalculation_id=recalculation_id, now=now, factors=factors)
                for spec in lines[start : start + INSERT_CHUNK]
            ],
        )
    _lock_sets({spec.selected.factor_set.id for spec in lines})


def _lock_sets(set_ids: set[int]) -> None:
    """Sets used by the ledger can no longer be removed."""
    if set_ids:
        db.session.execute(
            sa.update(FactorSet)
            .where(FactorSet.id.in_(set_ids), FactorSet.is_locked.is_(False))
            .values(is_locked=True)
        )


def _current(activity_type: str, activity_id: int) -> sa.ColumnElement[bool]:
    return sa.and_(
        EmissionLine.activity_type == activity_type,
        EmissionLine.activity_id == activity_id,
        EmissionLine.superseded_at.is_(None),
    )


#: what makes a current line the same figure as a new one: everything but when and by which
#: code version or recalculation it was written
SAME_LINE = (
    "item",
    "year",
    "site_id",
    "department_id",
    "scope",
    "scope3_category",
    "source_category",
    "basis",
    "quantity",
    "quantity_unit",
    "factor_id",
    "factor_kgco2e_per_unit",
    "factor_unit",
    "co2e_g",
    "method",
    "factor_selection",
    "is_fallback",
    "note",
)


def _same_line_key(values: Mapping[str, Any] | sa.RowMapping) -> tuple[Any, ...]:
    """The values that identify a figure (decimals compare by value: 500.0 is 500.00)."""
    return tuple(values[name] for name in SAME_LINE)


def record_lines(
    *, activity_type: str, activity_id: int, lines: list[LineSpec], basis: Basis | None = None
) -> None:
    """Make ``lines`` the activity's current lines, changing only what differs.

    A current line identical to one of ``lines`` (every column of SAME_LINE) stays current, as
    it is; the other current lines are superseded (kept) and the rest of ``lines`` written. So
    an edit of one part of an activity (one leg of a trip) leaves the lines of the other parts
    alone, and ``lines=[]`` supersedes them all. With ``basis``, only the current lines of that
    basis are compared and superseded (a second method's figures, written beside the others).

    Called by activity services inside the audited change of the activity itself.
    """
    _lock_activity(activity_type, activity_id)
    current = _current(activity_type, activity_id)
    if basis is not None:
        current = sa.and_(current, EmissionLine.basis == basis)
    # the years' locks before the lines are read: a recalculation of one of them replaces its
    # lines before this reads them, or waits for this to commit
    years = {spec.year for spec in lines} | set(
        db.session.scalars(sa.select(EmissionLine.year).distinct().where(current))
    )
    org.lock_years(years)
    # the activity changed: figures of its years that read its record change (a cabin class
    # booked, say) even where its lines do not
    versions.touched(years)
    unmatched: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for row in db.session.execute(
        sa.select(EmissionLine.id, *(getattr(EmissionLine, name) for name in SAME_LINE))
        .where(current)
        .order_by(EmissionLine.id)
    ):
        unmatched[_same_line_key(row._mapping)].append(row.id)
    new = []
    for spec in lines:
        values = _line_values(spec)
        same = unmatched.get(_same_line_key(values))
        if same:
            same.pop(0)  # this figure is already current: keep its line
        else:
            new.append(values)
    stale = [line_id for ids in unmatched.values() for line_id in ids]
    # a closed year's figures never change (its records are refused until it is reopened)
    changed_years = {key[SAME_LINE.index("year")] for key, ids in unmatched.items() if ids} | {
        values["year"] for values in new
    }
    check_open_years(changed_years)
    now = utcnow()
    for start in range(0, len(stale), 500):
        db.session.execute(
            sa.update(EmissionLine)
            .where(EmissionLine.id.in_(stale[start : start + 500]))
            .values(superseded_at=now)
        )
    if new:
        db.session.execute(sa.insert(EmissionLine), new)
        _lock_sets({spec.selected.factor_set.id for spec in lines})
    db.session.flush()


def add_lines(lines: list[LineSpec]) -> None:
    """Write the lines of activities that have none yet (bulk, for imports).

    Called by activity services inside the audited change that created the activities.
    """
    check_open_years({spec.year for spec in lines})
    _insert_lines(lines)
    db.session.flush()


def supersede_lines(
    *, activity_type: str, activity_ids: list[int], removal_id: int | None = None
) -> None:
    """Mark the current lines of removed activities superseded (bulk, for removals); with
    ``removal_id``, the lines remember the removal, which `restore_lines` undoes.

    Called by activity services inside the audited change that removes the activities.
    """
    serialize(f"ledger.activity:{activity_type}")  # no writer of one of them in between
    years = activity_figures(activity_type=activity_type, activity_ids=activity_ids)[1]
    check_open_years(years)  # the years' locks before the update reads the lines
    for start in range(0, len(activity_ids), 500):
        db.session.execute(
            sa.update(EmissionLine)
            .where(
                EmissionLine.activity_type == activity_type,
                EmissionLine.activity_id.in_(activity_ids[start : start + 500]),
                EmissionLine.superseded_at.is_(None),
            )
            .values(superseded_at=utcnow(), superseded_by_removal_id=removal_id)
        )
    db.session.flush()


def restore_lines(*, removal_id: int, removed_at: dt.datetime) -> int:
    """Make current again the lines a removal superseded; returns how many lines are written.

    They are written again as they were (same factors, quantities and grams), except in a year
    recalculated after the removal: there the restored activities are computed as that
    recalculation computed the year (its factor sets), so the year stays on one edition. The
    superseded originals stay as they are.
    """
    removed = EmissionLine.superseded_by_removal_id == removal_id
    years = set(db.session.scalars(sa.select(EmissionLine.year).distinct().where(removed)))
    check_open_years(years)
    recalculated: dict[int, Recalculation] = {}
    for recalculation in db.session.scalars(
        sa.select(Recalculation)
        .where(Recalculation.year.in_(years), Recalculation.applied_at > removed_at)
        .order_by(Recalculation.applied_at, Recalculation.id)
    ):
        recalculated[recalculation.year] = recalculation  # the latest of each year
    kept = [
        column
        for column in EmissionLine.__table__.columns
        if column.name
        not in {"id", "created_at", "superseded_at", "superseded_by_recalculation_id"}
        and column.name != "superseded_by_removal_id"
    ]
    now = utcnow()
    result = db.session.execute(
        sa.insert(EmissionLine).from_select(
            [*(column.name for column in kept), "created_at"],
            sa.select(*kept, sa.literal(now, EmissionLine.created_at.type))
            .where(removed, EmissionLine.year.not_in(list(recalculated)))
            .order_by(EmissionLine.id),
        )
    )
    written = int(getattr(result, "rowcount", 0) or 0)
    for year, recalculation in sorted(recalculated.items()):
        selector = FactorSelector(overrides=recalculation.overrides)
        specs: list[LineSpec] = []
        for activity_type, activity_id in db.session.execute(
            sa.select(EmissionLine.activity_type, EmissionLine.activity_id)
            .distinct()
            .where(removed, EmissionLine.year == year)
            .order_by(EmissionLine.activity_type, EmissionLine.activity_id)
        ):
            try:
                lines = _calculators[activity_type](activity_id, selector)
            except (KeyError, NotFound, ValidationFailed) as exc:
                raise ValidationFailed(
                    {"": f"{activity_type} #{activity_id}: {exc}"[:500]}
                ) from None
            specs += [spec for spec in lines if spec.year == year]
        if specs:
            db.session.execute(
                sa.insert(EmissionLine),
                [_line_values(spec, recalculation_id=recalculation.id, now=now) for spec in specs],
            )
            _lock_sets({spec.selected.factor_set.id for spec in specs})
        written += len(specs)
    db.session.flush()
    return written


def activity_figures(*, activity_type: str, activity_ids: Sequence[int]) -> tuple[int, list[int]]:
    """Grams CO2e of the activities' current lines on the headline basis (air without RF,
    Scope 2 market-based), and the years the lines are in."""
    grams, years = 0, set()
    for start in range(0, len(activity_ids), 500):
        for year, total in db.session.execute(
            sa.select(
                EmissionLine.year,
                sa.func.sum(
                    sa.case(
                        (
                            sa.or_(
                                EmissionLine.basis.is_(None),
                                EmissionLine.basis.in_(HEADLINE_BASES),
                            ),
                            EmissionLine.co2e_g,
                        ),
                        else_=0,
                    )
                ),
            )
            .where(
                EmissionLine.activity_type == activity_type,
                EmissionLine.activity_id.in_(activity_ids[start : start + 500]),
                EmissionLine.superseded_at.is_(None),
            )
            .group_by(EmissionLine.year)
        ):
            grams += int(total or 0)
            years.add(year)
    return grams, sorted(years)


def check_open_years(years: Iterable[int]) -> None:
    """Refuse to change the records or lines of a closed year (it must be reopened first); the
    years' figures change with the transaction (their versions, when it commits)."""
    years = set(years)
    org.check_years_open(years)
    versions.touched(years)


def current_lines(*, activity_type: str, activity_id: int) -> list[EmissionLine]:
    """The lines an activity yields now."""
    return list(
        db.session.scalars(
            sa.select(EmissionLine)
            .where(_current(activity_type, activity_id))
            .order_by(EmissionLine.id)
        )
    )


def current_lines_by_activity(
    *, activity_type: str, activity_ids: Sequence[int]
) -> dict[int, list[EmissionLine]]:
    """The current lines of many activities at once, by activity id (every id is a key)."""
    found: dict[int, list[EmissionLine]] = {activity_id: [] for activity_id in activity_ids}
    ids = list(found)
    for start in range(0, len(ids), 500):
        for line in db.session.scalars(
            sa.select(EmissionLine)
            .where(
                EmissionLine.activity_type == activity_type,
                EmissionLine.activity_id.in_(ids[start : start + 500]),
                EmissionLine.superseded_at.is_(None),
            )
            .order_by(EmissionLine.id)
        ):
            found[line.activity_id].append(line)
    return found


def year_totals(
    year: int, *, recalculation: Recalculation | None = None
) -> dict[tuple[SourceCategory, Basis | None], int]:
    """Grams per (source, basis) of ``year``: now, or as they stood before ``recalculation``."""
    stmt = (
        sa.select(
            EmissionLine.source_category, EmissionLine.basis, sa.func.sum(EmissionLine.co2e_g)
        )
        .where(EmissionLine.year == year)
        .group_by(EmissionLine.source_category, EmissionLine.basis)
    )
    if recalculation is None:
        stmt = stmt.where(EmissionLine.superseded_at.is_(None))
    else:
        stmt = stmt.where(EmissionLine.superseded_by_recalculation_id == recalculation.id)
    return {(source, basis): int(total) for source, basis, total in db.session.execute(stmt)}


# --- recalculation ----------------------------------------------------------------------------


@dataclass
class SourceChange:
    """Old and new totals of one source (and basis) in a recalculation."""

    source: SourceCategory
    basis: Basis | None
    before_g: int = 0
    after_g: int = 0
    lines_before: int = 0
    lines_after: int = 0

    @property
    def change_g(self) -> int:
        """After minus before, in grams."""
        return self.after_g - self.before_g


@dataclass
class RecalculationPreview:
    """What applying a recalculation of a year would change."""

    year: int
    changes: list[SourceChange] = field(default_factory=list)
    #: activities whose figures would differ
    changed_activities: int = 0
    activities: int = 0
    #: problems that prevent applying: "activity_type #id: message"
    problems: list[str] = field(default_factory=list)
    new_lines: list[LineSpec] = field(default_factory=list)

    @property
    def before_g(self) -> int:
        """Total before, in grams (all bases, for a quick check only: never a reported sum)."""
        return sum(change.before_g for change in self.changes)


def _check_year(year: int | None) -> int:
    if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationFailed(
            {
                "year": _(
                    "Enter a year between %(first)d and %(last)d.", first=FIRST_YEAR, last=LAST_YEAR
                )
            }
        )
    return year


def _check_overrides(overrides: Mapping[str, int] | None) -> dict[str, int]:
    checked: dict[str, int] = {}
    for family, set_id in (overrides or {}).items():
        factor_set = db.session.get(FactorSet, set_id)
        if factor_set is None or factor_set.family != family:
            raise ValidationFailed({"factor_set": _("Unknown factor set.")})
        checked[family] = set_id
    return checked


def preview_recalculation(
    *,
    year: int | None,
    overrides: Mapping[str, int] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RecalculationPreview:
    """Recompute every current line of ``year`` with today's factors (or ``overrides``);
    ``progress(done, total)`` is told of each record recomputed."""
    year = _check_year(year)
    selector = FactorSelector(overrides=_check_overrides(overrides))
    preview = RecalculationPreview(year=year)
    changes: dict[tuple[SourceCategory, Basis | None], SourceChange] = {}

    def change(source: SourceCategory, basis: Basis | None) -> SourceChange:
        found = changes.get((source, basis))
        if found is None:
            found = changes[(source, basis)] = SourceChange(source, basis)
        return found

    old_by_activity: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)
    for line in db.session.execute(
        sa.select(
            EmissionLine.activity_type,
            EmissionLine.activity_id,
            EmissionLine.source_category,
            EmissionLine.basis,
            EmissionLine.factor_id,
            EmissionLine.co2e_g,
        ).where(EmissionLine.year == year, EmissionLine.superseded_at.is_(None))
    ):
        entry = change(line.source_category, line.basis)
        entry.before_g += line.co2e_g
        entry.lines_before += 1
        old_by_activity[(line.activity_type, line.activity_id)].append(
            (line.factor_id, line.co2e_g)
        )
    for activity_type, of_year in _year_activities.items():
        for activity_id in of_year(year):
            old_by_activity.setdefault((activity_type, activity_id), [])  # none yet: computed too
    activities = sorted(old_by_activity.items())
    _loaded: list[object] = []  # the chunk being computed, held so the session keeps it
    for done, ((activity_type, activity_id), old) in enumerate(activities):
        if progress is not None:
            progress(done, len(activities))
        if done % PRELOAD_CHUNK == 0:
            _loaded = _preload([key for key, _old in activities[done : done + PRELOAD_CHUNK]])
        preview.activities += 1
        calculator = _calculators.get(activity_type)
        if calculator is None:
            preview.problems.append(
                f"{activity_type} #{activity_id}: "
                + _("no calculation is known for this kind of record")
            )
            continue
        try:
            specs = [spec for spec in calculator(activity_id, selector) if spec.year == year]
        except (NotFound, ValidationFailed) as exc:
            preview.problems.append(f"{activity_type} #{activity_id}: {exc}")
            continue
        for spec in specs:
            entry = change(spec.source_category, spec.basis)
            entry.after_g += spec.co2e_g
            entry.lines_after += 1
        preview.new_lines.extend(specs)
        new = sorted((spec.selected.factor.id, spec.co2e_g) for spec in specs)
        if new != sorted(old):
            preview.changed_activities += 1
    if progress is not None:
        progress(len(activities), len(activities))
    preview.changes = sorted(changes.values(), key=lambda c: (c.source.value, str(c.basis)))
    return preview


def _require_editor(actor: User | None) -> None:
    if actor is not None and not actor.has_any_role(Role.ems):
        raise PermissionDenied(_("Only the EMS working group recalculates figures."))


def apply_recalculation(
    *,
    actor: User | None,
    year: int | None,
    reason: str,
    overrides: Mapping[str, int] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Recalculation:
    """Replace every current line of ``year`` by its recalculation; the old lines stay, marked.

    Refused when any record of the year cannot be recalculated (nothing is half applied).
    ``progress(done, total)`` is told of each record recomputed.
    """
    _require_editor(actor)
    errors: dict[str, str] = {}
    reason = check_text(errors, "reason", reason, Recalculation.REASON_MAX_LEN, multiline=True)
    if errors:
        raise ValidationFailed(errors)
    # no line of the year may be written between reading its lines and replacing them
    serialize(org.year_lock(_check_year(year)))
    checked = _check_overrides(overrides)
    preview = preview_recalculation(year=year, overrides=checked, progress=progress)
    if preview.problems:
        raise ValidationFailed(
            {
                "": _(
                    "%(n)d records cannot be recalculated: %(first)s",
                    n=len(preview.problems),
                    first=preview.problems[0],
                )
            }
        )
    recalculation = Recalculation(
        year=preview.year,
        reason=reason,
        overrides=checked,
        applied_by_id=actor.id if actor else None,
        applied_by_label=actor.email if actor else audit.CLI_ACTOR,
        summary=[
            {
                "source": c.source.value,
                "basis": c.basis.value if c.basis else None,
                "before_g": c.before_g,
                "after_g": c.after_g,
                "lines_before": c.lines_before,
                "lines_after": c.lines_after,
            }
            for c in preview.changes
        ],
    )
    db.session.add(recalculation)
    db.session.flush()
    versions.touched({preview.year})
    db.session.execute(
        sa.update(EmissionLine)
        .where(EmissionLine.year == preview.year, EmissionLine.superseded_at.is_(None))
        .values(superseded_at=utcnow(), superseded_by_recalculation_id=recalculation.id)
    )
    _insert_lines(preview.new_lines, recalculation_id=recalculation.id)
    db.session.flush()
    audit.record(
        actor=actor,
        action="ledger.recalculation.applied",
        obj=recalculation,
        summary=f"{preview.year} recalculated: {preview.changed_activities} of "
        f"{preview.activities} records changed. Reason: {reason}"[:500],
        changes={"overrides": {"before": None, "after": checked or None}},
    )
    return recalculation


def list_recalculations() -> list[Recalculation]:
    """Applied recalculations, newest first."""
    return list(
        db.session.scalars(
            sa.select(Recalculation).order_by(
                Recalculation.applied_at.desc(), Recalculation.id.desc()
            )
        )
    )


def get_recalculation(recalculation_id: int) -> Recalculation:
    """The recalculation with ``recalculation_id``; NotFound if none."""
    recalculation = db.session.get(Recalculation, recalculation_id)
    if recalculation is None:
        raise NotFound(f"recalculation {recalculation_id}")
    return recalculation


# --- stale lines ------------------------------------------------------------------------------


@dataclass
class StaleGroup:
    """Current lines whose factor is no longer the one the selection rule picks."""

    year: int
    activity_type: str
    key: str
    used: FactorSet
    now: FactorSet | None
    lines: int
    activities: int
    activity_ids: list[int]
    problem: str = ""


def stale_groups(*, year: int | None = None, examples: int = 10) -> list[StaleGroup]:
    """Groups of current lines that a recalculation would give another factor."""
    selector = FactorSelector()
    stmt = (
        sa.select(
            EmissionLine.year,
            EmissionLine.activity_type,
            EmissionFactor.key,
            FactorSet.family,
            EmissionLine.factor_id,
            FactorSet.id,
            sa.func.count(),
            sa.func.count(sa.distinct(EmissionLine.activity_id)),
        )
        .join(EmissionFactor, EmissionLine.factor_id == EmissionFactor.id)
        .join(FactorSet, EmissionFactor.factor_set_id == FactorSet.id)
        .where(EmissionLine.superseded_at.is_(None))
        .group_by(
            EmissionLine.year,
            EmissionLine.activity_type,
            EmissionFactor.key,
            FactorSet.family,
            EmissionLine.factor_id,
            FactorSet.id,
        )
        .order_by(EmissionLine.year.desc(), EmissionLine.activity_type, EmissionFactor.key)
    )
    if year is not None:
        stmt = stmt.where(EmissionLine.year == year)
    groups = []
    for (
        line_year,
        activity_type,
        key,
        family,
        factor_id,
        set_id,
        lines,
        activities,
    ) in db.session.execute(stmt):
        try:
            selected: SelectedFactor | None = selector.select(
                family=family, key=key, year=line_year
            )
            problem = ""
        except NotFound as exc:
            selected, problem = None, str(exc)
        if selected is not None and selected.factor.id == factor_id:
            continue
        ids = list(
            db.session.scalars(
                sa.select(EmissionLine.activity_id)
                .distinct()
                .where(
                    EmissionLine.factor_id == factor_id,
                    EmissionLine.year == line_year,
                    EmissionLine.activity_type == activity_type,
                    EmissionLine.superseded_at.is_(None),
                )
                .order_by(EmissionLine.activity_id)
                .limit(examples)
            )
        )
        groups.append(
            StaleGroup(
                year=line_year,
                activity_type=activity_type,
                key=key,
                used=db.session.get_one(FactorSet, set_id),
                now=selected.factor_set if selected else None,
                lines=lines,
                activities=activities,
                activity_ids=ids,
                problem=problem,
            )
        )
    return groups
