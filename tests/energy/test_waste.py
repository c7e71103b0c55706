"""Waste records: tonnes × the DESNZ waste factor of the edition (the values read from the shipped
CSV), streams without a factor of their own, fallbacks, the diversion rate, import, edit,
removal and restoration, exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
import sqlalchemy as sa

from ems.auth.models import Role
from ems.energy import services
from ems.energy.models import WasteRecord
from ems.energy.waste_water_importer import WASTE_IMPORTER
from ems.errors import Conflict, ValidationFailed
from ems.extensions import db
from ems.imports import ImportFailed
from ems.imports import services as imports
from ems.imports.models import ImportBatch
from ems.ledger import services as ledger
from ems.ledger.models import SourceCategory
from ems.removals import services as removals
from tests.energy.factor_table import desnz, grams


def waste(site_id, *, stream="mixed", treatment="landfill", tonnes="2.5", year=2023, **extra):
    values = {
        "site_id": site_id,
        "period_start": dt.date(year, 1, 1),
        "period_end": dt.date(year, 3, 31),
        "stream": stream,
        "treatment": treatment,
        "tonnes": Decimal(tonnes),
        **extra,
    }
    return services.record_waste(actor=None, **values)


def line_of(record):
    (line,) = ledger.current_lines(activity_type="waste_record", activity_id=record.id)
    return line


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


# --- figures ----------------------------------------------------------------------------------


@pytest.mark.parametrize("year", [2019, 2021, 2023])
def test_mixed_waste_to_landfill_is_tonnes_times_the_editions_factor(sites, year):
    record = waste(sites["CH"], tonnes="2.5", year=year)
    db.session.commit()
    line = line_of(record)
    factor = desnz(year, "commercial_industrial_waste_landfill", "tonnes")
    assert line.co2e_g == grams("2.5", factor)
    assert (line.year, line.scope, line.scope3_category) == (year, 3, 5)
    assert line.source_category is SourceCategory.water_waste
    assert line.factor.factor_set.code == f"desnz-other-{year}"
    assert not line.is_fallback
    assert "DESNZ Refuse > Commercial and industrial waste > Landfill" in line.note


@pytest.mark.parametrize("year", [2019, 2021, 2023])
def test_paper_and_card_take_the_paper_and_board_factors(sites, year):
    record = waste(sites["CH"], stream="paper_card", treatment="recycling", tonnes="1.2", year=year)
    db.session.commit()
    line = line_of(record)
    assert line.co2e_g == grams("1.2", desnz(year, "paper_and_board_mixed_closed_loop", "tonnes"))
    assert "Paper and board: mixed > Closed-loop" in line.note
    assert "commercial and industrial waste factor is applied" not in line.note


def test_other_streams_take_the_commercial_and_industrial_factor_and_say_so(sites):
    record = waste(sites["CH"], stream="plastics", treatment="landfill", tonnes="3", year=2019)
    db.session.commit()
    line = line_of(record)
    assert line.co2e_g == grams("3", desnz(2019, "commercial_industrial_waste_landfill", "tonnes"))
    assert "no factor of this stream" in line.note
    assert "Refuse > Commercial and industrial waste > Landfill" in line.note


def test_a_route_the_edition_lacks_takes_the_nearest_edition_flagged(sites):
    # commercial and industrial recycling (closed-loop) is published 2018-2021 only
    record = waste(sites["CH"], stream="glass", treatment="recycling", tonnes="4", year=2023)
    db.session.commit()
    line = line_of(record)
    assert line.is_fallback
    assert line.factor_selection == "nearest_edition"
    assert line.factor.factor_set.code == "desnz-other-2021"
    assert line.co2e_g == grams(
        "4", desnz(2021, "commercial_industrial_waste_closed_loop", "tonnes")
    )
    assert "No 2023 edition has this factor; the 2021 edition was used." in line.note


def test_incineration_follows_the_renamed_route(sites):
    before = waste(sites["CH"], treatment="incineration_energy_recovery", tonnes="2", year=2024)
    after = waste(sites["CH"], treatment="incineration_energy_recovery", tonnes="2", year=2025)
    bare = waste(sites["CH"], treatment="incineration_no_recovery", tonnes="2", year=2025)
    db.session.commit()
    assert line_of(before).co2e_g == grams(
        "2", desnz(2024, "commercial_industrial_waste_combustion", "tonnes")
    )
    for record in (after, bare):
        line = line_of(record)
        assert not line.is_fallback
        assert line.co2e_g == grams(
            "2",
            desnz(2025, "commercial_industrial_waste_incineration_with_energy_recovery", "tonnes"),
        )
    assert "no factor for incineration without energy recovery" in line_of(bare).note
    assert "without energy recovery" not in line_of(after).note


def test_paper_without_a_paper_factor_takes_the_commercial_one(sites):
    record = waste(sites["CH"], stream="paper_card", treatment="anaerobic_digestion", year=2019)
    db.session.commit()
    line = line_of(record)
    assert line.co2e_g == grams(
        "2.5", desnz(2019, "commercial_industrial_waste_anaerobic_digestion", "tonnes")
    )
    assert "no paper and board factor for this treatment" in line.note


def test_a_period_across_new_year_is_split_by_days(sites):
    record = services.record_waste(
        actor=None,
        site_id=sites["CH"],
        period_start=dt.date(2022, 12, 1),
        period_end=dt.date(2023, 1, 31),
        stream="mixed",
        treatment="landfill",
        tonnes=Decimal("6.2"),
    )
    db.session.commit()
    lines = {
        line.year: line
        for line in ledger.current_lines(activity_type="waste_record", activity_id=record.id)
    }
    assert lines[2022].quantity == Decimal("3.100")
    assert lines[2022].co2e_g == grams(
        "3.100", desnz(2022, "commercial_industrial_waste_landfill", "tonnes")
    )
    assert lines[2023].co2e_g == grams(
        "3.100", desnz(2023, "commercial_industrial_waste_landfill", "tonnes")
    )
    assert services.waste_total_g(year=2023) == lines[2023].co2e_g


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"tonnes": Decimal(0)}, "tonnes"),
        ({"tonnes": "-1"}, "tonnes"),
        ({"stream": "uranium"}, "stream"),
        ({"treatment": "rocket"}, "treatment"),
        ({"site_id": None}, "site_id"),
        ({"period_end": dt.date(2022, 1, 1)}, "period_end"),
    ],
)
def test_bad_values_name_the_field(sites, changes, field):
    with pytest.raises(ValidationFailed) as refused:
        waste(changes.pop("site_id", sites["CH"]), **changes)
    assert field in refused.value.errors


# --- diversion --------------------------------------------------------------------------------


def test_the_diversion_rate_of_each_site_and_year(sites):
    waste(sites["CH"], treatment="landfill", tonnes="3")
    waste(sites["CH"], stream="paper_card", treatment="recycling", tonnes="1")
    waste(sites["CH"], stream="food_organic", treatment="composting", tonnes="0.5")
    waste(sites["CH"], treatment="incineration_no_recovery", tonnes="0.5")
    waste(sites["GB"], treatment="incineration_energy_recovery", tonnes="2", year=2024)
    db.session.commit()
    rates = {(row.site, row.year): row for row in services.diversion_rates()}
    geneva = rates[("Geneva HQ", 2023)]
    assert (geneva.tonnes, geneva.diverted_tonnes) == (Decimal(5), Decimal("1.5"))
    assert geneva.rate_pct == pytest.approx(30.0)
    assert rates[("London office", 2024)].rate_pct == pytest.approx(100.0)
    assert [row.year for row in services.diversion_rates(year=2024)] == [2024]


def test_the_list_shows_the_diversion_rate_and_lines(client, create_user, login, sites):
    waste(sites["CH"], treatment="landfill", tonnes="3")
    waste(sites["CH"], stream="glass", treatment="recycling", tonnes="1")
    db.session.commit()
    login(client, create_user(roles=(Role.management,)))
    page = client.get("/energy/waste?year=2023").get_data(as_text=True)
    assert "Diversion rate" in page
    assert "25.0" in page
    assert "Nearest edition (fallback)" in page
    assert "Glass" in page
    assert "/edit" not in page  # management reads only


# --- import -----------------------------------------------------------------------------------

REPORT = (
    "Site,From,To,Waste stream,Treatment,Tonnes,Reference\n"
    "Geneva HQ,2023-01-01,2023-03-31,general waste,landfill,2.5,WTN-1\n"
    "Geneva HQ,2023-01-01,2023-03-31,Paper and card,recycled,1.2,WTN-1\n"
    "London office,2021-04-01,2021-06-30,food,composting,0.4,\n"
)


def test_a_contractors_report_becomes_records_with_their_lines(sites):
    result = imports.import_file(
        WASTE_IMPORTER, actor=None, data=REPORT.encode(), filename="waste.csv"
    )
    db.session.commit()
    assert (result.created, result.rows) == (3, 3)
    records = {
        (r.stream.value, r.treatment.value): r for r in db.session.scalars(sa.select(WasteRecord))
    }
    food = line_of(records[("food_organic", "composting")])
    assert food.co2e_g == grams(
        "0.4", desnz(2021, "commercial_industrial_waste_composting", "tonnes")
    )
    paper = line_of(records[("paper_card", "recycling")])
    assert paper.co2e_g == grams("1.2", desnz(2023, "paper_and_board_mixed_closed_loop", "tonnes"))
    assert result.co2e_g["waste"] == services.waste_total_g()
    again = imports.import_file(
        WASTE_IMPORTER,
        actor=None,
        data=(REPORT + "Geneva HQ,2023-04-01,2023-06-30,mixed,landfill,2,WTN-2\n").encode(),
        filename="waste2.csv",
    )
    assert (again.created, len(again.skipped)) == (1, 3)


def test_a_bad_row_imports_nothing_and_is_named(sites):
    bad = REPORT + (
        "Geneva HQ,2023-04-01,2023-06-30,mixed,moon,2,\n"
        "Geneva HQ,2023-04-01,2023-06-30,mixed,landfill,-2,\n"
        "Paris office,2023-04-01,2023-06-30,mixed,landfill,2,\n"
    )
    with pytest.raises(ImportFailed) as refused:
        imports.import_file(WASTE_IMPORTER, actor=None, data=bad.encode(), filename="bad.csv")
    messages = [str(error) for error in refused.value.row_errors]
    assert messages[0].startswith("Row 5, treatment: “moon” is not one of:")
    assert messages[1].startswith("Row 6, tonnes:")
    assert messages[2].startswith("Row 7, site: no site is named “Paris office”")
    db.session.rollback()
    assert count(WasteRecord) == 0
    assert count(ImportBatch) == 0


def test_import_in_the_browser_and_the_template(client, create_user, login, sites):
    login(client, create_user(roles=(Role.ems,)))
    checked = client.post(
        "/energy/waste/import",
        data={"file": (io.BytesIO(REPORT.encode()), "waste.csv")},
        content_type="multipart/form-data",
    )
    assert "3 waste records to create." in checked.get_data(as_text=True)
    batch = db.session.scalars(sa.select(ImportBatch)).one()
    assert client.post(f"/energy/waste/import/{batch.id}/commit").status_code == 302
    assert count(WasteRecord) == 3
    template = client.get("/energy/waste/import/template.csv").data
    result = imports.import_file(WASTE_IMPORTER, actor=None, data=template, filename="t.csv")
    assert result.created == 2


# --- edit, removal, export --------------------------------------------------------------------


def test_an_edit_replaces_the_line_and_a_stale_version_is_refused(sites):
    record = waste(sites["CH"], tonnes="2", year=2019)
    db.session.commit()
    version = record.version_id
    data = {
        "site_id": sites["CH"],
        "period_start": dt.date(2019, 1, 1),
        "period_end": dt.date(2019, 3, 31),
        "stream": "mixed",
        "treatment": "landfill",
        "tonnes": "4",
    }
    services.update_waste_record(actor=None, record=record, expected_version=version, **data)
    db.session.commit()
    assert line_of(record).co2e_g == grams(
        "4", desnz(2019, "commercial_industrial_waste_landfill", "tonnes")
    )
    with pytest.raises(Conflict):
        services.update_waste_record(actor=None, record=record, expected_version=version, **data)


def test_the_edit_page_tells_a_second_editor(app, client, create_user, login, sites):
    record = waste(sites["CH"], tonnes="2")
    db.session.commit()
    record_id, version = record.id, record.version_id
    form = {
        "site_id": str(sites["CH"]),
        "period_start": "2023-01-01",
        "period_end": "2023-03-31",
        "stream": "mixed",
        "treatment": "landfill",
        "version_id": str(version),
    }
    login(client, create_user(roles=(Role.ems,)))
    other = app.test_client()
    login(other, create_user(roles=(Role.ems,)))
    assert 'value="2"' in client.get(f"/energy/waste/{record_id}/edit").text
    assert (
        client.post(f"/energy/waste/{record_id}/edit", data={**form, "tonnes": "3"}).status_code
        == 302
    )
    second = other.post(f"/energy/waste/{record_id}/edit", data={**form, "tonnes": "5"})
    assert "Someone else changed this record" in second.get_data(as_text=True)
    assert db.session.get(WasteRecord, record_id).tonnes == Decimal(3)


def test_removal_and_restoration_take_the_line_with_them(client, create_user, login, sites):
    record = waste(sites["CH"], tonnes="2")
    db.session.commit()
    record_id, grams_before = record.id, services.waste_total_g()
    login(client, create_user(roles=(Role.ems,)))
    confirm = client.get(f"/energy/waste/{record_id}/delete")
    assert "Remove waste record" in confirm.get_data(as_text=True)
    assert client.post(f"/energy/waste/{record_id}/delete").status_code == 302
    assert services.waste_total_g() == 0
    assert db.session.scalars(services.waste_query()).all() == []  # the list no longer has it
    removal = db.session.scalars(removals.removals_query()).first()
    removals.restore(actor=None, removal=removal)
    db.session.commit()
    assert services.waste_total_g() == grams_before
    assert [record.id for record in db.session.scalars(services.waste_query())] == [record_id]


def test_exports(client, create_user, login, sites):
    record = waste(sites["CH"], stream="glass", treatment="recycling", tonnes="4", reference="=1+1")
    waste(sites["GB"], tonnes="1", year=2021)
    db.session.commit()
    login(client, create_user(roles=(Role.management,)))
    response = client.get("/energy/waste/export.csv?year=2023")
    assert response.status_code == 200
    (row,) = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert row["record"] == str(record.id)
    assert (row["stream"], row["stream_label"]) == ("glass", "Glass")
    assert (row["treatment"], row["treatment_label"]) == ("recycling", "Recycling")
    assert Decimal(row["co2e_kg"]) == Decimal(line_of(record).co2e_g) / 1000
    assert (row["factor_sets"], row["fallback"]) == ("desnz-other-2021", "yes")
    assert row["reference"] == "'=1+1"  # never run as a formula
    assert client.get("/energy/waste/export.xlsx").status_code == 200


def test_import_command(app, sites, tmp_path):
    from ems.cli import cli

    path = tmp_path / "waste.csv"
    path.write_text(REPORT)
    done = app.test_cli_runner().invoke(cli, ["import", "waste", str(path)])
    assert done.exit_code == 0, done.output
    assert "imported 3 waste records" in done.output
    assert count(WasteRecord) == 3


def test_an_unknown_layout_is_mapped_on_the_waste_mapping_page(client, create_user, login, sites):
    login(client, create_user(roles=(Role.ems,)))
    odd = "Foo,Bar\nGeneva HQ,2\n"
    checked = client.post(
        "/energy/waste/import",
        data={"file": (io.BytesIO(odd.encode()), "odd.csv")},
        content_type="multipart/form-data",
    )
    batch = db.session.scalars(sa.select(ImportBatch)).one()
    assert checked.status_code == 302
    assert checked.headers["Location"].endswith(f"/energy/waste/import/{batch.id}/columns")
    assert client.get(f"/energy/waste/import/{batch.id}/columns").status_code == 200


def test_an_import_is_removed_and_restored_as_a_whole(sites):
    result = imports.import_file(
        WASTE_IMPORTER, actor=None, data=REPORT.encode(), filename="waste.csv"
    )
    db.session.commit()
    total = services.waste_total_g()
    removal = imports.remove_batch(WASTE_IMPORTER, actor=None, batch=result.batch)
    db.session.commit()
    assert removal is not None
    assert removal.record_count == 3
    assert services.waste_total_g() == 0
    removals.restore(actor=None, removal=removal)
    db.session.commit()
    assert services.waste_total_g() == total


def test_estimated_waste_and_water_records_count_in_the_data_quality(sites):
    from ems.inventory.services import data_quality

    waste(sites["CH"], is_estimate=True)
    waste(sites["CH"], stream="paper_card", treatment="recycling")
    services.record_water(
        actor=None,
        site_id=sites["CH"],
        period_start=dt.date(2023, 1, 1),
        period_end=dt.date(2023, 3, 31),
        supply_source="mains",
        supply_m3="900",
        is_estimate=True,
    )
    db.session.commit()
    quality = data_quality(2023)
    assert quality.estimated_waste_water_records == 2
    assert quality.estimated_energy_records == 0
    assert data_quality(2022).estimated_waste_water_records == 0
