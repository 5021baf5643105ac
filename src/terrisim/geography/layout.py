"""Placing real communes on the grid: département outlines, then contiguous EPCI and commune
blocks whose areas follow population.

No registry package ships commune contours or centroids, so below the département the geometry
is synthesised (*assumption*, docs/territories.md):

1. each département is rasterised from its outline (:mod:`terrisim.geography.outlines`);
   only its largest 4-connected piece is kept (islands are merged into the mainland);
2. the département is cut into one block per EPCI (the part of the EPCI in that département),
   then each EPCI block into one block per commune, by recursive bisection: the region is cut
   across its longer side so that each half gets cells in proportion to the weight of the items
   it will hold, and any detached piece is handed to the other half, so every block is
   4-connected (contiguous under the grid's von Neumann neighbourhood);
3. the weight of a commune is ``population ** AREA_EXPONENT`` (:data:`AREA_EXPONENT`), an EPCI's
   the sum over its communes: areas grow with population, but much more slowly (a village of
   300 people and a city of 150,000 differ by a factor ≈ 5 in area, as French communes roughly
   do: median ≈ 11 km², Clermont-Ferrand ≈ 43 km²).

Everything here is deterministic: the same communes and cell size give the same layout.
"""

from __future__ import annotations

import numpy as np
from matplotlib.path import Path as MplPath
from scipy import ndimage

from ..errors import UserError

#: Exponent of population in a commune's area weight (*assumption*, see module docstring).
AREA_EXPONENT = 0.25


class LayoutError(UserError):
    """The grid is too coarse for the territory (more communes than cells somewhere)."""


def rasterise(polys: dict[str, tuple[np.ndarray, ...]], cell_km: float
              ) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Label grid of the given départements: ``(label (W, H) int32 with -1 outside, codes,
    origin_km)``.  A cell belongs to the smallest outline containing its centre (an enclave
    wins over the département around it); each département keeps its largest piece."""
    codes = sorted(polys)
    (w, h), origin = grid_shape(polys, cell_km)
    label = np.full((w, h), -1, dtype=np.int32)
    best = np.full((w, h), np.inf)
    for k, code in enumerate(codes):
        for p in polys[code]:
            lo = np.maximum(np.floor((p.min(axis=0) - origin) / cell_km).astype(int), 0)
            hi = np.minimum(np.ceil((p.max(axis=0) - origin) / cell_km).astype(int) + 1,
                            [w, h])
            if np.any(hi <= lo):
                continue
            gx, gy = np.meshgrid(np.arange(lo[0], hi[0]), np.arange(lo[1], hi[1]),
                                 indexing="ij")
            centres = np.column_stack([gx.ravel(), gy.ravel()]) * cell_km + origin \
                + cell_km / 2
            inside = MplPath(p).contains_points(centres).reshape(gx.shape)
            area = 0.5 * abs(float(np.dot(p[:, 0], np.roll(p[:, 1], -1))
                                   - np.dot(p[:, 1], np.roll(p[:, 0], -1))))
            sub_best = best[lo[0]:hi[0], lo[1]:hi[1]]
            take = inside & (area < sub_best)
            label[lo[0]:hi[0], lo[1]:hi[1]][take] = k
            sub_best[take] = area
    for k in range(len(codes)):
        _keep_largest_piece(label, k)
    return label, codes, origin


def grid_shape(polys: dict[str, tuple[np.ndarray, ...]], cell_km: float
               ) -> tuple[tuple[int, int], np.ndarray]:
    """Grid size ``(width, height)`` covering the outlines with a one-cell margin, and the
    position (km) of its lower-left corner."""
    allp = np.concatenate([p for c in sorted(polys) for p in polys[c]])
    origin = np.floor(allp.min(axis=0) / cell_km) * cell_km - cell_km
    top = allp.max(axis=0)
    w, h = (np.ceil((top - origin) / cell_km).astype(int) + 1).tolist()
    return (int(w), int(h)), origin


def _keep_largest_piece(label: np.ndarray, k: int) -> None:
    mine = label == k
    parts, n = ndimage.label(mine)
    if n > 1:
        sizes = np.bincount(parts.ravel())
        sizes[0] = 0
        label[mine & (parts != np.argmax(sizes))] = -1


def partition(cells: np.ndarray, weights: np.ndarray) -> list[np.ndarray]:
    """Split a 4-connected set of cells ``(n, 2)`` into ``len(weights)`` 4-connected blocks,
    the ``i``-th with about ``weights[i] / sum(weights)`` of the cells (at least one each)."""
    m = len(weights)
    if m > len(cells):
        raise LayoutError(f"{m} communes do not fit in {len(cells)} cells: use a smaller "
                          "cell_km")
    out: list[np.ndarray] = [np.zeros((0, 2), dtype=np.int64)] * m
    stack = [(cells, 0, m)]
    while stack:
        region, i0, i1 = stack.pop()
        if len(region) < i1 - i0:
            raise LayoutError(f"{i1 - i0} communes do not fit in {len(region)} cells of an "
                              "irregular area: use a smaller cell_km")
        if i1 - i0 == 1:
            out[i0] = region
            continue
        w = np.asarray(weights[i0:i1], dtype=float)
        cum = np.cumsum(w)
        mid = int(np.searchsorted(cum, cum[-1] / 2.0)) + 1
        mid = min(max(mid, 1), len(w) - 1)
        n_a = round(len(region) * cum[mid - 1] / cum[-1])
        n_a = min(max(n_a, mid), len(region) - (len(w) - mid))
        a, b = _cut(region, n_a, mid, len(w) - mid)
        stack.append((a, i0, i0 + mid))
        stack.append((b, i0 + mid, i1))
    return out


def _cut(region: np.ndarray, n_a: int, min_a: int, min_b: int
         ) -> tuple[np.ndarray, np.ndarray]:
    """Cut a connected region into a first part of about ``n_a`` cells and the rest, both
    connected and holding at least ``min_a`` / ``min_b`` cells.

    The cut runs across the region's longer side; when repairing connectivity moves many
    cells (a cut across a U-shaped region separates its arms), the other side and a
    breadth-first order (whose first part is a ball, connected by construction) are tried,
    and the split closest to ``n_a`` wins."""
    span = region.max(axis=0) - region.min(axis=0)
    longer = 0 if span[0] >= span[1] else 1
    best, best_err = None, None
    for attempt in ("long", "short", "bfs"):
        if attempt == "bfs":
            order = _bfs_order(region)
        else:
            axis = longer if attempt == "long" else 1 - longer
            order = np.lexsort((region[:, 1 - axis], region[:, axis]))
        first = np.zeros(len(region), dtype=bool)
        first[order[:n_a]] = True
        first = _connected_split(region, first)
        k = int(first.sum())
        err = abs(k - n_a) + (len(region) if k < min_a or len(region) - k < min_b else 0)
        if best_err is None or err < best_err:
            best, best_err = first, err
        if err <= max(1, 0.02 * len(region)):
            break
    return region[best], region[~best]


def _connected_split(region: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Make both sides of a split connected: detached pieces of a side join the other side
    (first the second side's pieces, then the first's, so the result is stable)."""
    lo = region.min(axis=0)
    shape = tuple((region.max(axis=0) - lo + 1).tolist())
    local = region - lo
    for side in (True, False):
        grid = np.zeros(shape, dtype=bool)
        sel = first if side else ~first
        grid[local[sel, 0], local[sel, 1]] = True
        parts, n = ndimage.label(grid)
        if n <= 1:
            continue
        sizes = np.bincount(parts.ravel())
        sizes[0] = 0
        keep = np.argmax(sizes)
        of_cell = parts[local[:, 0], local[:, 1]]
        move = sel & (of_cell != keep)
        first = first & ~move if side else first | move
    return first


def _bfs_order(region: np.ndarray) -> np.ndarray:
    """Cells of a connected region in breadth-first order from its lowest-left cell."""
    lo = region.min(axis=0)
    local = region - lo
    shape = tuple((local.max(axis=0) + 1).tolist())
    index = np.full(shape, -1, dtype=np.int64)
    index[local[:, 0], local[:, 1]] = np.arange(len(region))
    start = int(np.lexsort((local[:, 1], local[:, 0]))[0])
    seen = np.zeros(len(region), dtype=bool)
    seen[start] = True
    order = [start]
    frontier = np.array([start])
    while len(frontier):
        nxt = []
        for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            x = local[frontier, 0] + dx
            y = local[frontier, 1] + dy
            ok = (x >= 0) & (y >= 0) & (x < shape[0]) & (y < shape[1])
            cand = index[x[ok], y[ok]]
            cand = cand[cand >= 0]
            cand = np.unique(cand[~seen[cand]])
            seen[cand] = True
            nxt.append(cand)
        frontier = np.concatenate(nxt) if nxt else np.zeros(0, dtype=np.int64)
        order.extend(frontier.tolist())
    return np.array(order)


def area_weight(population: np.ndarray) -> np.ndarray:
    """Area weight of communes of the given populations (at least that of one inhabitant)."""
    return np.maximum(population.astype(float), 1.0) ** AREA_EXPONENT
