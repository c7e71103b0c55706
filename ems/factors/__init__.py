"""Emission-factor library: versioned factor sets with their provenance, and factor selection."""
