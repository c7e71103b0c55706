"""The sections of what the sites use and what is bought: buildings, and procurement by
category."""

from __future__ import annotations

from reportlab.platypus import Flowable

from ems.reporting.pdf.blocks import Blocks
from ems.reporting.pdf.figures import _share, figure, number


class SiteSections(Blocks):
    """The buildings and procurement."""

    def buildings(self) -> list[Flowable]:
        """Each site's energy, emissions and emissions per m²."""
        lab = self.labels
        rows = [
            [
                b["site"],
                "–" if b["floor_area_m2"] is None else number(b["floor_area_m2"]),
                number(b["electricity_kwh"]),
                figure(b["scope1_g"]),
                figure(b["scope2_market_g"]),
                figure(b["scope2_location_g"]),
                "–" if b["per_m2_kg"] is None else number(b["per_m2_kg"], 1),
            ]
            for b in self.data["buildings"]
        ]
        story: list[Flowable] = [
            self.heading("buildings"),
            self.p(self.text("paragraphs.buildings")),
        ]
        if rows:
            story.append(
                self.table(
                    [
                        lab["site"],
                        lab["floor_area"],
                        lab["electricity_kwh"],
                        lab["scope1"],
                        lab["scope2_market_t"],
                        lab["scope2_location_t"],
                        lab["per_m2"],
                    ],
                    rows,
                )
            )
        else:
            story.append(self.p(lab["none"]))
        return story

    def procurement(self) -> list[Flowable]:
        """Emissions of purchases by spend category."""
        lab = self.labels
        rows = self.data["procurement"]
        total = sum(r["co2e_g"] for r in rows)
        story: list[Flowable] = [
            self.heading("procurement"),
            self.p(self.text("paragraphs.procurement")),
        ]
        if not rows:
            return [*story, self.p(lab["none"])]
        body = [
            [r["category"], number(r["purchases"]), figure(r["co2e_g"]), _share(r["co2e_g"], total)]
            for r in rows
        ]
        body.append(
            [
                lab["total"],
                number(sum(r["purchases"] for r in rows)),
                figure(total),
                _share(total, total),
            ]
        )
        story.append(
            self.table(
                [lab["category"], lab["purchases"], lab["t_co2e"], lab["share"]],
                body,
                total_last=True,
            )
        )
        return story
