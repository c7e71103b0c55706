"""The units ems counts in, and the conversions between them.

CO2e is stored as integer grams and read in kilograms or tonnes; energy is recorded in kWh (or
MWh, converted on entry). Conversions are exact (``Decimal``, never a float) and round half up,
the way people round, so that a figure reads the same on a page, in the PDF and in an export.
How a figure is *written* for people (separators, the locale) is ``ems.formatting``'s job.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

GRAMS_PER_KG = 1000
KG_PER_TONNE = 1000
GRAMS_PER_TONNE = GRAMS_PER_KG * KG_PER_TONNE
KWH_PER_MWH = 1000


def _exact(value: object) -> Decimal:
    # str() first: Decimal(0.1) would carry the float's binary error into the figure
    return value if isinstance(value, Decimal) else Decimal(str(value))


def round_half_up(value: object, places: int) -> Decimal:
    """``value`` rounded half up to ``places`` decimals: 2.25 → 2.3 at one place."""
    return _exact(value).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)


def grams_to_kg(grams: int) -> Decimal:
    """Grams as exact kilograms: 12345 → 12.345."""
    return Decimal(grams) / GRAMS_PER_KG


def grams_to_tonnes(grams: int) -> Decimal:
    """Grams as exact tonnes: 1234567 → 1.234567."""
    return Decimal(grams) / GRAMS_PER_TONNE


def kg_to_tonnes(kg: object) -> Decimal:
    """Kilograms as exact tonnes: 1500 → 1.5."""
    return _exact(kg) / KG_PER_TONNE


def rounded(grams: int, grams_per_unit: int, places: int = 3) -> Decimal:
    """``grams`` in the unit of ``grams_per_unit`` grams (``GRAMS_PER_KG``, ``GRAMS_PER_TONNE``),
    rounded half up to ``places`` decimals: (1234567, GRAMS_PER_TONNE) → 1.235."""
    return round_half_up(Decimal(grams) / grams_per_unit, places)


# --- unit spellings ------------------------------------------------------------------------------


def _listed(text: str) -> tuple[str, ...]:
    """Words written "a|b|c" (compact for long lists of synonyms) as a tuple."""
    return tuple(text.split("|"))


#: kWh per GJ (1 GJ = 1,000 MJ and 1 kWh = 3.6 MJ): not a finite decimal, so quantities in GJ
#: keep their unit and are converted, to 28 digits, only where a line needs kWh
KWH_PER_GJ = Decimal(1000) / Decimal("3.6")

#: how bills, meter exports and finance systems write units (compared by ``unit_words``) → the
#: unit codes of ``ems.factors.keys.UNIT_CODES`` (and "gj"); English, French, German, Spanish,
#: Russian, and the UN/CEFACT codes ERP systems use (KGM, TNE, LTR, KWH, MTQ)
UNIT_SPELLINGS: dict[str, str] = {
    **dict.fromkeys(
        _listed(
            "t|to|tne|tonne|tonnes|metric ton|metric tons|metric tonne|metric tonnes|tonnen|"
            "tonelada|toneladas|т|тонна|тонн|тонны"
        ),
        "tonne",
    ),
    **dict.fromkeys(
        _listed(
            "kg|kgs|kgm|kilo|kilos|kilogram|kilograms|kilogramme|kilogrammes|kilogramm|kilogramo|"
            "kilogramos|кг|килограмм"
        ),
        "kg",
    ),
    **dict.fromkeys(
        _listed("l|lt|ltr|ltrs|litre|litres|liter|liters|litro|litros|л|литр|литры|литров"),
        "litre",
    ),
    **dict.fromkeys(
        _listed(
            "m3|m³|m^3|mtq|cbm|cu m|cubic metre|cubic metres|cubic meter|cubic meters|kubikmeter|"
            "mètre cube|mètres cubes|metro cúbico|metros cúbicos|м3|м³|куб м"
        ),
        "m3",
    ),
    **dict.fromkeys(("kwh", "kw h", "kilowatt hour", "kilowatt hours", "квт ч"), "kwh"),
    **dict.fromkeys(("mwh", "mw h", "megawatt hour", "megawatt hours", "мвт ч"), "mwh"),
    **dict.fromkeys(("gj", "gigajoule", "gigajoules", "гдж"), "gj"),
    # kWh of a fuel on its gross (higher) or net (lower) calorific value: DESNZ's words, and
    # the German (Brennwert Hs / Heizwert Hi) and French (PCS / PCI) ones
    **dict.fromkeys(
        _listed("kwh gross|kwh gross cv|kwh hs|kwh brennwert|kwh pcs|kwh ho|kwh gcv|kwh hhv"),
        "kwh_gross_cv",
    ),
    **dict.fromkeys(
        _listed("kwh net|kwh net cv|kwh hi|kwh heizwert|kwh pci|kwh hu|kwh ncv|kwh lhv"),
        "kwh_net_cv",
    ),
}


def unit_words(text: str) -> str:
    """A unit as it is compared: lower case, separators (``_ - . / ( ) ,``) as spaces."""
    lowered = text.casefold().replace("_", " ")
    for separator in "-./(),":
        lowered = lowered.replace(separator, " ")
    return " ".join(lowered.split())


def unit_code(text: str) -> str | None:
    """The unit code of a unit as a file writes it ("Tonnes" → "tonne", "m³" → "m3", "kWh
    (Gross CV)" → "kwh_gross_cv"); the code itself is accepted too; None if unknown."""
    words = unit_words(text)
    return UNIT_SPELLINGS.get(words) or UNIT_SPELLINGS.get(words.replace(" ", ""))
