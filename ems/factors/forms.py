"""Factor-set import form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired, FileSize
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ems.factors.models import FactorSet
from ems.forms import EmsForm
from ems.numbers import YEAR, WholeNumberField
from ems.tables import MAX_CSV_BYTES


class FactorSetImportForm(EmsForm):
    """Upload a CSV of factors with the set's provenance."""

    file = FileField(
        _l("CSV file"),
        [FileRequired(), FileSize(MAX_CSV_BYTES)],
        description=_l("UTF-8 CSV in the format of the template."),
    )
    family = StringField(
        _l("Family"),
        [InputRequired(), Length(max=50)],
        description=_l(
            "A name for the series this set belongs to, the same for "
            "every edition, e.g. “supplier acme electricity”."
        ),
    )
    edition_year = WholeNumberField(
        _l("Edition year"),
        [InputRequired()],
        kind=YEAR,
        description=_l("The year the factors are for."),
    )
    version = StringField(
        _l("Version"),
        [InputRequired(), Length(max=40)],
        description=_l("A correction of an edition is a new version."),
    )
    title = StringField(_l("Title"), [InputRequired(), Length(max=FactorSet.TEXT_MAX_LEN)])
    publisher = StringField(_l("Publisher"), [InputRequired(), Length(max=FactorSet.TEXT_MAX_LEN)])
    licence = StringField(_l("Licence"), [InputRequired(), Length(max=FactorSet.TEXT_MAX_LEN)])
    source = TextAreaField(
        _l("Source"),
        [InputRequired(), Length(max=FactorSet.SOURCE_MAX_LEN)],
        description=_l("Where the values come from: document, page, date."),
    )
    notes = TextAreaField(_l("Notes"), [Optional(), Length(max=FactorSet.SOURCE_MAX_LEN)])
    submit = SubmitField(_l("Import"))
