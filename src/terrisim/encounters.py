"""Who meets whom: spontaneous encounters by distance and terrain, and tiers-lieux visits.

Sources: proximity and "places and links" (seed 000, lesson 7; tiers-lieux "(re)create links",
003 §3.2.6); a mountain is "a difficult natural space" (seed 000) — here it slows contact;
inter-territorial links matter (seed 000, 003 §3.2.1).

Candidate lists are limited by distance: each organisation keeps its ``neighbour_candidates``
nearest organisations with a weight ``exp(-distance / contact_range) × access(partner cell)``.
Sampling an encounter is then a lookup in that row, so the cost per step grows with the number of
encounters, never with the number of pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit
from scipy.spatial import cKDTree

from .memory import KERNEL_CHUNK
from .organisations import Organisations
from .progress import report
from .scenario import Scenario
from .territory import Territory


@dataclass
class EncounterKernel:
    """Precomputed candidate partners and their cumulative weights, per organisation."""

    neighbours: np.ndarray    # (N, K) int32 (half the memory of intp at France scale; the few
                              #        indices drawn each month are converted to intp)
    cumweight: np.ndarray     # (N, K) float  cumulative weights along each row
    guide: np.ndarray         # (N, G) uint8 guide table: first column whose cumulative weight
                              #        exceeds g/G of the row's total (Chen & Asau 1974)
    rate: np.ndarray          # (N,) expected spontaneous encounters per month
    region: np.ndarray        # (N,) region of each organisation
    access: np.ndarray        # (N,) access of each organisation's cell
    tl_members: np.ndarray    # (M,) organisations in a tiers-lieu catchment
    tl_of: np.ndarray         # (M,) which tiers-lieu
    tl_visit: np.ndarray      # (M,) monthly visit probability




def build_kernel(s: Scenario, t: Territory, orgs: Organisations,
                 rng: np.random.Generator) -> EncounterKernel:
    """Candidate lists and weights for scenario ``s`` (built once per run, in chunks of
    organisations, reporting progress after each)."""
    n = orgs.n
    # jitter inside the cell so that organisations sharing a cell are at distinct points
    pts = np.stack([orgs.x + rng.random(n), orgs.y + rng.random(n)], axis=1)
    k = min(s.neighbour_candidates + 1, n)
    tree = cKDTree(pts)
    access = t.access[orgs.x, orgs.y]
    range_cells = s.contact_range_km / s.cell_km
    neighbours = np.empty((n, max(k, 1)), dtype=np.int32)
    cum = np.empty((n, max(k, 1)))
    guide = np.empty((n, GUIDE_BUCKETS), dtype=np.uint8)
    for lo in range(0, n, KERNEL_CHUNK):
        hi = min(lo + KERNEL_CHUNK, n)
        rows = np.arange(lo, hi)
        if k >= 2:
            dist, idx = tree.query(pts[lo:hi], k=k, workers=-1)   # same result, all cores
            dist, idx = dist.reshape(hi - lo, k), idx.reshape(hi - lo, k)
        else:
            dist, idx = np.zeros((hi - lo, 1)), rows[:, None]
        w = np.exp(-dist / range_cells) * access[idx]
        w[idx == rows[:, None]] = 0.0
        np.cumsum(w, axis=1, out=cum[lo:hi])
        neighbours[lo:hi] = idx
        guide[lo:hi] = guide_table(cum[lo:hi])
        report("encounter kernel", hi, n)
    rate = s.encounter_rate * orgs.activity

    if s.tiers_lieux and len(t.tiers_lieux):
        radius = s.tiers_lieu_radius_km / s.cell_km
        lists = tree.query_ball_point(t.tiers_lieux + 0.5, r=radius)
        tl_of = np.concatenate([np.full(len(m), q) for q, m in enumerate(lists)]).astype(np.intp)
        members = np.concatenate([np.asarray(m, dtype=np.int64) for m in lists]).astype(np.intp)
        visit = s.tiers_lieu_visit_rate * access[members]
    else:
        tl_of = members = np.zeros(0, dtype=np.intp)
        visit = np.zeros(0)
    return EncounterKernel(neighbours, cum, guide, rate, t.region[orgs.commune], access,
                           members, tl_of, visit)


#: Buckets of the guide table (more buckets than candidates: most draws need no search).
GUIDE_BUCKETS = 64


def guide_table(cum: np.ndarray) -> np.ndarray:
    """For every row and bucket g, the number of cumulative weights ≤ g/G of the row's total:
    a draw falling in bucket g starts its search there (guide-table sampling).

    Each weight falls in one bucket, the first g whose threshold it does not exceed; counting
    the weights per bucket and accumulating gives the table in O(N·(K + G)) instead of
    comparing every weight with every threshold.  The bucket estimated by division is checked
    against the threshold itself (``total * g/G``, computed as the search computes it), so the
    table is exactly the one the comparisons define."""
    n = len(cum)
    g = GUIDE_BUCKETS
    if n == 0:
        return np.zeros((0, g), dtype=np.uint8)
    levels = np.arange(g + 1) / g
    total = cum[:, -1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        b = np.ceil(cum / total * g)
    b = np.clip(np.nan_to_num(b, nan=0.0), 0, g).astype(np.int64)
    b[cum <= 0] = 0                                    # ≤ every threshold, even 0
    # exact fix-up: the first bucket whose threshold the weight does not exceed
    low = np.maximum(b - 1, 0)
    b = np.where((b > 0) & (cum <= total * levels[low]), low, b)
    b = np.where((b < g) & (cum > total * levels[np.minimum(b, g)]), b + 1, b)
    counts = np.bincount((np.arange(n)[:, None] * (g + 1) + b).ravel(),
                         minlength=n * (g + 1)).reshape(n, g + 1)
    return np.cumsum(counts, axis=1)[:, :g].astype(np.uint8)


def pick_neighbours(kernel: EncounterKernel, src: np.ndarray,
                    u: np.ndarray) -> np.ndarray:
    """For each source, the candidate partner drawn by its distance weights (``u`` uniform in
    [0, 1)); -1 where the source has no weighted candidate.  The guide table gives the search's
    starting column; a short walk along the row finishes it (inverse-CDF sampling, O(1) on
    average)."""
    return _pick(kernel.cumweight, kernel.guide, kernel.neighbours,
                 np.ascontiguousarray(src, dtype=np.intp), np.ascontiguousarray(u))


@njit(cache=True, nogil=True)
def _pick(cum, guide, neighbours, src, u):  # pragma: no cover - compiled
    """:func:`pick_neighbours`' walk: the first column whose cumulative weight exceeds
    ``u × total``, starting from the guide table's column."""
    k = cum.shape[1]
    out = np.empty(len(src), dtype=np.intp)
    for d in range(len(src)):
        row = src[d]
        total = cum[row, k - 1]
        if not total > 0:
            out[d] = -1
            continue
        target = u[d] * total
        col = np.int64(guide[row, np.int64(u[d] * GUIDE_BUCKETS)])
        while col < k and cum[row, col] <= target:
            col += 1
        out[d] = neighbours[row, min(col, k - 1)]
    return out


def spontaneous(kernel: EncounterKernel, s: Scenario,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """This month's spontaneous encounters as two arrays of organisation indices."""
    n = len(kernel.rate)
    counts = rng.poisson(kernel.rate)
    src = np.repeat(np.arange(n, dtype=np.intp), counts)
    m = len(src)
    if m == 0:
        return src, src
    dst = np.empty(m, dtype=np.intp)
    far = rng.random(m) < s.long_range_share
    # long-range: anyone on the territory, less likely across a regional border or into the hills
    nf = int(far.sum())
    if nf:
        cand = rng.integers(n, size=nf).astype(np.intp)
        p = kernel.access[cand] * np.where(kernel.region[cand] != kernel.region[src[far]],
                                           s.cross_region_factor, 1.0)
        cand[rng.random(nf) >= p] = -1
        dst[far] = cand
    near = ~far
    sn = src[near]
    dst[near] = pick_neighbours(kernel, sn, rng.random(len(sn)))
    keep = (dst >= 0) & (dst != src)
    return src[keep], dst[keep]


def tiers_lieux_visits(kernel: EncounterKernel,
                       rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Visitors of the same tiers-lieu this month, paired at random."""
    if len(kernel.tl_members) == 0:
        empty = np.zeros(0, dtype=np.intp)
        return empty, empty
    visits = rng.random(len(kernel.tl_members)) < kernel.tl_visit
    who, where = kernel.tl_members[visits], kernel.tl_of[visits]
    order = np.lexsort((rng.random(len(who)), where))
    who, where = who[order], where[order]
    a, b = who[0:-1:2], who[1::2]
    same = (where[0:-1:2] == where[1::2]) & (a != b)
    return a[same], b[same]
