"""Mayor profiles and the roles they give their commune in developing alliances.

Sources: the five profiles "face à la co-construction" (seeds 001/004, BRIEF §2) and the survey
question Q8 on the commune's role (74 % / 71 % / 68 % / 56 % say convening meetings, animating a
dialogue, helping partnerships, taking part in collective experiments is a *priority*).

The seeds describe each profile only by its vocabulary, so *how much* each profile leans towards a
role is an *assumption* (``ROLE_LEANING``).  What is not an assumption is the population level:
:func:`priority_probabilities` rescales the leanings so that, over the scenario's profile mix, the
expected share of mayors holding each role as a priority equals the Q8 figure.
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

ROLES: tuple[str, ...] = ("convene", "dialogue", "partnerships", "experiments")

#: Relative leaning of each profile (rows, PROFILES order) towards each role (columns, ROLES).
#: *Assumption* read from the profile descriptions: Coordinateurs are "very participatory,
#: relational" (meetings, dialogue); Volontaires "build projects, support innovative projects"
#: (partnerships, experiments); Bâtisseurs are concrete builders (partnerships); Gestionnaires are
#: budget-minded (lowest leaning everywhere); Idéalistes speak of "open governance" (dialogue).
ROLE_LEANING = np.array([
    # convene dialogue partnerships experiments
    [1.0, 1.4, 0.8, 1.0],   # idealistes
    [1.0, 0.8, 1.3, 1.1],   # batisseurs
    [0.7, 0.7, 0.8, 0.6],   # gestionnaires
    [1.1, 0.9, 1.3, 1.5],   # volontaires
    [1.5, 1.4, 1.0, 1.0],   # coordinateurs
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


def priority_probabilities(profile_weights: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """Probability that a mayor of each profile holds each role as a priority.

    ``profile_weights`` (5,) are the scenario's profile shares, ``anchors`` (4,) the Q8 priority
    shares.  Each role's leanings are scaled by the factor ``c`` that makes the population
    share exactly the anchor, ``weights @ min(1, c · leaning) == anchor`` (found by bisection,
    since a profile whose probability reaches 1 can give no more).  The anchor is reachable
    because every profile has a positive leaning for every role.
    """
    w = np.asarray(profile_weights, dtype=float)
    w = w / w.sum()
    out = np.empty_like(ROLE_LEANING)
    for r, anchor in enumerate(np.asarray(anchors, dtype=float)):
        lean = ROLE_LEANING[:, r]
        lo, hi = 0.0, 1.0 / lean.min()          # at hi every profile is at probability 1
        for _ in range(60):
            mid = (lo + hi) / 2
            if w @ np.minimum(1.0, mid * lean) < anchor:
                lo = mid
            else:
                hi = mid
        out[:, r] = np.minimum(1.0, hi * lean)
    return out


def role_rates(priorities: np.ndarray, meeting_rate: float, dialogue_rate: float,
               secondary: float) -> np.ndarray:
    """(C, 2) monthly rates of meetings and forums of each mayor: full rate for a priority
    role (convene = role 0, dialogue = role 1), ``secondary`` of it otherwise."""
    factor = np.where(priorities[:, :2], 1.0, secondary)
    return factor * np.array([meeting_rate, dialogue_rate])


def monthly_plan(rates: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """How many meetings and forums each mayor holds this month (Poisson counts)."""
    return rng.poisson(rates)
