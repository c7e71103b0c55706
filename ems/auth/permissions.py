"""Role checks for views, and the predicate templates use to show only usable controls."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import abort, current_app
from flask_login import current_user

from ems.auth.models import Role, User
from ems.extensions import login_manager

F = TypeVar("F", bound=Callable[..., Any])

#: attribute set on a view by role_required: the roles it admits (administrators always pass)
ALLOWED_ROLES_ATTR = "allowed_roles"
#: marks a view open to any signed-in user
ANY_ROLE: tuple[Role, ...] = tuple(Role)


def role_required(*roles: Role) -> Callable[[F], F]:
    """Admit signed-in users holding one of ``roles``; others get the login page or 403."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_any_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        setattr(wrapped, ALLOWED_ROLES_ATTR, frozenset(roles))
        return cast(F, wrapped)

    return decorator


def signed_in_user() -> User:
    """The signed-in user (views behind role_required only)."""
    return cast(User, current_user._get_current_object())


def can_access(endpoint: str) -> bool:
    """True if the current user may open ``endpoint`` (used to show links and buttons)."""
    if not current_user.is_authenticated:
        return False
    view = current_app.view_functions.get(endpoint)
    roles = getattr(view, ALLOWED_ROLES_ATTR, None)
    return roles is not None and bool(current_user.has_any_role(*roles))
