"""Organisations as arrays: communes (public world), firms (economic), associations (associative).

Mesa agents give each organisation an identity, a cell and a tooltip; the state the rules read and
write lives here, one array per attribute, indexed by organisation number.  Communes come first
(index = commune number), then firms, then associations.

Sources: BRIEF §2 (size classes TPE/PME/ETI, ladder sensibilisée/impliquée/engagée, associations'
main domain, capacity and funding model) and §3 (who can act on which domain).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .domains import (
    ASSOCIATION_MAIN,
    ASSOCIATION_SECOND_DOMAIN,
    FIRM_SECTORS,
    N_DOMAINS,
    D,
    firm_interest,
    to_mask,
)
from .mayors import PROFILES, priority_probabilities, profile_masks
from .scenario import Scenario
from .territory import TOWN_WEIGHT, Territory

#: The three worlds that must learn a common language (BRIEF §1).
PUBLIC, ECONOMIC, ASSOCIATIVE = 0, 1, 2
WORLDS: tuple[str, ...] = ("public", "economic", "associative")
SIZE_CLASSES: tuple[str, ...] = ("TPE", "PME", "ETI")
FUNDING_MODELS: tuple[str, ...] = ("subsidised", "mixed", "market")



def relational_activity(capacity: np.ndarray) -> np.ndarray:
    """Relational time of an organisation relative to a micro-firm (*assumption*: it grows
    with the number of alliances the organisation can carry — more people, more meetings)."""
    return 1.0 + 0.5 * (capacity.astype(float) - 1.0)


@dataclass
class Organisations:
    """Struct of arrays over all organisations (communes, firms, associations)."""

    world: np.ndarray          # int8   PUBLIC / ECONOMIC / ASSOCIATIVE
    commune: np.ndarray        # intp   commune the organisation is located in
    x: np.ndarray              # int32  cell
    y: np.ndarray              # int32
    interests: np.ndarray      # uint16 domains the organisation can act on (bit mask)
    capacity: np.ndarray       # int16  concurrent alliances it can carry
    openness: np.ndarray       # float  alliance-formation multiplier (funding model)
    activity: np.ndarray       # float  relational time (capacity, terrain)
    size_class: np.ndarray     # int8   firms: 0 TPE 1 PME 2 ETI; -1 otherwise
    sector: np.ndarray         # int8   firms: index in FIRM_SECTORS; -1 otherwise
    main_domain: np.ndarray    # int8   associations: main domain; -1 otherwise
    funding: np.ndarray        # int8   associations: index in FUNDING_MODELS; -1 otherwise
    ladder: np.ndarray         # int8   firms: 0 unaware … 3 committed; -1 otherwise
    aware: np.ndarray          # bool   has taken part in a shared event or meeting
    language: np.ndarray       # float  mastery of the common cross-sector language, 0..1
    active: np.ndarray         # int16  active alliances
    ever_allied: np.ndarray    # bool
    alliance_months: np.ndarray  # float  months spent in alliances (performance impact)
    # communes only (index = commune)
    profile: np.ndarray        # int8   (C,) mayor profile
    priorities: np.ndarray     # bool   (C, 4) roles the mayor holds as priorities

    @property
    def n(self) -> int:
        return len(self.world)

    @property
    def is_firm(self) -> np.ndarray:
        return self.world == ECONOMIC

    @property
    def is_association(self) -> np.ndarray:
        return self.world == ASSOCIATIVE


def build_organisations(s: Scenario, t: Territory, rng: np.random.Generator) -> Organisations:
    """Place and describe every organisation of scenario ``s`` on territory ``t``."""
    c, nf, na = t.n_communes, s.n_firms, s.n_associations
    n = c + nf + na
    world = np.concatenate([np.full(c, PUBLIC), np.full(nf, ECONOMIC),
                            np.full(na, ASSOCIATIVE)]).astype(np.int8)

    # Location: a commune drawn by attractiveness (towns weigh more, with noise), then a cell of
    # that commune, pulled towards its centre (*assumption*).
    if t.org_weight is None:
        weight = np.where(t.is_town, TOWN_WEIGHT, 1.0) * rng.lognormal(0.0, s.size_spread,
                                                                       size=c)
    else:   # a real territory: in proportion to population (docs/territories.md)
        weight = t.org_weight.astype(float)
    weight /= weight.sum()
    commune = np.concatenate([np.arange(c), rng.choice(c, size=nf + na, p=weight)])
    owner = t.commune_of_cell.ravel()
    cell_order = np.argsort(owner, kind="stable")
    cell_starts = np.searchsorted(owner[cell_order], np.arange(c + 1))
    cell_count = np.diff(cell_starts)
    k = commune[c:]
    flat = cell_order[cell_starts[k] + (rng.random(nf + na) * cell_count[k]).astype(int)]
    pick = np.stack([flat // t.height, flat % t.height], axis=1)
    pull = rng.random(nf + na) < 0.6
    pick[pull] = np.round((pick[pull] + t.centres[k[pull]]) / 2).astype(int)
    x = np.concatenate([t.centres[:, 0], pick[:, 0]]).astype(np.int32)
    y = np.concatenate([t.centres[:, 1], pick[:, 1]]).astype(np.int32)

    interests = np.zeros(n, dtype=np.uint16)
    size_class = np.full(n, -1, dtype=np.int8)
    sector = np.full(n, -1, dtype=np.int8)
    main_domain = np.full(n, -1, dtype=np.int8)
    funding = np.full(n, -1, dtype=np.int8)
    capacity = np.zeros(n, dtype=np.int16)
    openness = np.ones(n)

    # Communes: the mayor's profile sets priority roles and domains (see mayors.py).
    pw = np.asarray(s.profile_weights(), dtype=float)
    profile = rng.choice(len(PROFILES), size=c, p=pw / pw.sum()).astype(np.int8)
    anchors = np.array([s.q8_convene, s.q8_dialogue, s.q8_partnerships, s.q8_experiments])
    prob = priority_probabilities(pw, anchors)
    priorities = rng.random((c, 4)) < prob[profile]
    interests[:c] = profile_masks()[profile]
    capacity[:c] = s.commune_capacity

    # Firms: size class, sector, interests from the "who can act" table plus the sector's domain.
    f = slice(c, c + nf)
    size_class[f] = rng.choice(3, size=nf, p=[1.0 - s.share_pme - s.share_eti, s.share_pme,
                                              s.share_eti])
    shares = np.array([sh for _, _, sh in FIRM_SECTORS])
    sector[f] = rng.choice(len(FIRM_SECTORS), size=nf, p=shares / shares.sum())
    flags = rng.random((nf, N_DOMAINS)) < firm_interest(s.firm_other_interest)
    sector_domain = np.array([D[d] for _, d, _ in FIRM_SECTORS])
    flags[np.arange(nf), sector_domain[sector[f]]] = True
    interests[f] = to_mask(flags)
    capacity[f] = np.array([s.capacity_tpe, s.capacity_pme, s.capacity_eti])[size_class[f]]

    # Associations: a main domain, maybe a second one, a capacity and a funding model.
    a = slice(c + nf, n)
    main_domain[a] = rng.choice(N_DOMAINS, size=na, p=ASSOCIATION_MAIN / ASSOCIATION_MAIN.sum())
    flags = np.zeros((na, N_DOMAINS), dtype=bool)
    flags[np.arange(na), main_domain[a]] = True
    second = rng.random(na) < ASSOCIATION_SECOND_DOMAIN
    flags[np.flatnonzero(second), rng.integers(N_DOMAINS, size=int(second.sum()))] = True
    interests[a] = to_mask(flags)
    # heavy-tailed: most associations carry one or two partnerships, a few carry many
    capacity[a] = np.minimum(rng.geometric(1.0 / s.association_capacity, size=na), 1000)
    funding[a] = rng.choice(3, size=na, p=[1.0 - s.share_assoc_mixed - s.share_assoc_market,
                                           s.share_assoc_mixed, s.share_assoc_market])
    openness[a] = np.where(funding[a] > 0, s.hybrid_openness, 1.0)

    activity = relational_activity(capacity) * t.access[x, y]
    ladder = np.full(n, -1, dtype=np.int8)
    ladder[f] = 0
    return Organisations(
        world=world, commune=commune.astype(np.intp), x=x, y=y, interests=interests,
        capacity=capacity, openness=openness, activity=activity, size_class=size_class,
        sector=sector, main_domain=main_domain, funding=funding, ladder=ladder,
        aware=np.zeros(n, dtype=bool), language=np.zeros(n), active=np.zeros(n, dtype=np.int16),
        ever_allied=np.zeros(n, dtype=bool), alliance_months=np.zeros(n), profile=profile,
        priorities=priorities)


def members_by_commune(orgs: Organisations, n_communes: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR view: organisations sorted by commune and the start offset of each commune."""
    order = np.argsort(orgs.commune, kind="stable").astype(np.intp)
    starts = np.searchsorted(orgs.commune[order], np.arange(n_communes + 1)).astype(np.intp)
    return order, starts
