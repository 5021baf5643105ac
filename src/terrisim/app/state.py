"""One browser session's simulation: scenario, pending edits, seed, lesson, model and past runs.

Mesa's SolaraViz examples build the model at module level, which Solara runs once per server: every
browser would step the same model.  Here each session (each browser tab) gets its own
:class:`Simulation`, created by the page component when the session starts, so two people on the
same server never step each other's model.

Parameters follow NetLogo's *setup* convention, as SolaraViz does: edits are kept as *pending*
overrides, validated as they are typed, and only applied by :meth:`Simulation.reset`, which builds a
new model from the scenario plus the overrides.  A refused value never costs the run on screen: the
session records *why* (:class:`~terrisim.app.messages.FieldError`, worded by the interface in the
learner's language) and keeps the model it has.  Everything here is plain Python (no Solara), so
the unit tests drive it directly.
"""

from __future__ import annotations

import io
import math
import os
import threading
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import UserError
from ..model import TerritoryModel
from ..scenario import Scenario, ScenarioError, load_scenario
from . import history
from . import lessons as lessons_mod
from .capacity import gate, limit_of
from .i18n import DEFAULT_LANG, LANGS, Translator
from .messages import FieldError, parse_seed

__all__ = ["DEFAULT_SEED", "ENV_LANG", "ENV_SCENARIO", "ENV_SEED", "Simulation", "parse_value"]

#: Set by ``terrisim app`` for the server process (read when a session starts).
ENV_SCENARIO = "TERRISIM_APP_SCENARIO"
ENV_SEED = "TERRISIM_APP_SEED"
ENV_LANG = "TERRISIM_APP_LANG"
ENV_PRESENT = "TERRISIM_APP_PRESENT"
#: The class token learners must give when the server listens beyond this computer.
ENV_TOKEN = "TERRISIM_APP_TOKEN"
DEFAULT_SEED = 42
#: Changes named in a file name before "and N more".
NAMED_CHANGES = 3


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


class ResetRefused(Exception):
    """Reset cannot build a model: a field is refused or the edits break a rule together.
    The running model is kept."""

    def __init__(self, field: FieldError | None = None,
                 rule: ScenarioError | None = None) -> None:
        self.field = field
        self.rule = rule
        super().__init__(str(field or rule))


class Simulation:
    """The run one browser session is looking at (thread-safe for step versus reset)."""

    def __init__(self, scenario: Scenario, seed: int = DEFAULT_SEED, source: str = "",
                 scenario_path: Path | None = None) -> None:
        self.origin = scenario            # the scenario the session started from (file)
        self.base = scenario              # the scenario of the running model
        self.reference = scenario         # what changes are named against (origin or lesson)
        self.source = source or scenario.name
        self.scenario_path = scenario_path
        self.pending: dict[str, Any] = {}
        self.errors: dict[str, FieldError] = {}
        self.seed = int(seed)             # the running model's seed
        self.seed_text = str(self.seed)   # what the seed field holds (next Reset)
        self.seed_error: FieldError | None = None
        self.lesson: str | None = None
        self.detached = False             # its page is gone (a Play loop must stop)
        self.checkpoints_seen: set[int] = set()
        self.runs: list[history.RunRecord] = []
        self.run_number = 1
        self.lock = threading.RLock()
        self.model: TerritoryModel | None = TerritoryModel(scenario=self.base, rng=self.seed)

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

    @staticmethod
    def initial_presentation() -> bool:
        return os.environ.get(ENV_PRESENT, "") == "1"

    # -- parameters --------------------------------------------------------------------------
    def value(self, name: str) -> Any:
        """The value a parameter will have at the next Reset (pending edit, else current)."""
        return self.pending.get(name, getattr(self.base, name))

    def edit(self, name: str, raw: Any) -> FieldError | None:
        """Record an edit; returns (and records) why a value is refused."""
        spec = Scenario.specs().get(name)
        if spec is None:
            return FieldError(name, raw)
        cap = limit_of(name, spec.hi)
        try:
            value = spec.check(parse_value(spec.type, raw), "app")
        except (ValueError, ScenarioError):
            self.errors[name] = FieldError(name, raw, cap)
            return self.errors[name]
        if cap is not None and value > cap and value != getattr(self.origin, name):
            self.errors[name] = FieldError(name, raw, cap)
            return self.errors[name]
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

    def candidate_values(self) -> dict[str, Any]:
        return {**self.base.to_dict(), **self.pending}

    def candidate_error(self) -> ScenarioError | None:
        """Why the pending edits cannot be applied together (e.g. share_pme + share_eti > 1)."""
        try:
            self.candidate()
        except ScenarioError as exc:
            return exc
        return None

    def set_seed(self, raw: Any) -> FieldError | None:
        """What the seed field holds; refused text is kept (the learner sees it) with why."""
        self.seed_text = str(raw)
        parsed = parse_seed(raw)
        self.seed_error = parsed if isinstance(parsed, FieldError) else None
        return self.seed_error

    # -- running -----------------------------------------------------------------------------
    def reset(self, seed: int | None = None) -> None:
        """Build a new model from the scenario plus the pending edits (NetLogo's setup), with
        the seed of the seed field (or ``seed``).

        Raises :class:`ResetRefused` (and keeps the running model) when the seed field or the
        edits cannot be used.
        """
        if seed is not None:
            self.set_seed(str(seed))
        if self.seed_error is not None:
            raise ResetRefused(field=self.seed_error)
        new_seed = parse_seed(self.seed_text)
        assert isinstance(new_seed, int)
        try:
            scenario = self.candidate()
        except ScenarioError as exc:
            raise ResetRefused(rule=exc) from None
        model = TerritoryModel(scenario=scenario, rng=new_seed)
        with self.lock:
            self._archive()
            self.seed = new_seed
            self.model = model
            self.base = scenario
            self.pending.clear()
            self.errors.clear()
            self.checkpoints_seen.clear()

    def _archive(self) -> None:
        """Keep the run being replaced for comparison (if it went anywhere)."""
        if self.model is None or self.model.month == 0:
            return
        name = self.reference.name
        self.runs.append(history.record(self.model, self.run_number, self.reference, name))
        self.run_number += 1
        del self.runs[:-history.MAX_RUNS]

    def step(self, model: TerritoryModel | None = None, interactive: bool = True) -> bool:
        """Advance one month; returns whether the run can go on.

        ``model`` lets the Play loop say which model it was started on: after a Reset it must not
        step the new one.  ``interactive`` is a person's click (it goes before Play loops at
        the server's step gate).
        """
        with gate.turn(interactive), self.lock:
            if self.model is None or (model is not None and model is not self.model):
                return False
            if not self.model.running:
                return False
            self.model.step()
            return bool(self.model.running)

    @property
    def running(self) -> bool:
        return self.model is not None and bool(self.model.running)

    def release(self) -> None:
        """Drop the model and the kept runs (the session is gone; memory goes back)."""
        with self.lock:
            self.model = None
            self.runs.clear()

    # -- lessons -----------------------------------------------------------------------------
    def lessons_dir(self) -> tuple[Path | None, list[Path]]:
        return lessons_mod.find_lessons_dir(self.scenario_path)

    def load_lesson(self, lesson_id: str) -> None:
        """Start a lesson: its scenario replaces the parameters, and the model is reset."""
        directory, looked = self.lessons_dir()
        if directory is None:
            raise UserError("lesson scenarios not found in " + ", ".join(map(str, looked)))
        scenario = lessons_mod.load_lesson(lesson_id, directory)
        self._restart(scenario, reference=scenario, lesson=lesson_id,
                      source=f"lessons/{lessons_mod.BY_ID[lesson_id].file}")

    def leave_lesson(self) -> None:
        """Back to the scenario the session started from."""
        self._restart(self.origin, reference=self.origin, lesson=None,
                      source=self.scenario_path.name if self.scenario_path else self.origin.name)

    def _restart(self, scenario: Scenario, reference: Scenario, lesson: str | None,
                 source: str) -> None:
        model = TerritoryModel(scenario=scenario, rng=self.seed)
        with self.lock:
            self._archive()
            self.base = scenario
            self.reference = reference
            self.pending.clear()
            self.errors.clear()
            self.lesson = lesson
            self.source = source
            self.checkpoints_seen.clear()
            self.model = model

    def checkpoint_due(self) -> int | None:
        """The lesson's checkpoint month reached and not yet shown, if any (the Play loop
        pauses there and the question is shown)."""
        if self.lesson is None or self.model is None:
            return None
        month = int(self.model.month)
        for m in lessons_mod.BY_ID[self.lesson].checkpoints:
            if m == month and m not in self.checkpoints_seen:
                return m
        return None

    # -- export ------------------------------------------------------------------------------
    def changed(self) -> dict[str, Any]:
        """Parameters of the running model that differ from the session's reference."""
        return history.changes(self.base, self.reference)

    def csv(self, tr: Translator) -> str:
        """Every indicator of every month so far, after comment lines that record the scenario,
        what changed, the seed and every parameter (as TOML, so ``terrisim run`` can redo it).

        In English: comma-separated, decimal point, the indicator identifiers of ``terrisim run``
        as columns.  In French: semicolon-separated with decimal commas (what French spreadsheets
        expect), columns named in French with the identifier in brackets.
        """
        with self.lock:
            model = self.model
            assert model is not None
            df = model.dataframe()
            month = int(model.month)
        first = [c for c in ("month", "year") if c in df.columns]
        df = df[first + [c for c in df.columns if c not in first]]
        out = io.StringIO()
        for line in self.provenance(tr, month):
            out.write(f"# {line}\n")
        if tr.lang == "fr":
            df = df.rename(columns={c: f"{tr.indicator_label(c)} [{c}]" for c in df.columns})
            df.to_csv(out, index=False, sep=";", decimal=",", float_format="%.6g")
        else:
            df.to_csv(out, index=False, float_format="%.6g")
        return out.getvalue()

    def provenance(self, tr: Translator, month: int | None = None) -> list[str]:
        """Lines saying what a file is: program, scenario, changes, seed, month, parameters."""
        month = int(self.model.month) if month is None and self.model is not None else month
        lines = [tr("export.made_by", version=__version__, source=self.source,
                    name=self.base.name),
                 tr("export.changed", reference=self.reference.name,
                    changes=history.changes_text(self.changed(), tr, limit=99)),
                 tr("export.seed_month", seed=self.seed, month=month),
                 tr("export.parameters")]
        lines += self.base.to_toml().splitlines()
        return lines

    def footer(self, tr: Translator) -> str:
        """The PNG footer: scenario, what changed, seed; the month is added by the browser."""
        return tr("export.footer", name=self.base.name,
                  changes=history.changes_text(self.changed(), tr), seed=self.seed)

    def filename(self, extension: str, month: int | None = None) -> str:
        """``terrisim-<scenario>[-<param>=<value>…]-seed<seed>[-month<m>].<extension>``: named
        after what changed from the reference scenario, so two exports never look alike."""
        name = _slug(self.base.name)
        parts = [f"{_slug(k)}={_slug(_plain(v))}" for k, v in self.changed().items()]
        if len(parts) > NAMED_CHANGES:
            parts = [*parts[:NAMED_CHANGES], f"and{len(parts) - NAMED_CHANGES}more"]
        stem = "-".join(["terrisim", name, *parts, f"seed{self.seed}"])
        if month is not None:
            stem += f"-month{month}"
        return f"{stem}.{extension}"


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_.=" else "_" for ch in str(text))
