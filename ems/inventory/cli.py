"""`ems inventory YEAR`: the year's totals and breakdowns, as text or JSON."""

from __future__ import annotations

import json

import click

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
    click.echo(f"  total {figures['total_co2e_kg'] / 1000:,.3f} t CO2e ({figures['lines']} lines)")
    if figures["per_capita_co2e_kg"] is not None:
        click.echo(
            f"  per capita {figures['per_capita_co2e_kg'] / 1000:,.3f} t "
            f"({figures['headcount']:,} people)"
        )
    for title, key in (
        ("scope", "by_scope"),
        ("scope 3 category", "by_scope3_category"),
        ("source", "by_source"),
        ("site", "by_site"),
        ("department", "by_department"),
    ):
        for name, kg in figures[key].items():
            click.echo(f"  {title} {name}: {kg / 1000:,.3f} t")
    click.echo(
        f"  air travel: {figures['air_travel_without_rf_co2e_kg'] / 1000:,.3f} t without RF "
        f"(in the total), {figures['air_travel_with_rf_co2e_kg'] / 1000:,.3f} t with RF"
    )
    for change in figures["change_from_previous_year"]:
        click.echo(
            f"  change since {year - 1}, {change['source']}: "
            f"{(change['after_co2e_kg'] - change['before_co2e_kg']) / 1000:+,.3f} t = activity "
            f"{change['activity_effect_co2e_kg'] / 1000:+,.3f} + mix "
            f"{change['mix_effect_co2e_kg'] / 1000:+,.3f} + factor "
            f"{change['factor_effect_co2e_kg'] / 1000:+,.3f}"
        )
    click.echo(
        f"  scope 2: {figures['scope2_market_based_co2e_kg'] / 1000:,.3f} t market-based "
        f"(in the total), {figures['scope2_location_based_co2e_kg'] / 1000:,.3f} t "
        "location-based"
    )
