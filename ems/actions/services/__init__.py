"""Nonconformities and corrective actions: their life, the effectiveness of what was done, the
proposals the figures suggest, review meetings, and the projection of planned actions to the
target year.

One module per job (``nonconformities``; ``corrective_actions`` with their verdicts;
``comparisons``, the years before and after an action; ``projections`` to the target year;
``off_track``, the proposals and the sources' ceilings; ``reviews``, meetings and their agendas)
and one (``_shared``) for who may change them. No module bears the name of a function it holds
(``effectiveness``, ``projection``, ``proposals``, ``meetings``): the package's name stays the
function. This package re-exports their public names, so callers keep
``from ems.actions import services as actions`` and ``actions.create_action``. Services flush;
callers commit."""

from __future__ import annotations

from ems.actions.services._shared import (
    require_editor,
)
from ems.actions.services.comparisons import (
    YEARS_COMPARED,
    Effectiveness,
    compare_years,
    effectiveness,
    verdict_against_figures,
)
from ems.actions.services.corrective_actions import (
    ACTION_FIELDS,
    MAX_ACTIONS_PER_NONCONFORMITY,
    OPEN_STATUSES,
    OpenActions,
    create_action,
    get_action,
    list_actions,
    open_actions,
    open_actions_panel,
    overdue_actions,
    record_verdict,
    update_action,
)
from ems.actions.services.nonconformities import (
    NC_FIELDS,
    NEXT_STATUSES,
    close_nonconformity,
    create_nonconformity,
    get_nonconformity,
    list_nonconformities,
    move_nonconformity,
    record_analysis,
)
from ems.actions.services.off_track import (
    Proposal,
    accept_proposal,
    dismiss_proposal,
    proposals,
    set_source_threshold,
)
from ems.actions.services.projections import (
    PlannedCut,
    Projection,
    project,
    projection,
)
from ems.actions.services.reviews import (
    agenda,
    meetings,
    meetings_query,
    record_meeting,
)

__all__ = [
    "ACTION_FIELDS",
    "MAX_ACTIONS_PER_NONCONFORMITY",
    "NC_FIELDS",
    "NEXT_STATUSES",
    "OPEN_STATUSES",
    "YEARS_COMPARED",
    "Effectiveness",
    "OpenActions",
    "PlannedCut",
    "Projection",
    "Proposal",
    "accept_proposal",
    "agenda",
    "close_nonconformity",
    "compare_years",
    "create_action",
    "create_nonconformity",
    "dismiss_proposal",
    "effectiveness",
    "get_action",
    "get_nonconformity",
    "list_actions",
    "list_nonconformities",
    "meetings",
    "meetings_query",
    "move_nonconformity",
    "open_actions",
    "open_actions_panel",
    "overdue_actions",
    "project",
    "projection",
    "proposals",
    "record_analysis",
    "record_meeting",
    "record_verdict",
    "require_editor",
    "set_source_threshold",
    "update_action",
    "verdict_against_figures",
]
