"""Import profiles: an unknown layout waits for its mapping, a saved profile reads the next file
of that layout without asking, on the page and on the command line, and moves between
installations as JSON."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from ems.audit.models import AuditEntry
from ems.cli import cli
from ems.errors import ValidationFailed
from ems.extensions import db
from ems.imports import services as imports
from ems.imports.mapping import ColumnMapping, Formats
from ems.imports.models import ImportBatch, ImportProfile
from ems.travel.models import Trip

#: "Agency X": its own name for the booking reference, a title row, semicolons, decimal commas
AGENCY_X = (
    "Agency X - monthly export\n"
    "Job no;Passenger;From;To;Flight date;Class;Fare EUR\n"
    "JX-1;Zoé Müller;GVA;NBO;03.03.2025;Affaires;812,40\n"
    "JX-2;Ben Okafor;GVA;FRA;10.03.2025;Y;455,00\n"
)
AGENCY_X_APRIL = AGENCY_X.replace("JX-1", "JX-3").replace("JX-2", "JX-4").replace(".03.", ".04.")
MAPPING = ColumnMapping(
    columns={
        "Job no": "booking_reference",
        "Passenger": "traveller",
        "From": "origin",
        "To": "destination",
        "Flight date": "departure_date",
        "Class": "cabin_class",
    },
    values={"cabin_class": {"affaires": "business"}},
    formats=Formats(day_first=True, decimal_comma=True),
)
HEADERS = ["Job no", "Passenger", "From", "To", "Flight date", "Class", "Fare EUR"]


def travel() -> imports.Importer:
    return imports.importers()["travel"]


def test_an_unknown_layout_waits_for_its_mapping_then_is_recognised(loaded):
    first = imports.check_file(travel(), actor=None, data=AGENCY_X.encode(), filename="x.csv")
    assert first.needs_mapping
    assert first.batch is not None
    assert first.batch.status == "mapping"
    assert first.proposal is not None
    assert first.proposal.missing == ["booking_reference / ticket_number"]
    with pytest.raises(imports.MappingNeeded, match="booking_reference"):
        imports.import_file(travel(), actor=None, data=AGENCY_X.encode(), filename="x.csv")

    imports.save_profile(
        actor=None, kind="travel", name="Agency X monthly export", headers=HEADERS, mapping=MAPPING
    )
    checked = imports.map_batch(
        travel(), actor=None, batch=first.batch, mapping=ColumnMapping.from_dict(MAPPING.as_dict())
    )
    assert (checked.created, checked.rows, checked.batch.status) == (2, 2, "checked")
    imports.commit_batch(travel(), actor=None, batch=checked.batch)
    db.session.commit()
    business = db.session.scalars(sa.select(Trip).where(Trip.booking_reference == "JX-1")).one()
    assert business.legs[0].cabin_class.value == "business"  # the profile's value mapping

    april = imports.import_file(
        travel(), actor=None, data=AGENCY_X_APRIL.encode(), filename="april.csv"
    )
    db.session.commit()
    assert april.mapping is not None
    assert april.mapping.profile == "Agency X monthly export"
    assert april.ignored_columns == ["Fare EUR"]
    assert april.created == 2
    assert april.batch is not None
    assert april.batch.mapping["profile"] == "Agency X monthly export"
    again = imports.import_file(
        travel(), actor=None, data=AGENCY_X_APRIL.encode(), filename="april.csv"
    )
    assert again.already_imported
    assert again.created == 0
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(AuditEntry.action == "travel.import.profile_saved")
        )
        == 1
    )


def test_profiles_refuse_unknown_fields_and_empty_names(loaded):
    bad = ColumnMapping(columns={"Job no": "ticket_price"})
    with pytest.raises(ValidationFailed) as caught:
        imports.save_profile(actor=None, kind="travel", name=" ", headers=["Job no"], mapping=bad)
    assert set(caught.value.errors) == {"name", "columns", "fields"}
    assert "Traveller" in caught.value.errors["fields"]  # a profile that could read nothing
    with pytest.raises(ValidationFailed, match="No travel profile"):
        imports.get_profile("travel", "Agency Y")


def test_the_command_line_uses_a_named_profile_and_moves_profiles_as_json(loaded, app, tmp_path):
    runner = app.test_cli_runner()
    export = tmp_path / "agency-x.csv"
    export.write_bytes(AGENCY_X.encode("cp1252"))
    refused = runner.invoke(cli, ["import", "travel", str(export)])
    assert refused.exit_code == 1
    assert "booking_reference" in refused.output  # says what it could not find

    profiles = tmp_path / "profiles.json"
    profiles.write_text(
        json.dumps(
            {
                "format": imports.PROFILES_FORMAT,
                "profiles": [
                    {"kind": "travel", "name": "Agency X", "headers": HEADERS, **MAPPING.as_dict()}
                ],
            }
        )
    )
    loaded_profiles = runner.invoke(cli, ["import", "profiles", "import", str(profiles)])
    assert loaded_profiles.exit_code == 0, loaded_profiles.output
    assert "1 profiles saved: Agency X" in loaded_profiles.output
    listed = runner.invoke(cli, ["import", "profiles", "list"])
    assert "travel\tAgency X\t6 columns" in listed.output
    shown = runner.invoke(cli, ["import", "profiles", "show", "travel", "agency x"])
    assert json.loads(shown.output)["columns"]["Job no"] == "booking_reference"

    dry = runner.invoke(
        cli, ["import", "travel", str(export), "--profile", "Agency X", "--dry-run"]
    )
    assert dry.exit_code == 0, dry.output
    assert "Columns read with profile “Agency X”" in dry.output
    assert "Columns ignored: Fare EUR" in dry.output
    assert "would import 2 trips from 2 rows" in dry.output
    done = runner.invoke(cli, ["import", "travel", str(export)])  # recognised by its headers
    assert done.exit_code == 0, done.output
    assert "imported 2 trips" in done.output
    assert (
        runner.invoke(cli, ["import", "travel", str(export)]).output.count("imported before") == 1
    )

    exported = runner.invoke(cli, ["import", "profiles", "export", "--kind", "travel"])
    assert json.loads(exported.output)["profiles"][0]["values"] == {
        "cabin_class": {"affaires": "business"}
    }
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "something else"}')
    refused_json = runner.invoke(cli, ["import", "profiles", "import", str(broken)])
    assert refused_json.exit_code == 1
    assert "Not an export of ems import profiles" in refused_json.output
    assert db.session.scalar(sa.select(sa.func.count(ImportProfile.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(ImportBatch.id))) == 1


def _upload(client, data: bytes, name: str = "agency-x.csv"):
    from io import BytesIO

    return client.post(
        "/travel/import",
        data={"file": (BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_the_mapping_page_refuses_bad_choices_and_keeps_the_profile_on_bad_rows(
    client, create_user, login, loaded
):
    from ems.auth.models import Role
    from tests.html_forms import page_forms

    login(client, create_user(roles=(Role.travel,)))
    bad_row = AGENCY_X.replace("GVA;NBO", "GVA;XQZ")
    uploaded = _upload(client, bad_row.encode())
    assert uploaded.status_code == 302
    columns_url = uploaded.headers["Location"]
    assert columns_url.endswith("/columns")
    page = client.get(columns_url).get_data(as_text=True)
    assert "No column was found for Booking reference or Ticket number" in page
    assert "812,40" in page  # a sample value
    (form,) = [form for form in page_forms(page) if "column_0" in form]
    assert form["decimal_comma"] == "1"  # seen in the file's fares
    assert form["column_1"] == "traveller"

    twice = client.post(columns_url, data={**form, "column_0": "traveller"})
    assert twice.status_code == 422
    assert "Each field can be taken from one column only: traveller." in twice.get_data(
        as_text=True
    )
    unknown = client.post(
        columns_url,
        data={**form, "column_0": "booking_reference", "value_mappings": "colour: x = y"},
    )
    assert unknown.status_code == 422
    assert "Line 1: “colour” is not one of the fields" in unknown.get_data(as_text=True)

    rows_wrong = client.post(
        columns_url,
        data={**form, "column_0": "booking_reference", "profile_name": "Agency X"},
    )
    assert rows_wrong.status_code == 422
    text = rows_wrong.get_data(as_text=True)
    assert "Row 3, destination" in text
    assert db.session.scalar(sa.select(ImportProfile.name)) == "Agency X"  # kept all the same
    assert db.session.scalar(sa.select(sa.func.count(Trip.id))) == 0
    batch = db.session.scalars(sa.select(ImportBatch)).one()
    assert batch.status == "mapping"  # still waiting, to be mapped again or discarded

    fixed = _upload(client, AGENCY_X.encode(), "agency-x-fixed.csv")
    assert fixed.status_code == 200  # the profile recognises the layout: checked straight away
    assert "Columns read with the profile “Agency X”" in fixed.get_data(as_text=True)


@pytest.mark.parametrize(
    "entry",
    [
        {"formats": {"day_first": "false"}},  # a word, not true or false
        {"name": None},
        {"headers": "Job no,Passenger"},
        {"columns": ["Job no"]},
        {"values": {"cabin_class": "business"}},
    ],
)
def test_a_profile_export_with_values_of_the_wrong_type_is_refused(loaded, entry):
    good = {"kind": "travel", "name": "Agency X", "headers": HEADERS, **MAPPING.as_dict()}
    with pytest.raises(ValidationFailed, match="wrong type"):
        imports.load_profiles(
            actor=None, data={"format": imports.PROFILES_FORMAT, "profiles": [{**good, **entry}]}
        )
    assert db.session.scalar(sa.select(sa.func.count(ImportProfile.id))) == 0


def test_a_profile_without_headers_is_refused(loaded):
    with pytest.raises(ValidationFailed) as caught:
        imports.save_profile(actor=None, kind="travel", name="Empty", headers=[], mapping=MAPPING)
    assert set(caught.value.errors) == {"headers"}


def test_a_checked_file_is_mapped_again_and_its_profile_corrected(
    client, create_user, login, loaded, app
):
    from ems.auth.models import Role
    from tests.html_forms import page_forms

    wrong = ColumnMapping.from_dict({**MAPPING.as_dict(), "values": {}})
    imports.save_profile(actor=None, kind="travel", name="Agency X", headers=HEADERS, mapping=wrong)
    db.session.commit()
    login(client, create_user(roles=(Role.travel,)))
    own_word = AGENCY_X.replace("Affaires", "Komfort")  # the agency's own name of a class
    checked = _upload(client, own_word.encode())
    assert checked.status_code == 422  # no cabin class without a value mapping
    assert "Row 3, cabin_class" in checked.get_data(as_text=True)

    shown = _upload(client, own_word.replace("Komfort", "J").encode())
    text = shown.get_data(as_text=True)
    assert "Not right? Map the columns again" in text
    batch = db.session.scalars(sa.select(ImportBatch)).one()
    page = client.get(f"/travel/import/{batch.id}/columns").get_data(as_text=True)
    (form,) = [form for form in page_forms(page) if "column_0" in form]
    assert form["profile_name"] == "Agency X"  # saving corrects the profile
    assert form["column_0"] == "booking_reference"
    corrected = client.post(
        f"/travel/import/{batch.id}/columns",
        data={**form, "value_mappings": "cabin_class: Komfort = premium economy"},
    )
    assert corrected.status_code == 200
    profile = imports.get_profile("travel", "Agency X")
    assert profile.values == {"cabin_class": {"komfort": "premium economy"}}
    again = _upload(client, own_word.encode(), "agency-x-again.csv")
    assert again.status_code == 200  # the corrected profile reads the agency's word

    runner = app.test_cli_runner()
    deleted = runner.invoke(cli, ["import", "profiles", "delete", "travel", "Agency X", "--yes"])
    assert deleted.exit_code == 0, deleted.output
    assert json.loads(deleted.stdout)["profiles"][0]["name"] == "Agency X"  # to bring it back
    assert db.session.scalar(sa.select(sa.func.count(ImportProfile.id))) == 0


def test_a_format_the_file_does_not_say_must_be_chosen(client, create_user, login, loaded):
    from ems.auth.models import Role
    from tests.html_forms import page_forms

    login(client, create_user(roles=(Role.travel,)))
    ambiguous = AGENCY_X.replace("812,40", "1.200").replace("455,00", "12.450")
    uploaded = _upload(client, ambiguous.encode())
    assert uploaded.headers["Location"].endswith("/columns")  # asked, not guessed
    page = client.get(uploaded.headers["Location"]).get_data(as_text=True)
    assert "do not say whether the decimal separator is a point or a comma" in page
    (form,) = [form for form in page_forms(page) if "column_0" in form]
    assert form["decimal_comma"] == ""
    form["column_0"] = "booking_reference"
    unanswered = client.post(uploaded.headers["Location"], data=form)
    assert unanswered.status_code == 422
    assert "Choose: the file" in unanswered.get_data(as_text=True)
    answered = client.post(uploaded.headers["Location"], data={**form, "decimal_comma": "1"})
    assert answered.status_code == 200
    assert "Ready to import" in answered.get_data(as_text=True)
