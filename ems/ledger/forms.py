"""The recalculation form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ems.forms import EmsForm
from ems.ledger.models import Recalculation
from ems.numbers import YEAR, WholeNumberField


class RecalculationForm(EmsForm):
    """Preview, then apply, the recalculation of a year."""

    year = WholeNumberField(_l("Year"), [InputRequired()], kind=YEAR)
    factor_set_id = SelectField(
        _l("Factor set"),
        [Optional()],
        coerce=int,
        description=_l(
            "Leave on “selection rule” to use each year's own edition (or the "
            "pinned set); choose a set to use it for its whole family."
        ),
    )
    reason = TextAreaField(
        _l("Reason"),
        [Optional(), Length(max=Recalculation.REASON_MAX_LEN)],
        description=_l("Required to apply; kept with the restatement."),
    )
    preview = SubmitField(_l("Preview"))
    apply = SubmitField(_l("Apply recalculation"))
