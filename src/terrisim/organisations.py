"""Organisations as arrays: communes and other public bodies (public world), firms (economic),
associations (associative).

Mesa agents give each organisation an identity, a cell and a tooltip; the state the rules read and
write lives here, one array per attribute, indexed by organisation number.  Communes come first
(index = commune number), then firms, then associations, then the other public bodies.

Sources: BRIEF §2 (size classes TPE/PME/ETI, ladder sensibilisée/impliquée/engagée, associations'
main domain, capacity and funding model) and §3 (who can act on which domain).  Public actors are
not only communes: a catalyst such as the Labo des partenariats d'Alsace worked with dozens of
"collectivités et acteurs publics" (seed 001), and the public catalysts the sources name are
intercommunal (the PETR, seed 000).  So each intercommunalité (EPCI), each département and the
State services of each département are public bodies with their own capacity and domains — the
domains follow their legal competences (loi n° 2015-991 du 7 août 2015, "NOTRe": economic
development, mobility, housing, environment for intercommunalités; social action, insertion,
ageing and disability, collèges for départements; employment, safety, health, education and the
energy transition for the State's services): *assumption* as to which domains each cares about.
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
from .mayors import (
    PPP,
    PROFILES,
    ROLES,
    neutral_probabilities,
    priority_probabilities,
    profile_masks,
)
from .scenario import Scenario
from .territory import TOWN_WEIGHT, Territory

#: The three worlds that must learn a common language (BRIEF §1).
PUBLIC, ECONOMIC, ASSOCIATIVE = 0, 1, 2
WORLDS: tuple[str, ...] = ("public", "economic", "associative")
SIZE_CLASSES: tuple[str, ...] = ("TPE", "PME", "ETI")
FUNDING_MODELS: tuple[str, ...] = ("subsidised", "mixed", "market")
#: Kinds of public bodies beyond communes (``body`` column; -1 for every other organisation).
BODIES: tuple[str, ...] = ("intercommunality", "departement", "state")
BODY_LABELS: dict[str, tuple[str, str]] = {
    "intercommunality": ("Intercommunality (EPCI)", "Intercommunalité (EPCI)"),
    "departement": ("Département", "Département"),
    "state": ("State services", "Services de l'État"),
}
EPCI_BODY, DEPARTEMENT_BODY, STATE_BODY = range(3)
#: Domains each kind of public body acts on, after its legal competences (*assumption*).
BODY_DOMAINS: tuple[tuple[str, ...], ...] = (
    ("economic_development", "employment", "mobility", "housing", "environment",
     "energy_transition", "digital_access"),
    ("poverty", "employment", "ageing", "diversity_disability", "education", "social_link"),
    ("employment", "safety", "health", "education", "energy_transition", "environment"),
)


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
    body: np.ndarray           # int8   public bodies: index in BODIES; -1 otherwise
    # communes only (index = commune)
    profile: np.ndarray        # int8   (C,) mayor profile
    priorities: np.ndarray     # bool   (C, 6) roles of survey Q8 the mayor holds as priorities

    @property
    def n(self) -> int:
        return len(self.world)

    @property
    def n_communes(self) -> int:
        return len(self.profile)

    @property
    def is_public(self) -> np.ndarray:
        return self.world == PUBLIC

    @property
    def is_firm(self) -> np.ndarray:
        return self.world == ECONOMIC

    @property
    def is_association(self) -> np.ndarray:
        return self.world == ASSOCIATIVE


def build_organisations(s: Scenario, t: Territory, rng: np.random.Generator) -> Organisations:
    """Place and describe every organisation of scenario ``s`` on territory ``t``."""
    c, nf, na = t.n_communes, s.n_firms, s.n_associations

    # Location: a commune drawn by attractiveness (towns weigh more, with noise), then a cell of
    # that commune, pulled towards its centre (*assumption*).
    if t.org_weight is None:
        weight = np.where(t.is_town, TOWN_WEIGHT, 1.0) * rng.lognormal(0.0, s.size_spread,
                                                                       size=c)
    else:   # a real territory: in proportion to population (docs/territories.md)
        weight = t.org_weight.astype(float)
    weight /= weight.sum()
    placed = rng.choice(c, size=nf + na, p=weight)
    owner = t.commune_of_cell.ravel()
    cell_order = np.argsort(owner, kind="stable")
    cell_starts = np.searchsorted(owner[cell_order], np.arange(c + 1))
    cell_count = np.diff(cell_starts)
    flat = cell_order[cell_starts[placed] + (rng.random(nf + na) * cell_count[placed])
                      .astype(int)]
    pick = np.stack([flat // t.height, flat % t.height], axis=1)
    pull = rng.random(nf + na) < 0.6
    pick[pull] = np.round((pick[pull] + t.centres[placed[pull]]) / 2).astype(int)

    # Public bodies: one intercommunalité per EPCI, one département and the State's services per
    # département, seated in their most attractive commune (the chef-lieu).
    seats, bodies = _public_bodies(t, weight) if s.public_bodies else (
        np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.int8))
    nb = len(seats)
    n = c + nf + na + nb
    world = np.concatenate([np.full(c, PUBLIC), np.full(nf, ECONOMIC),
                            np.full(na, ASSOCIATIVE), np.full(nb, PUBLIC)]).astype(np.int8)
    commune = np.concatenate([np.arange(c), placed, seats]).astype(np.intp)
    x = np.concatenate([t.centres[:, 0], pick[:, 0], t.centres[seats, 0]]).astype(np.int32)
    y = np.concatenate([t.centres[:, 1], pick[:, 1], t.centres[seats, 1]]).astype(np.int32)

    interests = np.zeros(n, dtype=np.uint16)
    size_class = np.full(n, -1, dtype=np.int8)
    sector = np.full(n, -1, dtype=np.int8)
    main_domain = np.full(n, -1, dtype=np.int8)
    funding = np.full(n, -1, dtype=np.int8)
    body = np.full(n, -1, dtype=np.int8)
    capacity = np.zeros(n, dtype=np.int16)
    openness = np.ones(n)

    # Communes: the mayor's profile sets priority roles and domains (see mayors.py).
    pw = np.asarray(s.profile_weights(), dtype=float)
    profile = rng.choice(len(PROFILES), size=c, p=pw / pw.sum()).astype(np.int8)
    anchors = np.asarray(s.q8_anchors())
    prob = (priority_probabilities(anchors) if s.mayor_profiles
            else neutral_probabilities(anchors))
    priorities = rng.random((c, len(ROLES))) < prob[profile]
    interests[:c] = profile_masks()[profile]
    capacity[:c] = commune_capacities(np.bincount(placed, minlength=c), s.commune_capacity)
    # a mayor holding public/private partnerships as a priority is more open to alliances
    openness[:c] = np.where(priorities[:, PPP], s.ppp_openness, 1.0)

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
    a = slice(c + nf, c + nf + na)
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

    # Public bodies: capacity and the domains of their competences.
    pb = slice(c + nf + na, n)
    body[pb] = bodies
    masks = np.array([to_mask(np.isin(np.arange(N_DOMAINS), [D[d] for d in names]))
                      for names in BODY_DOMAINS], dtype=np.uint16)
    interests[pb] = masks[bodies] if nb else interests[pb]
    capacity[pb] = s.public_body_capacity

    activity = relational_activity(capacity) * t.access[x, y]
    ladder = np.full(n, -1, dtype=np.int8)
    ladder[f] = 0
    return Organisations(
        world=world, commune=commune, x=x, y=y, interests=interests,
        capacity=capacity, openness=openness, activity=activity, size_class=size_class,
        sector=sector, main_domain=main_domain, funding=funding, ladder=ladder,
        aware=np.zeros(n, dtype=bool), language=np.zeros(n), active=np.zeros(n, dtype=np.int16),
        ever_allied=np.zeros(n, dtype=bool), alliance_months=np.zeros(n), body=body,
        profile=profile, priorities=priorities)


def commune_capacities(local_orgs: np.ndarray, largest: int) -> np.ndarray:
    """Alliances each commune can carry: ``largest`` for the commune with the most local
    organisations, less for smaller ones, as the square root of their relative size (at least
    one).  *Assumption*: a commune's relational capacity follows its size — the mairie of a small
    village has no staff for partnerships, a town has services — and it also sets the commune's
    relational time (:func:`relational_activity`); the square root keeps small communes able to
    ally, as most French communes are small (PHARE 2016: 24 % of mayors see no dynamic at all)."""
    top = max(int(local_orgs.max()) if len(local_orgs) else 0, 1)
    return np.maximum(1, np.round(largest * np.sqrt(local_orgs / top))).astype(np.int16)


def _public_bodies(t: Territory, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Seat commune and kind of every public body: each EPCI, then each département and its
    State services; a body sits in the most attractive commune of its area."""
    seats, kinds = [], []
    for kind, groups in ((EPCI_BODY, t.epci), (DEPARTEMENT_BODY, t.departement),
                         (STATE_BODY, t.departement)):
        order = np.lexsort((-weight, groups))          # by group, most attractive first
        first = np.r_[True, groups[order][1:] != groups[order][:-1]]
        seats.append(order[first])
        kinds.append(np.full(int(first.sum()), kind))
    return np.concatenate(seats).astype(np.intp), np.concatenate(kinds).astype(np.int8)


def members_by_commune(orgs: Organisations, n_communes: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR view: organisations sorted by commune and the start offset of each commune."""
    order = np.argsort(orgs.commune, kind="stable").astype(np.intp)
    starts = np.searchsorted(orgs.commune[order], np.arange(n_communes + 1)).astype(np.intp)
    return order, starts
