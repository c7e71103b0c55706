"""Forms of declared baselines, targets, reporting and restating."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from ems.forms import EmsForm, VersionedForm
from ems.inventory.forms import BOUNDARY_CHOICES, SOURCE_CHOICES
from ems.numbers import KG_CO2E, PERCENT, YEAR, NumberField, WholeNumberField
from ems.targets.models import DeclaredBaseline, ReportedTotal, Target


class BaselineForm(EmsForm):
    """A declared baseline figure of one source."""

    year = WholeNumberField(_l("Year"), [InputRequired()], kind=YEAR)
    boundary = SelectField(_l("Boundary"), choices=BOUNDARY_CHOICES)
    source_category = SelectField(_l("Source"), choices=SOURCE_CHOICES)
    co2e_kg = NumberField(_l("kg CO2e"), [InputRequired()], kind=KG_CO2E)
    source = StringField(
        _l("Where the figure comes from"),
        [InputRequired(), Length(max=DeclaredBaseline.SOURCE_MAX_LEN)],
        description=_l("e.g. the Greening the Blue report of that year, table and page."),
    )
    note = TextAreaField(_l("Note"), [Optional(), Length(max=DeclaredBaseline.NOTE_MAX_LEN)])
    submit = SubmitField(_l("Declare"))


class TargetForm(VersionedForm):
    """A per-capita or per-source target."""

    name = StringField(_l("Name"), [InputRequired(), Length(max=Target.NAME_MAX_LEN)])
    boundary = SelectField(_l("Boundary"), choices=BOUNDARY_CHOICES)
    source_category = SelectField(
        _l("Source"), choices=[SelectChoice("", _l("Every source")), *SOURCE_CHOICES]
    )
    per_capita = BooleanField(_l("Per capita"))
    baseline_year = WholeNumberField(_l("Baseline year"), [InputRequired()], kind=YEAR)
    target_year = WholeNumberField(_l("Target year"), [InputRequired()], kind=YEAR)
    reduction_pct = WholeNumberField(_l("Reduction (%)"), [InputRequired()], kind=PERCENT)
    submit = SubmitField(_l("Save"))


class ReportForm(EmsForm):
    """Record a year's totals as reported."""

    year = WholeNumberField(_l("Year"), [InputRequired()], kind=YEAR)
    approved_by = StringField(
        _l("Approved by"), [Optional(), Length(max=ReportedTotal.APPROVER_MAX_LEN)]
    )
    note = StringField(_l("Note"), [Optional(), Length(max=ReportedTotal.REASON_MAX_LEN)])
    submit = SubmitField(_l("Record as reported"))


class RestateForm(EmsForm):
    """Restate a reported year with its current totals."""

    year = WholeNumberField(_l("Year"), [InputRequired()], kind=YEAR)
    reason = TextAreaField(
        _l("Reason"),
        [InputRequired(), Length(max=ReportedTotal.REASON_MAX_LEN)],
        description=_l("A recalculation, a boundary change, a correction…"),
    )
    approved_by = StringField(
        _l("Approved by"), [InputRequired(), Length(max=ReportedTotal.APPROVER_MAX_LEN)]
    )
    submit = SubmitField(_l("Restate"))
