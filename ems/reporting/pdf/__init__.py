"""The annual report as PDF, rendered from its snapshot alone (reportlab Platypus)."""

from ems.reporting.pdf.document import (
    Assets,
    _Renderer,
    _share,
    figure,
    load_assets,
    mm,
    number,
    percent,
    render_annual_report,
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
    "signed_figure",
    "tonnes",
    "with_unit",
]
