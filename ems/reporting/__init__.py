"""The annual sustainability report: built from the inventory, targets and actions, rendered
as PDF, issued as frozen versions with their snapshot and SHA-256."""
