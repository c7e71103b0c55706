"""The renewable share of each site's electricity, as the UN inventory (Greening the Blue)
asks it.

Renewable kWh = on-site generation + kWh covered by certificates that meet the GHG Protocol
Scope 2 Quality Criteria + kWh under a green tariff or PPA that meets them; the share is the
renewable kWh over the electricity used: grid electricity + on-site generation. A record
across New Year counts its share of each year by days, as its lines do. Beside it, the site's
market-based Scope 2 of the year from its current lines."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from ems.energy.models import EnergyRecord, EnergyType
from ems.energy.services._shared import ACTIVITY_TYPE, split_by_year
from ems.energy.services.records import CONTRACTS, _in_kwh, energy_query
from ems.extensions import db
from ems.ledger.models import Basis, EmissionLine

GRAMS_PER_TONNE = Decimal(1_000_000)


@dataclass(frozen=True)
class RenewableShare:
    """A site's electricity of one year and how much of it is renewable."""

    site_id: int
    site: str
    year: int
    #: kWh of electricity bought from the grid (electricity records)
    electricity_kwh: Decimal
    #: kWh generated on site (on-site renewable records)
    onsite_kwh: Decimal
    #: on-site kWh + kWh of certificates and green tariffs or PPAs meeting the quality criteria
    renewable_kwh: Decimal
    #: grams CO2e of the site's market-based Scope 2 lines of the year
    market_g: int

    @property
    def total_kwh(self) -> Decimal:
        """The electricity the site used: from the grid and generated on site."""
        return self.electricity_kwh + self.onsite_kwh

    @property
    def share_pct(self) -> float:
        """The renewable share of the electricity used, in percent (0 without any)."""
        return float(self.renewable_kwh / self.total_kwh * 100) if self.total_kwh else 0.0

    @property
    def market_t(self) -> Decimal:
        """The market-based Scope 2 in tonnes CO2e (exact)."""
        return Decimal(self.market_g) / GRAMS_PER_TONNE


def _renewable_kwh(record: EnergyRecord, kwh: Decimal, certificates: Decimal | None) -> Decimal:
    """The renewable part of ``kwh`` of ``record`` (a year's part of it)."""
    if record.energy_type is EnergyType.onsite_renewable:
        return kwh
    if not record.meets_quality_criteria:
        return Decimal(0)
    if record.instrument in CONTRACTS and record.supplier_factor_id is not None:
        return kwh
    return min(certificates or Decimal(0), kwh)


def _market_grams(year: int | None, site_id: int | None) -> dict[tuple[int, int], int]:
    """Grams of the current market-based electricity lines by (site, year)."""
    stmt = (
        sa.select(EmissionLine.site_id, EmissionLine.year, sa.func.sum(EmissionLine.co2e_g))
        .where(
            EmissionLine.activity_type == ACTIVITY_TYPE,
            EmissionLine.superseded_at.is_(None),
            EmissionLine.item == "electricity",
            EmissionLine.basis == Basis.market,
            EmissionLine.site_id.is_not(None),
        )
        .group_by(EmissionLine.site_id, EmissionLine.year)
    )
    if year:
        stmt = stmt.where(EmissionLine.year == year)
    if site_id:
        stmt = stmt.where(EmissionLine.site_id == site_id)
    return {
        (int(site), line_year): int(grams)
        for site, line_year, grams in db.session.execute(stmt)
        if site is not None
    }


def renewable_shares(
    year: int | None = None, *, site_id: int | None = None
) -> list[RenewableShare]:
    """The renewable share of each site's electricity in ``year`` (every year when None; of
    ``site_id`` only, when given): per site with electricity or on-site generation that year,
    latest year first, then by site name."""
    kinds = (EnergyType.electricity, EnergyType.onsite_renewable)
    electricity: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    onsite: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    renewable: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    names: dict[int, str] = {}
    records = db.session.scalars(
        energy_query(year=year, site_id=site_id).where(EnergyRecord.energy_type.in_(kinds))
    )
    for record in records:
        names[record.site_id] = record.site.name
        parts = split_by_year(
            record.period_start, record.period_end, record.quantity, record.certificates_kwh
        )
        for part in parts:
            if year and part.year != year:
                continue
            key = (record.site_id, part.year)
            kwh = _in_kwh(part.quantity, record.unit)
            if record.energy_type is EnergyType.onsite_renewable:
                onsite[key] += kwh
            else:
                electricity[key] += kwh
            renewable[key] += _renewable_kwh(record, kwh, part.certificates_kwh)
    market = _market_grams(year, site_id)
    keys = sorted(set(electricity) | set(onsite), key=lambda key: (-key[1], names[key[0]]))
    return [
        RenewableShare(
            site_id=site,
            site=names[site],
            year=share_year,
            electricity_kwh=electricity[site, share_year],
            onsite_kwh=onsite[site, share_year],
            renewable_kwh=renewable[site, share_year],
            market_g=market.get((site, share_year), 0),
        )
        for site, share_year in keys
    ]
