"""The report's charts (reportlab graphics): the trend against the trajectory, and the
emissions by source."""

from __future__ import annotations

from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, Group, Rect, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics

from ems.reporting.pdf import scripts
from ems.reporting.pdf.assets import FONT
from ems.reporting.pdf.blocks import Blocks
from ems.reporting.pdf.figures import number
from ems.units import GRAMS_PER_TONNE

#: the size of the charts' words, in points
CHART_FONT_SIZE = 7


class Charts(Blocks):
    """The charts, drawn in the report's colours and fonts, a frame wide."""

    def _words(self, x: float, y: float, text: str, anchor: str = "start") -> Group:
        """A label of a chart at (x, y): each script in its font, in display order."""
        shown = self.line(text)
        size = CHART_FONT_SIZE
        left = {"start": x, "end": x - scripts.width(shown, size), "middle": x}[anchor]
        if anchor == "middle":
            left -= scripts.width(shown, size) / 2
        group = Group()
        for script, run in scripts.runs(shown):
            font = scripts.font_of(script, bold=False)
            group.add(String(left, y, run, fontName=font, fontSize=size))
            left += pdfmetrics.stringWidth(run, font, size)
        return group

    def _legend(self, x: float, y: float, entries: list[tuple[Any, str]]) -> Group:
        """A legend in one row: a swatch and a name for each series."""
        group = Group()
        swatch = 7
        for colour, name in entries:
            group.add(Rect(x, y - 1, swatch, swatch, fillColor=colour, strokeColor=colour))
            group.add(self._words(x + swatch + 4, y, name))
            x += swatch + 4 + scripts.width(self.line(name), CHART_FONT_SIZE) + 16
        return group

    @staticmethod
    def _runs(points: list[tuple[int, float]]) -> list[list[tuple[int, float]]]:
        """Points of consecutive years, each run apart: a year without data is a gap."""
        runs: list[list[tuple[int, float]]] = []
        for point in points:
            if runs and point[0] == runs[-1][-1][0] + 1:
                runs[-1].append(point)
            else:
                runs.append([point])
        return runs

    def _trend_chart(
        self, actual: list[tuple[int, float]], line: list[tuple[int, float]], trend: dict[str, Any]
    ) -> Drawing:
        """The actual emissions, the trajectory and the target, in tonnes by year."""
        width, height = self.width, 70 * mm
        drawing = Drawing(width, height)
        plot = LinePlot()
        plot.x, plot.y, plot.width, plot.height = 45, 30, int(width - 60), int(height - 55)
        lab = self.labels
        # the actual series in runs of consecutive years: no line across years without data
        named: list[tuple[list[tuple[int, float]], Any, str, str]] = [
            (run, self.colour["primary"], lab["actual"], "actual") for run in self._runs(actual)
        ]
        if line:
            named.append((line, self.colour["trajectory"], lab["trajectory"], "trajectory"))
        if trend.get("target_g") is not None:
            named.append(
                (
                    [(trend["target_year"], trend["target_g"] / GRAMS_PER_TONNE)],
                    self.colour["accent"],
                    lab["target"],
                    "target",
                )
            )
        series = [points for points, _, _, _ in named]
        plot.data = series
        for index, (_, colour, _name, kind) in enumerate(named):
            plot.lines[index].strokeColor = colour
            if kind == "actual":
                plot.lines[index].strokeWidth = 2
                plot.lines[index].symbol = makeMarker("FilledCircle", size=4)
                plot.lines[index].symbol.fillColor = colour
                plot.lines[index].symbol.strokeColor = colour
            elif kind == "trajectory":
                plot.lines[index].strokeDashArray = (4, 3)
            else:
                plot.lines[index].symbol = makeMarker("FilledDiamond", size=7)
                plot.lines[index].symbol.fillColor = colour
        years = [x for points in series for x, _ in points]
        plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = min(years), max(years)
        span = max(years) - min(years)
        step = 1 if span <= 12 else (2 if span <= 24 else 5)
        plot.xValueAxis.valueSteps = list(range(min(years), max(years) + 1, step))
        plot.xValueAxis.labelTextFormat = "%d"
        plot.xValueAxis.labels.fontName = FONT
        plot.xValueAxis.labels.fontSize = 7
        plot.yValueAxis.valueMin = 0  # a value axis from zero, always
        plot.yValueAxis.labels.fontName = FONT
        plot.yValueAxis.labels.fontSize = 7
        plot.yValueAxis.labelTextFormat = lambda v: number(v)
        plot.yValueAxis.visibleGrid = True
        plot.yValueAxis.gridStrokeColor = self.colour["grid"]
        drawing.add(plot)
        drawing.add(self._words(2, height - 12, lab["t_co2e"]))
        shown: dict[str, Any] = {}
        for _, colour, name, _kind in named:  # one entry per series, however many runs
            shown.setdefault(name, colour)
        drawing.add(
            self._legend(60, height - 8, [(colour, name) for name, colour in shown.items()])
        )
        return drawing

    def _source_chart(self, values: list[tuple[str, int]]) -> Drawing:
        """A horizontal bar per source, in tonnes (the full boundary)."""
        bar_height = 14
        height = len(values) * bar_height + 40
        width = self.width
        label_width = (
            max(scripts.width(self.line(name), CHART_FONT_SIZE) for name, _ in values) + 12
        )
        drawing = Drawing(width, height)
        chart = HorizontalBarChart()
        chart.x, chart.y = int(label_width), 20
        chart.width, chart.height = int(width - label_width - 30), int(height - 30)
        chart.data = [[grams / GRAMS_PER_TONNE for _, grams in reversed(values)]]
        # the sources' names are drawn beside their bars, each script in its font
        chart.categoryAxis.categoryNames = ["" for _ in values]
        chart.valueAxis.valueMin = 0  # a value axis from zero, always: no bar hides
        chart.valueAxis.labels.fontName = FONT
        chart.valueAxis.labels.fontSize = 7
        chart.valueAxis.labelTextFormat = lambda v: number(v)
        chart.valueAxis.visibleGrid = True
        chart.valueAxis.gridStrokeColor = self.colour["grid"]
        chart.bars[0].fillColor = self.colour["primary"]
        chart.bars.strokeColor = None
        drawing.add(chart)
        step = chart.height / len(values)
        for index, (name, _) in enumerate(reversed(values)):
            y = chart.y + step * (index + 0.5) - CHART_FONT_SIZE / 3
            drawing.add(self._words(chart.x - 3, y, name, anchor="end"))
        drawing.add(self._words(width, 4, self.labels["t_co2e"], anchor="end"))
        return drawing
