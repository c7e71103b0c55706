"""Forms for the organisation's settings, sites, departments, headcount and environmental
management indicators."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ems import labels, languages
from ems.forms import EmsForm, VersionedForm, choices, upper
from ems.numbers import (
    FLOOR_AREA_M2,
    HEADCOUNT,
    PERCENT,
    THRESHOLD_PERCENT,
    YEAR,
    WholeNumberField,
)
from ems.org import services
from ems.org.models import (
    STAFF_TRAINED,
    Department,
    EmsStatus,
    Headcount,
    ManagementIndicators,
    Organisation,
    Site,
)


class OrganisationForm(VersionedForm):
    """Name, reporting currency, baseline and target."""

    name = StringField(
        _l("Organisation name"), [InputRequired(), Length(max=Organisation.NAME_MAX_LEN)]
    )
    reporting_currency = SelectField(_l("Reporting currency"))
    baseline_year = WholeNumberField(
        _l("Baseline year"),
        [InputRequired()],
        kind=YEAR,
        description=_l("The year reductions are measured against."),
    )
    target_year = WholeNumberField(_l("Target year"), [InputRequired()], kind=YEAR)
    target_reduction_pct = WholeNumberField(
        _l("Target reduction (%)"),
        [InputRequired()],
        kind=PERCENT,
        description=_l("Reduction of annual emissions by the target year against the baseline."),
    )
    flight_haul_method = SelectField(
        _l("Flight haul"),
        choices=choices(
            [
                ("desnz", _l("DESNZ haul definitions (recommended)")),
                (
                    "distance_bands",
                    _l(
                        "Distance bands: UK domestic flights domestic, others short haul "
                        "under 3,700 km, else long haul"
                    ),
                ),
            ]
        ),
    )
    gwp_report = SelectField(
        _l("Global warming potentials"),
        choices=choices(
            [
                ("ar5", _l("IPCC AR5 (as DESNZ from 2023, and the UN inventory)")),
                ("ar4", _l("IPCC AR4")),
                ("ar6", _l("IPCC AR6")),
            ]
        ),
        description=_l("Converts refrigerant leaks to CO2e."),
    )
    hotel_fallback = SelectField(
        _l("Hotel stays in countries without a DESNZ factor"),
        choices=choices(
            [
                ("world", _l("Mean of every country DESNZ publishes")),
                ("region", _l("Mean of DESNZ’s countries in the region")),
                ("country", _l("Factor of the country chosen below")),
            ]
        ),
        description=_l(
            "Regions as the UN M49 standard groups countries (Africa, Americas, Asia, Europe, "
            "Oceania). Such stays are flagged as fallbacks in the data gaps."
        ),
    )
    hotel_fallback_country = SelectField(
        _l("Country whose hotel factor stands in"),
        # none chosen is None until one is: the service checks the country
        validate_choice=False,
        description=_l("Only with the choice “factor of the country chosen below”."),
    )
    gtb_air_method = SelectField(
        _l("Air travel in the Greening the Blue pack"),
        choices=choices(
            [
                ("desnz", _l("DESNZ without RF, as every total of ems")),
                ("icao", _l("ICAO where a flight has its figure, else DESNZ")),
            ]
        ),
        description=_l(
            "The UN inventory computes air travel with ICAO’s calculator. The totals of ems "
            "(targets, reports) stay on DESNZ, the method of the baseline."
        ),
    )
    report_language = SelectField(
        _l("Language of the annual report"),
        choices=choices(languages.CHOICES),
        description=_l(
            "The language a report is drafted and issued in unless another is chosen; a year "
            "can be issued in several languages."
        ),
    )
    restatement_threshold_pct = WholeNumberField(
        _l("Restatement threshold (%)"),
        [InputRequired()],
        kind=THRESHOLD_PERCENT,
        description=_l(
            "When a recalculation, a correction or a boundary change moves a reported year or "
            "the baseline by more than this, ems asks for a restatement."
        ),
    )
    submit = SubmitField(_l("Save settings"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.reporting_currency.choices = choices((code, code) for code in services.currencies())
        self.hotel_fallback_country.choices = choices(
            [("", _l("None")), *services.countries().items()]
        )


class LogoForm(EmsForm):
    """Upload the logo for the annual report's cover."""

    logo = FileField(
        _l("Logo"),
        [
            FileRequired(_l("Choose an image file for the logo.")),
            FileAllowed(["png", "jpg", "jpeg"], _l("The logo must be a PNG or JPEG image.")),
            FileSize(services.LOGO_MAX_BYTES, message=_l("The logo file may be at most 1 MB.")),
        ],
        description=_l(
            "PNG or JPEG, at most 1 MB and %(max)d × %(max)d pixels; shown on the annual "
            "report's cover.",
            max=services.LOGO_MAX_PX,
        ),
    )
    submit = SubmitField(_l("Replace logo"))


class SiteForm(VersionedForm):
    """A site: name, country, city and floor area."""

    name = StringField(_l("Name"), [InputRequired(), Length(max=Site.NAME_MAX_LEN)])
    country_code = SelectField(_l("Country"), [InputRequired()])
    city = StringField(_l("City"), [Optional(), Length(max=Site.CITY_MAX_LEN)])
    floor_area_m2 = WholeNumberField(_l("Floor area (m²)"), [Optional()], kind=FLOOR_AREA_M2)
    submit = SubmitField(_l("Save site"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.country_code.choices = [("", _l("Choose a country")), *services.countries().items()]


class DepartmentForm(VersionedForm):
    """A department: name and optional short code."""

    name = StringField(_l("Name"), [InputRequired(), Length(max=Department.NAME_MAX_LEN)])
    code = StringField(
        _l("Code"),
        [Optional(), Length(max=Department.CODE_MAX_LEN)],
        filters=[upper],
        description=_l("Short code used by finance or the travel agency."),
    )
    submit = SubmitField(_l("Save department"))


class HeadcountForm(VersionedForm):
    """The headcount of one year."""

    year = WholeNumberField(_l("Year"), [InputRequired()], kind=YEAR)
    headcount = WholeNumberField(
        _l("Headcount"),
        [InputRequired()],
        kind=HEADCOUNT,
        description=_l("Staff at the year's end, or the yearly average."),
    )
    note = StringField(
        _l("Note"),
        [Optional(), Length(max=Headcount.NOTE_MAX_LEN)],
        description=_l("Source, or whether the figure is FTE."),
    )
    submit = SubmitField(_l("Save headcount"))


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes (usable without a mouse or JavaScript)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ManagementForm(VersionedForm):
    """The environmental management indicators of one year."""

    year = WholeNumberField(_l("Year"), [InputRequired()], kind=YEAR)
    ems_status = SelectField(
        _l("Environmental management system"),
        choices=choices((s.value, labels.EMS_STATUSES[s.value]) for s in EmsStatus),
        validate_choice=True,
    )
    policy_adopted_on = DateField(
        _l("Environmental policy adopted on"),
        [Optional()],
        description=_l("Leave empty while no environmental policy is adopted."),
    )
    all_sites = BooleanField(_l("The EMS covers all sites"))
    site_ids = MultiCheckboxField(_l("Sites the EMS covers"), coerce=int)
    staff_trained = WholeNumberField(
        _l("Staff trained"),
        [Optional()],
        kind=STAFF_TRAINED,
        description=_l("Staff trained in environmental matters during the year."),
    )
    note = TextAreaField(_l("Note"), [Optional(), Length(max=ManagementIndicators.NOTE_MAX_LEN)])
    submit = SubmitField(_l("Save"))
