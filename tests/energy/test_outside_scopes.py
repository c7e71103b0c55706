"""Ozone-depleting refrigerants (R-22 and the other Montreal Protocol gases): their leaks are
reported apart, outside the scopes, in no scope's total and no boundary's total."""

from __future__ import annotations

from ems.auth.models import Role
from ems.energy import services
from ems.extensions import db
from ems.factors.shipped import ozone_depleting_gases
from ems.inventory.services import Boundary, inventories
from ems.ledger import services as ledger
from ems.ledger.models import Basis
from ems.reporting.exports import inventory_rows
from tests.energy.test_energy import top_up


def test_r22_is_outside_every_scope_and_every_total(sites):
    in_scope = top_up(sites["CH"])  # R-410A: scope 1
    db.session.commit()
    before = inventories(2024)
    r22 = top_up(sites["CH"], gas="R-22", kg="4")
    db.session.commit()

    (line,) = ledger.current_lines(activity_type="refrigerant_top_up", activity_id=r22.id)
    assert line.basis is Basis.outside
    assert line.co2e_g == 4 * 1_760_000  # AR5 GWP of HCFC-22: 1,760
    assert "ozone-depleting" in line.note
    after = inventories(2024)
    for boundary in Boundary:
        assert after[boundary].total_g == before[boundary].total_g
        assert after[boundary].by_scope == before[boundary].by_scope
        assert after[boundary].by_source == before[boundary].by_source
        assert after[boundary].outside_scopes_g == 4 * 1_760_000
    assert services.refrigerant_total_g(year=2024) == 19_240_000  # the R-410A leak only
    assert services.refrigerant_total_g(year=2024, outside_scopes=True) == 4 * 1_760_000
    (kept,) = ledger.current_lines(activity_type="refrigerant_top_up", activity_id=in_scope.id)
    assert kept.basis is None


def test_the_montreal_gases_are_the_cfcs_hcfcs_halons_and_the_solvents():
    gases = ozone_depleting_gases()
    assert {"r22", "r123", "r141b", "cfc11", "cfc12", "halon1301", "ccl4", "ch3br"} <= gases
    assert not {"r32", "r134a", "r410a", "co2", "sf6", "ch3cl"} & gases


def test_the_inventory_export_lists_r22_as_shown_not_counted(sites):
    top_up(sites["CH"], gas="R-22", kg="4")
    db.session.commit()
    rows = inventory_rows(2024)
    outside = [row for row in rows if "outside" in row]
    assert outside
    header = rows[0]
    assert {row[header.index("counted_in_total")] for row in outside} == {"no"}


def test_the_refrigerant_page_flags_the_gas(client, create_user, login, sites):
    top_up(sites["CH"], gas="R-22", kg="4")
    db.session.commit()
    login(client, create_user(roles=(Role.ems,)))
    page = client.get("/energy/refrigerants?year=2024").get_data(as_text=True)
    assert "ozone-depleting" in page
    assert "outside the scopes" in page


def test_r744_is_carbon_dioxide(sites):
    leak = top_up(sites["CH"], gas="R-744", kg="12")
    (line,) = ledger.current_lines(activity_type="refrigerant_top_up", activity_id=leak.id)
    assert (line.co2e_g, line.basis) == (12_000, None)  # GWP 1, in scope 1
