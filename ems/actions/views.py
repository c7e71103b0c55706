"""Nonconformities, corrective actions, effectiveness verdicts and proposals: the `ems` role
edits, `management` reads."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from ems.actions import services
from ems.actions.forms import (
    ACTION_STATUS_LABELS,
    ORIGIN_LABELS,
    ActionForm,
    AnalysisForm,
    DismissForm,
    MeetingForm,
    NonconformityForm,
    VerdictForm,
)
from ems.actions.models import CorrectiveAction, Nonconformity
from ems.audit.models import AuditEntry
from ems.auth import services as auth
from ems.auth.models import Role
from ems.auth.permissions import role_required, signed_in_user
from ems.errors import ValidationFailed
from ems.extensions import db, utcnow
from ems.forms import choices
from ems.inventory.services import SOURCE_LABELS
from ems.org import services as org
from ems.targets import services as targets
from ems.web import paginate, submit_form

bp = Blueprint("actions", __name__, url_prefix="/actions")

READERS = (Role.ems, Role.management)
EDITORS = (Role.ems,)


@bp.get("/")
@role_required(*READERS)
def index() -> ResponseReturnValue:
    """Proposals to decide, nonconformities, actions (overdue flagged) and the projection: one
    query per list, and every target judged from the organisation's totals read once."""
    today = utcnow().date()
    totals = targets.OrganisationTotals()
    actions = services.list_actions()
    return render_template(
        "actions/index.html",
        proposals=services.proposals(totals),
        nonconformities=services.list_nonconformities(),
        actions=actions,
        overdue={
            action.id
            for action in actions
            if action.status in services.OPEN_STATUSES and action.due_on < today
        },
        projection=services.projection(totals=totals),
        dismiss_form=DismissForm(),
        origins=ORIGIN_LABELS,
        statuses=ACTION_STATUS_LABELS,
    )


def _done(message: str, url: str) -> ResponseReturnValue:
    db.session.commit()
    flash(message, "success")
    return redirect(url)


def _refused(exc: ValidationFailed, url: str) -> ResponseReturnValue:
    db.session.rollback()
    for message in exc.errors.values():
        flash(message, "error")
    return redirect(url)


@bp.post("/proposals/accept")
@role_required(*EDITORS)
def accept_proposal() -> ResponseReturnValue:
    """Open the proposed nonconformity."""
    try:
        nc = services.accept_proposal(actor=signed_in_user(), key=request.form.get("key", ""))
    except ValidationFailed as exc:
        return _refused(exc, url_for("actions.index"))
    return _done(_("Nonconformity opened."), url_for("actions.show", nonconformity_id=nc.id))


@bp.post("/proposals/dismiss")
@role_required(*EDITORS)
def dismiss_proposal() -> ResponseReturnValue:
    """Dismiss a proposal with a reason."""
    form = DismissForm()
    if not form.validate_on_submit():
        flash(_("Give the reason for dismissing it."), "error")
        return redirect(url_for("actions.index"))
    try:
        services.dismiss_proposal(
            actor=signed_in_user(), key=form.key.data or "", reason=form.reason.data
        )
    except ValidationFailed as exc:
        return _refused(exc, url_for("actions.index"))
    return _done(_("Proposal dismissed."), url_for("actions.index"))


@bp.route("/new", methods=["GET", "POST"])
@role_required(*EDITORS)
def new_nonconformity() -> ResponseReturnValue:
    """Record a nonconformity found by an audit, a review or anyone."""
    form = NonconformityForm()
    form.site_ids.choices = choices((s.id, s.name) for s in org.list_sites())
    form.department_ids.choices = choices((d.id, d.name) for d in org.list_departments())

    def save() -> Nonconformity:
        data = form.service_data()
        text = data.pop("years") or ""
        try:
            data["years"] = [int(part) for part in text.replace(",", " ").split()]
        except ValueError:
            raise ValidationFailed(
                {"years": _("Write years as numbers, e.g. 2023, 2024.")}
            ) from None
        return services.create_nonconformity(actor=signed_in_user(), **data)

    done = submit_form(
        form,
        save,
        success=_("Nonconformity recorded."),
        next_url=url_for("actions.index"),
    )
    return done or render_template(
        "form_page.html",
        form=form,
        title=_("New nonconformity"),
        cancel_url=url_for("actions.index"),
    )


def _show_page(
    nc: Nonconformity, verdict_forms: dict[int, VerdictForm] | None = None, status: int = 200
) -> ResponseReturnValue:
    """The nonconformity's page; ``verdict_forms``: a verdict form refused, by action id."""
    analysis = AnalysisForm(obj=nc)
    history = list(
        db.session.scalars(
            sa.select(AuditEntry)
            .where(
                sa.or_(
                    sa.and_(
                        AuditEntry.object_type == "nonconformities",
                        AuditEntry.object_id == str(nc.id),
                    ),
                    sa.and_(
                        AuditEntry.object_type == "corrective_actions",
                        AuditEntry.object_id.in_([str(a.id) for a in nc.actions]),
                    ),
                )
            )
            .order_by(AuditEntry.id)
        )
    )
    totals = targets.OrganisationTotals()  # read once for every done action
    effectiveness = {
        a.id: services.effectiveness(a, totals) for a in nc.actions if a.status.value == "done"
    }
    forms = {
        action_id: (verdict_forms or {}).get(action_id) or VerdictForm(formdata=None)
        for action_id in effectiveness
    }
    return render_template(
        "actions/nonconformity.html",
        nc=nc,
        analysis=analysis,
        effectiveness=effectiveness,
        verdict_forms=forms,
        against=services.verdict_against_figures,
        history=history,
        origins=ORIGIN_LABELS,
        statuses=ACTION_STATUS_LABELS,
        sources=SOURCE_LABELS,
        site_names=[s.name for s in org.list_sites() if s.id in nc.site_ids],
        department_names=[d.name for d in org.list_departments() if d.id in nc.department_ids],
        next_statuses=services.NEXT_STATUSES.get(nc.status, set()),
    ), status


@bp.get("/nonconformities/<id:nonconformity_id>")
@role_required(*READERS)
def show(nonconformity_id: int) -> ResponseReturnValue:
    """A nonconformity: what, why, its actions with their effectiveness, and its history."""
    return _show_page(services.get_nonconformity(nonconformity_id, with_actions=True))


@bp.post("/nonconformities/<id:nonconformity_id>/analysis")
@role_required(*EDITORS)
def analyse(nonconformity_id: int) -> ResponseReturnValue:
    """Record the root cause."""
    nc = services.get_nonconformity(nonconformity_id)
    form = AnalysisForm()
    url = url_for("actions.show", nonconformity_id=nc.id)
    done = submit_form(
        form,
        lambda: services.record_analysis(
            actor=signed_in_user(),
            nonconformity=nc,
            expected_version=form.expected_version(),
            **form.service_data(),
        ),
        success=_("Analysis saved."),
        next_url=url,
        current=nc,
    )
    if done:
        return done
    for errors in form.errors.values():
        for message in errors if isinstance(errors, list) else [errors]:
            flash(str(message), "error")
    return redirect(url)


@bp.post("/nonconformities/<id:nonconformity_id>/move")
@role_required(*EDITORS)
def move(nonconformity_id: int) -> ResponseReturnValue:
    """Move a nonconformity to its next status."""
    nc = services.get_nonconformity(nonconformity_id)
    url = url_for("actions.show", nonconformity_id=nc.id)
    try:
        services.move_nonconformity(
            actor=signed_in_user(), nonconformity=nc, status=request.form.get("status", "")
        )
    except ValidationFailed as exc:
        return _refused(exc, url)
    return _done(_("Status changed."), url)


@bp.post("/nonconformities/<id:nonconformity_id>/close")
@role_required(*EDITORS)
def close(nonconformity_id: int) -> ResponseReturnValue:
    """Close a nonconformity after the effectiveness verdicts."""
    nc = services.get_nonconformity(nonconformity_id)
    url = url_for("actions.show", nonconformity_id=nc.id)
    try:
        services.close_nonconformity(actor=signed_in_user(), nonconformity=nc)
    except ValidationFailed as exc:
        return _refused(exc, url)
    return _done(_("Nonconformity closed."), url)


def _action_form(**kwargs: Any) -> ActionForm:
    form = ActionForm(**kwargs)
    form.owner_id.choices = choices(
        [
            (0, _("Choose the owner")),
            *((u.id, f"{u.name} <{u.email}>") for u in auth.list_users() if u.is_active),
        ]
    )
    return form


def _action_data(form: ActionForm) -> dict[str, Any]:
    data = form.service_data()
    data["owner_id"] = data["owner_id"] or None
    return data


@bp.route("/nonconformities/<id:nonconformity_id>/actions/new", methods=["GET", "POST"])
@role_required(*EDITORS)
def new_action(nonconformity_id: int) -> ResponseReturnValue:
    """Plan a corrective action."""
    nc = services.get_nonconformity(nonconformity_id)
    form = _action_form()
    url = url_for("actions.show", nonconformity_id=nc.id)
    done = submit_form(
        form,
        lambda: services.create_action(
            actor=signed_in_user(), nonconformity=nc, **_action_data(form)
        ),
        success=_("Action planned."),
        next_url=url,
    )
    return done or render_template(
        "form_page.html", form=form, title=_("New corrective action"), cancel_url=url
    )


@bp.route("/<id:action_id>/edit", methods=["GET", "POST"])
@role_required(*EDITORS)
def edit_action(action_id: int) -> ResponseReturnValue:
    """Change an action: its status, owner, dates or expected cut."""
    action: CorrectiveAction = services.get_action(action_id)
    form = _action_form(obj=action)
    if not form.is_submitted():
        form.source_category.data = action.source_category or ""
    url = url_for("actions.show", nonconformity_id=action.nonconformity_id)
    done = submit_form(
        form,
        lambda: services.update_action(
            actor=signed_in_user(),
            action=action,
            expected_version=form.expected_version(),
            **_action_data(form),
        ),
        success=_("Action saved."),
        next_url=url,
        current=action,
    )
    return done or render_template(
        "form_page.html",
        form=form,
        title=_("Corrective action %(id)d", id=action.id),
        cancel_url=url,
    )


@bp.post("/<id:action_id>/verdict")
@role_required(*EDITORS)
def record_verdict(action_id: int) -> ResponseReturnValue:
    """Record whether a done action worked; a refused verdict is shown again with its errors
    (a verdict against the measured figures asks for its justification)."""
    action = services.get_action(action_id)
    form = VerdictForm()
    url = url_for("actions.show", nonconformity_id=action.nonconformity_id)
    done = submit_form(
        form,
        lambda: services.record_verdict(
            actor=signed_in_user(),
            action=action,
            is_effective=bool(form.is_effective.data),
            note=form.note.data,
            justification=form.justification.data,
        ),
        success=_("Verdict recorded."),
        next_url=url,
    )
    return done or _show_page(action.nonconformity, {action.id: form}, 422)


def _meeting_form() -> MeetingForm:
    form = MeetingForm()
    form.nonconformity_ids.choices = choices(
        (nc.id, f"{nc.id}: {nc.title}")
        for nc in db.session.scalars(sa.select(Nonconformity).order_by(Nonconformity.id))
    )
    form.action_ids.choices = choices(
        (a.id, f"{a.id}: {a.description[:80]}") for a in services.list_actions()
    )
    return form


def _meetings_page(form: MeetingForm, status: int = 200) -> ResponseReturnValue:
    return render_template(
        "actions/meetings.html",
        form=form,
        page=paginate(services.meetings_query()),
        agenda=services.agenda(utcnow().date(), targets.OrganisationTotals()),
    ), status


@bp.get("/meetings")
@role_required(*READERS)
def meetings() -> ResponseReturnValue:
    """Review meetings, newest first, a page at a time, and the agenda the next one should take
    up."""
    return _meetings_page(_meeting_form())


@bp.post("/meetings/new")
@role_required(*EDITORS)
def new_meeting() -> ResponseReturnValue:
    """Record a review meeting."""
    form = _meeting_form()
    done = submit_form(
        form,
        lambda: services.record_meeting(actor=signed_in_user(), **form.service_data()),
        success=_("Meeting recorded."),
        next_url=url_for("actions.meetings"),
    )
    return done or _meetings_page(form, 422)
