"""Fixtures of the energy tests."""

from __future__ import annotations

import pytest

from ems.extensions import db
from ems.org import services as org


@pytest.fixture
def sites(loaded: None) -> dict[str, int]:
    """The shipped factors, and a site in London and one in Geneva: their ids by country."""
    london = org.create_site(actor=None, name="London office", country_code="GB")
    geneva = org.create_site(actor=None, name="Geneva HQ", country_code="CH")
    db.session.commit()
    return {"GB": london.id, "CH": geneva.id}
