"""Forms of the inventory's years (closing and reopening), and the choices of boundary and
source that the targets' and actions' forms share."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from ems.forms import EmsForm, choices
from ems.inventory.services import BOUNDARY_LABELS, SOURCE_LABELS
from ems.numbers import YEAR, WholeNumberField

BOUNDARY_CHOICES = choices((b.value, label) for b, label in BOUNDARY_LABELS.items())
SOURCE_CHOICES = choices((source.value, label) for source, label in SOURCE_LABELS.items())


class CloseYearForm(EmsForm):
    """Close a year: its data is final."""

    year = WholeNumberField(_l("Year"), [InputRequired()], kind=YEAR)
    submit = SubmitField(_l("Close the year"))


class ReopenYearForm(EmsForm):
    """Reopen a closed year, saying why."""

    year = WholeNumberField(_l("Year"), [InputRequired()], kind=YEAR)
    reason = TextAreaField(
        _l("Why it is reopened"),
        [InputRequired(), Length(max=1000)],
        description=_l("e.g. a bill received late; the audit log keeps the reason."),
    )
    submit = SubmitField(_l("Reopen the year"))
