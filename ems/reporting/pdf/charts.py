"""The report's charts (reportlab graphics): the trend against the trajectory, and the
emissions by source."""

from __future__ import annotations

from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics

from ems.reporting.pdf.assets import FONT
from ems.reporting.pdf.blocks import Blocks
from ems.reporting.pdf.figures import number
from ems.units import GRAMS_PER_TONNE


class Charts(Blocks):
    """The charts, drawn in the report's colours and fonts, a frame wide."""

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
        drawing.add(String(2, height - 12, lab["t_co2e"], fontName=FONT, fontSize=7))
        legend = Legend()
        legend.x, legend.y = 60, int(height - 8)
        legend.fontName, legend.fontSize = FONT, 7
        legend.alignment = "right"
        legend.columnMaximum = 1
        legend.deltax = 90
        legend.dx = legend.dy = 7
        shown: dict[str, Any] = {}
        for _, colour, name, _kind in named:  # one entry per series, however many runs
            shown.setdefault(name, colour)
        legend.colorNamePairs = [(colour, name) for name, colour in shown.items()]
        drawing.add(legend)
        return drawing

    def _source_chart(self, values: list[tuple[str, int]]) -> Drawing:
        """A horizontal bar per source, in tonnes (the full boundary)."""
        bar_height = 14
        height = len(values) * bar_height + 40
        width = self.width
        label_width = max(pdfmetrics.stringWidth(name, FONT, 7) for name, _ in values) + 12
        drawing = Drawing(width, height)
        chart = HorizontalBarChart()
        chart.x, chart.y = int(label_width), 20
        chart.width, chart.height = int(width - label_width - 30), int(height - 30)
        chart.data = [[grams / GRAMS_PER_TONNE for _, grams in reversed(values)]]
        chart.categoryAxis.categoryNames = [name for name, _ in reversed(values)]
        chart.categoryAxis.labels.fontName = FONT
        chart.categoryAxis.labels.fontSize = 7
        chart.categoryAxis.labels.boxAnchor = "e"
        chart.categoryAxis.labels.dx = -3
        chart.valueAxis.valueMin = 0  # a value axis from zero, always: no bar hides
        chart.valueAxis.labels.fontName = FONT
        chart.valueAxis.labels.fontSize = 7
        chart.valueAxis.labelTextFormat = lambda v: number(v)
        chart.valueAxis.visibleGrid = True
        chart.valueAxis.gridStrokeColor = self.colour["grid"]
        chart.bars[0].fillColor = self.colour["primary"]
        chart.bars.strokeColor = None
        drawing.add(chart)
        drawing.add(
            String(width, 4, self.labels["t_co2e"], fontName=FONT, fontSize=7, textAnchor="end")
        )
        return drawing
