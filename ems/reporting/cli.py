"""`ems report YEAR --out FILE.pdf [--draft] [--language CODE]`: issue a year's report (or write
a draft), in one of the six languages."""

from __future__ import annotations

from pathlib import Path

import click
from flask_babel import gettext as _

from ems import formatting, languages
from ems.errors import Conflict, ValidationFailed
from ems.extensions import db
from ems.jobs.cli import ProgressBar
from ems.reporting import services


@click.command("report")
@click.argument("year", type=int)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--draft", is_flag=True, help="Write a draft (marked DRAFT) without issuing it.")
@click.option("--note", default="", help="Why this version is issued (for a re-issue).")
@click.option(
    "--language",
    type=click.Choice(languages.CODES),
    default=None,
    help="The report's language (default: the organisation's report language).",
)
def report_command(year: int, out: Path, draft: bool, note: str, language: str | None) -> None:
    """Issue YEAR's annual report as its next version and write the PDF to --out."""
    if draft:
        content = services.draft_pdf(year, language)
        out.write_bytes(content)
        click.echo(
            _(
                "Draft of %(year)d written to %(path)s (%(size)s bytes).",
                year=year,
                path=out,
                size=formatting.number(len(content)),
            )
        )
        return
    try:
        with ProgressBar(_("Issuing")) as progress:
            report = services.issue_report(
                actor=None, year=year, note=note, language=language, progress=progress
            )
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
        raise click.ClickException(
            _("%(path)s: %(error)s; nothing was issued.", path=out, error=exc.strerror or exc)
        ) from None
    try:
        db.session.commit()
    except Exception:
        out.unlink(missing_ok=True)
        raise
    click.echo(
        _(
            "Issued %(identifier)s: %(path)s (%(size)s bytes, SHA-256 %(sha256)s).",
            identifier=report.identifier,
            path=out,
            size=formatting.number(report.pdf_size_bytes),
            sha256=report.pdf_sha256,
        )
    )
