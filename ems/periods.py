"""The years ems handles: every date, period and year entered falls between these."""

from __future__ import annotations

FIRST_YEAR = 1990
LAST_YEAR = 2100
