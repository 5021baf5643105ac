"""The compiled loops give exactly what their plain numpy specification gives.

Each reference below is the rule written with whole-array numpy operations (the way it was first
written, and easier to read); the compiled version must agree with it value for value on random
inputs, ties and edge cases included — equality, never closeness.
"""

from __future__ import annotations

import numpy as np
import pytest

from terrisim import trust


def reference_attention(i, j, trust_, budget, club=None, closure=0.0, insider=None):
    """Rank every tie at both ends with one stable sort (organisation, then decreasing key)."""
    n, m = len(budget), len(trust_)
    if m == 0:
        return np.zeros(0)
    closing = club is not None and closure > 0
    rank_by = (trust_ + closure * club) / (1 + closure) if closing else trust_
    e = np.concatenate([i, j])
    w = np.concatenate([rank_by, rank_by])
    order = np.argsort(e + 0.5 * (1.0 - w), kind="stable")
    count = np.bincount(e, minlength=n)
    position = np.empty(2 * m, dtype=np.intp)
    position[order] = np.arange(2 * m)
    att = np.clip(budget[e] - (position - (np.cumsum(count) - count)[e]), 0.0, 1.0)
    if closing and insider is not None:
        att = np.where(insider[e] & ~np.concatenate([club, club]), att * (1.0 - closure), att)
    return 0.5 * (att[:m] + att[m:])


def random_ties(rng, n, m, levels=None):
    """``m`` distinct pairs over ``n`` organisations; trust on a coarse grid makes exact ties."""
    keys = np.unique(rng.integers(0, n * n, size=3 * m))
    i, j = keys // n, keys % n
    keep = i < j
    i, j = i[keep][:m], j[keep][:m]
    t = rng.random(len(i)) if levels is None else rng.integers(0, levels, len(i)) / levels
    return i.astype(np.intp), j.astype(np.intp), t


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("levels", [None, 4])
def test_attention_equals_its_numpy_specification(seed: int, levels: int | None) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 300))
    i, j, t = random_ties(rng, n, int(rng.integers(1, 4 * n)), levels)
    budget = rng.random(n) * 4.0
    budget[rng.random(n) < 0.1] = 0.0          # inactive organisations
    budget[rng.random(n) < 0.1] = 2.0          # whole numbers of contacts
    got = trust.maintenance_probability(i, j, t, budget)
    assert np.array_equal(got, reference_attention(i, j, t, budget))
    insider = rng.random(n) < 0.3
    club = insider[i] & insider[j]
    for closure in (0.0, 0.5, 1.0):
        got = trust.maintenance_probability(i, j, t, budget, club, closure, insider)
        assert np.array_equal(got, reference_attention(i, j, t, budget, club, closure, insider))


def test_attention_of_no_ties_is_empty() -> None:
    none = np.zeros(0, dtype=np.intp)
    assert len(trust.maintenance_probability(none, none, np.zeros(0), np.ones(3))) == 0


def reference_pick(cum, guide, neighbours, src, u, buckets):
    """Inverse-CDF draws along each source's row, advanced for all sources at once."""
    k = cum.shape[1]
    total = cum[src, -1]
    target = u * total
    col = guide[src, (u * buckets).astype(np.int64)].astype(np.int64)
    todo = np.flatnonzero(col < k)
    while len(todo):
        step = cum[src[todo], col[todo]] <= target[todo]
        todo = todo[step]
        col[todo] += 1
        todo = todo[col[todo] < k]
    col = np.minimum(col, k - 1)
    return np.where(total > 0, neighbours[src, col].astype(np.intp), -1)


@pytest.mark.parametrize("seed", range(4))
def test_neighbour_draws_equal_their_numpy_specification(seed: int) -> None:
    from types import SimpleNamespace

    from terrisim.encounters import GUIDE_BUCKETS, guide_table, pick_neighbours

    rng = np.random.default_rng(seed)
    n, k = 300, 12
    w = rng.random((n, k)) * (rng.random((n, k)) < 0.7)     # zero weights, and empty rows
    w[rng.random(n) < 0.05] = 0.0
    cum = np.cumsum(w, axis=1)
    guide = guide_table(cum)
    neighbours = rng.integers(0, n, size=(n, k)).astype(np.int32)
    kernel = SimpleNamespace(cumweight=cum, guide=guide, neighbours=neighbours)
    src = rng.integers(0, n, size=5000).astype(np.intp)
    u = rng.random(5000)
    got = pick_neighbours(kernel, src, u)
    assert np.array_equal(got, reference_pick(cum, guide, neighbours, src, u, GUIDE_BUCKETS))
    assert (got[cum[src, -1] <= 0] == -1).all()


def reference_labels(a, b, n):
    """Hook-and-compress: hook the larger root of every edge under the smaller, compress."""
    parent = np.arange(n)
    while True:
        pa, pb = parent[a], parent[b]
        differ = pa != pb
        if not differ.any():
            return parent
        lo, hi = np.minimum(pa[differ], pb[differ]), np.maximum(pa[differ], pb[differ])
        np.minimum.at(parent, hi, lo)
        while True:
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand


@pytest.mark.parametrize("seed", range(4))
def test_cluster_labels_equal_their_numpy_specification(seed: int) -> None:
    from terrisim.indicators import component_labels

    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 500))
    m = int(rng.integers(0, n))
    a, b = rng.integers(0, n, size=m), rng.integers(0, n, size=m)
    got = component_labels(a, b, n)
    assert np.array_equal(got, reference_labels(a, b, n))
    assert (got <= np.arange(n)).all()          # each label is its component's smallest member
