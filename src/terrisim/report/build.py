"""Assemble a report from a results directory: tables (CSV), figures (PNG), HTML, terminal text.

What is shown depends on the design: grid designs (full factorial) get heatmaps, response
curves, times to first alliance and commune stages over the two headline factors; sampled
designs get binned responses; Sobol and Morris designs get their sensitivity indices.  Every
design gets the factor-effect estimates.  All numbers are also written as CSV so that anything
in a figure can be checked against the Parquet data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import figures
from .data import STAGES, TIME_TO_EVENT, Results, load
from .labels import factor_label, fmt, indicator_label, indicator_unit
from .stats import morris_indices, ols_effects, sobol_indices, sobol_warnings, summarise


@dataclass
class Figure:
    path: Path
    title: str
    caption: str


@dataclass
class Report:
    """What was produced (paths) and what the terminal shows."""

    out: Path
    html: Path
    figures: list[Figure] = field(default_factory=list)
    tables: dict[str, Path] = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)
    terminal: str = ""
    notes: list[str] = field(default_factory=list)


def build_report(root: str | Path, out: str | Path | None = None,
                 outcomes: list[str] | None = None) -> Report:
    """Read ``root`` (a sweep's results) and write the report into ``out`` (default
    ``root/report``)."""
    from ..errors import UserError

    res = load(root)
    out = Path(out) if out is not None else res.root / "report"
    out.mkdir(parents=True, exist_ok=True)
    if outcomes:
        bad = [o for o in outcomes if o not in res.indicators]
        if bad:
            raise UserError(f"--outcome {bad[0]!r} is not in the results; kept indicators: "
                            + ", ".join(res.indicators))
    else:
        outcomes = res.outcomes()
    rep = Report(out=out, html=out / "report.html")
    exp = res.experiment
    design_type = exp["design"]["type"]
    factors = res.factors
    _describe_catalysis(factors, exp["base"])
    fnames = res.factor_names
    by_name = {f["name"]: f for f in factors}
    final = res.final
    when = _when(res)
    horizon = int(final["month"].max())
    reps = int(exp["replications"])

    times = [c for c in TIME_TO_EVENT if c in final.columns and c not in outcomes]
    summary = summarise(final, ["point", *fnames], [*outcomes, *times], censored=tuple(times))
    rep.tables["points"] = _csv(summary, out / "points.csv")

    x, y = res.axes()
    xf, yf = by_name[x] if x else None, (by_name[y] if y else None)
    grid = design_type == "full_factorial" and xf is not None and _numeric(final, x)
    if yf is not None and not _numeric(final, y):
        yf = None
    if grid:
        assert xf is not None
        cells = summarise(final, [x, *([y] if yf else [])], [*outcomes, *times],
                          censored=tuple(times))
        rep.tables["grid"] = _csv(cells, out / "grid.csv")
        for i, o in enumerate(outcomes):
            if yf is not None:
                p = out / f"heatmap_{o}.png"
                figures.heatmap(cells, xf, yf, o, when, reps * _others(res, [x, y]), p)
                rep.figures.append(Figure(p, f"{indicator_label(o, False)} over "
                                          f"{factor_label(xf, False).lower()} × "
                                          f"{factor_label(yf, False).lower()}",
                                          f"Mean {indicator_label(o).lower()} {when}, per cell "
                                          f"of the design ({_runs_per_cell(res, [x, y])})."))
            p = out / ("response_curves.png" if i == 0 else f"response_{o}.png")
            figures.response_curves(cells, xf, yf, o, when, p)
            rep.figures.append(Figure(p, f"Response curves: {indicator_label(o, False)}",
                                      "Mean over replications with its 95 % confidence "
                                      "interval (Student t); one line per level of the other "
                                      "factor (at most five shown)."))
            if i == 0:
                rep.findings += _grid_findings(cells, xf, yf, o, when, exp["base"])
        # a panel whose medians are the same everywhere says nothing: a note says it instead
        spread = {c: np.ptp(np.nan_to_num(cells[f"{c}_median"], posinf=horizon + 1))
                  for c in times}
        informative = [c for c in times if spread[c] >= 1]
        constant = [c for c in times if c not in informative and final[c].notna().any()]
        if informative:
            p = out / "time_to_first_alliance.png"
            tcols = [c for c in ("first_alliance_month", "first_credited_alliance_month",
                                 "median_commune_first_alliance_month") if c in informative]
            tcols = tcols or informative[:3]
            figures.time_to_event(cells, xf, yf, tcols, horizon, p)
            rep.figures.append(Figure(p, "Time to first alliance",
                                      "Median month over replications with a distribution-free "
                                      "95 % CI; runs in which the event did not happen count as "
                                      "later than the end of the run (censored)."))
        for c in constant:
            med = float(final[c].median())
            rep.notes.append(f"{indicator_label(c, False)}: median month {med:g} in every "
                             "cell of the design (not plotted).")
        _stages(res, rep, xf, yf, out)
    elif design_type != "full_factorial" or xf is not None:
        for o in outcomes[:3]:
            p = out / f"response_{o}.png"
            figures.scatter_response(final, factors, o, when, p)
            rep.figures.append(Figure(p, f"{indicator_label(o, False)} against each factor",
                                      "Each dot is a run; the line is the mean within bins of "
                                      "equal counts, with its 95 % confidence interval."))

    # effects
    numeric = [n for n in fnames if _numeric(final, n)]
    eff = [e for e in (ols_effects(final, fnames, o, interactions=len(numeric) <= 3)
                       for o in outcomes) if e is not None]
    if eff:
        p = out / "effects.png"
        figures.effects(eff, {f["name"]: factor_label(f, False) for f in factors}, p)
        rep.figures.append(Figure(p, "Effect of each factor",
                                  "OLS of each outcome on the standardised factors (and their "
                                  "pairwise products when there are at most three): change of "
                                  "the outcome per standard deviation of the factor over the "
                                  "design, with 95 % CIs from heteroscedasticity-robust (HC3) "
                                  "standard errors. Red: the interval excludes zero."))
        table = pd.concat([e.table.assign(outcome=e.outcome, r2=e.r2, n=e.n) for e in eff])
        rep.tables["effects"] = _csv(table, out / "effects.csv")
        rep.findings += _effect_findings(eff, by_name)

    # sensitivity indices
    if design_type in ("sobol", "morris"):
        _sensitivity(res, rep, outcomes, out)

    n_runs = len(res.design) * reps
    stored = final["run_id"].nunique() + len(res.failures)
    if stored < n_runs:
        rep.notes.insert(0, f"The sweep is incomplete: {stored:,} of {n_runs:,} runs are stored. "
                         "Re-run the same `terrisim sweep` command to finish it, then report "
                         "again.")
    rep.terminal = terminal_text(res, rep, outcomes, when, summary, eff)
    from .html import write_html

    write_html(res, rep, outcomes, when)
    return rep


# -- pieces ---------------------------------------------------------------------------------
def _describe_catalysis(factors: list[dict[str, Any]], base: dict[str, Any]) -> None:
    """Catalysis in clear units: a number of catalysts means little without their time."""
    names = {f["name"] for f in factors}
    for f in factors:
        if f["name"] == "n_catalysts" and "catalyst_days" not in names:
            from ..scenario import Scenario

            days = base.get("catalyst_days", Scenario.specs()["catalyst_days"].default)
            f["label"] = f"Number of territorial catalysts ({days:g} days/month each)"


def _when(res: Results) -> str:
    months = res.final["month"]
    if months.nunique() == 1:
        m = int(months.iloc[0])
        return f"by month {m} ({res.start_year + m / 12:.4g})"
    return "at the end of each run"


def _numeric(df: pd.DataFrame, col: str | None) -> bool:
    return (col is not None and pd.api.types.is_numeric_dtype(df[col])
            and not pd.api.types.is_bool_dtype(df[col]))


def _others(res: Results, axes: list[str | None]) -> int:
    """Design points per cell of the x × y grid (other factors' level combinations)."""
    n = 1
    for f in res.factors:
        if f["name"] not in axes and "values" in f:
            n *= len(f["values"])
    return n


def _runs_per_cell(res: Results, axes: list[str | None]) -> str:
    reps = int(res.experiment["replications"])
    others = _others(res, axes)
    if others == 1:
        return f"{reps} replications per cell"
    return f"{reps} replications × {others} combinations of the other factors per cell"


def _csv(df: pd.DataFrame, path: Path) -> Path:
    df.to_csv(path, index=False)
    return path


def _stages(res: Results, rep: Report, xf: dict[str, Any], yf: dict[str, Any] | None,
            out: Path) -> None:
    from ..indicators import SURVEY_STAGE_SHARES

    if res.survey is None or res.survey_month is None:
        if any(s not in res.columns for s in STAGES):
            rep.notes.append("Commune stages were not kept ([output] indicators): no "
                             "comparison with the 2016 survey.")
        return
    x = xf["name"]
    by = [x, *([yf["name"]] if yf else [])]
    st = summarise(res.survey, by, list(STAGES))
    for s in STAGES:
        key = s.removeprefix("stage_")
        st[f"{s}_survey"] = SURVEY_STAGE_SHARES[key]
    st["distance"] = 100 * np.mean([np.abs(st[f"{s}_mean"] - SURVEY_STAGE_SHARES[
        s.removeprefix("stage_")]) for s in STAGES], axis=0)
    rep.tables["stages"] = _csv(st, out / "stages.csv")
    m = res.survey_month
    when = f"at month {m} ({res.start_year + m / 12:.4g})"
    y_level = None
    if yf is not None:
        levels = sorted(st[yf["name"]].unique())
        base = res.experiment["base"].get(yf["name"])
        if base is None:
            from ..scenario import Scenario

            base = Scenario.specs()[yf["name"]].default
        y_level = min(levels, key=lambda v: abs(float(v) - float(base)))
    p = out / "commune_stages.png"
    figures.commune_stages(st, xf, yf, y_level, SURVEY_STAGE_SHARES, when,
                           st if yf is not None else None, p)
    rep.figures.append(Figure(p, "Commune stages next to the 2016 mayors' survey",
                              "Share of communes per stage of their co-construction dynamic "
                              "(mean over runs) next to the answers of the PHARE-Institutions "
                              "2016 survey (hatched: anchored 17 %, increasingly numerous 13 %, "
                              "beginning to emerge 46 %, not at all 24 %). The mapping from "
                              "alliances to a stage is a model assumption (docs/ODD.md)."))
    best = st.loc[st["distance"].idxmin()]
    named = {f["name"]: f for f in [xf, *([yf] if yf else [])]}
    where = ", ".join(_setting(n, best[n], named[n]) for n in by)
    rep.findings.append(
        f"Commune stages {when} are closest to the 2016 survey at {where}: "
        + ", ".join(f"{s.removeprefix('stage_')} {100 * best[f'{s}_mean']:.0f} % "
                    f"(survey {100 * SURVEY_STAGE_SHARES[s.removeprefix('stage_')]:.0f} %)"
                    for s in STAGES)
        + f"; mean gap {best['distance']:.1f} percentage points.")


def _sensitivity(res: Results, rep: Report, outcomes: list[str], out: Path) -> None:
    exp = res.experiment
    kind = exp["design"]["type"]
    names = res.factor_names
    per_point = res.final.groupby("point")[outcomes].mean()
    n_points = len(res.design)
    missing = n_points - len(per_point.dropna())
    if missing:
        rep.notes.append(f"{kind.capitalize()} indices not computed: {missing} design points "
                         "have no successful run yet (sweep incomplete, or failed runs: see "
                         "Failures).")
        return
    per_point = per_point.reindex(range(n_points))
    labels = {f["name"]: factor_label(f, False) for f in res.factors}
    tables: dict[str, pd.DataFrame] = {}
    seed = int(exp["seed"]) % (2**32)
    for o in outcomes:
        y = per_point[o].to_numpy(dtype=float)
        if np.nanstd(y) == 0:
            rep.notes.append(f"{indicator_label(o, False)} is the same at every design point: "
                             "no sensitivity indices.")
            continue
        if kind == "sobol":
            tables[o] = sobol_indices(names, y, bool(exp["design"]["second_order"]), seed)
        else:
            X = res.design[[f"unit_{n}" for n in names]].to_numpy(dtype=float)
            tables[o] = morris_indices(names, X, y, int(exp["design"]["levels"]), seed)
    if not tables:
        return
    table = pd.concat([t.assign(outcome=o) for o, t in tables.items()])
    rep.tables["sensitivity"] = _csv(table, out / f"{kind}.csv")
    p = out / f"{kind}.png"
    if kind == "sobol":
        figures.sobol(tables, labels, p)
        rep.figures.append(Figure(p, "Sobol sensitivity indices",
                                  "Share of the variance of each outcome (mean over "
                                  "replications of each design point) due to each factor alone "
                                  "(S1) and with its interactions (ST), with 95 % bootstrap "
                                  "intervals (SALib, 1000 resamples). Run-to-run noise that "
                                  "replications do not average out stays unexplained: S1 sums "
                                  "to less than 1."))
        for o, t in tables.items():
            problems = sobol_warnings(t)
            if problems:   # a warning, not a finding
                rep.notes.append(f"Warning — Sobol indices of {indicator_label(o, False)} are "
                                 "not reliable: " + "; ".join(problems) + ".")
                continue
            top = t.sort_values("ST", ascending=False).iloc[0]
            rep.findings.append(
                f"{indicator_label(o, False)}: {labels[top['factor']].lower()} matters most "
                f"(total Sobol index {top['ST']:.2f} ± {top['ST_conf']:.2f}, first order "
                f"{top['S1']:.2f} ± {top['S1_conf']:.2f}).")
    else:
        figures.morris(tables, labels, p)
        rep.figures.append(Figure(p, "Morris screening",
                                  "μ*: mean absolute change of the outcome when the factor "
                                  "moves across its range (with 95 % bootstrap CI); σ: spread "
                                  "of those changes (non-linearity or interactions)."))
        for o, t in tables.items():
            top = t.sort_values("mu_star", ascending=False).iloc[0]
            rep.findings.append(f"{indicator_label(o, False)}: {labels[top['factor']].lower()} "
                                f"has the largest Morris effect (μ* = {fmt(top['mu_star'], o)}"
                                f" ± {fmt(top['mu_star_conf'], o)} {indicator_unit(o)}).")


def _level(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float | np.floating) else str(v)


def _ci(row: pd.Series, o: str) -> str:
    unit = indicator_unit(o)
    return (f"{fmt(row[f'{o}_mean'], o)} [{fmt(row[f'{o}_low'], o)}, "
            f"{fmt(row[f'{o}_high'], o)}]" + (f" {unit}" if unit else ""))


def _setting(name: str, value: Any, factor: dict[str, Any]) -> str:
    """'7 catalysts', 'trust-building time 30 months'."""
    unit = factor.get("unit", "")
    v = _level(value)
    if unit.endswith("s") and v == "1":
        unit = unit[:-1]
    if name == "n_catalysts":
        return f"{v} {unit}"
    label = factor_label(factor, False).lower()
    return f"{label} {v}" + (f" {unit}" if unit and unit != "-" else "")


def _difference(a: pd.Series, b: pd.Series, o: str) -> str:
    """b − a with its Welch 95 % interval, and the relative change."""
    from scipy import stats

    d = b[f"{o}_mean"] - a[f"{o}_mean"]
    va, vb = a[f"{o}_sd"] ** 2 / a["n"], b[f"{o}_sd"] ** 2 / b["n"]
    se = math.sqrt(va + vb)
    text = f"{'+' if d >= 0 else ''}{fmt(d, o)}"
    if se > 0 and a["n"] > 1 and b["n"] > 1:
        df = (va + vb) ** 2 / (va ** 2 / (a["n"] - 1) + vb ** 2 / (b["n"] - 1))
        half = float(stats.t.ppf(0.975, df)) * se
        text += f" [{fmt(d - half, o)}, {fmt(d + half, o)}]"
    unit = indicator_unit(o)
    text += f" {'percentage points' if unit == '%' else unit}".rstrip()
    if a[f"{o}_mean"] > 0:
        text += f" ({'+' if d >= 0 else ''}{100 * d / a[f'{o}_mean']:.0f} %)"
    return text


def _grid_findings(cells: pd.DataFrame, xf: dict[str, Any], yf: dict[str, Any] | None,
                   o: str, when: str, base: dict[str, Any]) -> list[str]:
    """Sentences answering 'how do the two factors change the outcome', with 95 % CIs: the
    effect of going across x at the lowest, the scenario's and the highest level of y, and
    across y at the scenario's level of x."""
    x = xf["name"]
    label = indicator_label(o, False).lower()
    where = [(x, xf), *([(yf["name"], yf)] if yf else [])]

    def at(row: pd.Series) -> str:
        return ", ".join(_setting(n, row[n], f) for n, f in where)

    lo_row = cells.loc[cells[f"{o}_mean"].idxmin()]
    hi_row = cells.loc[cells[f"{o}_mean"].idxmax()]
    out = [f"{indicator_label(o, False)} {when}: from {_ci(lo_row, o)} ({at(lo_row)}) to "
           f"{_ci(hi_row, o)} ({at(hi_row)}) across the design (mean and 95 % CI over "
           "replications)."]
    xs = sorted(cells[x].unique())

    def closest(levels: list[Any], name: str) -> Any:
        from ..scenario import Scenario

        ref = base.get(name, Scenario.specs()[name].default)
        return min(levels, key=lambda v: abs(float(v) - float(ref)))

    if yf is None:
        g = cells.sort_values(x)
        out.append(f"Going from {_setting(x, xs[0], xf)} to {_setting(x, xs[-1], xf)} changes "
                   f"{label} by {_difference(g.iloc[0], g.iloc[-1], o)}.")
        return out
    y = yf["name"]
    ys = sorted(cells[y].unique())
    for lev in dict.fromkeys([ys[0], closest(ys, y), ys[-1]]):
        g = cells[cells[y] == lev].sort_values(x)
        out.append(f"With {_setting(y, lev, yf)}, going from {_setting(x, xs[0], xf)} to "
                   f"{_setting(x, xs[-1], xf)} changes {label} from {_ci(g.iloc[0], o)} to "
                   f"{_ci(g.iloc[-1], o)}: {_difference(g.iloc[0], g.iloc[-1], o)}.")
    xb = closest(xs, x)
    g = cells[cells[x] == xb].sort_values(y)
    out.append(f"With {_setting(x, xb, xf)}, going from {_setting(y, ys[0], yf)} to "
               f"{ys[-1]:g} {yf.get('unit', '')} changes {label} from {_ci(g.iloc[0], o)} to "
               f"{_ci(g.iloc[-1], o)}: {_difference(g.iloc[0], g.iloc[-1], o)}.")
    return out


def _effect_findings(effects: list[Any], by_name: dict[str, dict[str, Any]]) -> list[str]:
    out = []
    for e in effects:
        parts = []
        for _, r in e.table.iterrows():
            names = [n.strip() for n in r["term"].split(" × ")]
            label = " × ".join(factor_label(by_name[n], False).lower() if n in by_name else n
                               for n in names)
            text = (f"{label} {'+' if r['coef'] >= 0 else ''}{fmt(r['coef'], e.outcome)} "
                    f"[{fmt(r['low'], e.outcome)}, {fmt(r['high'], e.outcome)}]")
            f = by_name.get(r["term"])
            if f is not None and not math.isnan(r["per_unit"]):
                unit = f.get("unit", "unit")
                unit = unit[:-1] if unit.endswith("s") else unit
                text += f" (i.e. {fmt(r['per_unit'], e.outcome)} per {unit})"
            parts.append(text)
        out.append(f"Effects on {indicator_label(e.outcome, False).lower()} per standard "
                   f"deviation of each factor (95 % CI; R² = {e.r2:.2f}): " + "; ".join(parts)
                   + ".")
    return out


# -- terminal ----------------------------------------------------------------------------------
def terminal_text(res: Results, rep: Report, outcomes: list[str], when: str,
                  summary: pd.DataFrame, effects: list[Any]) -> str:
    """The concise terminal summary: grid of the headline outcome, effects, indices, findings."""
    exp = res.experiment
    n_runs = len(res.design) * int(exp["replications"])
    ok = res.final["run_id"].nunique()
    lines = [f"{exp['name']}: {exp['design']['type']}, {len(res.design):,} points × "
             f"{exp['replications']} replications = {n_runs:,} runs ({ok:,} successful, "
             f"{len(res.failures):,} failed)"]
    x, y = res.axes()
    o = outcomes[0]
    grid_path = rep.tables.get("grid")
    if grid_path is not None and x and y and y in summary.columns:
        cells = pd.read_csv(grid_path)
        table = cells.pivot_table(index=x, columns=y, values=f"{o}_mean")
        lines += ["", f"{indicator_label(o)} {when}, mean over runs "
                  f"(rows: {x}, columns: {y})"]
        head = f"{x:>14} " + " ".join(f"{_level(c):>8}" for c in table.columns)
        lines.append(head)
        for idx, row in table.iterrows():
            lines.append(f"{_level(idx):>14} " + " ".join(f"{fmt(v, o):>8}" for v in row))
    if effects:
        lines += ["", "Effect per SD of each factor, 95 % CI (OLS, HC3):"]
        width = max(len(t) for e in effects for t in e.table["term"])
        for e in effects[:3]:
            lines.append(f"  {indicator_label(e.outcome)}  (R² {e.r2:.2f})")
            for _, r in e.table.iterrows():
                lines.append(f"    {r['term']:<{width}}  {fmt(r['coef'], e.outcome):>8}  "
                             f"[{fmt(r['low'], e.outcome)}, {fmt(r['high'], e.outcome)}]")
    sens = rep.tables.get("sensitivity")
    if sens is not None:
        t = pd.read_csv(sens)
        lines += ["", f"{exp['design']['type'].capitalize()} indices (95 % CI):"]
        for outcome, g in t.groupby("outcome", sort=False):
            lines.append(f"  {indicator_label(str(outcome))}")
            for _, r in g.iterrows():
                if "ST" in r:
                    lines.append(f"    {r['factor']:<26} S1 {r['S1']:5.2f} ± {r['S1_conf']:.2f}"
                                 f"   ST {r['ST']:5.2f} ± {r['ST_conf']:.2f}")
                else:
                    lines.append(f"    {r['factor']:<26} mu* {fmt(r['mu_star'], str(outcome))}"
                                 f" ± {fmt(r['mu_star_conf'], str(outcome))}")
    grid_findings = [f for f in rep.findings if f.startswith("With ")]
    if grid_findings:
        import textwrap

        lines += ["", "Findings (95 % CI):"]
        for f in grid_findings:
            lines += textwrap.wrap(f, 100, initial_indent="  - ", subsequent_indent="    ")
    for note in rep.notes:
        lines.append(f"note: {note}")
    return "\n".join(lines)

