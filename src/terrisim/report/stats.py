"""Statistics for the report: confidence intervals over replications, factor effects, indices.

Choices, and why:

* means over replications get Student-t 95 % intervals (replications are independent runs);
* times to an event (first alliance…) are *censored* when the event has not happened by the
  end of a run (NaN in the data): their mean would be biased, so the report gives the median,
  counting censored runs as "later than the horizon", with the distribution-free
  order-statistic interval (exact binomial coverage ≥ 95 %);
* a factor's effect is the OLS coefficient on the standardised factor (change of the outcome
  per standard deviation of the factor across the design), with heteroscedasticity-robust
  HC3 standard errors — run-to-run noise of an agent-based model is rarely constant;
* Sobol and Morris indices come from SALib with its bootstrap intervals, computed on the mean
  over replications of each design point (SALib needs one value per design row);
* guard-rails: no interval from fewer than :data:`MIN_REPLICATIONS` values (a t interval from
  two runs is formally defined but says nothing a reader should trust); intervals for shares
  (proportions) stay inside [0, 1] — Wilson's score interval for a count out of a total, a
  bootstrap percentile interval for the mean of per-run shares; Sobol indices outside [0, 1],
  or with intervals wider than :data:`SOBOL_MAX_WIDTH`, are reported as a warning (with advice
  to raise N), never as a finding.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .labels import is_percent

LEVEL = 0.95
#: Fewest values an interval is computed from; below it, intervals are NaN and figures say so.
MIN_REPLICATIONS = 3
#: A Sobol index whose interval is wider than this (or that leaves [0, 1]) is not a finding.
SOBOL_MAX_WIDTH = 0.3
#: Slack on [0, 1] before a Sobol index counts as impossible (estimator noise near the bounds).
SOBOL_SLACK = 0.05
#: Bootstrap resamples for intervals of mean shares (deterministic: seeded from the data).
BOOTSTRAP = 2000


def _observed(values: np.ndarray | pd.Series
              ) -> tuple[np.ndarray, tuple[float, float, float] | None]:
    """The non-missing values, and the answer when they are too few for an interval (no value:
    all NaN; fewer than MIN_REPLICATIONS: the mean without bounds)."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return x, (math.nan, math.nan, math.nan)
    if len(x) < MIN_REPLICATIONS:
        return x, (float(x.mean()), math.nan, math.nan)
    return x, None


def mean_ci(values: np.ndarray | pd.Series, level: float = LEVEL) -> tuple[float, float, float]:
    """Mean and its t interval (NaN bounds with fewer than two values)."""
    x, early = _observed(values)
    if early is not None:
        return early
    n, m = len(x), float(x.mean())
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return (m, m - half, m + half)


def wilson_ci(successes: float, total: float, level: float = LEVEL
              ) -> tuple[float, float, float]:
    """Share ``successes / total`` with Wilson's score interval (always inside [0, 1], sensible
    at 0 % and 100 %, unlike the normal-approximation interval; Wilson 1927, *JASA* 22:209)."""
    if total <= 0:
        return (math.nan, math.nan, math.nan)
    p = successes / total
    z = float(stats.norm.ppf(0.5 + level / 2))
    denom = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denom
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denom
    lo = 0.0 if successes <= 0 else min(p, max(0.0, centre - half))
    hi = 1.0 if successes >= total else max(p, min(1.0, centre + half))
    return (p, lo, hi)


def share_mean_ci(values: np.ndarray | pd.Series, level: float = LEVEL
                  ) -> tuple[float, float, float]:
    """Mean of per-run shares with a bootstrap percentile interval.

    A share per run (e.g. the share of communes at a stage) is bounded by 0 and 1, and a t
    interval around a mean close to a bound leaves them; the percentile bootstrap of the mean
    never leaves the range of the data, hence [0, 1].  The resampling is seeded from the
    values themselves, so the same data always give the same interval.
    """
    x, early = _observed(values)
    if early is not None:
        return early
    n, m = len(x), float(x.mean())
    if np.ptp(x) == 0:
        return (m, m, m)
    rng = np.random.default_rng(int(hashlib.sha256(np.round(x, 12).tobytes()).hexdigest()[:16],
                                    16))
    means = x[rng.integers(0, n, size=(BOOTSTRAP, n))].mean(axis=1)
    lo, hi = np.quantile(means, [0.5 - level / 2, 0.5 + level / 2])
    return (m, float(max(0.0, lo)), float(min(1.0, hi)))


def interval(values: np.ndarray | pd.Series, share: bool, level: float = LEVEL
             ) -> tuple[float, float, float]:
    """Mean and interval over replications: :func:`share_mean_ci` for shares, else
    :func:`mean_ci`."""
    return share_mean_ci(values, level) if share else mean_ci(values, level)


def sobol_warnings(table: pd.DataFrame, max_width: float = SOBOL_MAX_WIDTH,
                   slack: float = SOBOL_SLACK) -> list[str]:
    """Why a table of Sobol indices (columns factor, S1, S1_conf, ST, ST_conf) cannot be read
    as a finding: indices outside [0, 1] (beyond ``slack``), or intervals wider than
    ``max_width`` (full width, i.e. twice SALib's half-width ``*_conf``).  Empty when sound."""
    out = []
    for _, r in table.iterrows():
        for idx in ("S1", "ST"):
            v, conf = float(r[idx]), float(r[f"{idx}_conf"])
            if not math.isfinite(v) or v < -slack or v > 1 + slack:
                out.append(f"{r['factor']}: {idx} = {v:.2f} lies outside [0, 1]")
            elif not math.isfinite(conf) or 2 * conf > max_width:
                out.append(f"{r['factor']}: {idx} interval ±{conf:.2f} (width "
                           f"{2 * conf:.2f}) is wider than {max_width:g}")
    if out:
        out.append("the sample is too small for these indices: use a larger N (e.g. 4× the "
                   "current one) before reading them")
    return out


def median_ci_censored(values: np.ndarray | pd.Series, level: float = LEVEL
                       ) -> tuple[float, float, float, float]:
    """Median with a distribution-free interval; NaN values are censored (event not yet seen).

    Returns (median, low, high, share censored); a bound is ``inf`` when it falls among the
    censored runs (the event had not happened by the end for that many runs).
    """
    x = np.asarray(values, dtype=float)
    n = len(x)
    if n == 0:
        return (math.nan, math.nan, math.nan, math.nan)
    censored = float(np.isnan(x).mean())
    s = np.sort(np.where(np.isnan(x), np.inf, x))
    med = float(np.median(s)) if not np.isinf(s[(n - 1) // 2]) else math.inf
    # ranks j, n-j+1 with P(X_(j) <= median <= X_(n-j+1)) = 1 - 2 P(B <= j-1) >= level,
    # B ~ binomial(n, 1/2): j - 1 is the largest k with P(B <= k) <= (1 - level) / 2
    alpha = (1 - level) / 2
    k0 = int(stats.binom.ppf(alpha, n, 0.5))
    if stats.binom.cdf(k0, n, 0.5) > alpha:
        k0 -= 1
    j = k0 + 1
    if j < 1:      # too few runs for a 95 % interval (n < 6)
        return (med, math.nan, math.nan, censored)
    k = n - j + 1
    lo, hi = float(s[j - 1]), float(s[k - 1])
    return (med, lo, hi, censored)


def summarise(df: pd.DataFrame, by: list[str], outcomes: list[str],
              censored: tuple[str, ...] = ()) -> pd.DataFrame:
    """Per group of ``by``: n, then mean/low/high (or median/low/high/censored) per outcome."""
    rows = []
    for key, g in df.groupby(by, sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        row: dict[str, Any] = dict(zip(by, key, strict=True))
        row["n"] = len(g)
        for o in outcomes:
            if o in censored:
                m, lo, hi, cens = median_ci_censored(g[o].to_numpy())
                row.update({f"{o}_median": m, f"{o}_low": lo, f"{o}_high": hi,
                            f"{o}_censored": cens})
            else:
                m, lo, hi = interval(g[o].to_numpy(), share=is_percent(o))
                row.update({f"{o}_mean": m, f"{o}_sd": float(g[o].std(ddof=1))
                            if len(g) > 1 else math.nan, f"{o}_low": lo, f"{o}_high": hi})
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass
class Effects:
    """OLS of one outcome on standardised factors."""

    outcome: str
    table: pd.DataFrame      # term, coef, low, high, p, per_unit, per_unit_low, per_unit_high
    r2: float
    n: int


def ols_effects(df: pd.DataFrame, factors: list[str], outcome: str,
                interactions: bool = True, level: float = LEVEL) -> Effects | None:
    """Effect of each factor (per SD, and per unit) with HC3 robust confidence intervals.

    Non-numeric factors are dummy-coded against their first level.  Pairwise interactions of
    numeric factors are included when ``interactions`` (the product of standardised factors:
    how much one factor's effect changes per SD of the other).
    """
    data = df[[*factors, outcome]].dropna()
    y = data[outcome].to_numpy(dtype=float)
    cols: dict[str, np.ndarray] = {}
    scale: dict[str, float] = {}
    numeric = []
    for f in factors:
        x = data[f]
        if pd.api.types.is_bool_dtype(x):
            x = x.astype(float)
        if pd.api.types.is_numeric_dtype(x):
            sd = float(x.std(ddof=0))
            if sd == 0 or not np.isfinite(sd):
                continue
            cols[f] = ((x - x.mean()) / sd).to_numpy(dtype=float)
            scale[f] = sd
            numeric.append(f)
        else:
            levels = sorted(x.astype(str).unique())
            for lev in levels[1:]:
                cols[f"{f}={lev} (vs {levels[0]})"] = (x.astype(str) == lev).to_numpy(float)
    if interactions:
        for i, a in enumerate(numeric):
            for b in numeric[i + 1:]:
                cols[f"{a} × {b}"] = cols[a] * cols[b]
    if not cols or len(y) <= len(cols) + 1:
        return None
    names = list(cols)
    X = np.column_stack([np.ones(len(y)), *(cols[n] for n in names)])
    XtX_inv = np.linalg.pinv(X.T @ X)
    beta = XtX_inv @ X.T @ y
    resid = y - X @ beta
    h = np.einsum("ij,jk,ik->i", X, XtX_inv, X)
    w = (resid / np.clip(1 - h, 1e-12, None)) ** 2
    cov = XtX_inv @ (X.T * w) @ X @ XtX_inv
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    dof = len(y) - X.shape[1]
    tcrit = float(stats.t.ppf(0.5 + level / 2, dof))
    ss_tot = float(((y - y.mean()) ** 2).sum())
    r2 = 1 - float((resid ** 2).sum()) / ss_tot if ss_tot > 0 else math.nan
    rows = []
    for i, n in enumerate(names, start=1):
        coef, half = float(beta[i]), tcrit * float(se[i])
        tval = coef / se[i] if se[i] > 0 else math.inf
        p = float(2 * stats.t.sf(abs(tval), dof))
        sd = scale.get(n)
        rows.append({"term": n, "coef": coef, "low": coef - half, "high": coef + half, "p": p,
                     "per_unit": coef / sd if sd else math.nan,
                     "per_unit_low": (coef - half) / sd if sd else math.nan,
                     "per_unit_high": (coef + half) / sd if sd else math.nan})
    return Effects(outcome=outcome, table=pd.DataFrame(rows), r2=r2, n=len(y))


def sobol_indices(unit_names: list[str], y: np.ndarray, second_order: bool, seed: int
                  ) -> pd.DataFrame:
    """First-order and total Sobol indices with 95 % bootstrap intervals (SALib)."""
    from SALib.analyze import sobol

    from ..sweep.design import salib_problem

    res = sobol.analyze(salib_problem(unit_names), np.asarray(y, dtype=float),
                        calc_second_order=second_order, num_resamples=1000, conf_level=LEVEL,
                        seed=seed)
    return pd.DataFrame({"factor": unit_names, "S1": res["S1"], "S1_conf": res["S1_conf"],
                         "ST": res["ST"], "ST_conf": res["ST_conf"]})


def morris_indices(unit_names: list[str], X: np.ndarray, y: np.ndarray, levels: int, seed: int
                   ) -> pd.DataFrame:
    """Morris mu* (mean absolute elementary effect over the factor's whole range, in outcome
    units) with its 95 % bootstrap interval, and sigma (non-linearity or interactions)."""
    from SALib.analyze import morris

    from ..sweep.design import salib_problem

    res = morris.analyze(salib_problem(unit_names), np.asarray(X, dtype=float),
                         np.asarray(y, dtype=float), num_resamples=1000, conf_level=LEVEL,
                         num_levels=levels, seed=seed)
    return pd.DataFrame({"factor": unit_names, "mu": res["mu"], "mu_star": res["mu_star"],
                         "mu_star_conf": res["mu_star_conf"], "sigma": res["sigma"]})
