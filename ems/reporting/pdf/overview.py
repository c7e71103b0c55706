"""The report's opening sections: the summary of the year, and the trend against the
trajectory."""

from __future__ import annotations

import itertools
from typing import Any

from reportlab.platypus import Flowable, Spacer

from ems.reporting.pdf.charts import Charts
from ems.reporting.pdf.figures import figure, number, percent, tonnes
from ems.units import GRAMS_PER_TONNE


class OverviewSections(Charts):
    """The summary and the trend."""

    def _position(self, summary: dict[str, Any]) -> str:
        """On or off track, or in progress while the year is open."""
        if summary["on_track"] is not None:
            return self.labels["on_track"] if summary["on_track"] else self.labels["off_track"]
        return self.labels["in_progress"] if summary.get("year_state") == "open" else "–"

    def summary(self) -> list[Flowable]:
        """The year's figures at a glance, and the sentences that read them."""
        s, d = self.data["summary"], self.data
        inv = d["inventory"]
        lab = self.labels
        year = d["year"]
        gtb, full = self.label("boundary_short", "gtb"), self.label("boundary_short", "full")
        rows = [
            [f"{lab['total']} {year} — {gtb}", figure(s["total_g"])],
            [f"{lab['total']} {year - 1} — {gtb}", figure(s["previous_g"])],
            [f"{lab['change']} {year - 1} → {year}", percent(s["change_pct"])],
            [f"{lab['baseline']} {s['baseline_year']}", figure(s["baseline_g"])],
            [
                self.text("labels.change_from_baseline", year=s["baseline_year"]),
                percent(s["change_from_baseline_pct"]),
            ],
            [f"{lab['trajectory']} {year}", figure(s["trajectory_g"])],
            [lab["position"], self._position(s)],
            [
                f"{lab['target']} {s['target_year']} (−{s['reduction_pct']} %)",
                figure(s["target_g"]),
            ],
            [
                f"{lab['per_capita']} (kg)",
                "–" if s["per_capita_g"] is None else number(s["per_capita_g"] / 1000, 1),
            ],
            [lab["headcount"], "–" if s["headcount"] is None else number(s["headcount"])],
            [f"{lab['total']} {year} — {full}", figure(s["full_total_g"])],
            [lab["with_rf"], figure(inv["gtb"]["air_with_rf_g"])],
            [
                f"{lab['scope2_location']} {lab['not_counted']}",
                figure(inv["gtb"]["scope2_location_g"]),
            ],
        ]
        story: list[Flowable] = [
            self.heading("summary"),
            self.p(
                self.text("paragraphs.summary_intro", organisation=d["organisation"], year=year)
            ),
        ]
        story += self.bullets(s["sentences"])
        story += [
            Spacer(1, 4),
            self.table([lab["measure"], lab["value"]], rows),
        ]
        return story

    @staticmethod
    def _missing(years: list[int]) -> str:
        """The years missing between the first and last of ``years``: "2011–2017, 2019"."""
        spans = []
        for before, after in itertools.pairwise(years):
            if after - before == 2:
                spans.append(str(before + 1))
            elif after - before > 2:
                spans.append(f"{before + 1}–{after - 1}")
        return ", ".join(spans)

    def trend(self) -> list[Flowable]:
        """Emissions by year against the trajectory, charted and tabled."""
        trend = self.data["trend"]
        lab = self.labels
        years = list(trend["years"])
        actual = [
            (r["year"], r["actual_g"] / GRAMS_PER_TONNE) for r in years if r["actual_g"] is not None
        ]
        line = [
            (r["year"], r["trajectory_g"] / GRAMS_PER_TONNE)
            for r in years
            if r["trajectory_g"] is not None
        ]
        story: list[Flowable] = [self.heading("trend")]
        s = self.data["summary"]
        story.append(
            self.p(
                self.text(
                    "paragraphs.trend",
                    baseline_year=s["baseline_year"],
                    target_year=s["target_year"],
                    reduction_pct=s["reduction_pct"],
                )
            )
        )
        if actual or line:
            story.append(self._trend_chart(actual, line, trend))
            missing = self._missing([year for year, _ in actual])
            if missing:
                story.append(self.p(self.text("sentences.trend_gaps", years=missing), self.note))
        rows = [
            [str(r["year"]), tonnes(r["actual_g"]), tonnes(r["trajectory_g"])]
            for r in years
            if r["actual_g"] is not None or r["year"] == trend.get("target_year")
        ]
        story.append(Spacer(1, 6))
        story.append(
            self.table(
                [lab["year"], f"{lab['actual']} (t)", f"{lab['trajectory']} (t)"], rows, width=100
            )
        )
        editions = self.data["methodology"].get("gwp_editions") or {}
        if editions.get("mixed"):  # which GWP edition each year's refrigerants are on
            story.append(self.p(editions["message"]))
        return story
