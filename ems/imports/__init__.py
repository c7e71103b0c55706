"""The import framework: a checked file kept until the user says go, imported all rows or none,
never twice, removable as a whole (see ``services``). Files are read by ``ems.tables``, whose
names are repeated here for the activities' importers."""

from __future__ import annotations

from ems.tables import (
    MAX_CSV_BYTES,
    MAX_FILE_BYTES,
    MAX_REPORTED_ERRORS,
    ImportFailed,
    RowError,
    control_character_errors,
    read_csv,
    read_table,
    row_date,
)

__all__ = [
    "MAX_CSV_BYTES",
    "MAX_FILE_BYTES",
    "MAX_REPORTED_ERRORS",
    "ImportFailed",
    "RowError",
    "control_character_errors",
    "read_csv",
    "read_table",
    "row_date",
]
