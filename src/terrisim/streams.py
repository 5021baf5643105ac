"""Random-number streams: one per process and month, derived from the run's seed.

Causal effects in terrisim come from *paired* runs with common random numbers: the same seed with
and without catalysts, or with two trust-building times.  Pairing only removes noise if the two
runs draw the same random numbers for the parts that do not depend on the factor.  A single
generator shared by every process breaks that at the first draw that differs (a catalyst's event
consumes numbers, and from then on every encounter of the territory differs too).

So every random draw of the model comes from a generator keyed by (process, month), built from
the run's seed with :class:`numpy.random.SeedSequence` spawn keys: the territory and the
organisations are identical for a given seed whatever the catalysts do, and this month's
spontaneous encounters are the same in both arms as long as the organisations are the same.
Streams are counter-based Philox generators (Salmon et al. 2011, "Parallel random numbers: as
easy as 1, 2, 3", SC '11) keyed by (seed; process, month, actor): creating one costs a few
microseconds and needs no hashing, so a fresh one per process and month is affordable.
"""

from __future__ import annotations

import numpy as np

#: The processes that draw random numbers, each with its own stream (never reorder: the keys are
#: part of what a seed means; append new ones at the end).
PROCESSES: tuple[str, ...] = (
    "territory", "organisations", "kernel", "mayors", "meetings", "encounters", "maintenance",
    "catalysts", "alliances", "lifecycle", "experiments", "public",
)
_KEY = {name: k for k, name in enumerate(PROCESSES)}


class Streams:
    """Independent generators per process and month for one run's ``seed``."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)

    def get(self, process: str, month: int = 0, sub: int = 0) -> np.random.Generator:
        """The generator of ``process`` for ``month`` and actor ``sub`` (e.g. a catalyst's
        number, so that one catalyst's draws do not shift another's); a set-up process uses
        month 0.  Months may be negative (the spin-up years before the recorded start)."""
        word = (_KEY[process] << 56) | ((int(month) + (1 << 31)) << 24) | (int(sub) & 0xFFFFFF)
        key = np.array([self.seed, word], dtype=np.uint64)
        return np.random.Generator(np.random.Philox(key=key))
