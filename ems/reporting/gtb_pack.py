"""The Greening the Blue submission pack: one workbook in the sections of the UN system's data
collection, from the ledger's current lines and the year's records. Read-only.

Sheets: the summary (the Greening-the-Blue boundary by the inventory's categories, with its
total: ``exports.gtb_pack_rows``), then facilities energy, refrigerants (the ozone-depleting ones
listed as optional emissions, outside the scopes), air travel by ICAO's calculator (with its
coverage and DESNZ beside it), other travel, waste, water, offsets and environmental
management. Every label is in English, French and Spanish, the languages of the UN's own files;
the figures are the ledger's, in t CO2e rounded to 0.001 t. The pack issued with a report is
built in the same transaction as the report's figures and kept byte for byte (``issued_files``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from ems import labels
from ems.credits.models import CarbonCredit
from ems.energy.models import EnergyRecord, RefrigerantTopUp, WasteRecord, WaterRecord
from ems.energy.services import ACTIVITY_TYPE as ENERGY_ACTIVITY
from ems.energy.services import (
    REFRIGERANT_ACTIVITY,
    WASTE_ACTIVITY,
    WATER_ACTIVITY,
    renewable_shares,
)
from ems.extensions import db
from ems.factors.models import EmissionFactor
from ems.inventory.services import Boundary, inventory
from ems.ledger.models import Basis, EmissionLine, SourceCategory
from ems.org.models import ManagementIndicators, Site
from ems.org.services import get_organisation
from ems.reporting.exports import counts_in_total, gtb_pack_rows
from ems.travel.models import FlightLeg
from ems.travel.services import icao_coverage
from ems.travel.services.icao import ICAO_CLASSES
from ems.travel.services.lines import leg_item_sql
from ems.units import GRAMS_PER_TONNE, round_half_up, rounded

Rows = list[list[Any]]

#: every label of the pack: English → (French, Spanish)
WORDS: dict[str, tuple[str, str]] = {
    "Summary": ("Synthèse", "Resumen"),
    "Facilities energy": ("Énergie des installations", "Energía de las instalaciones"),
    "Refrigerants": ("Fluides frigorigènes", "Refrigerantes"),
    "Air travel (ICAO)": ("Voyages en avion (OACI)", "Viajes aéreos (OACI)"),
    "Other travel": ("Autres déplacements", "Otros desplazamientos"),
    "Waste": ("Déchets", "Residuos"),
    "Water": ("Eau", "Agua"),
    "Offsets": ("Compensations", "Compensaciones"),
    "Environmental management": ("Gestion environnementale", "Gestión ambiental"),
    "Organisation": ("Organisation", "Organización"),
    "Reporting year": ("Année de l’inventaire", "Año del inventario"),
    "Site": ("Site", "Sitio"),
    "Energy": ("Énergie", "Energía"),
    "Scope": ("Scope", "Alcance"),
    "Basis": ("Méthode", "Método"),
    "Quantity": ("Quantité", "Cantidad"),
    "Unit": ("Unité", "Unidad"),
    "t CO2e": ("t éq. CO2", "t CO2e"),
    "t CO2": ("t CO2", "t CO2"),
    "Counted in total": ("Compté dans le total", "Incluido en el total"),
    "yes": ("oui", "sí"),
    "no": ("non", "no"),
    "Total": ("Total", "Total"),
    "Gas": ("Gaz", "Gas"),
    "kg": ("kg", "kg"),
    "GWP": ("PRG", "PCA"),
    "Ozone-depleting (Montreal Protocol)": (
        "Substance appauvrissant la couche d’ozone (Protocole de Montréal)",
        "Sustancia que agota la capa de ozono (Protocolo de Montreal)",
    ),
    "Optional emissions outside the scopes (not in the total)": (
        "Émissions facultatives hors scopes (non comptées dans le total)",
        "Emisiones opcionales fuera de los alcances (no incluidas en el total)",
    ),
    "From": ("Origine", "Origen"),
    "To": ("Destination", "Destino"),
    "Cabin class": ("Classe", "Clase"),
    "Passengers": ("Passagers", "Pasajeros"),
    "kg CO2 per passenger": ("kg CO2 par passager", "kg CO2 por pasajero"),
    "Flights": ("Vols", "Vuelos"),
    "Flights with an ICAO figure": (
        "Vols avec un chiffre OACI",
        "Vuelos con una cifra de la OACI",
    ),
    "Coverage": ("Couverture", "Cobertura"),
    "ICAO calculator, flights with its figure": (
        "Calculateur de l’OACI, vols avec son chiffre",
        "Calculadora de la OACI, vuelos con su cifra",
    ),
    "DESNZ without RF, the same flights": (
        "DESNZ sans forçage radiatif, les mêmes vols",
        "DESNZ sin forzamiento radiativo, los mismos vuelos",
    ),
    "DESNZ without RF, flights without an ICAO figure": (
        "DESNZ sans forçage radiatif, vols sans chiffre OACI",
        "DESNZ sin forzamiento radiativo, vuelos sin cifra de la OACI",
    ),
    "Air travel for the UN inventory (ICAO where present, DESNZ without RF otherwise)": (
        "Voyages en avion pour l’inventaire des Nations Unies (OACI si disponible, sinon DESNZ "
        "sans forçage radiatif)",
        "Viajes aéreos para el inventario de las Naciones Unidas (OACI cuando existe, si no "
        "DESNZ sin forzamiento radiativo)",
    ),
    "Routes without an ICAO figure": (
        "Trajets sans chiffre OACI",
        "Rutas sin cifra de la OACI",
    ),
    "Mode": ("Mode", "Modo"),
    "Stream": ("Type de déchet", "Tipo de residuo"),
    "Treatment": ("Traitement", "Tratamiento"),
    "tonnes": ("tonnes", "toneladas"),
    "Diverted from landfill": ("Détourné de la mise en décharge", "Desviado del vertedero"),
    "Source": ("Source", "Fuente"),
    "m³ supplied": ("m³ fournis", "m³ suministrados"),
    "m³ of wastewater treated": ("m³ d’eaux usées traitées", "m³ de aguas residuales tratadas"),
    "Standard": ("Norme", "Estándar"),
    "Project": ("Projet", "Proyecto"),
    "Vintage": ("Millésime", "Año de la reducción (vintage)"),
    "Serial numbers": ("Numéros de série", "Números de serie"),
    "Retired on": ("Annulé le", "Retirado el"),
    "t CO2e retired": ("t éq. CO2 annulées", "t CO2e retiradas"),
    "Gross emissions (Greening the Blue boundary)": (
        "Émissions brutes (périmètre Greening the Blue)",
        "Emisiones brutas (perímetro Greening the Blue)",
    ),
    "Climate neutral": ("Neutre sur le plan climatique", "Climáticamente neutro"),
    "Credits are never netted from the emissions.": (
        "Les crédits ne sont jamais déduits des émissions.",
        "Los créditos nunca se restan de las emisiones.",
    ),
    "EMS status": ("État du SME", "Estado del SGA"),
    "Environmental policy adopted": (
        "Politique environnementale adoptée",
        "Política ambiental adoptada",
    ),
    "Sites in the EMS": ("Sites couverts par le SME", "Sitios incluidos en el SGA"),
    "All sites": ("Tous les sites", "Todos los sitios"),
    "Staff trained": ("Personnel formé", "Personal capacitado"),
    "Note": ("Note", "Nota"),
    "None recorded": ("Aucune donnée", "Sin datos"),
    "Total of the routes": ("Total des trajets", "Total de las rutas"),
    "Renewable share of electricity": (
        "Part renouvelable de l’électricité",
        "Proporción renovable de la electricidad",
    ),
    "Grid electricity, kWh": ("Électricité du réseau, kWh", "Electricidad de la red, kWh"),
    "On-site generation, kWh": ("Production sur site, kWh", "Generación in situ, kWh"),
    "Renewable, kWh": ("Renouvelable, kWh", "Renovable, kWh"),
    "Renewable share": ("Part renouvelable", "Proporción renovable"),
    "Scope 2 market-based, t CO2e": (
        "Scope 2 fondé sur le marché, t éq. CO2",
        "Alcance 2 basado en el mercado, t CO2e",
    ),
    # the values the sheets name (ems.labels' English words)
    "Electricity": ("Électricité", "Electricidad"),
    "Natural gas": ("Gaz naturel", "Gas natural"),
    "Heating oil — burning oil (kerosene)": (
        "Fioul domestique (kérosène)",
        "Gasóleo de calefacción (queroseno)",
    ),
    "Gas oil (red diesel, generator fuel, continental heating oil)": (
        "Gazole non routier (groupes électrogènes, chauffage)",
        "Gasóleo (generadores, calefacción)",
    ),
    "Fuel oil (heavy fuel oil)": ("Fioul lourd", "Fuelóleo pesado"),
    "Diesel — road diesel (average biofuel blend)": (
        "Gazole routier (mélange moyen de biocarburant)",
        "Diésel de automoción (mezcla media de biocombustible)",
    ),
    "LPG": ("GPL", "GLP"),
    "District heating": ("Chauffage urbain", "Calefacción urbana"),
    "District cooling": ("Froid urbain", "Refrigeración urbana"),
    "On-site renewable generation": (
        "Production renouvelable sur site",
        "Generación renovable in situ",
    ),
    "location-based": ("fondée sur la localisation", "basada en la ubicación"),
    "market-based": ("fondée sur le marché", "basada en el mercado"),
    "Mixed (general) waste": ("Déchets en mélange (ordinaires)", "Residuos mezclados (generales)"),
    "Paper and card": ("Papier et carton", "Papel y cartón"),
    "Plastics": ("Plastiques", "Plásticos"),
    "Glass": ("Verre", "Vidrio"),
    "Metals": ("Métaux", "Metales"),
    "Food and organic": ("Déchets alimentaires et organiques", "Residuos alimentarios y orgánicos"),
    "Electrical and electronic (e-waste)": (
        "Déchets d’équipements électriques et électroniques",
        "Residuos de aparatos eléctricos y electrónicos",
    ),
    "Hazardous": ("Dangereux", "Peligrosos"),
    "Landfill": ("Mise en décharge", "Vertedero"),
    "Recycling": ("Recyclage", "Reciclaje"),
    "Composting": ("Compostage", "Compostaje"),
    "Anaerobic digestion": ("Méthanisation", "Digestión anaerobia"),
    "Incineration with energy recovery": (
        "Incinération avec valorisation énergétique",
        "Incineración con recuperación de energía",
    ),
    "Incineration without energy recovery": (
        "Incinération sans valorisation énergétique",
        "Incineración sin recuperación de energía",
    ),
    "Mains (public supply)": ("Réseau public", "Red pública"),
    "Groundwater (own well)": ("Eau souterraine (puits propre)", "Agua subterránea (pozo propio)"),
    "Rainwater": ("Eau de pluie", "Agua de lluvia"),
    "Recycled (grey) water": ("Eau recyclée (eaux grises)", "Agua reciclada (aguas grises)"),
    "None": ("Aucun", "Ninguno"),
    "In development": ("En cours d’élaboration", "En elaboración"),
    "Implemented": ("Mis en œuvre", "Implantado"),
    "Certified to ISO 14001": ("Certifié ISO 14001", "Certificado ISO 14001"),
    "CDM Certified Emission Reductions (CERs)": (
        "Réductions d’émissions certifiées du MDP (URCE)",
        "Reducciones certificadas de emisiones del MDL (RCE)",
    ),
    "Economy": ("Économique", "Turista"),
    "Premium Economy": ("Économique premium", "Turista prémium"),
    "Business": ("Affaires", "Business"),
    "First": ("Première", "Primera"),
    "m³": ("m³", "m³"),
    # the summary (exports.gtb_pack_rows), its header block and columns
    "Greening the Blue data pack": (
        "Dossier de données Greening the Blue",
        "Paquete de datos de Greening the Blue",
    ),
    "Boundary": ("Périmètre", "Perímetro"),
    "Headline basis": ("Base des totaux", "Base de los totales"),
    "Generated": ("Établi le", "Generado el"),
    "Category": ("Catégorie", "Categoría"),
    "Activity quantity": ("Quantité d’activité", "Cantidad de actividad"),
    "tCO2e": ("t éq. CO2", "t CO2e"),
    "Stationary combustion (heating and fuels)": (
        "Combustion fixe (chauffage et combustibles)",
        "Combustión estacionaria (calefacción y combustibles)",
    ),
    "Mobile combustion (own vehicles)": (
        "Combustion mobile (véhicules de l’organisation)",
        "Combustión móvil (vehículos propios)",
    ),
    "Fugitive emissions (refrigerants)": (
        "Émissions fugitives (fluides frigorigènes)",
        "Emisiones fugitivas (refrigerantes)",
    ),
    "Optional: ozone-depleting refrigerants (outside the scopes)": (
        "Facultatif : fluides frigorigènes appauvrissant la couche d’ozone (hors scopes)",
        "Opcional: refrigerantes que agotan la capa de ozono (fuera de los alcances)",
    ),
    "Purchased electricity (market-based)": (
        "Électricité achetée (méthode fondée sur le marché)",
        "Electricidad comprada (basada en el mercado)",
    ),
    "Purchased electricity (location-based)": (
        "Électricité achetée (méthode fondée sur la localisation)",
        "Electricidad comprada (basada en la ubicación)",
    ),
    "Purchased heat, steam and cooling (district networks)": (
        "Chaleur, vapeur et froid achetés (réseaux urbains)",
        "Calor, vapor y frío comprados (redes urbanas)",
    ),
    "Business travel: air (without RF)": (
        "Voyages d’affaires : avion (sans forçage radiatif)",
        "Viajes de trabajo: avión (sin forzamiento radiativo)",
    ),
    "Business travel: air (with RF)": (
        "Voyages d’affaires : avion (avec forçage radiatif)",
        "Viajes de trabajo: avión (con forzamiento radiativo)",
    ),
    "Business travel: air (ICAO calculator, flights with its figure)": (
        "Voyages d’affaires : avion (calculateur de l’OACI, vols avec son chiffre)",
        "Viajes de trabajo: avión (calculadora de la OACI, vuelos con su cifra)",
    ),
    "Business travel: air (ICAO where present, DESNZ without RF for the others)": (
        "Voyages d’affaires : avion (OACI si disponible, DESNZ sans forçage radiatif sinon)",
        "Viajes de trabajo: avión (OACI cuando existe, si no DESNZ sin forzamiento radiativo)",
    ),
    "Business travel: other (rail, bus, coach, taxi, car)": (
        "Voyages d’affaires : autres (train, bus, autocar, taxi, voiture)",
        "Viajes de trabajo: otros (tren, autobús, autocar, taxi, automóvil)",
    ),
    "Total (Greening the Blue boundary)": (
        "Total (périmètre Greening the Blue)",
        "Total (perímetro Greening the Blue)",
    ),
    "Total (Greening the Blue boundary, air travel by ICAO where present)": (
        "Total (périmètre Greening the Blue, avion selon l’OACI si disponible)",
        "Total (perímetro Greening the Blue, avión según la OACI cuando existe)",
    ),
}


def say(text: str) -> str:
    """``text`` in English, French and Spanish: "Waste / Déchets / Residuos" (each language's
    word, even where two are spelled alike: "Total / Total / Total")."""
    french, spanish = WORDS.get(text, (text, text))
    return f"{text} / {french} / {spanish}"


def _value(kind: str, code: object) -> str:
    """A value's label (ems.labels) in the three languages where the pack knows its words."""
    text = str(labels.label(kind, code, ""))
    return say(text) if text in WORDS else text


def _summary(rows: Rows) -> Rows:
    """The summary's labels (its first column, its column header) in the three languages."""
    said = []
    for row in rows:
        header = bool(row) and row[0] == "Category"
        said.append(
            [
                say(cell)
                if isinstance(cell, str) and (index == 0 or header) and cell in WORDS
                else say(cell)
                if cell in ("yes", "no")
                else cell
                for index, cell in enumerate(row)
            ]
        )
    return said


def _t(grams: int) -> float:
    return float(rounded(grams, GRAMS_PER_TONNE, 3))


def _quantity(value: Decimal | int | None) -> float | None:
    return None if value is None else float(round_half_up(Decimal(value), 3))


def _heading(title: str, year: int) -> Rows:
    return [
        [say(title)],
        [say("Organisation"), get_organisation().name],
        [say("Reporting year"), year],
        [],
    ]


def _current(year: int) -> list[sa.ColumnElement[bool]]:
    return [EmissionLine.year == year, EmissionLine.superseded_at.is_(None)]


def _sites() -> dict[int, str]:
    return dict(db.session.execute(sa.select(Site.id, Site.name)).all())


def facilities_energy(year: int) -> Rows:
    """Each site's energy by type: quantity, scope and basis, t CO2e (the records' lines)."""
    rows = _heading("Facilities energy", year)
    rows.append(
        [say(w) for w in ("Site", "Energy", "Scope", "Basis", "Quantity", "Unit", "t CO2e")]
        + [say("Counted in total")]
    )
    sites = _sites()
    found = db.session.execute(
        sa.select(
            EmissionLine.site_id,
            EnergyRecord.energy_type,
            EmissionLine.scope,
            EmissionLine.basis,
            EmissionLine.quantity_unit,
            sa.func.sum(sa.cast(EmissionLine.quantity, sa.Numeric)),
            sa.func.sum(EmissionLine.co2e_g),
        )
        .join(EnergyRecord, EnergyRecord.id == EmissionLine.activity_id)
        .where(
            *_current(year),
            EmissionLine.activity_type == ENERGY_ACTIVITY,
            EmissionLine.scope.in_((1, 2)),
        )
        .group_by(
            EmissionLine.site_id,
            EnergyRecord.energy_type,
            EmissionLine.scope,
            EmissionLine.basis,
            EmissionLine.quantity_unit,
        )
    ).all()
    total_g = 0
    for site_id, energy, scope, basis, unit, quantity, grams in sorted(
        found, key=lambda r: (sites.get(r[0] or 0, ""), str(r[1]), r[2], str(r[3] or ""))
    ):
        counted = counts_in_total(basis)
        total_g += int(grams) if counted else 0
        rows.append(
            [
                sites.get(site_id or 0, ""),
                _value("energy_type", energy),
                scope,
                _value("basis", basis),
                _quantity(quantity),
                labels.unit(unit),
                _t(int(grams)),
                say("yes" if counted else "no"),
            ]
        )
    rows.append([say("Total"), "", "", "", None, "", _t(total_g), ""])
    rows += [
        [],
        [say("Renewable share of electricity")],
        [
            say(w)
            for w in (
                "Site",
                "Grid electricity, kWh",
                "On-site generation, kWh",
                "Renewable, kWh",
                "Renewable share",
                "Scope 2 market-based, t CO2e",
            )
        ],
    ]
    shares = renewable_shares(year)
    rows += [
        [
            share.site,
            _quantity(share.electricity_kwh),
            _quantity(share.onsite_kwh),
            _quantity(share.renewable_kwh),
            float(round_half_up(share.share_pct, 1)),
            _t(share.market_g),
        ]
        for share in shares
    ] or [[say("None recorded")]]
    if shares:
        electricity = sum((s.electricity_kwh for s in shares), Decimal(0))
        onsite = sum((s.onsite_kwh for s in shares), Decimal(0))
        renewable = sum((s.renewable_kwh for s in shares), Decimal(0))
        share_pct = (
            float(round_half_up(renewable * 100 / (electricity + onsite), 1))
            if electricity + onsite
            else None
        )
        rows.append(
            [
                say("Total"),
                _quantity(electricity),
                _quantity(onsite),
                _quantity(renewable),
                share_pct,
                _t(sum(s.market_g for s in shares)),
            ]
        )
    return rows


def refrigerants(year: int) -> Rows:
    """Each site's refrigerant leaks by gas; the ozone-depleting ones apart, outside the scopes
    and outside the total, as optional emissions."""
    rows = _heading("Refrigerants", year)
    rows.append([say(w) for w in ("Site", "Gas", "kg", "GWP", "t CO2e", "Counted in total")])
    sites = _sites()
    found = db.session.execute(
        sa.select(
            RefrigerantTopUp.site_id,
            RefrigerantTopUp.gas,
            EmissionLine.basis,
            EmissionLine.factor_kgco2e_per_unit,
            sa.func.sum(sa.cast(EmissionLine.quantity, sa.Numeric)),
            sa.func.sum(EmissionLine.co2e_g),
        )
        .join(RefrigerantTopUp, RefrigerantTopUp.id == EmissionLine.activity_id)
        .where(*_current(year), EmissionLine.activity_type == REFRIGERANT_ACTIVITY)
        .group_by(
            RefrigerantTopUp.site_id,
            RefrigerantTopUp.gas,
            EmissionLine.basis,
            EmissionLine.factor_kgco2e_per_unit,
        )
    ).all()
    ordered = sorted(found, key=lambda r: (sites.get(r[0], ""), r[1]))
    in_scope = [r for r in ordered if r[2] is not Basis.outside]
    outside = [r for r in ordered if r[2] is Basis.outside]

    def row(found_row: Any, counted: bool) -> list[Any]:
        site_id, gas, _basis, gwp, kg, grams = found_row
        return [
            sites.get(site_id, ""),
            labels.refrigerant_name(gas),
            _quantity(kg),
            _quantity(gwp),
            _t(int(grams)),
            say("yes" if counted else "no"),
        ]

    rows += [row(r, True) for r in in_scope]
    rows.append([say("Total"), "", None, None, _t(sum(int(r[5]) for r in in_scope)), ""])
    rows += [[], [say("Optional emissions outside the scopes (not in the total)")]]
    rows += [[*row(r, False), say("Ozone-depleting (Montreal Protocol)")] for r in outside] or [
        [say("None recorded")]
    ]
    return rows


def air_travel_icao(year: int) -> Rows:
    """The year's flights by ICAO's calculator, route by route, with the coverage and the DESNZ
    figures beside them (see travel.services.icao)."""
    rows = _heading("Air travel (ICAO)", year)
    coverage = icao_coverage(year)
    rows += [
        [say("Flights"), coverage.legs],
        [say("Flights with an ICAO figure"), coverage.legs_covered],
        [say("Coverage"), float(coverage.coverage_pct) if coverage.coverage_pct else None, "%"],
        [say("ICAO calculator, flights with its figure"), _t(coverage.icao_g), say("t CO2")],
        [say("DESNZ without RF, the same flights"), _t(coverage.desnz_covered_g), say("t CO2e")],
        [
            say("DESNZ without RF, flights without an ICAO figure"),
            _t(coverage.desnz_uncovered_g),
            say("t CO2e"),
        ],
        [
            say("Air travel for the UN inventory (ICAO where present, DESNZ without RF otherwise)"),
            _t(coverage.gtb_g),
            say("t CO2e"),
        ],
        [],
        [
            say(w)
            for w in ("From", "To", "Cabin class", "Passengers", "kg CO2 per passenger", "t CO2")
        ],
    ]
    # each flight's own route (a figure may be the opposite direction's), ICAO's class
    found = db.session.execute(
        sa.select(
            FlightLeg.origin,
            FlightLeg.destination,
            FlightLeg.cabin_class,
            EmissionLine.factor_kgco2e_per_unit,
            sa.func.sum(sa.cast(EmissionLine.quantity, sa.Numeric)),
            sa.func.sum(EmissionLine.co2e_g),
        )
        .join(
            FlightLeg,
            sa.and_(
                FlightLeg.trip_id == EmissionLine.activity_id,
                EmissionLine.item == leg_item_sql(),
            ),
        )
        .where(*_current(year), EmissionLine.basis == Basis.icao)
        .group_by(
            FlightLeg.origin,
            FlightLeg.destination,
            FlightLeg.cabin_class,
            EmissionLine.factor_kgco2e_per_unit,
        )
    ).all()
    routes: dict[tuple[str, str, str, Decimal], list[Decimal | int]] = {}
    for origin, destination, cabin, kg, passengers, grams in found:
        route = routes.setdefault((origin, destination, ICAO_CLASSES[cabin], kg), [Decimal(0), 0])
        route[0] += Decimal(str(passengers or 0))
        route[1] += int(grams)
    ordered = sorted(routes.items(), key=lambda item: (-item[1][0], item[0][:3]))
    rows += [
        [origin, destination, say(cabin), _quantity(passengers), _quantity(kg), _t(int(grams))]
        for (origin, destination, cabin, kg), (passengers, grams) in ordered
    ] or [[say("None recorded")]]
    if routes:
        rows.append([say("Total of the routes"), "", "", None, None, _t(coverage.icao_g)])
    if coverage.missing:
        rows += [[], [say("Routes without an ICAO figure")]]
        rows += [
            [say("From"), say("To"), say("Cabin class"), say("Flights"), say("Passengers")]
        ] + [
            [m.origin, m.destination, say(m.cabin_class), m.legs, m.passengers]
            for m in coverage.missing
        ]
    return rows


def other_travel(year: int) -> Rows:
    """Rail, bus, coach, taxi and car journeys: distance and t CO2e by mode."""
    rows = _heading("Other travel", year)
    rows.append([say(w) for w in ("Mode", "Quantity", "Unit", "t CO2e")])
    found = db.session.execute(
        sa.select(
            EmissionFactor.label,
            EmissionLine.quantity_unit,
            sa.func.sum(sa.cast(EmissionLine.quantity, sa.Numeric)),
            sa.func.sum(EmissionLine.co2e_g),
        )
        .join(EmissionFactor, EmissionFactor.id == EmissionLine.factor_id)
        .where(*_current(year), EmissionLine.source_category == SourceCategory.other_travel)
        .group_by(EmissionFactor.label, EmissionLine.quantity_unit)
        .order_by(EmissionFactor.label)
    ).all()
    rows += [  # DESNZ's own words: "Rail > National rail"
        [label, _quantity(quantity), labels.unit(unit), _t(int(grams))]
        for label, unit, quantity, grams in found
    ]
    rows.append([say("Total"), None, "", _t(sum(int(r[3]) for r in found))])
    return rows


def waste(year: int) -> Rows:
    """Each site's waste by stream and treatment: tonnes and t CO2e; the diversion rate."""
    rows = _heading("Waste", year)
    rows.append([say(w) for w in ("Site", "Stream", "Treatment", "tonnes", "t CO2e")])
    sites = _sites()
    found = db.session.execute(
        sa.select(
            WasteRecord.site_id,
            WasteRecord.stream,
            WasteRecord.treatment,
            sa.func.sum(sa.cast(EmissionLine.quantity, sa.Numeric)),
            sa.func.sum(EmissionLine.co2e_g),
        )
        .join(WasteRecord, WasteRecord.id == EmissionLine.activity_id)
        .where(*_current(year), EmissionLine.activity_type == WASTE_ACTIVITY)
        .group_by(WasteRecord.site_id, WasteRecord.stream, WasteRecord.treatment)
    ).all()
    tonnes = Decimal(0)
    diverted = Decimal(0)
    for site_id, stream, treatment, quantity, grams in sorted(
        found, key=lambda r: (sites.get(r[0], ""), str(r[1]), str(r[2]))
    ):
        amount = Decimal(str(quantity or 0))
        tonnes += amount
        if treatment not in ("landfill", "incineration_no_recovery"):
            diverted += amount
        rows.append(
            [
                sites.get(site_id, ""),
                _value("waste_stream", stream),
                _value("waste_treatment", treatment),
                _quantity(amount),
                _t(int(grams)),
            ]
        )
    rows.append([say("Total"), "", "", _quantity(tonnes), _t(sum(int(r[4]) for r in found))])
    share = float(round_half_up(diverted * 100 / tonnes, 1)) if tonnes else None
    rows.append([say("Diverted from landfill"), "", "", share, "%"])
    return rows


def water(year: int) -> Rows:
    """Each site's water: m³ supplied by source and m³ of wastewater treated, with the t CO2e
    of their lines (supply from the mains and treatment; other sources have no factor)."""
    rows = _heading("Water", year)
    rows.append(
        [say(w) for w in ("Site", "Source", "m³ supplied", "m³ of wastewater treated", "t CO2e")]
    )
    sites = _sites()
    grams_by: dict[tuple[int, str], int] = defaultdict(int)
    for site_id, source, grams in db.session.execute(
        sa.select(WaterRecord.site_id, WaterRecord.supply_source, sa.func.sum(EmissionLine.co2e_g))
        .join(WaterRecord, WaterRecord.id == EmissionLine.activity_id)
        .where(*_current(year), EmissionLine.activity_type == WATER_ACTIVITY)
        .group_by(WaterRecord.site_id, WaterRecord.supply_source)
    ):
        grams_by[(site_id, str(source))] += int(grams)
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    # a record's m³ count in each year by its days there, as its lines do
    volumes: dict[tuple[int, str], list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 2)
    for record in db.session.scalars(
        sa.select(WaterRecord).where(
            WaterRecord.period_start <= last, WaterRecord.period_end >= first
        )
    ):
        days = Decimal((record.period_end - record.period_start).days + 1)
        inside = (min(record.period_end, last) - max(record.period_start, first)).days + 1
        share = inside / days
        found = volumes[(record.site_id, str(record.supply_source))]
        found[0] += record.supply_m3 * share
        found[1] += record.wastewater_m3 * share
    total_g = 0
    supplied_m3 = treated_m3 = Decimal(0)
    for (site_id, kind), (supplied, treated) in sorted(
        volumes.items(), key=lambda item: (sites.get(item[0][0], ""), item[0][1])
    ):
        grams = grams_by.get((site_id, kind), 0)
        total_g += grams
        supplied_m3 += supplied
        treated_m3 += treated
        rows.append(
            [
                sites.get(site_id, ""),
                _value("water_source", kind),
                _quantity(supplied),
                _quantity(treated),
                _t(grams),
            ]
        )
    rows.append([say("Total"), "", _quantity(supplied_m3), _quantity(treated_m3), _t(total_g)])
    return rows


def pack_total_g(year: int) -> int:
    """The Greening-the-Blue total of the pack: the inventory's, or, where the organisation
    takes air travel from ICAO (its settings), with ICAO's figure where a flight has one."""
    gtb = inventory(year, Boundary.gtb)
    if get_organisation().gtb_air_method != "icao":
        return gtb.total_g
    return gtb.total_g - gtb.air_without_rf_g + icao_coverage(year, missing_limit=0).gtb_g


def offsets(year: int) -> Rows:
    """Credits retired for the year, and its climate-neutral status: never netted."""
    rows = _heading("Offsets", year)
    rows.append(
        [
            say(w)
            for w in (
                "Standard",
                "Project",
                "Vintage",
                "Serial numbers",
                "Retired on",
                "t CO2e retired",
            )
        ]
    )
    credits = list(
        db.session.scalars(
            sa.select(CarbonCredit)
            .where(CarbonCredit.applied_year == year, CarbonCredit.removal_id.is_(None))
            .order_by(CarbonCredit.retired_on, CarbonCredit.id)
        )
    )
    rows += [
        [
            _value("credit_standard", credit.standard),
            f"{credit.project_name} {credit.project_id}".strip(),
            credit.vintage_year,
            f"{credit.serial_first} – {credit.serial_last}",
            credit.retired_on.isoformat(),
            credit.co2e_t,
        ]
        for credit in credits
    ] or [[say("None recorded")]]
    retired_t = sum(credit.co2e_t for credit in credits)
    gross_g = pack_total_g(year)
    rows += [
        [say("Total"), "", "", "", "", retired_t],
        [],
        [say("Gross emissions (Greening the Blue boundary)"), _t(gross_g), say("t CO2e")],
        [
            say("Climate neutral"),
            say("yes" if credits and retired_t * GRAMS_PER_TONNE >= gross_g else "no"),
        ],
        [say("Credits are never netted from the emissions.")],
    ]
    return rows


def environmental_management(year: int) -> Rows:
    """The year's environmental management indicators, as the UN inventory asks them."""
    rows = _heading("Environmental management", year)
    found = db.session.scalar(
        sa.select(ManagementIndicators).where(ManagementIndicators.year == year)
    )
    if found is None:
        return [*rows, [say("None recorded")]]
    sites = say("All sites") if found.all_sites else ", ".join(s.name for s in found.sites)
    return [
        *rows,
        [say("EMS status"), _value("ems_status", found.ems_status)],
        [
            say("Environmental policy adopted"),
            found.policy_adopted_on.isoformat() if found.policy_adopted_on else say("no"),
        ],
        [say("Sites in the EMS"), sites],
        [say("Staff trained"), found.staff_trained],
        [say("Note"), found.note],
    ]


#: the sheets of the pack after its summary, in the order of the UN data collection
SECTIONS = (
    ("Facilities energy", facilities_energy),
    ("Refrigerants", refrigerants),
    ("Air travel (ICAO)", air_travel_icao),
    ("Other travel", other_travel),
    ("Waste", waste),
    ("Water", water),
    ("Offsets", offsets),
    ("Environmental management", environmental_management),
)


def gtb_pack_sheets(
    year: int, *, generated_on: dt.date | None = None, issued_as: str | None = None
) -> dict[str, Rows]:
    """The pack's sheets: title → rows (the summary first; see ``exports.gtb_pack_rows``)."""
    sheets = {
        "Summary": _summary(gtb_pack_rows(year, generated_on=generated_on, issued_as=issued_as))
    }
    for title, build in SECTIONS:
        sheets[title] = build(year)
    return sheets
