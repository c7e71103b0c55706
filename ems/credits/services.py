"""Carbon credits retired: the register, its rules, and a year's climate-neutral status.
Services flush; callers commit.

Credits are never netted from emissions: they write no ledger line, and every total stays
gross. A year's credits stand beside its gross emissions; the year is climate neutral when the
credits applied to it (one credit = one tonne CO2e) cover its gross emissions.

**Serials and overlap.** Registries write a block of credits as its first and last serial, long
texts with one run of digits that counts the credits, e.g. ``BR-5-71634432-2-2-0-2353`` to
``BR-5-71635431-2-2-0-2353``. The two serials are read as the same text (the *prefix* before
the run of digits and the *suffix* after it, compared without regard to case and surrounding
spaces) around a numeric block that differs: the range is the block's numbers from first to
last, and its size (last − first + 1) must equal the tonnes. A single credit (first = last) is
the range of its last run of digits. Two credits overlap when they are of the same standard and

- both ranges are numeric, with the same prefix and suffix, and their numbers share a value; or
- one is a single credit whose serial lies in the other's range; or
- either is not numeric (its serials differ elsewhere than in one run of digits): when one of
  its serials is one of the other's.

A credit whose serials overlap those of any credit not removed is refused (on the first
serial, naming the other credit); a removed credit's serials may be used again, and then the
removed credit can no longer be restored (its restoration is refused, naming the credit that
holds its serials now).

Credits may be recorded for a closed year: retirement usually follows the year's inventory,
and credits change no figure of the year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ems import labels
from ems.audit import services as audit
from ems.auth.models import Role, User
from ems.credits.models import CREDITS_T, CarbonCredit, CreditStandard
from ems.errors import NotFound, PermissionDenied, ValidationFailed, check_version
from ems.extensions import db, serialize, utcnow
from ems.periods import FIRST_YEAR
from ems.removals import services as removals
from ems.removals.models import Removal
from ems.validation import check_text, check_whole, check_year

#: Removal.kind of a credit, and the ledger activity type it would have (it has no lines)
ACTIVITY_TYPE = "carbon_credit"
#: grams CO2e one credit stands for (one tonne)
GRAMS_PER_CREDIT = 1_000_000
#: the lock of the serial check: two writers never both find a range free
SERIALS_LOCK = "credits.serials"

FIELDS = [
    "standard",
    "project_name",
    "project_id",
    "vintage_year",
    "serial_first",
    "serial_last",
    "co2e_t",
    "retired_on",
    "applied_year",
    "evidence",
]

_DIGITS = "0123456789"


def require_editor(actor: User | None) -> None:
    """Refuse anyone but the EMS working group (administrators included) and the command line."""
    if actor is not None and not actor.has_any_role(Role.ems):
        raise PermissionDenied(_("Only the EMS working group records carbon credits."))


# --- serial ranges ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SerialRange:
    """A numeric block of serials: ``prefix`` + a number from ``first`` to ``last`` + ``suffix``
    (prefix and suffix upper-cased, for comparison)."""

    prefix: str
    suffix: str
    first: int
    last: int

    @property
    def size(self) -> int:
        """How many credits the range holds (negative when last comes before first)."""
        return self.last - self.first + 1

    def contains(self, serial: str) -> bool:
        """Whether one serial (as typed) lies in the range."""
        text = serial.strip().upper()
        middle_end = len(text) - len(self.suffix)
        if len(text) <= len(self.prefix) + len(self.suffix) or not (
            text.startswith(self.prefix) and text.endswith(self.suffix)
        ):
            return False
        middle = text[len(self.prefix) : middle_end]
        return all(c in _DIGITS for c in middle) and self.first <= int(middle) <= self.last


def serial_range(serial_first: str, serial_last: str) -> SerialRange | None:
    """The numeric range of a first and last serial, or None where they differ elsewhere than in
    one run of digits (or hold no digits): see the module's description."""
    first, last = serial_first.strip().upper(), serial_last.strip().upper()
    if first == last:
        end = len(first)
        while end and first[end - 1] not in _DIGITS:
            end -= 1
        start = end
        while start and first[start - 1] in _DIGITS:
            start -= 1
        if start == end:
            return None
        number = int(first[start:end])
        return SerialRange(first[:start], first[end:], number, number)
    shortest = min(len(first), len(last))
    head = 0
    while head < shortest and first[head] == last[head]:
        head += 1
    tail = 0
    while tail < shortest - head and first[-1 - tail] == last[-1 - tail]:
        tail += 1
    start = head
    while start and first[start - 1] in _DIGITS:
        start -= 1
    end_first, end_last = len(first) - tail, len(last) - tail
    while end_first < len(first) and first[end_first] in _DIGITS:
        end_first += 1
        end_last += 1
    block_first, block_last = first[start:end_first], last[start:end_last]
    if not block_first or not block_last:
        return None
    if not all(c in _DIGITS for c in block_first + block_last):
        return None
    return SerialRange(first[:start], first[end_first:], int(block_first), int(block_last))


def _serials_overlap(a_first: str, a_last: str, b_first: str, b_last: str) -> bool:
    """Whether two blocks of serials of one standard share a credit (the module's rules)."""
    a, b = serial_range(a_first, a_last), serial_range(b_first, b_last)
    if a is not None and b is not None:
        if (a.prefix, a.suffix) == (b.prefix, b.suffix):
            return a.first <= b.last and b.first <= a.last
        if a.size == 1 and b.contains(a_first):
            return True
        return b.size == 1 and a.contains(b_first)
    a_ends = {a_first.strip().upper(), a_last.strip().upper()}
    return bool(a_ends & {b_first.strip().upper(), b_last.strip().upper()})


def overlapping_credits(
    *,
    standard: CreditStandard | str,
    serial_first: str,
    serial_last: str,
    exclude_id: int | None = None,
) -> list[CarbonCredit]:
    """The credits not removed (other than ``exclude_id``) whose serials overlap these."""
    stmt = sa.select(CarbonCredit).where(CarbonCredit.standard == CreditStandard(standard))
    if exclude_id is not None:
        stmt = stmt.where(CarbonCredit.id != exclude_id)
    return [
        credit
        for credit in db.session.scalars(stmt.order_by(CarbonCredit.id))
        if _serials_overlap(serial_first, serial_last, credit.serial_first, credit.serial_last)
    ]


def _describe(credit: CarbonCredit) -> str:
    """A credit in words: "credit 12 (Project, serials A to B, retired 2023-05-02)"."""
    return _(
        "credit %(id)d (%(project)s, serials %(first)s to %(last)s, retired %(date)s)",
        id=credit.id,
        project=credit.project_name,
        first=credit.serial_first,
        last=credit.serial_last,
        date=credit.retired_on.isoformat(),
    )


# --- checks -----------------------------------------------------------------------------------


def _check_standard(errors: dict[str, str], standard: object) -> CreditStandard | None:
    try:
        return CreditStandard(str(standard or ""))
    except ValueError:
        errors["standard"] = _("Choose a standard.")
        return None


def _check_retired_on(
    errors: dict[str, str], retired_on: dt.date | None, vintage_year: int, today: dt.date
) -> None:
    """Retired between FIRST_YEAR and today, not before the vintage year."""
    if retired_on is None:
        errors["retired_on"] = _("Enter the date of retirement.")
    elif retired_on.year < FIRST_YEAR or retired_on > today:
        errors["retired_on"] = _("Enter a date from %(year)d up to today.", year=FIRST_YEAR)
    elif vintage_year and retired_on.year < vintage_year:
        errors["vintage_year"] = _(
            "The vintage year %(year)d comes after the retirement date: a credit is retired in "
            "or after its vintage year.",
            year=vintage_year,
        )


def _check_serials(
    errors: dict[str, str],
    standard: CreditStandard | None,
    serial_first: str,
    serial_last: str,
    co2e_t: int | None,
    credit_id: int | None,
) -> None:
    """A range in order, as many credits as the tonnes, overlapping no credit not removed."""
    if "serial_first" in errors or "serial_last" in errors:
        return
    numeric = serial_range(serial_first, serial_last)
    if numeric is not None and numeric.size < 1:
        errors["serial_last"] = _("The last serial comes before the first.")
        return
    if numeric is not None and co2e_t is not None and numeric.size != co2e_t:
        errors["co2e_t"] = _(
            "The serials %(first)d to %(last)d are %(n)d credits: enter %(n)d t, or correct the "
            "serials.",
            first=numeric.first,
            last=numeric.last,
            n=numeric.size,
        )
    if standard is None:
        return
    serialize(SERIALS_LOCK)  # to the end of the transaction: the range stays free until saved
    clashes = overlapping_credits(
        standard=standard, serial_first=serial_first, serial_last=serial_last, exclude_id=credit_id
    )
    if clashes:
        errors["serial_first"] = _(
            "These serials overlap %(credit)s: a credit is retired once.",
            credit=_describe(clashes[0]),
        )


def check_credit(
    *,
    standard: CreditStandard | str | None,
    project_name: str | None,
    vintage_year: int | None,
    serial_first: str | None,
    serial_last: str | None,
    co2e_t: int | str | None,
    retired_on: dt.date | None,
    applied_year: int | None,
    project_id: str | None = "",
    evidence: str | None = "",
    credit_id: int | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """A credit's values, checked (its serials against every credit not removed but
    ``credit_id``); ValidationFailed names each wrong field."""
    errors: dict[str, str] = {}
    code = _check_standard(errors, standard)
    texts = {
        name: check_text(errors, name, value, limit, required=required)
        for name, value, limit, required in (
            ("project_name", project_name, CarbonCredit.PROJECT_NAME_MAX_LEN, True),
            ("project_id", project_id, CarbonCredit.PROJECT_ID_MAX_LEN, False),
            ("serial_first", serial_first, CarbonCredit.SERIAL_MAX_LEN, True),
            ("serial_last", serial_last, CarbonCredit.SERIAL_MAX_LEN, True),
            ("evidence", evidence, CarbonCredit.EVIDENCE_MAX_LEN, False),
        )
    }
    vintage = check_year(errors, "vintage_year", vintage_year)
    applied = check_year(errors, "applied_year", applied_year)
    tonnes = check_whole(errors, "co2e_t", co2e_t, CREDITS_T)
    _check_retired_on(errors, retired_on, vintage, today or utcnow().date())
    _check_serials(
        errors, code, texts["serial_first"], texts["serial_last"], tonnes, credit_id=credit_id
    )
    if errors:
        raise ValidationFailed(errors)
    return {
        **texts,
        "standard": code,
        "vintage_year": vintage,
        "applied_year": applied,
        "co2e_t": tonnes,
        "retired_on": retired_on,
    }


# --- writes -----------------------------------------------------------------------------------


def _summary(credit: CarbonCredit) -> str:
    return (
        f"{credit.co2e_t} t of credits ({credit.standard.value}, {credit.project_name}) "
        f"retired {credit.retired_on} for {credit.applied_year}"
    )


def create_credit(*, actor: User | None, **data: Any) -> CarbonCredit:
    """Record a block of credits retired (no emission line: credits are never netted)."""
    require_editor(actor)
    credit = CarbonCredit(**check_credit(**data))
    db.session.add(credit)
    db.session.flush()
    audit.record(
        actor=actor,
        action="credits.credit.created",
        obj=credit,
        summary=_summary(credit),
        changes=audit.diff({}, audit.snapshot(credit, FIELDS)),
    )
    return credit


def update_credit(
    *,
    actor: User | None,
    credit: CarbonCredit,
    expected_version: int | None = None,
    **data: Any,
) -> CarbonCredit:
    """Correct a block of credits; audited with its values before and after."""
    require_editor(actor)
    check_version(credit.version_id, expected_version)
    values = check_credit(**data, credit_id=credit.id)
    changes = audit.apply_changes(credit, values)
    if not changes:
        return credit
    credit.updated_at = utcnow()
    db.session.flush()
    audit.record(
        actor=actor,
        action="credits.credit.updated",
        obj=credit,
        summary=f"Credits {credit.id} changed",
        changes=changes,
    )
    return credit


def delete_credit(*, actor: User | None, credit: CarbonCredit) -> Removal:
    """Remove a block of credits; it can be restored while no other credit holds its serials."""
    require_editor(actor)
    return removals.remove_record(
        actor=actor,
        kind=ACTIVITY_TYPE,
        record=credit,
        action="credits.credit.deleted",
        before=audit.snapshot(credit, FIELDS),
        summary=f"Credits {credit.id} removed: {_summary(credit)}",
    )


def _restore_conflicts(_removal: Removal, ids: list[int]) -> list[str]:
    """The credits recorded since that hold the serials of the credits to restore."""
    serialize(SERIALS_LOCK)
    problems = []
    for credit_id, standard, first, last in removals.rows_of(
        CarbonCredit.id,
        ids,
        CarbonCredit.id,
        CarbonCredit.standard,
        CarbonCredit.serial_first,
        CarbonCredit.serial_last,
    ):
        problems += [
            _(
                "credit %(id)d's serials are held by %(other)s",
                id=credit_id,
                other=_describe(other),
            )
            for other in overlapping_credits(
                standard=standard, serial_first=first, serial_last=last, exclude_id=credit_id
            )
        ]
    return problems


removals.register_kind(
    removals.RemovalKind(
        code=ACTIVITY_TYPE,
        label=_l("Carbon credits retired"),
        roles=(Role.ems,),
        model=CarbonCredit,
        activity_type=ACTIVITY_TYPE,
        conflicts=_restore_conflicts,
        list_endpoint="credits.list_credits",
    )
)


# --- reads ------------------------------------------------------------------------------------


def get_credit(credit_id: int) -> CarbonCredit:
    """The credit with ``credit_id``; NotFound if none (or removed)."""
    credit = db.session.get(CarbonCredit, credit_id)
    if credit is None or credit.removal_id is not None:
        raise NotFound(f"carbon credit {credit_id}")
    return credit


def credits_query(year: int | None = None) -> sa.Select[CarbonCredit]:
    """Credits not removed (applied to ``year``), latest year and retirement first."""
    stmt = sa.select(CarbonCredit).where(CarbonCredit.removal_id.is_(None))
    stmt = stmt.order_by(
        CarbonCredit.applied_year.desc(), CarbonCredit.retired_on.desc(), CarbonCredit.id.desc()
    )
    return stmt.where(CarbonCredit.applied_year == year) if year else stmt


def credit_totals(year: int | None = None) -> tuple[int, int]:
    """How many credit records (of ``year``) there are, and their tonnes."""
    count, tonnes = db.session.execute(
        credits_query(year)
        .order_by(None)
        .with_only_columns(
            sa.func.count(CarbonCredit.id), sa.func.coalesce(sa.func.sum(CarbonCredit.co2e_t), 0)
        )
    ).one()
    return int(count), int(tonnes)


def retired_t_by_year() -> dict[int, int]:
    """Tonnes of credits (not removed) applied to each year."""
    return {
        int(year): int(tonnes)
        for year, tonnes in db.session.execute(
            sa.select(CarbonCredit.applied_year, sa.func.sum(CarbonCredit.co2e_t))
            .where(CarbonCredit.removal_id.is_(None))
            .group_by(CarbonCredit.applied_year)
        )
    }


@dataclass(frozen=True)
class Neutrality:
    """A year's gross emissions beside the credits applied to it."""

    year: int
    #: gross emissions of the boundary compared (grams CO2e; credits never reduce them)
    gross_g: int
    #: credits retired and applied to the year (tonnes CO2e, one per credit)
    credits_t: int

    @property
    def credits_g(self) -> int:
        """The credits in grams CO2e, to compare with the emissions."""
        return self.credits_t * GRAMS_PER_CREDIT

    @property
    def is_neutral(self) -> bool:
        """Climate neutral: credits applied to the year, covering its gross emissions."""
        return self.credits_t > 0 and self.credits_g >= self.gross_g

    @property
    def shortfall_g(self) -> int:
        """Grams CO2e not covered by credits (0 when neutral)."""
        return max(self.gross_g - self.credits_g, 0)


def neutrality_by_year(gross_g_by_year: Mapping[int, int]) -> dict[int, Neutrality]:
    """Each year's neutrality, from its gross emissions (of the boundary the caller states)."""
    retired = retired_t_by_year()
    return {
        year: Neutrality(year=year, gross_g=gross, credits_t=retired.get(year, 0))
        for year, gross in gross_g_by_year.items()
    }


EXPORT_HEADER = [
    "credit",
    "standard",
    "standard_label",
    "project_name",
    "project_id",
    "vintage_year",
    "serial_first",
    "serial_last",
    "co2e_t",
    "retired_on",
    "applied_year",
    "evidence",
]


def export_rows(year: int | None = None) -> list[list[object]]:
    """The credits (of ``year``), header first, for CSV or XLSX."""
    rows: list[list[object]] = [list(EXPORT_HEADER)]
    for credit in db.session.scalars(credits_query(year)):
        rows.append(
            [
                credit.id,
                credit.standard.value,
                labels.label("credit_standard", credit.standard),
                credit.project_name,
                credit.project_id,
                credit.vintage_year,
                credit.serial_first,
                credit.serial_last,
                credit.co2e_t,
                credit.retired_on.isoformat(),
                credit.applied_year,
                credit.evidence,
            ]
        )
    return rows
