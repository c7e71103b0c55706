"""Effectiveness verdicts follow the measurements: a verdict against the measured direction
needs a written justification, which the action's page and the annual report show."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from ems.actions import services
from ems.actions.models import EffectivenessVerdict
from ems.audit.models import AuditEntry
from ems.auth.models import Role
from ems.energy import services as energy
from ems.errors import ValidationFailed
from ems.extensions import db
from ems.factors import services as factors
from ems.org import services as org
from ems.reporting import services as reporting

T = 1_000_000
JUSTIFICATION = "The 2025 rise is the new laboratory wing; the lit floors use 40 % less."


def figures(before_t: float | None, after_t: float | None, expected_t: float | None) -> dict:
    before = None if before_t is None else int(before_t * T)
    after = None if after_t is None else int(after_t * T)
    return {
        "before_g": before,
        "after_g": after,
        "measured_reduction_g": None if before is None or after is None else before - after,
        "expected_reduction_g": None if expected_t is None else int(expected_t * T),
    }


def test_the_rule_against_the_measured_direction():
    against = services.verdict_against_figures
    # "effective" goes against figures that did not fall: level or rising
    assert against(figures(10, 12, 1), is_effective=True)
    assert against(figures(10, 10, 1), is_effective=True)
    assert not against(figures(10, 9.9, 1), is_effective=True)  # fell, if less than expected
    # "not effective" goes against figures that fell at least as much as expected
    assert against(figures(10, 9, 1), is_effective=False)
    assert against(figures(10, 5, 1), is_effective=False)
    assert not against(figures(10, 9.5, 1), is_effective=False)  # fell less than expected
    assert not against(figures(10, 12, 1), is_effective=False)
    assert not against(figures(10, 5, None), is_effective=False)  # nothing was expected
    # no year measured on one side: no measured direction
    assert not against(figures(10, None, 1), is_effective=True)
    assert not against(figures(None, 5, 1), is_effective=False)


def _electricity(site_id: int, year: int, kwh: int) -> None:
    energy.create_energy_record(
        actor=None,
        site_id=site_id,
        energy_type="electricity",
        period_start=dt.date(year, 1, 1),
        period_end=dt.date(year, 3, 31),
        quantity=Decimal(kwh),
        unit="kwh",
        certificates_kwh=None,
        supplier_factor_id=None,
        meter_reference="",
        evidence_note="",
    )


@pytest.fixture
def lighting(app, create_user):
    """LED lighting done in 2024, expected to cut electricity by 0.5 t a year from 2025; the
    London office used 10,000 kWh in 2024 and 20,000 kWh in 2025: its emissions rose."""
    factors.load_shipped_sets(actor=None)
    site = org.create_site(actor=None, name="London office", country_code="GB")
    _electricity(site.id, 2024, 10_000)
    _electricity(site.id, 2025, 20_000)
    owner = create_user("owner@example.org", roles=(Role.ems,))
    nc = services.create_nonconformity(
        actor=None,
        title="Lighting left on at night",
        origin="audit_finding",
        detected_on=dt.date(2024, 2, 1),
    )
    services.record_analysis(
        actor=None, nonconformity=nc, root_cause="No presence detectors in the offices."
    )
    values = {
        "description": "LED lighting with presence detectors",
        "owner_id": owner.id,
        "due_on": dt.date(2024, 12, 31),
        "source_category": "electricity",
        "expected_reduction_t": Decimal("0.5"),
        "expected_from_year": 2025,
    }
    action = services.create_action(actor=None, nonconformity=nc, **values)
    services.move_nonconformity(actor=None, nonconformity=nc, status="actions_planned")
    services.update_action(
        actor=None, action=action, **values, status="done", done_on=dt.date(2024, 11, 30)
    )
    services.move_nonconformity(actor=None, nonconformity=nc, status="verifying")
    db.session.commit()
    return {"action": action, "nc": nc, "owner": owner, "site": site}


def test_effective_against_rising_emissions_is_refused_without_a_justification(lighting):
    action = lighting["action"]
    measured = services.effectiveness(action)
    assert measured.measured_reduction_g is not None
    assert measured.measured_reduction_g < 0
    with pytest.raises(ValidationFailed) as refused:
        services.record_verdict(actor=None, action=action, is_effective=True, note="LEDs fitted")
    assert list(refused.value.errors) == ["justification"]
    assert "did not fall" in refused.value.errors["justification"]
    with pytest.raises(ValidationFailed):  # white space is no justification
        services.record_verdict(actor=None, action=action, is_effective=True, justification="  ")
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EffectivenessVerdict)) == 0

    verdict = services.record_verdict(
        actor=None,
        action=action,
        is_effective=True,
        note="LEDs fitted",
        justification=JUSTIFICATION,
    )
    db.session.commit()
    assert verdict.justification == JUSTIFICATION
    assert verdict.figures["measured_reduction_g"] == measured.measured_reduction_g
    assert services.verdict_against_figures(verdict.figures, verdict.is_effective)
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "actions.verdict.recorded")
    ).one()
    assert entry.changes["justification"]["after"] == JUSTIFICATION
    assert "against the measured figures" in entry.summary
    # "not effective" agrees with rising figures: no justification asked
    services.record_verdict(actor=None, action=action, is_effective=False)


def test_not_effective_against_a_fall_as_expected_needs_a_justification(lighting):
    # 30,000 kWh more in 2024: 40,000 kWh before, 20,000 after, a fall of about 4 t a year,
    # more than the 0.5 t expected
    energy.create_energy_record(
        actor=None,
        site_id=lighting["site"].id,
        energy_type="electricity",
        period_start=dt.date(2024, 4, 1),
        period_end=dt.date(2024, 6, 30),
        quantity=Decimal(30_000),
        unit="kwh",
        certificates_kwh=None,
        supplier_factor_id=None,
        meter_reference="",
        evidence_note="",
    )
    action = lighting["action"]
    measured = services.effectiveness(action)
    assert measured.measured_reduction_g >= measured.expected_reduction_g
    with pytest.raises(ValidationFailed) as refused:
        services.record_verdict(actor=None, action=action, is_effective=False)
    assert "at least the 0.5 t expected" in refused.value.errors["justification"]
    services.record_verdict(actor=None, action=action, is_effective=True)  # agrees: no question
    services.record_verdict(
        actor=None,
        action=action,
        is_effective=False,
        justification="The fall is the 2024 floor given up, not the lighting.",
    )


def test_the_form_asks_for_the_justification_and_the_page_and_report_show_it(
    client, login, lighting
):
    login(client, lighting["owner"])
    action, nc = lighting["action"], lighting["nc"]
    page = client.get(f"/actions/nonconformities/{nc.id}").get_data(as_text=True)
    assert "A verdict of “effective” needs a justification." in page
    assert 'name="justification"' in page

    refused = client.post(
        f"/actions/{action.id}/verdict", data={"is_effective": "y", "note": "LEDs fitted"}
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'id="justification-errors"' in html  # the error sits on the justification field
    assert "say why the action is effective nonetheless" in html
    assert "LEDs fitted" in html  # what was typed is kept
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EffectivenessVerdict)) == 0

    recorded = client.post(
        f"/actions/{action.id}/verdict",
        data={"is_effective": "y", "note": "LEDs fitted", "justification": JUSTIFICATION},
    )
    assert recorded.status_code == 302
    page = client.get(f"/actions/nonconformities/{nc.id}").get_data(as_text=True)
    assert "against the measured figures" in page
    assert JUSTIFICATION in page.replace("&#39;", "'")
    assert "a rise of " in page  # the figures as measured when judged

    data = reporting.annual_report_data(
        2025, report_id="EMS-2025-DRAFT", issued_on=dt.date(2026, 1, 5), draft=True
    )
    (row,) = [r for r in data["actions"]["actions"] if r["id"] == action.id]
    assert row["verdict"] == "effective"
    assert row["justification"] == JUSTIFICATION
    assert row["against_measurement"] is True
    pdf = reporting.draft_pdf(2025)
    text = " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages
    )
    assert "Justification: " + JUSTIFICATION in text
    assert "against the measured figures" in text
