"""Preset lessons: a prepared scenario, the page to open, and (in the locale files) the question,
what to look at and things to try.

A lesson's parameters live in ``scenarios/lessons/<id>.toml`` (each starts from the baseline with
``base = "../baseline.toml"`` and overrides a few values), so a teacher can read or copy them,
run them from the command line, and the app shows exactly the same parameters after loading.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..resources import shipped_dir
from ..scenario import Scenario, load_scenario

__all__ = ["ENV_LESSONS_DIR", "LESSONS", "Lesson", "find_lessons_dir", "load_lesson"]

ENV_LESSONS_DIR = "TERRISIM_LESSONS_DIR"


@dataclass(frozen=True)
class Lesson:
    """One lesson: its identifier (key in the locale files), scenario file and first page."""

    id: str
    file: str
    page: str
    #: Months at which Play pauses and the lesson's question for that moment is shown (texts in
    #: the locale files, ``lessons.<id>.checkpoints.<month>``).
    checkpoints: tuple[int, ...] = ()


LESSONS: tuple[Lesson, ...] = (
    Lesson("no_catalyst", "no_catalyst.toml", "indicators", (24, 60)),
    Lesson("one_catalyst", "one_catalyst.toml", "territory", (12, 36, 60)),
    Lesson("operator", "operator.toml", "monitors", (30, 60)),
    Lesson("impatient_funder", "impatient_funder.toml", "monitors", (18, 40)),
    Lesson("mountain", "mountain.toml", "territory", (24, 60)),
)
BY_ID = {lesson.id: lesson for lesson in LESSONS}


def _candidates(scenario_path: Path | None) -> list[Path]:
    out = []
    env = os.environ.get(ENV_LESSONS_DIR)
    if env:
        out.append(Path(env).expanduser())
    if scenario_path is not None:
        out.append(scenario_path.resolve().parent / "lessons")
    out.append(Path.cwd() / "scenarios" / "lessons")
    # the shipped lessons (inside the wheel, or the source checkout's scenarios/lessons)
    out.append(shipped_dir("scenarios") / "lessons")
    return out


def find_lessons_dir(scenario_path: Path | None = None) -> tuple[Path | None, list[Path]]:
    """The directory holding the lesson scenarios, and every place looked at.

    Order: ``$TERRISIM_LESSONS_DIR``, ``lessons/`` next to the scenario the app was started with,
    the current directory's ``scenarios/lessons``, the shipped lessons.
    """
    looked = _candidates(scenario_path)
    for directory in looked:
        if all((directory / lesson.file).is_file() for lesson in LESSONS):
            return directory, looked
    return None, looked


def load_lesson(lesson_id: str, directory: Path) -> Scenario:
    """The validated scenario of a lesson (a :class:`~terrisim.scenario.ScenarioError` if the
    file is wrong)."""
    return load_scenario(directory / BY_ID[lesson_id].file)
