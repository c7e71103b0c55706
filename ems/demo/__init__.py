"""The demo organisation: a deterministic, invented UN-agency-like organisation with years of
travel, energy, procurement and management-system records, loaded by `ems demo load`."""
