"""Baselines, targets and their trajectories; reported and restated years."""
