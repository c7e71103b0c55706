"""What the services of nonconformities, actions, proposals and meetings share: who may
change them."""

from __future__ import annotations

from flask_babel import gettext as _

from ems.auth.models import Role, User
from ems.errors import PermissionDenied


def require_editor(actor: User | None) -> None:
    """Refuse anyone but the EMS working group (administrators included) and the command line."""
    if actor is not None and not actor.has_any_role(Role.ems):
        raise PermissionDenied(_("Only the EMS working group manages nonconformities."))
