"""The annual inventory, baseline, targets and the dashboard."""
