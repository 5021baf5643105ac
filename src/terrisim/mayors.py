"""Mayor profiles and the roles they give their commune in developing alliances.

Sources: the five profiles "face à la co-construction" (seeds 001/004, BRIEF §2) and the survey
question Q8 on the commune's role in developing alliances (PHARE-Institutions 2016, seed 001):
convene meetings between organisations 74 % priority, animate a territorial dialogue 71 %, help
organisations set up partnerships 68 %, promote innovative alliances ≈ 64 %, take part in
collective experiments ≈ 56 %, get involved in public/private partnerships ≈ 54 % (the last
three are total − secondary, the OCR being partial).

The seeds describe each profile by its vocabulary only, so *how much* each profile leans towards a
role is an *assumption* (:data:`ROLE_LEANING`), and so are the traits by which profiles differ
beyond the roles (:data:`PROFILE_TRAITS`).  The survey fixes the population level once: the
leanings are scaled over a documented **reference mix** of profiles (:data:`REFERENCE_MIX`, equal
shares — the seeds give no shares) so that its average equals the Q8 figures
(:func:`priority_probabilities`).  A scenario with another mix keeps each profile's own
probabilities, so a territory of Coordinateurs convenes more than one of Gestionnaires.
"""

from __future__ import annotations

import numpy as np

from .domains import N_DOMAINS, D

PROFILES: tuple[str, ...] = ("idealistes", "batisseurs", "gestionnaires", "volontaires",
                             "coordinateurs")
PROFILE_LABELS: dict[str, tuple[str, str]] = {
    "idealistes": ("Idealists", "Idéalistes"),
    "batisseurs": ("Builders", "Bâtisseurs"),
    "gestionnaires": ("Managers", "Gestionnaires"),
    "volontaires": ("Go-getters", "Volontaires"),
    "coordinateurs": ("Coordinators", "Coordinateurs"),
}
IDEALISTES, BATISSEURS, GESTIONNAIRES, VOLONTAIRES, COORDINATEURS = range(5)

#: The six roles of survey Q8, in the survey's order.
ROLES: tuple[str, ...] = ("convene", "dialogue", "partnerships", "innovation", "experiments",
                          "ppp")
CONVENE, DIALOGUE, PARTNERSHIPS, INNOVATION, EXPERIMENTS, PPP = range(6)

#: Relative leaning of each profile (rows, PROFILES order) towards each role (columns, ROLES).
#: *Assumption* read from the profile descriptions (001/004): Coordinateurs are "very
#: participatory, relational: citizen participation, coordination between actors, exchanges"
#: (meetings, dialogue); Volontaires "build projects, support innovative projects" (innovation,
#: experiments, partnerships); Bâtisseurs are pragmatic builders of concrete projects
#: (partnerships, public/private partnerships); Gestionnaires speak of budgets and subsidies
#: (lowest leaning on every role but public/private partnerships); Idéalistes speak of "open
#: governance" and "collective intelligence" (dialogue, innovation).
ROLE_LEANING = np.array([
    # convene dialogue partnerships innovation experiments ppp
    [1.0, 1.4, 0.8, 1.3, 1.0, 0.7],   # idealistes
    [1.0, 0.8, 1.3, 0.8, 1.1, 1.3],   # batisseurs
    [0.6, 0.6, 0.7, 0.6, 0.6, 1.0],   # gestionnaires
    [1.1, 0.9, 1.3, 1.5, 1.5, 1.1],   # volontaires
    [1.5, 1.5, 1.1, 1.0, 1.0, 0.9],   # coordinateurs
])

#: The mix of profiles over which the leanings are scaled to the survey (equal shares:
#: *assumption*, the seeds give no shares of each profile).
REFERENCE_MIX = np.full(len(PROFILES), 1.0 / len(PROFILES))

#: What else distinguishes profiles (*assumption*, from the same descriptions; 1 = neutral):
#: ``forum_size`` — participation: Coordinateurs open their forums to more organisations;
#: ``open_forums`` — open governance: share of forum seats Idéalistes and Coordinateurs keep for
#: organisations that have no alliance yet (they keep the ecosystem open, 003 §3.1.1);
#: ``project_support`` — failure-hazard multiplier of alliances located in the commune:
#: Bâtisseurs carry concrete projects through, Gestionnaires bring budgets and subsidies;
#: ``innovation_bias`` — weight of social innovation among the kinds of alliances formed in the
#: commune (Volontaires support "innovative projects").
TRAITS: tuple[str, ...] = ("forum_size", "open_forums", "project_support", "innovation_bias")
PROFILE_TRAITS = np.array([
    # forum_size open_forums project_support innovation_bias
    [1.0, 0.5, 1.0, 1.5],   # idealistes
    [1.0, 0.0, 0.8, 1.0],   # batisseurs
    [1.0, 0.0, 0.8, 1.0],   # gestionnaires
    [1.0, 0.0, 1.0, 2.0],   # volontaires
    [1.5, 0.3, 1.0, 1.0],   # coordinateurs
])

#: Domains each profile's vocabulary puts first (*assumption* from the profile descriptions).
PROFILE_DOMAINS: tuple[tuple[str, ...], ...] = (
    ("social_link", "diversity_disability", "education", "environment", "culture_leisure"),
    ("housing", "economic_development", "mobility", "living_standard"),
    ("economic_development", "living_standard", "employment", "safety"),
    ("economic_development", "employment", "energy_transition", "digital_access",
     "environment"),
    ("social_link", "ageing", "culture_leisure", "poverty", "health"),
)


def profile_masks() -> np.ndarray:
    """uint16 interest mask of each profile (PROFILES order)."""
    out = np.zeros(len(PROFILES), dtype=np.uint16)
    for p, names in enumerate(PROFILE_DOMAINS):
        for name in names:
            out[p] |= np.uint16(1 << D[name])
    assert N_DOMAINS == 16
    return out


def priority_probabilities(anchors: np.ndarray, mix: np.ndarray = REFERENCE_MIX,
                           leaning: np.ndarray = ROLE_LEANING) -> np.ndarray:
    """Probability that a mayor of each profile holds each role as a priority.

    ``anchors`` are the Q8 priority shares (one per role); each role's leanings are scaled by the
    factor ``c`` that makes the ``mix``-weighted share exactly the anchor,
    ``mix @ min(1, c · leaning) == anchor`` (bisection: a profile whose probability reaches 1
    can give no more).  Scaled once over the reference mix, the probabilities do not depend on
    a scenario's own mix of profiles.
    """
    w = np.asarray(mix, dtype=float)
    w = w / w.sum()
    out = np.empty_like(leaning, dtype=float)
    for r, anchor in enumerate(np.asarray(anchors, dtype=float)):
        lean = leaning[:, r]
        lo, hi = 0.0, 1.0 / lean.min()          # at hi every profile is at probability 1
        for _ in range(60):
            mid = (lo + hi) / 2
            if w @ np.minimum(1.0, mid * lean) < anchor:
                lo = mid
            else:
                hi = mid
        out[:, r] = np.minimum(1.0, hi * lean)
    return out


def neutral_probabilities(anchors: np.ndarray) -> np.ndarray:
    """Every profile at the reference average (the ``mayor_profiles`` ablation): the Q8 shares
    themselves for everyone."""
    return np.tile(np.asarray(anchors, dtype=float), (len(PROFILES), 1))


def role_rates(priorities: np.ndarray, meeting_rate: float, dialogue_rate: float,
               secondary: float) -> np.ndarray:
    """(C, 2) monthly rates of meetings and forums of each mayor: full rate for a priority
    role (convene, dialogue), ``secondary`` of it otherwise."""
    factor = np.where(priorities[:, [CONVENE, DIALOGUE]], 1.0, secondary)
    return factor * np.array([meeting_rate, dialogue_rate])


def monthly_plan(rates: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """How many meetings and forums each mayor holds this month (Poisson counts)."""
    return rng.poisson(rates)
