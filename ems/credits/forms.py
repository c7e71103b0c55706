"""The form of a block of carbon credits retired."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional

from ems import labels
from ems.credits.models import CREDITS_T, CarbonCredit, CreditStandard
from ems.forms import VersionedForm, choices
from ems.numbers import YEAR, WholeNumberField


class CreditForm(VersionedForm):
    """Credits retired: standard, project, vintage, serials, tonnes, retirement, year applied."""

    standard = SelectField(
        _l("Standard"),
        choices=choices(
            [("", _l("Choose a standard"))]
            + [(s.value, labels.CREDIT_STANDARDS[s.value]) for s in CreditStandard]
        ),
        validate_choice=True,
    )
    project_name = StringField(
        _l("Project name"), [InputRequired(), Length(max=CarbonCredit.PROJECT_NAME_MAX_LEN)]
    )
    project_id = StringField(
        _l("Project id"),
        [Optional(), Length(max=CarbonCredit.PROJECT_ID_MAX_LEN)],
        description=_l("The project's number in its registry, e.g. 2353."),
    )
    vintage_year = WholeNumberField(
        _l("Vintage year"),
        [InputRequired()],
        kind=YEAR,
        description=_l("The year the emission reductions took place."),
    )
    serial_first = StringField(
        _l("First serial"),
        [InputRequired(), Length(max=CarbonCredit.SERIAL_MAX_LEN)],
        description=_l(
            "As the registry writes it. The first and last serial differ in one block of digits, "
            "whose numbers count the credits; a credit is retired once: serials overlapping "
            "those of another credit of the same standard are refused."
        ),
    )
    serial_last = StringField(
        _l("Last serial"), [InputRequired(), Length(max=CarbonCredit.SERIAL_MAX_LEN)]
    )
    co2e_t = WholeNumberField(
        _l("Tonnes CO2e (credits)"),
        [InputRequired()],
        kind=CREDITS_T,
        description=_l("One credit is one tonne; equal to the number of serials in the range."),
    )
    retired_on = DateField(_l("Retired on"), [InputRequired()])
    applied_year = WholeNumberField(
        _l("Applied to the inventory of"),
        [InputRequired()],
        kind=YEAR,
        description=_l("The year whose emissions these credits are retired for."),
    )
    evidence = StringField(
        _l("Evidence"),
        [Optional(), Length(max=CarbonCredit.EVIDENCE_MAX_LEN)],
        description=_l("A link to the retirement in the registry, or its retirement id."),
    )
    submit = SubmitField(_l("Save"))
