"""`ems actions list [--overdue]`: corrective actions with their owners and due dates."""

from __future__ import annotations

import click
from flask.cli import AppGroup

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
        click.echo("No overdue actions." if overdue else "No corrective actions.")
        return
    for action in actions:
        late = (today - action.due_on).days
        flag = f"  OVERDUE {late} days" if action.id in late_ids else ""
        click.echo(
            f"#{action.id} (nonconformity {action.nonconformity_id}) due {action.due_on} "
            f"{action.status.value} — {action.owner.email}: {action.description[:80]}{flag}"
        )
