"""The form that issues a year's report."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional

from ems.forms import EmsForm
from ems.reporting.models import IssuedReport


class IssueForm(EmsForm):
    """Issue the report of a year as its next version."""

    year = IntegerField(_l("Year"), [InputRequired()])
    note = StringField(
        _l("Why this version (for a re-issue)"),
        [Optional(), Length(max=IssuedReport.NOTE_MAX_LEN)],
    )
    submit = SubmitField(_l("Issue the report"))
