"""`ems recalc`: recalculate a year's emission lines, showing old and new totals per source.

The command line does the work itself (no queue, no worker), with a progress bar fed by the
same progress callback as the web's background jobs.
"""

from __future__ import annotations

import click
from flask_babel import gettext as _
from flask_babel import ngettext

from ems.errors import NotFound, ValidationFailed
from ems.extensions import db
from ems.factors import services as factors
from ems.jobs.cli import ProgressBar
from ems.ledger import services
from ems.ledger.services import RecalculationPreview


def _tonnes(grams: int) -> str:
    return f"{grams / 1_000_000:,.3f}"


def print_preview(preview: RecalculationPreview) -> None:
    """The per-source table of a recalculation."""
    # English keeps its plural for one, as before; other languages choose their form
    click.echo(
        ngettext(
            "Year %(year)d: %(changed)d of %(num)d records would change.",
            "Year %(year)d: %(changed)d of %(num)d records would change.",
            preview.activities,
            year=preview.year,
            changed=preview.changed_activities,
        )
    )
    # the column headers; the rows are data
    source, basis, now = _("source"), _("basis"), _("now t CO2e")
    recalculated, change = _("recalculated"), _("change")
    click.echo(f"{source:<14} {basis:<11} {now:>14} {recalculated:>14} {change:>12}")
    for change in preview.changes:
        click.echo(
            f"{change.source.value:<14} {change.basis or '':<11} "
            f"{_tonnes(change.before_g):>14} {_tonnes(change.after_g):>14} "
            f"{_tonnes(change.change_g):>12}"
        )
    for problem in preview.problems:
        click.echo(_("cannot recalculate: %(problem)s", problem=problem))


@click.command("recalc")
@click.option("--year", type=int, required=True, help="The year to recalculate.")
@click.option(
    "--factor-set",
    "factor_set_code",
    help="Use this set (code) for its whole family instead of the selection rule.",
)
@click.option("--dry-run", is_flag=True, help="Only show what would change.")
@click.option("--reason", help="Why (required to apply): kept with the restatement.")
def recalc_command(
    year: int, factor_set_code: str | None, dry_run: bool, reason: str | None
) -> None:
    """Recalculate YEAR's figures with today's factors; the previous figures are kept."""
    overrides = {}
    if factor_set_code:
        try:
            factor_set = factors.find_set(factor_set_code)
        except NotFound:
            raise click.ClickException(_("No factor set %(code)s.", code=factor_set_code)) from None
        overrides[factor_set.family] = factor_set.id
    try:
        with ProgressBar(_("Recomputing")) as progress:
            preview = services.preview_recalculation(
                year=year, overrides=overrides, progress=progress
            )
        print_preview(preview)
        if dry_run:
            return
        if not reason:
            raise click.ClickException(
                _("Give a --reason to apply the recalculation (or use --dry-run).")
            )
        with ProgressBar(_("Applying")) as progress:
            recalculation = services.apply_recalculation(
                actor=None, year=year, reason=reason, overrides=overrides, progress=progress
            )
    except ValidationFailed as exc:
        raise click.ClickException("; ".join(exc.errors.values())) from None
    db.session.commit()
    click.echo(
        _(
            "Applied as recalculation #%(id)d; the previous lines are kept.",
            id=recalculation.id,
        )
    )
