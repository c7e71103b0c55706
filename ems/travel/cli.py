"""`ems estimate flight …`: a flight's distance and CO2e before booking."""

from __future__ import annotations

import datetime as dt
import json

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from ems.errors import NotFound, ValidationFailed
from ems.travel import services
from ems.travel.calculation import CabinClass, LegResult

estimate_cli = AppGroup("estimate", help="Estimate emissions before booking.")


def _kg(grams: int) -> float:
    return round(grams / 1000, 3)


def _leg_json(leg: LegResult) -> dict[str, object]:
    return {
        "origin": leg.origin.code,
        "destination": leg.destination.code,
        "date": leg.departure_on.isoformat(),
        "distance_km": float(leg.distance_km),
        "haul": leg.haul,
        "cabin_class": leg.cabin_class.value,
        "factor_class": leg.factor_class,
        "passengers": leg.passengers,
        "co2e_kg_with_rf": _kg(leg.co2e_g_with_rf),
        "co2e_kg_without_rf": _kg(leg.co2e_g_without_rf),
        "factor_set": leg.with_rf.factor_set.code,
        "factor_kgco2e_per_pkm_with_rf": str(leg.with_rf.factor.kgco2e_per_unit),
        "factor_kgco2e_per_pkm_without_rf": str(leg.without_rf.factor.kgco2e_per_unit),
        "notes": [*leg.notes, *([leg.with_rf.note] if leg.with_rf.note else [])],
    }


@estimate_cli.command("flight")
@click.argument("origin")
@click.argument("destination")
@click.option("--via", multiple=True, help="A stopover (IATA code); repeat for several.")
@click.option(
    "--cabin",
    type=click.Choice([c.value for c in CabinClass]),
    default="economy",
    show_default=True,
)
@click.option(
    "--date",
    "departure_on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Date of travel (default: today); selects the factor edition.",
)
@click.option("--return", "is_return", is_flag=True, help="Add the same flights back.")
@click.option("--passengers", type=int, default=1, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def estimate_flight_command(
    origin: str,
    destination: str,
    via: tuple[str, ...],
    cabin: str,
    departure_on: dt.datetime | None,
    is_return: bool,
    passengers: int,
    as_json: bool,
) -> None:
    """Distance and CO2e of ORIGIN → DEST per leg and in total, with and without RF."""
    try:
        result = services.estimate_flight(
            origin=origin,
            destination=destination,
            via=via,
            cabin_class=cabin,
            departure_on=departure_on.date() if departure_on else None,
            is_return=is_return,
            passengers=passengers,
        )
    except ValidationFailed as exc:
        raise click.ClickException("; ".join(exc.errors.values())) from None
    except NotFound as exc:
        raise click.ClickException(str(exc)) from None
    total = {
        "distance_km": round(result.distance_km, 1),
        "co2e_kg_with_rf": _kg(result.co2e_g_with_rf),
        "co2e_kg_without_rf": _kg(result.co2e_g_without_rf),
        "economy_saving_kg_with_rf": _kg(result.saving_g_with_rf),
        "economy_saving_kg_without_rf": _kg(result.saving_g_without_rf),
    }
    if as_json:
        click.echo(
            json.dumps({"legs": [_leg_json(leg) for leg in result.legs], "total": total}, indent=2)
        )
        return
    for leg in result.legs:
        click.echo(
            _(
                "%(route)s  %(date)s  %(distance)s km  %(haul)s/%(factor_class)s  "
                "%(with_rf)s kg with RF  %(without_rf)s kg without RF  (%(factor_set)s)",
                route=leg.route,
                date=leg.departure_on,
                distance=f"{leg.distance_km:>8}",
                haul=leg.haul,
                factor_class=leg.factor_class,
                with_rf=f"{_kg(leg.co2e_g_with_rf):>9.1f}",
                without_rf=f"{_kg(leg.co2e_g_without_rf):>9.1f}",
                factor_set=leg.with_rf.factor_set.code,
            )
        )
        for note in [*leg.notes, leg.with_rf.note]:
            if note:
                click.echo(f"    {note}")
    click.echo(
        _(
            "Total %(distance)s km: %(with_rf)s kg CO2e with RF, %(without_rf)s kg without RF.",
            distance=total["distance_km"],
            with_rf=total["co2e_kg_with_rf"],
            without_rf=total["co2e_kg_without_rf"],
        )
    )
    if result.saving_g_with_rf > 0:
        click.echo(
            _(
                "Economy would save %(with_rf)s kg with RF (%(without_rf)s kg without RF).",
                with_rf=total["economy_saving_kg_with_rf"],
                without_rf=total["economy_saving_kg_without_rf"],
            )
        )
