"""The column-mapping form: which column of a file holds which field, its value mappings and
formats, and the name to save it under."""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field as FormField
from wtforms import SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from ems.forms import EmsForm
from ems.imports.mapping import ColumnMapping, Field, Formats, words
from ems.imports.models import ImportProfile

#: the most value mappings one form takes
MAX_VALUE_MAPPINGS = 500


class MappingForm(EmsForm):
    """The mapping of one file; a select per column is added by ``mapping_form``."""

    profile_name = StringField(
        _l("Save as profile"),
        [Optional(), Length(max=ImportProfile.NAME_MAX_LEN)],
        description=_l(
            "A name such as “Agency X monthly export”: later files with these columns are then "
            "read the same way without asking. Leave empty to use the mapping for this file only."
        ),
    )
    day_first = SelectField(
        _l("Order of day and month in dates such as 03/04/2025"),
        choices=[
            SelectChoice("1", _l("day first (3 April)")),
            SelectChoice("0", _l("month first (4 March)")),
        ],
    )
    decimal_comma = SelectField(
        _l("Decimal separator"),
        choices=[
            SelectChoice("0", _l("point (1,234.5)")),
            SelectChoice("1", _l("comma (1.234,5)")),
        ],
    )
    value_mappings = TextAreaField(
        _l("Value mappings"),
        [Length(max=20_000)],
        description=_l(
            "One per line: field: value in the file = value ems takes, e.g. "
            "“cabin_class: Affaires = business” or “category: 61200 = it_equipment”."
        ),
        render_kw={"rows": 4},
    )
    submit = SubmitField(_l("Check the file with this mapping"))

    #: the names of the column selects, in the file's order, and the fields they offer
    column_names: list[str]
    field_names: set[str]

    def validate_value_mappings(self, field: FormField) -> None:
        parse_value_mappings(field.data or "", self.field_names)

    def validate(self, extra_validators: Mapping[str, Any] | None = None) -> bool:
        valid = super().validate(extra_validators)
        chosen = [self[name].data for name in self.column_names if self[name].data]
        repeated = sorted({name for name in chosen if chosen.count(name) > 1})
        if repeated:
            self.form_errors.append(
                _(
                    "Each field can be taken from one column only: %(fields)s.",
                    fields=", ".join(repeated),
                )
            )
            valid = False
        return valid

    def mapping(self, headers: Sequence[str]) -> ColumnMapping:
        """The mapping the user chose."""
        return ColumnMapping(
            columns={
                header: self[name].data
                for header, name in zip(headers, self.column_names, strict=True)
                if self[name].data
            },
            values=parse_value_mappings(self.value_mappings.data or "", self.field_names),
            formats=Formats(
                day_first=self.day_first.data == "1", decimal_comma=self.decimal_comma.data == "1"
            ),
        )


def parse_value_mappings(text: str, fields: set[str]) -> dict[str, dict[str, str]]:
    """The value mappings written one per line as "field: file value = ems value"."""
    found: dict[str, dict[str, str]] = {}
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_VALUE_MAPPINGS:
        raise ValidationError(_("At most %(n)d value mappings.", n=MAX_VALUE_MAPPINGS))
    for number, line in enumerate(lines, start=1):
        name, colon, rest = line.partition(":")
        source, equals, target = rest.partition("=")
        name = name.strip()
        if not colon or not equals or not source.strip() or not target.strip():
            raise ValidationError(
                _("Line %(n)d: write “field: value in the file = value ems takes”.", n=number)
            )
        if name not in fields:
            raise ValidationError(
                _(
                    "Line %(n)d: “%(name)s” is not one of the fields: %(fields)s.",
                    n=number,
                    name=name[:40],
                    fields=", ".join(sorted(fields)),
                )
            )
        found.setdefault(name, {})[words(source)] = target.strip()
    return found


def format_value_mappings(values: Mapping[str, Mapping[str, str]]) -> str:
    """Value mappings as the form writes them."""
    return "\n".join(
        f"{name}: {source} = {target}"
        for name, mapped in values.items()
        for source, target in mapped.items()
    )


#: the answer of a format question the file's values leave open: none until the user chooses
UNANSWERED = SelectChoice("", _l("— the file does not say: choose —"))


def _must_choose(form: FlaskForm, field: FormField) -> None:
    if field.data not in ("0", "1"):
        raise ValidationError(_("Choose: the file's values do not say."))


def mapping_form(
    headers: Sequence[str],
    fields: Sequence[Field],
    proposed: ColumnMapping,
    questions: Set[str] = frozenset(),
) -> MappingForm:
    """A mapping form for a file with ``headers``, each column's select set to the proposal;
    the ``questions`` ("decimal_comma", "day_first") the file leaves open have no answer until
    the user chooses one."""

    class ColumnsForm(MappingForm):
        pass

    choices = [SelectChoice("", _("— not imported —"))] + [
        SelectChoice(item.name, f"{item.label}{' *' if item.required else ''}") for item in fields
    ]
    names = []
    for position, header in enumerate(headers):
        name = f"column_{position}"
        names.append(name)
        setattr(
            ColumnsForm,
            name,
            SelectField(
                header or _("(column %(n)d without a header)", n=position + 1),
                choices=choices,
                default=proposed.columns.get(header, ""),
            ),
        )
    for name in questions:
        base = getattr(MappingForm, name)
        setattr(
            ColumnsForm,
            name,
            SelectField(
                base.args[0],
                [_must_choose],
                choices=[UNANSWERED, *base.kwargs["choices"]],
            ),
        )
    form = ColumnsForm(
        profile_name=proposed.profile or "",
        day_first="" if "day_first" in questions else "1" if proposed.formats.day_first else "0",
        decimal_comma=""
        if "decimal_comma" in questions
        else "1"
        if proposed.formats.decimal_comma
        else "0",
        value_mappings=format_value_mappings(proposed.values),
    )
    form.column_names = names
    form.field_names = {item.name for item in fields}
    return form
