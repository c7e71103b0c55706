"""`ems import travel|energy|purchases FILE`: the same checks and rules as the web import."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from ems.errors import ValidationFailed
from ems.extensions import db
from ems.imports import MAX_REPORTED_ERRORS, ImportFailed
from ems.imports import services as imports
from ems.imports.models import ImportBatch
from ems.org import services as org

import_cli = AppGroup("import", help="Import activity data from files (CSV or XLSX).")

#: how the figures of each kind are named on the command line
FIGURE_NAMES = {
    "with_rf": "with RF",
    "without_rf": "without RF",
    "location": "location-based",
    "market": "market-based",
    "total": "total",
}


def run_import(importer: imports.Importer, file: Path, *, dry_run: bool) -> None:
    """Import FILE with ``importer`` (all rows or none) and say what happened."""
    data = file.read_bytes()
    rows = data.count(b"\n") or 1
    try:
        with click.progressbar(length=rows, label="Checking and computing", file=sys.stderr) as bar:
            result = imports.import_file(
                importer,
                actor=None,
                data=data,
                filename=file.name,
                dry_run=dry_run,
                on_progress=bar.update,
            )
    except ImportFailed as exc:
        for error in exc.row_errors[:MAX_REPORTED_ERRORS]:
            click.echo(str(error), err=True)
        raise click.ClickException("; ".join(exc.errors.values())) from None
    except ValidationFailed as exc:
        raise click.ClickException("; ".join(exc.errors.values())) from None
    if result.already_imported:
        batch_id = result.batch.id if result.batch else "?"
        click.echo(f"{file.name} was imported before (batch #{batch_id}); nothing changed.")
        return
    if not dry_run:
        db.session.commit()
    figures = ", ".join(
        f"{grams / 1_000_000:,.3f} t CO2e {FIGURE_NAMES.get(name, name)}"
        for name, grams in result.co2e_g.items()
    )
    verb = "would import" if dry_run else "imported"
    click.echo(
        f"{file.name}: {verb} {result.created} {importer.noun} from {result.rows} rows"
        f"{f' ({figures})' if figures else ''}; {len(result.skipped)} already recorded."
    )


FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
DRY_RUN = click.option(
    "--dry-run", is_flag=True, help="Check every row and show what would be imported."
)


@import_cli.command("travel")
@click.argument("file", type=FILE)
@DRY_RUN
def import_travel_command(file: Path, dry_run: bool) -> None:
    """Import a travel agency export: all rows or none."""
    run_import(imports.importers()["travel"], file, dry_run=dry_run)


@import_cli.command("purchases")
@click.argument("file", type=FILE)
@DRY_RUN
def import_purchases_command(file: Path, dry_run: bool) -> None:
    """Import the finance system's export of purchases: all rows or none."""
    run_import(imports.importers()["procurement"], file, dry_run=dry_run)


@import_cli.command("energy")
@click.argument("file", type=FILE)
@DRY_RUN
def import_energy_command(file: Path, dry_run: bool) -> None:
    """Import utility bills and meter readings: all rows or none."""
    run_import(imports.importers()["energy"], file, dry_run=dry_run)


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
        raise click.ClickException(f"No import #{batch_id}.")
    preview = imports.preview_removal(importer, batch)
    closed = sorted(org.closed_years().intersection(preview.years))
    if closed:  # say so before asking
        raise click.ClickException(
            f"{batch.filename}: {', '.join(map(str, closed))} closed; its records cannot be "
            "removed until the year is reopened."
        )
    if not yes:
        click.confirm(f"Remove {batch.filename}: {describe(preview)}?", abort=True)
    try:
        removal = imports.remove_batch(importer, actor=None, batch=batch)
    except ValidationFailed as exc:
        raise click.ClickException("; ".join(exc.errors.values())) from None
    db.session.commit()
    if removal is None:
        click.echo(f"{batch.filename}: checked file discarded.")
    else:
        click.echo(
            f"{batch.filename}: removed with its {removal.record_count} {importer.noun} "
            f"(removal #{removal.id}; `ems removals restore {removal.id}` brings them back)."
        )
