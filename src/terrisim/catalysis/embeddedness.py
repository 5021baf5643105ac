"""A catalyst's own relationships: the trust it has built with each organisation it has met.

Sources: catalysts are "animateurs locaux de l'interconnaissance entre les organisations"
(seed 003 §1.2); they appeared because "la connaissance des autres organisations de son
territoire est limitée" (§3.2.2); their work starts by listening to the territory (seed 000,
step 1).  A catalyst can only vouch for people it knows: its effectiveness as a broker rests on its
*embeddedness* (Granovetter 1985; Uzzi 1996), which it builds over time like anyone else's trust.

Rules (pure functions and one sparse table):

* a catalyst's tie to an organisation starts at ``initial_trust`` on their first contact and
  grows with contact by the same law as trust between organisations (:func:`terrisim.trust.
  reinforce`, with the rate set by ``trust_building_time``), at full speed — catalysts are
  professionals of the common language ("ingénierie relationnelle", 003 §3.2.2) — and each
  working meeting with the catalyst counts ``catalyst_tie_intensity`` ordinary contacts (its
  relational engineering is its job): *assumption*, calibrated;
* without contact a tie decays with the same half-life, and faded ties are forgotten.

So the longer trust takes to build, the longer a catalyst needs before it can broker well: the
interaction between catalysis and trust-building time is produced by the mechanism, not imposed.

Storage: one sorted key ``catalyst * N + organisation`` per known tie (memory grows with the
ties, never with catalysts × organisations).
"""

from __future__ import annotations

import numpy as np

from ..trust import reinforce


class CatalystTies:
    """Sparse table of (catalyst, organisation) trust, updated once a month."""

    def __init__(self, n_orgs: int) -> None:
        self.n = int(n_orgs)
        self.key = np.zeros(0, dtype=np.int64)
        self.trust = np.zeros(0)
        self._parts: list[tuple[np.ndarray, np.ndarray]] = []

    def __len__(self) -> int:
        return len(self.key)

    def contact(self, catalyst: int, orgs: np.ndarray, intensity: float) -> None:
        """Record this month's contact of ``catalyst`` with each of ``orgs``."""
        if len(orgs):
            keys = np.int64(catalyst) * self.n + np.asarray(orgs, dtype=np.int64)
            self._parts.append((keys, np.full(len(keys), float(intensity))))

    def of(self, catalyst: int) -> tuple[np.ndarray, np.ndarray]:
        """Organisations the catalyst knows and its trust in each (views, sorted by org)."""
        lo, hi = np.searchsorted(self.key, [catalyst * self.n, (catalyst + 1) * self.n])
        return (self.key[lo:hi] - np.int64(catalyst) * self.n).astype(np.intp), self.trust[lo:hi]

    def trust_with(self, catalyst: int, orgs: np.ndarray) -> np.ndarray:
        """Trust of ``catalyst`` in each of ``orgs`` (0 for those it does not know)."""
        keys = np.int64(catalyst) * self.n + np.asarray(orgs, dtype=np.int64)
        if len(self.key) == 0:          # no catalyst knows anyone yet
            return np.zeros(keys.shape)
        pos = np.searchsorted(self.key, keys)
        ok = pos < len(self.key)
        ok[ok] = self.key[pos[ok]] == keys[ok]
        return np.where(ok, self.trust[np.minimum(pos, max(len(self.key) - 1, 0))], 0.0)

    def update(self, initial: float, rate: float, decay_factor: float, forget_below: float,
               decays: bool = True, forget: bool = False, intensity: float = 1.0) -> None:
        """Apply the month's contacts (each worth ``intensity`` ordinary contacts): new ties
        start at ``initial``, contacted ties grow, the others decay (if ``decays``); faded ties
        are dropped when ``forget``."""
        parts, self._parts = self._parts, []
        if parts:
            keys = np.concatenate([p[0] for p in parts])
            q = np.concatenate([p[1] for p in parts])
            uk, inv = np.unique(keys, return_inverse=True)
            contact = np.bincount(inv, weights=q)
            pos = np.searchsorted(self.key, uk)
            known = pos < len(self.key)
            known[known] = self.key[pos[known]] == uk[known]
            new = uk[~known]
            if len(new):
                merged = np.concatenate([self.key, new])
                order = np.argsort(merged, kind="stable")
                self.key = merged[order]
                self.trust = np.concatenate([self.trust, np.full(len(new), initial)])[order]
            rows = np.searchsorted(self.key, uk)
            updated = reinforce(self.trust[rows], contact * intensity, rate)
            if decays:
                self.trust *= decay_factor
            self.trust[rows] = updated
        elif decays:
            self.trust *= decay_factor
        if forget:
            keep = self.trust >= forget_below
            if not keep.all():
                self.key, self.trust = self.key[keep], self.trust[keep]

    def known_count(self, catalyst: int) -> int:
        lo, hi = np.searchsorted(self.key, [catalyst * self.n, (catalyst + 1) * self.n])
        return int(hi - lo)
