"""The report's figures (matplotlib, written as PNG).

Every figure says what is shown, in which unit, over how many runs, and how its interval is
computed, so a PNG taken out of the report still reads on its own.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .labels import factor_label, fmt, indicator_label, indicator_unit, scale

STAGE_ORDER: tuple[str, ...] = ("stage_anchored", "stage_growing", "stage_emerging",
                                "stage_none")
STAGE_NAMES: dict[str, str] = {"stage_anchored": "anchored", "stage_growing": "increasingly "
                               "numerous", "stage_emerging": "beginning to emerge",
                               "stage_none": "not at all"}
STAGE_COLOURS: dict[str, str] = {"stage_anchored": "#1b7837", "stage_growing": "#7fbf7b",
                                 "stage_emerging": "#d9f0d3", "stage_none": "#d0d0d0"}
STYLE: dict[str, Any] = {
    "font.size": 11, "axes.titlesize": 12.5, "axes.titleweight": "bold",
    "axes.labelsize": 11, "xtick.labelsize": 10, "ytick.labelsize": 10,
    "legend.fontsize": 9.5, "legend.title_fontsize": 10, "figure.titlesize": 14,
    "figure.titleweight": "bold", "axes.spines.top": False, "axes.spines.right": False,
    "axes.grid": True, "grid.alpha": 0.25, "savefig.dpi": 150, "figure.dpi": 100,
    "font.family": "DejaVu Sans",
}


@contextmanager
def _figure(path: Path, nrows: int = 1, ncols: int = 1, size: tuple[float, float] = (8, 5.5),
            **kw: Any) -> Iterator[tuple[Any, Any]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(nrows, ncols, figsize=size, layout="constrained", **kw)
        try:
            yield fig, axes
            fig.savefig(path, bbox_inches="tight")
        finally:
            plt.close(fig)


def _pick_levels(levels: list[Any], k: int = 5) -> list[Any]:
    """At most ``k`` levels, evenly spread and always including the first and last."""
    if len(levels) <= k:
        return list(levels)
    idx = sorted({round(i * (len(levels) - 1) / (k - 1)) for i in range(k)})
    return [levels[i] for i in idx]


def _colours(n: int) -> list[Any]:
    import matplotlib

    cmap = matplotlib.colormaps["viridis"]
    return [cmap(0.05 + 0.85 * i / max(n - 1, 1)) for i in range(n)]


#: Markers and line styles cycled with the colours, so that lines stay distinguishable in
#: grey-scale print and for colour-blind readers.
MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v", "P", "X", "*")
LINESTYLES: tuple[Any, ...] = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)))


def line_styles(n: int) -> list[dict[str, Any]]:
    """``n`` line styles differing by colour *and* marker *and* dash pattern."""
    return [{"color": c, "marker": MARKERS[i % len(MARKERS)],
             "linestyle": LINESTYLES[i % len(LINESTYLES)]}
            for i, c in enumerate(_colours(n))]


def few_runs_note(ax: Any, n_min: float) -> None:
    """Say on the figure that intervals are not drawn because there are too few runs."""
    from .stats import MIN_REPLICATIONS

    if n_min < MIN_REPLICATIONS:
        ax.text(0.5, 0.02, f"no interval drawn: fewer than {MIN_REPLICATIONS} runs per point "
                f"(lowest: {int(n_min)})", transform=ax.transAxes, ha="center", va="bottom",
                fontsize=9, color="#b71c1c")


def _level_text(value: Any, factor: dict[str, Any]) -> str:
    unit = factor.get("unit", "")
    v = f"{value:g}" if isinstance(value, float | np.floating) else str(value)
    if unit.endswith("s") and v == "1":
        unit = unit[:-1]
    return f"{v} {unit}" if unit and unit != "-" else v


def _level_ticks(ax: Any, levels: list[Any]) -> None:
    """Ticks at the design's levels when there are few of them (integers stay integers)."""
    if 1 < len(levels) <= 12:
        ax.set_xticks([float(v) for v in levels],
                      [f"{v:g}" if isinstance(v, float | np.floating) else str(v)
                       for v in levels])


def heatmap(summary: pd.DataFrame, xf: dict[str, Any], yf: dict[str, Any], outcome: str,
            when: str, n_reps: int, path: Path) -> None:
    """Mean outcome over the x × y grid, each cell annotated (the headline figure)."""
    x, y = xf["name"], yf["name"]
    col = f"{outcome}_mean"
    grid = summary.pivot_table(index=y, columns=x, values=col, aggfunc="mean").sort_index()
    half = (summary[f"{outcome}_high"] - summary[f"{outcome}_mean"]).abs()
    k = scale(outcome)
    vals = grid.to_numpy(dtype=float) * k
    w = max(7.0, 1.0 + 0.85 * grid.shape[1])
    h = max(5.0, 1.4 + 0.62 * grid.shape[0])
    with _figure(path, size=(w, h)) as (fig, ax):
        ax.grid(False)
        lo, hi = np.nanmin(vals), np.nanmax(vals)
        norm = None
        if lo > 0 and hi / lo > 8:   # cumulative counts span orders of magnitude
            from matplotlib.colors import LogNorm

            norm = LogNorm(lo, hi)
        im = ax.imshow(vals, origin="lower", aspect="auto", cmap="viridis", norm=norm)
        ax.set_xticks(range(grid.shape[1]), [f"{v:g}" if isinstance(v, float) else str(v)
                                             for v in grid.columns])
        ax.set_yticks(range(grid.shape[0]), [f"{v:g}" if isinstance(v, float) else str(v)
                                             for v in grid.index])
        ax.set_xlabel(factor_label(xf))
        ax.set_ylabel(factor_label(yf))
        for i in range(vals.shape[0]):
            for j in range(vals.shape[1]):
                v = vals[i, j]
                if np.isnan(v):
                    continue
                light = float(im.norm(v)) < 0.6
                ax.text(j, i, fmt(v / k, outcome), ha="center", va="center", fontsize=9,
                        color="white" if light else "black")
        cb = fig.colorbar(im, ax=ax, shrink=0.9)
        cb.set_label(indicator_label(outcome) + (", log scale" if norm is not None else ""))
        if norm is not None:
            from matplotlib.ticker import FuncFormatter

            plain = FuncFormatter(lambda v, _: fmt(v / k, outcome))
            cb.ax.yaxis.set_major_formatter(plain)
            cb.ax.yaxis.set_minor_formatter(plain)
        ax.set_title(f"{indicator_label(outcome, False)} {when}")
        hw = float(np.nanmedian(half)) * k
        fig.text(0.01, -0.02, f"Mean of {n_reps} replications per cell; median 95 % CI "
                 f"half-width ±{fmt(hw / k, outcome)} {indicator_unit(outcome)}.",
                 fontsize=9, color="#444444")


def response_curves(summary: pd.DataFrame, xf: dict[str, Any], yf: dict[str, Any] | None,
                    outcome: str, when: str, path: Path) -> None:
    """Outcome against each of the two factors, one line per level of the other, 95 % CI."""
    k = scale(outcome)
    panels = [(xf, yf)] + ([(yf, xf)] if yf is not None else [])
    with _figure(path, 1, len(panels), size=(6.5 * len(panels), 5.2), squeeze=False) as (
            fig, axes):
        for ax, (along, by) in zip(axes[0], panels, strict=True):
            a = along["name"]
            groups: list[tuple[str, pd.DataFrame]]
            if by is None:
                groups = [("", summary)]
            else:
                b = by["name"]
                levels = _pick_levels(sorted(summary[b].unique()))
                groups = [(_level_text(lv, by), summary[summary[b] == lv]) for lv in levels]
            for (label, g), style in zip(groups, line_styles(len(groups)), strict=True):
                g = g.groupby(a, as_index=False).mean(numeric_only=True).sort_values(a)
                xs = g[a].to_numpy(dtype=float)
                ax.plot(xs, g[f"{outcome}_mean"] * k, lw=2, ms=5, label=label or None, **style)
                ax.fill_between(xs, g[f"{outcome}_low"] * k, g[f"{outcome}_high"] * k,
                                color=style["color"], alpha=0.2, lw=0)
            if "n" in summary:
                few_runs_note(ax, float(summary["n"].min()))
            _level_ticks(ax, sorted(summary[a].unique()))
            ax.set_xlabel(factor_label(along))
            ax.set_ylabel(indicator_label(outcome))
            ax.set_title(f"…against {factor_label(along, False).lower()}")
            if by is not None:
                ax.legend(title=factor_label(by), frameon=False)
        fig.suptitle(f"{indicator_label(outcome, False)} {when}: mean and 95 % CI over "
                     "replications")


def time_to_event(summary: pd.DataFrame, xf: dict[str, Any], yf: dict[str, Any] | None,
                  columns: list[str], horizon: int, path: Path) -> None:
    """Median month of first events, with order-statistic 95 % CIs (censoring-aware)."""
    along = yf if yf is not None else xf
    by = xf if yf is not None else None
    n = len(columns)
    with _figure(path, 1, n, size=(6.2 * n, 5.0), squeeze=False) as (fig, axes):
        for ax, col in zip(axes[0], columns, strict=True):
            a = along["name"]
            if by is None:
                groups = [("", summary)]
            else:
                levels = _pick_levels(sorted(summary[by["name"]].unique()))
                groups = [(_level_text(lv, by), summary[summary[by["name"]] == lv])
                          for lv in levels]
            offsets = np.linspace(-0.25, 0.25, len(groups)) if len(groups) > 1 else [0.0]
            xs_all = sorted(summary[a].unique())
            step = float(np.min(np.diff(xs_all))) if len(xs_all) > 1 else 1.0
            for (label, g), style, off in zip(groups, line_styles(len(groups)), offsets,
                                              strict=True):
                colour = style["color"]
                g = g.sort_values(a)
                xs = g[a].to_numpy(dtype=float) + off * step * 0.5
                med = g[f"{col}_median"].to_numpy(dtype=float)
                lo = g[f"{col}_low"].to_numpy(dtype=float)
                hi = g[f"{col}_high"].to_numpy(dtype=float)
                ok = np.isfinite(med)
                # NaN bound: too few runs for an interval; inf: open beyond the horizon
                with np.errstate(invalid="ignore"):
                    err_lo = np.where(np.isfinite(lo), med - lo, 0.0)
                    err_hi = np.where(np.isfinite(hi), hi - med,
                                      np.where(np.isinf(hi), horizon - med, 0.0))
                ax.errorbar(xs[ok], med[ok], yerr=[err_lo[ok], err_hi[ok]], ms=5, lw=1.8,
                            capsize=3, label=label or None, **style)
                open_hi = ok & np.isinf(hi)
                if open_hi.any():
                    ax.plot(xs[open_hi], np.full(open_hi.sum(), horizon), "^", color=colour,
                            ms=7)
                if (~ok).any():
                    ax.plot(xs[~ok], np.full((~ok).sum(), horizon), "x", color=colour, ms=8,
                            mew=2)
            ax.axhline(horizon, color="#888888", lw=1, ls="--")
            if "n" in summary:
                few_runs_note(ax, float(summary["n"].min()))
            ax.text(ax.get_xlim()[0], horizon, " end of runs", va="bottom", fontsize=8.5,
                    color="#555555")
            _level_ticks(ax, xs_all)
            ax.set_xlabel(factor_label(along))
            ax.set_ylabel("month")
            ax.set_title(indicator_label(col, False))
        if by is not None:
            handles, labels = axes[0][0].get_legend_handles_labels()
            fig.legend(handles, labels, title=factor_label(by), frameon=False,
                       loc="upper center", bbox_to_anchor=(0.5, 0.0), ncols=len(labels))
        fig.suptitle("Time to first alliances: median over replications, 95 % CI "
                     "(× = not reached, ▲ = CI open beyond the horizon)")


def commune_stages(stage_summary: pd.DataFrame, xf: dict[str, Any], yf: dict[str, Any] | None,
                   y_level: Any, survey: dict[str, float], when: str,
                   distance: pd.DataFrame | None, path: Path) -> None:
    """Stacked stage shares per level of x next to the 2016 mayors' survey, and (with two
    factors) the distance to the survey over the grid."""
    x = xf["name"]
    rows = stage_summary
    if yf is not None:
        rows = rows[rows[yf["name"]] == y_level]
    rows = rows.sort_values(x)
    labels = ["Survey: mayors 2016"] + [_level_text(v, xf) for v in rows[x]]
    shares = [[survey[s.removeprefix("stage_")] for s in STAGE_ORDER]]
    shares += [[r[f"{s}_mean"] for s in STAGE_ORDER] for _, r in rows.iterrows()]
    ncols = 2 if distance is not None else 1
    with _figure(path, 1, ncols, size=(7.5 * ncols, 0.9 + 0.48 * len(labels) + 1.6),
                 squeeze=False) as (fig, axes):
        ax = axes[0][0]
        ax.grid(False)
        ys = np.arange(len(labels))[::-1]
        left = np.zeros(len(labels))
        for j, s in enumerate(STAGE_ORDER):
            vals = np.array([row[j] for row in shares]) * 100
            bars = ax.barh(ys, vals, left=left, color=STAGE_COLOURS[s], edgecolor="white",
                           label=STAGE_NAMES[s], height=0.75)
            bars[0].set_hatch("//")
            for yv, lv, v in zip(ys, left, vals, strict=True):
                if v >= 7:
                    ax.text(lv + v / 2, yv, f"{v:.0f}", ha="center", va="center", fontsize=8.5,
                            color="white" if s == "stage_anchored" else "black")
            left += vals
        ax.set_yticks(ys, labels)
        ax.set_xlim(0, 100)
        ax.set_xlabel("communes (%)")
        where = f"\n{factor_label(yf, False).lower()} = {_level_text(y_level, yf)}" \
            if yf is not None else ""
        ax.set_title(f"Co-construction stage of communes {when}{where}", fontsize=11.5)
        from matplotlib.patches import Patch

        handles = [Patch(facecolor=STAGE_COLOURS[s], edgecolor="#999999", label=STAGE_NAMES[s])
                   for s in STAGE_ORDER]
        handles.append(Patch(facecolor="white", edgecolor="#777777", hatch="//",
                             label="survey"))
        ax.legend(handles=handles, ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.13),
                  frameon=False, fontsize=9)
        if distance is not None and yf is not None:
            ax2 = axes[0][1]
            ax2.grid(False)
            grid = distance.pivot_table(index=yf["name"], columns=x, values="distance")
            im = ax2.imshow(grid.to_numpy(dtype=float), origin="lower", aspect="auto",
                            cmap="magma_r")
            ax2.set_xticks(range(grid.shape[1]), [f"{v:g}" for v in grid.columns])
            ax2.set_yticks(range(grid.shape[0]), [f"{v:g}" for v in grid.index])
            ax2.set_xlabel(factor_label(xf))
            ax2.set_ylabel(factor_label(yf))
            vals = grid.to_numpy(dtype=float)
            top = np.nanmax(vals)
            for i in range(vals.shape[0]):
                for j in range(vals.shape[1]):
                    if np.isfinite(vals[i, j]):
                        ax2.text(j, i, f"{vals[i, j]:.0f}", ha="center", va="center",
                                 fontsize=8.5, color="white" if vals[i, j] > 0.6 * top
                                 else "black")
            best = np.unravel_index(np.nanargmin(vals), grid.shape)
            ax2.plot(best[1], best[0] + 0.3, marker="*", color="cyan", ms=13, mec="black")
            cb = fig.colorbar(im, ax=ax2, shrink=0.9)
            cb.set_label("mean |model − survey| (percentage points)")
            ax2.set_title("Distance of the stage shares to the survey\n(mean over the four "
                          "stages; ★ closest)", fontsize=11.5)


def effects(effects_list: list[Any], labels: dict[str, str], path: Path) -> None:
    """Forest plot: each factor's effect per standard deviation, with 95 % CI, one panel per
    outcome (their units differ)."""
    n = len(effects_list)
    terms = max(len(e.table) for e in effects_list)
    height = n * (0.5 * terms + 1.3) + 0.6
    with _figure(path, n, 1, size=(9.0, height), squeeze=False) as (fig, axes):
        for ax, eff in zip(axes[:, 0], effects_list, strict=True):
            t = eff.table.iloc[::-1].reset_index(drop=True)
            k = scale(eff.outcome)
            ys = np.arange(len(t))
            for yv, (_, r) in zip(ys, t.iterrows(), strict=True):
                c = "#b2182b" if r["low"] > 0 or r["high"] < 0 else "#777777"
                ax.errorbar(r["coef"] * k, yv, xerr=[[(r["coef"] - r["low"]) * k],
                            [(r["high"] - r["coef"]) * k]], fmt="o", color=c, ecolor=c,
                            lw=2, ms=6, capsize=4)
            ax.axvline(0, color="black", lw=0.8)
            ax.set_yticks(ys, [_term_label(term, labels) for term in t["term"]])
            ax.set_ylim(-0.6, len(t) - 0.4)
            unit = indicator_unit(eff.outcome)
            ax.set_xlabel("change per standard deviation of the factor"
                          + (f" ({unit})" if unit else ""))
            ax.set_title(f"{indicator_label(eff.outcome, False)}  (R² = {eff.r2:.2f}, "
                         f"{eff.n:,} runs)", fontsize=11.5, loc="left")
        fig.suptitle("Factor effects: OLS on standardised factors, 95 % CI (HC3); red: CI "
                     "excludes 0")


def _term_label(term: str, labels: dict[str, str]) -> str:
    """'a × b' → 'Label a × label b'; a factor name → its label."""
    parts = [labels.get(p.strip(), p.strip()) for p in term.split(" × ")]
    parts = parts[:1] + [p[0].lower() + p[1:] for p in parts[1:]]
    text = " ×\n".join(parts) if len(parts) > 1 else parts[0]
    return text[0].upper() + text[1:]


def sobol(tables: dict[str, pd.DataFrame], labels: dict[str, str], path: Path) -> None:
    """First-order and total Sobol indices with 95 % bootstrap intervals, per outcome."""
    n = len(tables)
    d = max(len(t) for t in tables.values())
    with _figure(path, 1, n, size=(5.4 * n, 1.4 + 0.55 * d), squeeze=False,
                 sharey=True) as (fig, axes):
        for ax, (outcome, t) in zip(axes[0], tables.items(), strict=True):
            ys = np.arange(len(t))[::-1]
            ax.barh(ys + 0.2, t["S1"], height=0.38, xerr=t["S1_conf"], color="#4575b4",
                    capsize=3, label="first order S1")
            ax.barh(ys - 0.2, t["ST"], height=0.38, xerr=t["ST_conf"], color="#f46d43",
                    capsize=3, label="total ST")
            ax.set_yticks(ys, [labels.get(f, f) for f in t["factor"]])
            ax.axvline(0, color="black", lw=0.8)
            ax.set_xlim(min(-0.05, float((t["S1"] - t["S1_conf"]).min()) - 0.02),
                        max(1.0, float((t["ST"] + t["ST_conf"]).max()) + 0.02))
            ax.set_xlabel("share of output variance")
            ax.set_title(indicator_label(outcome, False), fontsize=11)
        handles, names = axes[0][0].get_legend_handles_labels()
        fig.legend(handles, names, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncols=2,
                   frameon=False)
        fig.suptitle("Sobol sensitivity indices (95 % bootstrap CI)")


def morris(tables: dict[str, pd.DataFrame], labels: dict[str, str], path: Path) -> None:
    """Morris mu* with 95 % CI (bars) and mu* against sigma (interactions/non-linearity)."""
    n = len(tables)
    with _figure(path, 2, n, size=(5.6 * n, 9.0), squeeze=False) as (fig, axes):
        for j, (outcome, t) in enumerate(tables.items()):
            ax = axes[0][j]
            k = scale(outcome)
            t = t.sort_values("mu_star")
            ys = np.arange(len(t))
            ax.barh(ys, t["mu_star"] * k, xerr=t["mu_star_conf"] * k, color="#4575b4",
                    capsize=3)
            ax.set_yticks(ys, [labels.get(f, f) for f in t["factor"]])
            ax.set_xlabel(f"μ* ({indicator_unit(outcome) or 'outcome units'} over the range)")
            ax.set_title(indicator_label(outcome, False), fontsize=11)
            ax2 = axes[1][j]
            colours = _factor_colours(next(iter(tables.values()))["factor"])
            for _, r in t.iterrows():
                ax2.scatter(r["mu_star"] * k, r["sigma"] * k, color=colours[r["factor"]],
                            s=60, label=labels.get(r["factor"], r["factor"]), zorder=3)
            lim = 1.08 * max(float((t["mu_star"] * k).max()), float((t["sigma"] * k).max()))
            ax2.plot([0, lim], [0, lim], color="#999999", lw=0.8, ls="--")
            ax2.set_xlim(0, lim)
            ax2.set_ylim(0, lim)
            ax2.set_xlabel("μ* (mean |elementary effect|)")
            ax2.set_ylabel("σ (spread of effects)")
        handles, names = axes[1][0].get_legend_handles_labels()
        fig.legend(handles, names, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                   ncols=min(4, len(names)), frameon=False)
        fig.suptitle("Morris elementary effects (95 % bootstrap CI); below: σ ≈ μ* (dashed) "
                     "or above means non-linear or interacting")


def _factor_colours(names: Any) -> dict[str, Any]:
    import matplotlib

    cmap = matplotlib.colormaps["tab10"]
    return {n: cmap(i % 10) for i, n in enumerate(names)}


def scatter_response(final: pd.DataFrame, factors: list[dict[str, Any]], outcome: str,
                     when: str, path: Path, bins: int = 8) -> None:
    """Sampled designs: outcome against each factor, runs as dots and binned means ± 95 % CI."""
    from .stats import mean_ci

    n = len(factors)
    ncols = min(n, 3)
    nrows = math.ceil(n / ncols)
    k = scale(outcome)
    with _figure(path, nrows, ncols, size=(5.0 * ncols, 4.0 * nrows), squeeze=False) as (
            fig, axes):
        for ax in axes.flat[n:]:
            ax.set_visible(False)
        for ax, f in zip(axes.flat, factors, strict=False):
            x = final[f["name"]]
            dots = {"s": 6 if len(final) > 300 else 18, "alpha": 0.25 if len(final) > 300
                    else 0.6, "color": "#4575b4"}
            if not pd.api.types.is_numeric_dtype(x) or pd.api.types.is_bool_dtype(x):
                x = x.astype(str)
                cats = sorted(x.unique())
                pos = x.map({c: i for i, c in enumerate(cats)}).to_numpy(dtype=float)
                ax.scatter(pos, final[outcome] * k, **dots)
                for i, c in enumerate(cats):
                    m, lo, hi = mean_ci(final.loc[x == c, outcome].to_numpy())
                    if np.isfinite(lo):
                        ax.errorbar(i, m * k, yerr=[[(m - lo) * k], [(hi - m) * k]], fmt="o",
                                    color="#b2182b", capsize=5, lw=2, ms=7)
                ax.set_xticks(range(len(cats)), cats)
                ax.set_xlim(-0.5, len(cats) - 0.5)
            else:
                xs = x.to_numpy(dtype=float)
                ax.scatter(xs, final[outcome] * k, **dots)
                edges = np.unique(np.quantile(xs, np.linspace(0, 1, bins + 1)))
                if len(edges) > 2:
                    idx = np.clip(np.searchsorted(edges, xs, side="right") - 1, 0,
                                  len(edges) - 2)
                    rows = [(xs[idx == b].mean(), *mean_ci(final[outcome].to_numpy()[idx == b]))
                            for b in range(len(edges) - 1) if (idx == b).sum() > 1]
                    if len(rows) > 1:
                        arr = np.array(rows)
                        ax.plot(arr[:, 0], arr[:, 1] * k, "-o", color="#b2182b", lw=2, ms=4)
                        ax.fill_between(arr[:, 0], arr[:, 2] * k, arr[:, 3] * k,
                                        color="#b2182b", alpha=0.2, lw=0)
            ax.set_xlabel(factor_label(f))
            ax.set_ylabel(indicator_label(outcome))
        fig.suptitle(f"{indicator_label(outcome, False)} {when}: runs (dots), binned mean and "
                     "95 % CI")
