"""Every import kind (energy bills, purchases, travel bookings, factor sets), uploaded in the
browser with a hostile value in one cell and committed when the check passes: no answer is a
server error, and the pages still answer afterwards."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import EmsClient
from tests.fuzz.conftest import YEAR, assert_pages_answer, count, fuzz, hostile_text

#: each kind: where it is uploaded, and a good row (column → value)
KINDS: dict[str, tuple[str, dict[str, str]]] = {
    "energy": (
        "/energy/import",
        {
            "site": "Geneva HQ",
            "energy_type": "electricity",
            "period_start": f"{YEAR}-05-01",
            "period_end": f"{YEAR}-05-31",
            "quantity": "1200.5",
            "unit": "kwh",
            "certificates_kwh": "100",
            "meter_reference": "FUZZ",
            "evidence_note": "bill",
            "estimated": "no",
        },
    ),
    "purchases": (
        "/procurement/import",
        {
            "reference": "FUZZ-1",
            "date": f"{YEAR}-03-01",
            "category": "Consulting",
            "supplier": "Acme",
            "description": "advice",
            "amount": "1000",
            "currency": "CHF",
            "quantity": "",
            "unit": "",
            "site": "Geneva HQ",
            "department": "PRG",
        },
    ),
    "travel": (
        "/travel/import",
        {
            "booking_reference": "FUZZ-T",
            "traveller": "Fuzz",
            "origin": "GVA",
            "destination": "CDG",
            "departure_date": f"{YEAR}-03-04",
            "cabin_class": "economy",
            "passengers": "1",
            "department": "PRG",
            "purpose": "meeting",
            "paid_by": "organisation",
            "notes": "",
        },
    ),
    "factors": (
        "/factors/import",
        {
            "category": "electricity",
            "activity": "supplier mix",
            "unit": "kwh",
            "kgco2e_per_unit": "0.0123",
            "kgco2_per_unit": "0.012",
            "country": "CH",
            "region": "west",
            "label": "Supplier mix",
        },
    ),
}
_COMMIT = re.compile(r'action="(/[a-z]+/import/[0-9]+/commit)"')
_FACTOR_SET = {
    "family": "fuzz supplier",
    "edition_year": str(YEAR),
    "version": "1",
    "title": "Fuzz",
    "publisher": "Fuzz",
    "licence": "CC-BY",
    "source": "test",
    "notes": "",
}


def _csv(row: dict[str, str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(row)
    writer.writerow(row.values())
    return out.getvalue().encode("utf-8", "surrogatepass")


def test_no_import_answers_a_server_error(signed_in: EmsClient, everything: dict[str, Any]) -> None:
    versions = iter(range(2, 10**6))

    @fuzz(80)
    @given(st.sampled_from(sorted(KINDS)), hostile_text, st.data())
    def upload_hostile(kind: str, value: str, data: st.DataObject) -> None:
        url, good = KINDS[kind]
        column = data.draw(st.sampled_from(sorted(good)))
        fields: dict[str, Any] = {}
        if kind == "factors":  # the set's fields are fuzzed too
            fields = {**_FACTOR_SET, "version": str(next(versions))}
            field = data.draw(st.sampled_from([None, *sorted(_FACTOR_SET)]))
            if field is not None:
                fields[field] = value
        row = {**good, column: value}
        response = signed_in.post(
            url,
            data={**fields, "file": (io.BytesIO(_csv(row)), f"{kind}.csv")},
            content_type="multipart/form-data",
        )
        count(f"import {kind} (check)", response.status_code)
        assert response.status_code < 500, (kind, column, value)
        commit = _COMMIT.search(response.get_data(as_text=True))
        if commit:
            done = signed_in.post(commit.group(1))
            count(f"import {kind} (commit)", done.status_code)
            assert done.status_code < 500, (kind, column, value)

    upload_hostile()
    assert_pages_answer(signed_in)
