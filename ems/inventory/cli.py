"""`ems inventory YEAR`: the year's totals and breakdowns, as text or JSON."""

from __future__ import annotations

import json

import click
from flask_babel import gettext as _

from ems import formatting
from ems.inventory import services
from ems.org.models import FIRST_YEAR, LAST_YEAR


@click.command("inventory")
@click.argument("year", type=click.IntRange(FIRST_YEAR, LAST_YEAR))
@click.option(
    "--boundary",
    type=click.Choice([b.value for b in services.Boundary]),
    default=services.Boundary.gtb.value,
    show_default=True,
    help="gtb: scopes 1 and 2 and business travel (Greening the Blue); full: everything.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (figures in kg CO2e).")
def inventory_command(year: int, boundary: str, as_json: bool) -> None:
    """Total CO2e of YEAR and its breakdowns by scope, source, site and department."""
    figures = services.inventory(year, services.Boundary(boundary)).as_json()
    figures["change_from_previous_year"] = [
        {
            "source": change.source.value,
            "before_co2e_kg": change.before_g / 1000,
            "after_co2e_kg": change.after_g / 1000,
            "activity_effect_co2e_kg": change.activity_g / 1000,
            "mix_effect_co2e_kg": change.mix_g / 1000,
            "factor_effect_co2e_kg": change.factor_g / 1000,
        }
        for change in services.change_explained(year, services.Boundary(boundary))
    ]
    if as_json:
        click.echo(json.dumps(figures, indent=2, ensure_ascii=False))
        return
    click.echo(f"{year} — {figures['boundary_label']}; {figures['headline_basis']}")
    click.echo(
        "  "
        + _(
            "total %(tonnes)s t CO2e (%(lines)d lines)",
            tonnes=_t(figures["total_co2e_kg"]),
            lines=figures["lines"],
        )
    )
    if figures["per_capita_co2e_kg"] is not None:
        click.echo(
            "  "
            + _(
                "per capita %(tonnes)s t (%(people)s people)",
                tonnes=_t(figures["per_capita_co2e_kg"]),
                people=formatting.number(figures["headcount"]),
            )
        )
    for key in BREAKDOWNS:
        for name, kg in figures[key].items():
            click.echo("  " + _breakdown_line(key, name, _t(kg)))
    click.echo(
        "  "
        + _(
            "air travel: %(without_rf)s t without RF (in the total), %(with_rf)s t with RF",
            without_rf=_t(figures["air_travel_without_rf_co2e_kg"]),
            with_rf=_t(figures["air_travel_with_rf_co2e_kg"]),
        )
    )
    for change in figures["change_from_previous_year"]:
        click.echo(
            "  "
            + _(
                "change since %(year)d, %(source)s: %(change)s t = activity %(activity)s + mix "
                "%(mix)s + factor %(factor)s",
                year=year - 1,
                source=change["source"],
                change=_t(change["after_co2e_kg"] - change["before_co2e_kg"], sign=True),
                activity=_t(change["activity_effect_co2e_kg"], sign=True),
                mix=_t(change["mix_effect_co2e_kg"], sign=True),
                factor=_t(change["factor_effect_co2e_kg"], sign=True),
            )
        )
    click.echo(
        "  "
        + _(
            "scope 2: %(market)s t market-based (in the total), %(location)s t location-based",
            market=_t(figures["scope2_market_based_co2e_kg"]),
            location=_t(figures["scope2_location_based_co2e_kg"]),
        )
    )


#: the breakdowns printed, in their order
BREAKDOWNS = ("by_scope", "by_scope3_category", "by_source", "by_site", "by_department")


def _t(kg: float, *, sign: bool = False) -> str:
    """Kilograms as tonnes with three decimals, as the command has always printed them."""
    return f"{kg / 1000:+,.3f}" if sign else f"{kg / 1000:,.3f}"


def _breakdown_line(key: str, name: str, tonnes: str) -> str:
    """One line of a breakdown: "scope 1: 12.345 t"."""
    if key == "by_scope":
        return _("scope %(name)s: %(tonnes)s t", name=name, tonnes=tonnes)
    if key == "by_scope3_category":
        return _("scope 3 category %(name)s: %(tonnes)s t", name=name, tonnes=tonnes)
    if key == "by_source":
        return _("source %(name)s: %(tonnes)s t", name=name, tonnes=tonnes)
    if key == "by_site":
        return _("site %(name)s: %(tonnes)s t", name=name, tonnes=tonnes)
    return _("department %(name)s: %(tonnes)s t", name=name, tonnes=tonnes)
