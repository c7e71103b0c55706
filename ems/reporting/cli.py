"""`ems report YEAR --out FILE.pdf [--draft]`: issue a year's report (or write a draft)."""

from __future__ import annotations

from pathlib import Path

import click

from ems.errors import Conflict, ValidationFailed
from ems.extensions import db
from ems.jobs.cli import ProgressBar
from ems.reporting import services


@click.command("report")
@click.argument("year", type=int)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--draft", is_flag=True, help="Write a draft (marked DRAFT) without issuing it.")
@click.option("--note", default="", help="Why this version is issued (for a re-issue).")
def report_command(year: int, out: Path, draft: bool, note: str) -> None:
    """Issue YEAR's annual report as its next version and write the PDF to --out."""
    if draft:
        content = services.draft_pdf(year)
        out.write_bytes(content)
        click.echo(f"Draft of {year} written to {out} ({len(content):,} bytes).")
        return
    try:
        with ProgressBar("Issuing") as progress:
            report = services.issue_report(actor=None, year=year, note=note, progress=progress)
    except ValidationFailed as exc:
        db.session.rollback()
        raise click.ClickException(
            "; ".join(
                f"{name}: {message}" if name else message for name, message in exc.errors.items()
            )
        ) from exc
    except Conflict as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    try:  # the file first: an issue whose PDF could not be written is not made
        out.write_bytes(report.pdf)
    except OSError as exc:
        db.session.rollback()
        raise click.ClickException(f"{out}: {exc.strerror or exc}; nothing was issued.") from None
    try:
        db.session.commit()
    except Exception:
        out.unlink(missing_ok=True)
        raise
    click.echo(
        f"Issued {report.identifier}: {out} ({report.pdf_size_bytes:,} bytes, "
        f"SHA-256 {report.pdf_sha256})."
    )
