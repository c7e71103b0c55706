"""`ems recalc`: recalculate a year's emission lines, showing old and new totals per source.

The command line does the work itself (no queue, no worker), with a progress bar fed by the
same progress callback as the web's background jobs.
"""

from __future__ import annotations

import click

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
    click.echo(
        f"Year {preview.year}: {preview.changed_activities} of {preview.activities} "
        "records would change."
    )
    click.echo(
        f"{'source':<14} {'basis':<11} {'now t CO2e':>14} {'recalculated':>14} {'change':>12}"
    )
    for change in preview.changes:
        click.echo(
            f"{change.source.value:<14} {change.basis or '':<11} "
            f"{_tonnes(change.before_g):>14} {_tonnes(change.after_g):>14} "
            f"{_tonnes(change.change_g):>12}"
        )
    for problem in preview.problems:
        click.echo(f"cannot recalculate: {problem}")


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
            raise click.ClickException(f"No factor set {factor_set_code}.") from None
        overrides[factor_set.family] = factor_set.id
    try:
        with ProgressBar("Recomputing") as progress:
            preview = services.preview_recalculation(
                year=year, overrides=overrides, progress=progress
            )
        print_preview(preview)
        if dry_run:
            return
        if not reason:
            raise click.ClickException(
                "Give a --reason to apply the recalculation (or use --dry-run)."
            )
        with ProgressBar("Applying") as progress:
            recalculation = services.apply_recalculation(
                actor=None, year=year, reason=reason, overrides=overrides, progress=progress
            )
    except ValidationFailed as exc:
        raise click.ClickException("; ".join(exc.errors.values())) from None
    db.session.commit()
    click.echo(f"Applied as recalculation #{recalculation.id}; the previous lines are kept.")
