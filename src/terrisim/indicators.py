"""Indicators computed each month: what researchers, teachers and the validation read.

Every indicator is a plain float in the dictionary returned by :func:`measure`, collected by
Mesa's DataCollector under the same name.  Sources of the definitions:

* alliances by kind and by pair of worlds; share of firms / associations with at least one
  cross-sector partnership (PHARE 2015: 37 % / 38 %, BRIEF §7);
* firms per ladder rung (seed 000, "3 axes");
* each commune's co-construction stage, the four answers of the mayors' survey (PHARE-
  Institutions 2016: anchored 17 %, increasingly numerous 13 %, beginning to emerge 46 %,
  not at all 24 %) — the mapping from alliances to a stage is an *assumption*
  (:func:`commune_stage`);
* alliance network density, largest-component share and its Herfindahl index, and a
  concentration index for the risk of "communautés concentrées" (003 §3.1.1): the share of
  alliance-level trust relationships held by the tenth of organisations that have the most
  (:func:`top_decile_share`) — a few mature actors who know each other well while others stay
  out — with the share of organisations included in an alliance since the start;
* mean fragility by domain; the three impacts (performance, innovation, trust; 001/004) — their
  formulas are *assumptions* documented in docs/ODD.md.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from .alliances import KINDS, WORLD_PAIR_NAMES, WORLD_PAIRS
from .domains import DOMAINS
from .ladder import LEVELS
from .organisations import ASSOCIATIVE, ECONOMIC, PUBLIC, WORLDS

if TYPE_CHECKING:
    from .model import TerritoryModel

ECONOMIC_ASSOCIATIVE = WORLD_PAIRS.index((ECONOMIC, ASSOCIATIVE))

STAGES: tuple[str, ...] = ("none", "emerging", "growing", "anchored")
STAGE_LABELS: dict[str, tuple[str, str]] = {
    "none": ("Not at all", "Non, pas du tout"),
    "emerging": ("Beginning to emerge", "Un peu, cela commence à émerger"),
    "growing": ("Increasingly numerous", "Oui, de plus en plus nombreuses"),
    "anchored": ("Anchored", "Oui, tout à fait, c'est ancré"),
}
#: The survey's answers (PHARE-Institutions 2016), for comparison in plots and validation.
SURVEY_STAGE_SHARES: dict[str, float] = {"none": 0.24, "emerging": 0.46, "growing": 0.13,
                                         "anchored": 0.17}

#: Months of alliance work after which an organisation's performance gain is 63 % of its maximum
#: (*assumption*, the sources give no scale).
PERFORMANCE_MONTHS = 36.0
#: Completed innovations (social-innovation alliances, pilot projects) after which a commune's
#: innovation index is 63 % of its maximum (*assumption*).
INNOVATION_SCALE = 2.0


@dataclass
class Tally:
    """Counters the model updates as things happen (per month and cumulative)."""

    n_communes: int
    promoted: np.ndarray = field(default_factory=lambda: np.zeros(3, dtype=np.int64))
    formed_kind: np.ndarray = field(default_factory=lambda: np.zeros(4, dtype=np.int64))
    formed_pair: np.ndarray = field(default_factory=lambda: np.zeros(3, dtype=np.int64))
    failed_kind: np.ndarray = field(default_factory=lambda: np.zeros(4, dtype=np.int64))
    formed_kind_total: np.ndarray = field(default_factory=lambda: np.zeros(4, dtype=np.int64))
    formed_pair_total: np.ndarray = field(default_factory=lambda: np.zeros(3, dtype=np.int64))
    failed_total: int = 0
    completed: int = 0
    completed_total: int = 0
    pilots_total: int = 0
    encounters: int = 0
    meetings: int = 0
    forums: int = 0
    experiments_launched: int = 0
    first_alliance: float = np.nan
    first_catalysed: float = np.nan
    innovations: np.ndarray = field(default_factory=lambda: np.zeros(0))
    commune_first: np.ndarray = field(default_factory=lambda: np.zeros(0))
    streak: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    stage: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    communes_accompanied: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    credited_partner: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    formed_by_org: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @classmethod
    def create(cls, model: TerritoryModel) -> Tally:
        c = model.territory.n_communes
        return cls(n_communes=c, innovations=np.zeros(c), commune_first=np.full(c, np.nan),
                   streak=np.zeros(c, dtype=np.int64), stage=np.zeros(c, dtype=np.int8),
                   communes_accompanied=np.zeros(c, dtype=bool),
                   credited_partner=np.zeros(model.orgs.n, dtype=bool),
                   formed_by_org=np.zeros(model.orgs.n, dtype=np.int64))

    def new_month(self) -> None:
        self.failed_total += int(self.failed_kind.sum())
        self.completed_total += self.completed
        self.promoted[:] = 0
        self.formed_kind[:] = 0
        self.formed_pair[:] = 0
        self.failed_kind[:] = 0
        self.completed = self.encounters = self.meetings = self.forums = 0

    def record_formed(self, model: TerritoryModel, ids: np.ndarray) -> None:
        al, month = model.alliances, model.month
        np.add.at(self.formed_kind, al.kind[ids], 1)
        np.add.at(self.formed_pair, al.pair[ids], 1)
        np.add.at(self.formed_kind_total, al.kind[ids], 1)
        np.add.at(self.formed_pair_total, al.pair[ids], 1)
        self.pilots_total += int(al.pilot[ids].sum())
        np.add.at(self.formed_by_org, al.a[ids], 1)
        np.add.at(self.formed_by_org, al.b[ids], 1)
        if len(ids) and np.isnan(self.first_alliance):
            self.first_alliance = month
        credited = ids[al.catalyst[ids] >= 0]
        if len(credited):
            if np.isnan(self.first_catalysed):
                self.first_catalysed = month
            self.credited_partner[al.a[credited]] = True
            self.credited_partner[al.b[credited]] = True
        orgs = model.orgs
        for side in (al.a[ids], al.b[ids]):
            c = orgs.commune[side]
            for k in np.flatnonzero(np.isnan(self.commune_first[c])):
                if np.isnan(self.commune_first[c[k]]):   # once per commune, even in a batch
                    self.commune_first[c[k]] = month
                    aid = ids[k]
                    model.events.add(month, "first_alliance", int(c[k]), commune=int(c[k]),
                                     world_a=WORLDS[orgs.world[al.a[aid]]],
                                     world_b=WORLDS[orgs.world[al.b[aid]]],
                                     alliance_kind=KINDS[al.kind[aid]])


def commune_stage(coconstruction: np.ndarray, streak: np.ndarray, growing: int,
                  anchoring_months: int) -> np.ndarray:
    """Stage of each commune's co-construction dynamic (*assumption*, see ODD).

    The survey asks mayors whether their territory carries a co-construction dynamic "between
    associations, firms and local authorities", so a commune's dynamic is counted by its
    *co-construction alliances*: active alliances with the commune itself as a partner, plus
    active pilot projects of collective experiments located there.  none: zero; emerging
    ("beginning to emerge"): fewer than ``growing``; growing ("increasingly numerous"): at least
    ``growing``; anchored: at least ``growing`` for ``anchoring_months`` months in a row.
    """
    above = coconstruction >= growing
    return np.where(coconstruction == 0, 0,
                    np.where(~above, 1, np.where(streak >= anchoring_months, 3, 2))
                    ).astype(np.int8)


def coconstruction_alliances(model: TerritoryModel, ids: np.ndarray) -> np.ndarray:
    """Per commune: active alliances with the commune as partner, plus pilot projects there."""
    al, c = model.alliances, model.territory.n_communes
    a, b = al.a[ids], al.b[ids]
    own = np.bincount(a[a < c], minlength=c) + np.bincount(b[b < c], minlength=c)
    pilots = ids[al.pilot[ids] & (a >= c) & (b >= c)]
    return own + np.bincount(al.commune[pilots], minlength=c)


def update_stages(model: TerritoryModel) -> None:
    """This month's co-construction stage of every commune (a state, kept through the spin-up:
    a commune anchored before the recorded start is anchored at step 0)."""
    s, tally = model.params, model.tally
    cc = coconstruction_alliances(model, model.alliances.active_ids())
    tally.streak = np.where(cc >= s.growing_alliances, tally.streak + 1, 0)
    before = tally.stage
    tally.stage = commune_stage(cc, tally.streak, s.growing_alliances, s.anchoring_months)
    if model.month > 0:
        for k in np.flatnonzero((tally.stage == 3) & (before != 3)):
            model.events.add(model.month, "commune_anchored", int(k), commune=int(k))


def measure(model: TerritoryModel) -> dict[str, float]:
    """All indicators of the current month."""
    s, orgs, al, tt, tally = model.params, model.orgs, model.alliances, model.trust, model.tally
    terr = model.territory
    out: dict[str, float] = {"month": float(model.month),
                             "year": s.start_year + model.month / 12.0}
    ids = al.active_ids()
    a, b = al.a[ids], al.b[ids]
    out["alliances_active"] = float(len(ids))
    out["alliances_formed"] = float(tally.formed_kind.sum())
    out["alliances_failed"] = float(tally.failed_kind.sum())
    out["alliances_completed"] = float(tally.completed)
    out["alliances_formed_total"] = float(tally.formed_kind_total.sum())
    out["alliances_failed_total"] = float(tally.failed_total + tally.failed_kind.sum())
    active_kind = np.bincount(al.kind[ids], minlength=4)
    for k, name in enumerate(KINDS):
        out[f"active_{name}"] = float(active_kind[k])
        out[f"formed_total_{name}"] = float(tally.formed_kind_total[k])
    active_pair = np.bincount(al.pair[ids], minlength=3)
    for k, name in enumerate(WORLD_PAIR_NAMES):
        out[f"active_{name}"] = float(active_pair[k])
        out[f"formed_total_{name}"] = float(tally.formed_pair_total[k])
    out["pilot_projects_total"] = float(tally.pilots_total)

    firms = orgs.world == ECONOMIC
    assoc = orgs.world == ASSOCIATIVE
    n_firms = max(int(firms.sum()), 1)
    ladder = np.bincount(orgs.ladder[firms], minlength=4)
    for k, name in enumerate(LEVELS):
        out[f"firms_{name}"] = float(ladder[k] / n_firms)
    partnered = orgs.active > 0
    out["firms_partnered"] = float(partnered[firms].sum() / n_firms)
    out["associations_partnered"] = float(partnered[assoc].sum() / max(int(assoc.sum()), 1))
    out["communes_partnered"] = float(partnered[: terr.n_communes].mean())
    bodies = orgs.body >= 0
    out["public_bodies_partnered"] = (float(partnered[bodies].mean()) if bodies.any()
                                      else 0.0)
    # the PHARE 2015 surveys' own definition: firms partnering an association and vice versa
    ea = al.pair[ids] == ECONOMIC_ASSOCIATIVE
    with_other = np.zeros(orgs.n, dtype=bool)
    with_other[a[ea]] = with_other[b[ea]] = True
    out["firms_with_association_partner"] = float(with_other[firms].sum() / n_firms)
    out["associations_with_firm_partner"] = float(with_other[assoc].sum()
                                                  / max(int(assoc.sum()), 1))

    # commune stages
    c = terr.n_communes
    stage_share = np.bincount(tally.stage, minlength=4) / c
    for k, name in enumerate(STAGES):
        out[f"stage_{name}"] = float(stage_share[k])

    # timing
    out["first_alliance_month"] = float(tally.first_alliance)
    out["first_credited_alliance_month"] = float(tally.first_catalysed)
    firsts = tally.commune_first[~np.isnan(tally.commune_first)]
    out["communes_with_alliance"] = float(len(firsts) / c)
    out["median_commune_first_alliance_month"] = (float(statistics.median(firsts.tolist()))
                                                  if len(firsts) else np.nan)
    cats = model.catalysts
    out["catalysts_active"] = float(sum(st.active for st in cats))
    out["catalyst_days_animation"] = float(sum(st.days_animation for st in cats))
    out["catalyst_days_operating"] = float(sum(st.days_operating for st in cats))
    out["experiments_launched"] = float(tally.experiments_launched)
    out["experiments_running"] = float(sum(e.end > model.month for e in model.experiments))
    out["months_to_first_experiment"] = _mean_delay(cats, "first_experiment", s.catalyst_start)
    out["months_to_first_pilot"] = _mean_delay(cats, "first_pilot", s.catalyst_start)
    out["months_to_deployment"] = _mean_delay(cats, "deployed", s.catalyst_start)
    out["catalysts_deployed"] = float(sum(st.deployed is not None for st in cats))
    out["alliances_credited_to_catalysts"] = float(sum(st.credited for st in cats))
    out["catalyst_events_total"] = float(sum(st.events_held for st in cats))
    out["catalyst_participations_total"] = float(sum(st.participations for st in cats))
    out["catalyst_introductions_total"] = float(sum(st.introductions for st in cats))
    out["catalyst_collective_sessions_total"] = float(sum(st.sessions for st in cats))
    out["catalyst_communes_accompanied"] = float(tally.communes_accompanied.sum())
    cp = tally.credited_partner
    out["catalysed_partners_firms"] = float((cp & firms).sum())
    out["catalysed_partners_associations"] = float((cp & assoc).sum())
    out["catalysed_partners_public"] = float((cp & (orgs.world == PUBLIC)).sum())
    out["catalyst_ties"] = float(len(model.ties))
    out["catalyst_legitimacy"] = (float(np.mean([st.legitimacy for st in cats if st.active]))
                                  if any(st.active for st in cats) else np.nan)

    # network
    n = orgs.n
    out["network_density"] = float(2.0 * len(ids) / (n * (n - 1))) if n > 1 else 0.0
    out["largest_component_share"], out["component_concentration"] = _components(a, b, n)
    deg = np.bincount(np.concatenate([a, b]), minlength=n)
    strong_deg = np.bincount(np.concatenate([tt.i[model.strong], tt.j[model.strong]]),
                             minlength=n)
    out["concentration"] = top_decile_share(strong_deg)
    out["organisations_included"] = float((tally.formed_by_org > 0).mean())
    out["alliances_top_decile_share"] = top_decile_share(tally.formed_by_org)
    out["degree_gini"] = _gini(deg)

    # fragility and impacts
    frag = terr.fragility.mean(axis=0)
    for k, name in enumerate(DOMAINS):
        out[f"fragility_{name}"] = float(frag[k])
    out["fragility_mean"] = float(frag.mean())
    out["impact_performance"] = float(np.mean(1.0 - np.exp(-orgs.alliance_months
                                                           / PERFORMANCE_MONTHS)))
    out["impact_innovation"] = float(np.mean(1.0 - np.exp(-tally.innovations
                                                          / INNOVATION_SCALE)))
    out["impact_trust"] = _trust_impact(model, stage_share)

    # relationships
    out["relationships"] = float(len(tt))
    out["mean_trust"] = float(tt.trust.mean()) if len(tt) else 0.0
    out["relationships_above_threshold"] = float(len(model.strong))
    out["encounters"] = float(tally.encounters)
    out["meetings"] = float(tally.meetings)
    out["forums"] = float(tally.forums)
    out["promoted_by_event"] = float(tally.promoted[0])
    out["promoted_by_workshop"] = float(tally.promoted[1])
    out["promoted_by_project"] = float(tally.promoted[2])
    return out


def _mean_delay(cats: list, attr: str, start: int) -> float:
    vals = [getattr(st, attr) - start for st in cats if getattr(st, attr) is not None]
    return float(np.mean(vals)) if vals else np.nan


def component_labels(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """Connected-component label (smallest member) of each of ``n`` nodes given edges (a, b)."""
    return _union_find(np.ascontiguousarray(a, dtype=np.intp),
                       np.ascontiguousarray(b, dtype=np.intp), int(n))


@njit(cache=True, nogil=True)
def _union_find(a, b, n):  # pragma: no cover - compiled
    """Union–find whose root is always the smaller index (so each label is its component's
    smallest member), with path halving; then every node points at its root."""
    parent = np.arange(n)
    for e in range(len(a)):
        x, y = a[e], b[e]
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        while parent[y] != y:
            parent[y] = parent[parent[y]]
            y = parent[y]
        if x < y:
            parent[y] = x
        elif y < x:
            parent[x] = y
    for v in range(n):            # increasing order: a parent (smaller) is already final
        parent[v] = parent[parent[v]]
    return parent


def cluster_sizes(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """Size of the connected component (alliance cluster) of each of ``n`` nodes given edges
    (a, b): 1 for a node without edges.  Components are labelled among the nodes with an edge
    only (a few thousand at most where ``n`` may be millions)."""
    size = np.ones(n, dtype=np.int64)
    if len(a) == 0:
        return size
    nodes, inverse = np.unique(np.concatenate([a, b]), return_inverse=True)
    labels = component_labels(inverse[: len(a)], inverse[len(a):], len(nodes))
    size[nodes] = np.bincount(labels, minlength=len(nodes))[labels]
    return size


def _components(a: np.ndarray, b: np.ndarray, n: int) -> tuple[float, float]:
    """Largest connected component's share of allied organisations, and the Herfindahl index
    of component sizes (1 = one single community holds every alliance)."""
    if len(a) == 0:
        return 0.0, 0.0
    # work on the allied organisations only (a few hundred of thousands): renumbering them in
    # order keeps each component's smallest member first, so the sizes come out in the same order
    allied = np.zeros(n, dtype=bool)
    allied[a] = allied[b] = True
    number = np.cumsum(allied) - 1
    labels = component_labels(number[a], number[b], int(number[-1]) + 1)
    sizes = np.bincount(labels)
    share = sizes[sizes > 0] / allied.sum()
    return float(share.max()), float((share**2).sum())


def top_decile_share(counts: np.ndarray) -> float:
    """Share of a total (relationships or alliances, each counted at both ends) held by the
    tenth of organisations that have the most (0.1 when spread evenly over everyone, 1 when
    that tenth has it all): the same few mature actors holding the territory's relational
    capital while others stay out is what seed 003 §3.1.1 calls "communautés concentrées"."""
    total = counts.sum()
    if total == 0:
        return 0.0
    k = max(1, len(counts) // 10)
    return float(np.partition(counts, len(counts) - k)[-k:].sum() / total)


def _gini(x: np.ndarray) -> float:
    total = x.sum()
    if total == 0:
        return 0.0
    xs = np.sort(x).astype(float)
    n = len(xs)
    return float((2.0 * np.arange(1, n + 1) - n - 1) @ xs / (n * total))


def _trust_impact(model: TerritoryModel, stage_share: np.ndarray) -> float:
    """Trust impact: half 'trust of people' (share of organisations with a relationship of
    alliance-level trust in another world), half 'trust of territories' (share of communes
    whose co-construction dynamic grows or is anchored)."""
    tt, orgs = model.trust, model.orgs
    people = np.zeros(orgs.n, dtype=bool)   # every tracked pair is between two worlds
    people[tt.i[model.strong]] = people[tt.j[model.strong]] = True
    return float(0.5 * people.mean() + 0.5 * (stage_share[2] + stage_share[3]))
