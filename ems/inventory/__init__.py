"""The annual inventory: a year's totals by boundary, scope and source, the change explained,
data quality, years open and closed, GWP editions."""
