"""The :class:`~terrisim.territory.Territory` of a real French territory.

The layout (:func:`terrisim.geography.build.real_layout`) is fixed by the territory and the cell
size; the random parts are drawn from the run's generator exactly like a synthetic territory's
where the data says nothing: the structural fragility of each commune and which communes host
the tiers-lieux.  So the same territory and seed give identical territories.
"""

from __future__ import annotations

import numpy as np

from ..scenario import Scenario
from ..territory import Territory, adjacency, draw_fragility
from .build import TOWN_POPULATION, real_layout


def build_real_territory(s: Scenario, rng: np.random.Generator) -> Territory:
    """Territory of scenario ``s``, whose ``territory`` names a real one."""
    lay = real_layout(s.territory, s.cell_km)
    c = lay.n_communes
    commune_of_cell = lay.commune_of_cell.copy()
    inside = commune_of_cell >= 0
    mountain = np.zeros(commune_of_cell.shape, dtype=bool)
    mountain[inside] = lay.mountain_commune[commune_of_cell[inside]]
    access = np.where(mountain & s.terrain, s.mountain_accessibility, 1.0)
    is_town = lay.population >= TOWN_POPULATION
    tiers = _tiers_lieux(s.n_tiers_lieux, lay.centres, lay.population, rng)
    base = draw_fragility(s, lay.bassin, rng)
    return Territory(
        s.width, s.height, s.cell_km, commune_of_cell, lay.centres.copy(), lay.bassin.copy(),
        lay.region_of_bassin.copy(), is_town, mountain, access, tiers,
        adjacency(commune_of_cell, c), base, base.copy(), epci=lay.epci.copy(),
        departement=lay.departement.copy(),
        org_weight=lay.population.astype(float), real=lay)


def _tiers_lieux(n: int, centres: np.ndarray, population: np.ndarray,
                 rng: np.random.Generator) -> np.ndarray:
    """Tiers-lieux sit in the centres of distinct communes drawn in proportion to population
    (*assumption*: they are mostly in towns and cities, a few in villages)."""
    populated = np.flatnonzero(population > 0)
    n = min(n, len(populated))
    if n <= 0:
        return np.zeros((0, 2), dtype=int)
    p = population[populated] / population[populated].sum()
    chosen = rng.choice(populated, size=n, replace=False, p=p)
    return centres[chosen].copy()
