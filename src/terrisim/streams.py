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
easy as 1, 2, 3", SC '11) keyed by (seed; process, month, actor): a stream needs no hashing,
only its key, so a new one per process and month is affordable.  The model takes its monthly
streams from :meth:`Streams.monthly`, which re-keys one generator per (process, actor) instead of
building a new one (numpy's constructor gathers operating-system entropy it then discards, ~50 µs;
setting the key costs ~7 µs); the numbers drawn are the same.
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
        self._monthly: dict[tuple[str, int], np.random.Generator] = {}

    def key(self, process: str, month: int = 0, sub: int = 0) -> np.ndarray:
        """The Philox key of a stream: the run's seed and one word for (process, month, sub)."""
        word = (_KEY[process] << 56) | ((int(month) + (1 << 31)) << 24) | (int(sub) & 0xFFFFFF)
        return np.array([self.seed, word], dtype=np.uint64)

    def get(self, process: str, month: int = 0, sub: int = 0) -> np.random.Generator:
        """The generator of ``process`` for ``month`` and actor ``sub`` (e.g. a catalyst's
        number, so that one catalyst's draws do not shift another's); a set-up process uses
        month 0.  Months may be negative (the spin-up years before the recorded start)."""
        return np.random.Generator(np.random.Philox(key=self.key(process, month, sub)))

    def monthly(self, process: str, month: int, sub: int = 0) -> np.random.Generator:
        """The same stream as :meth:`get`, on a generator object kept per (process, sub) and
        re-keyed for ``month``: the generator handed out for an earlier month of the same
        (process, sub) restarts too, so use it only for streams that live one month."""
        gen = self._monthly.get((process, sub))
        if gen is None:
            gen = self._monthly[process, sub] = self.get(process, month, sub)
            return gen
        gen.bit_generator.state = {
            "bit_generator": "Philox",
            "state": {"counter": np.zeros(4, dtype=np.uint64),
                      "key": self.key(process, month, sub)},
            "buffer": np.zeros(4, dtype=np.uint64), "buffer_pos": 4,
            "has_uint32": 0, "uinteger": 0}
        return gen
