"""What a catalyst is and remembers: origin, area, time, programme, results, legitimacy.

Sources: the four origins of catalysts met in Puy-de-Dôme (seed 000: a public actor linking
territories — PETR —, an economic development agency, social-economy support actors, an academic
actor); the programme's steps (listen → co-construct → run → value, seed 000); the funding horizon
of an experimental catalyst (seed 003 §3.2.4) and its legitimacy as a neutral animator (§3.2.3).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

ORIGINS: tuple[str, ...] = ("public", "economic", "social_economy", "academic")
ORIGIN_LABELS: dict[str, tuple[str, str]] = {
    "public": ("Public (PETR)", "Public (PETR)"),
    "economic": ("Economic development agency", "Agence de développement"),
    "social_economy": ("Social economy (ESS)", "Économie sociale (ESS)"),
    "academic": ("Academic", "Académique"),
}
#: Weight given to each world (public, economic, associative) when a catalyst of a given origin
#: picks whom to invite or listen to (*assumption*: one's own network comes first; seed 000 names
#: the four origins but not how they differ).
ORIGIN_WORLD_WEIGHT: dict[str, tuple[float, float, float]] = {
    "public": (3.0, 1.0, 1.0),
    "economic": (1.0, 3.0, 1.0),
    "social_economy": (1.0, 1.0, 3.0),
    "academic": (1.0, 1.0, 1.0),
}


@dataclass
class Experiment:
    """A collective experiment: a group around a fragile domain of one commune."""

    number: int
    catalyst: int
    commune: int
    domain: int
    members: np.ndarray
    pair_a: np.ndarray
    pair_b: np.ndarray
    start: int
    end: int
    pilots: int = 0


@dataclass
class CatalystState:
    """Everything a catalyst remembers from month to month."""

    number: int
    origin: str
    bassins: np.ndarray              # the bassins de vie it animates (its area)
    area_orgs: np.ndarray            # organisations of its area
    area_communes: np.ndarray
    area_weight: np.ndarray          # sampling weight of area_orgs by origin (normalised)
    area_cum: np.ndarray             # its cumulative sum (static)
    listening_left: float            # days of listening still needed before experiments
    funded_until: int | None         # month when experimental funding ends (None: sustained)
    active: bool = True
    stopped: int | None = None
    legitimacy: float = 1.0          # as a neutral animator (lost when it operates projects)
    event_credit: float = 0.0
    intro_credit: float = 0.0
    experiments: list[Experiment] = field(default_factory=list)
    operated: list[int] = field(default_factory=list)   # alliance ids it operates
    credited: int = 0                # alliances formed on pairs it brought together (credit)
    period_results: int = 0          # what its funder sees this funding period
    completed_pilots: int = 0
    first_experiment: int | None = None
    first_pilot: int | None = None
    deployed: int | None = None
    days_animation: float = 0.0      # this month
    days_operating: float = 0.0      # this month
    events_held: int = 0
    participations: int = 0          # attendances at its events
    introductions: int = 0
    sessions: int = 0                # collective work sessions (workshop months) held
    interviews: int = 0              # listening interviews
    # pairs it introduced and still accompanies: partners, trust it vouched, last month
    follow_a: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))
    follow_b: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))
    follow_t0: np.ndarray = field(default_factory=lambda: np.zeros(0))
    follow_until: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def bassin(self) -> int:
        """Its first bassin (where it is based; the one named in the narrative)."""
        return int(self.bassins[0])


def sample_area(st: CatalystState, rng: np.random.Generator, n: int) -> np.ndarray:
    """Up to ``n`` distinct organisations of the catalyst's area, drawn by its origin's world
    weights (whom it invites to an event or goes to listen to)."""
    if n <= 0 or len(st.area_orgs) == 0:
        return np.zeros(0, dtype=np.intp)
    pick = np.searchsorted(st.area_cum, rng.random(n) * st.area_cum[-1], side="right")
    return st.area_orgs[np.unique(np.minimum(pick, len(st.area_orgs) - 1))]


def in_area(st: CatalystState, bassin_of_org: np.ndarray) -> np.ndarray:
    """Which organisations (given their bassin) lie in the catalyst's area."""
    if len(st.bassins) == 1:
        return bassin_of_org == st.bassins[0]
    return np.isin(bassin_of_org, st.bassins)


def weighted_pick(pool: np.ndarray, weight: np.ndarray, rng: np.random.Generator,
                  size: int | tuple[int, ...]) -> np.ndarray:
    """Draw from ``pool`` with replacement, proportionally to ``weight`` (all ≥ 0, sum > 0)."""
    cum = np.cumsum(weight)
    pick = np.searchsorted(cum, rng.random(size) * cum[-1], side="right")
    return pool[np.minimum(pick, len(pool) - 1)]
