"""`ems token …`: API tokens from the command line, e.g. for a service account set up by script."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from ems.api import services
from ems.auth import services as auth
from ems.errors import NotFound, ValidationFailed
from ems.extensions import db, utcnow

token_cli = AppGroup("token", help="API tokens: create, list, revoke.")


@token_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="What will use it, e.g. 'Booking tool'.")
@click.option("--expires-days", type=int, default=None, help="Valid for this many days.")
def create_token_command(email: str, name: str, expires_days: int | None) -> None:
    """Create a token acting as the account EMAIL; prints its secret (shown only now)."""
    user = auth.find_user(email)
    if user is None:
        raise click.ClickException(_("no account %(email)s", email=email))
    try:
        token, secret = services.create_token(
            actor=None, user=user, name=name, expires_in_days=expires_days
        )
    except ValidationFailed as exc:
        raise click.ClickException("; ".join(exc.errors.values())) from None
    db.session.commit()
    click.echo(
        _(
            "token %(id)d for %(email)s; keep the secret, it is not stored:",
            id=token.id,
            email=user.email,
        ),
        err=True,
    )
    click.echo(secret)


@token_cli.command("list")
@click.option("--email", help="Only this account's tokens.")
def list_tokens_command(email: str | None) -> None:
    """Every token: id, account, name, prefix, status, last use."""
    user = auth.find_user(email) if email else None
    if email and user is None:
        raise click.ClickException(_("no account %(email)s", email=email))
    now = utcnow()
    for token in services.list_tokens(user):
        used = token.last_used_at.isoformat(timespec="minutes") if token.last_used_at else "never"
        click.echo(
            f"{token.id}\t{token.user.email}\t{token.name}\t{token.prefix}…\t"
            f"{token.status(now)}\tlast used {used}"
        )


@token_cli.command("revoke")
@click.argument("token_id", type=click.IntRange(1, 2**31 - 1))
def revoke_token_command(token_id: int) -> None:
    """Revoke the token TOKEN_ID."""
    try:
        token = services.get_token(token_id)
    except NotFound:
        raise click.ClickException(_("no token %(id)d", id=token_id)) from None
    services.revoke_token(actor=None, token=token)
    db.session.commit()
    click.echo(_("token %(id)d revoked", id=token_id))
