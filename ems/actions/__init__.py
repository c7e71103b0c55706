"""Nonconformities, corrective actions, effectiveness checks and working-group reviews."""
