"""The emission ledger: lines pin their factor; figures change only through a recalculation."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from ems.audit.models import AuditEntry
from ems.auth.models import Role
from ems.cli import cli
from ems.errors import ValidationFailed
from ems.extensions import db
from ems.factors import services as factors
from ems.ledger import services as ledger
from ems.ledger.models import Basis, EmissionLine, SourceCategory
from tests.ledger.conftest import edition, record


def current() -> list[EmissionLine]:
    return list(
        db.session.scalars(
            sa.select(EmissionLine)
            .where(EmissionLine.superseded_at.is_(None))
            .order_by(EmissionLine.activity_id)
        )
    )


def test_a_line_pins_its_factor_and_records_the_fallback(meters):
    used = edition(2023, "0.125")
    record(1, 2024, "1000.5")
    db.session.commit()
    (line,) = current()
    assert line.factor.factor_set_id == used.id
    assert line.factor_kgco2e_per_unit == Decimal("0.125")
    assert line.co2e_g == 125_063  # 1000.5 kWh × 0.125 kg = 125.0625 kg, half up to grams
    assert line.is_fallback
    assert line.factor_selection == "nearest_edition"
    assert "2023 edition" in line.note
    assert line.calculation_version.startswith("ems ")
    assert used.is_locked


def test_changing_an_activity_supersedes_its_lines(meters):
    edition(2024, "0.1")
    record(1, 2024, "100")
    record(1, 2024, "200")
    db.session.commit()
    lines = db.session.scalars(sa.select(EmissionLine).order_by(EmissionLine.id)).all()
    assert [(line.co2e_g, line.superseded_at is None) for line in lines] == [
        (10_000, False),
        (20_000, True),
    ]


def test_a_new_factor_set_changes_nothing_until_a_recalculation_is_applied(app, meters):
    edition(2023, "0.200")
    record(1, 2024, "1000")
    record(2, 2024, "500")
    record(3, 2023, "10")
    db.session.commit()
    before = [(line.id, line.factor_id, line.co2e_g) for line in current()]

    edition(2024, "0.100")  # the 2024 edition appears
    db.session.commit()
    db.session.expire_all()
    assert [(line.id, line.factor_id, line.co2e_g) for line in current()] == before
    assert ledger.year_totals(2024) == {(SourceCategory.electricity, Basis.market): 300_000}

    stale = ledger.stale_groups()
    assert [
        (g.year, g.activities, g.used.edition_year, g.now.edition_year if g.now else None)
        for g in stale
    ] == [(2024, 2, 2023, 2024)]

    preview = ledger.preview_recalculation(year=2024)
    assert (preview.changed_activities, preview.activities) == (2, 2)
    (change,) = preview.changes
    assert (change.before_g, change.after_g) == (300_000, 150_000)
    assert [(line.id, line.co2e_g) for line in current()] == [(i, g) for i, _f, g in before]

    recalculation = ledger.apply_recalculation(
        actor=None, year=2024, reason="2024 supplier disclosure published"
    )
    db.session.commit()
    assert ledger.year_totals(2024) == {(SourceCategory.electricity, Basis.market): 150_000}
    # the previous figures stay retrievable
    assert ledger.year_totals(2024, recalculation=recalculation) == {
        (SourceCategory.electricity, Basis.market): 300_000
    }
    old = db.session.scalars(
        sa.select(EmissionLine).where(
            EmissionLine.superseded_by_recalculation_id == recalculation.id
        )
    ).all()
    assert sorted((line.id, line.factor_id, line.co2e_g) for line in old) == before[:2]
    # other years are untouched, and nothing is stale any more
    assert ledger.year_totals(2023) == {(SourceCategory.electricity, Basis.market): 2_000}
    assert ledger.stale_groups() == []
    assert recalculation.summary == [
        {
            "source": "electricity",
            "basis": "market",
            "before_g": 300_000,
            "after_g": 150_000,
            "lines_before": 2,
            "lines_after": 2,
        }
    ]
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "ledger.recalculation.applied")
    ).one()
    assert "supplier disclosure" in entry.summary


def test_a_pin_makes_lines_stale_and_a_recalculation_can_use_one_set(meters):
    edition(2023, "0.2")
    latest = edition(2024, "0.1")
    record(1, 2023, "100")
    db.session.commit()
    assert ledger.stale_groups() == []
    factors.pin_factor_set(actor=None, factor_set=latest)
    db.session.commit()
    assert [g.now.code for g in ledger.stale_groups() if g.now] == ["acme-2024"]
    ledger.apply_recalculation(
        actor=None, year=2023, reason="consistent time series", overrides={"acme": latest.id}
    )
    (line,) = current()
    assert (line.co2e_g, line.factor_selection) == (10_000, "pinned")


def test_a_year_that_cannot_be_fully_recalculated_is_left_alone(meters):
    edition(2024, "0.1")
    record(1, 2024, "100")
    db.session.add(
        EmissionLine(
            activity_type="unknown_kind",
            activity_id=9,
            year=2024,
            scope=1,
            source_category=SourceCategory.heat_fuels,
            quantity=Decimal(1),
            quantity_unit="kwh",
            factor_id=current()[0].factor_id,
            factor_kgco2e_per_unit=Decimal("0.1"),
            factor_unit="kwh",
            co2e_g=100,
            method="x",
            calculation_version="x",
            factor_selection="edition_year",
            is_fallback=False,
        )
    )
    db.session.commit()
    preview = ledger.preview_recalculation(year=2024)
    assert preview.problems == ["unknown_kind #9: no calculation is known for this kind of record"]
    with pytest.raises(ValidationFailed, match="cannot be recalculated"):
        ledger.apply_recalculation(actor=None, year=2024, reason="try")
    db.session.rollback()
    assert len(current()) == 2


def test_a_used_set_cannot_be_removed(meters):
    used = edition(2024, "0.1")
    record(1, 2024, "100")
    db.session.commit()
    with pytest.raises(ValidationFailed, match="locked"):
        factors.delete_factor_set(actor=None, factor_set=used)


def test_reason_is_required(meters):
    with pytest.raises(ValidationFailed):
        ledger.apply_recalculation(actor=None, year=2024, reason=" ")


def test_recalc_command(app, meters):
    edition(2023, "0.2")
    record(1, 2024, "1000")
    edition(2024, "0.1")
    db.session.commit()
    runner = app.test_cli_runner()
    dry = runner.invoke(cli, ["recalc", "--year", "2024", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "1 of 1 records would change" in dry.output
    assert "0.200          0.100       -0.100" in dry.output
    assert ledger.list_recalculations() == []
    refused = runner.invoke(cli, ["recalc", "--year", "2024"])
    assert refused.exit_code == 1
    assert "--reason" in refused.output
    applied = runner.invoke(cli, ["recalc", "--year", "2024", "--reason", "new edition"])
    assert applied.exit_code == 0, applied.output
    assert len(ledger.list_recalculations()) == 1


def test_recalculation_pages(client, create_user, login, meters):
    # the preview and the application run as jobs (tests/jobs), here at once in the request
    edition(2023, "0.2")
    record(1, 2024, "1000")
    edition(2024, "0.1")
    db.session.commit()
    login(client, create_user(roles=(Role.ems,)))
    assert "acme-2023" in client.get("/ledger/stale").get_data(as_text=True)
    queued = client.post(
        "/ledger/recalculate", data={"year": "2024", "factor_set_id": "0", "preview": "1"}
    )
    assert queued.headers["Location"].startswith("/jobs/")
    preview = client.get(queued.headers["Location"]).get_data(as_text=True)
    assert "1 of 1 records would change" in preview
    assert ledger.list_recalculations() == []
    refused = client.post(
        "/ledger/recalculate", data={"year": "2024", "factor_set_id": "0", "apply": "1"}
    )
    assert refused.status_code == 200
    assert "This field is required." in refused.get_data(as_text=True)
    applied = client.post(
        "/ledger/recalculate",
        data={"year": "2024", "factor_set_id": "0", "reason": "new edition", "apply": "1"},
    )
    assert applied.headers["Location"].startswith("/jobs/")
    shown = client.get(applied.headers["Location"])
    assert shown.status_code == 302
    page = client.get(shown.headers["Location"]).get_data(as_text=True)
    assert "new edition" in page
    assert "0.200" in page
    assert "0.100" in page
