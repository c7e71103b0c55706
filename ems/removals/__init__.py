"""Removals: what was removed (a trip, a record, an import), by whom, and its restoration."""
