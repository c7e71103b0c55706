"""`ems demo load [--if-empty] [--in-background]` and `ems demo accounts`: the demo organisation."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from ems import formatting
from ems.auth import services as auth
from ems.demo import generator, services
from ems.errors import ValidationFailed
from ems.extensions import db, read_only
from ems.jobs import queue
from ems.jobs.cli import ProgressBar
from ems.targets import services as targets

demo_cli = AppGroup("demo", help="The demo organisation: load it, show its accounts.")


def _echo_accounts() -> None:
    click.echo("  " + _("Demo accounts, one per role (a password changed since stays changed):"))
    for account in services.DEMO_ACCOUNTS:
        user = auth.find_user(account.email)
        state = "" if user is None or user.is_active else "  " + _("(deactivated)")
        click.echo(
            "    "
            + _(
                "%(email)s password: %(password)s   role: %(role)s%(state)s",
                email=f"{account.email:<25}",
                password=services.DEMO_PASSWORD,
                role=account.role.label,
                state=state,
            )
        )


@demo_cli.command("load")
@click.option(
    "--if-empty",
    is_flag=True,
    help="On a database that is not empty, say so and succeed instead of refusing.",
)
@click.option(
    "--in-background",
    is_flag=True,
    help="Queue the load for the worker (ems worker) and return at once; the sign-in page "
    "shows how far it got.",
)
@click.option("--seed", type=int, default=generator.SEED, show_default=True, hidden=True)
def load_command(if_empty: bool, in_background: bool, seed: int) -> None:
    """Load the demo organisation into an empty database (refused on a database with data)."""
    started = time.monotonic()
    try:
        # refused before the write lock is asked for: on SQLite a running load holds it
        read_only()
        services.check_can_load()
        db.session.rollback()
        if in_background:
            job_id = services.queue_load(seed=seed).id
        else:
            with ProgressBar("  " + _("Loading the demo organisation")) as bar:
                result = services.load_demo(seed=seed, progress=bar)
    except ValidationFailed as exc:
        db.session.rollback()
        message = "; ".join(exc.errors.values())
        if if_empty:
            click.echo(_("Demo not loaded: %(reason)s", reason=message))
            return
        raise click.ClickException(message) from None
    db.session.commit()
    if in_background:
        queue.enqueue(job_id)
        click.echo(
            _(
                "Demo organisation queued: job %(id)d loads it in the worker; the sign-in page "
                "shows how far it got.",
                id=job_id,
            )
        )
        return
    seconds = time.monotonic() - started
    click.echo(
        "\n  "
        + _(
            "Demo organisation “%(name)s” loaded in %(seconds)s s.",
            name=generator.ORGANISATION_NAME,
            seconds=f"{seconds:.0f}",
        )
    )
    _echo_accounts()
    path = targets.trajectory(targets.main_target())
    on_track = {year.year: year.on_track for year in path.years} if path else {}
    baseline = path.baseline.year if path else None
    click.echo("  " + _("Greening-the-Blue totals (t CO2e):"))
    for year, grams in result.gtb_totals_g.items():
        flag = (
            _("baseline")
            if year == baseline
            else {True: _("on track"), False: _("off track"), None: _("no target")}[
                on_track.get(year)
            ]
        )
        legs, bookings = result.flight_legs.get(year, 0), result.bookings.get(year, 0)
        click.echo(
            "    "
            + _(
                "%(year)d  %(tonnes)s  (%(status)s; %(flights)s flights in %(bookings)s bookings)",
                year=year,
                tonnes=f"{grams / 1_000_000:>9,.1f}",
                status=flag,
                flights=formatting.number(legs),
                bookings=formatting.number(bookings),
            )
        )
    click.echo("")


@demo_cli.command("accounts")
def accounts_command() -> None:
    """Print the demo accounts, if the demo organisation is loaded or being loaded."""
    read_only()
    if not services.demo_loaded():
        loading = services.load_in_progress()
        if loading is None:
            click.echo(_("The demo organisation is not loaded."))
            return
        click.echo(
            "\n  "
            + _(
                "The demo organisation is being loaded by the worker (job %(id)d); "
                "its accounts can log in once it is done.",
                id=loading.id,
            )
        )
    click.echo("")
    _echo_accounts()
    click.echo("")
