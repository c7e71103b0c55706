"""The closing sections: nonconformities and actions (with the projection to the target year),
data coverage, and the methodology."""

from __future__ import annotations

from decimal import Decimal

from reportlab.platypus import Flowable, Spacer

from ems.reporting.pdf.blocks import Blocks
from ems.reporting.pdf.figures import _one_line, figure, number, percent, with_unit


class FollowUpSections(Blocks):
    """The actions, data quality and methodology."""

    def _verdict(self, verdict: str | None) -> str:
        """The label of an action's verdict; "–" without one."""
        return "–" if not verdict else self.label("verdict", verdict.replace(" ", "_"))

    def actions(self) -> list[Flowable]:
        """Nonconformities, their actions and verdicts, and the projection."""
        a = self.data["actions"]
        lab = self.labels
        story: list[Flowable] = [self.heading("actions"), self.p(self.text("paragraphs.actions"))]
        if a["nonconformities"]:
            story.append(
                self.table(
                    ["#", lab["nonconformity"], lab["found"], lab["severity"], lab["status"]],
                    [
                        [
                            str(n["id"]),
                            n["title"],
                            n["detected_on"],
                            self.label("severity", n["severity"]),
                            self.label("nonconformity_status", n["status"]),
                        ]
                        for n in a["nonconformities"]
                    ],
                    numeric_from=5,
                )
            )
        if a["actions"]:
            story.append(Spacer(1, 6))
            story.append(
                self.table(
                    [
                        "#",
                        lab["action"],
                        lab["owner"],
                        lab["due"],
                        lab["status"],
                        lab["verdict"],
                        lab["expected"],
                    ],
                    [
                        [
                            f"{r['nonconformity_id']}.{r['id']}",
                            r["description"],
                            r["owner"],
                            r["due_on"],
                            self.label("action_status", r["status"]),
                            self._verdict(r["verdict"]),
                            "–"
                            if r["expected_reduction_t"] is None
                            else number(Decimal(r["expected_reduction_t"]), 1),
                        ]
                        for r in a["actions"]
                    ],
                    numeric_from=6,
                )
            )
            for r in a["actions"]:  # a verdict's justification, printed beside it
                if r.get("justification"):
                    against = (
                        " (against the measured figures)" if r.get("against_measurement") else ""
                    )
                    story.append(
                        self.p(
                            f"{r['nonconformity_id']}.{r['id']}: verdict “{r['verdict']}”"
                            f"{against}. Justification: {r['justification']}"
                        )
                    )
        if not a["nonconformities"] and not a["actions"]:
            story.append(self.p(lab["none"]))
        projection = a["projection"]
        if projection:
            reached = projection["gap_g"] == 0
            story.append(self.sub("projection"))
            sentence = self.text(
                "sentences.projection",
                latest_year=projection["latest_year"],
                latest=with_unit(projection["latest_g"]),
                target_year=projection["target_year"],
                projected=with_unit(projection["projected_g"]),
                change=percent(projection["change_from_baseline_pct"]),
                target=with_unit(projection["target_g"]),
            )
            outcome = (
                self.text("sentences.projection_met")
                if reached
                else self.text("sentences.projection_gap", gap=with_unit(projection["gap_g"]))
            )
            story.append(self.p(f"{sentence} {outcome}"))
        return story

    def quality(self) -> list[Flowable]:
        """What the figures rest on: fallbacks, estimates and missing months."""
        q = self.data["quality"]
        items = [
            self.text(
                "sentences.fallback_hotels" if source == "hotels" else "sentences.fallback",
                source=self.source(source),
                lines=number(figures["lines"]),
                co2e=with_unit(figures["co2e_g"]),
            )
            for source, figures in q["fallback_by_source"].items()
        ]
        if q["flights"]:
            items.append(
                self.text(
                    "sentences.flights",
                    legs=number(q["flights"]),
                    unknown=number(q["flights_unknown_cabin"]),
                )
            )
        if q["estimated_energy_records"]:
            items.append(
                self.text("sentences.estimated", records=number(q["estimated_energy_records"]))
            )
        if q.get("estimated_waste_water_records"):  # reports issued before: none
            items.append(
                self.text(
                    "sentences.estimated_waste_water",
                    records=number(q["estimated_waste_water_records"]),
                )
            )
        if Decimal(q.get("market_grid_average_kwh", 0)):  # reports issued before: none
            items.append(
                self.text(
                    "sentences.grid_average",
                    kwh=number(round(Decimal(q["market_grid_average_kwh"]))),
                    co2e=with_unit(q["market_grid_average_g"]),
                )
            )
        for site, months in q["months_without_energy"].items():
            key = "sentences.months_missing" if len(months) > 1 else "sentences.month_missing"
            items.append(self.text(key, site=site, months=", ".join(str(m) for m in months)))
        story: list[Flowable] = [self.heading("quality"), self.p(self.text("paragraphs.quality"))]
        story += self.bullets(items) or [self.p(self.text("sentences.no_gaps"))]
        return story

    def methodology(self) -> list[Flowable]:
        """The methods, the factor sets used, and the restatements."""
        m = self.data["methodology"]
        lab = self.labels
        texts = self.t["methodology"]
        story: list[Flowable] = [
            self.heading("methodology"),
            self.p(self.text("paragraphs.methodology")),
        ]
        haul = "haul_distance_bands" if m["haul_method"] == "distance_bands" else "haul_desnz"
        for key in ("boundary", "rf_policy", "distance", haul, "factor_year", "electricity"):
            story.append(self.p(_one_line(texts[key])))
        story.append(self.p(_one_line(texts["gwp"]).format(gwp=m["gwp_report"])))
        story.append(
            self.p(
                _one_line(texts["restatements"]).format(threshold=m["restatement_threshold_pct"])
            )
        )
        story.append(self.sub("factor_sets"))
        story.append(
            self.table(
                [
                    lab["factor_set"],
                    lab["publisher"],
                    lab["licence"],
                    lab["lines"],
                    lab["fallbacks"],
                ],
                [
                    [
                        f"{f['code']} — {f['title']} ({lab['edition'].lower()} "
                        f"{f['edition_year']}, {f['version']})",
                        f["publisher"],
                        f["licence"],
                        number(f["lines"]),
                        number(f["fallback_lines"]),
                    ]
                    for f in m["factor_sets"]
                ],
                numeric_from=3,
            )
        )
        fallbacks = sum(f["fallback_lines"] for f in m["factor_sets"])
        if not fallbacks:
            story.append(self.p(texts["no_fallbacks"], self.small))
        story.append(self.sub("restatements"))
        if m["restatements"]:
            story.append(
                self.table(
                    [
                        lab["year"],
                        lab["boundary"],
                        f"{lab['reported']} (t)",
                        f"{lab['restated']} (t)",
                        lab["reason"],
                        lab["approved_by"],
                        lab["date"],
                    ],
                    [
                        [
                            str(r["year"]),
                            self.label("boundary_short", r["boundary"]),
                            figure(r["reported_g"]),
                            figure(r["restated_g"]),
                            r["reason"],
                            r["approved_by"],
                            r["date"],
                        ]
                        for r in m["restatements"]
                    ],
                    numeric_from=7,
                )
            )
        else:
            story.append(self.p(texts["no_restatements"]))
        return story
