"""Nonconformity, analysis, corrective action, verdict and proposal forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from ems import labels
from ems.actions.models import ActionStatus, CorrectiveAction, Nonconformity, Origin, Severity
from ems.forms import EmsForm, VersionedForm, choices
from ems.inventory.forms import SOURCE_CHOICES
from ems.numbers import MONEY, SCOPE, TONNES, YEAR, NumberField, WholeNumberField

ORIGIN_LABELS = labels.enum_labels(Origin, "origin")
ACTION_STATUS_LABELS = labels.enum_labels(ActionStatus, "action_status")


class NonconformityForm(EmsForm):
    """What was found."""

    title = StringField(_l("Title"), [InputRequired(), Length(max=Nonconformity.TITLE_MAX_LEN)])
    origin = SelectField(
        _l("Origin"), choices=choices((o.value, label) for o, label in ORIGIN_LABELS.items())
    )
    detected_on = DateField(_l("Found on"), [InputRequired()])
    severity = SelectField(
        _l("Severity"),
        choices=choices(labels.enum_labels(Severity, "severity").items()),
    )
    description = TextAreaField(
        _l("Description"), [Optional(), Length(max=Nonconformity.TEXT_MAX_LEN)]
    )
    years = StringField(
        _l("Years concerned"), [Optional(), Length(max=100)], description=_l("e.g. 2023, 2024")
    )
    source_categories = SelectMultipleField(_l("Sources concerned"), choices=SOURCE_CHOICES)
    site_ids = SelectMultipleField(_l("Sites concerned"), coerce=int)
    department_ids = SelectMultipleField(_l("Departments concerned"), coerce=int)
    record_links = StringField(
        _l("Records concerned"),
        [Optional(), Length(max=1000)],
        description=_l("e.g. `trip:12`, `energy_record:4`, `purchase:7`"),
    )
    immediate_correction = TextAreaField(
        _l("Immediate correction"), [Optional(), Length(max=Nonconformity.TEXT_MAX_LEN)]
    )
    submit = SubmitField(_l("Record"))


class AnalysisForm(VersionedForm):
    """The root cause, and whether it could happen elsewhere."""

    root_cause = TextAreaField(
        _l("Root cause"),
        [InputRequired(), Length(max=Nonconformity.TEXT_MAX_LEN)],
        description=_l("Ask why until the cause is one the organisation can remove."),
    )
    similar_elsewhere = TextAreaField(
        _l("Similar cases elsewhere"), [Optional(), Length(max=Nonconformity.TEXT_MAX_LEN)]
    )
    submit = SubmitField(_l("Save the analysis"))


class ActionForm(VersionedForm):
    """A corrective action."""

    description = TextAreaField(_l("Action"), [InputRequired()])
    owner_id = SelectField(_l("Owner"), coerce=int, validate_choice=True)
    due_on = DateField(_l("Due"), [InputRequired()])
    status = SelectField(
        _l("Status"), choices=choices((s.value, label) for s, label in ACTION_STATUS_LABELS.items())
    )
    done_on = DateField(_l("Done on"), [Optional()])
    source_category = SelectField(
        _l("Source affected"), choices=[SelectChoice("", _l("Every source")), *SOURCE_CHOICES]
    )
    scope = WholeNumberField(_l("Scope affected"), [Optional()], kind=SCOPE)
    expected_reduction_t = NumberField(
        _l("Expected cut (t CO2e a year)"), [Optional()], kind=TONNES
    )
    expected_from_year = WholeNumberField(_l("From year"), [Optional()], kind=YEAR)
    cost_estimate = NumberField(_l("Cost estimate"), [Optional()], kind=MONEY)
    evidence = TextAreaField(_l("Evidence"), [Optional()])
    submit = SubmitField(_l("Save"))


class VerdictForm(EmsForm):
    """Whether a done action worked."""

    is_effective = BooleanField(_l("Effective"))
    note = TextAreaField(_l("Why"), [Optional()])
    justification = TextAreaField(
        _l("Justification"),
        [Optional(), Length(max=CorrectiveAction.TEXT_MAX_LEN)],
        description=_l(
            "Required when the verdict goes against the measured figures: “effective” while "
            "the emissions did not fall, or “not effective” while they fell at least as much "
            "as expected. Printed in the report beside the verdict."
        ),
    )
    submit = SubmitField(_l("Record the verdict"))


class DismissForm(EmsForm):
    """Dismiss a proposal, saying why."""

    key = HiddenField()
    reason = StringField(_l("Reason"), [InputRequired(), Length(max=1000)])
    submit = SubmitField(_l("Dismiss"))


class MeetingForm(EmsForm):
    """A review meeting of the working group."""

    held_on = DateField(_l("Held on"), [InputRequired()])
    attendees = TextAreaField(_l("Attendees"), [InputRequired()])
    decisions = TextAreaField(_l("Decisions"), [Optional()])
    minutes = TextAreaField(_l("Minutes"), [Optional()])
    nonconformity_ids = SelectMultipleField(_l("Nonconformities decided on"), coerce=int)
    action_ids = SelectMultipleField(_l("Actions decided on"), coerce=int)
    submit = SubmitField(_l("Record the meeting"))
