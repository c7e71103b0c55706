"""Login, password and account forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import Email, InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from ems import languages
from ems.auth.models import Role, User
from ems.forms import EmsForm, VersionedForm, choices


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes (usable without a mouse or JavaScript)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _role_choices() -> list[SelectChoice]:
    return choices((role.value, role.label) for role in Role)


class LoginForm(EmsForm):
    """Sign in with email and password."""

    email = EmailField(
        _l("Email"),
        [InputRequired(), Length(max=User.EMAIL_MAX_LEN)],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    # no length validator: an over-long password is simply a failed login, never hashed
    password = PasswordField(
        _l("Password"), [InputRequired()], render_kw={"autocomplete": "current-password"}
    )
    submit = SubmitField(_l("Log in"))


class ChangePasswordForm(EmsForm):
    """Change one's own password."""

    current_password = PasswordField(
        _l("Current password"), [InputRequired()], render_kw={"autocomplete": "current-password"}
    )
    new_password = PasswordField(
        _l("New password"),
        [InputRequired(), Length(min=User.PASSWORD_MIN_LEN, max=User.PASSWORD_MAX_LEN)],
        description=_l(
            "At least %(n)d characters. A few unrelated words make a strong password.",
            n=User.PASSWORD_MIN_LEN,
        ),
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Change password"))


class LanguageForm(EmsForm):
    """One's own preferred language."""

    language = SelectField(
        _l("Language"),
        choices=choices([("", _l("The language my browser asks for")), *languages.CHOICES]),
        description=_l("Pages and messages are in this language."),
    )
    submit = SubmitField(_l("Save"))


class LogOutEverywhereForm(EmsForm):
    """An administrator confirms ending an account's sessions and revoking its API tokens."""

    submit = SubmitField(_l("Log out everywhere"))


class NewUserForm(EmsForm):
    """An administrator creates an account; a temporary password is generated and shown once."""

    email = EmailField(
        _l("Email"),
        [InputRequired(), Email(check_deliverability=False), Length(max=User.EMAIL_MAX_LEN)],
    )
    name = StringField(_l("Name"), [InputRequired(), Length(max=User.NAME_MAX_LEN)])
    roles = MultiCheckboxField(_l("Roles"), choices=_role_choices, validate_choice=True)
    submit = SubmitField(_l("Create account"))


class EditUserForm(VersionedForm):
    """An administrator changes an account's name and roles."""

    name = StringField(_l("Name"), [InputRequired(), Length(max=User.NAME_MAX_LEN)])
    roles = MultiCheckboxField(_l("Roles"), choices=_role_choices, validate_choice=True)
    submit = SubmitField(_l("Save"))
