"""The observed patterns (targets) and how a run is compared with them.

The targets live in a data file (``src/terrisim/data/targets.toml`` by default) so that sources,
tolerances and dates are read, reviewed and cited in one place.  Reading it checks every field:
a wrong file is reported like a wrong scenario (file, key, what is allowed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError, UserError
from ..scenario import read_toml

FIELDS = {"id": str, "label": str, "label_fr": str, "source": str, "indicator": str,
          "target": (int, float), "tolerance": (int, float), "unit": str}
UNITS = ("share", "months", "count", "rate")
#: Optional keys: ``causal = true`` — the value is the paired difference between the scenario
#: and its counterfactual without catalysts (same seeds), for patterns such as "partnerships
#: initiated by the Labo"; ``per = "catalyst_year"`` — the value is divided by the catalysts'
#: years of activity (catalysts × months simulated / 12), for rates of a programme;
#: ``scenario`` — the scenario file the pattern is compared in (relative to the targets file);
#: ``note`` — why the tolerance is what it is (e.g. order of magnitude for a single case).
OPTIONAL = {"causal": bool, "per": str, "scenario": str, "note": str}
PER = ("catalyst_year",)


class TargetsError(InputError):
    """A targets file that cannot be read."""


@dataclass(frozen=True)
class Pattern:
    """One observed figure, the indicator it is compared with, and when."""

    id: str
    label: str
    label_fr: str
    source: str
    indicator: str
    target: float
    tolerance: float
    unit: str
    date: str | None = None   # "YYYY-MM", or None when read at the end of the run
    causal: bool = False      # value = scenario − counterfactual without catalysts, same seeds
    per: str | None = None    # "catalyst_year": divided by catalysts × years of activity
    scenario: str | None = None
    note: str = ""

    def month(self, start_year: int) -> int | None:
        """Simulated month (step) of the comparison for a run starting in ``start_year``."""
        if self.date is None:
            return None
        year, mon = (int(x) for x in self.date.split("-"))
        return (year - start_year) * 12 + (mon - 1)

    def when(self) -> str:
        return self.date if self.date else "end of run"

    def value(self, run: pd.DataFrame, start_year: int, catalysts: int = 0) -> float:
        """The indicator's value in one run (NaN when it never happened, e.g. no deployment);
        per catalyst-year when ``per`` says so (``catalysts``: the scenario's count)."""
        month = self.month(start_year)
        if month is None:
            value, month = float(run[self.indicator].iloc[-1]), int(run["month"].iloc[-1])
        else:
            row = run.loc[run["month"] == month, self.indicator]
            if row.empty:
                raise UserError(f"pattern '{self.id}' is compared in {self.date} (month "
                                f"{month}), outside the simulated months 0–"
                                f"{int(run['month'].max())}; run at least {month} steps")
            value = float(row.iloc[0])
        if self.per == "catalyst_year":
            years = catalysts * month / 12
            return value / years if years > 0 else float("nan")
        return value


def default_targets_path() -> Path:
    return Path(str(resources.files("terrisim") / "data" / "targets.toml"))


def catalyst_targets_path() -> Path:
    """Catalyst-level patterns (Labo des partenariats d'Alsace, Émergence): kept out of the
    default validation until the model provides their indicators (:func:`pending`)."""
    return Path(str(resources.files("terrisim") / "data" / "targets_catalysts.toml"))


def pending(path: str | Path) -> list[str]:
    """Indicators a targets file compares with that the model does not provide yet."""
    from ..model import indicator_names

    entries = read_toml(Path(path)).get("pattern") or []
    known = set(indicator_names())
    return sorted({e.get("indicator") for e in entries if e.get("indicator") not in known})


def load_targets(path: str | Path | None = None, allow_pending: bool = False
                 ) -> list[Pattern]:
    """Read and check a targets file (default: the project's own).  ``allow_pending`` accepts
    indicators the model does not compute yet (to check a file written ahead of them)."""
    from ..model import indicator_names

    path = Path(path) if path is not None else default_targets_path()
    data = read_toml(path, TargetsError)
    entries = data.get("pattern")
    if (not isinstance(entries, list) or not entries
            or not all(isinstance(e, dict) for e in entries)):
        raise UserError(f"{path}: key 'pattern': expected one or more [[pattern]] tables")
    known = set(indicator_names())
    if allow_pending:
        known |= {e.get("indicator") for e in entries if isinstance(e.get("indicator"), str)}
    patterns, seen = [], set()
    for k, entry in enumerate(entries, start=1):
        where = f"{path}: pattern {k}"
        patterns.append(_pattern(entry, where, known))
        if patterns[-1].id in seen:
            raise UserError(f"{where}: key 'id': '{patterns[-1].id}' is used twice")
        seen.add(patterns[-1].id)
    return patterns


def _pattern(entry: dict[str, Any], where: str, known: set[str]) -> Pattern:
    extra = set(entry) - set(FIELDS) - set(OPTIONAL) - {"date", "at"}
    if extra:
        raise UserError(f"{where}: key '{sorted(extra)[0]}': unknown; allowed keys are "
                        + ", ".join([*FIELDS, *OPTIONAL, "date", "at"]))
    options: dict[str, Any] = {}
    for key, kind in OPTIONAL.items():
        if key in entry:
            if not isinstance(entry[key], kind):
                what = "true or false" if kind is bool else "a string"
                raise UserError(f"{where}: key '{key}': must be {what} (got {entry[key]!r})")
            options[key] = entry[key]
    if options.get("per", PER[0]) not in PER:
        raise UserError(f"{where}: key 'per': must be one of {', '.join(PER)} "
                        f"(got {options['per']!r})")
    values: dict[str, Any] = {}
    for key, kind in FIELDS.items():
        if key not in entry:
            raise UserError(f"{where}: key '{key}' is missing")
        v = entry[key]
        if isinstance(v, bool) or not isinstance(v, kind):
            what = "a string" if kind is str else "a number"
            raise UserError(f"{where}: key '{key}': must be {what} (got {v!r})")
        if kind is not str and not math.isfinite(v):
            raise UserError(f"{where}: key '{key}': must be a finite number (got {v!r})")
        values[key] = v if kind is str else float(v)
    if values["indicator"] not in known:
        raise UserError(f"{where}: key 'indicator': '{values['indicator']}' is not a model "
                        "indicator (see the columns of indicators.csv)")
    if values["unit"] not in UNITS:
        raise UserError(f"{where}: key 'unit': must be one of {', '.join(UNITS)}")
    if values["tolerance"] <= 0:
        raise UserError(f"{where}: key 'tolerance': must be positive")
    has_date, has_at = "date" in entry, "at" in entry
    if has_date == has_at:
        raise UserError(f"{where}: give exactly one of 'date = \"YYYY-MM\"' or 'at = \"end\"'")
    date = None
    if has_date:
        date = entry["date"]
        ok = isinstance(date, str) and len(date) == 7 and date[4] == "-"
        try:
            ok = ok and 1 <= int(date[5:]) <= 12 and int(date[:4]) > 0
        except ValueError:
            ok = False
        if not ok:
            raise UserError(f"{where}: key 'date': must be \"YYYY-MM\" (got {date!r})")
    elif entry["at"] != "end":
        raise UserError(f"{where}: key 'at': must be \"end\" (got {entry['at']!r})")
    return Pattern(date=date, **values, **options)


@dataclass(frozen=True)
class Comparison:
    """A pattern against replications: mean, 95 % confidence interval, met or not."""

    pattern: Pattern
    values: np.ndarray     # one value per replication (NaN: never happened)

    @property
    def reached(self) -> np.ndarray:
        return self.values[~np.isnan(self.values)]

    @property
    def mean(self) -> float:
        return float(self.reached.mean()) if len(self.reached) else float("nan")

    @property
    def ci(self) -> tuple[float, float]:
        """95 % interval of the mean over replications, as in reports: Student t, or a
        bootstrap percentile interval for shares (never outside [0, 1]); NaN with fewer than
        ``report.stats.MIN_REPLICATIONS`` values."""
        from ..report.stats import interval

        _, lo, hi = interval(self.reached, share=self.pattern.unit == "share")
        return (lo, hi)

    @property
    def met(self) -> bool:
        """Mean within tolerance, and the event happened in most replications."""
        if len(self.reached) * 2 <= len(self.values):
            return False
        return abs(self.mean - self.pattern.target) <= self.pattern.tolerance


def compare(patterns: list[Pattern], runs: list[pd.DataFrame], start_year: int,
            catalysts: int = 0, counterfactual: list[pd.DataFrame] | None = None
            ) -> list[Comparison]:
    """Each pattern against the runs.  A causal pattern takes, run by run, the difference with
    the same seed's run without catalysts (``counterfactual``, same order as ``runs``)."""
    out = []
    for p in patterns:
        vals = np.array([p.value(r, start_year, catalysts) for r in runs])
        if p.causal:
            if counterfactual is None:
                raise UserError(f"pattern '{p.id}' is causal: it needs the runs without "
                                "catalysts with the same seeds")
            # a counterfactual without catalysts has no catalyst-years: divide by the
            # scenario's own, so the difference is the effect per catalyst-year
            vals = vals - np.array([p.value(r, start_year, catalysts)
                                    for r in counterfactual])
        out.append(Comparison(p, vals))
    return out


def required_steps(patterns: list[Pattern], start_year: int) -> int:
    """Months a run must cover for every dated pattern."""
    months = [p.month(start_year) for p in patterns if p.date is not None]
    return max(months, default=0)
