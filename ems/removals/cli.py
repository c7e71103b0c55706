"""`ems removals list|restore`: what was removed, and bringing it back."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import ngettext

from ems.errors import NotFound, ValidationFailed
from ems.extensions import db
from ems.formatting import co2e
from ems.removals import services

removals_cli = AppGroup("removals", help="Removed trips, records and imports; restore them.")


def describe(preview: services.RemovalPreview) -> str:
    """'3 records, 12.4 t CO2e (2024, 2025)'."""
    years = ", ".join(str(year) for year in preview.years) or _("no year")
    # English keeps its plural for one, as before; other languages choose their form
    return ngettext(
        "%(num)d records, %(co2e)s CO2e (%(years)s)",
        "%(num)d records, %(co2e)s CO2e (%(years)s)",
        preview.records,
        co2e=co2e(preview.co2e_g),
        years=years,
    )


@removals_cli.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include removals already restored.")
def list_command(show_all: bool) -> None:
    """Removals, newest first: id, when, what, records, t CO2e, years."""
    for removal in db.session.scalars(services.removals_query()):
        if removal.is_restored and not show_all:
            continue
        state = f"restored {removal.restored_at:%Y-%m-%d}" if removal.restored_at else "removed"
        click.echo(
            f"#{removal.id}\t{removal.removed_at:%Y-%m-%d %H:%M}\t{removal.kind}\t"
            f"{removal.summary}\t{removal.record_count} records\t"
            f"{co2e(removal.co2e_g)}\t{','.join(map(str, removal.years))}\t{state}"
        )


@removals_cli.command("restore")
@click.argument("removal_id", type=click.IntRange(1, 2**31 - 1))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(removal_id: int, yes: bool) -> None:
    """Bring back the records of removal REMOVAL_ID with the figures they had."""
    try:
        removal = services.get_removal(removal_id)
    except NotFound:
        raise click.ClickException(_("No removal #%(id)d.", id=removal_id)) from None
    if not yes:
        click.confirm(
            ngettext(
                "Restore %(summary)s (%(num)d records)?",
                "Restore %(summary)s (%(num)d records)?",
                removal.record_count,
                summary=removal.summary,
            ),
            abort=True,
        )
    try:
        services.restore(actor=None, removal=removal)
    except ValidationFailed as exc:
        raise click.ClickException("; ".join(exc.errors.values())) from None
    db.session.commit()
    click.echo(_("Restored: %(summary)s.", summary=removal.summary))
