"""Which IPCC GWP edition each year's figures are on, read from the factor sets of the year's
current lines that converted a gas by its GWP (refrigerant leaks), so that a page comparing years
can say when they are not on one edition (after the organisation changed its edition, until the
years are recalculated). Read-only."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from ems.extensions import db
from ems.factors.models import EmissionFactor, FactorSet
from ems.factors.services import GWP_FAMILY
from ems.ledger.models import EmissionLine
from ems.org.services import get_organisation


def edition_label(report: str) -> str:
    """An IPCC report as people write it: "ar5" → "AR5"."""
    return report.upper()


def years_text(years: list[int]) -> str:
    """Years as people write them: runs of three or more shortened, 2010, 2018–2021, 2023."""
    parts: list[str] = []
    run: list[int] = []
    for year in [*sorted(years), None]:
        if run and (year is None or year != run[-1] + 1):
            parts += [f"{run[0]}–{run[-1]}"] if len(run) > 2 else [str(y) for y in run]
            run = []
        if year is not None:
            run.append(year)
    return ", ".join(parts)


@dataclass(frozen=True)
class GwpEditions:
    """The organisation's GWP edition, and the editions of each year's current GWP lines."""

    organisation: str
    #: year → the editions ("ar4", "ar5", "ar6") its current GWP lines use; years without any
    #: such line are left out (they need no mark)
    by_year: dict[int, tuple[str, ...]] = field(default_factory=dict)

    @property
    def other_years(self) -> list[int]:
        """Years with figures on another edition than the organisation's."""
        return sorted(y for y, eds in self.by_year.items() if eds != (self.organisation,))

    @property
    def mixed(self) -> bool:
        """Whether some year's figures are not on the organisation's edition."""
        return bool(self.other_years)

    def label(self, year: int) -> str | None:
        """What to print beside the year's figure while editions are mixed ("AR5", or
        "AR4 + AR5" for a year on two); None when there is nothing to say."""
        editions = self.by_year.get(year)
        if not self.mixed or not editions:
            return None
        return " + ".join(edition_label(e) for e in editions)

    def groups(self) -> list[tuple[str, list[int]]]:
        """(label, years) of each edition (or mix of editions) found, the organisation's last."""
        found: dict[tuple[str, ...], list[int]] = {}
        for year, editions in sorted(self.by_year.items()):
            found.setdefault(editions, []).append(year)
        ordered = sorted(found.items(), key=lambda item: (item[0] == (self.organisation,), item[0]))
        return [(" + ".join(edition_label(e) for e in eds), years) for eds, years in ordered]

    def message(self) -> str | None:
        """One sentence saying which edition each year is on, while they are mixed."""
        if not self.mixed:
            return None
        return _(
            "Refrigerant figures are on different IPCC GWP editions: %(groups)s. The "
            "organisation's edition is %(edition)s; years on another edition compare with it only "
            "once they are recalculated.",
            groups="; ".join(
                _("%(years)s on %(edition)s", years=years_text(years), edition=label)
                for label, years in self.groups()
            ),
            edition=edition_label(self.organisation),
        )

    def as_json(self) -> dict[str, object]:
        """For a report's snapshot."""
        return {
            "organisation": edition_label(self.organisation),
            "by_year": {
                str(y): [edition_label(e) for e in eds] for y, eds in sorted(self.by_year.items())
            },
            "mixed": self.mixed,
            "message": self.message(),
        }


def editions() -> GwpEditions:
    """The organisation's GWP edition and the editions of every year's current GWP lines (two
    small queries: the GWP factors, then the years and factors of the lines using them)."""
    set_of = dict(
        db.session.execute(
            sa.select(EmissionFactor.id, FactorSet.code)
            .join(FactorSet, EmissionFactor.factor_set_id == FactorSet.id)
            .where(FactorSet.family == GWP_FAMILY)
        ).all()
    )
    by_year: dict[int, set[str]] = {}
    if set_of:
        for year, factor_id in db.session.execute(
            sa.select(EmissionLine.year, EmissionLine.factor_id)
            .distinct()
            .where(EmissionLine.factor_id.in_(set_of), EmissionLine.superseded_at.is_(None))
        ):
            by_year.setdefault(year, set()).add(set_of[factor_id].removeprefix("ipcc-gwp-"))
    return GwpEditions(
        organisation=get_organisation().gwp_report,
        by_year={year: tuple(sorted(eds)) for year, eds in sorted(by_year.items())},
    )
