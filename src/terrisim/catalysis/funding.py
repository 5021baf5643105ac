"""The funder's decision: an experimental catalyst must find a sustainable model or stop.

Source: seed 003 §3.2.4 — "Pour que le « catalyseur » puisse le rester, il convient cependant
qu'il puisse reposer sur un modèle durable… le modèle expérimental n'est pas celui d'un
fonctionnement durable"; evaluation must fit maturity, from "se conter" to "se compter" (§3.2.5).

Rule: at the end of its experimental funding (``funding_horizon`` months after it starts) the
funder judges what it can *count*: the pilot projects launched and the alliances formed between
organisations the catalyst brought together during the period (its credited results — what a
catalyst reports, not a causal measure).  It renews the catalyst, which is then sustained
(*assumption*), with probability ``min(1, results / funder_expectation)``; otherwise the catalyst
stops.  The expectation's plausible range comes from the catalysts the sources describe: the Labo
des partenariats d'Alsace reports 107 partnerships initiated in about six years for a whole
region (≈ 18 a year), Émergence 15 projects in three years over six territories (seed 001); a
bassin-level catalyst judged after five years can thus be expected to show some tens of
results (``funder_expectation`` 10–100, *assumption* within that range).
"""

from __future__ import annotations


def renewal_probability(results: int, expectation: float) -> float:
    """Chance that the funder keeps funding at the horizon, given the results it sees."""
    if expectation <= 0:
        return 1.0
    return min(1.0, results / expectation)
