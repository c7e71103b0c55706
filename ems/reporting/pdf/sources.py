"""Where the emissions come from: by source and by scope, the two figures of flights and
electricity, and the change from the previous year explained."""

from __future__ import annotations

from reportlab.platypus import Flowable, Spacer

from ems.reporting.pdf.charts import Charts
from ems.reporting.pdf.figures import _share, figure, signed_figure


class SourceSections(Charts):
    """The breakdown by source and scope, and the change explained."""

    def breakdown(self) -> list[Flowable]:
        """Emissions by source and by scope, in both boundaries."""
        inv = self.data["inventory"]
        gtb, full = inv["gtb"], inv["full"]
        lab = self.labels
        gtb_name, full_name = (
            self.label("boundary_short", "gtb"),
            self.label("boundary_short", "full"),
        )
        sources = list(full["by_source"])
        rows = [
            [
                self.source(s),
                figure(gtb["by_source"].get(s)) if s in gtb["by_source"] else "–",
                figure(full["by_source"][s]),
                _share(full["by_source"][s], full["total_g"]),
            ]
            for s in sources
        ]
        rows.append(
            [
                lab["total"],
                figure(gtb["total_g"]),
                figure(full["total_g"]),
                _share(full["total_g"], full["total_g"]),
            ]
        )
        story: list[Flowable] = [
            self.heading("breakdown"),
            self.p(self.text("paragraphs.breakdown")),
            self._sub(lab["source"]),
        ]
        story.append(
            self.table(
                [
                    lab["source"],
                    f"{gtb_name} (t)",
                    f"{full_name} (t)",
                    f"{lab['share']} ({full_name})",
                ],
                rows,
                total_last=True,
            )
        )
        if sources:
            story.append(Spacer(1, 6))
            story.append(
                self._source_chart([(self.source(s), full["by_source"][s]) for s in sources])
            )
        story.append(self._sub(lab["scope"]))
        scope_rows = []
        indented = set()
        for scope in ("1", "2", "3"):
            if scope in full["by_scope"]:
                scope_rows.append(
                    [
                        self.label("scope_description", scope),
                        figure(gtb["by_scope"].get(scope, 0)),
                        figure(full["by_scope"][scope]),
                    ]
                )
        for category, grams in full["by_scope3_category"].items():
            indented.add(len(scope_rows))
            scope_rows.append(
                [
                    f"3.{category} {self.label('scope3_category', category)}",
                    figure(gtb["by_scope3_category"][category])
                    if category in gtb["by_scope3_category"]
                    else "–",  # not in the boundary
                    figure(grams),
                ]
            )
        scope_rows.append([lab["total"], figure(gtb["total_g"]), figure(full["total_g"])])
        story.append(
            self.table(
                [lab["scope"], f"{gtb_name} (t)", f"{full_name} (t)"],
                scope_rows,
                total_last=True,
                indented=frozenset(indented),
            )
        )
        story.append(self.sub("two_figures"))
        pairs = [
            [
                f"{lab['without_rf']} {lab['counted']}",
                figure(gtb["air_without_rf_g"]),
                figure(full["air_without_rf_g"]),
            ],
            [lab["with_rf"], figure(gtb["air_with_rf_g"]), figure(full["air_with_rf_g"])],
            [
                f"{lab['scope2_market']} {lab['counted']}",
                figure(gtb["scope2_market_g"]),
                figure(full["scope2_market_g"]),
            ],
            [
                f"{lab['scope2_location']} {lab['not_counted']}",
                figure(gtb["scope2_location_g"]),
                figure(full["scope2_location_g"]),
            ],
        ]
        # reports issued before ICAO figures and gases outside the scopes existed lack them
        for key, label in (
            ("air_icao_g", lab["air_icao"]),
            ("outside_scopes_g", lab["outside_scopes"]),
        ):
            if full.get(key):
                pairs.append([label, figure(gtb.get(key, 0)), figure(full[key])])
        story.append(self.table([lab["measure"], f"{gtb_name} (t)", f"{full_name} (t)"], pairs))
        return story

    def change(self) -> list[Flowable]:
        """The change from the previous year, by source: activity, factor and mix."""
        lab = self.labels
        rows = [
            [
                self.source(c["source"]),
                figure(c["before_g"]),
                figure(c["after_g"]),
                signed_figure(c["after_g"] - c["before_g"]),
                signed_figure(c["activity_g"]),
                signed_figure(c["factor_g"]),
                signed_figure(c["mix_g"]),
            ]
            for c in self.data["change"]
        ]
        story: list[Flowable] = [self.heading("change"), self.p(self.text("paragraphs.change"))]
        if rows:
            story.append(
                self.table(
                    [
                        lab["source"],
                        f"{lab['before']} (t)",
                        f"{lab['after']} (t)",
                        f"{lab['change']} (t)",
                        f"{lab['activity']} (t)",
                        f"{lab['factor']} (t)",
                        f"{lab['mix']} (t)",
                    ],
                    rows,
                )
            )
        else:
            story.append(self.p(lab["none"]))
        return story
