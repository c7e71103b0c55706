"""`ems import travel|energy|purchases FILE`: the same checks and rules as the web import."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from ems.errors import ValidationFailed
from ems.extensions import db
from ems.imports import MAX_REPORTED_ERRORS, ImportFailed
from ems.imports import services as imports
from ems.imports.models import ImportBatch
from ems.org import services as org

import_cli = AppGroup("import", help="Import activity data from files (CSV, TSV, XLSX or ODS).")

#: how the figures of each kind are named on the command line
#: the records of each importer as people read them (its ``noun`` is the audit trail's word)
RECORD_NOUNS = {
    "trips": _l("trips"),
    "energy records": _l("energy records"),
    "purchases": _l("purchases"),
    "waste records": _l("waste records"),
    "water records": _l("water records"),
}
FIGURE_NAMES = {
    "with_rf": _l("with RF"),
    "without_rf": _l("without RF"),
    "location": _l("location-based"),
    "market": _l("market-based"),
    "total": _l("total"),
    "fuels_heat_losses": _l("fuels, heat and T&D losses"),
}


def describe_reading(result: imports.ImportResult) -> list[str]:
    """How the file was read, in lines for the terminal: the mapping, the columns ignored, the
    total rows skipped and the values translated."""
    lines = []
    if result.mapping is not None:
        lines.append(
            _(
                "Columns read with profile “%(profile)s”: %(mapping)s",
                profile=result.mapping.profile,
                mapping=result.mapping.describe(),
            )
            if result.mapping.profile
            else _(
                "Columns read with the proposed mapping (every required column recognised): "
                "%(mapping)s",
                mapping=result.mapping.describe(),
            )
        )
    if result.ignored_columns:
        lines.append(_("Columns ignored: %(columns)s", columns=", ".join(result.ignored_columns)))
    if result.skipped_rows:
        lines.append(
            _(
                "Rows skipped as totals, notes or the header repeated: %(rows)s",
                rows=", ".join(map(str, result.skipped_rows)),
            )
        )
    lines += [_("Read: %(note)s", note=note) for note in result.value_notes]
    return lines


def _clash() -> click.ClickException:
    """Another import wrote some of the same records at the same moment (its transaction
    committed first): this one wrote nothing."""
    db.session.rollback()
    return click.ClickException(
        _(
            "Another import recorded some of the same records at the same moment; nothing was "
            "imported. Run the import again: what is recorded now is skipped."
        )
    )


def run_import(
    importer: imports.Importer, file: Path, *, dry_run: bool, profile: str | None = None
) -> None:
    """Import FILE with ``importer`` (all rows or none) and say what happened."""
    data = file.read_bytes()
    rows = data.count(b"\n") or 1
    try:
        with click.progressbar(
            length=rows, label=_("Checking and computing"), file=sys.stderr
        ) as bar:
            result = imports.import_file(
                importer,
                actor=None,
                data=data,
                filename=file.name,
                dry_run=dry_run,
                on_progress=bar.update,
                profile=profile,
            )
    except ImportFailed as exc:
        for error in exc.row_errors[:MAX_REPORTED_ERRORS]:
            click.echo(str(error), err=True)
        raise click.ClickException("; ".join(exc.errors.values())) from None
    except ValidationFailed as exc:
        raise click.ClickException("; ".join(exc.errors.values())) from None
    except sa.exc.IntegrityError:
        raise _clash() from None
    if result.already_imported:
        batch_id = result.batch.id if result.batch else "?"
        click.echo(
            _(
                "%(file)s was imported before (batch #%(batch)s); nothing changed.",
                file=file.name,
                batch=batch_id,
            )
        )
        return
    if not dry_run:
        try:
            db.session.commit()
        except sa.exc.IntegrityError:
            raise _clash() from None
    for line in describe_reading(result):
        click.echo(line)
    figures = ", ".join(
        _(
            "%(tonnes)s t CO2e %(figure)s",
            tonnes=f"{grams / 1_000_000:,.3f}",
            figure=FIGURE_NAMES.get(name, name),
        )
        for name, grams in result.co2e_g.items()
    )
    counts = {
        "file": file.name,
        "created": result.created,
        "noun": RECORD_NOUNS.get(importer.noun, importer.noun),
        "rows": result.rows,
        "figures": f" ({figures})" if figures else "",
        "changed": len(result.changed),
        "cancelled": len(result.cancelled),
        "skipped": len(result.skipped),
    }
    click.echo(
        _(
            "%(file)s: would import %(created)d %(noun)s from %(rows)d rows%(figures)s; "
            "%(changed)d changed, %(cancelled)d cancelled, %(skipped)d unchanged (already "
            "recorded).",
            **counts,
        )
        if dry_run
        else _(
            "%(file)s: imported %(created)d %(noun)s from %(rows)d rows%(figures)s; "
            "%(changed)d changed, %(cancelled)d cancelled, %(skipped)d unchanged (already "
            "recorded).",
            **counts,
        )
    )


FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
DRY_RUN = click.option(
    "--dry-run", is_flag=True, help="Check every row and show what would be imported."
)
PROFILE = click.option(
    "--profile",
    metavar="NAME",
    help="Read the file's columns with this saved profile (see `ems import profiles list`).",
)


@import_cli.command("travel")
@click.argument("file", type=FILE)
@DRY_RUN
@PROFILE
def import_travel_command(file: Path, dry_run: bool, profile: str | None) -> None:
    """Import a travel agency export: all rows or none."""
    run_import(imports.importers()["travel"], file, dry_run=dry_run, profile=profile)


@import_cli.command("purchases")
@click.argument("file", type=FILE)
@DRY_RUN
@PROFILE
def import_purchases_command(file: Path, dry_run: bool, profile: str | None) -> None:
    """Import the finance system's export of purchases: all rows or none."""
    run_import(imports.importers()["procurement"], file, dry_run=dry_run, profile=profile)


@import_cli.command("energy")
@click.argument("file", type=FILE)
@DRY_RUN
@PROFILE
def import_energy_command(file: Path, dry_run: bool, profile: str | None) -> None:
    """Import utility bills and meter readings: all rows or none."""
    run_import(imports.importers()["energy"], file, dry_run=dry_run, profile=profile)


@import_cli.command("waste")
@click.argument("file", type=FILE)
@DRY_RUN
@PROFILE
def import_waste_command(file: Path, dry_run: bool, profile: str | None) -> None:
    """Import a waste contractor's report of the sites' waste: all rows or none."""
    run_import(imports.importers()["waste"], file, dry_run=dry_run, profile=profile)


@import_cli.command("water")
@click.argument("file", type=FILE)
@DRY_RUN
@PROFILE
def import_water_command(file: Path, dry_run: bool, profile: str | None) -> None:
    """Import the sites' water bills and meter readings: all rows or none."""
    run_import(imports.importers()["water"], file, dry_run=dry_run, profile=profile)


@import_cli.command("list")
def list_command() -> None:
    """Imported files, newest first: batch id, kind, status, file, records, by whom."""
    for kind, _importer in sorted(imports.importers().items()):
        for batch in imports.list_batches(kind):
            when = (batch.imported_at or batch.created_at).strftime("%Y-%m-%d %H:%M")
            click.echo(
                f"#{batch.id}	{kind}	{batch.status}	{when}	{batch.filename}	"
                f"{batch.created_count} records	{batch.user_label}"
            )


@import_cli.command("remove")
@click.argument("batch_id", type=click.IntRange(1, 2**31 - 1))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def remove_command(batch_id: int, yes: bool) -> None:
    """Remove import BATCH_ID with its records (restorable: `ems removals restore`)."""
    from ems.removals.cli import describe

    batch = db.session.get(ImportBatch, batch_id)
    importer = imports.importers().get(batch.kind) if batch is not None else None
    if batch is None or importer is None:
        raise click.ClickException(_("No import #%(id)d.", id=batch_id))
    preview = imports.preview_removal(importer, batch)
    closed = sorted(org.closed_years().intersection(preview.years))
    if closed:  # say so before asking
        raise click.ClickException(
            _(
                "%(file)s: %(years)s closed; its records cannot be removed until the year is "
                "reopened.",
                file=batch.filename,
                years=", ".join(map(str, closed)),
            )
        )
    if not yes:
        click.confirm(
            _("Remove %(file)s: %(what)s?", file=batch.filename, what=describe(preview)),
            abort=True,
        )
    try:
        removal = imports.remove_batch(importer, actor=None, batch=batch)
    except ValidationFailed as exc:
        raise click.ClickException("; ".join(exc.errors.values())) from None
    db.session.commit()
    if removal is None:
        click.echo(_("%(file)s: checked file discarded.", file=batch.filename))
    else:
        click.echo(
            _(
                "%(file)s: removed with its %(count)d %(noun)s (removal #%(id)d; "
                "`ems removals restore %(id)d` brings them back).",
                file=batch.filename,
                count=removal.record_count,
                noun=RECORD_NOUNS.get(importer.noun, importer.noun),
                id=removal.id,
            )
        )


profiles_cli = AppGroup("profiles", help="Saved file layouts (column mappings) of the imports.")
import_cli.add_command(profiles_cli)
#: the kinds of import, as `ems import` names them ("purchases" is the procurement import)
KIND = click.Choice(["travel", "energy", "procurement", "purchases"])
KIND_NAMES = {"purchases": "procurement"}


@profiles_cli.command("list")
def profiles_list_command() -> None:
    """Saved profiles: kind, name, columns, last change."""
    for profile in imports.list_profiles():
        click.echo(
            f"{profile.kind}\t{profile.name}\t{len(profile.columns)} columns\t"
            f"{profile.updated_at:%Y-%m-%d %H:%M}\t{profile.updated_by_label}"
        )


@profiles_cli.command("show")
@click.argument("kind", type=KIND)
@click.argument("name")
def profiles_show_command(kind: str, name: str) -> None:
    """Show profile NAME of KIND: its columns, value mappings and formats."""
    try:
        data = imports.export_profiles(KIND_NAMES.get(kind, kind), name)
    except ValidationFailed as exc:
        raise click.ClickException("; ".join(exc.errors.values())) from None
    click.echo(json.dumps(data["profiles"][0], ensure_ascii=False, indent=2))


@profiles_cli.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option("--kind", type=KIND, help="Only the profiles of this kind of import.")
def profiles_export_command(file: Path | None, kind: str | None) -> None:
    """Write the profiles as JSON to FILE (or standard output), for another installation."""
    chosen = KIND_NAMES.get(kind, kind) if kind else None
    text = json.dumps(imports.export_profiles(chosen), ensure_ascii=False, indent=2) + "\n"
    if file is None:
        click.echo(text, nl=False)
    else:
        file.write_text(text, encoding="utf-8")
        click.echo(_("Profiles written to %(path)s.", path=file), err=True)


@profiles_cli.command("import")
@click.argument("file", type=FILE)
def profiles_import_command(file: Path) -> None:
    """Save the profiles of a JSON export (all of them or none; same names are replaced)."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise click.ClickException(
            _("%(file)s is not JSON: %(error)s", file=file.name, error=exc)
        ) from None
    try:
        saved = imports.load_profiles(actor=None, data=data)
    except ValidationFailed as exc:
        raise click.ClickException("; ".join(exc.errors.values())) from None
    db.session.commit()
    # English keeps its plural for one, as before; other languages choose their form
    click.echo(
        ngettext(
            "%(num)d profiles saved: %(names)s",
            "%(num)d profiles saved: %(names)s",
            len(saved),
            names=", ".join(p.name for p in saved),
        )
    )


@profiles_cli.command("delete")
@click.argument("kind", type=KIND)
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def profiles_delete_command(kind: str, name: str, yes: bool) -> None:
    """Delete profile NAME of KIND; its JSON is printed, to import it again if need be."""
    try:
        profile = imports.get_profile(KIND_NAMES.get(kind, kind), name)
    except ValidationFailed as exc:
        raise click.ClickException("; ".join(exc.errors.values())) from None
    if not yes:
        click.confirm(
            _(
                "Delete the %(kind)s profile “%(name)s”? Later files of its layout will be "
                "mapped again",
                kind=profile.kind,
                name=profile.name,
            ),
            abort=True,
        )
    kept = imports.delete_profile(actor=None, profile=profile)
    db.session.commit()
    click.echo(json.dumps(kept, ensure_ascii=False, indent=2))
    click.echo(
        _(
            "Profile “%(name)s” deleted; the JSON above brings it back "
            "(`ems import profiles import FILE`).",
            name=profile.name,
        ),
        err=True,
    )
