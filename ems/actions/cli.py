"""`ems actions list [--overdue]`: corrective actions with their owners and due dates."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import ngettext

from ems.actions import services
from ems.extensions import utcnow

actions_cli = AppGroup("actions", help="Corrective actions.")


@actions_cli.command("list")
@click.option("--overdue", is_flag=True, help="Only planned or running actions past due.")
def list_command(overdue: bool) -> None:
    """Every corrective action (or the overdue ones) with its owner, due date and status."""
    today = utcnow().date()
    late_ids = {action.id for action in services.overdue_actions(today)}
    actions = [a for a in services.list_actions() if a.id in late_ids or not overdue]
    if not actions:
        click.echo(_("No overdue actions.") if overdue else _("No corrective actions."))
        return
    for action in actions:
        late = (today - action.due_on).days
        # English keeps "days" for one day, as before; other languages choose their form
        flag = (
            "  " + ngettext("OVERDUE %(num)d days", "OVERDUE %(num)d days", late)
            if action.id in late_ids
            else ""
        )
        click.echo(
            _(
                "#%(id)d (nonconformity %(nonconformity)d) due %(due)s %(status)s — "
                "%(owner)s: %(description)s%(overdue)s",
                id=action.id,
                nonconformity=action.nonconformity_id,
                due=action.due_on,
                status=action.status.value,
                owner=action.owner.email,
                description=action.description[:80],
                overdue=flag,
            )
        )
