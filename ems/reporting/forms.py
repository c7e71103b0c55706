"""The form that issues a year's report."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional

from ems import languages
from ems.forms import EmsForm, choices
from ems.numbers import YEAR, WholeNumberField
from ems.reporting.models import IssuedReport


class IssueForm(EmsForm):
    """Issue the report of a year as its next version."""

    year = WholeNumberField(_l("Year"), [InputRequired()], kind=YEAR)
    note = StringField(
        _l("Why this version (for a re-issue)"),
        [Optional(), Length(max=IssuedReport.NOTE_MAX_LEN)],
    )
    language = SelectField(
        _l("Language"),
        choices=choices(languages.CHOICES),
        validate_choice=False,  # the service checks it; none given: the organisation's
        description=_l("A year can be issued in several languages, each a version of its own."),
    )
    submit = SubmitField(_l("Issue the report"))
