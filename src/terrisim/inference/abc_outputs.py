"""What an ABC-SMC calibration writes: the posterior file, the generations table, posterior
figures and the posterior-predictive check."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .abc import PPC_STREAM, AbcExperiment, generations_table, posterior_frame
from .posterior import effective_sample_size, point_estimate, weighted_quantile

#: Parameters shown in the pairwise figure: the most constrained ones (posterior spread / prior
#: spread), so the figure stays readable with tens of parameters.
PAIRS_SHOWN = 6


def posterior_metadata(exp: AbcExperiment, gens: pd.DataFrame, patterns: list[Any],
                       df: pd.DataFrame, spec: Any) -> dict[str, Any]:
    from ..simulate import versions
    from ..sweep.worker import code_fingerprint

    meta = {"kind": "terrisim ABC-SMC posterior", "experiment": exp.name,
            "experiment_file": str(exp.path), "experiment_sha256": exp.sha256,
            "description": exp.description, "scenario": exp.scenario.to_dict(),
            "parameters": [p.describe() for p in exp.priors],
            "patterns": [{"id": p.id, "target": p.target, "tolerance": p.tolerance,
                          "indicator": p.indicator, "when": p.when()} for p in patterns],
            "settings": {"population": exp.population, "generations": exp.generations,
                         "replications_per_particle": exp.replications,
                         "min_epsilon": exp.min_epsilon,
                         "max_simulations": exp.max_simulations},
            "generations": gens.to_dict(orient="records"),
            "simulations": int(gens["simulations"].sum() * exp.replications),
            "calibration_master_seeds": [exp.seed], "code": code_fingerprint(),
            "versions": versions(), "executor": spec.kind}
    meta["point"] = point_estimate(df, meta)
    meta["point_rule"] = "weighted marginal median"
    return meta


def ppc_runs(exp: AbcExperiment, df: pd.DataFrame, meta: dict[str, Any], patterns: list[Any],
             spec: Any, progress: Any = None) -> pd.DataFrame:
    """Posterior-predictive runs: ``ppc_draws`` parameter sets drawn from the posterior, each
    run ``ppc_replications`` times with fresh seeds (one stream family of the master seed that
    the particles never use); one row per run and pattern value."""
    from ..effects import run_many
    from ..seeds import stream_seed
    from .posterior import sample_draws

    draws = sample_draws(df, meta, exp.ppc_draws, seed=stream_seed(exp.seed, PPC_STREAM))
    runs = [(d, stream_seed(exp.seed, PPC_STREAM, k, r)) for k, d in enumerate(draws)
            for r in range(exp.ppc_replications)]
    s = exp.scenario
    months = sorted({m for m in (p.month(s.start_year) for p in patterns) if m is not None}
                    | {s.steps})
    cols = sorted({p.indicator for p in patterns})
    frame = run_many(s, runs, months, cols, spec, progress=progress)
    rows = []
    for run, g in frame.groupby("run", sort=True):
        row = {"run": int(run), "draw": int(run) // exp.ppc_replications}
        for p in patterns:
            row[p.id] = p.value(g, s.start_year)
        rows.append(row)
    return pd.DataFrame(rows)


def ppc_table(values: pd.DataFrame, patterns: list[Any]) -> pd.DataFrame:
    """Each pattern: target ± tolerance beside the posterior-predictive median and 90 %
    interval of one run's value (what a single new run would show), and the share of runs
    within tolerance."""
    rows = []
    for p in patterns:
        v = values[p.id].to_numpy(dtype=float)
        ok = v[~np.isnan(v)]
        q = np.quantile(ok, [0.05, 0.5, 0.95]) if len(ok) else [math.nan] * 3
        rows.append({"pattern": p.id, "label": p.label, "unit": p.unit, "target": p.target,
                     "tolerance": p.tolerance, "predictive_median": q[1],
                     "predictive_low": q[0], "predictive_high": q[2],
                     "reached": len(ok) / len(v) if len(v) else math.nan,
                     "within_tolerance": float(np.mean(np.abs(ok - p.target) <= p.tolerance))
                     if len(ok) else 0.0,
                     "target_inside_90": bool(len(ok) and q[0] <= p.target <= q[2])})
    return pd.DataFrame(rows)


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def marginals_figure(df: pd.DataFrame, exp: AbcExperiment, path: Path) -> None:
    """Weighted posterior histogram of every parameter against its prior density."""
    plt = _plt()
    n = len(exp.priors)
    cols = min(5, n)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.3 * cols, 2.5 * rows + 0.8), squeeze=False)
    for ax, p in zip(axes.flat, exp.priors, strict=False):
        rv = p.rv()
        lo, hi = (p.lo - 0.5, p.hi + 0.5) if p.type == "int" else (p.lo, p.hi)
        bins = np.linspace(lo, hi, 17)
        ax.hist(df[p.name], bins=bins, weights=df["weight"], density=True, color="#1565c0",
                alpha=0.75, label="posterior")
        xs = np.linspace(lo, hi, 200)
        ax.plot(xs, [rv.pdf(x) for x in xs], color="#37474f", ls="--", lw=1.3, label="prior")
        med = float(weighted_quantile(df[p.name], df["weight"], 0.5))
        ax.axvline(med, color="#c62828", lw=1.5, ls=":", label="median")
        ax.set_title(p.name, fontsize=9)
        ax.tick_params(labelsize=7)
        ax.set_yticks([])
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=9, frameon=False)
    fig.suptitle(f"ABC-SMC posterior marginals ({len(df)} particles, ESS "
                 f"{effective_sample_size(df['weight']):.0f}) against the priors", fontsize=11)
    fig.tight_layout(rect=(0, 0.06, 1, 0.95))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def contraction(df: pd.DataFrame, exp: AbcExperiment) -> pd.Series:
    """Posterior standard deviation over prior standard deviation, per parameter (1: the
    patterns say nothing about it; small: identified)."""
    out = {}
    for p in exp.priors:
        x, w = df[p.name].to_numpy(dtype=float), df["weight"].to_numpy(dtype=float)
        m = np.average(x, weights=w)
        sd = math.sqrt(np.average((x - m) ** 2, weights=w))
        out[p.name] = sd / float(p.rv().std())
    return pd.Series(out).sort_values()


def pairs_figure(df: pd.DataFrame, exp: AbcExperiment, path: Path) -> None:
    """Pairwise weighted scatter of the most constrained parameters (marginals on the diagonal)."""
    plt = _plt()
    shown = list(contraction(df, exp).index[:PAIRS_SHOWN])
    k = len(shown)
    by = {p.name: p for p in exp.priors}
    fig, axes = plt.subplots(k, k, figsize=(2.2 * k + 1, 2.2 * k + 1), squeeze=False)
    size = 8 + 400 * df["weight"].to_numpy() / df["weight"].max() / max(len(df), 1) ** 0.5
    for i, a in enumerate(shown):
        for j, b in enumerate(shown):
            ax = axes[i][j]
            if i == j:
                ax.hist(df[a], bins=15, weights=df["weight"], color="#1565c0", alpha=0.75)
                ax.set_xlim(by[a].lo, by[a].hi)
                ax.set_yticks([])
            elif i > j:
                ax.scatter(df[b], df[a], s=size, alpha=0.5, color="#1565c0", lw=0)
                ax.set_xlim(by[b].lo, by[b].hi)
                ax.set_ylim(by[a].lo, by[a].hi)
            else:
                r = np.corrcoef(df[a], df[b])[0, 1] if k > 1 else math.nan
                ax.text(0.5, 0.5, f"r = {r:+.2f}", ha="center", va="center",
                        transform=ax.transAxes, fontsize=11)
                ax.set_xticks([])
                ax.set_yticks([])
            ax.tick_params(labelsize=6)
            if j == 0:
                ax.set_ylabel(a, fontsize=7)
            if i == k - 1:
                ax.set_xlabel(b, fontsize=7)
    fig.suptitle(f"Pairwise posterior of the {k} most constrained parameters (point size: "
                 "weight; upper: correlation)", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def ppc_figure(table: pd.DataFrame, n_runs: int, path: Path) -> None:
    """Every pattern: its target ± tolerance and the posterior-predictive 90 % interval."""
    plt = _plt()
    groups = [(u, lab, k) for u, lab, k in (("share", "share (%)", 100.0),
                                           ("months", "months", 1.0))
              if (table["unit"] == u).any()]
    fig, axes = plt.subplots(len(groups), 1, squeeze=False,
                             figsize=(9.5, 0.55 * len(table) + 2.2 * len(groups)))
    for ax, (unit, xlabel, k) in zip(axes[:, 0], groups, strict=True):
        sel = table[table["unit"] == unit].reset_index(drop=True)
        for y, r in sel.iterrows():
            ax.fill_betweenx([y - 0.3, y + 0.3], (r["target"] - r["tolerance"]) * k,
                             (r["target"] + r["tolerance"]) * k, color="#cfe8cf",
                             label="target ± tolerance" if y == 0 else None)
            ax.plot([r["target"] * k] * 2, [y - 0.3, y + 0.3], color="#2e7d32", lw=2)
            if math.isnan(r["predictive_median"]):
                ax.text(r["target"] * k, y, "  never reached", va="center", color="#c62828")
                continue
            ax.errorbar(r["predictive_median"] * k, y,
                        xerr=[[(r["predictive_median"] - r["predictive_low"]) * k],
                              [(r["predictive_high"] - r["predictive_median"]) * k]],
                        fmt="D", color="#1565c0", capsize=4, ms=6,
                        label="posterior predictive: median, 90 % interval" if y == 0 else None)
        ax.set_yticks(range(len(sel)), sel["label"], fontsize=8)
        ax.set_ylim(len(sel) - 0.5, -0.5)
        ax.set_xlabel(xlabel)
        ax.grid(axis="x", alpha=0.3)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=9, frameon=False)
    fig.suptitle(f"Posterior-predictive check: one new run's value ({n_runs} runs from "
                 "posterior draws)", fontsize=11)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_outputs(history: Any, exp: AbcExperiment, out: Path, spec: Any,
                  progress: Any = None, log: Any = print) -> dict[str, Any]:
    """Write every output of a finished (or stopped) ABC-SMC run into ``out``."""
    from ..simulate import atomic_write_bytes, write_parquet
    from ..validation.targets import load_targets

    patterns = load_targets(exp.targets)
    gens = generations_table(history)
    atomic_write_bytes(out / "generations.csv", gens.to_csv(index=False).encode())
    df = posterior_frame(history, exp, patterns)
    meta = posterior_metadata(exp, gens, patterns, df, spec)
    write_parquet(df, out / "posterior.parquet", meta)
    lines = ["# Posterior point of terrisim calibrate --method abc-smc "
             f"({meta['point_rule']} of {len(df)} particles)"]
    lines += [f"{k} = {v!r}" for k, v in meta["point"].items()]
    atomic_write_bytes(out / "point.toml", ("\n".join(lines) + "\n").encode())
    marginals_figure(df, exp, out / "marginals.png")
    pairs_figure(df, exp, out / "pairs.png")
    values = ppc_runs(exp, df, meta, patterns, spec, progress)
    atomic_write_bytes(out / "ppc_runs.csv", values.to_csv(index=False).encode())
    table = ppc_table(values, patterns)
    atomic_write_bytes(out / "ppc.csv", table.to_csv(index=False).encode())
    ppc_figure(table, len(values), out / "ppc.png")
    return {"generations": gens, "posterior": df, "metadata": meta, "ppc": table,
            "contraction": contraction(df, exp)}


def summary_text(res: dict[str, Any], exp: AbcExperiment, out: Path) -> str:
    """Generations, the posterior (median and 90 % interval per parameter) and the PPC."""
    gens, df, table = res["generations"], res["posterior"], res["ppc"]
    lines = [f"ABC-SMC '{exp.name}': {len(gens)} generations, "
             f"{res['metadata']['simulations']:,} simulations "
             f"({exp.replications} per particle evaluation)", "",
             "generation  epsilon  simulations  acceptance   ESS"]
    for _, g in gens.iterrows():
        lines.append(f"{int(g['generation']):>10}  {g['epsilon']:7.3f}  "
                     f"{int(g['simulations']):>11,}  "
                     f"{g['acceptance_rate']:>10.3f}  {g['ess']:5.0f}")
    lines += ["", f"{'parameter':<26} {'median':>9}  90 % credible interval   prior       "
              "sd ratio"]
    ratio = res["contraction"]
    for p in exp.priors:
        q = weighted_quantile(df[p.name], df["weight"], np.array([0.05, 0.5, 0.95]))
        lines.append(f"{p.name:<26} {q[1]:9.4g}  [{q[0]:.4g}, {q[2]:.4g}]".ljust(62)
                     + f"{p.lo:g}–{p.hi:g}".ljust(12) + f"{ratio[p.name]:.2f}")
    lines += ["(sd ratio: posterior sd / prior sd; near 1 = not identified by the patterns)",
              "", "posterior-predictive check (one run's value, 90 % interval):"]
    for _, r in table.iterrows():
        k = 100 if r["unit"] == "share" else 1
        lines.append(f"  {r['pattern']:<24} target {r['target'] * k:6.1f} ± "
                     f"{r['tolerance'] * k:4.1f}   predictive {r['predictive_median'] * k:6.1f} "
                     f"[{r['predictive_low'] * k:.1f}, {r['predictive_high'] * k:.1f}]  "
                     f"within tolerance {r['within_tolerance']:.0%}")
    lines += ["", f"posterior: {out / 'posterior.parquet'}  point: {out / 'point.toml'}",
              f"figures: {out / 'marginals.png'}, {out / 'pairs.png'}, {out / 'ppc.png'}"]
    return "\n".join(lines)
