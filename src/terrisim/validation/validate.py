"""Run replications of a scenario (and of its ablations) and compare them with the patterns.

Replications use seeds spawned from one master seed (``numpy.random.SeedSequence``), the same for
every ablation, so that differences between a scenario and its ablation come from the removed
mechanism and not from different random draws (common random numbers).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

import pandas as pd

from ..scenario import Scenario
from ..seeds import replication_seeds
from .targets import Comparison, Pattern, compare, required_steps

#: Mechanisms that can be switched off, with the override that removes each and a label.
#: (Operator drift is *off* in most scenarios; its ablation matters where it is on.)
ABLATIONS: dict[str, tuple[dict[str, object], str, str]] = {
    "dialogue_mission": ({"dialogue_mission": False}, "catalysts' dialogue events",
                         "événements de dialogue des catalyseurs"),
    "introduction_mission": ({"introduction_mission": False}, "catalysts' introductions",
                             "mises en relation par les catalyseurs"),
    "experiment_mission": ({"experiment_mission": False}, "catalysts' collective experiments",
                           "expérimentations collectives des catalyseurs"),
    "trust_transfer": ({"trust_transfer": False}, "trust transfer by catalysts",
                       "transfert de confiance par les catalyseurs"),
    "accompaniment": ({"accompaniment_months": 0}, "accompaniment of introduced pairs",
                      "accompagnement des binômes mis en relation"),
    "inter_territorial": ({"inter_territorial": False}, "inter-territorial brokerage",
                          "mise en relation inter-territoriale"),
    "funder_review": ({"funder_review": False}, "the funder's decision",
                      "la décision du financeur"),
    "operator_drift": ({"operator_drift": False}, "operator drift",
                       "dérive vers le rôle d'opérateur"),
    "mayor_profiles": ({"mayor_profiles": False}, "differences between mayor profiles",
                       "différences entre profils de maires"),
    "public_bodies": ({"public_bodies": False}, "public bodies beyond communes",
                      "acteurs publics autres que les communes"),
    "club_closure": ({"club_closure": False}, "closure of mature clusters",
                     "fermeture des communautés concentrées"),
    "open_ecosystem": ({"open_ecosystem": False}, "openness kept by catalysts and public actors",
                       "ouverture entretenue par catalyseurs et acteurs publics"),
    "cross_world_penalty": ({"cross_world_penalty": False}, "slower trust across worlds",
                            "confiance plus lente entre mondes"),
    "trust_decay": ({"trust_decay": False}, "trust decay without contact",
                    "érosion de la confiance sans contact"),
    "failure_trust_loss": ({"failure_trust_loss": False}, "trust lost on failure",
                           "confiance perdue après un échec"),
    "fragility_feedback": ({"fragility_feedback": False}, "relief of fragility by alliances",
                           "réduction des fragilités par les alliances"),
    "terrain": ({"terrain": False}, "mountain terrain", "relief de montagne"),
    "tiers_lieux": ({"tiers_lieux": False}, "tiers-lieux", "tiers-lieux"),
    "spinup": ({"spinup_months": 0}, "the spin-up (inherited fabric)",
               "la mise en route (tissu hérité)"),
    "catalysts": ({"n_catalysts": 0}, "all catalysts", "tous les catalyseurs"),
}


def is_active(name: str, s: Scenario) -> bool:
    """Does the mechanism play any role in scenario ``s`` (else its ablation changes nothing)?"""
    catalyst_mechanisms = ("trust_transfer", "inter_territorial", "funder_review",
                           "operator_drift")
    if name == "terrain":
        return s.terrain and s.mountain_share > 0 and s.mountain_accessibility < 1
    if name == "tiers_lieux":
        return s.tiers_lieux and s.n_tiers_lieux > 0
    if name == "catalysts":
        return s.n_catalysts > 0
    if name == "accompaniment":
        return s.n_catalysts > 0 and s.introduction_mission and s.accompaniment_months > 0
    if name == "spinup":
        return s.spinup_months > 0
    if name == "club_closure":
        return s.club_closure and s.closure_strength > 0
    if name.endswith("_mission") or name in catalyst_mechanisms:
        return s.n_catalysts > 0 and bool(getattr(s, name))
    return bool(getattr(s, name))


def _run(args: tuple[str, Scenario, int, tuple[str, ...]]) -> tuple[str, int, pd.DataFrame]:
    from ..simulate import run_simulation

    label, scenario, seed, columns = args
    df = run_simulation(scenario, seed)
    return label, seed, df[["month", *columns]]


def run_replications(variants: dict[str, Scenario], seeds: list[int], columns: tuple[str, ...],
                     workers: int | None = None,
                     progress: Callable[[int, int], None] | None = None
                     ) -> dict[str, list[pd.DataFrame]]:
    """Every variant × seed, in parallel on this machine's cores; results in seed order."""
    tasks = [(label, s, seed, columns) for label, s in variants.items() for seed in seeds]
    workers = workers or os.cpu_count() or 1
    out: dict[str, dict[int, pd.DataFrame]] = {label: {} for label in variants}
    done = 0
    if workers == 1:
        results = map(_run, tasks)
        for label, seed, df in results:
            out[label][seed] = df
            done += 1
            if progress:
                progress(done, len(tasks))
    else:
        import multiprocessing as mp

        with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
            for fut in as_completed([pool.submit(_run, t) for t in tasks]):
                label, seed, df = fut.result()
                out[label][seed] = df
                done += 1
                if progress:
                    progress(done, len(tasks))
    return {label: [runs[s] for s in seeds] for label, runs in out.items()}


@dataclass
class Validation:
    """The comparison of a scenario (and optionally its ablations) with the patterns."""

    scenario: Scenario
    seeds: list[int]
    patterns: list[Pattern]
    comparisons: list[Comparison]
    ablations: dict[str, list[Comparison]]   # mechanism → comparisons without it

    @property
    def all_met(self) -> bool:
        return all(c.met for c in self.comparisons)

    def table(self) -> pd.DataFrame:
        rows = []
        for c in self.comparisons:
            lo, hi = c.ci
            rows.append({"pattern": c.pattern.id, "label": c.pattern.label,
                         "indicator": c.pattern.indicator, "when": c.pattern.when(),
                         "target": c.pattern.target, "mean": c.mean, "ci_low": lo,
                         "ci_high": hi, "tolerance": c.pattern.tolerance,
                         "reached": f"{len(c.reached)}/{len(c.values)}", "met": c.met,
                         "unit": c.pattern.unit, "source": c.pattern.source})
        return pd.DataFrame(rows)

    def ablation_table(self) -> pd.DataFrame:
        """Simulated mean of each pattern with all mechanisms, and without each one."""
        data = {"with all": [c.mean for c in self.comparisons]}
        for name, comps in self.ablations.items():
            data[f"without {ABLATIONS[name][1]}"] = [c.mean for c in comps]
        return pd.DataFrame(data, index=[c.pattern.id for c in self.comparisons])


def validate(scenario: Scenario, patterns: list[Pattern], replications: int, master_seed: int,
             ablations: bool = False, workers: int | None = None,
             progress: Callable[[int, int], None] | None = None) -> Validation:
    steps = max(scenario.steps, required_steps(patterns, scenario.start_year))
    base = scenario.replace(steps=steps)
    variants = {"all": base}
    if ablations:
        for name, (override, _, _) in ABLATIONS.items():
            if is_active(name, base):
                variants[name] = base.replace(**override)
    causal = any(p.causal for p in patterns)
    if causal:   # same seeds without catalysts: the counterfactual of causal patterns
        variants["counterfactual"] = base.replace(n_catalysts=0)
    seeds = replication_seeds(master_seed, replications)
    columns = tuple(sorted({p.indicator for p in patterns}))
    runs = run_replications(variants, seeds, columns, workers, progress)
    cf = runs.get("counterfactual")
    comps = compare(patterns, runs["all"], base.start_year, base.n_catalysts, cf)
    abl = {name: compare(patterns, runs[name], base.start_year,
                         variants[name].n_catalysts, cf)
           for name in variants if name not in ("all", "counterfactual")}
    return Validation(base, seeds, patterns, comps, abl)
