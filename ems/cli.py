"""The `ems` command line: Flask's commands (run, db …) plus ours."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup
from flask_babel import gettext as _

from ems.auth import services as auth
from ems.auth.models import Role
from ems.errors import ValidationFailed
from ems.extensions import db, read_only

DEFAULT_ADMIN_EMAIL = "admin@example.org"


def _create_app() -> Flask:
    from ems import create_app

    return create_app()


cli = FlaskGroup(
    create_app=_create_app, help="ems: greenhouse-gas inventory, targets and corrective actions."
)


def main() -> None:
    """Entry point of the `ems` console script."""
    cli.main(prog_name="ems")


def _fail(exc: ValidationFailed) -> click.ClickException:
    return click.ClickException(
        "; ".join(
            f"{field}: {message}" if field else message for field, message in exc.errors.items()
        )
    )


@click.command("create-user")
@click.argument("email")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([role.value for role in Role]),
    help="A role to grant; repeat for several.",
)
@click.option("--name", help="Display name (default: the part of the email before @).")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input.",
)
@click.option(
    "--temporary", is_flag=True, help="The user must choose a new password at first login."
)
def create_user_command(
    email: str, roles: tuple[str, ...], name: str | None, password_stdin: bool, temporary: bool
) -> None:
    """Create an account with the given roles."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(_("Password"), hide_input=True, confirmation_prompt=True)
    try:
        user = auth.create_user(
            actor=None,
            email=email,
            name=name or email.split("@")[0],
            roles=roles,
            password=password,
            must_change_password=temporary,
        )
    except ValidationFailed as exc:
        raise _fail(exc) from None
    db.session.commit()
    click.echo(
        _(
            "Created %(email)s with roles: %(roles)s",
            email=user.email,
            roles=", ".join(sorted(r.value for r in user.roles)),
        )
    )


@click.command("setup")
@click.option(
    "--admin-email",
    default=DEFAULT_ADMIN_EMAIL,
    show_default=True,
    envvar="EMS_ADMIN_EMAIL",
    help="Login of the first administrator.",
)
def setup_command(admin_email: str) -> None:
    """Prepare an installation: the default spending categories where there are none yet; on a
    database without accounts, the first administrator. Nothing while the demo organisation is
    being loaded: it brings its own."""
    from ems.demo import services as demo
    from ems.procurement import services as procurement

    read_only()  # on SQLite a running load holds the write lock: look without waiting for it
    if demo.load_in_progress() is not None:
        click.echo(
            _("The demo organisation is being loaded; it brings its accounts and categories.")
        )
        return
    db.session.rollback()
    if not procurement.list_categories():
        procurement.add_default_categories(actor=None)
        db.session.commit()
    if auth.count_users():
        click.echo(_("Accounts exist already; no administrator created."))
        return
    password = auth.generate_password()
    try:
        auth.create_user(
            actor=None,
            email=admin_email,
            name="Administrator",
            roles=[Role.admin],
            password=password,
            must_change_password=True,
        )
    except ValidationFailed as exc:
        raise _fail(exc) from None
    db.session.commit()
    click.echo(
        "\n".join(
            [
                "",
                "  " + _("First administrator created. These credentials are shown only once:"),
                f"    email:    {admin_email}",
                f"    password: {password}",
                "  " + _("You will be asked to choose your own password at first login."),
                "",
            ]
        )
    )


def init_app(app: Flask) -> None:
    """Register our commands on the application's command group."""
    from ems.actions.cli import actions_cli
    from ems.api.cli import token_cli
    from ems.demo.cli import demo_cli
    from ems.factors.cli import factors_cli
    from ems.imports.cli import import_cli
    from ems.inventory.cli import inventory_command
    from ems.jobs.cli import jobs_cli, worker_command
    from ems.ledger.cli import recalc_command
    from ems.removals.cli import removals_cli
    from ems.reporting.cli import report_command
    from ems.travel.cli import estimate_cli

    app.cli.add_command(create_user_command)
    app.cli.add_command(setup_command)
    app.cli.add_command(factors_cli)
    app.cli.add_command(recalc_command)
    app.cli.add_command(estimate_cli)
    app.cli.add_command(import_cli)
    app.cli.add_command(inventory_command)
    app.cli.add_command(actions_cli)
    app.cli.add_command(report_command)
    app.cli.add_command(token_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(removals_cli)
    app.cli.add_command(worker_command)
    app.cli.add_command(jobs_cli)


if __name__ == "__main__":
    main()
