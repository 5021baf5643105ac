"""This month's interactions, gathered from every actor before trust is updated once.

Every process that puts organisations in contact — encounters, meetings, events, introductions,
workshops, alliances — adds its pairs here; the model then applies all of them at once
(:meth:`terrisim.model.TerritoryModel._update_trust`), so the order in which actors acted within
the month does not matter.  A part of contacts may also *vouch*: a catalyst introducing two
organisations passes on part of its own trust in each (trust transfer, see
:mod:`terrisim.catalysis.brokerage`), so the pair's trust is raised to at least that level.  A
part may be *mediated*: a meeting a catalyst facilitates (co-development workshops, the follow-up
of a pair it introduced) builds trust at full speed across worlds, the catalyst translating
between their languages (seed 000 lesson 5; *assumption* as to the size of the effect).
"""

from __future__ import annotations

import numpy as np


class ContactBuffer:
    """Contacts of the month: pairs, intensity, first-meeting trust, broker, vouched trust."""

    def __init__(self) -> None:
        self.parts: list[tuple[np.ndarray, ...]] = []
        self.row_parts: list[tuple[np.ndarray, float]] = []

    def add_rows(self, rows: np.ndarray, intensity: float) -> None:
        """Contacts between pairs already in the trust table, given by their current rows
        (cheaper: no lookup; the model shifts them if new pairs are inserted first)."""
        if len(rows):
            self.row_parts.append((rows, intensity))

    def drain_rows(self) -> tuple[np.ndarray, np.ndarray]:
        parts, self.row_parts = self.row_parts, []
        if not parts:
            return np.zeros(0, dtype=np.intp), np.zeros(0)
        sizes = [len(p[0]) for p in parts]
        return (np.concatenate([p[0] for p in parts]),
                np.repeat(np.array([p[1] for p in parts], dtype=float), sizes))

    def add(self, a: np.ndarray, b: np.ndarray, intensity: float, trust0: float | np.ndarray,
            broker: int, vouch: bool = False, mediated: bool = False) -> None:
        """Record contacts between ``a[k]`` and ``b[k]`` (``intensity`` units each).

        Pairs that did not know each other start at ``trust0`` (a number or one per pair);
        ``broker`` is the catalyst that brought them together or -1; with ``vouch`` the pair's
        trust is also raised to at least ``trust0`` if they already knew each other; a
        ``mediated`` contact builds trust at full speed across worlds.
        """
        if len(a) == 0:
            return
        if np.ndim(trust0) == 0:
            trust0 = float(trust0)
        else:   # one per pair (or one for all): kept as an array, expanded in drain
            trust0 = np.broadcast_to(np.asarray(trust0, dtype=float), (len(a),))
        self.parts.append((np.asarray(a, dtype=np.intp), np.asarray(b, dtype=np.intp),
                           float(intensity), trust0, int(broker), bool(vouch), bool(mediated)))

    def drain(self) -> tuple[np.ndarray, ...]:
        """All contacts of the month as arrays (a, b, intensity, trust0, broker, vouch,
        mediated); scalars of each part are expanded here, once."""
        parts, self.parts = self.parts, []
        if not parts:
            z = np.zeros(0, dtype=np.intp)
            return (z, z, np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.int16),
                    np.zeros(0, dtype=bool), np.zeros(0, dtype=bool))
        sizes = np.array([len(p[0]) for p in parts])

        def spread(k: int, dtype: type) -> np.ndarray:
            return np.repeat(np.array([p[k] for p in parts], dtype=dtype), sizes)

        # first-meeting trust: scalars spread like the other columns, then the parts that
        # carry one value per pair (brokered introductions) written over their stretch
        t0 = np.repeat(np.array([p[3] if isinstance(p[3], float) else np.nan for p in parts]),
                       sizes)
        end = np.cumsum(sizes)
        for k, p in enumerate(parts):
            if not isinstance(p[3], float):
                t0[end[k] - sizes[k]:end[k]] = p[3]
        return (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
                spread(2, float), t0, spread(4, np.int16), spread(5, bool), spread(6, bool))
