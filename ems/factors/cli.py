"""`ems factors …`: load the shipped sets, list sets, import a set, show a factor's history."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import ngettext

from ems.errors import NotFound, ValidationFailed
from ems.extensions import db
from ems.factors import services
from ems.tables import ImportFailed

factors_cli = AppGroup("factors", help="Emission-factor sets: load, list, import, history.")


def _fail(exc: ValidationFailed) -> click.ClickException:
    lines = [f"{field}: {message}" if field else message for field, message in exc.errors.items()]
    if isinstance(exc, ImportFailed):
        lines += [str(error) for error in exc.row_errors]
    return click.ClickException("\n".join(lines))


@factors_cli.command("load")
def load_command() -> None:
    """Load the factor sets shipped with ems (idempotent: loaded sets are left alone)."""
    report = services.load_shipped_sets(actor=None)
    db.session.commit()
    # English keeps its plural for one, as before; other languages choose their form
    click.echo(
        ngettext(
            "%(num)d factor sets loaded, %(unchanged)d already there.",
            "%(num)d factor sets loaded, %(unchanged)d already there.",
            len(report.created),
            unchanged=len(report.unchanged),
        )
    )


@factors_cli.command("list")
def list_command() -> None:
    """List every factor set with its provenance."""
    counts = services.factor_counts()
    pins = {factor_set.id for factor_set in services.pins().values()}
    for factor_set in services.list_sets():
        flags = ", ".join(
            flag
            for flag, on in (
                (_("shipped"), factor_set.is_shipped),
                (_("locked"), factor_set.is_locked),
                (_("pinned"), factor_set.id in pins),
            )
            if on
        )
        rows = counts.get(factor_set.id, 0)
        click.echo(
            ngettext(
                "%(code)s  v%(version)s  (%(num)d rows; %(flags)s)",
                "%(code)s  v%(version)s  (%(num)d rows; %(flags)s)",
                rows,
                code=factor_set.code,
                version=factor_set.version,
                flags=flags,
            )
            if flags
            else ngettext(
                "%(code)s  v%(version)s  (%(num)d rows)",
                "%(code)s  v%(version)s  (%(num)d rows)",
                rows,
                code=factor_set.code,
                version=factor_set.version,
            )
        )
        click.echo(f"    {factor_set.title}")
        click.echo("    " + _("publisher: %(publisher)s", publisher=factor_set.publisher))
        click.echo("    " + _("licence:   %(licence)s", licence=factor_set.licence))
        click.echo("    " + _("source:    %(source)s", source=factor_set.source))


@factors_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--family", required=True, help="Series name, e.g. supplier_acme_electricity.")
@click.option("--year", "edition_year", type=int, required=True, help="Edition year.")
@click.option("--version", "set_version", required=True, help="Version of this edition.")
@click.option("--title", required=True)
@click.option("--publisher", required=True)
@click.option("--licence", required=True)
@click.option("--source", required=True, help="Where the values come from.")
@click.option("--notes", default="")
def import_command(
    file: Path,
    family: str,
    edition_year: int,
    set_version: str,
    title: str,
    publisher: str,
    licence: str,
    source: str,
    notes: str,
) -> None:
    """Import a factor set from a CSV FILE (all rows or none)."""
    try:
        factor_set, created = services.import_factor_set(
            actor=None,
            data=file.read_bytes(),
            family=family,
            edition_year=edition_year,
            version=set_version,
            title=title,
            publisher=publisher,
            licence=licence,
            source=source,
            notes=notes,
        )
    except ValidationFailed as exc:
        raise _fail(exc) from None
    db.session.commit()
    if created:
        click.echo(
            ngettext(
                "Imported %(code)s v%(version)s (%(num)d factors).",
                "Imported %(code)s v%(version)s (%(num)d factors).",
                len(factor_set.factors),
                code=factor_set.code,
                version=factor_set.version,
            )
        )
    else:
        click.echo(
            _(
                "%(code)s v%(version)s was already imported with the same values; nothing changed.",
                code=factor_set.code,
                version=factor_set.version,
            )
        )


@factors_cli.command("history")
@click.argument("key")
def history_command(key: str) -> None:
    """Show the factor KEY in every edition, e.g. air/passenger_flight/cabin_class=economy/…"""
    rows = services.factor_history(key)
    if not rows:
        raise click.ClickException(_("No factor with key %(key)s.", key=key))
    for factor in rows:
        click.echo(
            f"{factor.factor_set.code:<28} v{factor.factor_set.version:<8} "
            f"{factor.kgco2e_per_unit} kg CO2e/{factor.unit}"
        )


@factors_cli.command("show")
@click.argument("code")
def show_command(code: str) -> None:
    """Show the factors of the set CODE."""
    try:
        factor_set = services.find_set(code)
    except NotFound:
        raise click.ClickException(_("No factor set %(code)s.", code=code)) from None
    for factor in factor_set.factors:
        click.echo(f"{factor.key}\t{factor.kgco2e_per_unit}")
