"""The annual report as PDF, rendered from its snapshot alone (reportlab Platypus).

``render_annual_report`` is the entry point (``document``); the sections are written in
``overview``, ``sources``, ``flights``, ``sites`` and ``follow_up`` with the tables and headings
of ``blocks`` and the charts of ``charts``; ``figures`` formats the numbers they print.
"""

# reportlab's millimetre, for callers that size what the report draws (a table's width)
from reportlab.lib.units import mm

from ems.reporting.pdf.assets import Assets, load_assets
from ems.reporting.pdf.document import _Renderer, render_annual_report
from ems.reporting.pdf.figures import (
    _share,
    figure,
    number,
    percent,
    report_locale,
    signed_figure,
    tonnes,
    with_unit,
)

__all__ = [
    "Assets",
    "_Renderer",
    "_share",
    "figure",
    "load_assets",
    "mm",
    "number",
    "percent",
    "render_annual_report",
    "report_locale",
    "signed_figure",
    "tonnes",
    "with_unit",
]
