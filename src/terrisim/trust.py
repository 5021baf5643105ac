"""Pairwise trust between organisations: the rules, and the sparse table that stores it.

Sources: trust "cannot be decreed" and needs "the test of time" (seed 000, lessons 1–2); it is
built through interactions — meetings, events, workshops, joint projects (BRIEF §4); the
collective "is learned", a common semantics across worlds (lesson 5); an alliance is "accepting
the risk of the other" (lesson 1), so a failure costs trust.

Rules (pure functions over arrays, each tested for direction and bounds):

* :func:`gain_rate` — the per-contact rate implied by ``trust_building_time``: with one unit of
  contact a month, trust goes from ``initial_trust`` to ``alliance_threshold`` in exactly that
  many months (for partners sharing a common language).
* :func:`reinforce` — contact raises trust towards 1 and saturates:
  ``T' = 1 - (1 - T)(1 - r)^(q·v)`` for ``q`` units of contact at speed ``v``.
* :func:`language_speed` — across worlds the speed ``v`` is reduced to ``cross_world_factor``,
  recovered as both partners learn the common language.
* :func:`decay` — without contact trust halves every ``trust_half_life`` months.
* :func:`penalise` — a failed alliance removes ``failure_penalty`` of the partners' trust.

Storage: :class:`TrustTable` keeps one row per *known* pair, sorted by the pair key
``i * N + j`` (``i < j``), so memory grows with the number of relationships, never with N².
Trust is symmetric (one value per pair): *assumption*, the sources speak of mutual trust only.
"""

from __future__ import annotations

import numpy as np
from numba import njit


def gain_rate(initial: float, threshold: float, months: float) -> float:
    """Per-unit-of-contact rate so that ``months`` monthly contacts lead initial → threshold."""
    if threshold <= initial:
        return 1.0
    return float(1.0 - ((1.0 - threshold) / (1.0 - initial)) ** (1.0 / months))


def reinforce(trust: np.ndarray, contact: np.ndarray, rate: float,
              speed: np.ndarray | float = 1.0) -> np.ndarray:
    """Trust after ``contact`` units of interaction this month (saturates at 1, never falls)."""
    return 1.0 - (1.0 - trust) * (1.0 - rate) ** (contact * speed)


def language_speed(world_i: np.ndarray, world_j: np.ndarray, lang_i: np.ndarray,
                   lang_j: np.ndarray, cross_world_factor: float) -> np.ndarray:
    """Speed of trust building: 1 within a world; across worlds ``factor`` rising to 1 as the
    *less* fluent partner learns the common language."""
    return np.where(world_i == world_j, 1.0,
                    cross_world_speed(lang_i, lang_j, cross_world_factor))


def cross_world_speed(lang_i: np.ndarray, lang_j: np.ndarray,
                      cross_world_factor: float) -> np.ndarray:
    """:func:`language_speed` for pairs known to be of different worlds (all tracked pairs)."""
    return cross_world_factor + (1.0 - cross_world_factor) * np.minimum(lang_i, lang_j)


def decay(trust: np.ndarray, months: float | np.ndarray, half_life: float) -> np.ndarray:
    """Trust after ``months`` without contact (halves every ``half_life`` months)."""
    return trust * 0.5 ** (np.asarray(months) / half_life)


def penalise(trust: np.ndarray, penalty: float) -> np.ndarray:
    """Trust after a failed alliance between the two partners."""
    return trust * (1.0 - penalty)


def maintenance_probability(i: np.ndarray, j: np.ndarray, trust: np.ndarray,
                            budget: np.ndarray, club: np.ndarray | None = None,
                            closure: float = 0.0,
                            insider: np.ndarray | None = None) -> np.ndarray:
    """Monthly probability that each known pair meets again to keep up the relationship.

    Organisation ``k`` has a relational budget of ``budget[k]`` cross-world contacts a month and
    spends it on its *most trusted* relationships first: the tie of rank ``r`` (0 = most
    trusted) gets ``clip(budget − r, 0, 1)`` of a contact — people keep regular contact with a
    few partners they trust and see the others only by chance (*assumption*: the sources say
    trust needs regular contact over time, not whom people choose to see again; a top-k rule
    lets new ties compete with old ones by their trust).  A pair's probability is the mean of
    the two partners' attention.  Ties of equal trust rank in table order (the pair met at its
    ``i`` end first, then at its ``j`` end, each by pair key), so the rule does not depend on a
    sorting algorithm.

    ``insider`` marks the organisations of mature alliance clusters and ``club`` the pairs of
    two insiders: with ``closure`` > 0 club pairs rank as if
    their trust were ``closure`` higher, and an insider gives its other ties only ``1 −
    closure`` of the attention their rank would get — members of a "communauté concentrée"
    see one another first and close up to the rest (seed 003 §3.1.1).
    """
    if len(trust) == 0:
        return np.zeros(0)
    closing = club is not None and closure > 0
    rank_by = (trust + closure * club) / (1 + closure) if closing else trust
    use_insider = closing and insider is not None
    return _attention(np.ascontiguousarray(i, dtype=np.intp),
                      np.ascontiguousarray(j, dtype=np.intp),
                      np.ascontiguousarray(rank_by, dtype=np.float64),
                      np.ascontiguousarray(budget, dtype=np.float64),
                      np.ascontiguousarray(club if use_insider else np.zeros(0, bool)),
                      np.ascontiguousarray(insider if use_insider else np.zeros(0, bool)),
                      float(closure) if use_insider else 0.0)


@njit(cache=True, nogil=True)
def _attention(i, j, rank_by, budget, club, insider, closure):  # pragma: no cover - compiled
    """:func:`maintenance_probability`'s loop: one pass over the ties, each seen at both of its
    ends, keeps every organisation's ``ceil(budget)`` best-ranked ends in a small sorted buffer
    (insertion; most ends fail the first comparison) — O(ties), no sort.

    End ``e < m`` is row ``e`` seen from ``i``, end ``e ≥ m`` row ``e − m`` seen from ``j``.  The
    ranking key is ``k + (1 − w)/2`` (organisation, then decreasing ``w``), the float a sort of
    all the ends would compare; ends are visited in increasing ``e`` and an end never passes an
    equal key, so equal keys rank by ``e``: the order of a stable sort."""
    n, m = len(budget), len(rank_by)
    cap = np.empty(n, dtype=np.int64)
    off = np.zeros(n + 1, dtype=np.int64)
    for k in range(n):
        cap[k] = max(int(np.ceil(budget[k])), 0)
        off[k + 1] = off[k] + cap[k]
    count = np.zeros(n, dtype=np.int64)
    best_key = np.empty(off[n])
    best_end = np.empty(off[n], dtype=np.int64)
    for e in range(2 * m):
        r = e if e < m else e - m
        k = i[r] if e < m else j[r]
        size = cap[k]
        if size == 0:
            continue
        key = k + 0.5 * (1.0 - rank_by[r])
        base, c = off[k], count[k]
        if c == size:
            if key >= best_key[base + size - 1]:
                continue
            pos = size - 1
        else:
            pos = c
            count[k] = c + 1
        p = base + pos
        while p > base:
            before = best_key[p - 1]
            if before <= key:
                break
            best_key[p] = before
            best_end[p] = best_end[p - 1]
            p -= 1
        best_key[p] = key
        best_end[p] = e
    att = np.zeros(2 * m)
    closing = len(insider) > 0
    for k in range(n):
        for rank in range(count[k]):
            share = min(max(budget[k] - rank, 0.0), 1.0)
            e = best_end[off[k] + rank]
            if closing and insider[k] and not club[e if e < m else e - m]:
                share = share * (1.0 - closure)
            att[e] = share
    out = np.empty(m)
    for r in range(m):
        out[r] = 0.5 * (att[r] + att[r + m])
    return out


def learn_language(language: np.ndarray, months: np.ndarray | float, rate: float) -> np.ndarray:
    """Common-language mastery after ``months`` of joint cross-sector work (saturates at 1)."""
    return 1.0 - (1.0 - language) * (1.0 - rate) ** months


class TrustTable:
    """Sparse, sorted table of known pairs and their trust.

    Columns are parallel numpy arrays sorted by ``key``.  ``broker`` remembers the catalyst that
    introduced the pair (or -1), so that alliances can be credited to catalysis.
    """

    #: The parallel columns: every operation that adds, drops or counts rows goes through them.
    COLUMNS = ("key", "i", "j", "trust", "broker", "allied", "shared")

    def __init__(self, n_orgs: int) -> None:
        self.n = int(n_orgs)
        self.key = np.zeros(0, dtype=np.int64)
        self.i = np.zeros(0, dtype=np.intp)
        self.j = np.zeros(0, dtype=np.intp)
        self.trust = np.zeros(0)
        self.broker = np.zeros(0, dtype=np.int16)
        self.allied = np.zeros(0, dtype=bool)
        self.shared = np.zeros(0, dtype=np.uint16)  # domains both partners care about (static)

    def __len__(self) -> int:
        return len(self.key)

    @property
    def nbytes(self) -> int:
        return sum(getattr(self, name).nbytes for name in self.COLUMNS)

    def pair_keys(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        lo = np.minimum(a, b).astype(np.int64)
        hi = np.maximum(a, b).astype(np.int64)
        return lo * self.n + hi

    def find(self, keys: np.ndarray) -> np.ndarray:
        """Row of each key, or -1 when the pair is unknown."""
        if len(self.key) == 0:
            return np.full(len(keys), -1, dtype=np.intp)
        pos = np.searchsorted(self.key, keys)
        # a key past the last one compares with the last key, which is smaller: not found
        found = self.key[np.minimum(pos, len(self.key) - 1)] == keys
        return np.where(found, pos, -1)

    def insert(self, keys: np.ndarray, trust0: np.ndarray, broker: np.ndarray,
               interests: np.ndarray) -> np.ndarray:
        """Add unknown pairs (``keys`` unique and not yet in the table) with trust ``trust0``;
        ``interests`` are every organisation's domain masks (to store what each pair shares).
        Returns the row where each key now is."""
        if len(keys) == 0:
            return np.zeros(0, dtype=np.int64)
        order = np.argsort(keys)
        keys, trust0, broker = keys[order], trust0[order], broker[order]
        new_at = np.searchsorted(self.key, keys) + np.arange(len(keys))
        old_at = np.ones(len(self.key) + len(keys), dtype=bool)
        old_at[new_at] = False
        # one merge plan for every column (np.insert would rebuild it per column)
        i, j = keys // self.n, keys % self.n
        new = {"key": keys, "i": i, "j": j, "trust": trust0, "broker": broker, "allied": False,
               "shared": interests[i] & interests[j]}
        for name in self.COLUMNS:
            old, values = getattr(self, name), new[name]
            merged = np.empty(len(old_at), dtype=old.dtype)
            merged[old_at] = old
            merged[new_at] = values
            setattr(self, name, merged)
        rows = np.empty(len(keys), dtype=np.int64)
        rows[order] = new_at
        return rows

    def forget(self, below: float) -> int:
        """Drop relationships whose trust fell below ``below`` (never an allied pair)."""
        keep = (self.trust >= below) | self.allied
        dropped = len(keep) - int(keep.sum())
        if dropped:
            rows = np.flatnonzero(keep)
            for name in self.COLUMNS:
                setattr(self, name, getattr(self, name)[rows])
        return dropped
