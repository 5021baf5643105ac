"""The 16 fragility domains of the PHARE programme and who can act on them.

Source: BRIEF §3 (seeds 001/004, "16 domaines" and "Les enseignements clés… à chaque acteur du
territoire, ses rôles à jouer").  Interests are stored as 16-bit masks (one bit per domain) so that
"do these two organisations share a need on a fragile domain?" is one bitwise AND.
"""

from __future__ import annotations

import numpy as np

#: Domain identifiers, in the order of the PHARE list (BRIEF §3).
DOMAINS: tuple[str, ...] = (
    "employment", "poverty", "education", "environment", "health", "economic_development",
    "housing", "safety", "diversity_disability", "energy_transition", "living_standard",
    "mobility", "ageing", "digital_access", "social_link", "culture_leisure",
)
N_DOMAINS = len(DOMAINS)
D = {name: i for i, name in enumerate(DOMAINS)}

#: Labels for plots and the app, English then French (seed wording).
DOMAIN_LABELS: dict[str, tuple[str, str]] = {
    "employment": ("Employment / insertion", "Emploi / chômage / insertion"),
    "poverty": ("Poverty / exclusion", "Pauvreté / exclusion"),
    "education": ("Education", "Éducation"),
    "environment": ("Environment / biodiversity", "Environnement / pollution / biodiversité"),
    "health": ("Health", "Santé"),
    "economic_development": ("Economic development", "Développement économique"),
    "housing": ("Poor housing", "Mal-logement"),
    "safety": ("Safety / delinquency", "Sécurité / délinquance"),
    "diversity_disability": ("Diversity / disability", "Diversité / handicap"),
    "energy_transition": ("Energy transition", "Transition énergétique"),
    "living_standard": ("Standard of living", "Niveau de vie / pouvoir d'achat"),
    "mobility": ("Mobility / transport", "Mobilité / transports"),
    "ageing": ("Ageing / intergenerational", "Vieillissement / intergénérationnel"),
    "digital_access": ("Digital access", "Accès au numérique"),
    "social_link": ("Isolation / social link", "Isolement / lien social"),
    "culture_leisure": ("Culture / leisure", "Culture / loisirs"),
}

#: Probability that a firm counts each of these domains among its interests: the shares of
#: mayors who see firms as having a (very) important role there (BRIEF §3, "who can act").
#: Other domains: the scenario's ``firm_other_interest`` (*assumption*, calibrated), plus the
#: domain of the firm's sector (FIRM_SECTORS).
FIRM_NAMED_INTEREST: dict[str, float] = {"economic_development": 0.91, "employment": 0.69,
                                         "environment": 0.56, "energy_transition": 0.50}


def firm_interest(other: float) -> np.ndarray:
    """Probability of each domain being among a firm's interests."""
    p = np.full(N_DOMAINS, other)
    for name, share in FIRM_NAMED_INTEREST.items():
        p[D[name]] = share
    return p

#: Firm sectors and the domain each adds to the firm's interests (*assumption*: the sources name
#: no sectors; these are the usual INSEE groupings with the fragility each touches most).
FIRM_SECTORS: tuple[tuple[str, str, float], ...] = (
    # (sector, domain it adds, share of firms)
    ("agriculture_food", "environment", 0.12),
    ("industry", "energy_transition", 0.12),
    ("construction", "housing", 0.16),
    ("trade", "living_standard", 0.22),
    ("transport", "mobility", 0.06),
    ("digital_services", "digital_access", 0.08),
    ("health_social_services", "ageing", 0.10),
    ("tourism_culture", "culture_leisure", 0.14),
)

#: Weight of each domain as the *main* domain of an association.  Named figures: mayors who see
#: associations as very important actors (social link 54 %, poverty 47 %, environment 40 %,
#: culture/leisure 84 % very+fairly; BRIEF §3).  Other weights are an *assumption* (0.15).
ASSOCIATION_MAIN = np.full(N_DOMAINS, 0.15)
ASSOCIATION_MAIN[D["social_link"]] = 0.54
ASSOCIATION_MAIN[D["poverty"]] = 0.47
ASSOCIATION_MAIN[D["environment"]] = 0.40
ASSOCIATION_MAIN[D["culture_leisure"]] = 0.84
ASSOCIATION_MAIN[D["education"]] = 0.30
ASSOCIATION_MAIN[D["health"]] = 0.25
ASSOCIATION_MAIN[D["ageing"]] = 0.25
ASSOCIATION_MAIN[D["diversity_disability"]] = 0.25
ASSOCIATION_MAIN[D["employment"]] = 0.25

#: Probability that an association also cares about a second, random domain (*assumption*).
ASSOCIATION_SECOND_DOMAIN = 0.5

BITS = (1 << np.arange(N_DOMAINS)).astype(np.uint16)


def to_mask(flags: np.ndarray) -> np.ndarray:
    """Rows of 16 booleans → uint16 bit masks."""
    return (flags.astype(np.uint16) * BITS).sum(axis=-1).astype(np.uint16)


def from_mask(masks: np.ndarray) -> np.ndarray:
    """uint16 bit masks → rows of 16 booleans."""
    return (np.asarray(masks, dtype=np.uint16)[..., None] & BITS) != 0
