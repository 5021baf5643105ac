"""Firms' maturity ladder: unaware → aware → involved → committed.

Source: seed 000, "3 axes": firms are *sensibilisées* at a shared event, *impliquées* in
co-development workshops, *engagées* in projects, "with modalities adapted to their maturity".

The ladder moves only for these documented causes, one rung at a time except that a shared event
can only make a firm aware (it never skips rungs), and it never moves down (*assumption*: the
sources describe no way back; a committed firm stays one that has been committed).
"""

from __future__ import annotations

import numpy as np

UNAWARE, AWARE, INVOLVED, COMMITTED = 0, 1, 2, 3
LEVELS: tuple[str, ...] = ("unaware", "aware", "involved", "committed")
LEVEL_LABELS: dict[str, tuple[str, str]] = {
    "unaware": ("Unaware", "Non sensibilisée"),
    "aware": ("Aware", "Sensibilisée"),
    "involved": ("Involved", "Impliquée"),
    "committed": ("Committed", "Engagée"),
}

#: Causes of promotion and the highest rung each can lead to.
EVENT, WORKSHOP, PROJECT = 0, 1, 2
CAUSE_CEILING = np.array([AWARE, INVOLVED, COMMITTED], dtype=np.int8)


def promote(levels: np.ndarray, cause: int) -> np.ndarray:
    """New levels of firms that experienced ``cause`` this month.

    Event (meeting, forum, dialogue event): unaware → aware.  Workshop (co-development in a
    collective experiment): one rung up, at most to involved.  Project (an alliance or pilot
    project): one rung up, up to committed.
    """
    ceiling = CAUSE_CEILING[cause]
    up = np.minimum(levels + 1, ceiling)
    return np.maximum(levels, up).astype(np.int8)
