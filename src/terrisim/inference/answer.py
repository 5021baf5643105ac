"""``terrisim answer``: the research question answered with its uncertainty.

*How do catalysis and trust-building time affect alliance formation?*  Over ``draws`` parameter
sets drawn from the calibration's posterior, each run ``replications`` times, every run is
repeated at six settings with the **same seed** (common random numbers): catalysts
{0, 1, 3} × trust-building time {T, T + 12 months}, T being the draw's own value.  Per draw, the
paired differences averaged over its replications give

* the effect of catalysis, 0 → 1 and 0 → 3 catalysts (at T);
* the effect of trust-building time per +12 months (at 0 and at 3 catalysts);
* their interaction: how the 0 → 3 catalysis effect changes when trust takes 12 months longer;

at each month of ``--at``.  Across draws these are the posterior distribution of each effect
(parameter uncertainty and the remaining Monte Carlo noise of ``replications`` runs): its median
and 90 % credible interval (5th–95th percentiles) are the answer.

The variance decomposition gives first-order and total Sobol indices (SALib; Saltelli et al.
2010, *Comput. Phys. Commun.* 181:259) of the outcome over the posterior: the calibrated
parameters sampled from their posterior marginals (independently — an **assumption** that
ignores posterior correlations), the number of catalysts uniform over 0–3, trust-building time
from its posterior marginal or, when not calibrated, uniform over :data:`TRUST_RANGE`; one run
per row, so the run-to-run noise stays unexplained (S1 sums to less than 1).  The
convergence check recomputes the indices from the first half of the sample: a change above
:data:`CONVERGENCE` or an index flagged by ``report.stats.sobol_warnings`` is printed as a
warning with the advice to raise ``--sobol-n``.
"""

from __future__ import annotations

import argparse
import html
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import UserError

#: Master seed of ``terrisim answer`` (its own stream family: no calibration uses it).
ANSWER_MASTER_SEED = 72_120
#: Catalyst counts compared and the trust-building time step (months).
CATALYSTS: tuple[int, ...] = (0, 1, 3)
TRUST_STEP = 12.0
#: Largest change of a Sobol index between half and full sample still called converged.
CONVERGENCE = 0.05
#: Outcomes of the answer unless ``--indicators`` names others.
OUTCOMES: tuple[str, ...] = ("alliances_formed_total", "alliances_active", "firms_partnered",
                             "associations_partnered")
SOBOL_STREAM = 2**62 + 3
LEVEL = 0.90


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--posterior", type=Path, default=None,
                   help="posterior file (default: the one shipped with terrisim)")
    p.add_argument("--scenario", type=Path, default=None,
                   help="scenario the effects are measured on (default: the posterior's own)")
    p.add_argument("--draws", type=int, default=20, help="posterior draws (default 20)")
    p.add_argument("--replications", type=int, default=5,
                   help="seeds per draw, each run at all six settings (default 5)")
    p.add_argument("--at", default="72,120", help="months compared (default 72,120)")
    p.add_argument("--indicators", default=None, metavar="A,B",
                   help="outcomes (default: " + ", ".join(OUTCOMES) + ")")
    p.add_argument("--sobol-n", type=int, default=32, metavar="N",
                   help="Sobol base sample N, a power of 2 (N × (D + 2) runs; 0: no variance "
                   "decomposition; default 32)")
    p.add_argument("--seed", type=int, default=ANSWER_MASTER_SEED,
                   help=f"master seed (default {ANSWER_MASTER_SEED})")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=None, help="local processes")
    where.add_argument("--serial", action="store_true", help="run in this process")
    where.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="an existing Dask cluster, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--out", type=Path, default=Path("results/answer"),
                   help="output directory (default results/answer)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


# -- effects ------------------------------------------------------------------------------------
def settings(trust: float) -> list[dict[str, Any]]:
    """The six settings of one draw."""
    return [{"n_catalysts": c, "trust_building_time": t}
            for c in CATALYSTS for t in (trust, trust + TRUST_STEP)]


def effect_runs(draws: list[dict[str, Any]], base_trust: float, replications: int, seed: int
                ) -> list[tuple[dict[str, Any], int]]:
    """(overrides, seed) of every run: draw × replication × setting, one seed per (draw,
    replication) shared by its six settings."""
    from ..seeds import stream_seed

    runs = []
    for d, theta in enumerate(draws):
        trust = float(theta.get("trust_building_time", base_trust))
        for r in range(replications):
            s = stream_seed(seed, d, r)
            for setting in settings(trust):
                over = {**theta, **setting, "draw": d}
                runs.append((over, s))
    return runs


def draw_effects(df: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """Per draw, month and outcome: each effect, averaged over the draw's replications."""
    df = df.assign(step=np.where(df["trust_building_time"] > df.groupby(
        ["draw"])["trust_building_time"].transform("min"), 1, 0))
    rows = []
    for (d, month), g in df.groupby(["draw", "month"], sort=True):
        for o in outcomes:
            w = g.pivot_table(index="seed", columns=["n_catalysts", "step"], values=o,
                              aggfunc="first")

            def y(c: int, s: int, w: pd.DataFrame = w) -> pd.Series:
                return w[(c, s)]

            eff = {
                "catalysts 0 → 1": y(1, 0) - y(0, 0),
                "catalysts 0 → 3": y(3, 0) - y(0, 0),
                "trust +12 months (0 catalysts)": y(0, 1) - y(0, 0),
                "trust +12 months (3 catalysts)": y(3, 1) - y(3, 0),
                "interaction (0 → 3) × (+12 months)": (y(3, 1) - y(0, 1)) - (y(3, 0) - y(0, 0)),
            }
            for name, v in eff.items():
                rows.append({"draw": int(d), "month": int(month), "indicator": o,
                             "effect": name, "value": float(v.mean()),
                             "baseline": float(y(0, 0).mean()), "replications": len(v)})
    return pd.DataFrame(rows)


def summarise_effects(per_draw: pd.DataFrame) -> pd.DataFrame:
    """Posterior median and 90 % credible interval of each effect over draws."""
    lo_q, hi_q = (1 - LEVEL) / 2, 1 - (1 - LEVEL) / 2
    rows = []
    for (ind, month, name), g in per_draw.groupby(["indicator", "month", "effect"], sort=False):
        v = g["value"].to_numpy()
        base = float(g["baseline"].median())
        rows.append({"indicator": ind, "month": int(month), "effect": name,
                     "median": float(np.median(v)), "low": float(np.quantile(v, lo_q)),
                     "high": float(np.quantile(v, hi_q)),
                     "relative_median": float(np.median(v)) / base if base else math.nan,
                     "probability_positive": float(np.mean(v > 0)), "draws": len(v),
                     "replications": int(g["replications"].iloc[0])})
    return pd.DataFrame(rows)


# -- variance decomposition ---------------------------------------------------------------------
#: Range of trust-building time in the variance decomposition when the posterior does not
#: calibrate it (months; the headline sweep's span of plausible values).
TRUST_RANGE = (6.0, 48.0)


def sobol_inputs(meta: dict[str, Any]) -> list[str]:
    """Catalysts, trust-building time, then every other calibrated parameter."""
    names = [p["name"] for p in meta["parameters"]]
    return ["n_catalysts", "trust_building_time",
            *[n for n in names if n not in ("n_catalysts", "trust_building_time")]]


def sobol_rows(df_post: pd.DataFrame, meta: dict[str, Any], n: int, seed: int
               ) -> tuple[list[str], list[dict[str, Any]]]:
    """Saltelli sample over the posterior marginals (and catalysts 0–3) → parameter sets."""
    from SALib.sample import sobol as sobol_sample

    from ..seeds import stream_seed
    from ..sweep.design import salib_problem
    from .posterior import weighted_quantile

    names = sobol_inputs(meta)
    types = {p["name"]: p["type"] for p in meta["parameters"]}
    calibrated = set(types)
    unit = sobol_sample.sample(salib_problem(names), n, calc_second_order=False,
                               seed=stream_seed(seed, SOBOL_STREAM) % 2**32)
    w = df_post["weight"].to_numpy()
    rows = []
    for u in unit:
        row: dict[str, Any] = {"n_catalysts": int(min(3, math.floor(u[0] * 4)))}
        for name, x in zip(names[1:], u[1:], strict=True):
            if name not in calibrated:   # trust-building time, when not calibrated
                row[name] = TRUST_RANGE[0] + float(x) * (TRUST_RANGE[1] - TRUST_RANGE[0])
                continue
            v = float(weighted_quantile(df_post[name], w, x))
            row[name] = int(np.rint(v)) if types[name] == "int" else v
        rows.append(row)
    return names, rows


def sobol_analysis(names: list[str], y: np.ndarray, seed: int) -> tuple[pd.DataFrame, float]:
    """Indices from the whole sample and their largest change from the first half."""
    from ..report.stats import sobol_indices

    full = sobol_indices(names, y, False, seed % 2**32)
    step = len(names) + 2
    half_n = (len(y) // step) // 2
    if half_n < 2:
        return full, math.inf
    half = sobol_indices(names, y[: half_n * step], False, seed % 2**32)
    change = float(np.nanmax(np.abs(np.r_[full["S1"] - half["S1"], full["ST"] - half["ST"]])))
    return full, change


# -- outputs ------------------------------------------------------------------------------------
def effects_figure(summary: pd.DataFrame, path: Path) -> None:
    """Each effect with its 90 % credible interval, one panel per outcome, one marker and line
    style per month (readable without colour)."""
    from ..report.figures import _figure, line_styles
    from ..report.labels import indicator_label, scale

    inds = list(dict.fromkeys(summary["indicator"]))
    months = sorted(summary["month"].unique())
    styles = line_styles(len(months))
    effects = list(dict.fromkeys(summary["effect"]))
    with _figure(path, 1, len(inds), size=(5.2 * len(inds), 1.2 + 0.75 * len(effects)),
                 squeeze=False, sharey=True) as (fig, axes):
        for ax, ind in zip(axes[0], inds, strict=True):
            k = scale(ind)
            for j, (month, st) in enumerate(zip(months, styles, strict=True)):
                sel = summary[(summary["indicator"] == ind) & (summary["month"] == month)]
                ys = np.array([effects.index(e) for e in sel["effect"]]) + 0.18 * (
                    j - (len(months) - 1) / 2)
                ax.errorbar(sel["median"] * k, ys, xerr=[(sel["median"] - sel["low"]) * k,
                                                         (sel["high"] - sel["median"]) * k],
                            fmt=st["marker"], color=st["color"], ls="none", capsize=3, ms=6,
                            label=f"month {month}")
            ax.axvline(0, color="black", lw=0.8)
            ax.set_yticks(range(len(effects)), effects)
            ax.set_title(indicator_label(ind, False))
            ax.set_xlabel(f"effect ({'percentage points' if k == 100 else 'count'})")
        axes[0][0].invert_yaxis()      # shared y axis: inverted once, first effect on top
        axes[0][0].legend(frameon=False)
        fig.suptitle("Effects of catalysis and trust-building time: posterior median and 90 % "
                     "credible interval (paired runs)")


def write_html(out: Path, summary: pd.DataFrame, sobol: pd.DataFrame | None,
               warnings: list[str], figures: list[Path], info: str) -> Path:
    from ..report.html import embed_png
    from ..report.labels import fmt
    from ..simulate import atomic_write_bytes

    rows = "".join(
        f"<tr><td>{html.escape(r['effect'])}</td><td>{html.escape(r['indicator'])}</td>"
        f"<td>{r['month']}</td><td>{fmt(r['median'], r['indicator'])}</td>"
        f"<td>[{fmt(r['low'], r['indicator'])}, {fmt(r['high'], r['indicator'])}]</td>"
        f"<td>{r['probability_positive']:.0%}</td></tr>" for _, r in summary.iterrows())
    sob = ""
    if sobol is not None:
        srows = "".join(f"<tr><td>{html.escape(r['factor'])}</td><td>{r['S1']:.2f} ± "
                        f"{r['S1_conf']:.2f}</td><td>{r['ST']:.2f} ± {r['ST_conf']:.2f}</td>"
                        "</tr>" for _, r in sobol.iterrows())
        sob = ("<h3>Variance decomposition (Sobol indices over the posterior)</h3><table><tr>"
               f"<th>input</th><th>S1</th><th>ST</th></tr>{srows}</table>")
    warn = "".join(f"<p class='warn'>Warning: {html.escape(w)}</p>" for w in warnings)
    doc = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>terrisim — the answer</title><style>body{{font-family:system-ui,sans-serif;
max-width:1100px;margin:2em auto;color:#222}}table{{border-collapse:collapse}}td,th{{border:1px
solid #ccc;padding:3px 8px;font-size:14px}}.warn{{color:#b71c1c}}img{{max-width:100%}}</style>
</head><body><section id="answer"><h2>How do catalysis and trust-building time affect alliance
formation?</h2><p>{html.escape(info)}</p><table><tr><th>effect</th><th>outcome</th>
<th>month</th><th>posterior median</th><th>90 % credible interval</th><th>P(effect &gt; 0)</th>
</tr>{rows}</table>{sob}{warn}{''.join(embed_png(f) for f in figures)}</section></body></html>"""
    path = out / "answer.html"
    atomic_write_bytes(path, doc.encode())
    return path


def answer(posterior: Path | None, scenario_path: Path | None, draws: int, replications: int,
           at: list[int], outcomes: list[str], sobol_n: int, seed: int, spec: Any, out: Path,
           progress: Any = None) -> dict[str, Any]:
    """Everything ``terrisim answer`` computes and writes (reproducible for a given seed)."""
    from ..effects import run_many
    from ..report.stats import sobol_warnings
    from ..scenario import load_scenario, scenario_from_mapping
    from ..seeds import stream_seed
    from ..simulate import atomic_write_bytes
    from .posterior import read_posterior, sample_draws

    post, meta = read_posterior(posterior)
    base = (load_scenario(scenario_path) if scenario_path is not None
            else scenario_from_mapping(meta["scenario"], source=str(posterior or "posterior")))
    names = [p["name"] for p in meta["parameters"]]
    chosen = sample_draws(post, meta, draws, seed=stream_seed(seed, 2**62 + 4))
    chosen = [{k: v for k, v in d.items() if k != "n_catalysts"} for d in chosen]
    runs = effect_runs(chosen, base.trust_building_time, replications, seed)
    # "draw" is bookkeeping, not a scenario parameter: run without it, then put it back
    plain = [({k: v for k, v in o.items() if k != "draw"}, s) for o, s in runs]
    frame = run_many(base, plain, at, outcomes, spec, progress=progress)
    frame["draw"] = frame["run"].map(dict(enumerate(o["draw"] for o, _ in runs)))
    per_draw = draw_effects(frame, outcomes)
    summary = summarise_effects(per_draw)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(out / "answer.csv", summary.to_csv(index=False).encode())
    atomic_write_bytes(out / "answer_draws.csv", per_draw.to_csv(index=False).encode())
    figures = [out / "effects.png"]
    effects_figure(summary, figures[0])
    sobol = None
    warnings: list[str] = []
    change = math.nan
    if sobol_n > 0:
        inputs, rows = sobol_rows(post, meta, sobol_n, seed)
        srun = [(r, stream_seed(seed, SOBOL_STREAM, i)) for i, r in enumerate(rows)]
        sframe = run_many(base, srun, [max(at)], [outcomes[0]], spec, progress=progress)
        y = sframe.sort_values("run")[outcomes[0]].to_numpy(dtype=float)
        sobol, change = sobol_analysis(inputs, y, seed)
        warnings = sobol_warnings(sobol)
        if not change <= CONVERGENCE:
            warnings.append(f"Sobol indices not converged: they move by up to {change:.2f} "
                            f"between half and full sample (above {CONVERGENCE}); raise "
                            f"--sobol-n (now {sobol_n})")
        atomic_write_bytes(out / "sobol.csv", sobol.assign(outcome=outcomes[0], month=max(at),
                           convergence_change=change).to_csv(index=False).encode())
        from ..report.figures import sobol as sobol_figure

        figures.append(out / "sobol.png")
        sobol_figure({outcomes[0]: sobol}, {n: n for n in inputs}, figures[-1])
    info = (f"{draws} posterior draws × {replications} seeds × 6 settings = {len(runs)} paired "
            f"runs on scenario '{base.name}' (posterior of {len(post)} particles over "
            f"{len(names)} parameters; master seed {seed}).")
    page = write_html(out, summary, sobol, warnings, figures, info)
    return {"summary": summary, "per_draw": per_draw, "sobol": sobol, "warnings": warnings,
            "convergence_change": change, "html": page, "info": info}


def table_text(summary: pd.DataFrame) -> str:
    from ..report.labels import fmt

    lines = [f"{'effect':<36} {'outcome':<24} {'month':>5}  median [90 % credible interval]"]
    for _, r in summary.iterrows():
        ind = r["indicator"]
        lines.append(f"{r['effect']:<36} {ind:<24} {r['month']:>5}  {fmt(r['median'], ind)} "
                     f"[{fmt(r['low'], ind)}, {fmt(r['high'], ind)}]")
    lines.append("(shares in percentage points; same seeds at every setting of a draw)")
    return "\n".join(lines)


def main(args: argparse.Namespace) -> int:
    from ..effects import executor_spec, progress_bar
    from ..sweep.experiment import indicator_names

    if args.draws < 2 or args.replications < 1:
        raise UserError("--draws must be at least 2 and --replications at least 1")
    if args.sobol_n and (args.sobol_n < 4 or args.sobol_n & (args.sobol_n - 1)):
        raise UserError(f"--sobol-n must be 0 or a power of 2 from 4 (got {args.sobol_n})")
    try:
        at = sorted({int(x) for x in args.at.split(",")})
    except ValueError:
        raise UserError(f"--at must be months separated by commas (got {args.at!r})") from None
    outcomes = list(OUTCOMES)
    if args.indicators:
        outcomes = [x.strip() for x in args.indicators.split(",")]
        bad = [o for o in outcomes if o not in indicator_names()]
        if bad:
            raise UserError(f"--indicators: unknown indicator '{bad[0]}'")
    bar, update = progress_bar("answer", args.quiet)
    res = answer(args.posterior, args.scenario, args.draws, args.replications, at, outcomes,
                 args.sobol_n, args.seed, executor_spec(args), args.out, update)
    bar.close()
    print(res["info"] + "\n")
    print(table_text(res["summary"]))
    if res["sobol"] is not None:
        print(f"\nSobol indices of {outcomes[0]} at month {max(at)} over the posterior "
              f"(change from half sample: {res['convergence_change']:.2f}):")
        for _, r in res["sobol"].iterrows():
            print(f"  {r['factor']:<26} S1 {r['S1']:5.2f} ± {r['S1_conf']:.2f}   ST "
                  f"{r['ST']:5.2f} ± {r['ST_conf']:.2f}")
    for w in res["warnings"]:
        print(f"warning: {w}")
    print(f"\nreport: {res['html']}  table: {args.out / 'answer.csv'}")
    return 0
