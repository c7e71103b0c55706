"""Purchase, category, exchange-rate and price-index forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional

from ems import labels
from ems.forms import VersionedForm, choices, upper
from ems.numbers import MONEY, QUANTITY, RATE, YEAR, NumberField, WholeNumberField
from ems.procurement.models import ExchangeRate, PriceIndex, Purchase, SpendCategory

QUANTITY_UNIT_LABELS = {"": _l("—"), "kg": labels.UNITS["kg"], "tonne": labels.UNITS["tonne"]}


class PurchaseForm(VersionedForm):
    """A purchase: an amount paid, or a quantity of a material."""

    purchased_on = DateField(_l("Date"), [InputRequired()])
    category_id = SelectField(_l("Category"), coerce=int, validate_choice=True)
    amount = NumberField(
        _l("Amount paid"),
        [Optional()],
        kind=MONEY,
        description=_l("Net of VAT where it is recovered."),
    )
    currency = StringField(
        _l("Currency"), [Optional(), Length(min=3, max=3)], filters=[upper], description="ISO 4217"
    )
    quantity = NumberField(
        _l("Quantity"),
        [Optional()],
        kind=QUANTITY,
        description=_l("For a material the factor library has (paper): weight instead of spend."),
    )
    quantity_unit = SelectField(
        _l("Unit"), choices=choices(QUANTITY_UNIT_LABELS.items()), validate_choice=True
    )
    supplier = StringField(_l("Supplier"), [Optional(), Length(max=Purchase.SUPPLIER_MAX_LEN)])
    description = StringField(
        _l("Description"), [Optional(), Length(max=Purchase.DESCRIPTION_MAX_LEN)]
    )
    reference = StringField(
        _l("Document number"),
        [Optional(), Length(max=Purchase.REFERENCE_MAX_LEN)],
        description=_l("Invoice or order number in the finance system."),
    )
    site_id = SelectField(_l("Site"), coerce=int, validate_choice=True)
    department_id = SelectField(_l("Department"), coerce=int, validate_choice=True)
    submit = SubmitField(_l("Save"))


class CategoryForm(VersionedForm):
    """A spending category and its NAICS code."""

    name = StringField(_l("Name"), [InputRequired(), Length(max=SpendCategory.NAME_MAX_LEN)])
    naics_code = StringField(
        _l("NAICS code"),
        [InputRequired(), Length(min=6, max=6)],
        description=_l("2017 NAICS code of the EPA supply-chain factor, e.g. 334111 (computers)."),
    )
    material = SelectField(
        _l("Material"),
        validate_choice=True,
        description=_l("For purchases recorded in kg or tonnes (DESNZ material-use factor)."),
    )
    submit = SubmitField(_l("Save"))


class ExchangeRateForm(VersionedForm):
    """A currency's yearly average rate against the US dollar."""

    currency = StringField(_l("Currency"), [InputRequired(), Length(min=3, max=3)], filters=[upper])
    year = WholeNumberField(_l("Year"), [InputRequired()], kind=YEAR)
    units_per_usd = NumberField(
        _l("Units per US dollar"),
        [InputRequired()],
        kind=RATE,
        description=_l("Yearly average, e.g. 0.8804 CHF per USD."),
    )
    source = StringField(_l("Source"), [Optional(), Length(max=ExchangeRate.SOURCE_MAX_LEN)])
    submit = SubmitField(_l("Save the rate"))


class PriceIndexForm(VersionedForm):
    """A year's US price index, to move spend to the factors' price year."""

    year = WholeNumberField(_l("Year"), [InputRequired()], kind=YEAR)
    index_value = NumberField(
        _l("US price index"),
        [InputRequired()],
        kind=RATE,
        description=_l("Any base year, the same for every year (e.g. a GDP deflator, 2017 = 100)."),
    )
    source = StringField(_l("Source"), [Optional(), Length(max=PriceIndex.SOURCE_MAX_LEN)])
    submit = SubmitField(_l("Save the index"))
