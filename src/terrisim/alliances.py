"""Alliances between organisations of different worlds: condition, kind, failure, and the table.

Sources: alliances are "new joint solutions… that no actor can meet alone" between worlds
(BRIEF §1); they rest on trust and on "a shared need on a fragile domain" (the PHARE prisms
domains × territories × actors, §3); four kinds — patronage (mécénat), responsible practices,
economic cooperation, social innovation, the last being "the third era… shared innovation" and so
asking for more trust and maturity (§4); an alliance is a consented risk that can fail (lesson 1).

Rules (pure functions):

* :func:`alliance_condition` — different worlds, trust at or above the threshold, spare capacity
  on both sides, and a shared interest in a domain that is fragile in one of their communes.
* :func:`kind_weights` — which kinds a pair may form and how likely each is.
* :func:`formation_probability` — a pair meeting the condition allies this month with
  probability 1 − exp(−hazard), ``formation_rate`` × multipliers: well below 1 at the threshold
  (an alliance "doit se traduire en Actions", seed 000 lesson 1, and takes the time of a
  decision; the rate itself is an *assumption*, calibrated);
* :func:`closure_factor` — "communautés concentrées" (seed 003 §3.1.1): mature, densely allied
  clusters favour one another and close up to newcomers (over-embeddedness, Uzzi 1997), unless
  a catalyst brought the pair together or a public actor is a partner — public actors must
  "garantir cet équilibre";
* :func:`failure_hazard` — monthly failure probability, ``failure_rate`` at threshold trust,
  falling linearly to 0 at full trust, reduced for supported pilot projects.
"""

from __future__ import annotations

import numpy as np

from .organisations import ASSOCIATIVE, ECONOMIC, PUBLIC

KINDS: tuple[str, ...] = ("patronage", "responsible", "economic", "social_innovation")
KIND_LABELS: dict[str, tuple[str, str]] = {
    "patronage": ("Patronage", "Mécénat"),
    "responsible": ("Responsible practices", "Pratiques responsables"),
    "economic": ("Economic cooperation", "Coopération économique"),
    "social_innovation": ("Social innovation", "Innovation sociale"),
}
PATRONAGE, RESPONSIBLE, ECONOMIC_COOP, SOCIAL_INNOVATION = range(4)

#: Pairs of worlds, in a fixed order for indicators.
WORLD_PAIRS: tuple[tuple[int, int], ...] = ((PUBLIC, ECONOMIC), (PUBLIC, ASSOCIATIVE),
                                            (ECONOMIC, ASSOCIATIVE))
WORLD_PAIR_NAMES: tuple[str, ...] = ("public_economic", "public_associative",
                                     "economic_associative")

#: Kinds open to each pair of worlds (rows: WORLD_PAIRS order).  *Assumption* from the PHARE
#: typology: patronage is a firm giving to a non-profit; a commune and an association cooperate
#: economically (service, co-funding) or innovate socially, they do not "sponsor" each other.
ELIGIBLE = np.array([
    # patronage responsible economic social_innovation
    [False, True, True, True],    # public–economic
    [False, False, True, True],   # public–associative
    [True, True, True, True],     # economic–associative
])

ACTIVE, COMPLETED, FAILED = 0, 1, 2


def world_pair_index(wi: np.ndarray, wj: np.ndarray) -> np.ndarray:
    """Index in WORLD_PAIRS of each (unordered) pair of different worlds; -1 within a world."""
    lo, hi = np.minimum(wi, wj), np.maximum(wi, wj)
    out = np.full(np.shape(lo), -1, dtype=np.int8)
    for k, (a, b) in enumerate(WORLD_PAIRS):
        out[(lo == a) & (hi == b)] = k
    return out


def alliance_condition(trust: np.ndarray, world_i: np.ndarray, world_j: np.ndarray,
                       shared_fragile: np.ndarray, spare_i: np.ndarray, spare_j: np.ndarray,
                       threshold: float) -> np.ndarray:
    """May this pair form an alliance now?  (Never below the trust threshold.)"""
    return ((world_i != world_j) & (trust >= threshold) & (shared_fragile != 0)
            & (spare_i > 0) & (spare_j > 0))


def kind_weights(pair: np.ndarray, trust: np.ndarray, mature: np.ndarray,
                 weights: np.ndarray, threshold: float, extra_trust: float) -> np.ndarray:
    """(n, 4) weights of each kind for each candidate pair (0 where not eligible).

    Social innovation needs ``extra_trust`` above the threshold and a mature pair (a firm at
    least *involved*, see :mod:`terrisim.ladder`; other worlds count as mature once aware).
    """
    w = ELIGIBLE[pair] * np.asarray(weights, dtype=float)
    si_ok = (trust >= threshold + extra_trust) & mature
    w[:, SOCIAL_INNOVATION] *= si_ok
    return w


def draw_kind(w: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Categorical draw per row of weights ``w`` with uniforms ``u`` (rows must not all be 0)."""
    cum = np.cumsum(w, axis=1)
    total = cum[:, -1:]
    return (cum <= u[:, None] * total).sum(axis=1).astype(np.int8)


def formation_probability(hazard: np.ndarray | float) -> np.ndarray:
    """Monthly probability of forming an alliance for a monthly ``hazard`` (in [0, 1))."""
    return -np.expm1(-np.maximum(hazard, 0.0))


def closure_factor(insider_i: np.ndarray, insider_j: np.ndarray, known_i: np.ndarray,
                   known_j: np.ndarray, strength: float,
                   exempt: np.ndarray | bool = False) -> np.ndarray:
    """Formation multiplier of each pair under club closure.

    An *insider* belongs to a mature alliance cluster (see :func:`insiders`); a *newcomer* has
    never been in an alliance (``known_*`` False).  Insiders favour one another (× 1 +
    ``strength``); an insider and a newcomer close up (× 1 − ``strength``) unless the pair is
    ``exempt`` (introduced by a catalyst, or with a public partner); every other pair is
    unaffected (× 1).
    """
    closed = ((insider_i & ~known_j) | (insider_j & ~known_i)) & ~np.asarray(exempt)
    return np.where(insider_i & insider_j, 1.0 + strength,
                    np.where(closed, 1.0 - strength, 1.0))


def insiders(cluster_size: np.ndarray, mature_from: int) -> np.ndarray:
    """Organisations in an alliance cluster (a connected component of the network of active
    alliances) of at least ``mature_from`` organisations: the members of a mature, densely
    allied community."""
    return cluster_size >= mature_from


def failure_hazard(trust: np.ndarray, threshold: float, base: float,
                   support: np.ndarray | float = 1.0) -> np.ndarray:
    """Monthly probability that an active alliance fails (the risk of the other)."""
    room = max(1.0 - threshold, 1e-9)
    return np.clip(base * (1.0 - trust) / room, 0.0, 1.0) * support


def resolve_capacity(a: np.ndarray, b: np.ndarray, spare: np.ndarray) -> np.ndarray:
    """Keep, in the given (random) order, the new alliances both partners still have room for."""
    n = len(a)
    if n == 0:
        return np.zeros(0, dtype=bool)
    ends = np.concatenate([a, b])
    order = np.argsort(ends, kind="stable")
    sorted_ends = ends[order]
    first = np.searchsorted(sorted_ends, sorted_ends, side="left")
    rank = np.empty(2 * n, dtype=np.int64)
    rank[order] = np.arange(2 * n) - first
    ok = rank < spare[ends]
    return ok[:n] & ok[n:]


class AllianceTable:
    """Every alliance ever formed (append-only columns, grown by doubling)."""

    COLUMNS = (("a", np.intp), ("b", np.intp), ("kind", np.int8), ("domain", np.int8),
               ("commune", np.intp), ("pair", np.int8), ("start", np.int32),
               ("end", np.int32), ("status", np.int8), ("stopped", np.int32),
               ("pilot", bool), ("catalyst", np.int16), ("operated", bool))

    def __init__(self, capacity: int = 256) -> None:
        self.size = 0
        for name, dtype in self.COLUMNS:
            setattr(self, name, np.zeros(capacity, dtype=dtype))
        self._active: np.ndarray | None = None   # ids of the active alliances, when known

    def add(self, **cols: np.ndarray) -> np.ndarray:
        """Append rows; returns their ids."""
        k = len(cols["a"])
        need = self.size + k
        cap = len(self.a)
        if need > cap:
            new_cap = max(need, 2 * cap)
            for name, _ in self.COLUMNS:
                old = getattr(self, name)
                grown = np.zeros(new_cap, dtype=old.dtype)
                grown[: self.size] = old[: self.size]
                setattr(self, name, grown)
        new = slice(self.size, need)
        for name, _ in self.COLUMNS:
            getattr(self, name)[new] = cols.get(name, 0)
        self.status[new] = ACTIVE
        self.stopped[new] = -1
        self.size = need
        self._active = None
        return np.arange(new.start, need)

    def set_status(self, ids: np.ndarray, status: int) -> None:
        """End alliances ``ids`` (COMPLETED or FAILED): statuses change only here and in
        :meth:`add`, which keeps :meth:`active_ids` exact."""
        self.status[ids] = status
        self._active = None

    def active_ids(self) -> np.ndarray:
        """Ids of the active alliances, in increasing order (read-only; computed once per
        change of the table: the model asks for them several times a month)."""
        if self._active is None:
            self._active = np.flatnonzero(self.status[: self.size] == ACTIVE)
            self._active.flags.writeable = False
        return self._active

    def frame(self):
        """All alliances as a pandas DataFrame (for export and inspection)."""
        import pandas as pd

        df = pd.DataFrame({name: getattr(self, name)[: self.size] for name, _ in self.COLUMNS})
        df["kind"] = pd.Categorical.from_codes(df["kind"], KINDS)
        df["status"] = pd.Categorical.from_codes(df["status"], ("active", "completed", "failed"))
        return df
