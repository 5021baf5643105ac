"""One browser session's simulation: scenario, pending edits, seed, lesson and model.

Mesa's SolaraViz examples build the model at module level, which Solara runs once per server: every
browser would step the same model.  Here each session (each browser tab) gets its own
:class:`Simulation`, created by the page component when the session starts, so two people on the
same server never step each other's model.

Parameters follow NetLogo's *setup* convention, as SolaraViz does: edits are kept as *pending*
overrides, validated as they are typed, and only applied by :meth:`Simulation.reset`, which builds a
new model from the scenario plus the overrides.  Everything here is plain Python (no Solara), so
the unit tests drive it directly.
"""

from __future__ import annotations

import math
import os
import threading
from pathlib import Path
from typing import Any

from ..errors import UserError
from ..model import TerritoryModel
from ..scenario import Scenario, ScenarioError, load_scenario
from . import lessons as lessons_mod
from .i18n import DEFAULT_LANG, LANGS

__all__ = ["DEFAULT_SEED", "ENV_LANG", "ENV_SCENARIO", "ENV_SEED", "Simulation", "parse_value"]

#: Set by ``terrisim app`` for the server process (read when a session starts).
ENV_SCENARIO = "TERRISIM_APP_SCENARIO"
ENV_SEED = "TERRISIM_APP_SEED"
ENV_LANG = "TERRISIM_APP_LANG"
DEFAULT_SEED = 42


def parse_value(spec_type: type, raw: Any) -> Any:
    """Turn what a form sends (a number, a bool, or text typed in either language) into a value
    of the parameter's type, before :meth:`ParamSpec.check` validates its range.

    Text accepts a decimal comma ("0,5"), thin or no-break spaces as thousands separators, and
    "1e3"; an int parameter accepts "12.0" but not "12.5" (the check refuses it).
    """
    if spec_type is bool:
        if isinstance(raw, str):
            return raw.strip().lower() in ("1", "true", "yes", "on", "oui", "vrai")
        return bool(raw)
    if spec_type is str:
        return str(raw)
    if isinstance(raw, bool):
        raise ValueError(f"expected a number, got {raw!r}")
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        text = str(raw).strip().replace("\u202f", "").replace("\u00a0", "").replace(" ", "")
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        if not text:
            raise ValueError("empty value")
        value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {raw!r}")
    if spec_type is int and value.is_integer():
        return int(value)
    return value


class Simulation:
    """The run one browser session is looking at (thread-safe for step versus reset)."""

    def __init__(self, scenario: Scenario, seed: int = DEFAULT_SEED, source: str = "",
                 scenario_path: Path | None = None) -> None:
        self.origin = scenario            # the scenario the session started from (file)
        self.base = scenario              # the scenario of the running model
        self.source = source or scenario.name
        self.scenario_path = scenario_path
        self.pending: dict[str, Any] = {}
        self.errors: dict[str, str] = {}
        self.seed = int(seed)
        self.lesson: str | None = None
        self.lock = threading.RLock()
        self.model = TerritoryModel(scenario=self.base, rng=self.seed)

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def from_environment(cls) -> Simulation:
        """The session's starting point, as ``terrisim app`` configured the server."""
        path = os.environ.get(ENV_SCENARIO)
        seed = int(os.environ.get(ENV_SEED, DEFAULT_SEED))
        if path:
            p = Path(path)
            return cls(load_scenario(p), seed=seed, source=p.name, scenario_path=p)
        return cls(Scenario(), seed=seed, source="defaults")

    @staticmethod
    def initial_language() -> str:
        lang = os.environ.get(ENV_LANG, DEFAULT_LANG)
        return lang if lang in LANGS else DEFAULT_LANG

    # -- parameters --------------------------------------------------------------------------
    def value(self, name: str) -> Any:
        """The value a parameter will have at the next Reset (pending edit, else current)."""
        return self.pending.get(name, getattr(self.base, name))

    def edit(self, name: str, raw: Any) -> str | None:
        """Record an edit; returns an error message (and records it) when the value is refused."""
        spec = Scenario.specs().get(name)
        if spec is None:
            return f"unknown parameter {name!r}"
        try:
            value = spec.check(parse_value(spec.type, raw), "app")
        except (ValueError, ScenarioError) as exc:
            message = exc.detail if isinstance(exc, ScenarioError) else str(exc)
            self.errors[name] = message
            return message
        self.errors.pop(name, None)
        if value == getattr(self.base, name):
            self.pending.pop(name, None)
        else:
            self.pending[name] = value
        return None

    def undo(self) -> None:
        """Forget every pending edit."""
        self.pending.clear()
        self.errors.clear()

    def candidate(self) -> Scenario:
        """The scenario the next Reset would build (raises ScenarioError when inconsistent)."""
        return self.base.replace(**self.pending) if self.pending else self.base

    def candidate_error(self) -> str | None:
        """Why the pending edits cannot be applied together (e.g. share_pme + share_eti > 1)."""
        try:
            self.candidate()
        except ScenarioError as exc:
            return f"{exc.key}: {exc.detail}" if exc.key else exc.detail
        return None

    # -- running -----------------------------------------------------------------------------
    def reset(self, seed: int | None = None) -> None:
        """Build a new model from the scenario plus the pending edits (NetLogo's setup).

        Raises :class:`~terrisim.scenario.ScenarioError` (and keeps the running model) when the
        edits are inconsistent.
        """
        scenario = self.candidate()
        with self.lock:
            if seed is not None:
                self.seed = int(seed)
            self.model = TerritoryModel(scenario=scenario, rng=self.seed)
            self.base = scenario
            self.pending.clear()
            self.errors.clear()

    def step(self, model: TerritoryModel | None = None) -> bool:
        """Advance one month; returns whether the run can go on.

        ``model`` lets the Play loop say which model it was started on: after a Reset it must not
        step the new one.
        """
        with self.lock:
            if model is not None and model is not self.model:
                return False
            if not self.model.running:
                return False
            self.model.step()
            return bool(self.model.running)

    @property
    def running(self) -> bool:
        return bool(self.model.running)

    # -- lessons -----------------------------------------------------------------------------
    def lessons_dir(self) -> tuple[Path | None, list[Path]]:
        return lessons_mod.find_lessons_dir(self.scenario_path)

    def load_lesson(self, lesson_id: str) -> None:
        """Start a lesson: its scenario replaces the parameters, and the model is reset."""
        directory, looked = self.lessons_dir()
        if directory is None:
            raise UserError("lesson scenarios not found in " + ", ".join(map(str, looked)))
        scenario = lessons_mod.load_lesson(lesson_id, directory)
        with self.lock:
            self.base = scenario
            self.pending.clear()
            self.errors.clear()
            self.lesson = lesson_id
            self.source = f"lessons/{lessons_mod.BY_ID[lesson_id].file}"
            self.model = TerritoryModel(scenario=scenario, rng=self.seed)

    def leave_lesson(self) -> None:
        """Back to the scenario the session started from."""
        with self.lock:
            self.lesson = None
            self.base = self.origin
            self.pending.clear()
            self.errors.clear()
            self.source = self.scenario_path.name if self.scenario_path else self.origin.name
            self.model = TerritoryModel(scenario=self.base, rng=self.seed)

    # -- export ------------------------------------------------------------------------------
    def csv(self) -> str:
        """Every indicator of every month so far (one row per month, indicator names as
        columns, ``month`` and ``year`` first)."""
        with self.lock:
            df = self.model.dataframe()
        first = [c for c in ("month", "year") if c in df.columns]
        df = df[first + [c for c in df.columns if c not in first]]
        return df.to_csv(index=False, float_format="%.6g")

    def filename(self, extension: str) -> str:
        """``terrisim-<scenario>-seed<seed>-month<m>.<extension>`` for downloads."""
        name = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in self.base.name)
        return f"terrisim-{name}-seed{self.seed}-month{self.model.month}.{extension}"
