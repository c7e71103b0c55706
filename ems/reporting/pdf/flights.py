"""The flights section: totals, haul and cabin classes, top routes, and the flights rail could
replace."""

from __future__ import annotations

from typing import Any

from reportlab.platypus import Flowable

from ems.reporting.pdf.blocks import Blocks
from ems.reporting.pdf.figures import _share, figure, number, percent, with_unit


class FlightSections(Blocks):
    """The flights."""

    def _route_rows(self, routes: list[dict[str, Any]]) -> list[list[str]]:
        """The rows of a table of routes."""
        return [
            [
                r["route"],
                number(r["legs"]),
                number(r["passenger_km"]),
                figure(r["co2e_without_rf_g"]),
                figure(r["co2e_with_rf_g"]),
            ]
            for r in routes
        ]

    def flights(self) -> list[Flowable]:
        """Totals, haul and cabin classes, top routes, and what rail could replace."""
        f = self.data["flights"]
        total, business, rail = f["total"], f["business"], f["rail_replaceable"]
        lab = self.labels
        rail_km = number(self.data["methodology"]["rail_replaceable_max_km"])
        story: list[Flowable] = [
            self.heading("flights"),
            self.p(self.text("paragraphs.flights", rail_km=rail_km)),
        ]
        if not total["legs"]:
            return [*story, self.p(lab["none"])]
        without_rf = total["co2e_without_rf_g"]
        figures = [
            [lab["legs"], number(total["legs"])],
            [lab["passenger_km"], number(total["passenger_km"])],
            [lab["without_rf"], figure(without_rf)],
            [lab["with_rf"], figure(total["co2e_with_rf_g"])],
            [
                lab["business_legs"],
                f"{number(business['legs'])} ({_share(business['legs'], total['legs'])})",
            ],
            [lab["business_share"], _share(business["co2e_without_rf_g"], without_rf)],
        ]
        story.append(self.table([lab["measure"], lab["value"]], figures))
        icao = self.data.get("icao")  # reports issued before ICAO figures existed lack them
        if icao and icao["legs_covered"]:
            story.append(self.sub("icao"))
            change = icao["difference_pct"]
            story.append(
                self.p(
                    self.text(
                        "sentences.icao",
                        covered=number(icao["legs_covered"]),
                        legs=number(icao["legs"]),
                        share=_share(icao["legs_covered"], icao["legs"]),
                        sets=", ".join(icao["sets"]),
                        icao=with_unit(icao["icao_g"]),
                        desnz=with_unit(icao["desnz_covered_g"]),
                        change=percent(change, sign=True),
                        gtb=with_unit(icao["gtb_g"]),
                    )
                )
            )
        story.append(self.sub("haul_class"))
        haul_rows = []
        previous = None
        starts = set()
        for r in f["by_haul_class"]:  # the haul named once, on the first row of its classes
            haul = self.label("haul", r["haul"])
            if previous is not None and haul != previous:
                starts.add(len(haul_rows))
            haul_rows.append(
                [
                    haul if haul != previous else "",
                    self.label("cabin_class", r["cabin_class"]),
                    number(r["legs"]),
                    number(r["passenger_km"]),
                    figure(r["co2e_without_rf_g"]),
                    figure(r["co2e_with_rf_g"]),
                ]
            )
            previous = haul
        header = [
            lab["haul"],
            lab["cabin"],
            lab["legs"],
            lab["passenger_km"],
            lab["t_no_rf"],
            lab["t_rf"],
        ]
        story.append(self.table(header, haul_rows, numeric_from=2, rules_above=frozenset(starts)))
        story.append(self.sub("top_routes"))
        header = [lab["route"], lab["legs"], lab["passenger_km"], lab["t_no_rf"], lab["t_rf"]]
        story.append(self.table(header, self._route_rows(f["top_routes"])))
        story.append(self.sub("rail"))
        story.append(
            self.p(
                self.text(
                    "sentences.rail",
                    legs=number(rail["legs"]),
                    share=_share(rail["legs"], total["legs"]),
                    km=rail_km,
                    passenger_km=number(rail["passenger_km"]),
                    co2e=with_unit(rail["co2e_without_rf_g"]),
                    share_co2e=_share(rail["co2e_without_rf_g"], without_rf),
                )
            )
        )
        if f["rail_replaceable_routes"]:
            rows = self._route_rows(f["rail_replaceable_routes"])
            story.append(self.table(header, rows))
        return story
