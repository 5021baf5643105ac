"""The posterior sample: its file, its point estimates, and writing a point as the defaults.

A posterior file is Parquet: one row per particle of the last ABC-SMC generation, with the
calibrated parameters, the particle's normalised ``weight`` and ``distance``, and the pattern
values it produced; its footer carries the provenance (experiment, settings, generations,
calibration master seeds, point estimates).  The package ships one in ``terrisim/data``.

Point estimate: the **weighted marginal median** of each parameter.  It is what the defaults
become: robust to the long tails of weakly identified parameters, always inside the prior's
support, and well defined however many parameters there are — unlike a MAP, which needs a
density estimate of the joint posterior (unstable with a few hundred particles in tens of
dimensions; :func:`map_particle` gives the particle of highest kernel density for comparison).
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import UserError

#: Columns of a posterior file that are not parameters.
BOOKKEEPING: tuple[str, ...] = ("particle", "weight", "distance", "seeds")
PATTERN_PREFIX = "pattern_"


def shipped_path() -> Path:
    return Path(str(resources.files("terrisim") / "data" / "posterior.parquet"))


def shipped_metadata() -> dict[str, Any]:
    """Provenance of the shipped posterior (empty when none is shipped)."""
    from ..simulate import read_parquet_metadata

    path = shipped_path()
    return read_parquet_metadata(path) if path.exists() else {}


def read_posterior(path: str | Path | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The particles and metadata of a posterior file (default: the shipped one)."""
    from ..simulate import read_parquet_metadata

    path = Path(path) if path is not None else shipped_path()
    if not path.exists():
        raise UserError(f"{path}: no posterior file; run `terrisim calibrate --method abc-smc "
                        "EXPERIMENT.toml` first (it writes posterior.parquet)")
    try:
        df = pd.read_parquet(path)
        meta = read_parquet_metadata(path)
    except Exception as exc:   # any unreadable file is the user's input
        raise UserError(f"{path}: not a posterior file ({exc})") from None
    if "weight" not in df or not meta.get("parameters"):
        raise UserError(f"{path}: not a terrisim posterior file (no weights or parameters)")
    return df, meta


def parameter_names(meta: dict[str, Any]) -> list[str]:
    return [p["name"] for p in meta["parameters"]]


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float | np.ndarray) -> np.ndarray:
    """Quantile of a weighted sample (linear interpolation of the weighted CDF's midpoints)."""
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    order = np.argsort(x)
    x, w = x[order], w[order]
    cdf = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(q, cdf, x)


def effective_sample_size(w: np.ndarray) -> float:
    """Kish's effective sample size of normalised importance weights."""
    w = np.asarray(w, dtype=float)
    w = w / w.sum()
    return float(1.0 / np.sum(w**2))


def _typed(param: dict[str, Any], value: Any) -> int | float:
    """A posterior value as the scenario takes it (integer parameters rounded)."""
    v = float(value)
    return int(np.rint(v)) if param["type"] == "int" else v


def point_estimate(df: pd.DataFrame, meta: dict[str, Any]) -> dict[str, Any]:
    """Weighted marginal median of each parameter, typed (integers rounded)."""
    out: dict[str, Any] = {}
    for p in meta["parameters"]:
        v = float(weighted_quantile(df[p["name"]], df["weight"], 0.5))
        out[p["name"]] = _typed(p, v) if p["type"] == "int" else float(f"{v:.4g}")
    return out


def map_particle(df: pd.DataFrame, meta: dict[str, Any]) -> dict[str, Any]:
    """The particle of highest weighted Gaussian kernel density (parameters scaled to their
    prior range): an approximate MAP, for comparison with the median."""
    from scipy.stats import gaussian_kde

    names = parameter_names(meta)
    lo = np.array([p["lo"] for p in meta["parameters"]], dtype=float)
    hi = np.array([p["hi"] for p in meta["parameters"]], dtype=float)
    x = (df[names].to_numpy(dtype=float) - lo) / (hi - lo)
    try:
        dens = gaussian_kde(x.T, weights=df["weight"].to_numpy())(x.T)
    except (np.linalg.LinAlgError, ValueError):   # too few particles for the dimension
        dens = df["weight"].to_numpy()
    best = df.iloc[int(np.argmax(dens))]
    return {p["name"]: _typed(p, best[p["name"]]) for p in meta["parameters"]}


def sample_draws(df: pd.DataFrame, meta: dict[str, Any], n: int, seed: int
                 ) -> list[dict[str, Any]]:
    """``n`` parameter sets drawn from the posterior (weighted resampling of the particles)."""
    rng = np.random.default_rng(seed)
    w = df["weight"].to_numpy(dtype=float)
    idx = rng.choice(len(df), size=n, replace=True, p=w / w.sum())
    draws = []
    for i in idx:
        row = df.iloc[int(i)]
        draws.append({p["name"]: _typed(p, row[p["name"]]) for p in meta["parameters"]})
    return draws


_PARAM_LINE = r"^(\s+{name}: (?:float|int|bool|str) = param\()([^,]+)(,)"


def write_defaults(values: dict[str, Any], path: str | Path) -> list[str]:
    """Rewrite the default of each parameter of ``values`` in the source of ``Scenario``
    (``src/terrisim/scenario.py``): the literal first argument of its ``param(...)``.

    Returns the lines changed.  Run ``terrisim params --markdown > docs/parameters.md`` after it
    (a test keeps the two equal).
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    changed = []
    for name, value in values.items():
        pattern = re.compile(_PARAM_LINE.format(name=re.escape(name)), re.M)
        if len(pattern.findall(text)) != 1:
            raise UserError(f"{path}: cannot find the declaration of parameter '{name}'")
        literal = repr(int(value)) if isinstance(value, int | np.integer) else repr(float(value))
        text, _ = pattern.subn(lambda m, lit=literal: m.group(1) + lit + m.group(3), text)
        changed.append(f"{name} = {literal}")
    path.write_text(text, encoding="utf-8")
    return changed
