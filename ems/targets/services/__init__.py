"""The targets' services, split by job: where each target stands (`progress`), what the working
group declares and sets (`declared`), and reported and restated years (`restatements`). Callers
import this package (``from ems.targets import services as targets``), not the modules."""

from __future__ import annotations

from ems.targets.services.declared import (
    BASELINE_FIELDS,
    MAX_TARGETS,
    TARGET_FIELDS,
    create_target,
    declare_baseline,
    declared_baselines,
    delete_declared_baseline,
    delete_target,
    require_editor,
    update_target,
)
from ems.targets.services.progress import (
    Baseline,
    OrganisationTotals,
    TargetSpec,
    Trajectory,
    TrajectoryYear,
    baseline,
    build_trajectory,
    main_target,
    targets,
    trajectories,
    trajectory,
)
from ems.targets.services.restatements import (
    ReportedSeries,
    record_reported,
    reported_series,
    restate,
    restatements_needed,
)

__all__ = [
    "BASELINE_FIELDS",
    "MAX_TARGETS",
    "TARGET_FIELDS",
    "Baseline",
    "OrganisationTotals",
    "ReportedSeries",
    "TargetSpec",
    "Trajectory",
    "TrajectoryYear",
    "baseline",
    "build_trajectory",
    "create_target",
    "declare_baseline",
    "declared_baselines",
    "delete_declared_baseline",
    "delete_target",
    "main_target",
    "record_reported",
    "reported_series",
    "require_editor",
    "restate",
    "restatements_needed",
    "targets",
    "trajectories",
    "trajectory",
    "update_target",
]
