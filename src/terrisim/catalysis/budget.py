"""A catalyst's monthly time: operating incubated projects first, then the three missions.

Sources: the three missions (seed 003 §3.2.3: animate the territorial dialogue, foster
partnerships, design and run collective experiments); "choisir c'est renoncer": time spent
operating projects is taken from animation (§3.2.3).
"""

from __future__ import annotations

import numpy as np


def mission_days(budget: float, shares: tuple[float, float, float],
                 enabled: tuple[bool, bool, bool]) -> np.ndarray:
    """Split the animation budget over (dialogue, introductions, experiments).

    Shares are normalised over all three missions; a mission switched off (ablation) keeps its
    share unused rather than handing it to the others, so an ablation removes a mechanism without
    changing the time spent on the rest.
    """
    sh = np.asarray(shares, dtype=float)
    total = sh.sum()
    if total <= 0:
        return np.zeros(3)
    return budget * sh / total * np.asarray(enabled, dtype=float)


def operating_days(budget: float, n_operated: int, per_project: float) -> float:
    """Days a month taken by the projects the catalyst operates (at most its whole budget)."""
    return min(budget, n_operated * per_project)
