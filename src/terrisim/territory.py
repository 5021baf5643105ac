"""The territory: a grid of cells partitioned into communes, bassins de vie and regions.

Sources: BRIEF §3 — a territory has a natural space (e.g. mountain), several bassins de vie, a
complex administrative space (the Massif Central spans 5 regions), places of collective projects
(tiers-lieux), and a fragility profile over 16 domains that is *relative to the surroundings*.

Everything here is built once per run from the scenario and the model's random generator, as plain
arrays indexed ``[x, y]`` (the Mesa grid's coordinate order).  Fragility is the only part that
changes during a run (:func:`relax_fragility`, :func:`fragile_masks`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from scipy.spatial import cKDTree

from .domains import N_DOMAINS, to_mask
from .scenario import Scenario

#: Relative weight of a town versus a village when placing organisations (*assumption*: rural
#: firms and associations concentrate in the bourg-centre; a factor of 8 gives the usual
#: rank-size shape where the few towns hold about half of the organisations).
TOWN_WEIGHT = 8.0


@dataclass
class Territory:
    """Static geography plus the (slowly changing) fragility of each commune."""

    width: int
    height: int
    cell_km: float
    commune_of_cell: np.ndarray      # (W, H) int32
    centres: np.ndarray              # (C, 2) int  cell of each commune's centre (its mairie)
    bassin: np.ndarray               # (C,) int32
    region_of_bassin: np.ndarray     # (B,) int32
    is_town: np.ndarray              # (C,) bool
    mountain: np.ndarray             # (W, H) bool
    access: np.ndarray               # (W, H) float  encounter-rate multiplier of the cell
    tiers_lieux: np.ndarray          # (T, 2) int   cells of the tiers-lieux
    neighbours: sparse.csr_matrix    # (C, C) row-normalised adjacency (the "surroundings")
    fragility_base: np.ndarray       # (C, 16) structural fragility in [0, 1]
    fragility: np.ndarray            # (C, 16) current fragility in [0, 1]
    epci: np.ndarray                 # (C,) int32 intercommunalité (EPCI) of each commune
    departement: np.ndarray          # (C,) int32 département of each commune
    #: relative attractiveness of each commune for firms and associations (None: drawn from
    #: towns and size_spread); real territories use the population
    org_weight: np.ndarray | None = None
    #: the real structure behind a territory built from the administrative data (codes,
    #: names, populations: :class:`terrisim.geography.build.RealLayout`), None if synthetic
    real: Any = None

    @property
    def n_communes(self) -> int:
        return len(self.centres)

    @property
    def region(self) -> np.ndarray:
        """Region of each commune."""
        return self.region_of_bassin[self.bassin]


def build_territory(s: Scenario, rng: np.random.Generator) -> Territory:
    """Draw a territory for scenario ``s`` (a real one when the scenario names it)."""
    if s.territory:
        from .geography.real import build_real_territory

        return build_real_territory(s, rng)
    w, h, c = s.width, s.height, s.n_communes
    cells = np.stack(np.meshgrid(np.arange(w), np.arange(h), indexing="ij"), axis=-1)
    flat_cells = cells.reshape(-1, 2).astype(float)

    # Communes: Voronoi cells of centres relaxed twice (Lloyd) so communes have comparable
    # areas, as French communes of a rural bassin do (*assumption*).
    centres = rng.uniform([0, 0], [w, h], size=(c, 2))
    for _ in range(2):
        _, owner = cKDTree(centres).query(flat_cells + 0.5)
        sums = np.zeros((c, 2))
        np.add.at(sums, owner, flat_cells + 0.5)
        counts = np.bincount(owner, minlength=c)[:, None]
        centres = np.where(counts > 0, sums / np.maximum(counts, 1), centres)
    _, owner = cKDTree(centres).query(flat_cells + 0.5)
    commune_of_cell = owner.reshape(w, h).astype(np.int32)
    centre_cells = np.clip(np.floor(centres), 0, [w - 1, h - 1]).astype(int)
    # a centre must lie in its own commune (not guaranteed for odd Voronoi shapes)
    for k in np.flatnonzero(commune_of_cell[centre_cells[:, 0], centre_cells[:, 1]]
                            != np.arange(c)):
        mine = np.argwhere(commune_of_cell == k)
        if len(mine):
            centre_cells[k] = mine[np.argmin(((mine + 0.5 - centres[k]) ** 2).sum(1))]

    bassin = _group(centres, s.n_bassins, rng)
    bassin_centres = np.array([centres[bassin == b].mean(axis=0) for b in range(s.n_bassins)])
    region_of_bassin = _group(bassin_centres, s.n_regions, rng)

    n_towns = max(1, round(s.town_share * c)) if s.town_share > 0 else 0
    is_town = np.zeros(c, dtype=bool)
    # at least one town per bassin when possible, then the rest at random
    for b in rng.permutation(s.n_bassins)[:n_towns]:
        is_town[rng.choice(np.flatnonzero(bassin == b))] = True
    rest = np.flatnonzero(~is_town)
    extra = n_towns - int(is_town.sum())
    if extra > 0:
        is_town[rng.choice(rest, size=extra, replace=False)] = True

    mountain = _mountains(w, h, s.mountain_share, rng)
    access = np.where(mountain & s.terrain, s.mountain_accessibility, 1.0)

    tiers = _tiers_lieux(s.n_tiers_lieux, centre_cells, is_town, rng)
    neighbours = adjacency(commune_of_cell, c)

    base = draw_fragility(s, bassin, rng)
    # a synthetic territory has one intercommunalité per bassin de vie and one département per
    # region (*assumption*; real territories take both from the official structure)
    return Territory(w, h, s.cell_km, commune_of_cell, centre_cells, bassin.astype(np.int32),
                     region_of_bassin.astype(np.int32), is_town, mountain, access, tiers,
                     neighbours, base, base.copy(), epci=bassin.astype(np.int32),
                     departement=region_of_bassin[bassin].astype(np.int32))


def draw_fragility(s: Scenario, bassin: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Structural fragility (C, 16): a territory-wide level per domain, a bassin effect and a
    commune effect, so that neighbouring communes resemble each other but differ
    (*assumption*: the seeds give no distribution, only that fragility is heterogeneous and
    relative to the surroundings)."""
    level = rng.uniform(0.35, 0.65, size=N_DOMAINS)
    bassin_fx = rng.normal(0.0, s.fragility_spread * 0.6, size=(s.n_bassins, N_DOMAINS))
    commune_fx = rng.normal(0.0, s.fragility_spread * 0.8, size=(len(bassin), N_DOMAINS))
    return np.clip(level + bassin_fx[bassin] + commune_fx, 0.0, 1.0)


def _group(points: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Group points into ``k`` contiguous clusters (farthest-point seeds, then k-means steps)."""
    n = len(points)
    if k >= n:
        return np.arange(n)
    seeds = [int(rng.integers(n))]
    d = ((points - points[seeds[0]]) ** 2).sum(1)
    for _ in range(k - 1):
        seeds.append(int(np.argmax(d)))
        d = np.minimum(d, ((points - points[seeds[-1]]) ** 2).sum(1))
    centres = points[seeds].astype(float)
    for _ in range(5):
        _, label = cKDTree(centres).query(points)
        for j in range(k):
            if np.any(label == j):
                centres[j] = points[label == j].mean(axis=0)
    _, label = cKDTree(centres).query(points)
    # every group must be non-empty: give an empty one its seed point
    for j in range(k):
        if not np.any(label == j):
            label[seeds[j]] = j
    return label


def _mountains(w: int, h: int, share: float, rng: np.random.Generator) -> np.ndarray:
    """Contiguous mountain massifs covering about ``share`` of the cells (smooth random field)."""
    if share <= 0:
        return np.zeros((w, h), dtype=bool)
    coarse = rng.normal(size=(max(2, w // 12) + 2, max(2, h // 12) + 2))
    xs = np.linspace(0, coarse.shape[0] - 1.001, w)
    ys = np.linspace(0, coarse.shape[1] - 1.001, h)
    x0, y0 = np.floor(xs).astype(int), np.floor(ys).astype(int)
    fx, fy = (xs - x0)[:, None], (ys - y0)[None, :]
    field = (coarse[x0][:, y0] * (1 - fx) * (1 - fy) + coarse[x0 + 1][:, y0] * fx * (1 - fy)
             + coarse[x0][:, y0 + 1] * (1 - fx) * fy + coarse[x0 + 1][:, y0 + 1] * fx * fy)
    return field >= np.quantile(field, 1.0 - share)


def _tiers_lieux(n: int, centres: np.ndarray, is_town: np.ndarray,
                 rng: np.random.Generator) -> np.ndarray:
    """Tiers-lieux sit in commune centres, towns first (*assumption*)."""
    if n <= 0:
        return np.zeros((0, 2), dtype=int)
    order = np.concatenate([rng.permutation(np.flatnonzero(is_town)),
                            rng.permutation(np.flatnonzero(~is_town))])
    chosen = order[:n]
    return centres[chosen].copy()


def adjacency(commune_of_cell: np.ndarray, c: int) -> sparse.csr_matrix:
    """Row-normalised adjacency of communes sharing a border (the 'surroundings'); cells
    outside the territory (-1, real territories) border nobody."""
    a = np.concatenate([commune_of_cell[:-1, :].ravel(), commune_of_cell[:, :-1].ravel()])
    b = np.concatenate([commune_of_cell[1:, :].ravel(), commune_of_cell[:, 1:].ravel()])
    keep = (a != b) & (a >= 0) & (b >= 0)
    a, b = a[keep], b[keep]
    m = sparse.coo_matrix((np.ones(len(a) * 2), (np.r_[a, b], np.r_[b, a])), shape=(c, c)).tocsr()
    m.data[:] = 1.0
    isolated = np.asarray(m.sum(axis=1)).ravel() == 0
    if isolated.any():  # a lone commune is its own surroundings
        m = m + sparse.diags(isolated.astype(float))
    rows = np.asarray(m.sum(axis=1)).ravel()
    return sparse.diags(1.0 / rows) @ m


def relative_fragility(t: Territory) -> np.ndarray:
    """Fragility of each commune minus the mean of its neighbours (BRIEF §3: relative)."""
    return t.fragility - t.neighbours @ t.fragility


def fragile_masks(t: Territory, margin: float) -> np.ndarray:
    """uint16 mask of the domains where each commune is fragile relative to its surroundings."""
    return to_mask(relative_fragility(t) > margin)


def relax_fragility(t: Territory, relapse: float) -> None:
    """Without action, fragility drifts back to its structural level (seed 001: fragility is
    'évolutive'); alliances push it down in :func:`reduce_fragility`."""
    if relapse > 0:
        t.fragility += relapse * (t.fragility_base - t.fragility)


def reduce_fragility(t: Territory, communes: np.ndarray, domains: np.ndarray,
                     amount: float) -> None:
    """Each active alliance removes ``amount`` of fragility from its commune and domain."""
    if len(communes) and amount > 0:
        np.subtract.at(t.fragility, (communes, domains), amount)
        np.clip(t.fragility, 0.0, 1.0, out=t.fragility)
