"""Forms of the API token pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from ems.auth.models import ApiToken
from ems.forms import EmsForm, choices

#: (days, label) a token may last; 0: until revoked
EXPIRY_CHOICES = choices(
    [(30, _l("30 days")), (90, _l("90 days")), (365, _l("1 year")), (0, _l("Until revoked"))]
)


def _password_field() -> PasswordField:
    """The signed-in user's password, asked again: a stolen session alone creates no token."""
    return PasswordField(
        _l("Your password"),
        [InputRequired()],
        description=_l("Enter your password again to create a token."),
        render_kw={"autocomplete": "current-password"},
    )


class TokenForm(EmsForm):
    """A user creates a token for themselves."""

    name = StringField(
        _l("Name"),
        [InputRequired(), Length(max=ApiToken.NAME_MAX_LEN)],
        description=_l("What will use it, e.g. “Booking tool” or “Finance dashboard”."),
    )
    expires_in_days = SelectField(_l("Valid for"), coerce=int, choices=EXPIRY_CHOICES, default=365)
    password = _password_field()
    submit = SubmitField(_l("Create token"))


class AccountTokenForm(EmsForm):
    """An administrator creates a token for an account (a service account, typically)."""

    user_id = SelectField(_l("Account"), coerce=int, validate_choice=True)
    name = StringField(
        _l("Name"),
        [InputRequired(), Length(max=ApiToken.NAME_MAX_LEN)],
        description=_l("What will use it, e.g. “Booking tool” or “Finance dashboard”."),
    )
    expires_in_days = SelectField(_l("Valid for"), coerce=int, choices=EXPIRY_CHOICES, default=365)
    password = _password_field()
    submit = SubmitField(_l("Create token"))
